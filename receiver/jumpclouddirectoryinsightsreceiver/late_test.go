package jumpclouddirectoryinsightsreceiver

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/jumpcloudsim"
)

// liveConfig is testConfig for a live flow with late events, at a hundredth of the shipped
// time scale: poll 100 ms, settle 50 ms, overlap 3 s (the shipped 10 s, 5 s and 3 min).
func liveConfig(url string) *Config {
	cfg := testConfig(url)
	cfg.PollInterval = 100 * time.Millisecond
	cfg.SettleDelay = 50 * time.Millisecond
	cfg.Overlap = 3 * time.Second
	cfg.InitialLookback = time.Second
	cfg.MaxConcurrentRequests = 2
	return cfg
}

// liveFlow adds events to sim for d, every tick perTick of them in [previous tick, now); a
// fraction late of each tick's events become visible up to maxLate after their time (drawn
// per tick). It returns the time range of the events.
func liveFlow(t *testing.T, sim *jumpcloudsim.Server, d, tick time.Duration, perTick int, late float64, maxLate time.Duration) (start, end time.Time) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 11)) //nolint:gosec // a seeded, reproducible test flow: not security
	start = time.Now().UTC()
	prev := start
	ticker := time.NewTicker(tick)
	defer ticker.Stop()
	for time.Since(start) < d {
		<-ticker.C
		now := time.Now().UTC()
		require.NoError(t, sim.GenerateWith(jumpcloudsim.GenerateOptions{
			N: perTick, Start: prev, End: now, LateFraction: late,
			LateDelay: time.Duration(rng.Int64N(int64(maxLate))) + time.Millisecond,
		}))
		prev = now
	}
	return start, prev
}

// waitAllDelivered waits until every event of [start, end) is visible and delivered, then
// checks that each arrived exactly once.
func waitAllDelivered(t *testing.T, sim *jumpcloudsim.Server, sink *consumertest.LogsSink, start, end time.Time, within time.Duration) []string {
	t.Helper()
	want, _ := expectedIDs(t, sim, start, end)
	waitFor(t, within, func() bool { return sink.LogRecordCount() >= len(want) }, "late events never arrived")
	got := recordIDs(sink.AllLogs())
	assertSameSet(t, want, got)
	return want
}

// readsPerEvent is what the issue measures: events the API served per event delivered.
func readsPerEvent(sim *jumpcloudsim.Server, delivered int) float64 {
	return float64(sim.Stats().EventsServed) / float64(delivered)
}

func countRequests(sim *jumpcloudsim.Server) int {
	n := 0
	for _, rq := range sim.Requests() {
		if rq.Path == jumpcloudsim.CountPath {
			n++
		}
	}
	return n
}

// A live flow of 10 minutes with the shipped poll, settle and overlap (virtual time), where 10%
// of the events become visible up to 90 s late (half the overlap): every event arrives exactly
// once and is read about once (the overlap is probed with counts, not re-read: the old engine
// read each event 1 + overlap/poll = 19 times here).
func TestLiveFlowWithLateEventsReadsEachEventAboutOnce(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		sim := newVirtualSim(jumpcloudsim.Config{Seed: 3})
		sink := new(consumertest.LogsSink)
		startVirtualReceiver(t, shippedLiveConfig(), newStatusHost(), sink, sim)
		start, end := liveFlow(t, sim, 10*time.Minute, 5*time.Second, 10, 0.1, 90*time.Second)
		want := waitAllDelivered(t, sim, sink, start, end, 5*time.Minute)

		reads := readsPerEvent(sim, len(want))
		t.Logf("%d events, %.3f reads per event, %d requests (%d counts)", len(want), reads, sim.Stats().Requests, countRequests(sim))
		assert.LessOrEqual(t, reads, 1.2, "API reads per delivered event")
		assert.Positive(t, countRequests(sim), "the overlap is probed with counts")
	})
}

