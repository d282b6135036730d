package e2e

import (
	"bufio"
	"bytes"
	"debug/buildinfo"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/harness"
)

// validate runs `otelcol-jumpcloud validate` on config with the given extra environment.
func validate(t *testing.T, bin, config string, vars map[string]string, gates bool) (string, error) {
	t.Helper()
	args := []string{"--config", config}
	if gates {
		args = append(args, harness.FeatureGates)
	}
	return validateArgs(t, bin, vars, args...)
}

// validateArgs runs `otelcol-jumpcloud validate args...` with only vars (and PATH, HOME) in
// the environment.
func validateArgs(t *testing.T, bin string, vars map[string]string, args ...string) (string, error) {
	t.Helper()
	return runCommand(t, bin, vars, append([]string{"validate"}, args...)...)
}

// runCommand runs `otelcol-jumpcloud args...` with only vars (and PATH, HOME) in the
// environment and returns its combined output.
func runCommand(t *testing.T, bin string, vars map[string]string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), bin, args...)
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// validateVars are the variables otelcol-config.yaml requires, for `validate`.
func validateVars(t *testing.T) map[string]string {
	return map[string]string{
		"JUMPCLOUD_API_KEY":    apiKey,
		"SUMO_HTTP_SOURCE_URL": "https://endpoint.collection.sumologic.com/receiver/v1/http/" + sinkCode,
		"OTELCOL_STORAGE_DIR":  t.TempDir(),
	}
}

// editedCopy writes a copy of the file src with the first old replaced by replacement into a
// temporary directory (under src's name) and returns its path; old must be in src.
func editedCopy(t *testing.T, src, old, replacement string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	require.NoError(t, err)
	require.Contains(t, string(data), old, "the edit applies to %s", filepath.Base(src))
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	require.NoError(t, os.WriteFile(dst, []byte(strings.Replace(string(data), old, replacement, 1)), 0o600))
	return dst
}

// requireValidation asserts the outcome of a `validate` run: it passed when wantErr is empty,
// otherwise it failed with each of wantErr in its output; never a secret in the output.
func requireValidation(t *testing.T, out string, err error, wantErr ...string) {
	t.Helper()
	require.NotContains(t, out, apiKey)
	require.NotContains(t, out, sinkCode)
	if len(wantErr) == 0 {
		require.NoError(t, err, out)
		return
	}
	require.Error(t, err, "validation must fail")
	for _, w := range wantErr {
		require.Contains(t, out, w)
	}
}

