package batchguardconverter

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
)

func convert(t *testing.T, yaml string) error {
	t.Helper()
	ret, err := confmap.NewRetrievedFromYAML([]byte(yaml))
	require.NoError(t, err)
	conf, err := ret.AsConf()
	require.NoError(t, err)
	before := conf.ToStringMap()
	err = NewFactory().Create(confmap.ConverterSettings{}).Convert(t.Context(), conf)
	assert.Equal(t, before, conf.ToStringMap(), "the converter never changes the configuration")
	return err
}

func TestConvert(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		wantErr []string // nil: accepted
		notErr  []string // not in the error
	}{
		{
			name: "the receiver without batch",
			yaml: `
service:
  pipelines:
    logs:
      receivers: [jumpclouddirectoryinsights]
      processors: [memory_limiter]
      exporters: [sumologichttp]`,
		},
		{
			name: "batch in another pipeline",
			yaml: `
service:
  pipelines:
    logs:
      receivers: [jumpclouddirectoryinsights]
      processors: [memory_limiter]
      exporters: [sumologichttp]
    logs/otlp:
      receivers: [otlp, filelog]
      processors: [memory_limiter, batch]
      exporters: [sumologichttp/otlp]
    traces:
      receivers: [otlp]
      processors: [batch/traces]
      exporters: [otlp_grpc]`,
		},
		{
			name: "batch in the receiver's pipeline",
			yaml: `
service:
  pipelines:
    logs:
      receivers: [jumpclouddirectoryinsights]
      processors: [memory_limiter, batch]
      exporters: [sumologichttp]`,
			wantErr: []string{
				`pipeline "logs" has the "jumpclouddirectoryinsights" receiver and the "batch" processor`,
				"acknowledges events before they are delivered or stored",
				`remove "batch" from this pipeline's processors`,
				"sending_queue::batch",
			},
		},
		{
			name: "named components, among others",
			yaml: `
service:
  pipelines:
    logs/jumpcloud:
      receivers: [otlp, jumpclouddirectoryinsights/eu]
      processors: [memory_limiter, batch/big, resource]
      exporters: [sumologichttp]`,
			wantErr: []string{`pipeline "logs/jumpcloud" has the "jumpclouddirectoryinsights/eu" receiver and the "batch/big" processor`},
		},
		{
			name: "every offending pipeline is named",
			yaml: `
service:
  pipelines:
    logs/b:
      receivers: [jumpclouddirectoryinsights/b]
      processors: [batch]
    logs/a:
      receivers: [jumpclouddirectoryinsights/a]
      processors: [batch]
    logs/c:
      receivers: [otlp]
      processors: [batch]`,
			wantErr: []string{`pipeline "logs/a"`, `pipeline "logs/b"`},
		},
		{
			name: "redaction with allow_all_keys in the receiver's pipeline",
			yaml: `
processors:
  redaction/emails: {allow_all_keys: true, blocked_values: ['[^@]+@example[.]com']}
  redaction/env: {allow_all_keys: "true"}
service:
  pipelines:
    logs:
      receivers: [jumpclouddirectoryinsights]
      processors: [memory_limiter, redaction/emails, redaction/env]`,
		},
		{
			name: "redaction without allow_all_keys in the receiver's pipeline",
			yaml: `
processors:
  redaction: {allowed_keys: [jumpcloud.service]}
  redaction/off: {allow_all_keys: false}
  redaction/ok: {allow_all_keys: true}
service:
  pipelines:
    logs:
      receivers: [jumpclouddirectoryinsights]
      processors: [redaction, redaction/ok, redaction/off, batch]`,
			wantErr: []string{
				`pipeline "logs" has the "jumpclouddirectoryinsights" receiver and the "redaction" processor without allow_all_keys: true`,
				`the "redaction/off" processor without allow_all_keys: true`,
				"the resource attributes that carry the Sumo Logic metadata",
				`set allow_all_keys: true in "redaction/off"`,
				`the "batch" processor`,
			},
			notErr: []string{`"redaction/ok"`},
		},
		{
			name: "redaction without allow_all_keys in another pipeline",
			yaml: `
processors:
  redaction: {}
service:
  pipelines:
    logs/otlp:
      receivers: [otlp]
      processors: [redaction]`,
		},
		{name: "no service", yaml: `receivers: {otlp: {}}`},
		{name: "no pipelines", yaml: `service: {extensions: [file_storage]}`},
		{name: "a pipeline of another shape is left to the collector", yaml: `service: {pipelines: {logs: [jumpclouddirectoryinsights, batch]}}`},
		{name: "processors not a list", yaml: `service: {pipelines: {logs: {receivers: [jumpclouddirectoryinsights], processors: batch}}}`},
		{name: "a type that only starts like batch", yaml: `service: {pipelines: {logs: {receivers: [jumpclouddirectoryinsights], processors: [batchx]}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := convert(t, tt.yaml)
			if tt.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, w := range tt.wantErr {
				assert.Contains(t, err.Error(), w)
			}
			assert.NotContains(t, err.Error(), `"logs/c"`)
			for _, n := range tt.notErr {
				assert.NotContains(t, err.Error(), n)
			}
		})
	}
}

// TestResolver: with the repository's configuration the converter accepts it, and refuses it
// once a later --config puts batch into the JumpCloud pipeline.
func TestResolver(t *testing.T) {
	overlay := filepath.Join(t.TempDir(), "batch.yaml")
	require.NoError(t, os.WriteFile(overlay, []byte("service::pipelines::logs::processors: [memory_limiter, batch]\n"), 0o600))
	repoConfig := "file:" + filepath.Join("..", "..", "..", "otelcol-config.yaml")
	tests := []struct {
		name    string
		uris    []string
		wantErr string
	}{
		{name: "otelcol-config.yaml", uris: []string{repoConfig}},
		{name: "with batch added", uris: []string{repoConfig, "file:" + overlay}, wantErr: `pipeline "logs" has the "jumpclouddirectoryinsights" receiver and the "batch" processor`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := confmap.NewResolver(confmap.ResolverSettings{
				URIs:               tt.uris,
				ProviderFactories:  []confmap.ProviderFactory{fileprovider.NewFactory(), envprovider.NewFactory()},
				ConverterFactories: []confmap.ConverterFactory{NewFactory()},
				DefaultScheme:      "env",
			})
			require.NoError(t, err)
			_, err = r.Resolve(context.Background())
			require.NoError(t, r.Shutdown(context.Background()))
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}
