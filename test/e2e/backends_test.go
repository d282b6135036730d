package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// backendRecipe is one examples/backend-*.yaml (docs/backends.md) and the exporters of its
// JumpCloud pipeline that this distribution does not have (builder-config.yaml); those are
// validated by the custom collector of examples/ocb (TestOCBCustomCollector) when it has them.
type backendRecipe struct {
	file    string
	foreign []string // exporter ids not in this distribution
}

// backendRecipes are all of examples/backend-*.yaml (TestBackendRecipesValidate fails when a
// file is missing from the list).
var backendRecipes = []backendRecipe{
	{file: "backend-sumo-siem.yaml"},
	{file: "backend-otlp.yaml"},
	{file: "backend-elastic-ecs.yaml", foreign: []string{"elasticsearch"}},
	{file: "backend-elastic-integration.yaml", foreign: []string{"elasticsearch"}},
	{file: "backend-splunk-ocsf.yaml", foreign: []string{"splunk_hec"}},
	{file: "backend-security-lake-ocsf.yaml", foreign: []string{"awss3"}},
	{file: "backend-kafka-ocsf.yaml", foreign: []string{"kafka"}},
	{file: "backend-sentinel.yaml", foreign: []string{"azure_monitor"}},
}

// backendVars are the variables the recipes require, dummy values, for `validate`.
func backendVars(t *testing.T) map[string]string {
	vars := validateVars(t) // JUMPCLOUD_API_KEY, SUMO_HTTP_SOURCE_URL, OTELCOL_STORAGE_DIR
	for k, v := range map[string]string{
		"OTLP_ENDPOINT":                         "https://otlp.example.com:4318",
		"OTLP_TOKEN":                            "e2e-otlp-token",
		"ELASTICSEARCH_ENDPOINT":                "https://elasticsearch.example.com:9200",
		"ELASTICSEARCH_API_KEY":                 "ZTJlOmUyZQ==",
		"SPLUNK_HEC_ENDPOINT":                   "https://splunk.example.com:8088",
		"SPLUNK_HEC_TOKEN":                      "00000000-0000-0000-0000-000000000000",
		"APPLICATIONINSIGHTS_CONNECTION_STRING": "InstrumentationKey=00000000-0000-0000-0000-000000000000",
		"AWS_REGION":                            "us-east-1",
		"S3_BUCKET":                             "e2e-jumpcloud-ocsf",
		"KAFKA_BROKER":                          "127.0.0.1:9092",
	} {
		vars[k] = v
	}
	return vars
}

// readRecipe decodes examples/<file> (a YAML map, with the ${env:...} references as text).
func readRecipe(t *testing.T, file string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(examplePath(t, file))
	require.NoError(t, err)
	var cfg map[string]any
	require.NoError(t, yaml.Unmarshal(data, &cfg), "%s is not YAML", file)
	return cfg
}

// mapAt is the map at path in cfg (failing the test when it is not one).
func mapAt(t *testing.T, cfg map[string]any, path ...string) map[string]any {
	t.Helper()
	cur := cfg
	for _, key := range path {
		next, ok := cur[key].(map[string]any)
		require.True(t, ok, "%s is not a map", strings.Join(path, "."))
		cur = next
	}
	return cur
}

// jumpcloudPipelines are the ids of the pipelines with the jumpclouddirectoryinsights receiver.
func jumpcloudPipelines(t *testing.T, cfg map[string]any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for id, p := range mapAt(t, cfg, "service", "pipelines") {
		pipeline, ok := p.(map[string]any)
		require.True(t, ok, "pipeline %s", id)
		for _, r := range pipeline["receivers"].([]any) {
			if r == "jumpclouddirectoryinsights" || strings.HasPrefix(r.(string), "jumpclouddirectoryinsights/") {
				out[id] = pipeline
			}
		}
	}
	return out
}

