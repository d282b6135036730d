// Command benchdist measures the built distribution end to end: bin/otelcol-jumpcloud with the
// shipped otelcol-config.yaml against the JumpCloud simulator and the Sumo-style sink on
// loopback (internal/testbed). For each run it backfills N events and prints one row of a
// table: wall time until the sink holds every event, events/s, the collector's CPU-seconds
// (user + system, from /proc) per million events, its peak anonymous RSS (RssAnon, sampled
// every 20 ms), and the API requests made. `make bench` runs it after the Go benchmarks.
//
//	go run ./cmd/benchdist -collector bin/otelcol-jumpcloud -config otelcol-config.yaml
//	go run ./cmd/benchdist -runs 200k/0s/1,200k/0s/4 (events/page latency/max_concurrent_requests)
//	go run ./cmd/benchdist -runs '' -live 5m (a live flow with 10% late events: reads per event, delays)
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/harness"
)

const (
	benchAPIKey = "bench-api-key-5b6c7d"
	// The events span 20 hours before now; the collector backfills 24 hours, one window.
	eventSpan = 20 * time.Hour
	lookback  = 24 * time.Hour
)

// defaultRuns is the matrix of the performance targets (README, Performance).
const defaultRuns = "200k/0s/4,1m/0s/4,5m/0s/4,200k/0s/1,1m/0s/1,200k/1s/1,200k/1s/4,1m/1s/1,1m/1s/4"

type run struct {
	events  int
	latency time.Duration
	conc    int
	// format and semconv: the receiver's format and semantic_conventions (JUMPCLOUD_FORMAT,
	// JUMPCLOUD_SEMANTIC_CONVENTIONS); empty: the shipped configuration's.
	format  string
	semconv bool
}

type result struct {
	run
	wall     time.Duration
	cpu      time.Duration
	peakAnon int64 // bytes
	requests int64
	dups     int
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := mainErr(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchdist:", err)
		os.Exit(1)
	}
}

func mainErr(ctx context.Context, args []string, out io.Writer) (err error) {
	fs := flag.NewFlagSet("benchdist", flag.ContinueOnError)
	collector := fs.String("collector", "bin/otelcol-jumpcloud", "the built distribution")
	config := fs.String("config", "otelcol-config.yaml", "the configuration it runs")
	runsFlag := fs.String("runs", defaultRuns, "comma-separated runs: events/page latency/max_concurrent_requests")
	dir := fs.String("dir", filepath.Join(os.TempDir(), "otelcol-jumpcloud-bench"), "scratch directory (storage, logs)")
	timeout := fs.Duration("timeout", 10*time.Minute, "longest run")
	timeline := fs.Bool("timeline", false, "print every API request of each run (time, query window, events)")
	profile := fs.Bool("profile", false, "enable the pprof extension and save heap and CPU profiles of each run (at half of the events) in -dir")
	live := fs.Duration("live", 0, "also run a live flow this long with the shipped configuration as it is (0: none)")
	liveRate := fs.Float64("live-rate", 20, "live flow: events per second")
	liveLate := fs.Float64("live-late", 0.1, "live flow: fraction of events visible late")
	liveMaxLate := fs.Duration("live-max-late", time.Minute, "live flow: longest delay of a late event")
	idle := fs.String("idle", "", "also measure idle organizations behind one MSP key: organizations[/max_requests_per_second], comma-separated (e.g. 1,300,2000,2000/2)")
	idleFor := fs.Duration("idle-for", time.Minute, "idle runs: how long each is measured")
	formats := fs.String("formats", "", "also backfill -format-events in each output format: comma-separated raw, raw+semconv, ecs, ocsf, ocsf+semconv (collector CPU-s per 1M events and peak RSS against raw)")
	formatEvents := fs.String("format-events", "1m", "events of each -formats run")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *formats != "" {
		defer func() {
			if err == nil {
				err = runFormats(ctx, *formats, *formatEvents, *collector, *config, *dir, *timeout, *profile, out)
			}
		}()
	}
	if *idle != "" {
		defer func() {
			if err == nil {
				err = runIdle(ctx, *idle, *idleFor, *collector, *config, *dir, *timeout, out)
			}
		}()
	}
	if *runsFlag == "" {
		return runLive(ctx, liveRun{d: *live, rate: *liveRate, late: *liveLate, maxLate: *liveMaxLate}, *collector, *config, *dir, *timeout, out)
	}
	runs, err := parseRuns(*runsFlag)
	if err != nil {
		return err
	}
	if _, err := os.Stat(*collector); err != nil {
		return fmt.Errorf("%w (run `make build`)", err)
	}
	fmt.Fprintln(out, "| events | page latency | max_concurrent_requests | wall s | events/s | collector CPU-s | CPU-s per 1M events | peak anon RSS MiB | API requests | duplicates |")
	fmt.Fprintln(out, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range runs {
		res, err := measure(ctx, r, *collector, *config, *dir, *timeout, *timeline, *profile, out)
		if err != nil {
			return fmt.Errorf("run %d events, latency %s, concurrency %d: %w", r.events, r.latency, r.conc, err)
		}
		fmt.Fprintf(out, "| %d | %s | %d | %.1f | %.0f | %.1f | %.1f | %.0f | %d | %d |\n",
			res.events, res.latency, res.conc, res.wall.Seconds(), float64(res.events)/res.wall.Seconds(),
			res.cpu.Seconds(), res.cpu.Seconds()*1e6/float64(res.events), float64(res.peakAnon)/(1<<20), res.requests, res.dups)
	}
	return runLive(ctx, liveRun{d: *live, rate: *liveRate, late: *liveLate, maxLate: *liveMaxLate}, *collector, *config, *dir, *timeout, out)
}

// shippedPollInterval is otelcol-config.yaml's poll_interval, the unit of "per poll".
const shippedPollInterval = 10 * time.Second

// runIdle measures the idle runs spec.
func runIdle(ctx context.Context, spec string, d time.Duration, bin, config, dir string, timeout time.Duration, out io.Writer) error {
	runs, err := parseIdleRuns(spec, d)
	if err != nil {
		return err
	}
	fmt.Fprintln(out)
	printIdleHeader(out)
	for _, ir := range runs {
		res, err := measureIdle(ctx, ir, bin, config, dir, timeout)
		if err != nil {
			return fmt.Errorf("idle run %d organizations: %w", ir.orgs, err)
		}
		printIdle(out, ir, res, shippedPollInterval)
	}
	return nil
}

// runLive measures the live flow lr when its duration is set.
func runLive(ctx context.Context, lr liveRun, bin, config, dir string, timeout time.Duration, out io.Writer) error {
	if lr.d <= 0 {
		return nil
	}
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("%w (run `make build`)", err)
	}
	fmt.Fprintln(out)
	res, err := measureLive(ctx, lr, bin, config, dir, timeout)
	if res != nil {
		printLive(out, lr, res)
	}
	if err != nil {
		return fmt.Errorf("live flow: %w", err)
	}
	return nil
}

