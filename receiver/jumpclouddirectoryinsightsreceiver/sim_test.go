package jumpclouddirectoryinsightsreceiver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/metadata"
)

// The deterministic simulation (issue 21, item 2). Each seed runs the engine (one to three
// organizations: streams, slices, the shared probe, the budget) for simSpan of virtual time
// against apiModel, in a testing/synctest bubble: time.Now and every timer of the bubble are a
// virtual clock that moves only when every goroutine of the bubble is blocked, so an hour of
// live flow takes a few hundred milliseconds. The seed fixes the events (late visibility, bursts
// inside one millisecond), the model's faults (failing counts, under- and over-counts, 429 with
// and without Retry-After, 500, slow pages), the refused deliveries, and the stops: graceful
// restarts (Shutdown, then a new receiver on the same storage) and kills (a new receiver on a copy
// of the storage as it was at that instant, the old one cut off from the sink). After every step
// (simStep of virtual time) the driver checks:
//   - completeness: every event visible within overlap + settle_delay of its time has been
//     delivered simSlack after max(visible, time + overlap + settle_delay) + settle_delay + 2 x
//     poll_interval (an event of the first start's lookback: simBackfill after that start);
//   - no duplicate but around a stop: an event is delivered twice only when the second delivery
//     is by a receiver started after the first one, and the first receiver got the answer of the
//     first delivery no earlier than the last checkpoint write of its organization before that
//     start, or never (killed first): delivered, not yet committed;
//   - the commit never passes an undelivered event: every such event older than the stored
//     checkpoint's FinalBefore (and not inside its open window) has been delivered.
//
// An event that a count under-counted while it was visible is left out of these checks: the
// engine trusts counts not to under-count (an equal count hides it for good); the schedule
// counts those never delivered.
//
// Seeds: SIM_SEEDS=N runs N seeds from SIM_FIRST (default 1; N defaults to simDefaultSeeds,
// fewer under -race or -short); SIM_SEED=n replays seed n alone and prints its schedule
// (SIM_REPEAT=k: k times, on one worker per CPU); SIM_STATS=1 logs each seed's requests,
// faults, deliveries and scheduler turns (two runs of the same seeds log the same lines). A
// failing seed prints its schedule (parameters, stops, faults, the last requests and
// deliveries). Seeds that ever failed are kept in simRegressions and always run.
//
// Deterministic: everything. The seed draws the parameters, the events, the model's answers,
// the refusals and the stops, each from the seed and the request (a set of excluded ids
// compared as a set) and the virtual time it is made at; the virtual clock moves only when the
// engine is blocked (synctest); and the goroutines of the bubble (a stream per organization,
// the shared probe, a worker per slice, a page fetched ahead, the driver) run one at a time in
// an order the seed draws (simScheduler, simsched_test.go), not in the Go scheduler's. So a seed
// replays exactly: the same requests at the same virtual times, the same deliveries
// (TestSimulationReplays runs seeds twice at once and compares their schedules and deliveries).

const (
	simStep  = time.Second
	simSpan  = time.Hour
	simSlack = 3 * time.Minute
	// simBackfill bounds the backfill of the initial lookback.
	simBackfill = 30 * time.Minute
	// simDefaultSeeds keeps the default run within about half a minute on two cores (a seed
	// takes about 94 ms of CPU, one worker per CPU; ten times that under -race: simRaceSeeds);
	// -short runs simShortSeeds.
	simDefaultSeeds = 600
	simRaceSeeds    = 16
	simShortSeeds   = 10
)

// simTraceLimit bounds the steps of the flow a run keeps for its schedule.
var simTraceLimit = 400

// simScheduleSteps is how many of the last steps a schedule prints.
var simScheduleSteps = 80

// simRegressions are the seeds that failed once: they always run.
//   - 1: an event that a count under-counted while it was visible was never delivered (the
//     checks now leave such events out: the engine trusts counts not to under-count).
//   - 25, 952: a kill while the destination had not yet acknowledged a delivery, after a
//     checkpoint write (of another slice's progress) that came after the delivery: the check
//     now compares the write with the acknowledgement, not with the delivery.
//   - 515: three organizations at 0.65 events/s each, pages of 6 events, 18% of them slow (up
//     to 5 s) and 20% of the deliveries acknowledged up to 3 s late, one request at a time: more
//     than the engine can read, it fell behind (a load beyond capacity, not a fault: pages hold
//     at least 10 events now, and at most 10% are slow).
//   - 1199 (an engine bug, fixed): a restart, then a 500 on a slice resumed from its cursor: the
//     slice was halved from its start, not from its cursor (nothing fetched yet after the
//     restart), and the new half re-read events delivered before the restart (halveSlice).
//   - 8595 (an engine fix, with the scheduler): a kill 1 s after the first start, while another
//     organization's 429 paused every stream and a sliced backfill waited for its first count:
//     nothing was stored yet, so the restart began its backfill initial_lookback before the
//     restart and never read the first second of the first start's lookback. The first step now
//     stores the fresh checkpoint before any request (TestFreshStartIsStoredBeforeAnyAnswer);
//     the checks follow the lookback of a start that still finds no checkpoint.
//   - 11727 (the checks): an organization back after 48 minutes away catches up its backlog
//     first; its events of the minutes after its return were due as if it had never left. They
//     are now due simBackfill plus the time it was away after its return.
var simRegressions = []uint64{1, 25, 515, 952, 1199, 8595, 11727}

