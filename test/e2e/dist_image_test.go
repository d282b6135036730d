//go:build dist

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/harness"
)

// imageUID is the image's user (Containerfile USER).
const imageUID = 10001

// usePodman makes podman use packaging/containers.conf (runc, no default ulimits: they cannot
// be set on every machine) unless CONTAINERS_CONF names another.
func usePodman(t *testing.T) {
	t.Helper()
	requireRoot(t)
	if os.Getenv("CONTAINERS_CONF") == "" {
		t.Setenv("CONTAINERS_CONF", filepath.Join(repoRoot(t), "packaging", "containers.conf"))
	}
}

// podman runs podman with runc (usePodman first).
func podman(t *testing.T, args ...string) string {
	t.Helper()
	return run(t, 3*time.Minute, "podman", append([]string{"--runtime", "runc"}, args...)...)
}

// loadImage loads an image archive and returns its name; it is removed at the end of the test.
func loadImage(t *testing.T, archive string) string {
	t.Helper()
	out := podman(t, "load", "-i", archive)
	m := regexp.MustCompile(`Loaded image(?:\(s\))?: (\S+)`).FindStringSubmatch(out)
	require.NotNil(t, m, "podman load:\n%s", out)
	t.Cleanup(func() {
		if out, err := runErr(t, time.Minute, "podman", "--runtime", "runc", "rmi", "-f", m[1]); err != nil {
			t.Logf("podman rmi %s: %v\n%s", m[1], err, out)
		}
	})
	return m[1]
}

// imageConfig is the part of `podman image inspect` the test reads.
type imageConfig struct {
	Architecture string `json:"Architecture"`
	Os           string `json:"Os"`
	Config       struct {
		User       string              `json:"User"`
		Env        []string            `json:"Env"`
		Entrypoint []string            `json:"Entrypoint"`
		Cmd        []string            `json:"Cmd"`
		Volumes    map[string]struct{} `json:"Volumes"`
	} `json:"Config"`
}

// TestDistImageConfig: each image archive loads; the image runs the binary with the installed
// configuration and the feature gate as a non-root numeric user, with the storage directory as
// a volume and the health endpoint on every interface.
func TestDistImageConfig(t *testing.T) {
	usePodman(t)
	d := distArtifacts(t)
	for _, arch := range distLinuxArches {
		t.Run(arch, func(t *testing.T) {
			name := loadImage(t, d.path(d.image(arch)))
			assert.Equal(t, "localhost/"+distName+":"+d.version+"-"+arch, name)
			var cfgs []imageConfig
			require.NoError(t, json.Unmarshal([]byte(podman(t, "image", "inspect", name)), &cfgs))
			require.Len(t, cfgs, 1)
			c := cfgs[0]
			assert.Equal(t, arch, c.Architecture)
			assert.Equal(t, "linux", c.Os)
			assert.Equal(t, fmt.Sprintf("%d:%d", imageUID, imageUID), c.Config.User)
			assert.Contains(t, c.Config.Volumes, stateDir)
			assert.Contains(t, c.Config.Env, "OTELCOL_HEALTH_ENDPOINT=0.0.0.0:13133")
			assert.Contains(t, c.Config.Env, "OTELCOL_STORAGE_DIR="+stateDir)
			assert.Equal(t, []string{"/usr/bin/" + distName}, c.Config.Entrypoint)
			assert.Equal(t, []string{"--config", confPath, harness.FeatureGates}, c.Config.Cmd)
		})
	}
}

// container is one podman run of the image.
type container struct {
	name      string
	healthURL string
	logPath   string
}

// startContainer runs the image detached on the host network, read-only, with the storage
// volume and the environment vars (from a file: no secret on a command line). Its log is saved
// (and checked for secrets) and the container removed at the end of the test.
func (e *env) startContainer(image, volume string, vars map[string]string) *container {
	t := e.t
	t.Helper()
	healthPort, err := harness.FreePort()
	require.NoError(t, err)
	metricsPort, err := harness.FreePort()
	require.NoError(t, err)
	env := map[string]string{
		// All interfaces, as the image's default, on a free port.
		"OTELCOL_HEALTH_ENDPOINT": "0.0.0.0:" + strconv.Itoa(healthPort),
		"OTELCOL_METRICS_PORT":    strconv.Itoa(metricsPort),
	}
	for k, v := range vars {
		env[k] = v
	}
	var b strings.Builder
	for k, v := range env {
		fmt.Fprintf(&b, "%s=%s\n", k, v) // podman's env file: the value is the rest of the line
	}
	envFile := filepath.Join(e.dir, fmt.Sprintf("container-%d.env", len(e.logs)+1))
	require.NoError(t, os.WriteFile(envFile, []byte(b.String()), 0o600))
	c := &container{
		name:      fmt.Sprintf("%s-dist-test-%d-%d", distName, os.Getpid(), len(e.logs)+1),
		healthURL: fmt.Sprintf("http://127.0.0.1:%d/health/status?verbose", healthPort),
		logPath:   e.nextLog(),
	}
	podman(t, "run", "-d", "--name", c.name, "--network", "host", "--read-only",
		"-v", volume+":"+stateDir, "--env-file", envFile, image)
	t.Cleanup(func() {
		if out, err := runErr(t, time.Minute, "podman", "--runtime", "runc", "rm", "-f", "-t", "20", c.name); err != nil {
			t.Logf("podman rm %s: %v\n%s", c.name, err, out)
		}
	})
	return c
}