// Idle, with the shipped poll, settle and overlap (virtual time): exactly one request per poll
// (the probe's count); the window is skipped.
func TestIdlePollCostsOneCount(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		sim := newVirtualSim(jumpcloudsim.Config{Seed: 4})
		require.NoError(t, sim.Generate(50, time.Now().Add(-time.Minute), time.Now().Add(-30*time.Second)))
		cfg := shippedLiveConfig()
		cfg.InitialLookback = 2 * time.Minute
		sink := new(consumertest.LogsSink)
		startVirtualReceiver(t, cfg, newStatusHost(), sink, sim)
		time.Sleep(cfg.SettleDelay + 3*cfg.PollInterval) // past the backfill and the first probes
		synctest.Wait()
		require.Equal(t, 50, sink.LogRecordCount(), "backfill")

		const polls = 20
		before := len(sim.Requests())
		time.Sleep(polls * cfg.PollInterval)
		synctest.Wait()
		var events, counts int
		for _, rq := range sim.Requests()[before:] {
			if rq.Path == jumpcloudsim.CountPath {
				counts++
			} else {
				events++
			}
		}
		assert.Zero(t, events, "nothing new: no /events request")
		assert.Equal(t, polls, counts, "one count per poll")
		assert.Equal(t, 50, sink.LogRecordCount())
	})
}

// countFaultHandler answers /events/count with fault(w) (false: the simulator answers), every
// other request by the simulator; it counts the faulted counts.
func countFaultHandler(sim *jumpcloudsim.Server, fault func(w http.ResponseWriter, r *http.Request) bool) (http.Handler, *atomic.Int64) {
	var faulted atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == jumpcloudsim.CountPath && fault(w, r) {
			faulted.Add(1)
			return
		}
		sim.ServeHTTP(w, r)
	}), &faulted
}

// /events/count is advisory: whatever it answers, a backfill and a live flow with late events
// arrive exactly once, the status never becomes an error, and nothing stalls.
func TestCountFailuresAreAdvisory(t *testing.T) {
	t.Parallel()
	status := func(code int, body string) func(w http.ResponseWriter, r *http.Request) bool {
		return func(w http.ResponseWriter, _ *http.Request) bool {
			w.WriteHeader(code)
			_, _ = io.WriteString(w, body)
			return true
		}
	}
	tests := []struct {
		name  string
		fault func(w http.ResponseWriter, r *http.Request) bool
		// timeout cuts the slow count; the others keep testConfig's, so that a page slowed by
		// a loaded machine (parallel tests, -race) is no collection error.
		timeout time.Duration
	}{
		{"404 (a proxy that routes only /events)", status(http.StatusNotFound, `{"message":"not found"}`), 0},
		{"405", status(http.StatusMethodNotAllowed, `{"message":"method not allowed"}`), 0},
		{"500 (an expensive count)", status(http.StatusInternalServerError, `{"message":"internal error"}`), 0},
		{"junk", status(http.StatusOK, `{"total":12}`), 0},
		{"html", status(http.StatusOK, `<html>proxy</html>`), 0},
		{"slow", func(_ http.ResponseWriter, r *http.Request) bool {
			_, _ = io.Copy(io.Discard, r.Body) // the server notices the client going away once the body is read
			select {                           // longer than the count's timeout (cfg.Timeout here), ends with the client
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
			return true
		}, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				sim := newVirtualSim(jumpcloudsim.Config{Seed: 5})
				now := time.Now().UTC()
				require.NoError(t, sim.Generate(3000, now.Add(-time.Hour), now.Add(-time.Second)))
				api, faulted := countFaultHandler(sim, tt.fault)
				cfg := shippedLiveConfig()
				cfg.InitialLookback = time.Hour + time.Minute
				cfg.PageSize = 500
				if tt.timeout > 0 {
					cfg.Timeout = tt.timeout
				}
				host := newStatusHost()
				sink := new(consumertest.LogsSink)
				startVirtualReceiver(t, cfg, host, sink, api)
				// Without counts the late events arrive with the one re-read of their range,
				// once it is overlap + settle_delay old.
				start, end := liveFlow(t, sim, 2*time.Minute, 5*time.Second, 5, 0.1, cfg.Overlap/2)
				waitAllDelivered(t, sim, sink, now.Add(-time.Hour), end, cfg.Overlap+time.Minute)
				assert.True(t, end.After(start))
				assert.Positive(t, faulted.Load(), "counts were asked for")
				assert.NotContains(t, host.Statuses(), componentstatus.StatusPermanentError)
				assert.NotContains(t, host.Statuses(), componentstatus.StatusRecoverableError, "a failing count is no collection error")
				assert.Equal(t, componentstatus.StatusOK, host.Last().Status())
			})
		})
	}
}