// simParams are what a seed draws for one run.
type simParams struct {
	seed      uint64
	orgs      []string
	pageSize  int
	rate      float64 // events per second and organization
	lateShare float64 // events visible late (within the guarantee)
	lostShare float64 // events visible later than the guarantee
	refuse    float64 // probability that a delivery attempt is refused
	slowAck   float64 // probability that the destination acknowledges up to 3 s late
	stopEvery float64 // probability per step of a restart or a kill
	faults    modelFaults
	// Drawn from a stream of their own (the draws above stay those of the seeds kept as
	// regressions): regroup is the probability that a stop also changes the configured
	// organizations (one leaves, or one that left joins again), storeFail that a storage write
	// fails, maxRPS the max_requests_per_second (0: none); concurrency the
	// max_concurrent_requests (above 1, backfill windows are sliced, split and narrowed).
	regroup, storeFail, maxRPS float64
	concurrency                int
}

func simParamsFor(seed uint64) simParams {
	rng := rand.New(rand.NewPCG(seed, 0x51)) //nolint:gosec // seeded on purpose: a simulation replays
	p := simParams{
		seed:      seed,
		pageSize:  10 + rng.IntN(41),
		rate:      0.05 + rng.Float64()*0.6,
		lateShare: rng.Float64() * 0.3,
		lostShare: rng.Float64() * 0.02,
		refuse:    rng.Float64() * 0.1,
		stopEvery: rng.Float64() * 0.003,
		faults: modelFaults{
			CountFail:     rng.Float64() * 0.2,
			CountUnder:    rng.Float64() * 0.02,
			CountOver:     rng.Float64() * 0.05,
			TooMany:       rng.Float64() * 0.1,
			ServerError:   rng.Float64() * 0.05,
			RetryAfterMax: 5 * time.Second,
			SlowPage:      rng.Float64() * 0.1,
			SlowPageMax:   5 * time.Second,
		},
	}
	for i := range 1 + rng.IntN(3) {
		p.orgs = append(p.orgs, fmt.Sprintf("%024x", 0xa0+i))
	}
	p.slowAck = rng.Float64() * 0.3
	more := rand.New(rand.NewPCG(seed, 0x52)) //nolint:gosec // seeded on purpose: a simulation replays
	if len(p.orgs) > 1 {
		p.regroup = more.Float64() * 0.5
	}
	if more.IntN(2) == 0 {
		p.storeFail = more.Float64() * 0.05
	}
	if more.IntN(2) == 0 {
		p.maxRPS = 3 + more.Float64()*7
	}
	p.concurrency = 1
	if more.IntN(2) == 0 {
		p.concurrency = 2 + more.IntN(3)
	}
	return p
}

// simConfig is the receiver's configuration of a run.
func simConfig(p simParams) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.APIKey = testAPIKey
	cfg.OrgID = p.orgs
	cfg.PollInterval = 10 * time.Second
	cfg.SettleDelay = 5 * time.Second
	cfg.Overlap = time.Minute
	cfg.InitialLookback = 10 * time.Minute
	cfg.MaxWindow = 5 * time.Minute
	cfg.PageSize = p.pageSize
	cfg.MaxConcurrentRequests = p.concurrency
	cfg.BackOff.InitialInterval = time.Second
	cfg.BackOff.MaxInterval = 10 * time.Second
	cfg.BackOff.RandomizationFactor = 0
	cfg.MaxRequestsPerSecond = p.maxRPS
	return cfg
}

// simEvents draws the events of a run from start - lookback to start + simSpan: arrivals at
// p.rate per organization, a third of them in bursts inside one millisecond (ordered there by
// id, some with sub-millisecond times), visible at once, late within the guarantee, or later.
func simEvents(p simParams, cfg *Config, start time.Time) []modelEvent {
	rng := rand.New(rand.NewPCG(p.seed, 0xe7)) //nolint:gosec // seeded on purpose: a simulation replays
	guarantee := cfg.Overlap + cfg.SettleDelay
	var events []modelEvent
	n := 0
	for _, org := range p.orgs {
		for t := start.Add(-cfg.InitialLookback); t.Before(start.Add(simSpan)); {
			t = t.Add(time.Duration(rng.ExpFloat64() / p.rate * float64(time.Second)))
			burst := 1
			if rng.IntN(3) == 0 {
				burst = 2 + rng.IntN(4)
			}
			for range burst {
				n++
				ts := t
				if rng.IntN(4) == 0 {
					ts = ts.Add(time.Duration(rng.IntN(1000)) * time.Microsecond)
				}
				visible := ts.Add(time.Duration(rng.Int64N(int64(time.Second))))
				switch f := rng.Float64(); {
				case f < p.lostShare:
					visible = ts.Add(guarantee + time.Duration(rng.Int64N(int64(2*guarantee))))
				case f < p.lostShare+p.lateShare:
					visible = ts.Add(time.Duration(rng.Int64N(int64(guarantee))))
				}
				events = append(events, modelEvent{id: fmt.Sprintf("%08x%016x", n, rng.Uint64()), org: org, ts: ts, visible: visible})
			}
		}
	}
	return events
}

