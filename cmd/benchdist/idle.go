package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/harness"
)

// idleRun: orgs organizations behind one MSP key, caught up, measured for d; then one new event
// in each of touched of them, timed until the sink has them all. rps is max_requests_per_second
// (0: none).
type idleRun struct {
	orgs, touched int
	d             time.Duration
	rps           float64
}

type idleResult struct {
	requests   int64
	cpu        time.Duration
	peakAnon   int64
	newDelay   time.Duration
	startupReq int64
}

func measureIdle(ctx context.Context, ir idleRun, bin, config, dir string, timeout time.Duration) (*idleResult, error) {
	orgs := make([]string, ir.orgs)
	for i := range orgs {
		orgs[i] = fmt.Sprintf("5f1c%020d", i)
	}
	b, err := harness.StartBackends(harness.BackendsConfig{APIKey: benchAPIKey, Seed: 44, Orgs: orgs, SinkCountOnly: true})
	if err != nil {
		return nil, err
	}
	defer func() { _ = b.Close() }() // loopback simulator and sink of this run
	storage, err := freshStorage(dir)
	if err != nil {
		return nil, err
	}
	var args []string
	if ir.rps > 0 {
		args = append(args, "--set=receivers::jumpclouddirectoryinsights::max_requests_per_second="+strconv.FormatFloat(ir.rps, 'f', -1, 64))
	}
	col, err := harness.StartCollector(harness.CollectorConfig{
		Args:       args,
		Binary:     bin,
		ConfigPath: config,
		StorageDir: storage,
		LogPath:    filepath.Join(dir, "collector-idle.log"),
		Env: map[string]string{
			"JUMPCLOUD_API_KEY":          benchAPIKey,
			"JUMPCLOUD_ENDPOINT":         b.APIBaseURL(),
			"JUMPCLOUD_ORG_ID":           strings.Join(orgs, ","),
			"JUMPCLOUD_INITIAL_LOOKBACK": "1m",
			"SUMO_HTTP_SOURCE_URL":       b.Sink.URL(),
		},
	})
	if err != nil {
		return nil, err
	}
	defer func() { _ = col.Stop(20 * time.Second) }()
	if _, err := col.WaitHealth(ctx, timeout, func(h harness.Health) bool {
		return h.Receiver != nil && h.Receiver.SourceState() == "Collecting"
	}); err != nil {
		return nil, fmt.Errorf("never Collecting: %w (log: %s)", err, filepath.Join(dir, "collector-idle.log"))
	}
	res := &idleResult{startupReq: b.MSP.Requests()}
	// Settle for two polls, then measure.
	if err := sleepCtx(ctx, 20*time.Second); err != nil {
		return nil, err
	}
	cpu0, err := harness.CPUTime(col.Pid())
	if err != nil {
		return nil, err
	}
	req0, start := b.MSP.Requests(), time.Now()
	if err := harness.Poll(ctx, ir.d+time.Minute, time.Second, func() (bool, error) {
		if rss, err := harness.RSSAnon(col.Pid()); err == nil {
			res.peakAnon = max(res.peakAnon, rss)
		}
		return time.Since(start) >= ir.d, nil
	}); err != nil {
		return nil, err
	}
	cpu1, err := harness.CPUTime(col.Pid())
	if err != nil {
		return nil, err
	}
	res.requests, res.cpu = b.MSP.Requests()-req0, cpu1-cpu0
	// New events in some organizations: how long until they are delivered.
	touchedAt := time.Now()
	for i := range ir.touched {
		org := orgs[(i*7919)%len(orgs)]
		ts := time.Now().UTC()
		if err := b.MSP.Org(org).Generate(1, ts.Add(-time.Millisecond), ts); err != nil {
			return nil, err
		}
	}
	if err := harness.Poll(ctx, timeout, 100*time.Millisecond, func() (bool, error) {
		return b.Sink.Stats().Distinct >= ir.touched, nil
	}); err != nil {
		return nil, fmt.Errorf("only %d of %d new events delivered: %w", b.Sink.Stats().Distinct, ir.touched, err)
	}
	res.newDelay = time.Since(touchedAt)
	return res, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func printIdleHeader(out io.Writer) {
	fmt.Fprintln(out, "| organizations | max_requests_per_second | requests to start (all caught up) | idle requests/min | idle requests per organization and poll | idle collector CPU-s/min | peak anon RSS MiB | new events in N organizations delivered within |")
	fmt.Fprintln(out, "|---:|---:|---:|---:|---:|---:|---:|---:|")
}

func printIdle(out io.Writer, ir idleRun, res *idleResult, poll time.Duration) {
	perMin := float64(res.requests) / ir.d.Minutes()
	polls := ir.d.Seconds() / poll.Seconds()
	fmt.Fprintf(out, "| %d | %g | %d | %.1f | %.4f | %.2f | %.0f | %d: %s |\n",
		ir.orgs, ir.rps, res.startupReq, perMin, float64(res.requests)/polls/float64(ir.orgs),
		res.cpu.Seconds()/ir.d.Minutes(), float64(res.peakAnon)/(1<<20), ir.touched, res.newDelay.Round(100*time.Millisecond))
}

// parseIdleRuns reads "orgs[/rps]" items, e.g. 1,300,2000,2000/2.
func parseIdleRuns(s string, d time.Duration) ([]idleRun, error) {
	var out []idleRun
	for _, f := range strings.Split(s, ",") {
		parts := strings.Split(strings.TrimSpace(f), "/")
		n, err := strconv.Atoi(parts[0])
		if err != nil || n < 1 || len(parts) > 2 {
			return nil, fmt.Errorf("idle run %q: want organizations[/max_requests_per_second], e.g. 2000/2", f)
		}
		ir := idleRun{orgs: n, touched: min(n, 20), d: d}
		if len(parts) == 2 {
			if ir.rps, err = strconv.ParseFloat(parts[1], 64); err != nil || ir.rps <= 0 {
				return nil, fmt.Errorf("idle run %q: max_requests_per_second must be positive", f)
			}
		}
		out = append(out, ir)
	}
	return out, nil
}
