package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/harness"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/jumpcloudsim"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/sumosink"
)

// Values of the test configuration. The key and the sink code are the secrets that must never
// appear in the collector's log.
const (
	apiKey     = "e2e-secret-api-key-7f3a9c"
	wrongKey   = "e2e-wrong-api-key-1b2c3d"
	sinkCode   = "e2e-secret-sink-code-5e6f7a"
	sourceName = "E2E JumpCloud"
	category   = "e2e/jumpcloud-directory-insights"
	// orgField is the X-Sumo-Fields key naming the organization of a request (org_id set).
	orgField = "jumpcloud.organization"
	// inFlightBound is what a kill -9 may re-send: the batches in flight, at most
	// max_concurrent_requests (4, the default) + 1 pages delivering a batch of about 1 MB each.
	inFlightBound = (4 + 1) * 1_000_000
)

// siemParser is the _parser that the receiver adds with _siemForward true: Cloud SIEM's parser of
// JumpCloud Directory Insights, without which Cloud SIEM builds no records from the messages.
const siemParser = "/Parsers/System/JumpCloud/JumpCloud Directory Insights"

// wantFields is the X-Sumo-Fields content the configuration produces (SUMO_SIEM_FORWARD=true):
// every end-to-end test that checks the messages' metadata sees _parser in X-Sumo-Fields.
var wantFields = map[string]string{"_siemForward": "true", "_parser": siemParser, "vendor": "jumpcloud"}

func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	require.True(t, ok)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

func configPath(t *testing.T) string { return filepath.Join(repoRoot(t), "otelcol-config.yaml") }

// collectorBinary is the distribution binary. A missing binary fails the test, unless
// E2E_SKIP_WITHOUT_BINARY=1 asks for a skip.
func collectorBinary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("OTELCOL_JUMPCLOUD_BIN")
	if bin == "" {
		bin = filepath.Join(repoRoot(t), "bin", "otelcol-jumpcloud")
	}
	if _, err := os.Stat(bin); err != nil {
		msg := fmt.Sprintf("the distribution binary %s is missing (%v): run `make build` (`make test` builds it first)", bin, err)
		if os.Getenv("E2E_SKIP_WITHOUT_BINARY") == "1" {
			t.Skip("E2E_SKIP_WITHOUT_BINARY=1: " + msg)
		}
		t.Fatal(msg)
	}
	return bin
}

// env is one test's simulator, sink and collector runs.
type env struct {
	t   *testing.T
	b   *harness.Backends
	bin string
	dir string
	// logs of every collector run, checked for secrets at the end of the test.
	logs []string
	// jsonLines: the exporter's log_format is json, each message {"log":"<event JSON>",...}.
	jsonLines bool
}

func newEnv(t *testing.T) *env { return newEnvWith(t, harness.BackendsConfig{}) }

// newEnvWith is newEnv with backends configured by cfg (the key, seed and sink code are set).
func newEnvWith(t *testing.T, cfg harness.BackendsConfig) *env {
	t.Helper()
	bin := collectorBinary(t)
	cfg.APIKey, cfg.Seed, cfg.SinkCode = apiKey, 42, sinkCode
	b, err := harness.StartBackends(cfg)
	require.NoError(t, err)
	e := &env{t: t, b: b, bin: bin, dir: t.TempDir()}
	t.Cleanup(func() {
		require.NoError(t, b.Close())
		e.checkNoSecretsLogged()
	})
	return e
}

// collectorEnv are the configuration's variables for a run against the simulator and the sink.
func (e *env) collectorEnv(key, services string) map[string]string {
	return map[string]string{
		"JUMPCLOUD_API_KEY":          key,
		"JUMPCLOUD_ENDPOINT":         e.b.APIBaseURL(),
		"JUMPCLOUD_SERVICE":          services,
		"JUMPCLOUD_POLL_INTERVAL":    "1s",
		"JUMPCLOUD_SETTLE_DELAY":     "1s",
		"JUMPCLOUD_INITIAL_LOOKBACK": "3h",
		"SUMO_HTTP_SOURCE_URL":       e.b.Sink.URL(),
		"SUMO_SOURCE_NAME":           sourceName,
		"SUMO_SOURCE_CATEGORY":       category,
		"SUMO_SIEM_FORWARD":          "true",
	}
}

// start runs the collector with storage directory storage (reuse it for a restart). The
// process is stopped at the end of the test; its log is printed if the test failed.
func (e *env) start(storage string, vars map[string]string) *harness.Collector {
	e.t.Helper()
	return e.startWith(configPath(e.t), storage, vars)
}