// simStorage is an in-memory storage.Client that counts its writes and keeps, per key, the
// virtual time of its last write.
type simStorage struct {
	mu      sync.Mutex
	m       map[string][]byte
	written map[string]time.Time
	version int
	// fail, when set, decides whether a write of key fails (errSimStorage); failed counts them.
	fail   func(key string) bool
	failed int
}

// errSimStorage is a failed storage write.
var errSimStorage = errors.New("sim: storage write failed")

func newSimStorage(fail func(key string) bool) *simStorage {
	return &simStorage{m: map[string][]byte{}, written: map[string]time.Time{}, fail: fail}
}

// failsLocked draws whether a write of k fails.
func (s *simStorage) failsLocked(k string) bool {
	if s.fail != nil && s.fail(k) {
		s.failed++
		return true
	}
	return false
}

func (s *simStorage) Get(_ context.Context, k string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[k], nil
}

func (s *simStorage) Set(_ context.Context, k string, v []byte) error {
	return s.Batch(context.Background(), storage.SetOperation(k, v))
}

func (s *simStorage) Delete(_ context.Context, k string) error {
	return s.Batch(context.Background(), storage.DeleteOperation(k))
}

// Batch fails as a whole (as file_storage's transaction does) or not at all.
func (s *simStorage) Batch(_ context.Context, ops ...*storage.Operation) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	writes := slices.ContainsFunc(ops, func(op *storage.Operation) bool { return op.Type != storage.Get })
	if writes && s.failsLocked(ops[0].Key) {
		return errSimStorage
	}
	for _, op := range ops {
		switch op.Type {
		case storage.Get:
			op.Value = slices.Clone(s.m[op.Key])
		case storage.Set:
			s.m[op.Key] = slices.Clone(op.Value)
			s.written[op.Key] = time.Now()
			s.version++
		case storage.Delete:
			delete(s.m, op.Key)
			s.written[op.Key] = time.Now()
			s.version++
		}
	}
	return nil
}

func (*simStorage) Close(context.Context) error { return nil }

// clone is the storage as a kill at this instant leaves it.
func (s *simStorage) clone() *simStorage {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := newSimStorage(s.fail)
	for k, v := range s.m {
		c.m[k] = slices.Clone(v)
	}
	for k, v := range s.written {
		c.written[k] = v
	}
	return c
}

// simPosition is what the checks read of a stored checkpoint.
type simPosition struct {
	InWindow                 bool
	WindowStart, FinalBefore time.Time
}

// decodePosition reads the position of a stored checkpoint (checkpointStore.encode's JSON: its
// top-level keys are unique in it) without decoding the rest: the checks read it after every
// write of a run.
func decodePosition(b []byte) (*simPosition, error) {
	timeOf := func(key string) (time.Time, error) {
		i := bytes.Index(b, []byte(`"`+key+`":"`))
		if i < 0 {
			return time.Time{}, nil
		}
		v := b[i+len(key)+4:]
		j := bytes.IndexByte(v, '"')
		if j < 0 {
			return time.Time{}, fmt.Errorf("sim: stored %s is not a string: %s", key, b)
		}
		return time.Parse(time.RFC3339Nano, string(v[:j]))
	}
	var (
		p   = simPosition{InWindow: bytes.Contains(b, []byte(`"in_window":true`))}
		err error
	)
	if p.WindowStart, err = timeOf("window_start"); err != nil {
		return nil, err
	}
	if p.FinalBefore, err = timeOf("final_before"); err != nil {
		return nil, err
	}
	return &p, nil
}

// checkpointOf is the position stored for org (nil when none) and the time it was written.
func (s *simStorage) checkpointOf(org string) (*simPosition, time.Time, error) {
	cs := newCheckpointStore(s, streamSpec{orgID: org})
	s.mu.Lock()
	b, at := s.m[cs.cpKey], s.written[cs.cpKey]
	s.mu.Unlock()
	if b == nil {
		return nil, at, nil
	}
	p, err := decodePosition(b)
	return p, at, err
}

// simDelivery is the first delivery of an event: when the destination took it, by which
// receiver generation, and when that receiver got the answer (zero: not yet, or never).
type simDelivery struct {
	at, acked time.Time
	gen       int
}

// simRun is one seed's run: the model, the sink, the storage, the checks and the schedule.
type simRun struct {
	p      simParams
	sched  *simScheduler
	cfg    *Config
	model  *apiModel
	events []modelEvent // by deadline (completeness)
	byOrg  map[string][]modelEvent
	start  time.Time

	mu sync.Mutex
	// gen is the receiver generation delivering now; dead generations (killed) deliver nowhere.
	gen       int
	delivered map[string]simDelivery
	// hidden are the events that a count under-counted while they were visible: an equal count
	// may then hide them for good (docs/design.md: counts are trusted not to under-count), so
	// the checks leave them out and the schedule counts those lost.
	hidden map[string]bool
	// writtenAt is, per generation start, the time of each organization's last checkpoint write
	// in the storage it started from.
	writtenAt map[int]map[string]time.Time
	attempts  map[string]int
	failures  []string
	trace     []simTraceLine // the last steps, printed with a failure
	stops     []string
	dups      int
	refused   int
	// absences are, per organization, the times it was left out of the configuration (to is
	// zero while it still is); regroups describes the changes.
	absences map[string][]simAbsence
	// left counts the events never checked: their organization left and did not come back.
	left int
	// regroups counts, per organization, the times it left or came back.
	regroups map[string]int
	// lookbackFrom is, per organization, where the backfill of the last start that found no
	// checkpoint of it began: older events are not expected.
	lookbackFrom map[string]time.Time
}

