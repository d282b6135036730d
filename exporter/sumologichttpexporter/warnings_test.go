package sumologichttpexporter

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/exporter"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/sumosink"
)

// observedSettings are exporter settings whose logger records to the returned logs.
func observedSettings() (*observer.ObservedLogs, exporter.Settings) {
	core, logs := observer.New(zapcore.InfoLevel)
	set := nopSettings()
	set.Logger = zap.New(core)
	return logs, set
}

func TestFieldLimitsAreEnforcedWithOneWarning(t *testing.T) {
	sink := startSink(t, sumosink.Config{})
	logs, set := observedSettings()
	exp := newTestExporter(t, testConfig(sink.URL()), set, nil)

	attrs := map[string]string{"_sourceCategory": "c", "a_long": strings.Repeat("é", 250)}
	for i := range 35 {
		attrs[fmt.Sprintf("f%02d", i)] = "v"
	}
	for range 3 {
		require.NoError(t, exp.pushLogs(context.Background(), makeLogs(resourceSpec{attrs: attrs, bodies: []string{"m"}})))
	}
	msgs := sink.Messages()
	require.Len(t, msgs, 3)
	assert.Len(t, msgs[0].Fields, maxFields, "the first 30 fields in key order")
	assert.Equal(t, strings.Repeat("é", maxFieldValueRunes), msgs[0].Fields["a_long"])
	assert.NotContains(t, msgs[0].Fields, "f29")
	assert.Contains(t, msgs[0].Fields, "f28")
	assert.Equal(t, "c", msgs[0].Category)

	warnings := logs.FilterMessageSnippet("X-Sumo-Fields limits").All()
	require.Len(t, warnings, 1, "one warning per metadata set, not per push")
	assert.Equal(t, int64(6), warnings[0].ContextMap()["dropped_fields"])
	assert.Equal(t, int64(1), warnings[0].ContextMap()["truncated_values"])
}

func TestCollidingFieldKeysAreSkippedWithOneWarning(t *testing.T) {
	sink := startSink(t, sumosink.Config{})
	logs, set := observedSettings()
	exp := newTestExporter(t, testConfig(sink.URL()), set, nil)

	attrs := map[string]string{"a,b": "first", "a_b": "second", "": "empty"}
	for range 3 {
		require.NoError(t, exp.pushLogs(context.Background(), makeLogs(resourceSpec{attrs: attrs, bodies: []string{"m"}})))
	}
	msgs := sink.Messages()
	require.Len(t, msgs, 3)
	assert.Equal(t, map[string]string{"a_b": "first"}, msgs[0].Fields)

	warnings := logs.FilterMessageSnippet("X-Sumo-Fields limits").All()
	require.Len(t, warnings, 1, "one warning per metadata set, not per push")
	assert.Equal(t, int64(2), warnings[0].ContextMap()["skipped_fields"])
}

func TestOKWithWarningBodyIsLoggedOnce(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"warnings":[{"code":"fields.dropped","message":"field x not in schema"}]}`)
	}))
	defer srv.Close()
	logs, set := observedSettings()
	exp := newTestExporter(t, testConfig(srv.URL+sumosink.PathPrefix+testCode), set, nil)
	for range 3 {
		require.NoError(t, exp.pushLogs(context.Background(), makeLogs(resourceSpec{bodies: []string{"m"}})))
	}
	warnings := logs.FilterMessageSnippet("accepted a request with a warning").All()
	require.Len(t, warnings, 1)
	assert.Contains(t, warnings[0].ContextMap()["warning"], "field x not in schema")
}
