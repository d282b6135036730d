// Command deploybench measures the two figures of docs/deploy.md with the built distribution
// (bin/otelcol-jumpcloud and the shipped otelcol-config.yaml, environment overrides only) against
// the JumpCloud simulator and the Sumo-style sink on loopback (internal/testbed/harness):
//
//   - catchup: a live flow of -rate events/s; the collector runs until it is steady, is stopped
//     (SIGTERM, as for a rescheduled pod, or -kill: kill -9, a crash) for each -down duration
//     while the flow goes on, then restarted on the same storage (the pod's volume). It prints
//     how long the restarted collector took to deliver every event it was allowed to read at
//     the restart (timestamped before restart - settle_delay), from the sink's arrival times.
//
//   - orgs: a multi-tenant (MSP) key with -orgs organizations (a small backfill and a live flow
//     each). It prints the time to deliver the backfill, then, over -steady of normal running,
//     the API requests per minute, the collector's CPU and anonymous memory, and the delivery
//     latency of the live events (how far behind the collector stays with that many
//     organizations).
//
//     go run ./cmd/deploybench -mode catchup -down 2m,5m -rate 50
//     go run ./cmd/deploybench -mode orgs -orgs 100,1000 -steady 3m
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/harness"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/jumpcloudsim"
)

const apiKey = "deploybench-api-key-7c8d9e"

type options struct {
	mode, collector, config, dir string
	events, concurrency          int
	downs                        []time.Duration
	orgs                         []int
	rate                         float64
	latency, steady, warmup      time.Duration
	settle                       time.Duration
	kill                         bool
	timeout                      time.Duration
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "deploybench:", err)
		os.Exit(1)
	}
}

func parse(args []string) (options, error) {
	var o options
	var downs, orgs string
	fs := flag.NewFlagSet("deploybench", flag.ContinueOnError)
	fs.StringVar(&o.mode, "mode", "catchup", "catchup, orgs or replicas")
	fs.IntVar(&o.events, "events", 100000, "replicas: events to backfill")
	fs.IntVar(&o.concurrency, "concurrency", 4, "max_concurrent_requests (JUMPCLOUD_MAX_CONCURRENT_REQUESTS; 4 is the configuration's default)")
	fs.StringVar(&o.collector, "collector", "bin/otelcol-jumpcloud", "the built distribution")
	fs.StringVar(&o.config, "config", "otelcol-config.yaml", "the configuration it runs")
	fs.StringVar(&o.dir, "dir", filepath.Join(os.TempDir(), "otelcol-jumpcloud-deploybench"), "scratch directory (storage, logs)")
	fs.StringVar(&downs, "down", "2m,5m", "catchup: comma-separated times the collector is down")
	fs.StringVar(&orgs, "orgs", "1000", "orgs: comma-separated numbers of organizations")
	fs.Float64Var(&o.rate, "rate", 50, "live events per second (orgs: all organizations together)")
	fs.DurationVar(&o.latency, "page-latency", time.Second, "simulated API answer time of each request")
	fs.DurationVar(&o.warmup, "warmup", 4*time.Minute, "catchup: steady running before the stop")
	fs.DurationVar(&o.steady, "steady", 3*time.Minute, "orgs: the measured period of normal running")
	fs.DurationVar(&o.settle, "settle", 2*time.Minute, "settle_delay of the configuration (JUMPCLOUD_SETTLE_DELAY is not overridden)")
	fs.BoolVar(&o.kill, "kill", false, "catchup: kill -9 instead of SIGTERM")
	fs.DurationVar(&o.timeout, "timeout", 15*time.Minute, "longest wait for a delivery")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	for _, f := range strings.Split(downs, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(f))
		if err != nil || d <= 0 {
			return o, fmt.Errorf("-down %q: want positive durations such as 2m,5m", downs)
		}
		o.downs = append(o.downs, d)
	}
	for _, f := range strings.Split(orgs, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return o, fmt.Errorf("-orgs %q: want positive numbers such as 100,1000", orgs)
		}
		o.orgs = append(o.orgs, n)
	}
	if !slices.Contains([]string{"catchup", "orgs", "replicas"}, o.mode) {
		return o, fmt.Errorf("-mode %q: want catchup, orgs or replicas", o.mode)
	}
	if o.rate <= 0 {
		return o, errors.New("-rate must be positive")
	}
	return o, nil
}