// startWith is start with another configuration and extra command-line arguments (e.g. a
// second --config).
func (e *env) startWith(config, storage string, vars map[string]string, args ...string) *harness.Collector {
	e.t.Helper()
	return e.startCollector(harness.CollectorConfig{
		Binary:     e.bin,
		ConfigPath: config,
		StorageDir: storage,
		Env:        vars,
		Args:       args,
	})
}

// startCollector runs the collector of cfg (its LogPath is set here: the log is checked for
// secrets and printed if the test failed); it is stopped at the end of the test.
func (e *env) startCollector(cfg harness.CollectorConfig) *harness.Collector {
	e.t.Helper()
	logPath := e.nextLog()
	cfg.LogPath = logPath
	c, err := harness.StartCollector(cfg)
	require.NoError(e.t, err)
	e.t.Cleanup(func() {
		if err := c.Stop(20 * time.Second); err != nil {
			e.t.Logf("stopping the collector (pid %d): %v", c.Pid(), err)
		}
		if e.t.Failed() {
			e.t.Logf("--- %s (last 40 lines) ---\n%s", logPath, harness.Tail(logPath, 40))
		}
	})
	return c
}

// nextLog is the path of the next collector log, recorded for checkNoSecretsLogged.
func (e *env) nextLog() string {
	p := filepath.Join(e.dir, fmt.Sprintf("collector-%d.log", len(e.logs)+1))
	e.logs = append(e.logs, p)
	return p
}

// checkNoSecretsLogged fails the test when a collector log contains the API key (right or
// wrong) or the sink URL's code.
func (e *env) checkNoSecretsLogged() {
	for _, p := range e.logs {
		data, err := os.ReadFile(p)
		require.NoError(e.t, err)
		for _, secret := range []string{apiKey, wrongKey, sinkCode} {
			require.NotContains(e.t, string(data), secret, "a secret is written to %s", p)
		}
	}
}

// expectedIDs are the ids of the simulator's events of services (empty: all).
func expectedIDs(t *testing.T, sim *jumpcloudsim.Server, services ...string) map[string]struct{} {
	t.Helper()
	return expectedIDsOf(t, []*jumpcloudsim.Server{sim}, services...)
}

// expectedIDsOf are the ids of the events of services (empty: all) of every simulator.
func expectedIDsOf(t *testing.T, sims []*jumpcloudsim.Server, services ...string) map[string]struct{} {
	t.Helper()
	ids := map[string]struct{}{}
	total := 0
	for _, sim := range sims {
		evs, err := sim.Events(jumpcloudsim.EventFilter{Services: services, NoRaw: true})
		require.NoError(t, err)
		for _, ev := range evs {
			ids[ev.ID] = struct{}{}
		}
		total += len(evs)
	}
	require.Len(t, ids, total, "the simulators' ids are unique")
	return ids
}

// waitDistinct waits until the sink holds at least n distinct messages.
func waitDistinct(t *testing.T, sink *sumosink.Sink, n int, timeout time.Duration) {
	t.Helper()
	start := time.Now()
	err := harness.Poll(t.Context(), timeout, 250*time.Millisecond, func() (bool, error) {
		return sink.Stats().Distinct >= n, nil
	})
	require.NoError(t, err, "sink: %d of %d distinct messages after %s", sink.Stats().Distinct, n, timeout)
	t.Logf("sink: %d distinct messages after %s", n, time.Since(start).Round(10*time.Millisecond))
}

// waitQuiet waits until the sink recorded nothing new for quiet (at most 10s).
func waitQuiet(t *testing.T, sink *sumosink.Sink, quiet time.Duration) {
	t.Helper()
	last, since := sink.Count(), time.Now()
	err := harness.Poll(t.Context(), 10*time.Second, 50*time.Millisecond, func() (bool, error) {
		if n := sink.Count(); n != last {
			last, since = n, time.Now()
		}
		return time.Since(since) >= quiet, nil
	})
	require.NoError(t, err, "the sink kept receiving")
}

// delivery is what the sink received, compared with the expected events.
type delivery struct {
	messages   int
	duplicates int      // messages of an id received more than once, beyond the first
	duplicated []string // the ids received more than once
	dupBytes   int      // bytes of the messages beyond the first of each id
	missing    []string
	unexpected []string
	badMeta    int // messages whose X-Sumo-* metadata differs from the configuration
	firstBad   sumosink.Metadata
}

// checkDelivery is checkMessages of the sink's events (e.events), each expected with the
// configuration's metadata.
func (e *env) checkDelivery(want map[string]struct{}) delivery {
	e.t.Helper()
	return checkMessages(e.t, e.events(), want, sumosink.Metadata{Name: sourceName, Category: category, Fields: wantFields})
}

