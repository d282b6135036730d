// Command sbomlocal names our own module in a CycloneDX SBOM made by `cyclonedx-gomod bin`
// (make dist, packaging/dist.sh).
//
// The distribution is built from this repository's working tree: the generated module replaces
// github.com/otelcol-jumpcloud/otelcol-jumpcloud with ../, and the binary's build info records that
// replacement as the module "../" at version "(devel)". cyclonedx-gomod lists it under that name,
// so a reader of the SBOM would not find our module. sbomlocal renames that one component (and
// every reference to it) to the module path at the release version, with a property saying it
// was built from a local directory. Anything else is left as cyclonedx-gomod wrote it. It fails
// when the SBOM has no such component, or more than one.
//
//	sbomlocal -module github.com/otelcol-jumpcloud/otelcol-jumpcloud -version v0.1.0 -replaced ../ FILE.cdx.json
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"
)

func main() {
	module := flag.String("module", "", "module path of the locally replaced module")
	version := flag.String("version", "", "its release version (v1.2.3)")
	replaced := flag.String("replaced", "../", "the replacement directory recorded in the build info")
	flag.Parse()
	if *module == "" || !strings.HasPrefix(*version, "v") || flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: sbomlocal -module PATH -version vX.Y.Z [-replaced DIR] FILE.cdx.json")
		os.Exit(2)
	}
	if err := rewriteFile(flag.Arg(0), *module, *version, *replaced); err != nil {
		fmt.Fprintln(os.Stderr, "sbomlocal:", err)
		os.Exit(1)
	}
}

func rewriteFile(path, module, version, replaced string) error {
	data, err := os.ReadFile(path) //nolint:gosec // G304: the SBOM named on the command line
	if err != nil {
		return err
	}
	out, err := rewrite(data, module, version, replaced)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, out, 0o644) //nolint:gosec // a release artifact, world-readable like the others
}

// rewrite renames the component of the local replacement in the CycloneDX JSON bom.
func rewrite(bom []byte, module, version, replaced string) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(bom, &doc); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if doc["bomFormat"] != "CycloneDX" {
		return nil, errors.New("not a CycloneDX SBOM (bomFormat)")
	}
	comps, _ := doc["components"].([]any)
	var hit map[string]any
	for _, c := range comps {
		m, _ := c.(map[string]any)
		if m["name"] == replaced {
			if hit != nil {
				return nil, fmt.Errorf("more than one component named %q", replaced)
			}
			hit = m
		}
	}
	if hit == nil {
		return nil, fmt.Errorf("no component named %q (the local replacement of %s): did the build change?", replaced, module)
	}
	oldRef, _ := hit["bom-ref"].(string)
	newRef := "pkg:golang/" + module + "@" + version + "?type=module"
	hit["name"] = module
	hit["version"] = version
	hit["bom-ref"] = newRef
	hit["purl"] = purl(hit["purl"], module, version)
	props, _ := hit["properties"].([]any)
	hit["properties"] = append(props, map[string]any{
		"name":  "otelcol-jumpcloud:source",
		"value": "built from the repository's working tree (replace " + module + " => " + replaced + ")",
	})
	// References to the component: the dependency graph.
	deps, _ := doc["dependencies"].([]any)
	for _, d := range deps {
		m, _ := d.(map[string]any)
		if m["ref"] == oldRef {
			m["ref"] = newRef
		}
		on, _ := m["dependsOn"].([]any)
		for i, r := range on {
			if r == oldRef {
				on[i] = newRef
			}
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // as cyclonedx-gomod writes it: "=>" and "&" stay readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// purl is the package URL of module@version with the qualifiers (goos, goarch, ...) of old.
func purl(old any, module, version string) string {
	p := "pkg:golang/" + module + "@" + version
	s, _ := old.(string)
	if _, q, ok := strings.Cut(s, "?"); ok {
		if vals, err := url.ParseQuery(q); err == nil {
			return p + "?" + vals.Encode()
		}
	}
	return p + "?type=module"
}
