package sumosourceprovider

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"
)

// testKey is the API key of testdata/with-fields.json and of the broken files made from it:
// it must never appear in an error or a log line.
const testKey = "sumosource-test-secret-key-4d5e6f"

func createProvider(t *testing.T) (confmap.Provider, *observer.ObservedLogs) {
	t.Helper()
	core, logs := observer.New(zap.DebugLevel)
	set := confmaptest.NewNopProviderSettings()
	set.Logger = zap.New(core)
	return NewFactory().Create(set), logs
}

func TestValidateProviderScheme(t *testing.T) {
	p, _ := createProvider(t)
	assert.NoError(t, confmaptest.ValidateProviderScheme(p))
}

func TestUnsupportedScheme(t *testing.T) {
	p, _ := createProvider(t)
	_, err := p.Retrieve(t.Context(), "file:testdata/hosted-source-example.json", nil)
	require.ErrorContains(t, err, `"file:testdata/hosted-source-example.json" uri is not supported by "sumosource" provider`)
	require.NoError(t, p.Shutdown(t.Context()))
}

func TestMissingFile(t *testing.T) {
	p, _ := createProvider(t)
	_, err := p.Retrieve(t.Context(), "sumosource:testdata/no-such-file.json", nil)
	require.ErrorContains(t, err, "unable to read the Sumo Logic source definition sumosource:testdata/no-such-file.json")
	require.ErrorIs(t, err, os.ErrNotExist)
}

// TestRetrieve: the hosted source's documented example and one with fields become the receiver's keys; every
// result unmarshals into the receiver's configuration and validates.
func TestRetrieve(t *testing.T) {
	tests := []struct {
		file string
		want map[string]any
	}{
		{
			// The "JSON Example" of the "JSON Configuration" section of the hosted source's documentation, unchanged.
			file: "hosted-source-example.json",
			want: map[string]any{
				"name":        "JumpCloud Directory Insights",
				"description": "Collect Events from JumpCloud Directory Insights Product",
				"category":    "jumpcloud-directory-insights",
				"api_key":     "ebf7b9d6e1****************",
				"org_id":      "64949312***************",
				"service":     "all",
			},
		},
		{
			file: "with-fields.json",
			want: map[string]any{
				"name":        "JumpCloud DI (SIEM)",
				"description": "Directory and SSO events, forwarded to Cloud SIEM",
				"category":    "security/jumpcloud",
				"fields":      map[string]any{"_siemForward": true, "team": "secops", "tier": int64(2)},
				"api_key":     testKey,
				"org_id":      "5f1e2d3c4b5a697887766554",
				"service":     "directory,sso",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p, logs := createProvider(t)
			path := filepath.Join("testdata", tt.file)
			ret, err := p.Retrieve(t.Context(), "sumosource:"+path, nil)
			require.NoError(t, err)
			conf, err := ret.AsConf()
			require.NoError(t, err)
			assert.Equal(t, map[string]any{"receivers": map[string]any{ReceiverID: tt.want}}, conf.ToStringMap())

			cfg := unmarshalReceiver(t, conf)
			require.NoError(t, cfg.Validate())

			require.Equal(t, 1, logs.Len())
			entry := logs.All()[0]
			assert.Equal(t, "Receiver configured from a Sumo Logic source definition", entry.Message)
			assert.Equal(t, map[string]any{"path": path, "receiver": ReceiverID}, entry.ContextMap())
			require.NoError(t, p.Shutdown(t.Context()))
		})
	}
}

func unmarshalReceiver(t *testing.T, conf *confmap.Conf) *jumpclouddirectoryinsightsreceiver.Config {
	t.Helper()
	f := jumpclouddirectoryinsightsreceiver.NewFactory()
	cfg := f.CreateDefaultConfig().(*jumpclouddirectoryinsightsreceiver.Config)
	sub, err := conf.Sub("receivers::" + ReceiverID)
	require.NoError(t, err)
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg
}

