package e2e

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/harness"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/jumpcloudsim"
)

const (
	// ocbVersion is the Makefile's OCB_VERSION: its $(OCB) rule installs .tools/builder-<version>.
	ocbVersion = "v0.165.0"
	// customBinary is dist.name of examples/ocb/builder-config.yaml.
	customBinary = "otelcol-jumpcloud-custom"
	// ocbBuildTimeout bounds ocb's go mod tidy and go build (a cold build cache on 2 cores).
	ocbBuildTimeout = 8 * time.Minute
)

// ocbRecipes are the recipes whose exporters the custom collector of examples/ocb has (the
// others' exporters did not build here: docs/backends.md, "Your own collector").
var ocbRecipes = []string{"backend-security-lake-ocsf.yaml", "backend-kafka-ocsf.yaml"}

// ocsfClasses are the class_uid values the receiver's ocsf format produces.
var ocsfClasses = map[float64]bool{3001: true, 3002: true, 3004: true, 3005: true, 3006: true, 6003: true}

// TestOCBCustomCollector: examples/ocb/builder-config.yaml, with its replaces pointed at this
// checkout, builds with ocb (the receiver beside the contrib kafka and awss3 exporters); the
// built collector validates the recipes that need those exporters and refuses batch in their
// JumpCloud pipeline (the batchguard converter is in the manifest); and it runs the Security
// Lake recipe for real against the JumpCloud simulator and an S3-like endpoint on loopback:
// every event of the simulator lands in S3 once, as newline-delimited OCSF JSON (gzip).
func TestOCBCustomCollector(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips building examples/ocb/builder-config.yaml with ocb (2 cores: about 15 s with a warm Go build cache, 1.5 min when only the distribution's packages are cached, 4.5 min cold)")
	}
	root := repoRoot(t)
	bin := buildCustomCollector(t, root)

	vars := backendVars(t)
	for _, recipe := range ocbRecipes {
		t.Run("validate "+recipe, func(t *testing.T) {
			out, err := validateArgs(t, bin, vars, "--config", examplePath(t, recipe))
			requireValidation(t, out, err)
			out, err = validateArgs(t, bin, vars, "--config", examplePath(t, recipe),
				"--set=service.pipelines.logs.processors=[memory_limiter,batch]")
			requireValidation(t, out, err, batchError("logs"))
		})
	}

	t.Run("run backend-security-lake-ocsf.yaml", func(t *testing.T) {
		runSecurityLakeRecipe(t, bin)
	})
}

// buildCustomCollector installs ocb if needed (the Makefile's rule), generates and compiles a
// copy of examples/ocb/builder-config.yaml into a temporary directory and returns the binary.
func buildCustomCollector(t *testing.T, root string) string {
	t.Helper()
	ocb := filepath.Join(root, ".tools", "builder-"+ocbVersion)
	if _, err := os.Stat(ocb); err != nil {
		// The target is the Makefile's $(OCB), an absolute path ($(CURDIR)/.tools/...).
		out, err := exec.CommandContext(t.Context(), "make", "-C", root, ocb).CombinedOutput()
		require.NoError(t, err, "make %s:\n%s", ocb, out)
	}

	manifest, err := os.ReadFile(filepath.Join(root, "examples", "ocb", "builder-config.yaml"))
	require.NoError(t, err)
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	text := string(manifest)
	for _, edit := range [][2]string{
		{"output_path: ./build/custom\n", "output_path: " + out + "\n"},
		{"github.com/otelcol-jumpcloud/otelcol-jumpcloud => ../../\n", "github.com/otelcol-jumpcloud/otelcol-jumpcloud => " + root + "\n"},
	} {
		require.Contains(t, text, edit[0], "the manifest changed: update this test's edit")
		text = strings.Replace(text, edit[0], edit[1], 1)
	}
	manifestPath := filepath.Join(dir, "builder-config.yaml")
	require.NoError(t, os.WriteFile(manifestPath, []byte(text), 0o600))

	// As the Makefile's build rule: -e for ocb's go mod tidy, which also loads the tests of the
	// dependencies (some import modules the Go module proxy does not serve).
	goflags, err := exec.CommandContext(t.Context(), "go", "env", "GOFLAGS").Output()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), ocbBuildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, ocb, "--config", manifestPath)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS="+strings.TrimSpace(string(goflags))+" -e")
	start := time.Now()
	output, err := cmd.CombinedOutput()
	require.NoError(t, err, "ocb --config %s (after %s):\n%s", manifestPath, time.Since(start).Round(time.Second), tail(output, 60))
	t.Logf("ocb %s generated and compiled examples/ocb/builder-config.yaml in %s", ocbVersion, time.Since(start).Round(100*time.Millisecond))
	bin := filepath.Join(out, customBinary)
	require.FileExists(t, bin)
	return bin
}