// simAbsence is a time an organization was not configured: [from, to).
type simAbsence struct{ from, to time.Time }

// simDeferred is an event whose organization left before it was due: due by, computed when the
// organization was present after its regroups-th regroup.
type simDeferred struct {
	e        modelEvent
	by       time.Time
	regroups int
}

// absentNow reports whether org is left out of the configuration now.
func (r *simRun) absentNow(org string) bool {
	abs := r.absences[org]
	return len(abs) > 0 && abs[len(abs)-1].to.IsZero()
}

// absence describes org's absences that delay an event of time from, as of now: those that
// overlap [from, now], and those that ended before from while the backlog they left (as long
// as the absence) may still be read after simBackfill. It reports whether there is one, whether
// org is absent now, and when the last one ended and how long they lasted in all (from from on,
// or whole when they ended before from).
func (r *simRun) absence(org string, from, now time.Time) (overlaps, current bool, end time.Time, total time.Duration) {
	for _, a := range r.absences[org] {
		if !a.to.IsZero() && !a.to.After(from) {
			if away := a.to.Sub(a.from); a.to.Add(simBackfill + away).After(from) {
				overlaps = true
				end = maxTime(end, a.to)
				total += away
			}
			continue
		}
		overlaps = true
		if a.to.IsZero() {
			current = true
			total += now.Sub(maxTime(a.from, from))
			continue
		}
		end = a.to
		total += a.to.Sub(maxTime(a.from, from))
	}
	return overlaps, current, end, total
}

// simTraceLine is one line of the flow, formatted only when a schedule is printed.
type simTraceLine struct {
	at     time.Duration
	format string
	args   []any
}

func (l simTraceLine) String() string { return l.at.String() + " " + fmt.Sprintf(l.format, l.args...) }

func (r *simRun) logf(format string, args ...any) {
	if len(r.trace) >= simTraceLimit {
		r.trace = append(r.trace[:0], r.trace[simTraceLimit/4:]...)
	}
	r.trace = append(r.trace, simTraceLine{at: time.Since(r.start), format: format, args: args})
}

// lastSteps formats the last n lines of the flow.
func (r *simRun) lastSteps(n int) string {
	lines := make([]string, 0, n)
	for _, l := range r.trace[max(0, len(r.trace)-n):] {
		lines = append(lines, l.String())
	}
	return strings.Join(lines, "\n  ")
}

// simSink is the next consumer of one receiver generation: it refuses deliveries as the seed
// draws, and records the others in the run.
type simSink struct {
	run *simRun
	gen int
}

func (*simSink) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (k *simSink) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	ids := recordIDs([]plog.Logs{ld})
	ack, err := k.take(ids)
	if ack == nil || err != nil {
		return err
	}
	// The destination took the events and answers ack later: a kill meanwhile leaves them
	// delivered and not committed.
	if *ack > 0 {
		time.Sleep(*ack)
		k.run.sched.turn(roleOf(ctx))
	}
	k.acked(ids)
	return nil
}

// acked records when the receiver learnt that ids were delivered (never, when it was killed
// before the answer).
func (k *simSink) acked(ids []string) {
	r := k.run
	r.mu.Lock()
	defer r.mu.Unlock()
	if k.gen != r.gen {
		return
	}
	now := time.Now()
	for _, id := range ids {
		if d := r.delivered[id]; d.gen == k.gen && d.acked.IsZero() {
			d.acked = now
			r.delivered[id] = d
		}
	}
}

// errSimRefused is the sink's refusal of a delivery.
var errSimRefused = errors.New("sim: destination down")

// take records a delivery of ids, or refuses it (errSimRefused); it returns how long the
// destination takes to acknowledge it, nil when a killed receiver delivered (nowhere).
func (k *simSink) take(ids []string) (ack *time.Duration, err error) {
	r := k.run
	r.mu.Lock()
	defer r.mu.Unlock()
	if k.gen != r.gen {
		return nil, nil // killed: what it delivers goes nowhere (and was never committed where it matters)
	}
	now := time.Now()
	key := fmt.Sprintf("%s|%d", ids[0], now.UnixNano())
	r.attempts[key]++
	h := fnv.New64a()
	_, _ = fmt.Fprintf(h, "%s|%d", key, r.attempts[key])
	rng := rand.New(rand.NewPCG(r.p.seed, h.Sum64())) //nolint:gosec // seeded on purpose: a simulation replays
	var d time.Duration
	if rng.Float64() < r.p.refuse {
		r.refused++
		r.logf("sink refused %d events from %s", len(ids), ids[0])
		return &d, errSimRefused
	}
	if rng.Float64() < r.p.slowAck {
		d = time.Duration(rng.Int64N(int64(3 * time.Second)))
	}
	r.logf("sink took %d events %s..%s (ack after %s)", len(ids), ids[0], ids[len(ids)-1], d)
	for _, id := range ids {
		first, ok := r.delivered[id]
		if !ok {
			r.delivered[id] = simDelivery{at: now, gen: k.gen}
			continue
		}
		r.dups++
		org := r.orgOf(id)
		last := r.writtenAt[k.gen][org]
		if first.gen == k.gen || (!first.acked.IsZero() && first.acked.Before(last)) {
			if len(r.failures) < 10 {
				r.failures = append(r.failures, fmt.Sprintf("%s event %s delivered twice: first at %s by receiver %d, again by receiver %d (its checkpoint written at %s)",
					time.Since(r.start), id, first.at.Sub(r.start), first.gen, k.gen, last.Sub(r.start)))
			}
		}
	}
	return &d, nil
}

