package jumpclouddirectoryinsightsreceiver

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/jumpcloudsim"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/metadata"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/metadatatest"
)

func TestSelfMetrics(t *testing.T) {
	t.Parallel()
	sim, url := startSim(t, jumpcloudsim.Config{Seed: 2})
	now := time.Now().UTC()
	require.NoError(t, sim.Generate(1500, now.Add(-time.Hour), now.Add(-10*time.Minute)))
	require.NoError(t, sim.InjectFault(jumpcloudsim.Fault{Kind: jumpcloudsim.FaultStatus, Status: http.StatusServiceUnavailable}))

	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set := metadatatest.NewSettings(tel)
	set.ID = component.NewID(metadata.Type)
	cfg := testConfig(url)
	cfg.PageSize = 1000
	sink := new(consumertest.LogsSink)
	r, err := newReceiver(cfg, set, sink)
	require.NoError(t, err)
	require.NoError(t, r.Start(context.Background(), newStatusHost()))
	waitFor(t, 10*time.Second, func() bool {
		st, _ := r.status.current()
		return st == stateCollecting && sink.LogRecordCount() == 1500
	}, "stalled")
	require.NoError(t, r.Shutdown(context.Background()))

	metadatatest.AssertEqualJumpcloudEventsReceived(t, tel, []metricdata.DataPoint[int64]{{Value: 1500}},
		metricdatatest.IgnoreTimestamp())
	// The 503, then the pages of the backfill window and of the later (empty) polls.
	reqs, err := tel.GetMetric("otelcol_jumpcloud_api_requests")
	require.NoError(t, err)
	byCode := map[int64]int64{}
	for _, dp := range reqs.Data.(metricdata.Sum[int64]).DataPoints {
		code, _ := dp.Attributes.Value("http.response.status_code")
		byCode[code.AsInt64()] = dp.Value
	}
	assert.Equal(t, int64(1), byCode[503])
	assert.GreaterOrEqual(t, byCode[200], int64(2))
	assert.NotContains(t, byCode, int64(0), "requests aborted by shutdown are not counted")
	lag, err := tel.GetMetric("otelcol_jumpcloud_window_lag")
	require.NoError(t, err)
	g := lag.Data.(metricdata.Gauge[float64])
	require.Len(t, g.DataPoints, 1)
	assert.InDelta(t, (10 * time.Minute).Seconds(), g.DataPoints[0].Value, 60, "now minus the newest event time")
	transitions, err := tel.GetMetric("otelcol_jumpcloud_source_state_transitions")
	require.NoError(t, err)
	assert.NotEmpty(t, transitions.Data.(metricdata.Sum[int64]).DataPoints)
}
