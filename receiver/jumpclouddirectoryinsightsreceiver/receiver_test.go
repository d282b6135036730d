package jumpclouddirectoryinsightsreceiver

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/jumpcloudsim"
)

// expectedIDs returns the simulator's ids of [start, end) in API order.
func expectedIDs(t *testing.T, sim *jumpcloudsim.Server, start, end time.Time) ([]string, map[string][]byte) {
	t.Helper()
	evs, err := sim.Events(jumpcloudsim.EventFilter{Start: start, End: end})
	require.NoError(t, err)
	ids := make([]string, len(evs))
	raw := make(map[string][]byte, len(evs))
	for i, ev := range evs {
		ids[i] = ev.ID
		raw[ev.ID] = ev.Raw
	}
	return ids, raw
}

func TestDeliversEveryEventOnceInOrderAcrossPagesAndWindows(t *testing.T) {
	sim, url := startSim(t, jumpcloudsim.Config{Seed: 7})
	now := time.Now().UTC()
	start := now.Add(-2 * time.Hour)
	require.NoError(t, sim.Generate(25000, start, now.Add(-time.Minute)))
	want, raw := expectedIDs(t, sim, start, now)
	require.Len(t, want, 25000)

	cfg := testConfig(url)
	cfg.InitialLookback = 2*time.Hour + time.Minute
	cfg.MaxWindow = 20 * time.Minute // several windows
	cfg.PageSize = 1000              // many pages
	cfg.Overlap = time.Minute        // exercised, must not duplicate
	cfg.Category = "security/jumpcloud"
	cfg.Fields = map[string]any{"_siemForward": true, "team": "secops"}
	sink := new(consumertest.LogsSink)
	startReceiver(t, cfg, newStatusHost(), sink)

	waitFor(t, 60*time.Second, func() bool { return sink.LogRecordCount() >= len(want) }, "records never arrived")
	time.Sleep(200 * time.Millisecond) // more polls: nothing else may arrive
	got := recordIDs(sink.AllLogs())
	assertSameSequence(t, want, got)

	windows := map[time.Time]bool{}
	for _, rq := range sim.Requests() {
		if rq.Query != nil {
			windows[rq.Query.StartTime] = true
		}
	}
	assert.GreaterOrEqual(t, len(windows), 6, "backfill proceeds in several windows")

	// The mapping: body is the original JSON, timestamp the event time, metadata attributes.
	for _, ld := range sink.AllLogs() {
		rl := ld.ResourceLogs().At(0)
		assert.Equal(t, map[string]any{
			"_sourceName": "JumpCloud Directory Insights", "_sourceCategory": "security/jumpcloud",
			"_siemForward": "true", "team": "secops",
		}, rl.Resource().Attributes().AsRaw())
		lrs := rl.ScopeLogs().At(0).LogRecords()
		for i := 0; i < lrs.Len(); i++ {
			lr := lrs.At(i)
			id, _ := lr.Attributes().Get(attrEventID)
			require.Equal(t, string(raw[id.Str()]), lr.Body().Str())
			require.NotZero(t, lr.Timestamp())
			require.NotZero(t, lr.ObservedTimestamp())
		}
	}
}

func TestRestartResumesInsideTheWindowWithFileStorage(t *testing.T) {
	sim, url := startSim(t, jumpcloudsim.Config{Seed: 11})
	now := time.Now().UTC()
	start := now.Add(-time.Hour)
	require.NoError(t, sim.Generate(12000, start, now.Add(-time.Minute)))
	want, _ := expectedIDs(t, sim, start, now)

	dir := t.TempDir()
	cfg := testConfig(url)
	cfg.InitialLookback = time.Hour + time.Minute
	cfg.PageSize = 500
	cfg.MaxWindow = 2 * time.Hour // one window: the stop happens inside it
	cfg.MaxConcurrentRequests = 4 // sliced: the stop happens inside several slices

	// First run: the consumer accepts pages until it has about 5000 records, then the
	// receiver is shut down in the middle of the window.
	host1 := newStatusHost()
	cfg.StorageID = ptr(addFileStorage(t, host1, dir))
	first := new(consumertest.LogsSink)
	r1 := startReceiver(t, cfg, host1, first)
	waitFor(t, 30*time.Second, func() bool { return first.LogRecordCount() >= 5000 }, "first run stalled")
	require.NoError(t, r1.Shutdown(context.Background()))
	n1 := first.LogRecordCount()
	require.Less(t, n1, len(want), "the first run must stop mid-window")

	// Second run with the same storage directory.
	host2 := newStatusHost()
	cfg2 := *cfg
	cfg2.StorageID = ptr(addFileStorage(t, host2, filepath.Clean(dir)))
	second := new(consumertest.LogsSink)
	startReceiver(t, &cfg2, host2, second)
	waitFor(t, 30*time.Second, func() bool { return n1+second.LogRecordCount() >= len(want) }, "second run stalled")
	time.Sleep(200 * time.Millisecond)

	got := append(recordIDs(first.AllLogs()), recordIDs(second.AllLogs())...)
	assertSameSet(t, want, got)
}

