// Package chaos is the seeded chaos campaign of the distribution: the built binary with the
// shipped otelcol-config.yaml (environment overrides only) against a multi-tenant JumpCloud
// simulator and the Sumo-style sink on loopback, under a schedule of faults drawn from a seed
// (Plan): API 429 bursts with and without Retry-After, 5xx, latency spikes, slow, truncated,
// malformed, HTML and JSON-object answers, connection resets, a cursor that moved backwards,
// late-visible events, sink outages, 401 periods, 429s, resets and slow answers, kill -9 and
// restarts, SIGTERM during an upload or a page, while events keep flowing.
//
// After the schedule, faults stop and the collector catches up (bounded wait); the sink must then
// hold exactly the simulators' event set. Every duplicate must be explained by a stop of the
// collector (kill -9 or SIGTERM): the sink's content is recorded at each stop, and an event may
// arrive a second time only after a stop at which the sink already had it, once per stop, the
// re-sent bytes of one stop bounded by the batches that can be in flight.
package chaos // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/chaos"

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/httpretry"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/harness"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/jumpcloudsim"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/sumosink"
)

const (
	apiKey   = "chaos-api-key-3e8d1f"
	sinkCode = "chaos-sink-code-6a2b9c"
	// backlogSpan: the backlog's events span these hours before the start (lookback 3h).
	backlogSpan = 2 * time.Hour
	lookback    = 3 * time.Hour
	// maxConcurrent is the shipped max_concurrent_requests (default 4).
	maxConcurrent = 4
	// InFlightBound is what one stop may re-send: the batches in flight, at most
	// max_concurrent_requests + 1 requests of at most 1 MiB (Sumo's limit per request).
	InFlightBound = (maxConcurrent + 1) << 20
	// stopTimeout is how long a SIGTERM may take before the collector is killed.
	stopTimeout = 30 * time.Second
)

// Options configure a run.
type Options struct {
	// Binary is bin/otelcol-jumpcloud; Config the shipped otelcol-config.yaml.
	Binary, Config string
	// Dir receives the storage directory and the collector's log.
	Dir string
	// Seed draws the schedule and the simulators' events.
	Seed uint64
	// Duration of the schedule; CatchUp bounds the wait for the last events after it.
	Duration, CatchUp time.Duration
	// Orgs is the number of organizations behind the MSP key (default 3).
	Orgs int
	// Backlog is the number of events per organization before the start; LiveRate the events
	// per second per organization added during the schedule.
	Backlog  int
	LiveRate float64
	// PageLatency is the simulator's time per page (the real API takes 0.5 to 2 s).
	PageLatency time.Duration
	// Log receives progress lines (nil: none); Verbose adds one line per step.
	Log     io.Writer
	Verbose bool
	// Soak runs the soak instead (soak.go): the shipped engine settings, PlanSoak's schedule,
	// the collector's RSS sampled every RSSInterval (default 5 s) and required to stay flat.
	Soak        bool
	RSSInterval time.Duration
}

// Stop is one stop of the collector (kill -9 or SIGTERM) and what it cost.
type Stop struct {
	Kind Kind
	At   time.Duration // since the first start
	// Took is the time from the signal to the exit; Forced: SIGTERM did not end the process
	// within the stop timeout (or it exited with an error), it was killed.
	Took   time.Duration
	Forced bool
	Err    string
	// Resent events (and their bytes) the sink already had at this stop and received again
	// after it; Unexplained copies received twice between this stop and the next.
	Resent, ResentBytes, Unexplained int
}

