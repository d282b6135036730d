package harness // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/harness"

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// FeatureGates is the flag otelcol-config.yaml needs: the health_check extension's
// component-status mode.
const FeatureGates = "--feature-gates=+extension.healthcheck.useComponentStatus"

// configEnvPrefixes are the prefixes of the variables otelcol-config.yaml reads: the child gets
// only the values the harness sets, never the developer's own credentials.
var configEnvPrefixes = []string{"JUMPCLOUD_", "SUMO_", "OTELCOL_"}

// CollectorConfig describes one run of the distribution binary.
type CollectorConfig struct {
	// Binary is the path of otelcol-jumpcloud; ConfigPath the configuration it runs.
	Binary     string
	ConfigPath string
	// StorageDir is the file_storage directory (OTELCOL_STORAGE_DIR): reuse it to restart
	// with the same checkpoint and queue. Empty: OTELCOL_STORAGE_DIR is not set, the
	// configuration's default applies (the installed configuration's /var/lib/otelcol-jumpcloud).
	StorageDir string
	// LogPath receives the collector's stdout and stderr (appended).
	LogPath string
	// Env holds the configuration's variables (JUMPCLOUD_API_KEY, JUMPCLOUD_ENDPOINT,
	// SUMO_HTTP_SOURCE_URL, JUMPCLOUD_POLL_INTERVAL, ...). OTELCOL_STORAGE_DIR,
	// OTELCOL_HEALTH_ENDPOINT and OTELCOL_METRICS_PORT are set by StartCollector.
	Env map[string]string
	// Args are extra command-line arguments, e.g. --set=exporters.sumologichttp.timeout=5s.
	Args []string
	// Wrapper, when set, is a command that executes the binary with its arguments appended,
	// e.g. setpriv --reuid=USER --regid=USER --init-groups -- (run as a service user). It must
	// exec the binary (not fork it): Pid, Stop and Kill act on the process it starts.
	Wrapper []string
}

// Collector is a running otelcol-jumpcloud child process.
type Collector struct {
	// HealthURL is the health_check status URL (verbose); MetricsURL the self-metrics.
	HealthURL  string
	MetricsURL string

	cmd     *exec.Cmd
	logFile *os.File
	done    chan struct{}
	mu      sync.Mutex
	waitErr error
	killed  bool // by Kill: the exit status is no failure
}

// StartCollector starts the binary with free loopback ports for the health and metrics
// endpoints and waits until it is ready (or has exited: a configuration it refuses). Stop or
// Kill it; both wait for the process to exit.
//
// The ports were free a moment before the start, not reserved: another process (or an outgoing
// connection of this one) can take one meanwhile, and the collector then exits at once with
// "address already in use". Such a start is retried on other ports, up to startAttempts times;
// otherwise a test would wait out its whole timeout for a collector that never ran.
func StartCollector(cfg CollectorConfig) (*Collector, error) {
	for attempt := 1; ; attempt++ {
		c, logFrom, err := startCollector(cfg)
		if err != nil {
			return nil, err
		}
		if attempt == startAttempts || !c.waitReady(cfg.LogPath, logFrom, readyTimeout) {
			return c, nil
		}
	}
}

const (
	// startAttempts bounds the starts of one StartCollector (a port taken meanwhile).
	startAttempts = 3
	// readyTimeout bounds the wait for the collector's "Everything is ready" line.
	readyTimeout = 30 * time.Second
	readyLine    = "Everything is ready"
	portTaken    = "address already in use"
)

// startCollector starts one process of cfg; logFrom is the size of its log before the start
// (a restart appends to the same log).
func startCollector(cfg CollectorConfig) (*Collector, int64, error) {
	if _, err := os.Stat(cfg.Binary); err != nil {
		return nil, 0, fmt.Errorf("harness: collector binary: %w", err)
	}
	ports, err := FreePorts(2)
	if err != nil {
		return nil, 0, err
	}
	healthPort, metricsPort := ports[0], ports[1]
	if err := os.MkdirAll(filepath.Dir(cfg.LogPath), 0o750); err != nil {
		return nil, 0, fmt.Errorf("harness: log directory: %w", err)
	}
	logFile, err := os.OpenFile(cfg.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, 0, fmt.Errorf("harness: collector log: %w", err)
	}
	var logFrom int64
	if fi, err := logFile.Stat(); err == nil {
		logFrom = fi.Size()
	}

	env := map[string]string{
		"OTELCOL_HEALTH_ENDPOINT": "127.0.0.1:" + strconv.Itoa(healthPort),
		"OTELCOL_METRICS_PORT":    strconv.Itoa(metricsPort),
	}
	if cfg.StorageDir != "" {
		env["OTELCOL_STORAGE_DIR"] = cfg.StorageDir
	}
	for k, v := range cfg.Env {
		env[k] = v
	}
	args := append([]string{cfg.Binary, "--config", cfg.ConfigPath, FeatureGates}, cfg.Args...)
	if len(cfg.Wrapper) > 0 {
		args = append(slices.Clone(cfg.Wrapper), args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = childEnv(os.Environ(), env)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	if err := startChild(cmd); err != nil {
		_ = logFile.Close()
		return nil, 0, fmt.Errorf("harness: start collector: %w", err)
	}
	c := &Collector{
		HealthURL:  fmt.Sprintf("http://127.0.0.1:%d/health/status?verbose", healthPort),
		MetricsURL: fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort),
		cmd:        cmd,
		logFile:    logFile,
		done:       make(chan struct{}),
	}
	go func() {
		err := cmd.Wait()
		c.mu.Lock()
		c.waitErr = err
		c.mu.Unlock()
		_ = logFile.Close()
		close(c.done)
	}()
	return c, logFrom, nil
}

// waitReady waits, at most timeout, until the collector's log (from logFrom) says it is ready or
// the process exits. It reports whether the process exited because a port was taken (start it
// again on other ports).
func (c *Collector) waitReady(logPath string, logFrom int64, timeout time.Duration) (portClash bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-c.done:
			return logContains(logPath, logFrom, portTaken)
		case <-deadline.C:
			return false
		case <-tick.C:
			if logContains(logPath, logFrom, readyLine) || c.healthAnswers() {
				return false
			}
		}
	}
}