// TestMergeWithOtelcolConfig: `--config otelcol-config.yaml --config sumosource:...` resolves
// to the repository's receiver with the JSON's parameters in place of the YAML's and every
// other setting (endpoint, storage, polling) kept.
func TestMergeWithOtelcolConfig(t *testing.T) {
	t.Setenv("JUMPCLOUD_API_KEY", "")
	t.Setenv("SUMO_SOURCE_CATEGORY", "from/the/environment")
	t.Setenv("JUMPCLOUD_ENDPOINT", "http://127.0.0.1:8080/insights/directory/v1")
	resolver, err := confmap.NewResolver(confmap.ResolverSettings{
		URIs: []string{
			"file:" + filepath.Join("..", "..", "..", "otelcol-config.yaml"),
			"sumosource:" + filepath.Join("testdata", "with-fields.json"),
		},
		ProviderFactories: []confmap.ProviderFactory{fileprovider.NewFactory(), envprovider.NewFactory(), NewFactory()},
		DefaultScheme:     "env",
	})
	require.NoError(t, err)
	conf, err := resolver.Resolve(context.Background())
	require.NoError(t, err)
	require.NoError(t, resolver.Shutdown(context.Background()))

	cfg := unmarshalReceiver(t, conf)
	require.NoError(t, cfg.Validate())
	assert.Equal(t, "JumpCloud DI (SIEM)", cfg.Name)
	assert.Equal(t, "security/jumpcloud", cfg.Category, "the JSON wins over the YAML's ${env:SUMO_SOURCE_CATEGORY}")
	assert.Equal(t, testKey, string(cfg.APIKey))
	assert.Equal(t, []string{"5f1e2d3c4b5a697887766554"}, cfg.OrgID)
	assert.Equal(t, []string{"directory", "sso"}, cfg.Service)
	// The fields maps are merged: the JSON's _siemForward replaces the YAML's, vendor stays.
	assert.Equal(t, map[string]any{"_siemForward": true, "team": "secops", "tier": int64(2), "vendor": "jumpcloud"}, cfg.Fields)
	// Settings the JSON does not have keep the YAML's values.
	assert.Equal(t, "http://127.0.0.1:8080/insights/directory/v1", cfg.Endpoint)
	assert.Equal(t, 10000, cfg.PageSize)
	require.NotNil(t, cfg.StorageID)
	assert.Equal(t, "file_storage", cfg.StorageID.String())
}

// TestBrokenDefinitions: every problem is an error naming the file and the parameter by its
// JSON path; the API key is never part of it, nor of a log line.
func TestBrokenDefinitions(t *testing.T) {
	inline := func(t *testing.T, content string) string {
		path := filepath.Join(t.TempDir(), "source.json")
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
		return path
	}
	const good = `"schemaRef": {"type": "JumpCloud Directory Insights"}, "sourceType": "Universal"`
	withConfig := func(cfg string) string {
		return `{"api.version": "v1", "source": {"config": {` + cfg + `}, ` + good + `}}`
	}
	const required = `"name": "n", "apiKey": "` + testKey + `", "orgID": "o", "service": "all"`

	tests := []struct {
		name    string
		file    string // in testdata
		content string // or written to a temporary file
		wantErr []string
	}{
		{name: "bad JSON", file: "invalid-json.json", wantErr: []string{"not valid JSON at line 14, column 13"}},
		{name: "wrong schemaRef.type", file: "wrong-schema-type.json", wantErr: []string{
			`source.schemaRef.type: "Okta" is not a JumpCloud Directory Insights source (want "JumpCloud Directory Insights")`,
		}},
		{name: "wrong sourceType", file: "wrong-source-type.json", wantErr: []string{
			`source.sourceType: "HTTP" is not the JumpCloud Directory Insights source's (want "Universal")`,
		}},
		{name: "missing apiKey", file: "missing-api-key.json", wantErr: []string{"source.config.apiKey: required parameter is missing"}},
		{name: "unknown parameter", file: "unknown-parameter.json", wantErr: []string{
			"source.config.pollingInterval: unknown parameter (known: fields, name, description, category, apiKey, orgID, service)",
		}},
		{name: "truncated", content: `{"source": {"config": {"apiKey": "` + testKey, wantErr: []string{"not valid JSON: unexpected end of the file (line 1)"}},
		{name: "an unquoted key", content: "{\n  \"source\": {\"config\": {\"apiKey\": " + testKey + "}}}", wantErr: []string{"not valid JSON at line 2, column 35"}},
		{name: "not UTF-8", content: "{\"source\": \"\xff\"}", wantErr: []string{"not UTF-8 encoded text"}},
		{name: "an array", content: `[]`, wantErr: []string{"the file's top level: must be a JSON object, not an array"}},
		{name: "null", content: `null`, wantErr: []string{"the file's top level: must be a JSON object, not null"}},
		{name: "no source", content: `{"api.version": "v1"}`, wantErr: []string{"source: required parameter is missing"}},
		{name: "unknown api.version", content: `{"api.version": "v2", "source": {"config": {` + required + `}, ` + good + `}}`,
			wantErr: []string{`api.version: "v2" is not supported (want "v1")`}},
		{name: "unknown top-level key", content: `{"collector": {}, "source": {"config": {` + required + `}, ` + good + `}}`,
			wantErr: []string{"collector: unknown parameter (known: api.version, source)"}},
		{name: "unknown source key", content: `{"source": {"id": 1, "config": {` + required + `}, ` + good + `}}`,
			wantErr: []string{"source.id: unknown parameter (known: config, schemaRef, sourceType)"}},
		{name: "no schemaRef nor sourceType", content: `{"source": {"config": {` + required + `}}}`,
			wantErr: []string{"source.schemaRef: required parameter is missing", "source.sourceType: required parameter is missing"}},
		{name: "config null", content: `{"source": {"config": null, ` + good + `}}`,
			wantErr: []string{"source.config: must be a JSON object, not null"}},
		{name: "every required parameter missing", content: withConfig(`"category": "c"`), wantErr: []string{
			"source.config.name: required parameter is missing", "source.config.apiKey: required parameter is missing",
			"source.config.orgID: required parameter is missing", "source.config.service: required parameter is missing",
		}},
		{name: "an empty required parameter", content: withConfig(`"name": " ", "apiKey": "` + testKey + `", "orgID": "o", "service": "all"`),
			wantErr: []string{"source.config.name: required parameter is empty"}},
		{name: "apiKey a number", content: withConfig(`"name": "n", "apiKey": 12345, "orgID": "o", "service": "all"`),
			wantErr: []string{"source.config.apiKey: must be a string, not a number"}},
		{name: "apiKey null", content: withConfig(`"name": "n", "apiKey": null, "orgID": "o", "service": "all"`),
			wantErr: []string{"source.config.apiKey: must be a string, not null"}},
		{name: "case matters", content: withConfig(`"name": "n", "APIKey": "` + testKey + `", "orgID": "o", "service": "all"`),
			wantErr: []string{"source.config.APIKey: unknown parameter", "source.config.apiKey: required parameter is missing"}},
		{name: "service a list", content: withConfig(required[:len(required)-len(`"all"`)] + `["all"]`),
			wantErr: []string{"source.config.service: must be a string, not an array"}},
		{name: "fields not an object", content: withConfig(required + `, "fields": "team=secops"`),
			wantErr: []string{"source.config.fields: must be a JSON object, not a string"}},
		{name: "_siemForward not a boolean", content: withConfig(required + `, "fields": {"_siemForward": "yes"}`),
			wantErr: []string{`source.config.fields._siemForward: must be a boolean (true or false), not "yes"`}},
		{name: "_siemForward a number", content: withConfig(required + `, "fields": {"_siemForward": 1}`),
			wantErr: []string{"source.config.fields._siemForward: must be a boolean (true or false), not a number"}},
		{name: "a nested field", content: withConfig(required + `, "fields": {"team": {"name": "secops"}}`),
			wantErr: []string{"source.config.fields.team: must be a string, a number or a boolean, not an object"}},
		{name: "an empty field name", content: withConfig(required + `, "fields": {"": "x"}`),
			wantErr: []string{"source.config.fields: a field name must not be empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			if tt.file == "" {
				path = inline(t, tt.content)
			}
			p, logs := createProvider(t)
			_, err := p.Retrieve(t.Context(), "sumosource:"+path, nil)
			require.Error(t, err)
			msg := err.Error()
			assert.Contains(t, msg, "sumosource:"+path+": ", "the error names the file")
			for _, w := range tt.wantErr {
				assert.Contains(t, msg, w)
			}
			assert.NotContains(t, msg, testKey)
			assert.NotContains(t, msg, testKey[:12], "not even a part of the key")
			assert.Zero(t, logs.Len(), "nothing logged for a refused file")
		})
	}
}

