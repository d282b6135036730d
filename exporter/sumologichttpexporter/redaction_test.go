package sumologichttpexporter

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/sumosink"
)

// closedPortURL returns a loopback URL nobody listens on.
func closedPortURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return "http://" + addr + sumosink.PathPrefix + testCode
}

// TestURLNeverInLogsOrErrors drives failures through the real exporter (exporterhelper
// included, retries bounded) and greps every log line, field and returned error for the URL
// and its code.
func TestURLNeverInLogsOrErrors(t *testing.T) {
	sink := startSink(t, sumosink.Config{})
	tests := []struct {
		name     string
		endpoint string
		faults   []sumosink.Fault
	}{
		{name: "connection refused", endpoint: closedPortURL(t)},
		{name: "unresolvable host", endpoint: "https://collectors.testing.invalid" + sumosink.PathPrefix + testCode},
		{name: "https to an http server", endpoint: strings.Replace(sink.URL(), "http://", "https://", 1)},
		{name: "401 revoked", endpoint: sink.URL(), faults: []sumosink.Fault{{Status: http.StatusUnauthorized, Count: 100}}},
		{name: "429 then 400", endpoint: sink.URL(), faults: []sumosink.Fault{{Status: http.StatusTooManyRequests, RetryAfter: 0}, {Status: http.StatusBadRequest}}},
		{name: "reset", endpoint: sink.URL(), faults: []sumosink.Fault{{Reset: true, Count: 100}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink.Reset()
			sink.InjectFaults(tt.faults...)
			core, logs := observer.New(zapcore.DebugLevel)
			set := nopSettings()
			set.Logger = zap.New(core)
			cfg := testConfig(tt.endpoint)
			cfg.Timeout = 2 * time.Second
			cfg.RetryConfig.MaxElapsedTime = 100 * time.Millisecond
			host := newStatusHost()

			exp, err := NewFactory().CreateLogs(context.Background(), set, cfg)
			require.NoError(t, err)
			require.NoError(t, exp.Start(context.Background(), host))
			pushErr := exp.ConsumeLogs(context.Background(), makeLogs(resourceSpec{
				attrs: map[string]string{"_sourceCategory": "c"}, bodies: []string{"one", "two"},
			}))
			require.NoError(t, exp.Shutdown(context.Background()))

			require.Error(t, pushErr)
			texts := []string{pushErr.Error(), fmt.Sprintf("%+v", pushErr)}
			for _, ev := range host.Events() {
				if ev.Err() != nil {
					texts = append(texts, ev.Err().Error())
				}
			}
			require.NotZero(t, logs.Len(), "failures are logged")
			for _, entry := range logs.All() {
				texts = append(texts, entry.Message)
				enc := zapcore.NewMapObjectEncoder()
				for _, f := range entry.Context {
					f.AddTo(enc)
				}
				texts = append(texts, fmt.Sprint(enc.Fields))
			}
			for _, text := range texts {
				assert.NotContains(t, text, testCode)
				assert.NotContains(t, text, sumosink.PathPrefix)
			}
		})
	}
}

func TestConfigNeverShowsURL(t *testing.T) {
	cfg := testConfig("https://endpoint4.collection.sumologic.com" + sumosink.PathPrefix + testCode)
	assert.NotContains(t, fmt.Sprintf("%+v", *cfg), testCode)
	assert.NotContains(t, fmt.Sprintf("%v", cfg.Endpoint), testCode)

	conf := confmap.New()
	require.NoError(t, conf.Marshal(cfg))
	assert.Equal(t, "[REDACTED]", conf.Get("endpoint"))
	assert.NotContains(t, fmt.Sprint(conf.ToStringMap()), testCode)
}

func TestRedactor(t *testing.T) {
	const u = "https://endpoint4.collection.sumologic.com/receiver/v1/http/" + testCode
	r := newURLRedactor(u)
	tests := []string{
		`Post "` + u + `": EOF`,
		"path /receiver/v1/http/" + testCode + " failed",
		"code " + testCode,
	}
	for _, in := range tests {
		out := r.redact(in)
		assert.NotContains(t, out, testCode)
		assert.Contains(t, out, redacted)
	}
	// Short codes are only removed as part of the path or the URL.
	short := newURLRedactor("http://127.0.0.1:1/receiver/v1/http/abc")
	assert.Equal(t, "abc [REDACTED]", short.redact("abc http://127.0.0.1:1/receiver/v1/http/abc"))
}