// events are the sink's messages with the event's JSON as the body: the message itself, or
// with e.jsonLines the "log" value of its JSON object.
func (e *env) events() []sumosink.Message {
	e.t.Helper()
	msgs := e.b.Sink.Messages()
	if !e.jsonLines {
		return msgs
	}
	for i := range msgs {
		var line struct {
			Log *string `json:"log"`
		}
		require.NoError(e.t, json.Unmarshal([]byte(msgs[i].Body), &line), "log_format json: a message is not a JSON object")
		require.NotNil(e.t, line.Log, "log_format json: a message without \"log\": %.200s", msgs[i].Body)
		msgs[i].Body = *line.Log
	}
	return msgs
}

// checkMessages is checkDelivery of msgs, each expected with the metadata meta.
func checkMessages(t *testing.T, msgs []sumosink.Message, want map[string]struct{}, meta sumosink.Metadata) delivery {
	t.Helper()
	counts := make(map[string]int, len(msgs))
	d := delivery{messages: len(msgs)}
	for _, m := range msgs {
		var ev struct {
			ID           string `json:"id"`
			Organization string `json:"organization"`
		}
		require.NoError(t, json.Unmarshal([]byte(m.Body), &ev), "a message is not an event's JSON")
		counts[ev.ID]++
		if counts[ev.ID] > 1 {
			d.dupBytes += len(m.Body)
		}
		fields := m.Fields
		if org, ok := fields[orgField]; ok {
			// Several organizations: each request names its organization, the events' own.
			fields = maps.Clone(fields)
			delete(fields, orgField)
			if org != ev.Organization {
				fields[orgField] = org // reported as bad metadata
			}
		}
		if m.Name != meta.Name || m.Category != meta.Category || !maps.Equal(fields, meta.Fields) {
			if d.badMeta == 0 {
				d.firstBad = m.Metadata
			}
			d.badMeta++
		}
	}
	for id, n := range counts {
		if _, ok := want[id]; !ok {
			d.unexpected = append(d.unexpected, id)
		}
		if n > 1 {
			d.duplicates += n - 1
			d.duplicated = append(d.duplicated, id)
		}
	}
	for id := range want {
		if counts[id] == 0 {
			d.missing = append(d.missing, id)
		}
	}
	slices.Sort(d.missing)
	slices.Sort(d.unexpected)
	return d
}

// requireComplete asserts every expected event arrived, nothing else did, and every message
// carries the configured metadata; duplicates are returned for the caller's judgement.
func requireComplete(t *testing.T, d delivery, want int) {
	t.Helper()
	t.Logf("sink: %d messages, %d distinct expected, %d duplicates, %d missing, %d unexpected",
		d.messages, want, d.duplicates, len(d.missing), len(d.unexpected))
	require.Empty(t, d.missing[:min(len(d.missing), 5)], "%d events lost", len(d.missing))
	require.Empty(t, d.unexpected[:min(len(d.unexpected), 5)], "%d events that were not expected", len(d.unexpected))
	require.Zero(t, d.badMeta, "messages with other metadata than the configuration's, e.g. %+v", d.firstBad)
}

// waitSettled waits until the receiver has polled the simulator polls more times and the
// exporter's sending queue is empty: what those polls (re-reads of late ranges included) were going to
// deliver has been sent. It stands for "a while later, nothing else arrived", with a bound.
func waitSettled(t *testing.T, e *env, c *harness.Collector, polls int64) {
	t.Helper()
	target := e.b.SimStats().Requests + polls
	err := harness.Poll(t.Context(), time.Minute, 100*time.Millisecond, func() (bool, error) {
		if e.b.SimStats().Requests < target {
			return false, nil
		}
		n, err := exporterQueueSize(t.Context(), c.MetricsURL)
		return err == nil && n == 0, err
	})
	require.NoError(t, err, "the receiver did not poll %d more times with an empty sending queue", polls)
}

// exporterQueueSize reads otelcol_exporter_queue_size of the sumologichttp exporter from the
// collector's Prometheus endpoint (0 without a sending queue).
func exporterQueueSize(ctx context.Context, metricsURL string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, metricsURL, http.NoBody)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(body)) {
		if strings.HasPrefix(line, "otelcol_exporter_queue_size{") && strings.Contains(line, `exporter="sumologichttp"`) {
			fields := strings.Fields(line)
			return strconv.ParseFloat(fields[len(fields)-1], 64)
		}
	}
	// No sending queue (the shipped configuration delivers, then commits): nothing queued.
	return 0, nil
}
