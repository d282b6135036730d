package sumologichttpexporter

import (
	"context"
	"encoding/pem"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/sumosink"
)

// TestTLSCertificatesAreVerified: an HTTPS source whose certificate nobody trusts gets no data,
// the failure names the certificate (never the URL), and the same source is reached once its CA
// is configured (tls.ca_file): verification is on by default, not broken.
func TestTLSCertificatesAreVerified(t *testing.T) {
	sink, err := sumosink.New(sumosink.Config{Code: testCode})
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(sink)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	srv.StartTLS()
	t.Cleanup(srv.Close)
	endpoint := srv.URL + sumosink.PathPrefix + testCode

	caFile := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))

	tests := []struct {
		name    string
		caFile  string
		wantErr string
	}{
		{name: "default settings refuse an unknown certificate", wantErr: "certificate"},
		{name: "the server's CA configured", caFile: caFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink.Reset()
			cfg := testConfig(endpoint)
			cfg.RetryConfig.Enabled = false
			cfg.TLS.CAFile = tt.caFile
			exp, err := NewFactory().CreateLogs(context.Background(), nopSettings(), cfg)
			require.NoError(t, err)
			require.NoError(t, exp.Start(context.Background(), newStatusHost()))
			pushErr := exp.ConsumeLogs(context.Background(), makeLogs(resourceSpec{
				attrs: map[string]string{"_sourceCategory": "c"}, bodies: []string{"one"},
			}))
			require.NoError(t, exp.Shutdown(context.Background()))
			if tt.wantErr == "" {
				require.NoError(t, pushErr)
				assert.Equal(t, 1, sink.Count())
				return
			}
			require.Error(t, pushErr)
			assert.Contains(t, pushErr.Error(), tt.wantErr)
			assert.NotContains(t, pushErr.Error(), testCode)
			assert.Zero(t, sink.Count(), "nothing reached the source")
		})
	}
}