func run(ctx context.Context, args []string, out io.Writer) error {
	o, err := parse(args)
	if err != nil {
		return err
	}
	if _, err := os.Stat(o.collector); err != nil {
		return fmt.Errorf("%w (run `make build`)", err)
	}
	if err := os.MkdirAll(o.dir, 0o750); err != nil {
		return err
	}
	switch o.mode {
	case "replicas":
		return replicas(ctx, o, out)
	case "catchup":
		fmt.Fprintln(out, "| down | stop | live events/s | page latency | events while down | catch-up s | API requests in catch-up | steady latency p50 / max s | duplicates |")
		fmt.Fprintln(out, "|---:|---|---:|---:|---:|---:|---:|---:|---:|")
		for _, d := range o.downs {
			if err := catchup(ctx, o, d, out); err != nil {
				return fmt.Errorf("down %s: %w", d, err)
			}
		}
		return nil
	}
	fmt.Fprintln(out, "| organizations | max_concurrent_requests | page latency | live events/s | backfill events | backfill s | API requests/min | per org/min | CPU cores | CPU-s/h | anon RSS MiB avg / peak | live latency p50 / p99 / max s | behind at end | duplicates |")
	fmt.Fprintln(out, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, n := range o.orgs {
		if err := orgsRun(ctx, o, n, out); err != nil {
			return fmt.Errorf("%d organizations: %w", n, err)
		}
	}
	return nil
}

// start runs the collector on storage with the environment of the run.
func start(o options, b *harness.Backends, storage string, env map[string]string) (*harness.Collector, error) {
	vars := map[string]string{
		"JUMPCLOUD_API_KEY":          apiKey,
		"JUMPCLOUD_ENDPOINT":         b.APIBaseURL(),
		"JUMPCLOUD_INITIAL_LOOKBACK": "2h",
		"SUMO_HTTP_SOURCE_URL":       b.Sink.URL(),
		// 4 is the configuration's default, set here so that -concurrency shows in every run.
		"JUMPCLOUD_MAX_CONCURRENT_REQUESTS": strconv.Itoa(o.concurrency),
	}
	for k, v := range env {
		vars[k] = v
	}
	return harness.StartCollector(harness.CollectorConfig{
		Binary: o.collector, ConfigPath: o.config, StorageDir: storage,
		LogPath: filepath.Join(o.dir, "collector.log"), Env: vars,
	})
}

// sleep waits d, or returns early with ctx's error or the collector's exit.
func sleep(ctx context.Context, d time.Duration, col *harness.Collector) error {
	t := time.NewTimer(d)
	defer t.Stop()
	var done <-chan struct{}
	if col != nil {
		done = col.Done()
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-done:
		return col.ExitedError()
	case <-t.C:
		return nil
	}
}

// waitDelivered waits until the sink holds every event of events (bounded by timeout) and
// returns their first arrival times.
func waitDelivered(ctx context.Context, b *harness.Backends, events []jumpcloudsim.Event, timeout time.Duration, col *harness.Collector) ([]time.Time, error) {
	keys := make([]uint64, len(events))
	for i, ev := range events {
		keys[i] = b.Sink.Hash(string(ev.Raw))
	}
	var firsts []time.Time
	err := harness.Poll(ctx, timeout, 250*time.Millisecond, func() (bool, error) {
		select {
		case <-col.Done():
			return false, col.ExitedError()
		default:
		}
		arr := b.Sink.Arrivals()
		firsts = firsts[:0]
		for _, k := range keys {
			a, ok := arr[k]
			if !ok {
				return false, fmt.Errorf("%d of %d events delivered", len(firsts), len(keys))
			}
			firsts = append(firsts, a.First)
		}
		return true, nil
	})
	return firsts, err
}

// latencies are the arrival - timestamp of each event, sorted.
func latencies(events []jumpcloudsim.Event, firsts []time.Time) []time.Duration {
	out := make([]time.Duration, len(events))
	for i, ev := range events {
		out[i] = firsts[i].Sub(ev.Timestamp)
	}
	slices.Sort(out)
	return out
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

func requestsBetween(b *harness.Backends, from, to time.Time) int {
	n := 0
	for _, s := range b.Sims() {
		for _, rq := range s.Requests() {
			if !rq.Time.Before(from) && rq.Time.Before(to) {
				n++
			}
		}
	}
	return n
}

func catchup(ctx context.Context, o options, down time.Duration, out io.Writer) error {
	b, err := harness.StartBackends(harness.BackendsConfig{APIKey: apiKey, Seed: 7, PageLatency: o.latency, RequestLogSize: 1 << 20, SinkCountOnly: true})
	if err != nil {
		return err
	}
	defer func() { _ = b.Close() }() // loopback backends of this run
	flow := harness.StartLiveFlow(b.Sim, o.rate, time.Second)
	defer func() { _, _ = flow.Stop() }() // on an early return; checked below
	storage := filepath.Join(o.dir, "storage")
	if err := os.RemoveAll(storage); err != nil {
		return err
	}
	col, err := start(o, b, storage, nil)
	if err != nil {
		return err
	}
	started := time.Now()
	if err := sleep(ctx, o.warmup, col); err != nil {
		_ = col.Kill()
		return err
	}
	stopAt := time.Now()
	stopKind := "SIGTERM"
	if o.kill {
		stopKind, err = "kill -9", col.Kill()
	} else {
		err = col.Stop(30 * time.Second)
	}
	if err != nil {
		return err
	}
	// Steady state before the stop: events the collector had delivered before it stopped.
	steadyEvents, err := b.Sim.Events(jumpcloudsim.EventFilter{Start: started, End: stopAt.Add(-o.settle - 90*time.Second)})
	if err != nil {
		return err
	}
	if err := sleep(ctx, down, nil); err != nil {
		return err
	}
	restartAt := time.Now()
	col, err = start(o, b, storage, nil)
	if err != nil {
		return err
	}
	defer func() { _ = col.Stop(30 * time.Second) }()
	readable, err := b.Sim.Events(jumpcloudsim.EventFilter{End: restartAt.Add(-o.settle)})
	if err != nil {
		return err
	}
	firsts, err := waitDelivered(ctx, b, readable, o.timeout, col)
	if err != nil {
		return fmt.Errorf("after the restart: %w (log: %s)", err, filepath.Join(o.dir, "collector.log"))
	}
	last := restartAt
	for _, f := range firsts {
		if f.After(last) {
			last = f
		}
	}
	whileDown, err := b.Sim.Events(jumpcloudsim.EventFilter{Start: stopAt, End: restartAt, NoRaw: true})
	if err != nil {
		return err
	}
	steadyFirsts, err := waitDelivered(ctx, b, steadyEvents, o.timeout, col)
	if err != nil {
		return err
	}
	lat := latencies(steadyEvents, steadyFirsts)
	if _, err := flow.Stop(); err != nil {
		return err
	}
	fmt.Fprintf(out, "| %s | %s | %.0f | %s | %d | %.1f | %d | %.0f / %.0f | %d |\n",
		down, stopKind, o.rate, o.latency, len(whileDown), last.Sub(restartAt).Seconds(), requestsBetween(b, restartAt, last.Add(time.Millisecond)),
		quantile(lat, 0.5).Seconds(), quantile(lat, 1).Seconds(), b.Sink.Stats().Duplicates)
	return nil
}

// orgIDs are n organization ids in JumpCloud's form (24 hex digits).
func orgIDs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("5f%022x", i+1)
	}
	return out
}