// Report holds the figures of a run.
type Report struct {
	Seed     uint64
	Duration time.Duration // the schedule
	CatchUp  time.Duration // from the end of the schedule to the last expected event
	Steps    int

	Expected, Lost, Unexpected int
	// Duplicates are the copies beyond the first; Unexplained those not explained by a stop
	// (UnexplainedFirst: before the first stop).
	Duplicates, Unexplained, UnexplainedFirst int
	// OverBound are the stops that re-sent more than InFlightBound bytes.
	OverBound int
	Stops     []Stop
	// UnexpectedExits counts collector exits nobody asked for (crashes).
	UnexpectedExits int

	// MaxDelay is the longest time from an event's visibility (or the first start, for the
	// backlog) to its first arrival at the sink; P99Delay the 99th percentile.
	MaxDelay, P99Delay time.Duration
	// MaxDelayVisible and MaxDelayArrived locate the event of MaxDelay (since the first start).
	MaxDelayVisible, MaxDelayArrived time.Duration
	// WorstRPS is the largest number of API requests (all organizations) in one second, at
	// WorstAt after the first start; Requests all of them.
	WorstRPS    int
	WorstAt     time.Duration
	Requests    int
	MaxInFlight int
	// Injected counts the steps of each kind; Consumed the API requests answered with each
	// simulator fault; SinkAnswers the sink's answers by status (0: connection reset).
	Injected    map[Kind]int
	Consumed    map[jumpcloudsim.FaultKind]int
	SinkAnswers map[int]int
	LogPath     string
	// ReadsPerEvent is the events the simulators served per expected event.
	ReadsPerEvent float64
	// RSS is the soak's memory verdict (nil outside the soak).
	RSS *RSS
}

// Failed reports whether the run lost an event, holds an unexplained duplicate, re-sent more
// than the batches in flight at a stop, or the collector exited on its own.
func (r *Report) Failed() bool {
	return r.Lost > 0 || r.Unexpected > 0 || r.Unexplained > 0 || r.OverBound > 0 || r.UnexpectedExits > 0 ||
		(r.RSS != nil && !r.RSS.Flat())
}

// Run executes one seeded run.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Orgs <= 0 {
		o.Orgs = 3
	}
	if o.CatchUp <= 0 {
		o.CatchUp = 3 * time.Minute
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	orgs := make([]string, o.Orgs)
	for i := range orgs {
		orgs[i] = fmt.Sprintf("5f0c0000000000000000c%03d", i+1)
	}
	b, err := harness.StartBackends(harness.BackendsConfig{
		APIKey: apiKey, SinkCode: sinkCode, Seed: int64(o.Seed%(1<<62)) + 1, Orgs: orgs,
		RequestLogSize: 1 << 21, SinkCountOnly: true, PageLatency: o.PageLatency,
	})
	if err != nil {
		return nil, err
	}
	defer func() { _ = b.Close() }()
	r := &runner{o: o, b: b, sims: b.Sims(), storage: filepath.Join(o.Dir, "storage"), logPath: filepath.Join(o.Dir, "collector.log")}
	r.report = &Report{Seed: o.Seed, Duration: o.Duration, Injected: map[Kind]int{}, LogPath: r.logPath}
	r.env = map[string]string{
		"JUMPCLOUD_API_KEY":          apiKey,
		"JUMPCLOUD_ENDPOINT":         b.APIBaseURL(),
		"JUMPCLOUD_ORG_ID":           strings.Join(orgs, ","),
		"JUMPCLOUD_POLL_INTERVAL":    "1s",
		"JUMPCLOUD_SETTLE_DELAY":     "1s",
		"JUMPCLOUD_INITIAL_LOOKBACK": lookback.String(),
		"SUMO_HTTP_SOURCE_URL":       b.Sink.URL(),
	}
	plan, what := Plan, "chaos"
	if o.Soak {
		// The shipped poll_interval and settle_delay.
		delete(r.env, "JUMPCLOUD_POLL_INTERVAL")
		delete(r.env, "JUMPCLOUD_SETTLE_DELAY")
		plan, what = PlanSoak, "soak"
		r.rss = &rssSampler{interval: o.RSSInterval}
		if r.rss.interval <= 0 {
			r.rss.interval = 5 * time.Second
		}
		// The sampler runs from the first start (schedule) until the report is computed.
		sctx, cancel := context.WithCancel(ctx)
		defer cancel()
		r.rssCtx = sctx
	}
	now := time.Now()
	for _, sim := range r.sims {
		if err := sim.Generate(o.Backlog, now.Add(-backlogSpan), now.Add(-time.Minute)); err != nil {
			return nil, err
		}
	}
	steps := plan(o.Seed, o.Duration, o.Orgs)
	r.report.Steps = len(steps)
	fmt.Fprintf(o.Log, "%s: seed %d (replay: -seed %d), %s, %d organizations, %d backlog events each, %.0f events/s each live, page latency %s, %d steps\n",
		what, o.Seed, o.Seed, o.Duration, o.Orgs, o.Backlog, o.LiveRate, o.PageLatency, len(steps))
	defer func() {
		if r.col != nil {
			_ = r.col.Kill()
		}
	}()
	if err := r.schedule(ctx, steps); err != nil {
		return nil, err
	}
	if err := r.finish(ctx); err != nil {
		return nil, err
	}
	return r.report, nil
}

