package e2e

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The packaging files (packaging/, Containerfile) checked against the configuration and the
// README, without building anything: a variable added to one and not the others, or a
// hardening line dropped from the unit, fails here (make test). make dist-test tries the built
// packages and image (dist_*_test.go).

const (
	serviceUser = "otelcol-jumpcloud"
	stateDir    = "/var/lib/otelcol-jumpcloud"
	unitPath    = "/usr/lib/systemd/system/otelcol-jumpcloud.service"
	envFilePath = "/etc/otelcol-jumpcloud/otelcol-jumpcloud.conf"
	confPath    = "/etc/otelcol-jumpcloud/config.yaml"
)

func readRepoFile(t *testing.T, rel string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), rel))
	require.NoError(t, err)
	return string(data)
}

// readmeEnvVars are the variables of the README's environment table (its first column).
func readmeEnvVars(t *testing.T) []string {
	t.Helper()
	readme := readRepoFile(t, "README.md")
	_, table, ok := strings.Cut(readme, "| variable | default | meaning |")
	require.True(t, ok, "README.md: the environment table (| variable | default | meaning |) is gone")
	table, _, _ = strings.Cut(table, "\n\n")
	name := regexp.MustCompile("`([A-Z][A-Z0-9_]+)`")
	var vars []string
	for line := range strings.Lines(table) {
		cols := strings.Split(line, "|")
		if len(cols) < 2 {
			continue
		}
		for _, m := range name.FindAllStringSubmatch(cols[1], -1) {
			vars = append(vars, m[1])
		}
	}
	require.Greater(t, len(vars), 10, "README.md: the environment table has too few variables")
	return vars
}

// TestEnvFileListsEveryVariable: the packages' environment file names, commented out, every
// variable of the README's table and every ${env:...} of otelcol-config.yaml.
func TestEnvFileListsEveryVariable(t *testing.T) {
	envFile := readRepoFile(t, "packaging/otelcol-jumpcloud.conf")
	vars := readmeEnvVars(t)
	ref := regexp.MustCompile(`\$\{env:([A-Z][A-Z0-9_]*)`)
	for line := range strings.Lines(readRepoFile(t, "otelcol-config.yaml")) {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue // comments name ${env:NAME:-default} as an example
		}
		for _, m := range ref.FindAllStringSubmatch(line, -1) {
			vars = append(vars, m[1])
		}
	}
	for _, v := range vars {
		assert.Regexp(t, "(?m)^#"+v+"=", envFile, "packaging/otelcol-jumpcloud.conf: %s is missing (as a commented #%s=... line)", v, v)
	}
	sc := bufio.NewScanner(strings.NewReader(envFile))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		assert.True(t, line == "" || strings.HasPrefix(line, "#"), "packaging/otelcol-jumpcloud.conf sets %q: every line must be a comment", line)
	}
}

// unitDirectives are the NAME=value lines of a systemd unit, by section ("Service.User").
func unitDirectives(t *testing.T, unit string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	section := ""
	for line := range strings.Lines(unit) {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
		default:
			k, v, ok := strings.Cut(line, "=")
			require.True(t, ok, "unit line %q", line)
			out[section+"."+k] = append(out[section+"."+k], v)
		}
	}
	return out
}

// TestSystemdUnit: the unit runs the installed binary with the installed configuration and the
// feature gate as the service user, reads the environment file, keeps its state in the state
// directory and is hardened.
func TestSystemdUnit(t *testing.T) {
	d := unitDirectives(t, readRepoFile(t, "packaging/otelcol-jumpcloud.service"))
	tests := []struct{ key, want string }{
		{"Service.ExecStart", "/usr/bin/otelcol-jumpcloud --config " + confPath + " --feature-gates=+extension.healthcheck.useComponentStatus"},
		{"Service.User", serviceUser},
		{"Service.Group", serviceUser},
		{"Service.EnvironmentFile", envFilePath},
		{"Service.StateDirectory", "otelcol-jumpcloud"},
		{"Service.Restart", "on-failure"},
		{"Service.NoNewPrivileges", "yes"},
		{"Service.ProtectSystem", "strict"},
		{"Service.ProtectHome", "yes"},
		{"Service.PrivateTmp", "yes"},
		{"Service.CapabilityBoundingSet", ""},
		{"Install.WantedBy", "multi-user.target"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			assert.Equal(t, []string{tt.want}, d[tt.key])
		})
	}
}
