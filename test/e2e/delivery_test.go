package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/harness"
)

const (
	backfillEvents = 50000
	// The backfill spans 2 hours; the configuration's initial_lookback is 3h.
	backfillSpan = 2 * time.Hour
)

// TestBackfillExactlyOnce: 50,000 events of every service arrive at the sink exactly once,
// each request with the configured name, category and fields.
func TestBackfillExactlyOnce(t *testing.T) {
	e := newEnv(t)
	now := time.Now()
	require.NoError(t, e.b.Sim.Generate(backfillEvents, now.Add(-backfillSpan), now))
	want := expectedIDs(t, e.b.Sim)

	start := time.Now()
	c := e.start(filepath.Join(e.dir, "storage"), e.collectorEnv(apiKey, "all"))
	waitDistinct(t, e.b.Sink, len(want), 2*time.Minute)
	t.Logf("backfill of %d events delivered in %s", len(want), time.Since(start).Round(10*time.Millisecond))

	// A few more polls: nothing else may arrive (no duplicates from the probe's re-reads of late ranges).
	waitSettled(t, e, c, 3)
	d := e.checkDelivery(want)
	requireComplete(t, d, len(want))
	require.Zero(t, d.duplicates, "exactly once")

	h, err := c.Health(t.Context())
	require.NoError(t, err)
	require.Equal(t, harness.StatusOK, h.ReceiverStatus(), "health: %s", h)
	require.Equal(t, "Collecting", h.Receiver.SourceState(), "health: %s", h)
	st := e.b.Sim.Stats()
	t.Logf("simulator: %d requests, %d events served; health: %s", st.Requests, st.EventsServed, h)
}

// TestKillAndRestart: kill -9 of the collector in the middle of the backfill, then a restart
// with the same storage: the sink ends with exactly the expected event set. Duplicates can
// only be batches the sink accepted whose checkpoint had not reached the disk when the process
// died (deliver, then commit); they are counted, logged and bounded by the batches in flight.
func TestKillAndRestart(t *testing.T) {
	e := newEnv(t)
	now := time.Now()
	require.NoError(t, e.b.Sim.Generate(backfillEvents, now.Add(-backfillSpan), now))
	services := []string{"directory", "sso", "systems"}
	want := expectedIDs(t, e.b.Sim, services...)
	vars := e.collectorEnv(apiKey, "directory, sso, systems") // as a user would type it
	killAndRestart(t, e, want, vars)
}

// TestMultiOrganizationKillAndRestart: three organizations behind one MSP key, backfilled
// concurrently, kill -9 in the middle, restart: exactly the event set, each request naming its
// organization, re-sends bounded by the batches in flight.
func TestMultiOrganizationKillAndRestart(t *testing.T) {
	orgs := []string{"5f0c00000000000000000a01", "5f0c00000000000000000a02", "5f0c00000000000000000a03"}
	e := newEnvWith(t, harness.BackendsConfig{Orgs: orgs})
	now := time.Now()
	for _, sim := range e.b.Sims() {
		require.NoError(t, sim.Generate(backfillEvents/2, now.Add(-backfillSpan), now))
	}
	want := expectedIDsOf(t, e.b.Sims())
	vars := e.collectorEnv(apiKey, "all")
	vars["JUMPCLOUD_ORG_ID"] = strings.Join(orgs, ",")
	killAndRestart(t, e, want, vars)
	require.LessOrEqual(t, e.b.MSP.MaxInFlight(), 4, "max_concurrent_requests")
}

func killAndRestart(t *testing.T, e *env, want map[string]struct{}, vars map[string]string) {
	t.Helper()
	killAndRestartWith(t, e, want, func(storage string) *harness.Collector { return e.start(storage, vars) })
}

// killAndRestartWith is killAndRestart with the collector runs started by start (the storage
// directory given, the same for both runs).
func killAndRestartWith(t *testing.T, e *env, want map[string]struct{}, start func(storage string) *harness.Collector) {
	t.Helper()
	storage := filepath.Join(e.dir, "storage")

	c := start(storage)
	// Kill once a third of the backfill reached the sink: pages are checkpointed, others are
	// in the persistent queue or in flight.
	err := harness.Poll(t.Context(), time.Minute, 5*time.Millisecond, func() (bool, error) {
		return e.b.Sink.Count() >= len(want)/3, nil
	})
	require.NoError(t, err, "no delivery before the kill")
	require.NoError(t, c.Kill())
	// A request the process had completely written before it died is still recorded.
	waitQuiet(t, e.b.Sink, 500*time.Millisecond)
	atKill := e.checkDelivery(want)
	st := e.b.SimStats()
	t.Logf("killed (SIGKILL) with %d of %d events at the sink; simulator served %d events in %d requests",
		atKill.messages, len(want), st.EventsServed, st.Requests)
	require.NotEmpty(t, atKill.missing, "the kill must happen in the middle of the backfill")
	require.Zero(t, atKill.duplicates)
	entries, err := os.ReadDir(storage)
	require.NoError(t, err)
	require.NotEmpty(t, entries, "file_storage wrote the checkpoint and queue")

	start(storage)
	requireResumed(t, e, want, atKill)
}