type runner struct {
	o       Options
	b       *harness.Backends
	sims    []*jumpcloudsim.Server
	storage string
	logPath string
	env     map[string]string
	col     *harness.Collector
	start   time.Time // first start of the collector
	// pid and runs are the running collector's pid and how many starts there were (read by the
	// RSS sampler); lastStart is when the last one started, since start.
	pid, runs atomic.Int64
	lastStart time.Duration
	rss       *rssSampler
	rssCtx    context.Context // the sampler's lifetime: from the first start to the report
	// snaps are the sink's copies per body hash at each stop, in order.
	snaps  []map[uint64]int
	report *Report
}

func (r *runner) logf(format string, args ...any) {
	what := "chaos"
	if r.o.Soak {
		what = "soak"
	}
	fmt.Fprintf(r.o.Log, what+": %7.1fs "+format+"\n", append([]any{time.Since(r.start).Seconds()}, args...)...)
}

func (r *runner) startCollector() error {
	c, err := harness.StartCollector(harness.CollectorConfig{
		Binary: r.o.Binary, ConfigPath: r.o.Config, StorageDir: r.storage, LogPath: r.logPath, Env: r.env,
	})
	if err != nil {
		return err
	}
	r.col = c
	r.lastStart = time.Since(r.start)
	r.pid.Store(int64(c.Pid()))
	r.runs.Add(1)
	return nil
}

// current is the running collector's pid and start index (0: the first).
func (r *runner) current() (pid, run int, ok bool) {
	n := r.runs.Load()
	return int(r.pid.Load()), int(n - 1), n > 0
}

// checkAlive restarts a collector that exited on its own, counting it.
func (r *runner) checkAlive() error {
	select {
	case <-r.col.Done():
		r.report.UnexpectedExits++
		r.logf("the collector exited on its own (%v): restarting; see %s", r.col.ExitError(), r.logPath)
		return r.startCollector()
	default:
		return nil
	}
}

func (r *runner) schedule(ctx context.Context, steps []Step) error {
	r.start = time.Now()
	if err := r.startCollector(); err != nil {
		return err
	}
	if r.rss != nil {
		go r.rss.run(r.rssCtx, r)
	}
	var flows []*harness.LiveFlow
	for _, sim := range r.sims {
		flows = append(flows, harness.StartLiveFlow(sim, r.o.LiveRate, 250*time.Millisecond))
	}
	stopFlows := func() error {
		var errs []error
		for _, f := range flows {
			_, err := f.Stop()
			errs = append(errs, err)
		}
		flows = nil
		return errors.Join(errs...)
	}
	defer func() { _ = stopFlows() }()
	for _, s := range steps {
		if err := sleep(ctx, time.Until(r.start.Add(s.At))); err != nil {
			return err
		}
		if err := r.checkAlive(); err != nil {
			return err
		}
		if r.o.Verbose {
			r.logf("%s", s)
		}
		r.report.Injected[s.Kind]++
		if err := r.do(ctx, s); err != nil {
			return fmt.Errorf("step %s: %w", s, err)
		}
	}
	if err := sleep(ctx, time.Until(r.start.Add(r.o.Duration))); err != nil {
		return err
	}
	return stopFlows()
}