// JumpCloud answers 500 to queries it finds too expensive: here every query (events and count)
// over more than 2 hours. The 24-hour backfill window is narrowed until the API answers, and
// every event arrives once.
func TestExpensiveWindowIsNarrowed(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		sim := newVirtualSim(jumpcloudsim.Config{Seed: 6})
		now := time.Now().UTC()
		require.NoError(t, sim.Generate(4000, now.Add(-24*time.Hour), now.Add(-time.Minute)))
		api, refused := refusingHandler(sim, http.StatusInternalServerError, `{"message":"query too complex"}`, func(body []byte) bool {
			var q struct {
				Start time.Time `json:"start_time"`
				End   time.Time `json:"end_time"`
			}
			return json.Unmarshal(body, &q) == nil && q.End.Sub(q.Start) > 2*time.Hour
		})
		cfg := testConfig(virtualURL)
		cfg.InitialLookback = 24*time.Hour + 30*time.Minute
		cfg.MaxWindow = 24 * time.Hour
		cfg.MaxConcurrentRequests = 4
		cfg.PageSize = 500
		sink := new(consumertest.LogsSink)
		host := newStatusHost()
		startVirtualReceiver(t, cfg, host, sink, api)
		waitAllDelivered(t, sim, sink, now.Add(-25*time.Hour), now, time.Minute)
		assert.Positive(t, refused.Load())
		assert.Less(t, refused.Load(), int64(40), "narrowed by halves, not retried unchanged")
		assert.NotContains(t, host.Statuses(), componentstatus.StatusPermanentError)
	})
}

// A re-read leaves the delivered events out by id (search_term not id). An API that refuses
// that (400 here) gets whole ranges re-read instead: still every event exactly once.
func TestExclusionRefusedReReadsWholeRanges(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		sim := newVirtualSim(jumpcloudsim.Config{Seed: 8})
		api, refused := refusingHandler(sim, http.StatusBadRequest, `{"message":"invalid search_term"}`, func(body []byte) bool {
			return bytes.Contains(body, []byte(`"search_term"`))
		})
		host := newStatusHost()
		sink := new(consumertest.LogsSink)
		cfg := shippedLiveConfig()
		startVirtualReceiver(t, cfg, host, sink, api)
		// 3 minutes of flow: about 70 late events, re-read without exclusion after the one refusal.
		start, end := liveFlow(t, sim, 3*time.Minute, 5*time.Second, 10, 0.2, cfg.Overlap/2)
		want := waitAllDelivered(t, sim, sink, start, end, 5*time.Minute)
		assert.Equal(t, int64(1), refused.Load(), "refused once, then not asked again")
		assert.NotContains(t, host.Statuses(), componentstatus.StatusRecoverableError)
		t.Logf("%d events, %.3f reads per event without exclusion", len(want), readsPerEvent(sim, len(want)))
	})
}

// refusingHandler answers with sim, except that a request whose body refuse matches gets
// status and message; it counts those.
func refusingHandler(sim *jumpcloudsim.Server, status int, message string, refuse func(body []byte) bool) (http.Handler, *atomic.Int64) {
	var refused atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if refuse(body) {
			refused.Add(1)
			w.WriteHeader(status)
			_, _ = io.WriteString(w, message)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		sim.ServeHTTP(w, r)
	}), &refused
}

// probeTrap sits in front of the simulator. Once armed, at the next count (a probe of a caught-up
// stream) it makes a late event visible inside the counted range, at its very start (its range
// leaves the probe range after this poll), before the count runs; then it lets the test act on
// the requests that follow (after).
type probeTrap struct {
	sim   *jumpcloudsim.Server
	armed atomic.Bool
	// after, when set, is called with each request after the trap's count and the number of
	// requests after it so far; handled reports that it answered the request itself.
	after    func(w http.ResponseWriter, r *http.Request, n int) (handled bool)
	sprung   atomic.Bool
	requests atomic.Int32
	lateID   string
	// end is the end of the trap's count (the end of the window about to be read).
	end atomic.Pointer[time.Time]
}

