package e2e

import (
	"bufio"
	"bytes"
	"debug/buildinfo"
	"os"
	"os/exec"
	"path/filepath"
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

// TestValidate: the shipped configuration validates with its required variables set; a
// configuration error is refused with a message naming the field (and never the secret).
func TestValidate(t *testing.T) {
	bin := collectorBinary(t)
	shipped, err := os.ReadFile(configPath(t))
	require.NoError(t, err)
	required := map[string]string{
		"JUMPCLOUD_API_KEY":    apiKey,
		"SUMO_HTTP_SOURCE_URL": "https://endpoint.collection.sumologic.com/receiver/v1/http/" + sinkCode,
		"OTELCOL_STORAGE_DIR":  t.TempDir(),
	}
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
				require.Contains(t, string(shipped), tt.edit[0], "the edit applies to otelcol-config.yaml")
				cfg = filepath.Join(t.TempDir(), "config.yaml")
				require.NoError(t, os.WriteFile(cfg, []byte(strings.Replace(string(shipped), tt.edit[0], tt.edit[1], 1)), 0o600))
			}
			out, err := validate(t, bin, cfg, tt.vars, !tt.noGates)
			require.NotContains(t, out, apiKey)
			require.NotContains(t, out, sinkCode)
			require.NotContains(t, out, clientSecret)
			if tt.wantErr == nil {
				require.NoError(t, err, out)
				return
			}
			require.Error(t, err, "validation must fail")
			for _, w := range tt.wantErr {
				require.Contains(t, out, w)
			}
		})
	}
}

// TestDistributionUsesRootModuleVersions: every module that our packages link is linked into
// the distribution at the version of the root go.mod (ocb's generated go.mod could resolve a
// newer one; builder-config.yaml pins them back with `replaces`).
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

	goBin, err := exec.LookPath("go")
	require.NoError(t, err, "the go command lists the root module's versions")
	cmd := exec.CommandContext(t.Context(), goBin, "list", "-deps", "-f", "{{with .Module}}{{.Path}} {{.Version}}{{end}}",
		"./receiver/...", "./exporter/...", "./confmap/...")
	cmd.Dir = repoRoot(t)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, stderr.String())

	checked := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		path, version, ok := strings.Cut(sc.Text(), " ")
		if !ok || version == "" || checked[path] { // our own module, or seen
			continue
		}
		got, linked := inBinary[path]
		require.True(t, linked, "%s is used by our packages but not linked into the distribution", path)
		require.Equal(t, version, got, "%s: root go.mod has %s, the distribution links %s", path, version, got)
		checked[path] = true
	}
	require.Greater(t, len(checked), 20)
	t.Logf("%d modules linked at the root go.mod's versions", len(checked))
}
