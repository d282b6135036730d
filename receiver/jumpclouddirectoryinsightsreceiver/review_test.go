package jumpclouddirectoryinsightsreceiver

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/jumpcloudsim"
)

// A server that answers full pages with the same X-Search_after must not make the receiver
// re-deliver the same events in a loop.
func TestSearchAfterThatDoesNotAdvanceIsAnError(t *testing.T) {
	t0 := time.Now().Add(-10 * time.Minute).UTC()
	ts := t0.Format(time.RFC3339Nano)
	cursor := fmt.Sprintf(`[%d,"b"]`, t0.UnixMilli()) // the key of the page's last event
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		requests.Add(1)
		w.Header().Set("X-Limit", "2")
		w.Header().Set("X-Result-Count", "2")
		w.Header().Set("X-Search_after", cursor)
		fmt.Fprintf(w, `[{"id":"a","timestamp":%q},{"id":"b","timestamp":%q}]`, ts, ts)
	}))
	defer srv.Close()
	cfg := testConfig(srv.URL)
	cfg.PageSize = 2
	cfg.InitialLookback = time.Hour
	cfg.BackOff.InitialInterval = 50 * time.Millisecond
	cfg.BackOff.MaxInterval = 50 * time.Millisecond
	sink := new(consumertest.LogsSink)
	host := newStatusHost()
	r := startReceiver(t, cfg, host, sink)
	time.Sleep(500 * time.Millisecond)
	require.NoError(t, r.Shutdown(context.Background()))
	assert.Equal(t, 2, sink.LogRecordCount(), "the first page once, then no re-delivery")
	assert.Less(t, requests.Load(), int32(20), "backoff, not a hot loop")
	assert.Contains(t, host.Statuses(), componentstatus.StatusRecoverableError)
}

// Events without an id or a parseable timestamp are delivered, not a reason to stall.
func TestIncompleteEventsAreDelivered(t *testing.T) {
	ts := time.Now().Add(-10 * time.Minute).UTC().Format(time.RFC3339Nano)
	var served atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Limit", "1000")
		if served.Swap(true) {
			_, _ = w.Write([]byte("[]"))
			return
		}
		fmt.Fprintf(w, `[{"id":"good","timestamp":%q},{"timestamp":%q,"event_type":"new_thing"},{"id":"no-time","timestamp":"soon"}]`, ts, ts)
	}))
	defer srv.Close()
	cfg := testConfig(srv.URL)
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

// A Retry-After shorter than the backoff does not shorten it.
func TestTinyRetryAfterDoesNotHotLoop(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		requests.Add(1)
		w.Header().Set("Retry-After", "0.001")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	cfg := testConfig(srv.URL)
	cfg.BackOff.InitialInterval = 100 * time.Millisecond
	cfg.BackOff.MaxInterval = 100 * time.Millisecond
	r := startReceiver(t, cfg, newStatusHost(), consumertest.NewNop())
	time.Sleep(450 * time.Millisecond)
	require.NoError(t, r.Shutdown(context.Background()))
	assert.LessOrEqual(t, requests.Load(), int32(6))
}

// A step that finishes while the receiver is stopping must not report OK after Stopping.
func TestNoStatusAfterStopping(t *testing.T) {
	sim, url := startSim(t, jumpcloudsim.Config{})
	require.NoError(t, sim.Generate(10, time.Now().Add(-time.Hour), time.Now().Add(-time.Minute)))
	host := newStatusHost()
	var r *diReceiver
	stopping := make(chan struct{})
	next, err := consumer.NewLogs(func(context.Context, plog.Logs) error {
		<-stopping // hold the page until Shutdown has begun
		return nil
	})
	require.NoError(t, err)
	r = startReceiver(t, testConfig(url), host, next)
	waitFor(t, 5*time.Second, func() bool { st, _ := r.status.current(); return st == stateAuthenticated }, "no page")
	n := len(host.Statuses())
	go func() {
		for {
			if st, _ := r.status.current(); st == stateStopping {
				close(stopping)
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	require.NoError(t, r.Shutdown(context.Background()))
	assert.Len(t, host.Statuses(), n, "nothing reported once Stopping")
}

// Changing the services while a window is in progress restarts that window from its start.
func TestQueryChangeRestartsTheWindow(t *testing.T) {
	now := time.Now().UTC()
	r := newWindowTestReceiver(t, testConfig("http://127.0.0.1:1"), now)
	st := r.streams[0]
	slices := func() []sliceProgress {
		return []sliceProgress{{Start: now.Add(-time.Hour), End: now, SearchAfter: []byte(`[1,"x"]`)}}
	}
	cp := &checkpoint{InWindow: true, WindowStart: now.Add(-time.Hour), WindowEnd: now,
		Slices: slices(), Query: "directory||http://127.0.0.1:1", Seen: seenSet{}}
	st.repairCheckpoint(cp)
	assert.Nil(t, cp.Slices, "services changed from directory to all: the window is sliced again from its start")
	assert.True(t, cp.InWindow)

	cp = &checkpoint{InWindow: true, WindowStart: now.Add(-time.Hour), WindowEnd: now,
		Slices: slices(), Query: st.queryFingerprint(), Seen: seenSet{}}
	st.repairCheckpoint(cp)
	assert.Equal(t, slices(), cp.Slices, "same query: resume at the cursor")

	cp = &checkpoint{InWindow: true, WindowStart: now, WindowEnd: now, Seen: seenSet{}}
	st.repairCheckpoint(cp)
	assert.False(t, cp.InWindow, "an empty window is dropped, never queried")
}
