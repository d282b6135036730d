package sumologichttpexporter

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/exporter/sumologichttpexporter/internal/metadatatest"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/sumosink"
)

func TestSelfMetrics(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	sink := startSink(t, sumosink.Config{})
	cfg := testConfig(sink.URL())
	cfg.MaxRequestBodySize = 40
	exp := newTestExporter(t, cfg, metadatatest.NewSettings(tel), nil)

	// Each push is one request of four 10-byte lines (9 + newline); the first is answered 503.
	sink.InjectFaults(sumosink.Fault{Status: http.StatusServiceUnavailable})
	line := strings.Repeat("a", 9)
	ld := makeLogs(resourceSpec{bodies: []string{line, line, line, line}})
	require.Error(t, exp.pushLogs(context.Background(), ld))
	require.NoError(t, exp.pushLogs(context.Background(), ld))
	// One record too large for the limit.
	require.Error(t, exp.pushLogs(context.Background(), makeLogs(resourceSpec{bodies: []string{strings.Repeat("b", 40)}})))

	status := func(code int) attribute.Set {
		return attribute.NewSet(attribute.Int("http.response.status_code", code))
	}
	gzipAttr := attribute.NewSet(attribute.String("compression", "gzip"))
	opts := []metricdatatest.Option{metricdatatest.IgnoreTimestamp()}
	metadatatest.AssertEqualSumologichttpExporterRequests(t, tel, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: status(http.StatusServiceUnavailable)},
		{Value: 1, Attributes: status(http.StatusOK)},
	}, opts...)
	metadatatest.AssertEqualSumologichttpExporterSentLogRecords(t, tel, []metricdata.DataPoint[int64]{{Value: 4}}, opts...)
	metadatatest.AssertEqualSumologichttpExporterRejectedLogRecords(t, tel, []metricdata.DataPoint[int64]{{Value: 1}}, opts...)
	// 40 bytes in the failed request, 40 in the successful one.
	metadatatest.AssertEqualSumologichttpExporterUncompressedBytes(t, tel, []metricdata.DataPoint[int64]{{Value: 80, Attributes: gzipAttr}}, opts...)
	// The same body twice: the sink counts the compressed bytes of the accepted one.
	metadatatest.AssertEqualSumologichttpExporterCompressedBytes(t, tel, []metricdata.DataPoint[int64]{
		{Value: 2 * sink.Stats().CompressedBytes, Attributes: gzipAttr},
	}, opts...)
}
