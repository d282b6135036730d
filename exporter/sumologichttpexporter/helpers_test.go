package sumologichttpexporter

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/exporter/sumologichttpexporter/internal/metadata"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/statustest"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/sumosink"
)

const testCode = "SECRETcode0123456789abcdefSECRET"

// startSink serves a sink with testCode on loopback for the duration of the test.
func startSink(t *testing.T, cfg sumosink.Config) *sumosink.Sink {
	t.Helper()
	cfg.Code = testCode
	s, err := sumosink.Start("127.0.0.1:0", cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

// testConfig is the default config pointed at endpoint, without queue and with fast retries.
func testConfig(endpoint string) *Config {
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	cfg.Endpoint = configopaque.String(endpoint)
	cfg.Timeout = 5 * time.Second
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	cfg.RetryConfig = fastRetry()
	return cfg
}

func fastRetry() configretry.BackOffConfig {
	r := configretry.NewDefaultBackOffConfig()
	r.InitialInterval = 5 * time.Millisecond
	r.MaxInterval = 20 * time.Millisecond
	r.RandomizationFactor = 0
	r.MaxElapsedTime = 0
	return r
}

// withSingleConsumerQueue enables the sending queue with one consumer, so requests reach the
// sink one after the other.
func withSingleConsumerQueue(cfg *Config) *Config {
	q := exporterhelper.NewDefaultQueueConfig()
	q.NumConsumers = 1
	cfg.QueueConfig = configoptional.Some(q)
	return cfg
}

func withCompression(cfg *Config, c configcompression.Type) *Config {
	cfg.Compression = c
	return cfg
}

// resourceSpec describes one ResourceLogs of a test input.
type resourceSpec struct {
	attrs  map[string]string
	bodies []string
}

func makeLogs(specs ...resourceSpec) plog.Logs {
	ld := plog.NewLogs()
	for _, s := range specs {
		rl := ld.ResourceLogs().AppendEmpty()
		for k, v := range s.attrs {
			rl.Resource().Attributes().PutStr(k, v)
		}
		lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
		for _, b := range s.bodies {
			lrs.AppendEmpty().Body().SetStr(b)
		}
	}
	return ld
}

// newTestExporter creates a started sumoExporter (without exporterhelper) for direct pushes.
func newTestExporter(t *testing.T, cfg *Config, set exporter.Settings, host component.Host) *sumoExporter {
	t.Helper()
	require.NoError(t, cfg.Validate())
	e, err := newSumoExporter(cfg, set)
	require.NoError(t, err)
	if host == nil {
		host = componenttest.NewNopHost()
	}
	require.NoError(t, e.start(context.Background(), host))
	t.Cleanup(func() { require.NoError(t, e.shutdown(context.Background())) })
	return e
}

func nopSettings() exporter.Settings { return exportertest.NewNopSettings(metadata.Type) }

func newStatusHost() *statustest.Host { return statustest.NewHost() }

func listenLoopback() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }

func componentTestConfigStruct(cfg component.Config) error {
	return componenttest.CheckConfigStruct(cfg)
}