// runSecurityLakeRecipe runs examples/backend-security-lake-ocsf.yaml with the custom collector
// against the simulator and a fake S3 endpoint, and checks what it uploaded.
func runSecurityLakeRecipe(t *testing.T, bin string) {
	b, err := harness.StartBackends(harness.BackendsConfig{APIKey: apiKey, Seed: 42})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, b.Close()) })
	now := time.Now()
	require.NoError(t, b.Sim.Generate(300, now.Add(-2*time.Hour), now.Add(-time.Minute)))
	evs, err := b.Sim.Events(jumpcloudsim.EventFilter{NoRaw: true})
	require.NoError(t, err)
	want := map[string]bool{}
	for _, ev := range evs {
		want[ev.ID] = true
	}
	require.Len(t, want, len(evs))

	s3 := newFakeS3(t)
	const bucket = "e2e-jumpcloud-ocsf"
	dir := t.TempDir()
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir, // no ~/.aws of the developer
		"JUMPCLOUD_API_KEY=" + apiKey,
		"JUMPCLOUD_ENDPOINT=" + b.APIBaseURL(),
		"JUMPCLOUD_POLL_INTERVAL=1s",
		"JUMPCLOUD_SETTLE_DELAY=1s",
		"JUMPCLOUD_INITIAL_LOOKBACK=3h",
		"OTELCOL_STORAGE_DIR=" + filepath.Join(dir, "storage"),
		"AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=e2e-access-key",
		"AWS_SECRET_ACCESS_KEY=e2e-secret-access-key",
		"AWS_EC2_METADATA_DISABLED=true",
		"S3_BUCKET=" + bucket,
		"S3_ENDPOINT=" + s3.URL(),
		"S3_FORCE_PATH_STYLE=true",
	}
	logPath := filepath.Join(dir, "collector.log")
	logFile, err := os.Create(logPath)
	require.NoError(t, err)
	cmd := exec.Command(bin, "--config", examplePath(t, "backend-security-lake-ocsf.yaml"),
		"--set=service.telemetry.metrics.level=none") // no self-metrics port
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logFile, logFile
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-done:
			if err != nil {
				t.Logf("collector exit: %v", err)
			}
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			t.Logf("collector killed after 20 s: %v", <-done)
		}
		_ = logFile.Close()
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("--- %s (last 40 lines) ---\n%s", logPath, harness.Tail(logPath, 40))
		}
	})

	start := time.Now()
	err = harness.Poll(t.Context(), 90*time.Second, 250*time.Millisecond, func() (bool, error) {
		select {
		case err := <-done:
			done <- err
			if err == nil {
				return false, errors.New("the collector exited with status 0")
			}
			return false, fmt.Errorf("the collector exited: %w", err)
		default:
		}
		return len(s3.uids()) >= len(want), nil
	})
	require.NoError(t, err, "S3: %d of %d events", len(s3.uids()), len(want))
	t.Logf("S3: %d events in %d objects after %s", len(want), len(s3.objectKeys()), time.Since(start).Round(10*time.Millisecond))
	stop()

	objects := s3.objectKeys()
	require.NotEmpty(t, objects)
	for _, key := range objects {
		require.True(t, strings.HasPrefix(key, "/"+bucket+"/jumpcloud/ocsf/dt="), "object key %s: bucket, s3_prefix and partition of the recipe", key)
		require.Contains(t, key, "/jumpcloud-directory-insights-", "object key %s: file_prefix of the recipe", key)
	}
	counts := map[string]int{}
	for _, ev := range s3.events() {
		uid, _ := ev["metadata"].(map[string]any)["uid"].(string)
		require.NotEmpty(t, uid, "an OCSF event without metadata.uid: %v", ev)
		require.True(t, want[uid], "an event the simulator does not have: %s", uid)
		counts[uid]++
		require.True(t, ocsfClasses[ev["class_uid"].(float64)], "event %s: class_uid %v", uid, ev["class_uid"])
		require.Equal(t, "1.8.0", ev["metadata"].(map[string]any)["version"], "event %s", uid)
		require.IsType(t, float64(0), ev["time"], "event %s: time (epoch milliseconds)", uid)
	}
	require.Len(t, counts, len(want), "every event of the simulator, in S3")
	for uid, n := range counts {
		require.Equal(t, 1, n, "event %s uploaded %d times", uid, n)
	}
	data, err := os.ReadFile(logPath)
	require.NoError(t, err)
	require.NotContains(t, string(data), apiKey, "the API key is written to the collector's log")
}