func TestLateEventsInsideTheOverlapAreDeliveredOnce(t *testing.T) {
	sim, url := startSim(t, jumpcloudsim.Config{Seed: 3})
	now := time.Now().UTC()
	// On time: 300 events over the last 10 minutes.
	require.NoError(t, sim.Generate(300, now.Add(-10*time.Minute), now.Add(-time.Second)))
	// Late: 40 events from the last 30 s that become visible only in 1.5 s, after the receiver
	// has already read their window.
	require.NoError(t, sim.GenerateLate(40, now.Add(-30*time.Second), now.Add(-time.Second), now.Add(1500*time.Millisecond)))

	cfg := testConfig(url)
	cfg.InitialLookback = 11 * time.Minute
	cfg.Overlap = time.Minute
	cfg.PollInterval = 100 * time.Millisecond
	sink := new(consumertest.LogsSink)
	startReceiver(t, cfg, newStatusHost(), sink)

	waitFor(t, 10*time.Second, func() bool { return sink.LogRecordCount() >= 340 }, "late events were lost")
	time.Sleep(500 * time.Millisecond) // several more overlap re-scans
	got := recordIDs(sink.AllLogs())
	assert.Len(t, got, 340)
	seen := map[string]bool{}
	for _, id := range got {
		assert.False(t, seen[id], "duplicate %s", id)
		seen[id] = true
	}
	want, _ := expectedIDs(t, sim, now.Add(-11*time.Minute), time.Now())
	assert.ElementsMatch(t, want, got)
}

func TestUnauthorizedIsPermanentAndStopsRequests(t *testing.T) {
	sim, url := startSim(t, jumpcloudsim.Config{})
	require.NoError(t, sim.Generate(10, time.Now().Add(-time.Hour), time.Now().Add(-time.Minute)))
	cfg := testConfig(url)
	cfg.APIKey = "wrong-key-do-not-log"
	host := newStatusHost()
	r := startReceiver(t, cfg, host, consumertest.NewNop())

	waitFor(t, 5*time.Second, func() bool {
		ev := host.Last()
		return ev != nil && ev.Status() == componentstatus.StatusPermanentError
	}, "no PermanentError reported")
	ev := host.Last()
	require.Error(t, ev.Err())
	assert.Contains(t, ev.Err().Error(), "401")
	assert.NotContains(t, ev.Err().Error(), "wrong-key-do-not-log")
	state, _ := ev.Attributes().Get(attrKeySourceState)
	assert.Equal(t, "Error", state.Str())
	etype, _ := ev.Attributes().Get(attrKeyErrorType)
	assert.Equal(t, "ThirdPartyConfig", etype.Str())

	time.Sleep(300 * time.Millisecond) // 15 poll intervals: no retry may happen
	assert.Equal(t, int64(1), sim.Stats().Requests, "a configuration error stops all requests")
	st, et := r.status.current()
	assert.Equal(t, stateError, st)
	assert.Equal(t, errThirdPartyConfig, et)
}

func TestConfigErrorStatuses(t *testing.T) {
	for _, code := range []int{http.StatusBadRequest, http.StatusPaymentRequired, http.StatusForbidden} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			sim, url := startSim(t, jumpcloudsim.Config{})
			require.NoError(t, sim.InjectFault(jumpcloudsim.Fault{Kind: jumpcloudsim.FaultStatus, Status: code, Message: "nope"}))
			host := newStatusHost()
			startReceiver(t, testConfig(url), host, consumertest.NewNop())
			waitFor(t, 5*time.Second, func() bool {
				ev := host.Last()
				return ev != nil && ev.Status() == componentstatus.StatusPermanentError
			}, "no PermanentError for %d", code)
			time.Sleep(100 * time.Millisecond)
			assert.Equal(t, int64(1), sim.Stats().Requests)
		})
	}
}

func TestServiceUnavailableIsRecoverableThenOK(t *testing.T) {
	sim, url := startSim(t, jumpcloudsim.Config{})
	require.NoError(t, sim.Generate(50, time.Now().Add(-time.Hour), time.Now().Add(-time.Minute)))
	require.NoError(t, sim.InjectFault(jumpcloudsim.Fault{Kind: jumpcloudsim.FaultStatus, Status: http.StatusServiceUnavailable, Times: 2}))
	host := newStatusHost()
	sink := new(consumertest.LogsSink)
	startReceiver(t, testConfig(url), host, sink)

	waitFor(t, 5*time.Second, func() bool { return sink.LogRecordCount() == 50 }, "events not delivered after 503s")
	waitFor(t, 5*time.Second, func() bool {
		ev := host.Last()
		return ev != nil && ev.Status() == componentstatus.StatusOK
	}, "status did not return to OK")
	statuses := host.Statuses()
	require.NotEmpty(t, statuses)
	assert.Equal(t, componentstatus.StatusRecoverableError, statuses[0], "503 first: RecoverableError")
	assert.Contains(t, statuses, componentstatus.StatusOK)
	// Reported on change only: one RecoverableError for both 503s.
	n := 0
	for _, s := range statuses {
		if s == componentstatus.StatusRecoverableError {
			n++
		}
	}
	assert.Equal(t, 1, n)
}