func (p *probeTrap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p.sprung.Load() && p.after != nil {
		if p.after(w, r, int(p.requests.Add(1))) {
			return
		}
	}
	if r.URL.Path != jumpcloudsim.CountPath || !p.armed.Load() {
		p.sim.ServeHTTP(w, r)
		return
	}
	p.armed.Store(false)
	q, ok := countQuery(w, r)
	if !ok {
		return
	}
	late := q.StartTime.Add(time.Millisecond).UTC().Format(time.RFC3339Nano)
	if err := p.sim.AddEvent([]byte(`{"id":"`+p.lateID+`","service":"directory","timestamp":"`+late+`"}`), time.Now()); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	p.end.Store(&q.EndTime)
	p.sprung.Store(true)
	p.sim.ServeHTTP(w, r)
}

// config is a live configuration that collects through the trap, answered in process
// (startVirtualReceiver, in a synctest bubble); settle 500 ms: the trap's late event is well
// before the probe's end.
func (p *probeTrap) config() *Config {
	cfg := liveConfig(virtualURL)
	cfg.SettleDelay = 500 * time.Millisecond
	cfg.InitialLookback = 2 * time.Minute
	return cfg
}

// countedRange is the time range of a count request.
type countedRange struct {
	StartTime time.Time `json:"start_time"`
	EndTime   time.Time `json:"end_time"`
}

// countQuery reads the range of a count request, leaving its body for the simulator; on a body
// it cannot read it answers 400 and reports false.
func countQuery(w http.ResponseWriter, r *http.Request) (countedRange, bool) {
	var q countedRange
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := json.Unmarshal(body, &q); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return q, false
	}
	return q, true
}

// caughtUp lets virtual time pass until the receiver polls with counts alone: it delivered
// want events and probes the overlap with counts.
func caughtUp(t *testing.T, cfg *Config, sim *jumpcloudsim.Server, sink *consumertest.LogsSink, want int) {
	t.Helper()
	time.Sleep(cfg.SettleDelay + 3*cfg.PollInterval)
	synctest.Wait()
	require.Equal(t, want, sink.LogRecordCount(), "backfill")
	before := len(sim.Requests())
	time.Sleep(3 * cfg.PollInterval)
	synctest.Wait()
	for _, rq := range sim.Requests()[before:] {
		require.Equal(t, jumpcloudsim.CountPath, rq.Path, "caught up: counts alone")
	}
}

// A late event visible when its range is counted, and an event of the window that becomes
// visible between that count and the window's read: the count taken before the read would find
// nothing missing afterwards (one more delivered, one more counted), and the late event's range
// leaves the probe range after this poll. It must still arrive: the probe range is counted
// again once the window is read.
func TestLateEventIsNotHiddenByAnEventOfTheWindow(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		sim := newVirtualSim(jumpcloudsim.Config{Seed: 21})
		require.NoError(t, sim.Generate(20, time.Now().Add(-time.Minute), time.Now().Add(-30*time.Second)))
		trap := &probeTrap{sim: sim, lateID: "late-hidden"}
		var windowEvent atomic.Bool
		trap.after = func(_ http.ResponseWriter, r *http.Request, n int) bool {
			if n == 1 && r.URL.Path == jumpcloudsim.EventsPath && !windowEvent.Swap(true) {
				// The window is read: an event at its end has just become visible.
				ts := trap.end.Load().Add(-time.Millisecond).UTC().Format(time.RFC3339Nano)
				assert.NoError(t, sim.AddEvent([]byte(`{"id":"in-window","service":"directory","timestamp":"`+ts+`"}`), time.Time{}))
			}
			return false
		}
		cfg := trap.config()
		sink := new(consumertest.LogsSink)
		startVirtualReceiver(t, cfg, newStatusHost(), sink, trap)
		caughtUp(t, cfg, sim, sink, 20)
		trap.armed.Store(true)
		time.Sleep(cfg.SettleDelay + 3*cfg.PollInterval)
		synctest.Wait()
		require.True(t, trap.sprung.Load(), "the trap sprang")
		require.True(t, windowEvent.Load(), "the window was read after the trap's count")
		ids := recordIDs(sink.AllLogs())
		assert.Contains(t, ids, "late-hidden")
		assert.Contains(t, ids, "in-window")
		assert.Len(t, ids, 22, "every event once")
		time.Sleep(cfg.Overlap + cfg.SettleDelay)
		synctest.Wait()
		assert.Equal(t, 22, sink.LogRecordCount(), "every event once, past the overlap")
	})
}

