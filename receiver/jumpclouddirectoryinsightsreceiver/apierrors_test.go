package jumpclouddirectoryinsightsreceiver

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/jumpcloudsim"
)

func TestUnauthorizedIsPermanentAndStopsRequests(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		sim := newVirtualSim(jumpcloudsim.Config{})
		require.NoError(t, sim.Generate(10, time.Now().Add(-time.Hour), time.Now().Add(-time.Minute)))
		cfg := testConfig(virtualURL)
		cfg.APIKey = "wrong-key-do-not-log"
		host := newStatusHost()
		r := startVirtualReceiver(t, cfg, host, consumertest.NewNop(), sim)
		synctest.Wait()

		ev := host.Last()
		require.NotNil(t, ev)
		require.Equal(t, componentstatus.StatusPermanentError, ev.Status(), "PermanentError at the first answer")
		require.Error(t, ev.Err())
		assert.Contains(t, ev.Err().Error(), "401")
		assert.NotContains(t, ev.Err().Error(), "wrong-key-do-not-log")
		state, _ := ev.Attributes().Get(attrKeySourceState)
		assert.Equal(t, "Error", state.Str())
		etype, _ := ev.Attributes().Get(attrKeyErrorType)
		assert.Equal(t, "ThirdPartyConfig", etype.Str())

		assertNoMoreRequests(t, sim, 1, cfg.PollInterval)
		st, et := r.status.current()
		assert.Equal(t, stateError, st)
		assert.Equal(t, errThirdPartyConfig, et)
	})
}

func TestConfigErrorStatuses(t *testing.T) {
	t.Parallel()
	for _, code := range []int{http.StatusBadRequest, http.StatusPaymentRequired, http.StatusForbidden} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				sim := newVirtualSim(jumpcloudsim.Config{})
				require.NoError(t, sim.InjectFault(jumpcloudsim.Fault{Kind: jumpcloudsim.FaultStatus, Status: code, Message: "nope"}))
				host := newStatusHost()
				cfg := testConfig(virtualURL)
				startVirtualReceiver(t, cfg, host, consumertest.NewNop(), sim)
				synctest.Wait()
				ev := host.Last()
				require.NotNil(t, ev)
				assert.Equal(t, componentstatus.StatusPermanentError, ev.Status(), "PermanentError for %d", code)
				assertNoMoreRequests(t, sim, 1, cfg.PollInterval)
			})
		})
	}
}

func TestServiceUnavailableIsRecoverableThenOK(t *testing.T) {
	t.Parallel()
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

// A 429's Retry-After (seconds or an HTTP date, capped at 15 minutes) is the wait before the
// next request, to the nanosecond on virtual time; the backoff (5 ms to 50 ms here) is shorter.
func TestRetryAfterIsHonoured(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		retryAfter func(now time.Time) string
		want       time.Duration
	}{
		{"seconds", func(time.Time) string { return "2" }, 2 * time.Second},
		{"minutes", func(time.Time) string { return "600" }, 10 * time.Minute},
		{"HTTP date", func(now time.Time) string { return now.Add(30 * time.Second).UTC().Format(http.TimeFormat) }, 30 * time.Second},
		{"capped", func(time.Time) string { return "86400" }, 15 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				sim := newVirtualSim(jumpcloudsim.Config{})
				// The bubble's clock starts on a whole second: an HTTP date is exact.
				require.NoError(t, sim.InjectFault(jumpcloudsim.Fault{Kind: jumpcloudsim.FaultStatus, Status: http.StatusTooManyRequests, RetryAfter: tt.retryAfter(time.Now())}))
				startVirtualReceiver(t, testConfig(virtualURL), newStatusHost(), consumertest.NewNop(), sim)
				time.Sleep(tt.want - time.Millisecond)
				synctest.Wait()
				require.Equal(t, int64(1), sim.Stats().Requests, "no request before Retry-After")
				time.Sleep(time.Millisecond)
				synctest.Wait()
				reqs := sim.Requests()
				require.GreaterOrEqual(t, len(reqs), 2, "retried once Retry-After passed")
				assert.Equal(t, tt.want, reqs[1].Time.Sub(reqs[0].Time), "the retry waits Retry-After, not longer")
			})
		})
	}
}

// Without Retry-After the retries follow the backoff (40 ms doubling, no jitter here): exactly
// 40, 80 and 160 ms apart on virtual time.
func TestTransientErrorsWithoutRetryAfterBackOff(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		sim := newVirtualSim(jumpcloudsim.Config{})
		require.NoError(t, sim.InjectFault(jumpcloudsim.Fault{Kind: jumpcloudsim.FaultStatus, Status: http.StatusTooManyRequests, Times: 3}))
		cfg := testConfig(virtualURL)
		cfg.BackOff.InitialInterval = 40 * time.Millisecond
		cfg.BackOff.Multiplier = 2
		cfg.BackOff.MaxInterval = time.Second
		startVirtualReceiver(t, cfg, newStatusHost(), consumertest.NewNop(), sim)
		time.Sleep(280*time.Millisecond + cfg.PollInterval/2)
		synctest.Wait()
		reqs := sim.Requests()
		require.GreaterOrEqual(t, len(reqs), 4, "three retries")
		var gaps []time.Duration
		for i := 1; i < 4; i++ {
			gaps = append(gaps, reqs[i].Time.Sub(reqs[i-1].Time))
		}
		assert.Equal(t, []time.Duration{40 * time.Millisecond, 80 * time.Millisecond, 160 * time.Millisecond}, gaps, "the delay grows")
	})
}

// A Retry-After shorter than the backoff (here 0: "retry now") does not shorten it.
func TestTinyRetryAfterDoesNotHotLoop(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var requests requestTimes
		api := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			requests.add()
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		})
		cfg := testConfig(virtualURL)
		cfg.BackOff.InitialInterval = 100 * time.Millisecond
		cfg.BackOff.MaxInterval = 100 * time.Millisecond
		cfg.BackOff.RandomizationFactor = 0
		r := startVirtualReceiver(t, cfg, newStatusHost(), consumertest.NewNop(), api)
		time.Sleep(350 * time.Millisecond)
		synctest.Wait()
		require.NoError(t, r.Shutdown(context.Background()))
		assert.Equal(t, []time.Duration{100 * time.Millisecond, 100 * time.Millisecond, 100 * time.Millisecond}, requests.gaps(1),
			"each retry waits the backoff")
	})
}

// requestTimes records when a test server was called.
type requestTimes struct {
	mu    sync.Mutex
	times []time.Time
}

func (r *requestTimes) add() {
	r.mu.Lock()
	r.times = append(r.times, time.Now())
	r.mu.Unlock()
}

// gaps is the time between each request from the first-th on and the one before it.
func (r *requestTimes) gaps(first int) []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []time.Duration
	for i := max(first, 1); i < len(r.times); i++ {
		out = append(out, r.times[i].Sub(r.times[i-1]))
	}
	return out
}