func orgsRun(ctx context.Context, o options, n int, out io.Writer) error {
	orgs := orgIDs(n)
	b, err := harness.StartBackends(harness.BackendsConfig{APIKey: apiKey, Seed: 11, Orgs: orgs, PageLatency: o.latency, RequestLogSize: 1 << 16, SinkCountOnly: true})
	if err != nil {
		return err
	}
	defer func() { _ = b.Close() }() // loopback backends of this run
	now := time.Now()
	const backfillPerOrg = 20
	var flows []*harness.LiveFlow
	for _, s := range b.Sims() {
		if err := s.Generate(backfillPerOrg, now.Add(-time.Hour), now.Add(-o.settle-time.Minute)); err != nil {
			return err
		}
		flows = append(flows, harness.StartLiveFlow(s, o.rate/float64(n), 5*time.Second))
	}
	defer func() {
		for _, f := range flows {
			_, _ = f.Stop()
		}
	}()
	storage := filepath.Join(o.dir, "storage")
	if err := os.RemoveAll(storage); err != nil {
		return err
	}
	started := time.Now() // the process's start-up counts, as before StartCollector waited for it
	col, err := start(o, b, storage, map[string]string{"JUMPCLOUD_ORG_ID": strings.Join(orgs, ",")})
	if err != nil {
		return err
	}
	defer func() { _ = col.Stop(30 * time.Second) }()
	var backfill []jumpcloudsim.Event
	for _, s := range b.Sims() {
		evs, err := s.Events(jumpcloudsim.EventFilter{End: now})
		if err != nil {
			return err
		}
		backfill = append(backfill, evs...)
	}
	firsts, err := waitDelivered(ctx, b, backfill, o.timeout, col)
	if err != nil {
		return fmt.Errorf("backfill: %w (log: %s)", err, filepath.Join(o.dir, "collector.log"))
	}
	backfillDone := started
	for _, f := range firsts {
		if f.After(backfillDone) {
			backfillDone = f
		}
	}

	// Normal running: requests, CPU and memory over o.steady.
	from := time.Now()
	cpu0, err := harness.CPUTime(col.Pid())
	if err != nil {
		return err
	}
	var peak, sum, samples int64
	tick := time.NewTicker(time.Second)
	end := time.NewTimer(o.steady)
	for waiting := true; waiting; {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-col.Done():
			return col.ExitedError()
		case <-end.C:
			waiting = false
		case <-tick.C:
			if rss, err := harness.RSSAnon(col.Pid()); err == nil {
				peak, sum, samples = max(peak, rss), sum+rss, samples+1
			}
		}
	}
	tick.Stop()
	to := time.Now()
	cpu1, err := harness.CPUTime(col.Pid())
	if err != nil {
		return err
	}
	// Live events of the measured period that the collector could read by its end: their latency,
	// and how many were still missing at the end (behind).
	var live []jumpcloudsim.Event
	for _, s := range b.Sims() {
		evs, err := s.Events(jumpcloudsim.EventFilter{Start: from.Add(-o.settle), End: to.Add(-o.settle - time.Minute)})
		if err != nil {
			return err
		}
		live = append(live, evs...)
	}
	arr := b.Sink.Arrivals()
	var lat []time.Duration
	behind := 0
	for _, ev := range live {
		a, ok := arr[b.Sink.Hash(string(ev.Raw))]
		if !ok {
			behind++
			continue
		}
		lat = append(lat, a.First.Sub(ev.Timestamp))
	}
	slices.Sort(lat)
	minutes := to.Sub(from).Minutes()
	reqs := float64(requestsBetween(b, from, to))
	cpu := (cpu1 - cpu0).Seconds()
	fmt.Fprintf(out, "| %d | %d | %s | %.0f | %d | %.1f | %.0f | %.2f | %.3f | %.0f | %.0f / %.0f | %.0f / %.0f / %.0f | %d of %d | %d |\n",
		n, o.concurrency, o.latency, o.rate, len(backfill), backfillDone.Sub(started).Seconds(), reqs/minutes, reqs/minutes/float64(n),
		cpu/to.Sub(from).Seconds(), cpu/to.Sub(from).Hours(), float64(sum)/float64(max(samples, 1))/(1<<20), float64(peak)/(1<<20),
		quantile(lat, 0.5).Seconds(), quantile(lat, 0.99).Seconds(), quantile(lat, 1).Seconds(), behind, len(live), b.Sink.Stats().Duplicates)
	return nil
}