// TestValidate: the shipped configuration validates with its required variables set; a
// configuration error is refused with a message naming the field (and never the secret).
func TestValidate(t *testing.T) {
	bin := collectorBinary(t)
	required := validateVars(t)
	without := func(name string) map[string]string {
		m := map[string]string{}
		for k, v := range required {
			if k != name {
				m[k] = v
			}
		}
		return m
	}
	with := func(name, value string) map[string]string {
		m := without(name)
		m[name] = value
		return m
	}
	const clientSecret = "e2e-client-secret-4b3a"
	plainSumoURL := "http://collectors.sumologic.example/receiver/v1/http/" + sinkCode
	serviceAccount := func(keep ...string) map[string]string {
		m := without("JUMPCLOUD_API_KEY")
		m["JUMPCLOUD_CLIENT_ID"], m["JUMPCLOUD_CLIENT_SECRET"], m["JUMPCLOUD_ORG_ID"] = "svc", clientSecret, "5f3e9d8c7b6a5f4e3d2c1b0a"
		for i := 0; i+1 < len(keep); i += 2 {
			m[keep[i]] = keep[i+1]
		}
		return m
	}

	tests := []struct {
		name    string
		edit    [2]string // replace edit[0] by edit[1] in the real configuration
		vars    map[string]string
		noGates bool
		wantErr []string // each must be in the output; nil: validation passes
	}{
		{name: "the shipped configuration", vars: required},
		{name: "a region and a service list from the environment", vars: with("JUMPCLOUD_SERVICE", "directory, sso")},
		{
			name: "an unknown receiver key", edit: [2]string{"    page_size: 10000", "    page_sise: 10000"},
			vars: required, wantErr: []string{"jumpclouddirectoryinsights", "invalid keys: page_sise"},
		},
		{
			name: "a page size out of range", edit: [2]string{"    page_size: 10000", "    page_size: 20000"},
			vars: required, wantErr: []string{"page_size: 20000 is out of range"},
		},
		{
			name: "an unknown exporter key", edit: [2]string{"    log_format: raw", "    log_fromat: raw"},
			vars: required, wantErr: []string{"sumologichttp", "invalid keys: log_fromat"},
		},
		{name: "no API key", vars: without("JUMPCLOUD_API_KEY"), wantErr: []string{"api_key: must be set"}},
		{name: "a service account instead of the API key", vars: serviceAccount()},
		{name: "a service account without org_id", vars: serviceAccount("JUMPCLOUD_ORG_ID", ""), wantErr: []string{"org_id: must be set with a service account"}},
		{name: "an API key and a service account", vars: serviceAccount("JUMPCLOUD_API_KEY", apiKey), wantErr: []string{"not both"}},
		{name: "no Sumo Logic URL", vars: without("SUMO_HTTP_SOURCE_URL"), wantErr: []string{"endpoint"}},
		{name: "an unknown region", vars: with("JUMPCLOUD_REGION", "mars"), wantErr: []string{"region"}},
		// Plain http:// to a host other than the loopback sends a credential in clear text:
		// refused for each component unless insecure_allow_plain_http says so.
		{
			name: "plain http to a remote API host", vars: with("JUMPCLOUD_ENDPOINT", "http://api.jumpcloud.example/"),
			wantErr: []string{"jumpclouddirectoryinsights", "endpoint: plain http:// to a host other than the loopback", "insecure_allow_plain_http: true"},
		},
		{
			name: "plain http to a remote token endpoint", vars: serviceAccount("JUMPCLOUD_TOKEN_ENDPOINT", "http://oauth.jumpcloud.example/oauth2/token"),
			wantErr: []string{"jumpclouddirectoryinsights", "token_endpoint: plain http:// to a host other than the loopback"},
		},
		{
			name: "plain http to a remote Sumo host", vars: with("SUMO_HTTP_SOURCE_URL", plainSumoURL),
			wantErr: []string{"sumologichttp", "endpoint: plain http:// to a host other than the loopback", "insecure_allow_plain_http: true"},
		},
		{
			name: "plain http to a remote API host, allowed", vars: with("JUMPCLOUD_ENDPOINT", "http://api.jumpcloud.example/"),
			edit: [2]string{"    timeout: 60s\n", "    timeout: 60s\n    insecure_allow_plain_http: true\n"},
		},
		{
			name: "plain http to a remote Sumo host, allowed", vars: with("SUMO_HTTP_SOURCE_URL", plainSumoURL),
			edit: [2]string{"    log_format: raw\n", "    log_format: raw\n    insecure_allow_plain_http: true\n"},
		},
		{name: "plain http to the loopback", vars: with("JUMPCLOUD_ENDPOINT", "http://127.0.0.1:8080/")},
		{
			name: "without the health_check feature gate", vars: required, noGates: true,
			wantErr: []string{"extension.healthcheck.useComponentStatus"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := configPath(t)
			if tt.edit[0] != "" {
				cfg = editedCopy(t, cfg, tt.edit[0], tt.edit[1])
			}
			out, err := validate(t, bin, cfg, tt.vars, !tt.noGates)
			require.NotContains(t, out, clientSecret)
			requireValidation(t, out, err, tt.wantErr...)
		})
	}
}

// Module path prefixes of the collector core and contrib.
const (
	coreModules    = "go.opentelemetry.io/collector"
	contribModules = "github.com/open-telemetry/opentelemetry-collector-contrib"
)

// olderProcessors are the components builder-config.yaml takes from an older contrib release
// than the rest of the distribution: transform and filter at v0.161.0, the newest whose sources
// (and those of the pkg/ottl they import) the Go module proxy serves.
var olderProcessors = []string{
	contribModules + "/processor/transformprocessor",
	contribModules + "/processor/filterprocessor",
}

// olderForProcessors are the modules the distribution may link at an older release than its
// own: the two processors and what only they link (their OTTL and its helpers), at the version
// they require. Nothing else may link them (checked from ./build, the generated module), and our
// packages do not: they link every module at the root go.mod's version. When transform and
// filter move to the distribution's release, this list goes (the test fails on a stale entry).
var olderForProcessors = map[string]string{
	contribModules + "/processor/transformprocessor": "v0.161.0",
	contribModules + "/processor/filterprocessor":    "v0.161.0",
	contribModules + "/pkg/ottl":                     "v0.161.0", // the OTTL of both processors
	contribModules + "/internal/filter":              "v0.161.0", // filter's matchers (filterottl, filterlog)
	contribModules + "/internal/pdatautil":           "v0.161.0", // used by pkg/ottl and internal/filter
	contribModules + "/pkg/pdatautil":                "v0.161.0", // used by pkg/ottl
}