func (r *simRun) orgOf(id string) string {
	for org, evs := range r.byOrg {
		for i := range evs {
			if evs[i].id == id {
				return org
			}
		}
	}
	return ""
}

// guaranteed reports whether e is visible within overlap + settle_delay of its time and no
// count under-counted it.
func (r *simRun) guaranteed(e *modelEvent) bool {
	return !e.visible.After(e.ts.Add(r.cfg.Overlap+r.cfg.SettleDelay)) && !r.hidden[e.id] &&
		!e.ts.Before(r.lookbackFrom[e.org])
}

// deadline is when a guaranteed event must have been delivered: simBackfill after the first
// start for the events of the initial lookback (a backfill of small pages, slow ones among
// them), else simSlack after it was visible and overlap + settle_delay old, a poll and a window
// later.
func (r *simRun) deadline(e *modelEvent) time.Time {
	if e.ts.Before(r.start) {
		return r.start.Add(simBackfill)
	}
	return maxTime(e.visible, e.ts.Add(r.cfg.Overlap+r.cfg.SettleDelay)).
		Add(r.cfg.SettleDelay + 2*r.cfg.PollInterval + simSlack)
}

// simReceiver is one receiver generation on st.
type simReceiver struct {
	r  *diReceiver
	st *simStorage
}

// startReceiver starts the next receiver generation on st, collecting orgs.
func (r *simRun) startReceiver(t *testing.T, st *simStorage, orgs []string) *simReceiver {
	r.mu.Lock()
	r.gen++
	gen := r.gen
	r.writtenAt[gen] = map[string]time.Time{}
	for _, org := range r.p.orgs {
		cp, at, err := st.checkpointOf(org)
		require.NoError(t, err)
		r.writtenAt[gen][org] = at
		if cp == nil && slices.Contains(orgs, org) {
			// No checkpoint stored yet (a stop before the first write): this start begins the
			// backfill again, initial_lookback before now.
			r.lookbackFrom[org] = time.Now().Add(-r.cfg.InitialLookback)
		}
	}
	r.mu.Unlock()
	cfg := *r.cfg
	cfg.OrgID = orgs
	rcv, err := newReceiver(&cfg, receivertest.NewNopSettings(metadata.Type), &simSink{run: r, gen: gen})
	require.NoError(t, err)
	rcv.clock = simClock{r.sched}
	rcv.budget = newBudget(&cfg, rcv.clock)
	require.NoError(t, rcv.launch(t.Context(), st, r.model))
	return &simReceiver{r: rcv, st: st}
}

// shutdownSim stops a receiver generation: a failed storage write of its last checkpoint is
// what the storage faults of the seed are for, anything else fails the run.
func shutdownSim(t *testing.T, cur *simReceiver) {
	if err := cur.r.Shutdown(t.Context()); err != nil {
		require.ErrorIs(t, err, errSimStorage)
	}
}

// regroup draws, at a stop, whether the configuration of the next receiver changes (p.regroup):
// an organization that left comes back, or one of those configured leaves (one at least stays).
// It returns the organizations of the next receiver, in the seed's order.
func (r *simRun) regroup(rng *rand.Rand, active []string) []string {
	if rng.Float64() >= r.p.regroup {
		return active
	}
	now := time.Now()
	var away []string
	for _, org := range r.p.orgs {
		if !slices.Contains(active, org) {
			away = append(away, org)
		}
	}
	var next []string
	if len(away) > 0 && (len(active) == 1 || rng.IntN(2) == 0) {
		back := away[rng.IntN(len(away))]
		abs := r.absences[back]
		abs[len(abs)-1].to = now
		r.regroups[back]++
		r.stops = append(r.stops, "org "+back+" back")
		for _, org := range r.p.orgs {
			if org == back || slices.Contains(active, org) {
				next = append(next, org)
			}
		}
		return next
	}
	if len(active) < 2 {
		return active
	}
	gone := active[rng.IntN(len(active))]
	r.absences[gone] = append(r.absences[gone], simAbsence{from: now})
	r.regroups[gone]++
	r.stops = append(r.stops, "org "+gone+" left")
	for _, org := range active {
		if org != gone {
			next = append(next, org)
		}
	}
	return next
}

