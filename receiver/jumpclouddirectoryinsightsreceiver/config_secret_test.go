package jumpclouddirectoryinsightsreceiver

import (
	"context"
	"io"
	"log"
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
	t.Parallel()
	t.Run("a key read from a file loses its newline", func(t *testing.T) {
		t.Parallel()
		cfg, err := loadConfig(t, "secret_newline")
		require.NoError(t, err)
		assert.Equal(t, "key-from-a-file", string(cfg.APIKey))
	})
	for _, name := range []string{"plain_http_allowed", "plain_http_token_allowed", "plain_http_token_loopback"} {
		t.Run(name+" passes", func(t *testing.T) {
			t.Parallel()
			_, err := loadConfig(t, name)
			require.NoError(t, err)
		})
	}
	tests := []struct {
		name   string
		want   string
		hidden []string
	}{
		{"secret_control", "api_key: contains a control character", []string{"Injected"}},
		{"bad_port", "endpoint: the port is not between 1 and 65535", []string{"99999"}},
		{"plain_http", "endpoint: plain http:// to a host other than the loopback", []string{"api.jumpcloud.com"}},
		{"plain_http_token", "token_endpoint: plain http:// to a host other than the loopback", []string{"oauth.proxy.example.com", "svc-secret-3c4d5e6f"}},
		{"max_page_bytes", "max_page_bytes: -1 must not be negative", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
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
	t.Parallel()
	cfg := createDefaultConfig().(*Config)
	assert.Zero(t, cfg.MaxPageBytes)
	assert.Equal(t, int64(1000*64<<10), cfg.maxPageBytes(), "1000 events of 64 KiB")
	cfg.PageSize = 10
	assert.Equal(t, int64(jumpcloud.MinMaxResponseBytes), cfg.maxPageBytes())
	cfg.MaxPageBytes = 123456
	assert.Equal(t, int64(123456), cfg.maxPageBytes())
}

// TLS verification stays on, for the API and for the service accounts' token endpoint: a server
// with a certificate nobody signed gets no request through and no event is delivered; the failure
// is reported (and retried: the certificate may be fixed) and never shows the client secret.
func TestTLSCertificatesAreVerified(t *testing.T) {
	t.Parallel()
	var served atomic.Bool
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		served.Store(true)
		_, _ = io.WriteString(w, "[]")
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	srv.StartTLS()
	t.Cleanup(srv.Close)
	tests := []struct {
		name string
		cfg  func() *Config
	}{
		{name: "API key", cfg: func() *Config { return testConfig(srv.URL) }},
		{name: "service account", cfg: func() *Config {
			cfg := testConfig(srv.URL)
			cfg.APIKey = ""
			cfg.ClientID, cfg.ClientSecret = testClientID, testClientSecret
			cfg.OrgID = []string{"5f3e9d8c7b6a5f4e3d2c1b0a"}
			cfg.TokenEndpoint = srv.URL + "/oauth2/token"
			return cfg
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { // not parallel: the cases share served
			served.Store(false)
			cfg := tt.cfg()
			require.NoError(t, cfg.Validate())
			sink := new(consumertest.LogsSink)
			host := newStatusHost()
			r := startReceiver(t, cfg, host, sink)
			waitFor(t, 5*time.Second, func() bool { return strings.Contains(lastErrorText(host), "certificate") }, "no certificate error reported")
			require.NoError(t, r.Shutdown(context.Background()))
			assert.False(t, served.Load(), "no request reached the handler")
			assert.Zero(t, sink.LogRecordCount())
			assert.NotContains(t, lastErrorText(host), testClientSecret)
		})
	}
}
