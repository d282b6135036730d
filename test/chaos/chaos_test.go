// Package chaos_test is the short seeded chaos run of `make test` (after the end-to-end tests,
// alone): bin/otelcol-jumpcloud with otelcol-config.yaml against a three-organization MSP
// simulator and the sink under the schedule of internal/testbed/chaos. `make chaos` runs the
// long campaign (cmd/chaos).
//
// Environment: CHAOS_SEED replays another seed; CHAOS_SHORT_DURATION changes the length of the
// schedule (default 45s); OTELCOL_JUMPCLOUD_BIN another binary than <repo>/bin/otelcol-jumpcloud.
package chaos_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/chaos"
)

// defaultSeed is the seed of the run in `make test`.
const defaultSeed = 20251125

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	require.True(t, ok)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// TestChaosShort: a 45 s seeded schedule of API, sink and process faults; afterwards the sink
// holds exactly the simulators' events, every duplicate explained by a stop of the collector.
func TestChaosShort(t *testing.T) {
	bin := os.Getenv("OTELCOL_JUMPCLOUD_BIN")
	if bin == "" {
		bin = filepath.Join(repoRoot(t), "bin", "otelcol-jumpcloud")
	}
	_, err := os.Stat(bin)
	require.NoError(t, err, "the distribution binary is missing: run `make build` (`make test` builds it first)")
	seed := uint64(defaultSeed)
	if v := os.Getenv("CHAOS_SEED"); v != "" {
		seed, err = strconv.ParseUint(v, 10, 64)
		require.NoError(t, err, "CHAOS_SEED")
	}
	d := 45 * time.Second
	if v := os.Getenv("CHAOS_SHORT_DURATION"); v != "" {
		d, err = time.ParseDuration(v)
		require.NoError(t, err, "CHAOS_SHORT_DURATION")
	}
	var log strings.Builder
	rep, err := chaos.Run(t.Context(), chaos.Options{
		Binary: bin, Config: filepath.Join(repoRoot(t), "otelcol-config.yaml"), Dir: t.TempDir(),
		Seed: seed, Duration: d, CatchUp: time.Minute,
		Backlog: 30000, LiveRate: 10, PageLatency: 100 * time.Millisecond,
		Log: &log, Verbose: true,
	})
	require.NoError(t, err)
	rep.Print(&log)
	t.Log("\n" + log.String())
	if rep.Failed() {
		t.Logf("--- %s (last 60 lines) ---\n%s", rep.LogPath, tail(rep.LogPath, 60))
	}
	require.Zero(t, rep.Lost, "events lost (replay: CHAOS_SEED=%d)", seed)
	require.Zero(t, rep.Unexpected, "events the simulators never had")
	require.Zero(t, rep.Unexplained, "duplicates not explained by a stop of the collector")
	require.Zero(t, rep.OverBound, "stops that re-sent more than the batches in flight")
	require.Zero(t, rep.UnexpectedExits, "the collector exited on its own")
	require.NotEmpty(t, rep.Stops, "the schedule stops the collector")
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(len(lines)-n, 0):], "\n")
}