// TestDistributionUsesRootModuleVersions: every module that our packages link is linked into
// the distribution at the version of the root go.mod (ocb's generated go.mod could resolve a
// newer one; builder-config.yaml pins them back with `replaces`). Every collector core and
// contrib module is at the distribution's release (the versions builder-config.yaml names),
// except olderForProcessors, which only the transform and filter processors link.
func TestDistributionUsesRootModuleVersions(t *testing.T) {
	bin := collectorBinary(t)
	info, err := buildinfo.ReadFile(bin)
	require.NoError(t, err)
	inBinary := map[string]string{}
	for _, d := range info.Deps {
		v := d.Version
		if d.Replace != nil {
			v = d.Replace.Version
		}
		inBinary[d.Path] = v
	}

	t.Run("our packages link the root go.mod's versions", func(t *testing.T) {
		ours := goListModules(t, repoRoot(t), "./receiver/...", "./exporter/...", "./confmap/...")
		for path, version := range ours {
			got, linked := inBinary[path]
			require.True(t, linked, "%s is used by our packages but not linked into the distribution", path)
			require.Equal(t, version, got, "%s: root go.mod has %s, the distribution links %s", path, version, got)
			_, older := olderForProcessors[path]
			require.False(t, older, "%s is used by our packages: it must be at the root go.mod's version, not in olderForProcessors", path)
		}
		require.Greater(t, len(ours), 20)
		t.Logf("%d modules linked at the root go.mod's versions", len(ours))
	})

	t.Run("collector modules at the distribution's release", func(t *testing.T) {
		core, contrib := releaseVersions(t)
		n := 0
		for path, got := range inBinary {
			releases := core
			if strings.HasPrefix(path, contribModules+"/") {
				releases = contrib
			} else if !strings.HasPrefix(path, coreModules+"/") {
				continue
			}
			n++
			if want, ok := olderForProcessors[path]; ok {
				require.Equal(t, want, got, "%s: olderForProcessors says %s, the distribution links %s", path, want, got)
				continue
			}
			require.Contains(t, releases, got, "%s at %s: not a release builder-config.yaml names (%v), nor in olderForProcessors", path, got, releases)
		}
		for path := range olderForProcessors {
			_, linked := inBinary[path]
			require.True(t, linked, "olderForProcessors lists %s, which the distribution no longer links: remove it", path)
		}
		t.Logf("%d collector modules: at %v (core) and %v (contrib), %d older for transform and filter", n, core, contrib, len(olderForProcessors))
	})

	t.Run("only transform and filter link the older modules", func(t *testing.T) {
		buildDir := filepath.Join(repoRoot(t), "build")
		imports := goList(t, buildDir, "{{join .Imports \"\\n\"}}", ".")
		var others []string
		for _, imp := range imports {
			if !slices.ContainsFunc(olderProcessors, func(p string) bool { return strings.HasPrefix(imp, p) }) {
				others = append(others, imp)
			}
		}
		require.Len(t, others, len(imports)-len(olderProcessors), "./build/components.go imports both processors")
		linked := goListModules(t, buildDir, others...)
		for path := range olderForProcessors {
			v, ok := linked[path]
			require.False(t, ok, "%s (%s) is linked by a component other than transform and filter", path, v)
		}
		t.Logf("%d other imports of ./build link none of the %d older modules", len(others), len(olderForProcessors))
	})
}

// releaseVersions are the versions builder-config.yaml names for collector core modules and
// for contrib modules (the olderProcessors left out).
func releaseVersions(t *testing.T) (core, contrib []string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "builder-config.yaml"))
	require.NoError(t, err)
	for _, m := range regexp.MustCompile(`(?m)^\s*- gomod: (\S+) (\S+)`).FindAllStringSubmatch(string(data), -1) {
		path, version := m[1], m[2]
		switch {
		case slices.Contains(olderProcessors, path):
		case strings.HasPrefix(path, contribModules+"/") && !slices.Contains(contrib, version):
			contrib = append(contrib, version)
		case strings.HasPrefix(path, coreModules+"/") && !slices.Contains(core, version):
			core = append(core, version)
		}
	}
	require.NotEmpty(t, core)
	require.NotEmpty(t, contrib)
	return core, contrib
}

// goListModules are the modules (path -> version) of the packages pkgs and their dependencies,
// listed in dir; the main module is left out.
func goListModules(t *testing.T, dir string, pkgs ...string) map[string]string {
	t.Helper()
	mods := map[string]string{}
	for _, line := range goList(t, dir, "{{with .Module}}{{.Path}} {{.Version}}{{end}}", append([]string{"-deps"}, pkgs...)...) {
		if path, version, ok := strings.Cut(line, " "); ok && version != "" {
			mods[path] = version
		}
	}
	return mods
}

// goList runs `go list -f format args...` in dir and returns its non-empty output lines.
func goList(t *testing.T, dir, format string, args ...string) []string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	require.NoError(t, err, "the go command lists the modules")
	_, err = os.Stat(filepath.Join(dir, "go.mod"))
	require.NoError(t, err, "%s/go.mod: run `make build` (ocb generates ./build)", dir)
	cmd := exec.CommandContext(t.Context(), goBin, append([]string{"list", "-f", format}, args...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if sc.Text() != "" {
			lines = append(lines, sc.Text())
		}
	}
	require.NoError(t, sc.Err())
	return lines
}
