package jumpclouddirectoryinsightsreceiver

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
)

// TestMappingGolden runs testdata/events.json (one event per service quirk: millisecond,
// nanosecond and second precision, radius UUID ids, sso_token_success, escaped text) through the
// receiver and compares the records with testdata/golden/logs.yaml. Regenerate with
// UPDATE_GOLDEN=1 go test -run TestMappingGolden ./receiver/jumpclouddirectoryinsightsreceiver/
func TestMappingGolden(t *testing.T) {
	t.Parallel()
	page, err := os.ReadFile(filepath.Join("testdata", "events.json"))
	require.NoError(t, err)
	cfg := testConfig(onePageServer(t, page))
	cfg.Category = "security/jumpcloud"
	cfg.Fields = map[string]any{"_siemForward": true}
	sink := new(consumertest.LogsSink)
	startReceiver(t, cfg, newStatusHost(), sink)
	waitFor(t, 5*time.Second, func() bool { return sink.LogRecordCount() == 4 }, "records never arrived")

	goldenPath := filepath.Join("testdata", "golden", "logs.yaml")
	got := sink.AllLogs()[0]
	if os.Getenv("UPDATE_GOLDEN") != "" {
		require.NoError(t, golden.WriteLogsToFile(goldenPath, got))
	}
	want, err := golden.ReadLogs(goldenPath)
	require.NoError(t, err)
	require.NoError(t, plogtest.CompareLogs(want, got, plogtest.IgnoreObservedTimestamp(), plogtest.IgnoreScopeLogsVersion()))
}