// runSim runs seed p in the current synctest bubble and returns the failures found, the
// schedule and a digest of the deliveries.
func runSim(t *testing.T, p simParams) (failures []string, schedule string, digest string) {
	start := time.Now()
	cfg := simConfig(p)
	require.NoError(t, cfg.Validate())
	events := simEvents(p, cfg, start)
	run := &simRun{p: p, cfg: cfg, start: start, byOrg: map[string][]modelEvent{},
		delivered: map[string]simDelivery{}, hidden: map[string]bool{}, writtenAt: map[int]map[string]time.Time{}, attempts: map[string]int{},
		absences: map[string][]simAbsence{}, regroups: map[string]int{}, lookbackFrom: map[string]time.Time{}}
	run.sched = newSimScheduler(p.seed)
	defer run.sched.stop()
	run.model = newAPIModel(p.seed, simClock{run.sched}, p.faults, events)
	run.model.underCounted = func(ids []string) {
		run.mu.Lock()
		for _, id := range ids {
			run.hidden[id] = true
		}
		run.mu.Unlock()
	}
	run.model.trace = func(format string, args ...any) {
		run.mu.Lock()
		run.logf(format, args...)
		run.mu.Unlock()
	}
	type byDeadline struct {
		at int64
		e  modelEvent
	}
	sorted := make([]byDeadline, len(events))
	for i := range events {
		sorted[i] = byDeadline{at: run.deadline(&events[i]).UnixNano(), e: events[i]}
	}
	slices.SortFunc(sorted, func(a, b byDeadline) int { return cmpInt64(a.at, b.at) })
	run.events = make([]modelEvent, len(events))
	for i := range sorted {
		run.events[i] = sorted[i].e
	}
	for _, e := range events {
		run.byOrg[e.org] = append(run.byOrg[e.org], e)
	}
	for _, evs := range run.byOrg {
		slices.SortFunc(evs, func(a, b modelEvent) int { return a.ts.Compare(b.ts) })
	}
	rng := rand.New(rand.NewPCG(p.seed, 0xd1))        //nolint:gosec // seeded on purpose: a simulation replays
	regroupRng := rand.New(rand.NewPCG(p.seed, 0xd2)) //nolint:gosec // seeded on purpose: a simulation replays
	var (
		storeMu       sync.Mutex
		storeAttempts = map[string]int{}
	)
	fail := func(key string) bool { // a storage write fails as the seed, the key, the time and the attempt draw
		if p.storeFail == 0 {
			return false
		}
		storeMu.Lock()
		defer storeMu.Unlock()
		k := key + "|" + strconv.FormatInt(time.Now().UnixNano(), 10)
		storeAttempts[k]++
		h := fnv.New64a()
		_, _ = h.Write([]byte(k))
		return rand.New(rand.NewPCG(p.seed^0x5707, h.Sum64()+uint64(storeAttempts[k]))).Float64() < p.storeFail //nolint:gosec // seeded on purpose
	}
	active := slices.Clone(p.orgs)
	cur := run.startReceiver(t, newSimStorage(fail), active)
	// Events whose organization was left out for a while: due (sorted by due date, computed when
	// the organization was present) and waiting (per organization, while it is away).
	var (
		due     []simDeferred
		waiting = map[string][]simDeferred{}
	)
	deferDue := func(d simDeferred, now time.Time) {
		if run.absentNow(d.e.org) {
			waiting[d.e.org] = append(waiting[d.e.org], d)
			return
		}
		_, _, end, away := run.absence(d.e.org, d.e.ts, now)
		d.by, d.regroups = maxTime(run.deadline(&d.e), end.Add(simBackfill+away)), run.regroups[d.e.org]
		i, _ := slices.BinarySearchFunc(due, d.by, func(x simDeferred, by time.Time) int { return x.by.Compare(by) })
		due = slices.Insert(due, i, d)
	}
	done, committed := 0, map[string]int{}
	lastVersion := -1
	for step := 1; step <= int(simSpan/simStep); step++ {
		// Steps at whole multiples of simStep from the start (a stop takes virtual time: the
		// steps after it are not shifted, and every step draws its stop).
		time.Sleep(time.Until(start.Add(time.Duration(step) * simStep)))
		run.sched.driverTurn()
		now := time.Now()
		// Completeness.
		run.mu.Lock()
		check := func(e *modelEvent, by time.Time) {
			if _, ok := run.delivered[e.id]; !ok && run.guaranteed(e) {
				run.failures = append(run.failures, fmt.Sprintf("%s event %s (org %s, time %s, visible %s) not delivered by %s",
					now.Sub(start), e.id, e.org, e.ts.Sub(start), e.visible.Sub(start), by.Sub(start)))
			}
		}
		for ; done < len(run.events) && !run.deadline(&run.events[done]).After(now); done++ {
			e := &run.events[done]
			if overlaps, _, _, _ := run.absence(e.org, e.ts, now); overlaps {
				deferDue(simDeferred{e: *e}, now)
				continue
			}
			check(e, run.deadline(e))
		}
		// An event of an organization that was left out meanwhile is due simBackfill and the
		// time it was away after the organization came back (its stored checkpoint resumes).
		for org, ds := range waiting {
			if !run.absentNow(org) {
				delete(waiting, org)
				for _, d := range ds {
					deferDue(d, now)
				}
			}
		}
		for len(due) > 0 && !now.Before(due[0].by) {
			d := due[0]
			due = due[1:]
			if d.regroups != run.regroups[d.e.org] { // it left (and maybe came back) since
				deferDue(d, now)
				continue
			}
			check(&d.e, d.by)
		}
		run.mu.Unlock()
		// The commit never passes an undelivered event.
		cur.st.mu.Lock()
		version := cur.st.version
		cur.st.mu.Unlock()
		if version != lastVersion {
			lastVersion = version
			for _, org := range p.orgs {
				cp, _, err := cur.st.checkpointOf(org)
				require.NoError(t, err)
				if cp == nil {
					continue
				}
				limit := cp.FinalBefore
				if cp.InWindow {
					limit = minTime(limit, cp.WindowStart)
				}
				evs := run.byOrg[org]
				run.mu.Lock()
				for i := committed[org]; i < len(evs) && evs[i].ts.Before(limit); i++ {
					if _, ok := run.delivered[evs[i].id]; !ok && run.guaranteed(&evs[i]) {
						run.failures = append(run.failures, fmt.Sprintf("%s org %s committed FinalBefore %s past undelivered event %s (time %s, visible %s)",
							now.Sub(start), org, cp.FinalBefore.Sub(start), evs[i].id, evs[i].ts.Sub(start), evs[i].visible.Sub(start)))
					}
					committed[org] = i + 1
				}
				run.mu.Unlock()
			}
		}
		run.mu.Lock()
		failed := len(run.failures) > 0
		run.mu.Unlock()
		if failed {
			break
		}
		// A stop: a graceful restart or a kill.
		if rng.Float64() < p.stopEvery {
			if rng.IntN(2) == 0 {
				run.stops = append(run.stops, fmt.Sprintf("%s restart", time.Duration(step)*simStep))
				run.mu.Lock()
				run.logf("restart")
				run.mu.Unlock()
				shutdownSim(t, cur)
				active = run.regroup(regroupRng, active)
				cur = run.startReceiver(t, cur.st, active)
			} else {
				run.stops = append(run.stops, fmt.Sprintf("%s kill", time.Duration(step)*simStep))
				st := cur.st.clone()
				run.mu.Lock()
				run.logf("kill")
				run.gen++ // the old receiver delivers nowhere from now on
				run.mu.Unlock()
				shutdownSim(t, cur)
				run.mu.Lock()
				run.gen--
				run.mu.Unlock()
				active = run.regroup(regroupRng, active)
				cur = run.startReceiver(t, st, active)
			}
			committed = map[string]int{} // the new storage's FinalBefore is checked from the start
			lastVersion = -1
		}
	}
	shutdownSim(t, cur)
	run.mu.Lock()
	defer run.mu.Unlock()
	for _, ds := range waiting {
		run.left += len(ds)
	}
	lostHidden := 0
	for id := range run.hidden {
		if _, ok := run.delivered[id]; !ok {
			lostHidden++
		}
	}
	h := fnv.New64a()
	ids := make([]string, 0, len(run.delivered))
	for id, d := range run.delivered {
		ids = append(ids, id+"@"+strconv.FormatInt(d.at.Sub(start).Milliseconds(), 10))
	}
	slices.Sort(ids)
	for _, id := range ids {
		_, _ = h.Write([]byte(id))
	}
	turns, order, ties := run.sched.stats()
	run.model.mu.Lock()
	cur.st.mu.Lock()
	storeFailed := cur.st.failed
	cur.st.mu.Unlock()
	schedule = fmt.Sprintf("seed %d: orgs %d, page_size %d, %.2f events/s/org, late %.2f, beyond the bound %.3f, refused %.3f, slow ack %.3f, stop/step %.4f, "+
		"regroup/stop %.2f, storage failures %.3f, max_requests_per_second %.1f, max_concurrent_requests %d\n"+
		"faults %+v\nrequests %v, injected %v; %d events, %d delivered, %d refusals, %d duplicates around stops, %d events under-counted and never delivered, "+
		"%d of organizations that left, %d failed storage writes (last storage); %d turns (order %x, %d ties)\nstops: %s\nlast steps:\n  %s",
		p.seed, len(p.orgs), p.pageSize, p.rate, p.lateShare, p.lostShare, p.refuse, p.slowAck, p.stopEvery, p.regroup, p.storeFail, p.maxRPS, p.concurrency, p.faults,
		run.model.requests, run.model.injected, len(events), len(run.delivered), run.refused, run.dups, lostHidden, run.left, storeFailed,
		turns, order, ties,
		strings.Join(run.stops, ", "), run.lastSteps(simScheduleSteps))
	run.model.mu.Unlock()
	return run.failures, schedule, fmt.Sprintf("%x", h.Sum64())
}