// requireResumed waits, after a restart, for the whole event set at the sink and asserts that
// nothing is missing or unexpected, and that a duplicate can only be an event the sink had at
// the interruption (a batch in flight: accepted, its checkpoint not yet on disk), never one
// sent twice after the restart, bounded by the batches in flight.
func requireResumed(t *testing.T, e *env, want map[string]struct{}, atStop delivery) delivery {
	t.Helper()
	waitDistinct(t, e.b.Sink, len(want), 2*time.Minute)
	waitQuiet(t, e.b.Sink, 3*time.Second) // a few polls: no late re-send
	d := e.checkDelivery(want)
	requireComplete(t, d, len(want))
	notMissingAtStop := 0
	missingAtStop := make(map[string]bool, len(atStop.missing))
	for _, id := range atStop.missing {
		missingAtStop[id] = true
	}
	for _, id := range d.duplicated {
		if missingAtStop[id] {
			notMissingAtStop++
		}
	}
	t.Logf("re-sent after the restart: %d events (%d bytes), all delivered before the interruption (batches in flight, "+
		"accepted by the sink, not yet committed)", d.duplicates, d.dupBytes)
	require.Zero(t, notMissingAtStop, "events delivered twice after the restart")
	require.LessOrEqual(t, d.dupBytes, inFlightBound, "at most the batches in flight are re-sent")
	return d
}

// TestSinkOutage: the sink answers 503 for a minute (E2E_SINK_DOWN overrides it) while events
// keep flowing; once it is back everything arrives, exactly once.
func TestSinkOutage(t *testing.T) {
	down := time.Minute
	if v := os.Getenv("E2E_SINK_DOWN"); v != "" {
		d, err := time.ParseDuration(v)
		require.NoError(t, err, "E2E_SINK_DOWN")
		down = d
	}
	e := newEnv(t)
	now := time.Now()
	require.NoError(t, e.b.Sim.Generate(2000, now.Add(-time.Hour), now))
	live := harness.StartLiveFlow(e.b.Sim, 100, 250*time.Millisecond)
	liveStopped := false
	t.Cleanup(func() {
		if !liveStopped {
			_, _ = live.Stop()
		}
	})

	c := e.start(filepath.Join(e.dir, "storage"), e.collectorEnv(apiKey, "all"))
	waitDistinct(t, e.b.Sink, 2000, time.Minute)

	before := e.b.Sink.Stats()
	// Down a little longer than observed: the "during" figures are read while it is still down.
	e.b.Sink.Down(down+3*time.Second, 503, 0)
	t.Logf("sink down for %s with %d messages delivered", down, before.Messages)
	require.Never(t, func() bool { return e.b.Sink.Stats().Messages != before.Messages }, down, 250*time.Millisecond,
		"nothing is recorded while the sink is down")
	during := e.b.Sink.Stats()
	require.Positive(t, during.Requests[503], "the exporter kept trying during the outage")

	// Let events flow after the outage until the sink records again, then stop generating and
	// count.
	err := harness.Poll(t.Context(), time.Minute, 250*time.Millisecond, func() (bool, error) {
		return e.b.Sink.Stats().Messages > during.Messages, nil
	})
	require.NoError(t, err, "nothing recorded after the outage")
	generated, err := live.Stop()
	liveStopped = true
	require.NoError(t, err)
	want := expectedIDs(t, e.b.Sim)
	t.Logf("live flow: %d events; %d expected in all; 503 answers during the outage: %d",
		generated, len(want), during.Requests[503])

	// The exporter's backoff is at most 30s (retry_on_failure.max_interval).
	waitDistinct(t, e.b.Sink, len(want), 2*time.Minute)
	waitSettled(t, e, c, 3)
	d := e.checkDelivery(want)
	requireComplete(t, d, len(want))
	require.Zero(t, d.duplicates, "a 503 records nothing: nothing is sent twice")
}
