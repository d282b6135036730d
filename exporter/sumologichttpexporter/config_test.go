package sumologichttpexporter

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/exporter/sumologichttpexporter/internal/metadata"
)

const configSecret = "ZaVnC4dhaV0SECRETcode"

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	const sumoURL = "https://endpoint4.collection.sumologic.com/receiver/v1/http/" + configSecret

	full := createDefaultConfig().(*Config)
	full.Endpoint = configopaque.String(sumoURL)
	full.Compression = configcompression.TypeZstd
	full.MaxRequestBodySize = 524288
	full.LogFormat = LogFormatJSON
	full.Client = "my-collector"
	full.Timeout = 10 * time.Second
	full.Headers.Set("X-Extra", "1")
	q := exporterhelper.NewDefaultQueueConfig()
	q.NumConsumers = 2
	q.QueueSize = 5000
	storage := component.MustNewID("file_storage")
	q.StorageID = &storage
	full.QueueConfig = configoptional.Some(q)
	full.RetryConfig = configretry.BackOffConfig{Enabled: true, InitialInterval: time.Second, MaxInterval: 30 * time.Second,
		MaxElapsedTime: 0, Multiplier: full.RetryConfig.Multiplier, RandomizationFactor: full.RetryConfig.RandomizationFactor}

	tests := []struct {
		id      string
		want    func() *Config
		wantErr []string // substrings of the Validate or Unmarshal error
	}{
		{id: "", want: func() *Config {
			c := createDefaultConfig().(*Config)
			c.Endpoint = configopaque.String(sumoURL)
			return c
		}},
		{id: "full", want: func() *Config { return full }},
		{id: "deflate_none_client", want: func() *Config {
			c := createDefaultConfig().(*Config)
			c.Endpoint = "http://127.0.0.1:4318/receiver/v1/http/local"
			c.Compression = "none"
			c.Client = ""
			return c
		}},
		{id: "newline_from_file", want: func() *Config {
			c := createDefaultConfig().(*Config)
			c.Endpoint = configopaque.String(sumoURL)
			return c
		}},
		{id: "plain_http_allowed", want: func() *Config {
			c := createDefaultConfig().(*Config)
			c.Endpoint = "http://sumosink.internal:8080/receiver/v1/http/local"
			c.InsecureAllowPlainHTTP = true
			return c
		}},
		{id: "bad_port", wantErr: []string{"endpoint: the port is not between 1 and 65535"}},
		{id: "plain_http", wantErr: []string{"endpoint: plain http:// to a host other than the loopback", "insecure_allow_plain_http: true"}},
		{id: "control_character", wantErr: []string{"endpoint:"}},
		{id: "missing_endpoint", wantErr: []string{"endpoint: the Sumo Logic HTTP Source URL is required"}},
		{id: "bad_scheme", wantErr: []string{"endpoint: the URL scheme must be https"}},
		{id: "bad_compression", wantErr: []string{`compression: "snappy" is not accepted`}},
		{id: "unknown_compression", wantErr: []string{"compression", `unsupported compression type "brotli"`}},
		{id: "bad_compression_level", wantErr: []string{`unsupported parameters {Level:42} for compression type "gzip"`}},
		{id: "zero_body_size", wantErr: []string{"max_request_body_size: must be between 1 and 1048576", "got 0"}},
		{id: "negative_body_size", wantErr: []string{"max_request_body_size", "got -1"}},
		{id: "body_size_over_sumo_limit", wantErr: []string{"max_request_body_size", "got 2097152"}},
		{id: "bad_log_format", wantErr: []string{`log_format: "text" is not supported`}},
		{id: "bad_client", wantErr: []string{"client: not a valid HTTP header value"}},
		{id: "zero_timeout", wantErr: []string{"timeout: must be positive", "got 0s"}},
		{id: "negative_timeout", wantErr: []string{"timeout: must be positive", "got -1s"}},
		{id: "several_errors", wantErr: []string{"endpoint:", "compression:", "log_format:", "max_request_body_size:"}},
	}
	for _, tt := range tests {
		name := tt.id
		if name == "" {
			name = "default"
		}
		t.Run(name, func(t *testing.T) {
			id := component.NewID(metadata.Type)
			if tt.id != "" {
				id = component.NewIDWithName(metadata.Type, tt.id)
			}
			cfg := createDefaultConfig()
			sub, err := cm.Sub(id.String())
			require.NoError(t, err)
			err = sub.Unmarshal(cfg)
			if err == nil {
				err = confmap.Validate(cfg)
			}
			if tt.wantErr != nil {
				require.Error(t, err)
				for _, w := range tt.wantErr {
					assert.Contains(t, err.Error(), w)
				}
				assert.NotContains(t, err.Error(), configSecret)
				return
			}
			require.NoError(t, err)
			got := cfg.(*Config)
			assert.Empty(t, got.ClientConfig.Endpoint, "the URL only lives in the opaque field")
			assert.Equal(t, tt.want(), got)
		})
	}
}

func TestDefaultConfig(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	assert.Equal(t, configcompression.TypeGzip, cfg.Compression)
	assert.Equal(t, 1<<20, cfg.MaxRequestBodySize)
	assert.Equal(t, LogFormatRaw, cfg.LogFormat)
	assert.Equal(t, DefaultClient, cfg.Client)
	assert.Equal(t, 30*time.Second, cfg.Timeout)
	assert.True(t, cfg.QueueConfig.HasValue())
	assert.True(t, cfg.RetryConfig.Enabled)
	assert.Zero(t, cfg.RetryConfig.MaxElapsedTime, "retry until delivered: the queue holds the data")
	require.ErrorContains(t, cfg.Validate(), "endpoint")
	require.NoError(t, componentTestConfigStruct(cfg))
}

func TestValidateRejectsPlainClientEndpoint(t *testing.T) {
	cfg := testConfig("https://example.com/receiver/v1/http/x")
	cfg.ClientConfig.Endpoint = "https://example.com/receiver/v1/http/x"
	require.ErrorContains(t, cfg.Validate(), "not ClientConfig.Endpoint")
}

func TestNewExporterRejectsBadCompressionLevel(t *testing.T) {
	cfg := withCompression(testConfig("https://h.invalid/receiver/v1/http/code"), "deflate")
	cfg.CompressionParams.Level = 42
	_, err := newSumoExporter(cfg, nopSettings())
	require.ErrorContains(t, err, "compression_params:")
}
