package sumologichttpexporter

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configcompression"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/sumosink"
)

// TestPostReleasesBody pins what the buffer reuse relies on: once a request is answered, the
// client has closed the body, so the buffer behind it may be reused.
func TestPostReleasesBody(t *testing.T) {
	plain := []byte(strings.Repeat("a log line that compresses well\n", 2000))
	for _, comp := range []configcompression.Type{configcompression.TypeGzip, configcompression.TypeDeflate, configcompression.TypeZstd, compressionNone} {
		t.Run(string(comp), func(t *testing.T) {
			sink := startSink(t, sumosink.Config{})
			e := newTestExporter(t, withCompression(testConfig(sink.URL()), comp), nopSettings(), nil)
			payload, err := e.comp.compress(nil, plain)
			require.NoError(t, err)
			code, _, reusable, err := e.post(context.Background(), &sourceMetadata{}, payload)
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, code)
			assert.True(t, reusable, "the body is released once the request is answered")
			stats := sink.Stats()
			assert.Equal(t, int64(len(plain)), stats.UncompressedBytes)
			assert.Equal(t, int64(len(payload)), stats.CompressedBytes)
		})
	}
}
