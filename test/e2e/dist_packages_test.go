//go:build dist

package e2e

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/harness"
)

const storageDefault = "${env:OTELCOL_STORAGE_DIR:-./.run/storage}"

// requireInstalledConfig: the installed configuration is otelcol-config.yaml with the storage
// default under /var/lib/otelcol-jumpcloud, after a header of comments.
func requireInstalledConfig(t *testing.T, installed string) {
	t.Helper()
	orig := readRepoFile(t, "otelcol-config.yaml")
	require.Contains(t, orig, storageDefault)
	want := strings.ReplaceAll(orig, storageDefault, "${env:OTELCOL_STORAGE_DIR:-"+stateDir+"}")
	require.True(t, strings.HasSuffix(installed, want), "the installed configuration is otelcol-config.yaml with the storage under %s", stateDir)
	header := strings.TrimSuffix(installed, want)
	for line := range strings.Lines(header) {
		require.True(t, strings.HasPrefix(line, "#"), "the header is only comments: %q", line)
	}
}

// parseEnvFile reads NAME=value lines as systemd's EnvironmentFile= does for the simple cases
// the packaged file documents: comments (# or ;), blank lines, a value in double quotes.
func parseEnvFile(t *testing.T, content string) map[string]string {
	t.Helper()
	vars := map[string]string{}
	for line := range strings.Lines(content) {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		require.True(t, ok, "environment file line %q", line)
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		}
		vars[strings.TrimSpace(k)] = v
	}
	return vars
}

// envFileLines are vars as environment file lines (values with a space quoted).
func envFileLines(vars map[string]string) string {
	var b strings.Builder
	for k, v := range vars {
		if strings.ContainsAny(v, " \t") {
			v = `"` + v + `"`
		}
		fmt.Fprintf(&b, "%s=%s\n", k, v)
	}
	return b.String()
}

func requireMode(t *testing.T, path string, mode fs.FileMode, uid int) {
	t.Helper()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, mode, fi.Mode()&(fs.ModePerm|fs.ModeDir), path)
	assert.Equal(t, uint32(uid), fi.Sys().(*syscall.Stat_t).Uid, "owner of %s", path) //nolint:gosec // uids are small
}

// dpkgStatus is the package's dpkg status and version ("install ok installed 0.1.0-1"), empty
// when dpkg does not know it.
func dpkgStatus(t *testing.T) string {
	t.Helper()
	out, _ := exec.CommandContext(t.Context(), "dpkg-query", "-W", "-f=${Status} ${Version}", distName).Output()
	return strings.TrimSpace(string(out))
}

// nextPatch is version with its patch number plus one (1.2.3 -> 1.2.4).
func nextPatch(t *testing.T, version string) string {
	t.Helper()
	core, _, _ := strings.Cut(version, "-")
	parts := strings.Split(core, ".")
	require.Len(t, parts, 3, "version %s", version)
	n, err := strconv.Atoi(parts[2])
	require.NoError(t, err)
	return fmt.Sprintf("%s.%s.%d", parts[0], parts[1], n+1)
}