// TestBOM: a UTF-8 byte order mark (written by some Windows editors) is accepted.
func TestBOM(t *testing.T) {
	content, err := os.ReadFile(filepath.Join("testdata", "hosted-source-example.json"))
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "bom.json")
	require.NoError(t, os.WriteFile(path, append([]byte("\uFEFF"), content...), 0o600))
	p, _ := createProvider(t)
	ret, err := p.Retrieve(t.Context(), "sumosource:"+path, nil)
	require.NoError(t, err)
	conf, err := ret.AsConf()
	require.NoError(t, err)
	assert.Equal(t, "JumpCloud Directory Insights", conf.Get("receivers::jumpclouddirectoryinsights::name"))
}

// TestEnvReference: a value of the JSON may reference the environment like any configuration
// value, e.g. to keep the API key out of the file.
func TestEnvReference(t *testing.T) {
	t.Setenv("SUMOSOURCE_TEST_KEY", testKey)
	content, err := os.ReadFile(filepath.Join("testdata", "with-fields.json"))
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "source.json")
	require.NoError(t, os.WriteFile(path, bytes.Replace(content, []byte(testKey), []byte("${env:SUMOSOURCE_TEST_KEY}"), 1), 0o600))
	resolver, err := confmap.NewResolver(confmap.ResolverSettings{
		URIs:              []string{"sumosource:" + path},
		ProviderFactories: []confmap.ProviderFactory{envprovider.NewFactory(), NewFactory()},
		DefaultScheme:     "env",
	})
	require.NoError(t, err)
	conf, err := resolver.Resolve(context.Background())
	require.NoError(t, err)
	require.NoError(t, resolver.Shutdown(context.Background()))
	assert.Equal(t, testKey, string(unmarshalReceiver(t, conf).APIKey))
}
