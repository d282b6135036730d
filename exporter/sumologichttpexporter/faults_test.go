package sumologichttpexporter

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/sumosink"
)

// TestFaultSequencesLoseAndDuplicateNothing runs the real exporter (queue + retry with short
// backoff) against fault sequences of the sink, then checks that every record was recorded
// exactly once.
func TestFaultSequencesLoseAndDuplicateNothing(t *testing.T) {
	tests := []struct {
		name   string
		faults []sumosink.Fault
		// minElapsed is a lower bound implied by Retry-After.
		minElapsed time.Duration
		wantCodes  map[int]int // at least these answers
	}{
		{
			name:       "429 x3 with Retry-After",
			faults:     []sumosink.Fault{{Status: http.StatusTooManyRequests, RetryAfter: 1, Count: 3}},
			minElapsed: 3 * time.Second,
			wantCodes:  map[int]int{429: 3},
		},
		{
			name: "503, reset, slow, 401 then fixed",
			faults: []sumosink.Fault{
				{Status: http.StatusServiceUnavailable},
				{Reset: true},
				{DelayMS: 50},
				{Status: http.StatusUnauthorized, Count: 3},
				{Status: http.StatusBadGateway},
			},
			wantCodes: map[int]int{503: 1, 0: 1, 401: 3, 502: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := startSink(t, sumosink.Config{})
			cfg := withSingleConsumerQueue(testConfig(sink.URL())) // faults hit requests one after the other
			cfg.MaxRequestBodySize = 2048
			host := newStatusHost()

			exp, err := NewFactory().CreateLogs(context.Background(), nopSettings(), cfg)
			require.NoError(t, err)
			require.NoError(t, exp.Start(context.Background(), host))
			sink.InjectFaults(tt.faults...)

			start := time.Now()
			const pushes, perResource = 10, 20
			for p := range pushes {
				ld := makeLogs(
					resourceSpec{attrs: map[string]string{"_sourceCategory": "a", "_siemForward": "true"}, bodies: numbered(fmt.Sprintf("p%02d-a", p), perResource)},
					resourceSpec{attrs: map[string]string{"_sourceCategory": "b"}, bodies: numbered(fmt.Sprintf("p%02d-b", p), perResource)},
				)
				require.NoError(t, exp.ConsumeLogs(context.Background(), ld))
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			require.NoError(t, sink.WaitForCount(ctx, pushes*2*perResource))
			elapsed := time.Since(start)
			require.NoError(t, exp.Shutdown(context.Background()))

			st := sink.Stats()
			assert.Equal(t, pushes*2*perResource, st.Messages)
			assert.Equal(t, pushes*2*perResource, st.Distinct)
			assert.Equal(t, 0, st.Duplicates)
			assert.Equal(t, map[string]int{"a": pushes * perResource, "b": pushes * perResource}, st.ByCategory)
			for code, n := range tt.wantCodes {
				assert.Equal(t, n, st.Requests[code], "answers %d", code)
			}
			assert.GreaterOrEqual(t, elapsed, tt.minElapsed)

			// The status went to RecoverableError and back to OK.
			statuses := host.Statuses()
			require.NotEmpty(t, statuses)
			assert.Contains(t, statuses, componentstatus.StatusRecoverableError)
			assert.Equal(t, componentstatus.StatusOK, statuses[len(statuses)-1])
		})
	}
}

func numbered(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(`{"id":"%s-%03d","event_type":"user_login_attempt"}`, prefix, i)
	}
	return out
}