// replicas runs two collectors with the same key, each with its own storage, on one backfill.
func replicas(ctx context.Context, o options, out io.Writer) error {
	b, err := harness.StartBackends(harness.BackendsConfig{APIKey: apiKey, Seed: 3, PageLatency: o.latency, SinkCountOnly: true})
	if err != nil {
		return err
	}
	defer func() { _ = b.Close() }() // loopback backends of this run
	now := time.Now()
	if err := b.Sim.Generate(o.events, now.Add(-time.Hour), now.Add(-o.settle-time.Minute)); err != nil {
		return err
	}
	for i := range 2 {
		storage := filepath.Join(o.dir, fmt.Sprintf("storage-%d", i))
		if err := os.RemoveAll(storage); err != nil {
			return err
		}
		col, err := start(o, b, storage, nil)
		if err != nil {
			return err
		}
		defer func() { _ = col.Stop(30 * time.Second) }()
	}
	err = harness.Poll(ctx, o.timeout, 250*time.Millisecond, func() (bool, error) {
		return b.Sink.Stats().Messages >= 2*o.events, nil
	})
	st := b.Sink.Stats()
	fmt.Fprintf(out, "two collectors, same key, own storage each: %d events in the API, %d messages at the sink, %d distinct, %d duplicates, %d API requests\n",
		o.events, st.Messages, st.Distinct, st.Duplicates, b.Sim.Stats().Requests)
	return err
}
