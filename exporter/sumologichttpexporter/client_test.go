package sumologichttpexporter

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/sumosink"
)

// TestRedirectIsNotFollowed: Go turns a POST answered 301/302/303 into a GET without body; if
// the client followed it, the 200 of the GET would count the records as delivered.
func TestRedirectIsNotFollowed(t *testing.T) {
	for _, code := range []int{
		http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect,
	} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			var mu sync.Mutex
			var followed []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				if r.URL.Path == sumosink.PathPrefix+testCode {
					http.Redirect(w, r, "/elsewhere", code)
					return
				}
				mu.Lock()
				followed = append(followed, r.Method+" "+r.URL.Path)
				mu.Unlock()
			}))
			defer srv.Close()
			host := newStatusHost()
			exp := newTestExporter(t, testConfig(srv.URL+sumosink.PathPrefix+testCode), nopSettings(), host)

			err := exp.pushLogs(context.Background(), makeLogs(resourceSpec{bodies: []string{"m1", "m2"}}))
			require.Error(t, err, "a redirect is no delivery")
			assert.False(t, consumererror.IsPermanent(err), "the records are retried")
			var logsErr consumererror.Logs
			require.ErrorAs(t, err, &logsErr)
			assert.Equal(t, 2, logsErr.Data().LogRecordCount())
			assert.NotContains(t, err.Error(), testCode)
			mu.Lock()
			assert.Empty(t, followed, "the redirect target is never requested")
			mu.Unlock()
			require.NotNil(t, host.Last())
			reason, _ := host.Last().Attributes().Get("reason")
			assert.Equal(t, reasonOther, reason.Str())
		})
	}
}

// TestNoSpanCarriesTheURL: confighttp wraps the transport with otelhttp, whose client spans
// carry url.full, whose path is the credential.
func TestNoSpanCarriesTheURL(t *testing.T) {
	tests := []struct {
		name   string
		faults []sumosink.Fault
	}{
		{name: "delivered"},
		{name: "retried after 503", faults: []sumosink.Fault{{Status: http.StatusServiceUnavailable}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := startSink(t, sumosink.Config{})
			sink.InjectFaults(tt.faults...)
			rec := tracetest.NewSpanRecorder()
			tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
			t.Cleanup(func() { require.NoError(t, tp.Shutdown(context.Background())) })
			set := nopSettings()
			set.TracerProvider = tp

			exp, err := NewFactory().CreateLogs(context.Background(), set, testConfig(sink.URL()))
			require.NoError(t, err)
			require.NoError(t, exp.Start(context.Background(), newStatusHost()))
			require.NoError(t, exp.ConsumeLogs(context.Background(), makeLogs(resourceSpec{bodies: []string{"m"}})))
			require.NoError(t, exp.Shutdown(context.Background()))
			require.Equal(t, 1, sink.Count())

			spans := rec.Ended()
			require.NotEmpty(t, spans, "the exporterhelper spans are recorded")
			for _, s := range spans {
				texts := []string{s.Name(), s.Status().Description}
				texts = append(texts, attrTexts(s.Attributes())...)
				for _, ev := range s.Events() {
					texts = append(texts, ev.Name)
					texts = append(texts, attrTexts(ev.Attributes)...)
				}
				for _, text := range texts {
					assert.NotContains(t, text, testCode, "span %q", s.Name())
					assert.NotContains(t, text, sumosink.PathPrefix, "span %q", s.Name())
				}
			}
		})
	}
}

func attrTexts(kvs []attribute.KeyValue) []string {
	out := make([]string, 0, len(kvs))
	for _, kv := range kvs {
		out = append(out, string(kv.Key)+"="+kv.Value.String())
	}
	return out
}