// healthAnswers reports whether the health endpoint answers at all (a collector that logs
// at warn level never writes readyLine).
func (c *Collector) healthAnswers() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.HealthURL, http.NoBody)
	if err != nil {
		return false
	}
	req.Close = true // no idle connection kept to a collector that may be killed
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return true
}

// logContains reports whether the log at path holds s after its first from bytes (what a
// restart appended: the earlier runs' lines are not read again).
func logContains(path string, from int64, s string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer func() { _ = f.Close() }() // read only
	if _, err := f.Seek(from, io.SeekStart); err != nil {
		return false
	}
	b, err := io.ReadAll(f)
	return err == nil && strings.Contains(string(b), s)
}

// childEnv is base without the configuration's variables, plus env.
func childEnv(base []string, env map[string]string) []string {
	out := make([]string, 0, len(base)+len(env))
	for _, kv := range base {
		name, _, _ := strings.Cut(kv, "=")
		if hasConfigPrefix(name) {
			continue
		}
		out = append(out, kv)
	}
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

func hasConfigPrefix(name string) bool {
	for _, p := range configEnvPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// Pid is the process id of the collector.
func (c *Collector) Pid() int { return c.cmd.Process.Pid }

// Done is closed when the process has exited.
func (c *Collector) Done() <-chan struct{} { return c.done }

// ExitError is the result of the process once Done is closed: nil for exit status 0 and after
// Kill.
func (c *Collector) ExitError() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.killed {
		return nil
	}
	return c.waitErr
}

// ExitedError is the error of a wait that ended because the collector exited on its own: it
// wraps ExitError, and says so when the exit was clean (ExitError is nil).
func (c *Collector) ExitedError() error {
	if err := c.ExitError(); err != nil {
		return fmt.Errorf("the collector exited: %w", err)
	}
	return errors.New("the collector exited with status 0")
}

// Kill sends SIGKILL (a crash: no shutdown, no flush) and waits for the exit.
func (c *Collector) Kill() error {
	select {
	case <-c.done:
		return nil
	default:
	}
	c.mu.Lock()
	c.killed = true
	c.mu.Unlock()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("harness: kill collector: %w", err)
	}
	<-c.done
	return nil
}

// Stop sends SIGTERM and waits up to timeout for a clean exit, then kills the process. It
// returns an error when the collector had to be killed or exited with a failure.
func (c *Collector) Stop(timeout time.Duration) error {
	select {
	case <-c.done:
		return c.ExitError()
	default:
	}
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("harness: stop collector: %w", err)
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-c.done:
		return c.ExitError()
	case <-t.C:
		_ = c.Kill()
		return fmt.Errorf("harness: collector did not stop within %s: killed", timeout)
	}
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	ports, err := FreePorts(1)
	if err != nil {
		return 0, err
	}
	return ports[0], nil
}

// FreePorts returns n distinct TCP ports on 127.0.0.1 that were free a moment ago: each is
// held until all are chosen, so none is given twice.
func FreePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("harness: free port: %w", err)
		}
		defer func() { _ = ln.Close() }() // only its port was wanted
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// Poll calls check every interval until it reports done, ctx ends or timeout passes. A check
// error does not end the loop (the endpoint may not be up yet); the last one is part of the
// timeout error.
func Poll(ctx context.Context, timeout, interval time.Duration, check func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t := time.NewTicker(interval)
	defer t.Stop()
	var last error
	for {
		ok, err := check()
		if ok {
			return nil
		}
		last = err
		select {
		case <-ctx.Done():
			if last != nil {
				return fmt.Errorf("%w (last: %w)", ctx.Err(), last)
			}
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Tail returns the last n lines of a log file (or the error reading it).
func Tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer func() { _ = f.Close() }() // read only
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	if err := sc.Err(); err != nil {
		lines = append(lines, "(reading the log: "+err.Error()+")")
	}
	return strings.Join(lines, "\n")
}
