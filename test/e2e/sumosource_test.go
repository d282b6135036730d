package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/sumosink"
)

// sumoSourceTestdata is the provider's testdata: the hosted source's documented JSON example (hosted-source-example.json)
// and broken definitions.
func sumoSourceTestdata(t *testing.T, name string) string {
	return filepath.Join(repoRoot(t), "confmap", "provider", "sumosourceprovider", "testdata", name)
}

// sumoSourceKey is the API key of the provider's testdata files other than the documented example.
const sumoSourceKey = "sumosource-test-secret-key-4d5e6f"

// TestSumoSourceValidate: `validate --config otelcol-config.yaml --config sumosource:FILE`
// passes with the hosted source's documented JSON example (the API key comes from the file, JUMPCLOUD_API_KEY is
// not set) and fails for a broken file, naming the file and the parameter, never the key.
func TestSumoSourceValidate(t *testing.T) {
	bin := collectorBinary(t)
	vars := map[string]string{
		"SUMO_HTTP_SOURCE_URL": "https://endpoint.collection.sumologic.com/receiver/v1/http/" + sinkCode,
		"OTELCOL_STORAGE_DIR":  t.TempDir(),
	}
	tests := []struct {
		file    string
		wantErr string // "": validation passes
	}{
		{file: "hosted-source-example.json"},
		{file: "with-fields.json"},
		{file: "invalid-json.json", wantErr: "not valid JSON at line 14, column 13"},
		{file: "wrong-schema-type.json", wantErr: `source.schemaRef.type: "Okta" is not a JumpCloud Directory Insights source`},
		{file: "wrong-source-type.json", wantErr: `source.sourceType: "HTTP" is not the JumpCloud Directory Insights source's`},
		{file: "missing-api-key.json", wantErr: "source.config.apiKey: required parameter is missing"},
		{file: "unknown-parameter.json", wantErr: "source.config.pollingInterval: unknown parameter"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			uri := "sumosource:" + sumoSourceTestdata(t, tt.file)
			out, err := validateArgs(t, bin, vars, "--config", configPath(t), "--config", uri, "--feature-gates=+extension.healthcheck.useComponentStatus")
			require.NotContains(t, out, sumoSourceKey)
			require.NotContains(t, out, "ebf7b9d6e1")
			require.NotContains(t, out, sinkCode)
			if tt.wantErr == "" {
				require.NoError(t, err, out)
				return
			}
			require.Error(t, err, "validation must fail")
			require.Contains(t, out, uri+": "+tt.wantErr)
		})
	}
}

// TestSumoSourceRun: the hosted source's documented JSON example, with the simulator's key and organization in
// place of its masked ones and fields added as a user would, runs the distribution through
// sumosource:. Every event arrives with the JSON's name, category and fields (merged with the
// YAML's), none of the YAML's environment values, and every request sends the JSON's org id.
func TestSumoSourceRun(t *testing.T) {
	e := newEnv(t)
	now := time.Now()
	require.NoError(t, e.b.Sim.Generate(3000, now.Add(-time.Hour), now))
	want := expectedIDs(t, e.b.Sim)

	example, err := os.ReadFile(sumoSourceTestdata(t, "hosted-source-example.json"))
	require.NoError(t, err)
	var def map[string]any
	require.NoError(t, json.Unmarshal(example, &def))
	cfg := def["source"].(map[string]any)["config"].(map[string]any)
	cfg["apiKey"] = apiKey
	cfg["orgID"] = e.b.Sim.OrgID()
	cfg["fields"] = map[string]any{"_siemForward": true, "team": "secops"}
	data, err := json.MarshalIndent(def, "", "    ")
	require.NoError(t, err)
	source := filepath.Join(e.dir, "source.json")
	require.NoError(t, os.WriteFile(source, data, 0o600))

	vars := e.collectorEnv("", "all") // no JUMPCLOUD_API_KEY: the key is the file's
	delete(vars, "JUMPCLOUD_API_KEY")
	c := e.startWith(configPath(t), filepath.Join(e.dir, "storage"), vars, "--config", "sumosource:"+source)
	waitDistinct(t, e.b.Sink, len(want), time.Minute)

	d := checkMessages(t, e.b.Sink.Messages(), want, sumosink.Metadata{
		Name:     cfg["name"].(string),     // "JumpCloud Directory Insights"
		Category: cfg["category"].(string), // "jumpcloud-directory-insights", not SUMO_SOURCE_CATEGORY
		// The hosted source's "Forward to SIEM" (_siemForward) brings Cloud SIEM's JumpCloud parser.
		Fields: map[string]string{"_siemForward": "true", "_parser": siemParser, "team": "secops", "vendor": "jumpcloud"},
	})
	requireComplete(t, d, len(want))
	require.Zero(t, d.duplicates)

	reqs := e.b.Sim.Requests()
	require.NotEmpty(t, reqs)
	for _, r := range reqs {
		require.Equal(t, []string{e.b.Sim.OrgID()}, r.OrgIDs, "x-org-id from the JSON's orgID")
	}
	h, err := c.Health(t.Context())
	require.NoError(t, err)
	require.Equal(t, "Collecting", h.Receiver.SourceState(), "health: %s", h)
	log, err := os.ReadFile(e.logs[0])
	require.NoError(t, err)
	require.Contains(t, string(log), "Receiver configured from a Sumo Logic source definition")
}