// TestDistDeb: the .deb installs here; its service, run as systemd would (the unit's
// ExecStart, as the unit's user, with the unit's environment file pointing at the simulator and
// the sink), delivers the backfill exactly once into the state directory; an upgrade keeps the
// edited configuration, the environment file and the checkpoint; removal keeps the checkpoint;
// purge deletes it.
func TestDistDeb(t *testing.T) {
	requireRoot(t)
	d := distArtifacts(t)
	st := dpkgStatus(t)
	require.False(t, strings.HasPrefix(st, "install ok"), "%s is installed on this machine (%s): this test installs and purges it; remove it first (dpkg -P %s)", distName, st, distName)
	_, err := os.Stat(stateDir)
	require.ErrorIs(t, err, fs.ErrNotExist, "%s exists: this test purges it; move it away first", stateDir)
	t.Cleanup(func() {
		if out, err := runErr(t, 2*time.Minute, "dpkg", "-P", distName); err != nil {
			t.Logf("dpkg -P %s: %v\n%s", distName, err, out)
		}
	})
	arch := runtime.GOARCH
	deb := d.path(d.deb(arch))

	out := run(t, 2*time.Minute, "dpkg", "-i", deb)
	assert.Contains(t, out, "set the credentials in "+envFilePath)
	assert.Equal(t, "install ok installed "+d.version+"-1", dpkgStatus(t))

	// The system user and the files.
	u, err := user.Lookup(serviceUser)
	require.NoError(t, err, "the package creates the system user")
	uid, err := strconv.Atoi(u.Uid)
	require.NoError(t, err)
	assert.Less(t, uid, 1000, "a system user")
	requireMode(t, "/usr/bin/"+distName, 0o755, 0)
	requireMode(t, confPath, 0o644, 0)
	requireMode(t, envFilePath, 0o600, 0)
	requireMode(t, unitPath, 0o644, 0)
	requireMode(t, stateDir, fs.ModeDir|0o750, uid)
	conffiles := run(t, time.Minute, "dpkg-query", "-W", "-f=${Conffiles}", distName)
	assert.Contains(t, conffiles, confPath)
	assert.Contains(t, conffiles, envFilePath)
	requireInstalledConfig(t, readFile(t, confPath))
	unit := readFile(t, unitPath)
	assert.Equal(t, readRepoFile(t, "packaging/otelcol-jumpcloud.service"), unit)
	assert.Equal(t, readRepoFile(t, "packaging/otelcol-jumpcloud.conf"), readFile(t, envFilePath))

	// systemd-analyze verify: unknown directives, a missing binary, bad values fail it.
	_, err = exec.LookPath("systemd-analyze")
	require.NoError(t, err, "systemd-analyze is missing: apt-get install systemd")
	out = run(t, time.Minute, "systemd-analyze", "verify", unitPath)
	assert.NotContains(t, out, distName+".service:", "systemd-analyze verify warns about the unit:\n%s", out)

	// The service as systemd starts it: the unit's ExecStart, User and EnvironmentFile.
	dir := unitDirectives(t, unit)
	exe := strings.Fields(dir["Service.ExecStart"][0])
	require.Equal(t, []string{"/usr/bin/" + distName, "--config", confPath, harness.FeatureGates}, exe)
	e := newEnv(t)
	now := time.Now()
	require.NoError(t, e.b.Sim.Generate(shutdownEvents, now.Add(-backfillSpan), now))
	want := expectedIDs(t, e.b.Sim)
	edited := readFile(t, envFilePath) + "\n# make dist-test: the simulator and the sink\n" + envFileLines(e.collectorEnv(apiKey, "all"))
	require.NoError(t, os.WriteFile(dir["Service.EnvironmentFile"][0], []byte(edited), 0o600))
	userName := dir["Service.User"][0]
	c := e.startCollector(harness.CollectorConfig{
		Binary:     exe[0],
		ConfigPath: exe[2],
		Env:        parseEnvFile(t, readFile(t, envFilePath)),
		// As systemd: the unit's user and group, no new privileges.
		Wrapper: []string{"setpriv", "--reuid=" + userName, "--regid=" + dir["Service.Group"][0], "--init-groups", "--no-new-privs", "--"},
	})
	waitDistinct(t, e.b.Sink, len(want), 2*time.Minute)
	waitSettled(t, e, c, 3)
	dl := e.checkDelivery(want)
	requireComplete(t, dl, len(want))
	require.Zero(t, dl.duplicates, "exactly once")
	status := readFile(t, fmt.Sprintf("/proc/%d/status", c.Pid()))
	assert.Regexp(t, fmt.Sprintf(`(?m)^Uid:\s+%d\s+%d\s+%d\s+%d$`, uid, uid, uid, uid), status, "runs as %s", serviceUser)
	assert.Regexp(t, `(?m)^NoNewPrivs:\s+1$`, status)
	require.NoError(t, c.Stop(20*time.Second))
	checkpoint := stateFiles(t, uid)

	// An upgrade (the same package at the next patch version) keeps the edited files.
	conf := readFile(t, confPath) + "# edited by make dist-test\n"
	require.NoError(t, os.WriteFile(confPath, []byte(conf), 0o644)) //nolint:gosec // the installed mode
	next := nextPatch(t, d.version)
	upgrade := packageVersion(t, deb, next, arch)
	run(t, 2*time.Minute, "dpkg", "-i", upgrade)
	assert.Equal(t, "install ok installed "+next+"-1", dpkgStatus(t))
	assert.Equal(t, conf, readFile(t, confPath), "an upgrade keeps the edited configuration")
	assert.Equal(t, edited, readFile(t, envFilePath), "an upgrade keeps the environment file")
	requireMode(t, envFilePath, 0o600, 0)
	assert.Equal(t, checkpoint, stateFiles(t, uid), "an upgrade keeps the checkpoint")

	// Removal keeps the checkpoint (and the conffiles); purge deletes both.
	run(t, 2*time.Minute, "dpkg", "-r", distName)
	_, err = os.Stat("/usr/bin/" + distName)
	require.ErrorIs(t, err, fs.ErrNotExist, "dpkg -r removes the binary")
	assert.Equal(t, checkpoint, stateFiles(t, uid), "dpkg -r keeps the checkpoint")
	assert.Equal(t, edited, readFile(t, envFilePath), "dpkg -r keeps the conffiles")
	run(t, 2*time.Minute, "dpkg", "-P", distName)
	for _, p := range []string{stateDir, "/etc/" + distName} {
		_, err = os.Stat(p)
		require.ErrorIs(t, err, fs.ErrNotExist, "dpkg -P deletes %s", p)
	}
	st = dpkgStatus(t)
	assert.NotContains(t, st, "installed", "purged")
	assert.NotContains(t, st, "config-files", "purged")
}