// withDebugExporter writes a copy of the recipe where each exporter of foreign is replaced by
// the debug exporter, in its definition and in the pipelines: what is left (receiver settings,
// processors and their statements, extensions, pipelines, the batch guard) is then validated by
// this distribution. The exporters' own options are checked against their sources instead.
func withDebugExporter(t *testing.T, cfg map[string]any, foreign []string) string {
	t.Helper()
	exporters := mapAt(t, cfg, "exporters")
	for _, id := range foreign {
		require.Contains(t, exporters, id, "the recipe defines the exporter %s", id)
		delete(exporters, id)
	}
	exporters["debug"] = map[string]any{"verbosity": "basic"}
	for _, p := range mapAt(t, cfg, "service", "pipelines") {
		pipeline := p.(map[string]any)
		ids, _ := pipeline["exporters"].([]any)
		var kept []any
		for _, id := range ids {
			if !slices.Contains(foreign, id.(string)) {
				kept = append(kept, id)
			}
		}
		pipeline["exporters"] = append(kept, "debug")
	}
	return writeConfig(t, cfg)
}

// writeConfig writes cfg as YAML into a temporary file and returns its path.
func writeConfig(t *testing.T, cfg map[string]any) string {
	t.Helper()
	data, err := yaml.Marshal(cfg)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "recipe.yaml")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

// TestBackendRecipesValidate: every examples/backend-*.yaml is listed in backendRecipes and
// follows the distribution's rules (the receiver's checkpoint in file_storage, no batch in the
// JumpCloud pipeline, each of its exporters delivering before the receiver commits: no
// sending_queue, or a persistent one); a recipe whose exporters are all in this distribution
// passes `validate` as it is; one with other exporters passes it with those replaced by debug
// (TestOCBCustomCollector validates the awss3 and kafka recipes as they are, with a custom
// collector); a batch processor added to a recipe's JumpCloud pipeline is refused.
func TestBackendRecipesValidate(t *testing.T) {
	bin := collectorBinary(t)
	vars := backendVars(t)

	files, err := filepath.Glob(examplePath(t, "backend-*.yaml"))
	require.NoError(t, err)
	var listed []string
	for _, r := range backendRecipes {
		listed = append(listed, r.file)
	}
	for _, f := range files {
		require.Contains(t, listed, filepath.Base(f), "a recipe without a test: add it to backendRecipes")
	}

	for _, r := range backendRecipes {
		t.Run(r.file, func(t *testing.T) {
			cfg := readRecipe(t, r.file)
			receiver := mapAt(t, cfg, "receivers", "jumpclouddirectoryinsights")
			require.Equal(t, "file_storage", receiver["storage"], "the receiver keeps its checkpoint in file_storage")
			require.Contains(t, mapAt(t, cfg, "extensions"), "file_storage")
			pipelines := jumpcloudPipelines(t, cfg)
			require.NotEmpty(t, pipelines, "a pipeline with the JumpCloud receiver")
			exporters := mapAt(t, cfg, "exporters")
			for id, p := range pipelines {
				for _, proc := range p["processors"].([]any) {
					require.NotRegexp(t, `^batch(/|$)`, proc, "pipeline %s: no batch with the JumpCloud receiver", id)
				}
				for _, exp := range p["exporters"].([]any) {
					e, ok := exporters[exp.(string)].(map[string]any)
					require.True(t, ok, "exporter %s is defined", exp)
					q, ok := e["sending_queue"].(map[string]any)
					require.True(t, ok, "exporter %s: sending_queue is explicit (the defaults of most exporters are an in-memory queue, which acknowledges before delivery)", exp)
					if q["enabled"] != false {
						require.Equal(t, "file_storage", q["storage"], "exporter %s: a sending queue must be persistent (storage: file_storage)", exp)
					}
				}
			}

			path := examplePath(t, r.file)
			if len(r.foreign) > 0 {
				path = withDebugExporter(t, cfg, r.foreign)
			}
			out, err := validateArgs(t, bin, vars, "--config", path)
			requireValidation(t, out, err)

			// The batch guard refuses batch in the recipe's JumpCloud pipeline.
			mapAt(t, cfg, "processors")["batch"] = map[string]any{}
			var wantErr []string
			for id, p := range pipelines {
				p["processors"] = append(p["processors"].([]any), "batch")
				wantErr = append(wantErr, batchError(id))
			}
			out, err = validateArgs(t, bin, vars, "--config", writeConfig(t, cfg))
			requireValidation(t, out, err, wantErr...)
		})
	}
}