func parseRuns(s string) ([]run, error) {
	var out []run
	for _, f := range strings.Split(s, ",") {
		parts := strings.Split(strings.TrimSpace(f), "/")
		if len(parts) != 3 {
			return nil, fmt.Errorf("run %q: want events/latency/concurrency, e.g. 200k/1s/4", f)
		}
		n, err := parseCount(parts[0])
		if err != nil {
			return nil, err
		}
		lat, err := time.ParseDuration(parts[1])
		if err != nil {
			return nil, fmt.Errorf("run %q: %w", f, err)
		}
		c, err := strconv.Atoi(parts[2])
		if err != nil || c < 1 {
			return nil, fmt.Errorf("run %q: concurrency must be a positive integer", f)
		}
		out = append(out, run{events: n, latency: lat, conc: c})
	}
	return out, nil
}

func parseCount(s string) (int, error) {
	mult := 1
	switch {
	case strings.HasSuffix(s, "k"):
		mult, s = 1000, strings.TrimSuffix(s, "k")
	case strings.HasSuffix(s, "m"):
		mult, s = 1_000_000, strings.TrimSuffix(s, "m")
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("event count %q: want a positive number such as 200k or 1m", s)
	}
	return n * mult, nil
}

func measure(ctx context.Context, r run, bin, config, dir string, timeout time.Duration, timeline, profile bool, out io.Writer) (*result, error) {
	b, err := harness.StartBackends(harness.BackendsConfig{APIKey: benchAPIKey, Seed: 42, PageLatency: r.latency, SinkCountOnly: true})
	if err != nil {
		return nil, err
	}
	defer func() { _ = b.Close() }() // loopback simulator and sink of this run: the measurement is done
	end := time.Now().Add(-5 * time.Minute)
	if err := b.Sim.Generate(r.events, end.Add(-eventSpan), end); err != nil {
		return nil, err
	}
	storage := filepath.Join(dir, "storage")
	if err := os.RemoveAll(storage); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	var args []string
	pprofAddr := ""
	if profile {
		port, err := harness.FreePort()
		if err != nil {
			return nil, err
		}
		pprofAddr = fmt.Sprintf("127.0.0.1:%d", port)
		args = append(args, "--set=service::extensions=[file_storage,health_check,pprof]",
			"--set=extensions::pprof::endpoint="+pprofAddr)
	}
	start := time.Now() // the process's start-up counts, as before StartCollector waited for it
	col, err := harness.StartCollector(harness.CollectorConfig{
		Args:       args,
		Binary:     bin,
		ConfigPath: config,
		StorageDir: storage,
		LogPath:    filepath.Join(dir, "collector.log"),
		Env:        r.env(b),
	})
	if err != nil {
		return nil, err
	}
	defer func() { _ = col.Stop(20 * time.Second) }()

	res := &result{run: r}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(timeout)
	profiled := !profile
	for b.Sink.Stats().Distinct < r.events {
		if !profiled && b.Sink.Stats().Distinct >= r.events/2 {
			profiled = true
			tag := fmt.Sprintf("%d-%s-%d%s", r.events, r.latency, r.conc, r.format)
			if r.semconv {
				tag += "-semconv"
			}
			if err := saveProfiles(ctx, pprofAddr, filepath.Join(dir, "heap-"+tag+".pprof"), filepath.Join(dir, "cpu-"+tag+".pprof")); err != nil {
				fmt.Fprintln(out, "profile:", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-deadline:
			return nil, fmt.Errorf("only %d of %d events after %s (log: %s)", b.Sink.Stats().Distinct, r.events, timeout, filepath.Join(dir, "collector.log"))
		case <-col.Done():
			return nil, col.ExitedError()
		case <-tick.C:
			if rss, err := harness.RSSAnon(col.Pid()); err == nil {
				res.peakAnon = max(res.peakAnon, rss)
			}
		}
	}
	res.wall = time.Since(start)
	if res.cpu, err = harness.CPUTime(col.Pid()); err != nil {
		return nil, err
	}
	st := b.Sink.Stats()
	res.requests, res.dups = b.Sim.Stats().Requests, st.Duplicates
	if timeline {
		for _, rq := range b.Sim.Requests() {
			window := ""
			if rq.Query != nil {
				window = rq.Query.StartTime.Format("15:04:05.000") + " .. " + rq.Query.EndTime.Format("15:04:05.000")
			}
			fmt.Fprintf(out, "  %6.2fs %-24s %s status=%d events=%d\n", rq.Time.Sub(start).Seconds(), rq.Path, window, rq.Status, rq.ResultCount)
		}
	}
	return res, nil
}

// env is the collector's environment for run r against the backends b.
func (r run) env(b *harness.Backends) map[string]string {
	env := map[string]string{
		"JUMPCLOUD_API_KEY":                 benchAPIKey,
		"JUMPCLOUD_ENDPOINT":                b.APIBaseURL(),
		"JUMPCLOUD_INITIAL_LOOKBACK":        lookback.String(),
		"JUMPCLOUD_MAX_CONCURRENT_REQUESTS": strconv.Itoa(r.conc),
		"SUMO_HTTP_SOURCE_URL":              b.Sink.URL(),
	}
	if r.format != "" {
		env["JUMPCLOUD_FORMAT"] = r.format
		env["JUMPCLOUD_SEMANTIC_CONVENTIONS"] = strconv.FormatBool(r.semconv)
	}
	return env
}

// runFormats backfills events in each output format of spec (the first one, raw in `make
// bench`, is the reference of the ratios) and prints one row each.
func runFormats(ctx context.Context, spec, events, bin, config, dir string, timeout time.Duration, profile bool, out io.Writer) error {
	n, err := parseCount(events)
	if err != nil {
		return err
	}
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("%w (run `make build`)", err)
	}
	fmt.Fprintln(out)
	fmt.Fprintln(out, "| format | events | wall s | events/s | CPU-s per 1M events | x first | peak anon RSS MiB | x first |")
	fmt.Fprintln(out, "|---|---:|---:|---:|---:|---:|---:|---:|")
	var ref *result
	for _, f := range strings.Split(spec, ",") {
		f = strings.TrimSpace(f)
		format, semconv := strings.CutSuffix(f, "+semconv")
		r := run{events: n, conc: 4, format: format, semconv: semconv}
		res, err := measure(ctx, r, bin, config, dir, timeout, false, profile, out)
		if err != nil {
			return fmt.Errorf("format %s: %w", f, err)
		}
		if ref == nil {
			ref = res
		}
		perM := res.cpu.Seconds() * 1e6 / float64(res.events)
		refPerM := ref.cpu.Seconds() * 1e6 / float64(ref.events)
		fmt.Fprintf(out, "| %s | %d | %.1f | %.0f | %.1f | %.2f | %.0f | %.2f |\n",
			f, res.events, res.wall.Seconds(), float64(res.events)/res.wall.Seconds(), perM, perM/refPerM,
			float64(res.peakAnon)/(1<<20), float64(res.peakAnon)/float64(ref.peakAnon))
	}
	return nil
}

// saveProfiles fetches a heap profile and a 2-second CPU profile from the pprof extension.
func saveProfiles(ctx context.Context, addr, heapPath, cpuPath string) error {
	for path, url := range map[string]string{
		heapPath: "http://" + addr + "/debug/pprof/heap",
		cpuPath:  "http://" + addr + "/debug/pprof/profile?seconds=2",
	} {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, http.NoBody)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return err
		}
	}
	return nil
}