// stateFiles are the names of the files in the state directory (the checkpoint), each owned by
// the service user.
func stateFiles(t *testing.T, uid int) []string {
	t.Helper()
	entries, err := os.ReadDir(stateDir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		requireMode(t, filepath.Join(stateDir, e.Name()), fileMode(t, filepath.Join(stateDir, e.Name())), uid)
	}
	require.NotEmpty(t, names, "file_storage wrote the checkpoint into %s", stateDir)
	return names
}

func fileMode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	return fi.Mode() & (fs.ModePerm | fs.ModeDir)
}

// packageVersion packages, with nfpm and packaging/nfpm.yaml, the binary and configuration of
// deb (extracted from it) as version: an upgrade of the same content.
func packageVersion(t *testing.T, deb, version, arch string) string {
	t.Helper()
	nfpm := os.Getenv("NFPM")
	require.NotEmpty(t, nfpm, "NFPM (the nfpm binary) is not set: run make dist-test")
	tmp := t.TempDir()
	run(t, time.Minute, "dpkg-deb", "-x", deb, filepath.Join(tmp, "root"))
	out := filepath.Join(tmp, "out")
	require.NoError(t, os.MkdirAll(out, 0o750))
	cmd := exec.CommandContext(t.Context(), nfpm, "package", "--config", "packaging/nfpm.yaml", "--packager", "deb", "--target", out+"/")
	cmd.Dir = repoRoot(t)
	cmd.Env = append(os.Environ(), "VERSION="+version, "ARCH="+arch,
		"BINARY="+filepath.Join(tmp, "root/usr/bin", distName), "CONFIG="+filepath.Join(tmp, "root", confPath))
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "nfpm:\n%s", b)
	matches, err := filepath.Glob(filepath.Join(out, "*.deb"))
	require.NoError(t, err)
	require.Len(t, matches, 1)
	return matches[0]
}

// TestDistRPM: each .rpm holds the same files as the .deb (the environment file 0600, both
// configuration files %config(noreplace)) and the packaging scripts (rpm -qlp --scripts).
func TestDistRPM(t *testing.T) {
	d := distArtifacts(t)
	_, err := exec.LookPath("rpm")
	require.NoError(t, err, "rpm is missing: apt-get install rpm")
	for _, arch := range distLinuxArches {
		t.Run(arch, func(t *testing.T) {
			rpm := d.path(d.rpm(arch))
			out := run(t, time.Minute, "rpm", "-qp", "--queryformat", "[%{FILENAMES} %{FILEMODES:perms} %{FILEUSERNAME} %{FILEFLAGS:fflags}\n]", rpm)
			got := map[string]string{}
			for line := range strings.Lines(out) {
				f := strings.Fields(line)
				require.GreaterOrEqual(t, len(f), 3, "rpm line %q", line)
				got[f[0]] = strings.Join(f[1:], " ")
			}
			assert.Equal(t, map[string]string{
				"/usr/bin/" + distName: "-rwxr-xr-x root",
				"/etc/" + distName:     "drwxr-xr-x root",
				confPath:               "-rw-r--r-- root cn",
				envFilePath:            "-rw------- root cn",
				unitPath:               "-rw-r--r-- root",
			}, got)
			out = run(t, time.Minute, "rpm", "-qlp", "--scripts", rpm)
			for _, s := range []struct{ scriptlet, file string }{
				{"preinstall", "preinstall.sh"}, {"postinstall", "postinstall.sh"},
				{"preuninstall", "preremove.sh"}, {"postuninstall", "postremove.sh"},
			} {
				assert.Contains(t, out, s.scriptlet+" scriptlet")
				assert.Contains(t, out, strings.TrimSpace(readRepoFile(t, "packaging/scripts/"+s.file)), "the rpm's %s is packaging/scripts/%s", s.scriptlet, s.file)
			}
			for p := range got {
				assert.Contains(t, out, p+"\n", "rpm -qlp lists %s", p)
			}
			assert.Equal(t, rpmArch[arch], run(t, time.Minute, "rpm", "-qp", "--queryformat", "%{ARCH}", rpm))
		})
	}
}