// saveLog writes the container's log to its log file (kept for the secrets check).
func (c *container) saveLog(t *testing.T) string {
	t.Helper()
	out := podman(t, "logs", c.name)
	require.NoError(t, os.WriteFile(c.logPath, []byte(out), 0o600))
	return out
}

func (c *container) inspect(t *testing.T, format string) string {
	t.Helper()
	return strings.TrimSpace(podman(t, "inspect", "-f", format, c.name))
}

// waitReady waits until the receiver reported a status other than Starting.
func (c *container) waitReady(t *testing.T) {
	t.Helper()
	err := harness.Poll(t.Context(), time.Minute, 200*time.Millisecond, func() (bool, error) {
		if c.inspect(t, "{{.State.Running}}") != "true" {
			return false, fmt.Errorf("the container exited:\n%s", c.saveLog(t))
		}
		h, err := harness.ReadHealth(t.Context(), c.healthURL)
		if err != nil {
			return false, err
		}
		st := h.ReceiverStatus()
		return st != "" && st != harness.StatusStarting, nil
	})
	require.NoError(t, err, "the container's health endpoint")
}

// requireConfined: the container's collector runs as the image's non-root user on a read-only
// root filesystem (read from the host's /proc: the image has no shell).
func (c *container) requireConfined(t *testing.T) {
	t.Helper()
	pid := c.inspect(t, "{{.State.Pid}}")
	status := readFile(t, "/proc/"+pid+"/status")
	assert.Regexp(t, fmt.Sprintf(`(?m)^Uid:\s+%d\s+%d\s+%d\s+%d$`, imageUID, imageUID, imageUID, imageUID), status, "non-root")
	var rootOpts string
	for line := range strings.Lines(readFile(t, "/proc/"+pid+"/mountinfo")) {
		f := strings.Fields(line)
		if len(f) > 5 && f[4] == "/" {
			rootOpts = f[5]
		}
	}
	assert.Regexp(t, `^ro(,|$)`, rootOpts, "the root filesystem is read-only")
	assert.Equal(t, "true", c.inspect(t, "{{.HostConfig.ReadonlyRootfs}}"))
}

// stop stops the container (SIGTERM, then 20 s) and requires a clean exit.
func (c *container) stop(t *testing.T) {
	t.Helper()
	podman(t, "stop", "-t", "20", c.name)
	log := c.saveLog(t)
	require.Equal(t, "0", c.inspect(t, "{{.State.ExitCode}}"), "a clean exit on SIGTERM:\n%s", log)
}

// TestDistImageRun: the image, run read-only as non-root on the host network against the
// simulator and the sink, delivers the backfill; stopped in the middle, a new container on the
// same volume resumes from the checkpoint: the exact event set, nothing sent twice (a clean stop
// commits what was delivered; re-sends bounded as in TestKillAndRestart in any case).
func TestDistImageRun(t *testing.T) {
	usePodman(t)
	d := distArtifacts(t)
	image := loadImage(t, d.path(d.image(runtime.GOARCH)))
	volume := fmt.Sprintf("%s-dist-test-%d", distName, os.Getpid())
	podman(t, "volume", "create", volume)
	t.Cleanup(func() {
		if out, err := runErr(t, time.Minute, "podman", "--runtime", "runc", "volume", "rm", "-f", volume); err != nil {
			t.Logf("podman volume rm %s: %v\n%s", volume, err, out)
		}
	})

	e := newEnv(t)
	now := time.Now()
	require.NoError(t, e.b.Sim.Generate(backfillEvents, now.Add(-backfillSpan), now))
	want := expectedIDs(t, e.b.Sim)
	vars := e.collectorEnv(apiKey, "all")

	first := e.startContainer(image, volume, vars)
	first.waitReady(t)
	first.requireConfined(t)
	require.NoError(t, harness.Poll(t.Context(), time.Minute, 5*time.Millisecond, func() (bool, error) {
		return e.b.Sink.Count() >= len(want)/3, nil
	}), "no delivery before the stop")
	first.stop(t)
	waitQuiet(t, e.b.Sink, 500*time.Millisecond)
	atStop := e.checkDelivery(want)
	t.Logf("stopped with %d of %d events at the sink", atStop.messages, len(want))
	require.NotEmpty(t, atStop.missing, "the stop must come in the middle of the backfill")
	require.Zero(t, atStop.duplicates)

	mount := podman(t, "volume", "inspect", "-f", "{{.Mountpoint}}", volume)
	entries, err := os.ReadDir(strings.TrimSpace(mount))
	require.NoError(t, err)
	require.NotEmpty(t, entries, "the checkpoint is on the volume")

	second := e.startContainer(image, volume, vars)
	second.waitReady(t)
	dl := requireResumed(t, e, want, atStop)
	require.Zero(t, dl.duplicates, "a clean stop commits what was delivered: nothing is sent twice")
	second.stop(t)
	assert.Contains(t, readFile(t, second.logPath), "Resuming from checkpoint", "the second container resumes, it does not backfill again")
}