func (r *runner) do(ctx context.Context, s Step) error {
	switch s.Kind {
	case LateEvents:
		now := time.Now()
		return r.sims[s.Org].GenerateLate(s.N, now.Add(-s.LateFrom), now.Add(-s.LateTo), now.Add(s.LateAfter))
	case Sink503:
		r.b.Sink.Down(s.Down, 503, 0)
	case Sink401:
		r.b.Sink.Down(s.Down, 401, 0)
	case Sink429, SinkReset, SinkSlow:
		r.b.Sink.InjectFaults(s.Sink)
	case Kill:
		if s.MidBackfill {
			third := r.o.Backlog * len(r.sims) / 3
			err := harness.Poll(ctx, 30*time.Second, 2*time.Millisecond, func() (bool, error) { return r.b.Sink.Count() >= third, nil })
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err != nil {
				r.logf("a third of the backlog did not reach the sink within 30s: kill anyway")
			}
		}
		return r.stop(ctx, s, func() error { return r.col.Kill() }, func() { _ = sleep(ctx, s.Pause) })
	case SigtermUpload:
		// A slow sink: SIGTERM once an upload is waiting for its answer.
		before := r.b.Sink.Stats().PendingFaults
		r.b.Sink.InjectFaults(s.Sink)
		busy := func() bool { return r.b.Sink.Stats().PendingFaults < before+s.Sink.Count }
		return r.sigterm(ctx, s, busy)
	case SigtermPage:
		// A slow page: SIGTERM once a request is waiting for it.
		for _, sim := range r.sims {
			if err := sim.InjectFault(s.API); err != nil {
				return err
			}
		}
		busy := func() bool {
			for _, sim := range r.sims {
				if len(sim.PendingFaults()) == 0 {
					return true
				}
			}
			return false
		}
		return r.sigterm(ctx, s, busy)
	default:
		return r.sims[s.Org].InjectFault(s.API)
	}
	return nil
}

// sigterm waits (at most 10 s) until busy, then stops the collector with SIGTERM.
func (r *runner) sigterm(ctx context.Context, s Step, busy func() bool) error {
	err := harness.Poll(ctx, 10*time.Second, 5*time.Millisecond, func() (bool, error) { return busy(), nil })
	if err != nil && ctx.Err() != nil {
		return err
	}
	if err != nil {
		r.logf("%s: nothing in flight after 10s, SIGTERM anyway", s.Kind)
	}
	return r.stop(ctx, s, func() error { return r.col.Stop(stopTimeout) }, nil)
}

// stop ends the collector with signal, records the sink's content once nothing more arrives,
// and restarts it (after pause, if any).
func (r *runner) stop(ctx context.Context, s Step, signal func() error, pause func()) error {
	at := time.Now()
	sigErr := signal()
	st := Stop{Kind: s.Kind, At: at.Sub(r.start), Took: time.Since(at)}
	if sigErr != nil {
		st.Forced, st.Err = true, sigErr.Error()
	}
	if err := r.waitSinkIdle(ctx); err != nil {
		return err
	}
	if err := r.waitQuiet(ctx, 500*time.Millisecond); err != nil {
		return err
	}
	r.snaps = append(r.snaps, counts(r.b.Sink.Arrivals()))
	r.report.Stops = append(r.report.Stops, st)
	r.logf("%s: exited after %s%s; sink: %d messages", s.Kind, st.Took.Round(time.Millisecond), forced(st), r.b.Sink.Count())
	if pause != nil {
		pause()
	}
	return r.startCollector()
}

func forced(s Stop) string {
	if !s.Forced {
		return ""
	}
	return " (FORCED: " + s.Err + ")"
}

// waitSinkIdle waits (at most 10 s) until the sink handles no request: an upload of the
// stopped collector whose answer was slow is still recorded after the process died (its body
// had been sent).
func (r *runner) waitSinkIdle(ctx context.Context) error {
	err := harness.Poll(ctx, 10*time.Second, 10*time.Millisecond, func() (bool, error) { return r.b.Sink.InFlight() == 0, nil })
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		r.logf("the sink still handled %d requests 10s after a stop", r.b.Sink.InFlight())
	}
	return nil
}

