package jumpclouddirectoryinsightsreceiver

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
)

func TestSecretsAndEndpointSafety(t *testing.T) {
	t.Run("a key read from a file loses its newline", func(t *testing.T) {
		cfg, err := loadConfig(t, "secret_newline")
		require.NoError(t, err)
		assert.Equal(t, "key-from-a-file", string(cfg.APIKey))
	})
	t.Run("plain http allowed explicitly", func(t *testing.T) {
		_, err := loadConfig(t, "plain_http_allowed")
		require.NoError(t, err)
	})
	tests := []struct {
		name   string
		want   string
		hidden []string
	}{
		{"secret_control", "api_key: contains a control character", []string{"Injected"}},
		{"bad_port", "endpoint: the port is not between 1 and 65535", []string{"99999"}},
		{"plain_http", "endpoint: plain http:// to a host other than the loopback", []string{"api.jumpcloud.com"}},
		{"max_page_bytes", "max_page_bytes: -1 must not be negative", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadConfig(t, tt.name)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			for _, h := range tt.hidden {
				assert.NotContains(t, err.Error(), h)
			}
		})
	}
}

func TestMaxPageBytesDefault(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	assert.Zero(t, cfg.MaxPageBytes)
	assert.Equal(t, int64(1000*64<<10), cfg.maxPageBytes(), "1000 events of 64 KiB")
	cfg.PageSize = 10
	assert.Equal(t, int64(jumpcloud.MinMaxResponseBytes), cfg.maxPageBytes())
	cfg.MaxPageBytes = 123456
	assert.Equal(t, int64(123456), cfg.maxPageBytes())
}

// TLS verification stays on: a server with a certificate nobody signed gets no request through
// and no event is delivered; the failure is reported (and retried: the certificate may be fixed).
func TestTLSCertificatesAreVerified(t *testing.T) {
	var served atomic.Bool
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		served.Store(true)
		_, _ = io.WriteString(w, "[]")
	}))
	t.Cleanup(srv.Close)
	cfg := testConfig(srv.URL)
	sink := new(consumertest.LogsSink)
	host := newStatusHost()
	r := startReceiver(t, cfg, host, sink)
	waitFor(t, 5*time.Second, func() bool { return strings.Contains(lastErrorText(host), "certificate") }, "no certificate error reported")
	require.NoError(t, r.Shutdown(context.Background()))
	assert.False(t, served.Load(), "no request reached the handler")
}
