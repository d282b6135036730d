package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const mod = "github.com/otelcol-jumpcloud/otelcol-jumpcloud"

// bom is a cyclonedx-gomod bin SBOM in miniature: the main component, our module as the build
// info records its local replacement, one other module, and the dependency graph.
const bom = `{"bomFormat": "CycloneDX", "specVersion": "1.6",
 "components": [
  {"bom-ref": "pkg:golang/../@(devel)?type=module", "name": "../", "version": "(devel)",
   "purl": "pkg:golang/../@(devel)?goarch=arm64&goos=linux&type=module"},
  {"bom-ref": "pkg:golang/go.opentelemetry.io/collector/otelcol@v0.165.0?type=module",
   "name": "go.opentelemetry.io/collector/otelcol", "version": "v0.165.0"}],
 "dependencies": [
  {"ref": "main", "dependsOn": ["pkg:golang/../@(devel)?type=module", "pkg:golang/go.opentelemetry.io/collector/otelcol@v0.165.0?type=module"]},
  {"ref": "pkg:golang/../@(devel)?type=module", "dependsOn": ["pkg:golang/go.opentelemetry.io/collector/otelcol@v0.165.0?type=module"]}]}`

type component struct {
	Ref     string `json:"bom-ref"`
	Name    string `json:"name"`
	Version string `json:"version"`
	Purl    string `json:"purl"`
}

type doc struct {
	Components   []component `json:"components"`
	Dependencies []struct {
		Ref       string   `json:"ref"`
		DependsOn []string `json:"dependsOn"`
	} `json:"dependencies"`
}

func TestRewrite(t *testing.T) {
	out, err := rewrite([]byte(bom), mod, "v0.1.0", "../")
	require.NoError(t, err)
	var d doc
	require.NoError(t, json.Unmarshal(out, &d))
	ref := "pkg:golang/" + mod + "@v0.1.0?type=module"
	assert.Equal(t, component{Ref: ref, Name: mod, Version: "v0.1.0",
		Purl: "pkg:golang/" + mod + "@v0.1.0?goarch=arm64&goos=linux&type=module"}, d.Components[0])
	assert.Equal(t, "go.opentelemetry.io/collector/otelcol", d.Components[1].Name, "other components unchanged")
	assert.Equal(t, ref, d.Dependencies[0].DependsOn[0])
	assert.Equal(t, ref, d.Dependencies[1].Ref)
	assert.Contains(t, string(out), "=> ../", "no HTML escaping")
}

func TestRewriteRefuses(t *testing.T) {
	tests := []struct {
		name, bom, want string
	}{
		{"not JSON", `{`, "not JSON"},
		{"not CycloneDX", `{"bomFormat": "SPDX"}`, "not a CycloneDX SBOM"},
		{"no replacement", `{"bomFormat": "CycloneDX", "components": [{"name": "x", "version": "v1.0.0"}]}`, `no component named "../"`},
		{"twice", `{"bomFormat": "CycloneDX", "components": [{"name": "../"}, {"name": "../"}]}`, "more than one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rewrite([]byte(tt.bom), mod, "v0.1.0", "../")
			require.ErrorContains(t, err, tt.want)
		})
	}
}