// Stopped (kill -9) once the window of a poll that counted a late event is stored and before
// its re-read is: the restarted receiver still delivers the late event (the stored probe range
// stays open until its re-read is stored).
func TestKillBeforeTheReReadKeepsTheLateEvent(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		sim := newVirtualSim(jumpcloudsim.Config{Seed: 22})
		require.NoError(t, sim.Generate(20, time.Now().Add(-time.Minute), time.Now().Add(-30*time.Second)))
		st := newMemStorage()
		trap := &probeTrap{sim: sim, lateID: "late-killed"}
		var killed, restarted atomic.Bool
		dead := make(chan struct{}) // closed once the collector is stopped
		trap.after = func(w http.ResponseWriter, r *http.Request, n int) bool {
			if n == 1 || restarted.Load() {
				return false // the window's read, or after the restart
			}
			// From the request after the window's read (a count or the re-read) on, the
			// collector is dead: storage keeps what it held, no request gets an answer.
			st.frozen.Store(true)
			killed.Store(true)
			select {
			case <-r.Context().Done():
			case <-dead:
			}
			http.Error(w, "killed", http.StatusServiceUnavailable)
			return true
		}
		cfg := trap.config()
		host := newStatusHost()
		cfg.StorageID = ptr(addMemStorage(host, st))
		first := new(consumertest.LogsSink)
		r := startVirtualReceiver(t, cfg, host, first, trap)
		caughtUp(t, cfg, sim, first, 20)
		trap.armed.Store(true)
		time.Sleep(cfg.SettleDelay + 3*cfg.PollInterval)
		synctest.Wait()
		require.True(t, killed.Load(), "the trap sprang")
		require.NoError(t, r.Shutdown(t.Context()))
		close(dead)
		assert.NotContains(t, recordIDs(first.AllLogs()), "late-killed", "delivered before the kill")
		assert.Equal(t, 20, first.LogRecordCount())

		st.frozen.Store(false)
		restarted.Store(true)
		second := new(consumertest.LogsSink)
		startVirtualReceiver(t, cfg, host, second, trap)
		time.Sleep(cfg.SettleDelay + 3*cfg.PollInterval)
		synctest.Wait()
		assert.Equal(t, []string{"late-killed"}, recordIDs(second.AllLogs()), "the late event, once, after the restart")
		time.Sleep(cfg.Overlap + cfg.SettleDelay)
		synctest.Wait()
		assert.Equal(t, 1, second.LogRecordCount(), "nothing else, past the overlap")
	})
}

// /events/count fails throughout, so each range is re-read once instead of probed: only once it
// is overlap + settle_delay old. An event that becomes visible later than overlap after its time,
// but within overlap + settle_delay, still arrives.
func TestWithoutCountsALateEventWithinOverlapAndSettleArrives(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		sim := newVirtualSim(jumpcloudsim.Config{Seed: 25})
		api, faulted := countFaultHandler(sim, func(w http.ResponseWriter, _ *http.Request) bool {
			http.Error(w, `{"message":"not found"}`, http.StatusNotFound)
			return true
		})
		cfg := shippedLiveConfig()
		sink := new(consumertest.LogsSink)
		startVirtualReceiver(t, cfg, newStatusHost(), sink, api)
		waitFor(t, time.Minute, func() bool { return faulted.Load() > 0 }, "no count was asked for")
		ts := time.Now().UTC()
		require.NoError(t, sim.GenerateLate(1, ts, ts.Add(time.Millisecond), ts.Add(cfg.Overlap+cfg.SettleDelay/2)))
		waitFor(t, cfg.Overlap+time.Minute, func() bool { return sink.LogRecordCount() >= 1 }, "the late event never arrived")
		require.Never(t, func() bool { return sink.LogRecordCount() > 1 }, cfg.Overlap, time.Second, "once")
	})
}
