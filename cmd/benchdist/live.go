package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/harness"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/jumpcloudsim"
)

// liveRun is a live flow against the shipped configuration as it is (poll_interval,
// settle_delay, overlap): rate events per second for d, a fraction late of them visible up to
// maxLate after their time.
type liveRun struct {
	d       time.Duration
	rate    float64
	late    float64
	maxLate time.Duration
}

type liveResult struct {
	events, dups, lost int
	served, requests   int64
	counts             int
	p50, p99, maxDelay time.Duration
	cpu                time.Duration
	peakAnon           int64
}

// measureLive runs the flow, waits until every event is visible and delivered (bounded), and
// reports the API reads per delivered event (events the simulator served / events delivered),
// the requests, and the delay from an event becoming visible to its first arrival at the sink.
func measureLive(ctx context.Context, lr liveRun, bin, config, dir string, timeout time.Duration) (*liveResult, error) {
	b, err := harness.StartBackends(harness.BackendsConfig{APIKey: benchAPIKey, Seed: 43, SinkCountOnly: true, RequestLogSize: 1 << 20})
	if err != nil {
		return nil, err
	}
	defer func() { _ = b.Close() }() // loopback simulator and sink of this run
	storage, err := freshStorage(dir)
	if err != nil {
		return nil, err
	}
	col, err := harness.StartCollector(harness.CollectorConfig{
		Binary:     bin,
		ConfigPath: config,
		StorageDir: storage,
		LogPath:    filepath.Join(dir, "collector-live.log"),
		Env: map[string]string{
			"JUMPCLOUD_API_KEY":          benchAPIKey,
			"JUMPCLOUD_ENDPOINT":         b.APIBaseURL(),
			"JUMPCLOUD_INITIAL_LOOKBACK": "1m",
			"SUMO_HTTP_SOURCE_URL":       b.Sink.URL(),
		},
	})
	if err != nil {
		return nil, err
	}
	defer func() { _ = col.Stop(20 * time.Second) }()
	if _, err := col.WaitReady(ctx, time.Minute); err != nil {
		return nil, err
	}
	start := time.Now().UTC()
	flow := harness.StartLiveFlowWith(b.Sim, harness.LiveFlowOptions{
		Rate: lr.rate, Tick: 200 * time.Millisecond, LateFraction: lr.late, MaxLate: lr.maxLate, Seed: 5,
	})
	res := &liveResult{}
	sample := func() {
		if rss, err := harness.RSSAnon(col.Pid()); err == nil {
			res.peakAnon = max(res.peakAnon, rss)
		}
	}
	if err := harness.Poll(ctx, lr.d+time.Minute, time.Second, func() (bool, error) {
		sample()
		return time.Since(start) >= lr.d, nil
	}); err != nil {
		return nil, err
	}
	if _, err := flow.Stop(); err != nil {
		return nil, err
	}
	end := time.Now().UTC()
	evs, err := b.Sim.Events(jumpcloudsim.EventFilter{Start: start.Add(-time.Minute), End: end})
	if err != nil {
		return nil, err
	}
	want := make(map[uint64]time.Time, len(evs))
	for _, ev := range evs {
		want[b.Sink.Hash(string(ev.Raw))] = ev.VisibleAt
	}
	// Every event visible by end + maxLate; then a few polls to deliver the last ones.
	// A time-out shows below as events lost.
	_ = harness.Poll(ctx, lr.maxLate+timeout, 500*time.Millisecond, func() (bool, error) {
		sample()
		return b.Sink.Stats().Distinct >= len(want), nil
	})
	if res.cpu, err = harness.CPUTime(col.Pid()); err != nil {
		return nil, err
	}
	arr := b.Sink.Arrivals()
	var delays []time.Duration
	for h, vis := range want {
		a, ok := arr[h]
		if !ok {
			res.lost++
			continue
		}
		delays = append(delays, max(a.First.Sub(vis), 0))
		res.dups += a.Count - 1
	}
	slices.Sort(delays)
	if n := len(delays); n > 0 {
		res.p50, res.p99, res.maxDelay = delays[n/2], delays[n*99/100], delays[n-1]
	}
	st := b.Sim.Stats()
	res.events, res.served, res.requests = len(want), st.EventsServed, st.Requests
	for _, rq := range b.Sim.Requests() {
		if rq.Path == jumpcloudsim.CountPath {
			res.counts++
		}
	}
	if res.lost > 0 {
		return res, fmt.Errorf("%d of %d events never arrived (log: %s)", res.lost, len(want), filepath.Join(dir, "collector-live.log"))
	}
	return res, nil
}

func printLive(out io.Writer, lr liveRun, res *liveResult) {
	fmt.Fprintln(out, "| live flow | events/s | late (up to) | events | API reads per delivered event | API requests (counts) | requests/min | delay p50 | delay p99 | delay max | collector CPU-s | peak anon RSS MiB | duplicates |")
	fmt.Fprintln(out, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	fmt.Fprintf(out, "| %s | %.0f | %.0f%% (%s) | %d | %.3f | %d (%d) | %.1f | %s | %s | %s | %.1f | %.0f | %d |\n",
		lr.d, lr.rate, lr.late*100, lr.maxLate, res.events, float64(res.served)/float64(res.events), res.requests, res.counts,
		float64(res.requests)/lr.d.Minutes(), res.p50.Round(100*time.Millisecond), res.p99.Round(100*time.Millisecond),
		res.maxDelay.Round(100*time.Millisecond), res.cpu.Seconds(), float64(res.peakAnon)/(1<<20), res.dups)
}

// freshStorage empties the run's storage directory under dir and returns it.
func freshStorage(dir string) (string, error) {
	storage := filepath.Join(dir, "storage")
	if err := os.RemoveAll(storage); err != nil {
		return "", err
	}
	return storage, os.MkdirAll(dir, 0o750)
}
