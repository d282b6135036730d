package sumologichttpexporter

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/sumosink"
)

// TestNoStatusAfterShutdownBegins: the service reports Stopping before Shutdown, and the
// exporterhelper drains the queue through pushLogs during Shutdown; neither OK nor
// RecoverableError may follow Stopping.
func TestNoStatusAfterShutdownBegins(t *testing.T) {
	tests := []struct {
		name string
		// drain is the answer to the queued request that Shutdown drains.
		drain     []sumosink.Fault
		wantCodes map[int]int
	}{
		{name: "drain succeeds", wantCodes: map[int]int{http.StatusServiceUnavailable: 1, http.StatusOK: 1}},
		{
			name:      "drain fails with another reason",
			drain:     []sumosink.Fault{{Status: http.StatusUnauthorized}},
			wantCodes: map[int]int{http.StatusServiceUnavailable: 1, http.StatusUnauthorized: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := startSink(t, sumosink.Config{})
			// The first request waits a minute for its retry: Shutdown interrupts it.
			sink.InjectFaults(append([]sumosink.Fault{{Status: http.StatusServiceUnavailable, RetryAfter: 60}}, tt.drain...)...)
			cfg := withSingleConsumerQueue(testConfig(sink.URL())) // the second request stays queued behind the first
			host := newStatusHost()
			exp, err := NewFactory().CreateLogs(context.Background(), nopSettings(), cfg)
			require.NoError(t, err)
			require.NoError(t, exp.Start(context.Background(), host))

			require.NoError(t, exp.ConsumeLogs(context.Background(), makeLogs(resourceSpec{bodies: []string{"first"}})))
			require.NoError(t, exp.ConsumeLogs(context.Background(), makeLogs(resourceSpec{bodies: []string{"second"}})))
			require.Eventually(t, func() bool {
				return len(host.Statuses()) == 1
			}, 10*time.Second, 5*time.Millisecond, "the 503 is reported")
			require.Equal(t, componentstatus.StatusRecoverableError, host.Last().Status())

			require.NoError(t, exp.Shutdown(context.Background()))
			assert.Equal(t, tt.wantCodes, sink.Requests(), "Shutdown drained the queued request")
			assert.Equal(t, []componentstatus.Status{componentstatus.StatusRecoverableError}, host.Statuses(),
				"no status event once Shutdown began")
		})
	}
}