func TestRetryAfterIsHonoured(t *testing.T) {
	sim, url := startSim(t, jumpcloudsim.Config{})
	require.NoError(t, sim.InjectFault(jumpcloudsim.Fault{Kind: jumpcloudsim.FaultStatus, Status: http.StatusTooManyRequests, RetryAfter: "2"}))
	startReceiver(t, testConfig(url), newStatusHost(), consumertest.NewNop())
	waitFor(t, 10*time.Second, func() bool { return sim.Stats().Requests >= 2 }, "no retry after 429")
	reqs := sim.Requests()
	gap := reqs[1].Time.Sub(reqs[0].Time)
	assert.GreaterOrEqual(t, gap, 1950*time.Millisecond, "the retry waits Retry-After")
	assert.Less(t, gap, 3500*time.Millisecond, "and not much longer")
}

func TestTransientErrorsWithoutRetryAfterBackOff(t *testing.T) {
	sim, url := startSim(t, jumpcloudsim.Config{})
	require.NoError(t, sim.InjectFault(jumpcloudsim.Fault{Kind: jumpcloudsim.FaultStatus, Status: http.StatusTooManyRequests, Times: 3}))
	cfg := testConfig(url)
	cfg.BackOff.InitialInterval = 40 * time.Millisecond
	cfg.BackOff.Multiplier = 2
	cfg.BackOff.MaxInterval = time.Second
	startReceiver(t, cfg, newStatusHost(), consumertest.NewNop())
	waitFor(t, 5*time.Second, func() bool { return sim.Stats().Requests >= 4 }, "no retries")
	reqs := sim.Requests()
	assert.GreaterOrEqual(t, reqs[1].Time.Sub(reqs[0].Time), 35*time.Millisecond)
	assert.GreaterOrEqual(t, reqs[3].Time.Sub(reqs[2].Time), 140*time.Millisecond, "the delay grows")
}

// flakyConsumer refuses the first n calls with a non-permanent error.
type flakyConsumer struct {
	consumertest.LogsSink
	refuse atomic.Int32
}

func (f *flakyConsumer) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	if f.refuse.Add(-1) >= 0 {
		return errors.New("downstream busy")
	}
	return f.LogsSink.ConsumeLogs(ctx, ld)
}

func TestConsumerErrorRetriesTheSamePage(t *testing.T) {
	sim, url := startSim(t, jumpcloudsim.Config{Seed: 5})
	now := time.Now().UTC()
	require.NoError(t, sim.Generate(2500, now.Add(-time.Hour), now.Add(-time.Minute)))
	want, _ := expectedIDs(t, sim, now.Add(-2*time.Hour), now)
	cfg := testConfig(url)
	cfg.PageSize = 1000
	host := newStatusHost()
	fc := &flakyConsumer{}
	fc.refuse.Store(3)
	startReceiver(t, cfg, host, fc)
	waitFor(t, 10*time.Second, func() bool { return fc.LogRecordCount() >= len(want) }, "stalled")
	time.Sleep(100 * time.Millisecond)
	assertSameSequence(t, want, recordIDs(fc.AllLogs()))
	assert.Contains(t, host.Statuses(), componentstatus.StatusRecoverableError, "FirstPartyGeneric")
	waitFor(t, 2*time.Second, func() bool { return host.Last().Status() == componentstatus.StatusOK }, "not OK again")
}

func TestPermanentConsumerErrorDoesNotStall(t *testing.T) {
	sim, url := startSim(t, jumpcloudsim.Config{Seed: 9})
	now := time.Now().UTC()
	require.NoError(t, sim.Generate(30, now.Add(-time.Hour), now.Add(-time.Minute)))
	var calls atomic.Int32
	next, err := consumer.NewLogs(func(context.Context, plog.Logs) error {
		calls.Add(1)
		return consumererror.NewPermanent(errors.New("bad data"))
	})
	require.NoError(t, err)
	r := startReceiver(t, testConfig(url), newStatusHost(), next)
	waitFor(t, 5*time.Second, func() bool { st, _ := r.status.current(); return st == stateCollecting }, "stalled")
	time.Sleep(100 * time.Millisecond)
	assert.Equal(t, int32(1), calls.Load(), "a permanently rejected page is not offered again")
}

func TestStatusStatesAreReported(t *testing.T) {
	sim, url := startSim(t, jumpcloudsim.Config{})
	require.NoError(t, sim.Generate(5, time.Now().Add(-time.Hour), time.Now().Add(-time.Minute)))
	host := newStatusHost()
	sink := new(consumertest.LogsSink)
	r := startReceiver(t, testConfig(url), host, sink)
	waitFor(t, 5*time.Second, func() bool { st, _ := r.status.current(); return st == stateCollecting }, "never Collecting")
	var states []string
	events := host.Events()
	for _, ev := range events {
		v, _ := ev.Attributes().Get(attrKeySourceState)
		states = append(states, v.Str())
		assert.Equal(t, componentstatus.StatusOK, ev.Status())
	}
	assert.Equal(t, []string{"Authenticated", "Collecting"}, states, "reported once per change")
}

func ptr[T any](v T) *T { return &v }
