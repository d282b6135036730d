package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/harness"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/jumpcloudsim"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/sumosink"
)

const (
	// shutdownGrace is the receiver's: how long Shutdown lets deliveries in flight finish
	// (receiver.go). The process must exit within it plus stopMargin.
	shutdownGrace = 5 * time.Second
	stopMargin    = 3 * time.Second
	// shutdownEvents is the backfill of the shutdown tests (2 hours, every service).
	shutdownEvents = 20000
	// heldFor holds an answer far longer than the shutdown may take.
	heldFor = time.Minute
)

// shutdownArgs make pages of 2,000 events: the backfill is 10 pages (of about two uploads
// each), so a held request always falls in the middle of it.
var shutdownArgs = []string{"--set=receivers.jumpclouddirectoryinsights.page_size=2000"}

// startShutdownRun backfills shutdownEvents, starts the collector and waits until a quarter of
// them reached the sink: the SIGTERM then comes in the middle of the backfill.
func startShutdownRun(t *testing.T) (*env, *harness.Collector, string, map[string]string, map[string]struct{}) {
	t.Helper()
	e := newEnv(t)
	now := time.Now()
	require.NoError(t, e.b.Sim.Generate(shutdownEvents, now.Add(-backfillSpan), now))
	want := expectedIDs(t, e.b.Sim)
	storage := filepath.Join(e.dir, "storage")
	vars := e.collectorEnv(apiKey, "all")
	c := e.startWith(configPath(t), storage, vars, shutdownArgs...)
	require.NoError(t, harness.Poll(t.Context(), time.Minute, 5*time.Millisecond, func() (bool, error) {
		return e.b.Sink.Count() >= len(want)/4, nil
	}), "no delivery before the SIGTERM")
	return e, c, storage, vars, want
}

// stopWithin sends SIGTERM and requires a clean exit (status 0) within bound; it returns how
// long the collector took.
func stopWithin(t *testing.T, c *harness.Collector, bound time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	err := c.Stop(20 * time.Second)
	took := time.Since(start)
	require.NoError(t, err, "SIGTERM: the collector must exit cleanly (after %s)", took)
	require.Less(t, took, bound, "SIGTERM: the collector must exit within the shutdown grace")
	return took
}

// restartAndCheck records the sink at the stop, restarts the collector on the same storage and
// requires the exact event set, duplicates bounded by the batches in flight (requireResumed),
// and a resume from the checkpoint the shutdown stored.
func restartAndCheck(t *testing.T, e *env, storage string, vars map[string]string, want map[string]struct{}) delivery {
	t.Helper()
	atStop := e.checkDelivery(want)
	require.NotEmpty(t, atStop.missing, "the SIGTERM must come in the middle of the backfill")
	require.Zero(t, atStop.duplicates)
	t.Logf("stopped with %d of %d events at the sink", atStop.messages, len(want))

	e.startWith(configPath(t), storage, vars, shutdownArgs...)
	d := requireResumed(t, e, want, atStop)
	log, err := os.ReadFile(e.logs[len(e.logs)-1])
	require.NoError(t, err)
	require.Contains(t, string(log), "Resuming from checkpoint", "the second run resumes, it does not backfill again")
	return d
}

// TestShutdownMidPage: SIGTERM while every API request hangs (a slow JumpCloud answer): the
// page is abandoned, deliveries in flight finish, the checkpoint is stored, and the process
// exits at once; the next start resumes with the exact event set and nothing sent twice.
func TestShutdownMidPage(t *testing.T) {
	e, c, storage, vars, want := startShutdownRun(t)
	const held = 64
	require.NoError(t, e.b.Sim.InjectFault(jumpcloudsim.Fault{Kind: jumpcloudsim.FaultLatency, Delay: heldFor, Times: held}))
	require.NoError(t, harness.Poll(t.Context(), 10*time.Second, 5*time.Millisecond, func() (bool, error) {
		p := e.b.Sim.PendingFaults()
		return len(p) == 0 || p[0].Times < held, nil
	}), "no API request reached the slow answer")

	took := stopWithin(t, c, stopMargin)
	t.Logf("SIGTERM during a slow page: exited in %s", took.Round(time.Millisecond))
	e.b.Sim.ClearFaults()
	d := restartAndCheck(t, e, storage, vars, want)
	require.Zero(t, d.duplicates, "a clean shutdown commits what was delivered: nothing is sent twice")
}

// TestShutdownMidUpload: SIGTERM while the sink holds an upload. An upload that the sink
// answers within the receiver's grace is finished and committed (nothing sent twice after the
// restart); one held longer is abandoned after the grace, not committed, and sent again after
// the restart (the sink recorded nothing of it). Either way the process exits within the grace
// and the next start delivers the exact event set.
func TestShutdownMidUpload(t *testing.T) {
	tests := []struct {
		name  string
		delay time.Duration
		count int
		bound time.Duration
		// finished: the held upload is recorded by the sink during the shutdown.
		finished bool
	}{
		{name: "answered within the grace", delay: 2 * time.Second, count: 1, bound: 2*time.Second + stopMargin, finished: true},
		{name: "held beyond the grace", delay: heldFor, count: 64, bound: shutdownGrace + stopMargin},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			e, c, storage, vars, want := startShutdownRun(t)
			e.b.Sink.InjectFaults(sumosink.Fault{DelayMS: int(tt.delay / time.Millisecond), Count: tt.count})
			require.NoError(t, harness.Poll(t.Context(), 10*time.Second, 5*time.Millisecond, func() (bool, error) {
				return e.b.Sink.Stats().PendingFaults < tt.count, nil
			}), "no upload reached the slow sink")

			atTerm := e.b.Sink.Count()
			took := stopWithin(t, c, tt.bound)
			t.Logf("SIGTERM during an upload held %s: exited in %s", tt.delay, took.Round(time.Millisecond))
			if tt.finished {
				require.Greater(t, e.b.Sink.Count(), atTerm, "the upload in flight was finished during the shutdown")
			} else {
				require.GreaterOrEqual(t, took, shutdownGrace, "the upload in flight was given the grace")
				// Uploads of other slices that passed the sink before its faults were queued may
				// still be answered during the grace (and are committed); the held ones are
				// abandoned: once the process is gone, nothing more is recorded.
				afterExit := e.b.Sink.Count()
				require.Never(t, func() bool { return e.b.Sink.Count() != afterExit }, time.Second, 50*time.Millisecond,
					"an abandoned upload was recorded after the collector exited")
				t.Logf("recorded during the grace: %d events", afterExit-atTerm)
			}
			e.b.Sink.ClearFaults()
			d := restartAndCheck(t, e, storage, vars, want)
			require.Zero(t, d.duplicates, "the held upload was either committed or not recorded: nothing is sent twice")
		})
	}
}