// fakeS3 is an S3-like endpoint for path-style PutObject: it keeps each object's events (one
// OCSF JSON object per line, the object gzip-compressed or not).
type fakeS3 struct {
	t    *testing.T
	srv  *httptest.Server
	mu   sync.Mutex
	objs map[string][]map[string]any // key (/bucket/path) -> events
}

func newFakeS3(t *testing.T) *fakeS3 {
	f := &fakeS3{t: t, objs: map[string][]map[string]any{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeS3) URL() string { return f.srv.URL }

func (f *fakeS3) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPut {
		http.Error(w, "fake S3: only PutObject", http.StatusNotImplemented)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err == nil && (strings.Contains(r.Header.Get("Content-Encoding"), "aws-chunked") ||
		strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-")) {
		body, err = decodeAWSChunked(body)
	}
	var events []map[string]any
	if err == nil {
		events, err = decodeS3Object(body)
	}
	if err != nil {
		f.t.Errorf("fake S3: PUT %s: %v", r.URL.Path, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.objs[r.URL.Path] = events
	f.mu.Unlock()
	w.Header().Set("ETag", `"e2e"`)
	w.WriteHeader(http.StatusOK)
}

// decodeAWSChunked returns the payload of an aws-chunked body (<hex size>[;ext]\r\n<data>\r\n
// ..., a 0-size chunk, then trailers).
func decodeAWSChunked(body []byte) ([]byte, error) {
	var out bytes.Buffer
	r := bufio.NewReader(bytes.NewReader(body))
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("aws-chunked: chunk header: %w", err)
		}
		sizeText, _, _ := strings.Cut(strings.TrimSpace(line), ";")
		size, err := strconv.ParseInt(sizeText, 16, 64)
		if err != nil {
			return nil, fmt.Errorf("aws-chunked: chunk size %q: %w", sizeText, err)
		}
		if size == 0 {
			return out.Bytes(), nil
		}
		if _, err := io.CopyN(&out, r, size); err != nil {
			return nil, fmt.Errorf("aws-chunked: chunk data: %w", err)
		}
		if _, err := r.ReadString('\n'); err != nil {
			return nil, fmt.Errorf("aws-chunked: chunk end: %w", err)
		}
	}
}

// decodeS3Object returns the JSON objects of an object's lines (gunzipped first when gzip).
func decodeS3Object(data []byte) ([]map[string]any, error) {
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		if data, err = io.ReadAll(zr); err != nil {
			return nil, err
		}
	}
	var events []map[string]any
	for line := range strings.Lines(string(data)) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			return nil, fmt.Errorf("a line is not a JSON object: %w: %.200s", err, line)
		}
		events = append(events, ev)
	}
	if len(events) == 0 {
		return nil, errors.New("an object without events")
	}
	return events, nil
}

func (f *fakeS3) objectKeys() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	keys := make([]string, 0, len(f.objs))
	for k := range f.objs {
		keys = append(keys, k)
	}
	return keys
}

func (f *fakeS3) events() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []map[string]any
	for _, evs := range f.objs {
		out = append(out, evs...)
	}
	return out
}

// uids are the distinct metadata.uid of the events received so far.
func (f *fakeS3) uids() map[string]bool {
	out := map[string]bool{}
	for _, ev := range f.events() {
		if md, ok := ev["metadata"].(map[string]any); ok {
			if uid, ok := md["uid"].(string); ok {
				out[uid] = true
			}
		}
	}
	return out
}

// tail is the last n lines of out.
func tail(out []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
