package e2e

import (
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/harness"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/jumpcloudsim"
)

// TestWrongAPIKey: a 401 puts the receiver in PermanentError (ThirdPartyConfig), the health
// endpoint answers 500, and the collector stops asking: two requests (the advisory
// /events/count that sizes the backfill, then the first page), however long it runs.
func TestWrongAPIKey(t *testing.T) {
	e := newEnv(t)
	now := time.Now()
	require.NoError(t, e.b.Sim.Generate(100, now.Add(-time.Hour), now))

	c := e.start(filepath.Join(e.dir, "storage"), e.collectorEnv(wrongKey, "all"))
	h, err := c.WaitHealth(t.Context(), 30*time.Second, func(h harness.Health) bool {
		return h.ReceiverStatus() == harness.StatusPermanentError
	})
	require.NoError(t, err)
	require.Equal(t, "ThirdPartyConfig", h.Receiver.ErrorType(), "health: %s", h)
	require.Equal(t, "Error", h.Receiver.SourceState())
	require.Contains(t, h.Receiver.Error, "401")
	require.Equal(t, http.StatusInternalServerError, h.HTTPStatus, "include_permanent_errors: the endpoint reports unhealthy")

	// Five poll intervals later: still two requests, no retry with the same configuration.
	require.Never(t, func() bool { return e.b.Sim.Stats().Requests > 2 }, 5*time.Second, 100*time.Millisecond,
		"a configuration error is not retried")
	st := e.b.Sim.Stats()
	t.Logf("simulator after 5s in PermanentError: %d requests %v", st.Requests, st.ByStatus)
	require.Equal(t, int64(2), st.Requests, "a configuration error is not retried")
	require.Equal(t, int64(2), st.ByStatus[http.StatusUnauthorized])
	require.Zero(t, e.b.Sink.Count())
}

// TestAPIOutageRecovers: a burst of 503 answers makes the receiver RecoverableError
// (ThirdPartyGeneric) with the endpoint still healthy (shorter than recovery_duration), then OK
// again without a restart, and nothing is lost.
func TestAPIOutageRecovers(t *testing.T) {
	e := newEnv(t)
	now := time.Now()
	require.NoError(t, e.b.Sim.Generate(1000, now.Add(-time.Hour), now))
	c := e.start(filepath.Join(e.dir, "storage"), e.collectorEnv(apiKey, "all"))
	_, err := c.WaitHealth(t.Context(), 30*time.Second, func(h harness.Health) bool {
		return h.ReceiverStatus() == harness.StatusOK
	})
	require.NoError(t, err)
	waitDistinct(t, e.b.Sink, 1000, time.Minute)

	const burst = 4
	require.NoError(t, e.b.Sim.InjectFault(jumpcloudsim.Fault{
		Kind: jumpcloudsim.FaultStatus, Status: http.StatusServiceUnavailable, Message: "e2e outage", Times: burst,
	}))
	// New events during the outage must still arrive afterwards.
	require.NoError(t, e.b.Sim.Generate(500, time.Now().Add(-time.Second), time.Now()))
	h, err := c.WaitHealth(t.Context(), 30*time.Second, func(h harness.Health) bool {
		return h.ReceiverStatus() == harness.StatusRecoverableError
	})
	require.NoError(t, err)
	t.Logf("during the burst: %s", h)
	require.Equal(t, "ThirdPartyGeneric", h.Receiver.ErrorType())
	require.Contains(t, h.Receiver.Error, "503")
	require.Equal(t, http.StatusOK, h.HTTPStatus, "a recoverable error younger than recovery_duration is healthy")

	h, err = c.WaitHealth(t.Context(), time.Minute, func(h harness.Health) bool {
		return h.ReceiverStatus() == harness.StatusOK
	})
	require.NoError(t, err)
	t.Logf("after the burst: %s", h)
	st := e.b.Sim.Stats()
	require.Equal(t, int64(burst), st.ByStatus[http.StatusServiceUnavailable])

	want := expectedIDs(t, e.b.Sim)
	waitDistinct(t, e.b.Sink, len(want), time.Minute)
	d := e.checkDelivery(want)
	requireComplete(t, d, len(want))
	require.Zero(t, d.duplicates)
}