// waitQuiet waits until the sink recorded nothing for quiet (at most 10 s).
func (r *runner) waitQuiet(ctx context.Context, quiet time.Duration) error {
	last, since := r.b.Sink.Count(), time.Now()
	err := harness.Poll(ctx, 10*time.Second+quiet, 20*time.Millisecond, func() (bool, error) {
		if n := r.b.Sink.Count(); n != last {
			last, since = n, time.Now()
		}
		return time.Since(since) >= quiet, nil
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		r.logf("the sink kept receiving for 10s after a stop")
	}
	return nil
}

func counts(a map[uint64]sumosink.Arrival) map[uint64]int {
	out := make(map[uint64]int, len(a))
	for h, x := range a {
		out[h] = x.Count
	}
	return out
}

// sleep waits d (httpretry.Sleep), or returns ctx's error when it ends first.
func sleep(ctx context.Context, d time.Duration) error {
	if !httpretry.Sleep(ctx, d) {
		return ctx.Err()
	}
	return nil
}

// expected is one event of the simulators.
type expected struct {
	visible time.Time
	size    int
}

// finish clears every fault, waits for the collector to catch up, stops it and computes the
// report.
func (r *runner) finish(ctx context.Context) error {
	for _, sim := range r.sims {
		sim.ClearFaults()
	}
	r.b.Sink.ClearFaults()
	if err := r.checkAlive(); err != nil {
		return err
	}
	want := map[uint64]expected{}
	for _, sim := range r.sims {
		evs, err := sim.Events(jumpcloudsim.EventFilter{})
		if err != nil {
			return err
		}
		for _, ev := range evs {
			want[r.b.Sink.Hash(string(ev.Raw))] = expected{visible: ev.VisibleAt, size: len(ev.Raw)}
		}
	}
	end := time.Now()
	missing := func() int {
		arr := r.b.Sink.Arrivals()
		n := 0
		for h := range want {
			if _, ok := arr[h]; !ok {
				n++
			}
		}
		return n
	}
	r.logf("schedule over: faults cleared, waiting (at most %s) for %d events, %d missing", r.o.CatchUp, len(want), missing())
	err := harness.Poll(ctx, r.o.CatchUp, 250*time.Millisecond, func() (bool, error) {
		return missing() == 0, r.checkAlive()
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	r.report.CatchUp = time.Since(end)
	if err != nil {
		r.logf("catch-up: %d events still missing after %s", missing(), r.o.CatchUp)
	}
	// A few more polls: a late duplicate would arrive now.
	if err := r.waitQuiet(ctx, 3*time.Second); err != nil {
		return err
	}
	if err := r.col.Stop(stopTimeout); err != nil {
		r.logf("final SIGTERM: %v", err)
	}
	r.col = nil
	if err := r.waitSinkIdle(ctx); err != nil {
		return err
	}
	r.compute(want, r.b.Sink.Arrivals())
	return nil
}

func (r *runner) compute(want map[uint64]expected, final map[uint64]sumosink.Arrival) {
	rep := r.report
	rep.Expected = len(want)
	var delays []time.Duration
	for h, ev := range want {
		a, ok := final[h]
		if !ok {
			rep.Lost++
			continue
		}
		from := ev.visible
		if from.Before(r.start) {
			from = r.start
		}
		d := max(a.First.Sub(from), 0)
		delays = append(delays, d)
		if d > rep.MaxDelay {
			rep.MaxDelay, rep.MaxDelayVisible, rep.MaxDelayArrived = d, from.Sub(r.start), a.First.Sub(r.start)
		}
	}
	for h, a := range final {
		if _, ok := want[h]; !ok {
			rep.Unexpected++
		}
		rep.Duplicates += a.Count - 1
	}
	if len(delays) > 0 {
		sort.Slice(delays, func(i, j int) bool { return delays[i] < delays[j] })
		rep.P99Delay = delays[len(delays)*99/100]
	}
	// Duplicates: between two stops (and before the first, after the last) a body may arrive
	// once; a second copy only after a stop at which the sink already had it.
	snaps := append([]map[uint64]int{{}}, r.snaps...)
	snaps = append(snaps, counts(final))
	for i := 0; i+1 < len(snaps); i++ {
		prev, next := snaps[i], snaps[i+1]
		for h, n := range next {
			switch d := n - prev[h]; {
			case d >= 2:
				rep.Unexplained += d - 1
				if i == 0 {
					rep.UnexplainedFirst += d - 1
				} else {
					rep.Stops[i-1].Unexplained += d - 1
				}
			case d == 1 && prev[h] >= 1:
				rep.Stops[i-1].Resent++
				rep.Stops[i-1].ResentBytes += want[h].size
			}
		}
	}
	for _, s := range rep.Stops {
		if s.ResentBytes > InFlightBound {
			rep.OverBound++
		}
	}
	// Requests per second at the worst moment, all organizations.
	perSecond := map[int64]int{}
	rep.Consumed = map[jumpcloudsim.FaultKind]int{}
	for _, sim := range r.sims {
		for _, req := range sim.Requests() {
			perSecond[req.Time.Unix()]++
			rep.Requests++
			if req.Fault != "" {
				rep.Consumed[req.Fault]++
			}
		}
	}
	for sec, n := range perSecond {
		if n > rep.WorstRPS {
			rep.WorstRPS, rep.WorstAt = n, max(time.Unix(sec, 0).Sub(r.start), 0)
		}
	}
	rep.MaxInFlight = r.b.MSP.MaxInFlight()
	rep.SinkAnswers = r.b.Sink.Requests()
	var served int64
	for _, sim := range r.sims {
		served += sim.Stats().EventsServed
	}
	if rep.Expected > 0 {
		rep.ReadsPerEvent = float64(served) / float64(rep.Expected)
	}
	if r.rss != nil {
		rep.RSS = r.rss.verdict(r.lastStart, int(r.runs.Load()-1))
	}
}

// Print writes the report.
func (r *Report) Print(w io.Writer) {
	kills, terms, forcedN, resent := 0, 0, 0, 0
	for _, s := range r.Stops {
		if s.Kind == Kill {
			kills++
		} else {
			terms++
		}
		if s.Forced {
			forcedN++
		}
		resent += s.Resent
	}
	verdict := "PASS"
	if r.Failed() {
		verdict = "FAIL"
	}
	what := "chaos"
	if r.RSS != nil {
		what = "soak"
	}
	fmt.Fprintf(w, "%s %s seed=%d duration=%s steps=%d\n", what, verdict, r.Seed, r.Duration, r.Steps)
	fmt.Fprintf(w, "  events: expected=%d lost=%d unexpected=%d duplicates=%d unexplained=%d (catch-up %s)\n",
		r.Expected, r.Lost, r.Unexpected, r.Duplicates, r.Unexplained, r.CatchUp.Round(100*time.Millisecond))
	if r.UnexplainedFirst > 0 {
		fmt.Fprintf(w, "  UNEXPLAINED duplicates before the first stop: %d\n", r.UnexplainedFirst)
	}
	fmt.Fprintf(w, "  stops: kill -9=%d sigterm=%d forced=%d unexpected exits=%d; re-sent after stops=%d events, over the in-flight bound (%d B): %d stops\n",
		kills, terms, forcedN, r.UnexpectedExits, resent, InFlightBound, r.OverBound)
	for _, s := range r.Stops {
		unexplained := ""
		if s.Unexplained > 0 {
			unexplained = fmt.Sprintf(", UNEXPLAINED after it: %d", s.Unexplained)
		}
		fmt.Fprintf(w, "    %7.1fs %-22s exit after %-8s re-sent %d events (%d B)%s%s\n",
			s.At.Seconds(), s.Kind, s.Took.Round(time.Millisecond), s.Resent, s.ResentBytes, forced(s), unexplained)
	}
	fmt.Fprintf(w, "  delivery delay (visible -> first arrival): max=%s (visible at %.1fs, arrived at %.1fs) p99=%s\n",
		r.MaxDelay.Round(time.Millisecond), r.MaxDelayVisible.Seconds(), r.MaxDelayArrived.Seconds(), r.P99Delay.Round(time.Millisecond))
	fmt.Fprintf(w, "  API requests: %d, worst second %d req/s at %.0fs, max in flight %d; %.3f API reads per event\n", r.Requests, r.WorstRPS, r.WorstAt.Seconds(), r.MaxInFlight, r.ReadsPerEvent)
	if r.RSS != nil {
		r.RSS.print(w)
	}
	fmt.Fprintf(w, "  faults injected (steps): %s\n", joinCounts(r.Injected))
	fmt.Fprintf(w, "  API requests answered with a fault: %s\n", joinCounts(r.Consumed))
	fmt.Fprintf(w, "  sink answers by status: %s\n", joinCounts(r.SinkAnswers))
	fmt.Fprintf(w, "  collector log: %s\n", r.LogPath)
}

func joinCounts[K comparable](m map[K]int) string {
	parts := make([]string, 0, len(m))
	for k, v := range m {
		parts = append(parts, fmt.Sprint(k)+"="+strconv.Itoa(v))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}
