package jumpclouddirectoryinsightsreceiver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"testing/synctest"
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
	t.Parallel()
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
	waitForMorePolls(t, sim, 3) // more polls: nothing else may arrive
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
			// _siemForward true without a _parser: Cloud SIEM's JumpCloud parser (config.go).
			"_parser": "/Parsers/System/JumpCloud/JumpCloud Directory Insights",
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
	t.Parallel()
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
	second := resumeRun(t, cfg, dir, n1, len(want))
	waitForMorePolls(t, sim, 3)

	got := append(recordIDs(first.AllLogs()), recordIDs(second.AllLogs())...)
	assertSameSet(t, want, got)
}

// Late events inside the overlap, visible only after the receiver read their window, arrive
// once (virtual time: the on-time events are all delivered before the late ones are visible).
func TestLateEventsInsideTheOverlapAreDeliveredOnce(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		sim := newVirtualSim(jumpcloudsim.Config{Seed: 3})
		now := time.Now().UTC()
		// On time: 300 events over the last 10 minutes.
		require.NoError(t, sim.Generate(300, now.Add(-10*time.Minute), now.Add(-time.Second)))
		// Late: 40 events from the last 30 s that become visible only in 1.5 s, after the
		// receiver has already read their window.
		visible := now.Add(1500 * time.Millisecond)
		require.NoError(t, sim.GenerateLate(40, now.Add(-30*time.Second), now.Add(-time.Second), visible))

		cfg := testConfig(virtualURL)
		cfg.InitialLookback = 11 * time.Minute
		cfg.Overlap = time.Minute
		cfg.PollInterval = 100 * time.Millisecond
		sink := new(consumertest.LogsSink)
		startVirtualReceiver(t, cfg, newStatusHost(), sink, sim)

		time.Sleep(time.Until(visible) - cfg.PollInterval/2)
		synctest.Wait()
		onTime, err := sim.Events(jumpcloudsim.EventFilter{VisibleAt: time.Now(), NoRaw: true})
		require.NoError(t, err)
		require.Len(t, onTime, 300, "the late events are not visible yet")
		onTimeIDs := make([]string, len(onTime))
		for i, ev := range onTime {
			onTimeIDs[i] = ev.ID
		}
		assert.ElementsMatch(t, onTimeIDs, recordIDs(sink.AllLogs()), "the on-time events, once each")

		// The next poll probes the overlap and finds the late events; several more change nothing.
		time.Sleep(cfg.PollInterval)
		synctest.Wait()
		require.Equal(t, 340, sink.LogRecordCount(), "the late events arrive at the first poll that sees them")
		time.Sleep(6 * cfg.PollInterval)
		synctest.Wait()
		got := recordIDs(sink.AllLogs())
		assert.Len(t, got, 340)
		seen := map[string]bool{}
		for _, id := range got {
			assert.False(t, seen[id], "duplicate %s", id)
			seen[id] = true
		}
		want, _ := expectedIDs(t, sim, now.Add(-11*time.Minute), time.Now())
		assert.ElementsMatch(t, want, got)
	})
}

// Events without an id or a parseable timestamp are delivered, not a reason to stall.
func TestIncompleteEventsAreDelivered(t *testing.T) {
	t.Parallel()
	ts := time.Now().Add(-10 * time.Minute).UTC().Format(time.RFC3339Nano)
	page := fmt.Sprintf(`[{"id":"good","timestamp":%q},{"timestamp":%q,"event_type":"new_thing"},{"id":"no-time","timestamp":"soon"}]`, ts, ts)
	cfg := testConfig(onePageServer(t, []byte(page)))
	cfg.Overlap = time.Minute
	sink := new(consumertest.LogsSink)
	startReceiver(t, cfg, newStatusHost(), sink)
	waitFor(t, 5*time.Second, func() bool { return sink.LogRecordCount() == 3 }, "incomplete events stalled collection")
	lrs := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	_, hasID := lrs.At(1).Attributes().Get(attrEventID)
	assert.False(t, hasID)
	assert.Zero(t, lrs.At(2).Timestamp(), "no event time: only the observed time is set")
	assert.NotZero(t, lrs.At(2).ObservedTimestamp())
}

// A server that answers full pages with the same X-Search_after must not make the receiver
// re-deliver the same events in a loop.
func TestSearchAfterThatDoesNotAdvanceIsAnError(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now().Add(-10 * time.Minute).UTC()
		ts := t0.Format(time.RFC3339Nano)
		cursor := fmt.Sprintf(`[%d,"b"]`, t0.UnixMilli()) // the key of the page's last event
		var requests requestTimes
		api := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			requests.add()
			w.Header().Set("X-Limit", "2")
			w.Header().Set("X-Result-Count", "2")
			w.Header().Set("X-Search_after", cursor)
			fmt.Fprintf(w, `[{"id":"a","timestamp":%q},{"id":"b","timestamp":%q}]`, ts, ts)
		})
		cfg := testConfig(virtualURL)
		cfg.PageSize = 2
		cfg.InitialLookback = time.Hour
		cfg.BackOff.InitialInterval = 50 * time.Millisecond
		cfg.BackOff.MaxInterval = 50 * time.Millisecond
		cfg.BackOff.RandomizationFactor = 0
		sink := new(consumertest.LogsSink)
		host := newStatusHost()
		r := startVirtualReceiver(t, cfg, host, sink, api)
		time.Sleep(175 * time.Millisecond)
		synctest.Wait()
		require.NoError(t, r.Shutdown(context.Background()))
		assert.Equal(t, 2, sink.LogRecordCount(), "the first page once, then no re-delivery")
		// The second request is the next page (same cursor), at once: every one after it is a
		// retry after the backoff.
		assert.Equal(t, []time.Duration{0, 50 * time.Millisecond, 50 * time.Millisecond, 50 * time.Millisecond}, requests.gaps(1),
			"backoff, not a hot loop")
		assert.Contains(t, host.Statuses(), componentstatus.StatusRecoverableError)
	})
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
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		sim := newVirtualSim(jumpcloudsim.Config{Seed: 5})
		now := time.Now().UTC()
		require.NoError(t, sim.Generate(2500, now.Add(-time.Hour), now.Add(-time.Minute)))
		want, _ := expectedIDs(t, sim, now.Add(-2*time.Hour), now)
		cfg := testConfig(virtualURL)
		cfg.PageSize = 1000
		host := newStatusHost()
		fc := &flakyConsumer{}
		fc.refuse.Store(3)
		startVirtualReceiver(t, cfg, host, fc, sim)
		// Three refusals: backoff 5, 10 and 20 ms, then every page once; a few polls more.
		time.Sleep(35*time.Millisecond + 3*cfg.PollInterval)
		synctest.Wait()
		assertSameSequence(t, want, recordIDs(fc.AllLogs()))
		assert.Equal(t, int32(-len(fc.AllLogs())), fc.refuse.Load(), "three refusals, then each batch once")
		assert.Contains(t, host.Statuses(), componentstatus.StatusRecoverableError, "FirstPartyGeneric")
		assert.Equal(t, componentstatus.StatusOK, host.Last().Status(), "OK again")
	})
}

func TestPermanentConsumerErrorDoesNotStall(t *testing.T) {
	t.Parallel()
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
	waitForMorePolls(t, sim, 3)
	assert.Equal(t, int32(1), calls.Load(), "a permanently rejected page is not offered again")
}

func ptr[T any](v T) *T { return &v }
