package jumpclouddirectoryinsightsreceiver

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/mapping"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/metadata"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/metadatatest"
)

// TestFormats runs a page of testdata/events.json plus an element that is not an object
// through the receiver in each format: the scope carries elastic.mapping.mode only for ecs, the
// bodies have the format's type, every record has an EventName and a severity, and the event
// that cannot be mapped is delivered all the same and counted in jumpcloud_events_unmapped.
func TestFormats(t *testing.T) {
	t.Parallel()
	page, err := os.ReadFile(filepath.Join("testdata", "events.json"))
	require.NoError(t, err)
	page = append(page[:len(page)-2], []byte(`,"not an object"]`)...) // events.json ends with "]\n"
	tests := []struct {
		format   mapping.Format
		semconv  bool
		bodyType pcommon.ValueType
		unmapped int64
	}{
		{mapping.FormatRaw, false, pcommon.ValueTypeStr, 0},
		{mapping.FormatRaw, true, pcommon.ValueTypeStr, 1},
		{mapping.FormatECS, false, pcommon.ValueTypeMap, 1},
		{mapping.FormatOCSF, true, pcommon.ValueTypeMap, 1},
	}
	for _, tt := range tests {
		t.Run(string(tt.format), func(t *testing.T) {
			t.Parallel()
			tel := componenttest.NewTelemetry()
			t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
			set := metadatatest.NewSettings(tel)
			set.ID = component.NewID(metadata.Type)
			cfg := testConfig(onePageServer(t, page))
			cfg.Format, cfg.SemanticConventions = tt.format, tt.semconv
			sink := new(consumertest.LogsSink)
			r, err := newReceiver(cfg, set, sink)
			require.NoError(t, err)
			require.NoError(t, r.Start(context.Background(), newStatusHost()))
			waitFor(t, 5*time.Second, func() bool { return sink.LogRecordCount() == 5 }, "records never arrived")
			require.NoError(t, r.Shutdown(context.Background()))

			sl := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0)
			mode, ok := sl.Scope().Attributes().Get("elastic.mapping.mode")
			assert.Equal(t, tt.format == mapping.FormatECS, ok)
			if ok {
				assert.Equal(t, "bodymap", mode.Str())
			}
			records := sl.LogRecords()
			for i := 0; i < records.Len(); i++ {
				lr := records.At(i)
				assert.NotEmpty(t, lr.EventName())
				assert.NotZero(t, lr.SeverityNumber())
				if i < 4 {
					assert.Equal(t, tt.bodyType, lr.Body().Type())
				}
			}
			last := records.At(4)
			assert.Equal(t, `"not an object"`, last.Body().Str(), "delivered with the raw body")
			if tt.unmapped > 0 {
				_, hasErr := last.Attributes().Get(mapping.AttrMappingError)
				assert.True(t, hasErr)
				metadatatest.AssertEqualJumpcloudEventsUnmapped(t, tel, []metricdata.DataPoint[int64]{{Value: tt.unmapped}},
					metricdatatest.IgnoreTimestamp())
			} else {
				_, err := tel.GetMetric("otelcol_jumpcloud_events_unmapped")
				assert.Error(t, err, "raw alone never decodes an event: nothing to fail")
			}
		})
	}
}