// simSeeds are the seeds to run: SIM_SEED alone, or the regressions and SIM_SEEDS seeds from
// SIM_FIRST.
func simSeeds(t *testing.T) (seeds []uint64, replay bool) {
	if s := os.Getenv("SIM_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		require.NoError(t, err, "SIM_SEED")
		// SIM_REPEAT runs it that many times: a failure that depends on the order of goroutines
		// runnable at one virtual instant (see the top of this file) shows up in some of them.
		repeat := 1
		if r := os.Getenv("SIM_REPEAT"); r != "" {
			repeat, err = strconv.Atoi(r)
			require.NoError(t, err, "SIM_REPEAT")
		}
		for range max(1, repeat) {
			seeds = append(seeds, n)
		}
		return seeds, true
	}
	n := uint64(simDefaultSeeds)
	switch {
	case testing.Short():
		n = simShortSeeds
	case simRace:
		n = simRaceSeeds
	}
	if s := os.Getenv("SIM_SEEDS"); s != "" {
		var err error
		n, err = strconv.ParseUint(s, 10, 64)
		require.NoError(t, err, "SIM_SEEDS")
	}
	first := uint64(1)
	if s := os.Getenv("SIM_FIRST"); s != "" {
		var err error
		first, err = strconv.ParseUint(s, 10, 64)
		require.NoError(t, err, "SIM_FIRST")
	}
	seeds = slices.Clone(simRegressions)
	for i := first; i < first+n; i++ {
		if !slices.Contains(simRegressions, i) {
			seeds = append(seeds, i)
		}
	}
	return seeds, false
}

// TestSimulation runs the engine against the API model, seed after seed on one worker per CPU
// (each seed in its own synctest bubble), checking the invariants after every step (see the top
// of this file).
func TestSimulation(t *testing.T) {
	t.Parallel()
	seeds, replay := simSeeds(t)
	began := time.Now()
	// A seed allocates a few hundred MB over its hour and keeps little: fewer collections.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	workers := min(runtime.GOMAXPROCS(0), len(seeds))
	var next atomic.Int64
	t.Run("workers", func(t *testing.T) {
		for w := range workers {
			t.Run(strconv.Itoa(w), func(t *testing.T) {
				t.Parallel()
				for i := next.Add(1) - 1; i < int64(len(seeds)) && !t.Failed(); i = next.Add(1) - 1 {
					simSeed(t, seeds[i], replay)
				}
			})
		}
	})
	if t.Failed() {
		return
	}
	t.Logf("%d seeds, %s of simulated time each (%s in all), passed in %s on %d workers", len(seeds), simSpan,
		time.Duration(len(seeds))*simSpan, time.Since(began).Round(time.Millisecond), workers)
}

// simSeed runs one seed and fails t with its schedule when an invariant broke.
func simSeed(t *testing.T, seed uint64, replay bool) {
	var (
		failures []string
		schedule string
	)
	synctest.Test(t, func(t *testing.T) {
		failures, schedule, _ = runSim(t, simParamsFor(seed))
	})
	if os.Getenv("SIM_STATS") != "" {
		i := strings.Index(schedule, "\nrequests") + 1
		t.Logf("seed %d %s", seed, schedule[i:i+strings.Index(schedule[i:], "\nstops")])
	}
	if replay && len(failures) == 0 {
		t.Logf("schedule:\n%s", schedule)
	}
	if len(failures) > 0 {
		t.Fatalf("seed %d failed (replay: SIM_SEED=%d go test -run TestSimulation$ ./receiver/jumpclouddirectoryinsightsreceiver/):\n%s\nschedule:\n%s",
			seed, seed, strings.Join(failures, "\n"), schedule)
	}
}

// A seed replays exactly: the same parameters and events, and, run twice at once (the Go
// scheduler runs the two bubbles' goroutines in other orders), the same schedule (every request,
// fault, delivery and stop, the order of the scheduler's turns) and the same deliveries at the
// same virtual times. Seed 12 replayed only sometimes before the scheduler: two organizations due
// at one instant reached the request slot in either order.
func TestSimulationReplays(t *testing.T) {
	t.Parallel()
	seeds := []uint64{12, 25}
	if testing.Short() || simRace {
		seeds = seeds[:1]
	}
	for _, seed := range seeds {
		t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) {
			t.Parallel()
			p := simParamsFor(seed)
			require.Equal(t, p, simParamsFor(seed))
			start := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
			require.Equal(t, simEvents(p, simConfig(p), start), simEvents(p, simConfig(p), start))
			var (
				wg                 sync.WaitGroup
				schedules, digests [2]string
			)
			for i := range 2 {
				wg.Go(func() {
					synctest.Test(t, func(t *testing.T) {
						failures, schedule, digest := runSim(t, p)
						assert.Empty(t, failures)
						schedules[i], digests[i] = schedule, digest
					})
				})
			}
			wg.Wait()
			a, b := strings.Split(schedules[0], "\n"), strings.Split(schedules[1], "\n")
			for i := range min(len(a), len(b)) {
				if a[i] != b[i] {
					t.Errorf("seed %d: the schedules differ from line %d:\n%s\n%s", seed, i+1, a[i], b[i])
					break
				}
			}
			assert.Len(t, b, len(a), "seed %d: schedule lines", seed)
			assert.Equal(t, digests[0], digests[1], "seed %d: deliveries", seed)
		})
	}
}

// decodePosition reads what json.Unmarshal reads of a stored checkpoint.
func TestSimDecodePosition(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 7, 1, 2, 3, 456789000, time.UTC)
	for _, cp := range []checkpoint{
		{},
		{InWindow: true, WindowStart: at, WindowEnd: at.Add(time.Minute), FinalBefore: at.Add(-time.Minute),
			Slices: []sliceProgress{{Start: at, End: at.Add(time.Second), SearchAfter: json.RawMessage(`[1,"a"]`)}}},
		{WindowEnd: at, FinalBefore: at, ProbeFrom: at.Add(-time.Hour), Query: "q"},
	} {
		ops, err := checkpointStore{}.encode(&cp, false, false)
		require.NoError(t, err)
		var want checkpoint
		require.NoError(t, json.Unmarshal(ops[0].Value, &want))
		got, err := decodePosition(ops[0].Value)
		require.NoError(t, err)
		assert.Equal(t, simPosition{InWindow: want.InWindow, WindowStart: want.WindowStart, FinalBefore: want.FinalBefore}, *got, "%s", ops[0].Value)
	}
}
