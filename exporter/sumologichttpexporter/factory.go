package sumologichttpexporter // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/exporter/sumologichttpexporter"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/exporter/sumologichttpexporter/internal/metadata"
)

// NewFactory creates the factory of the sumologichttp exporter.
func NewFactory() exporter.Factory {
	return exporter.NewFactory(
		metadata.Type,
		createDefaultConfig,
		exporter.WithLogs(createLogs, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	clientConfig := confighttp.NewDefaultClientConfig()
	clientConfig.Timeout = 30 * time.Second
	clientConfig.Compression = configcompression.TypeGzip
	// Bodies are up to 1 MiB; the response is (almost) empty.
	clientConfig.WriteBufferSize = 512 * 1024

	return &Config{
		ClientConfig:       clientConfig,
		QueueConfig:        configoptional.Some(exporterhelper.NewDefaultQueueConfig()),
		RetryConfig:        defaultRetryConfig(),
		MaxRequestBodySize: DefaultMaxRequestBodySize,
		LogFormat:          LogFormatRaw,
		Client:             DefaultClient,
	}
}

func createLogs(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
	sCfg := cfg.(*Config)
	exp, err := newSumoExporter(sCfg, set)
	if err != nil {
		return nil, err
	}
	logs, err := exporterhelper.NewLogs(ctx, set, cfg,
		exp.pushLogs,
		exporterhelper.WithStart(exp.start),
		exporterhelper.WithShutdown(exp.shutdown),
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
		// The http.Client timeout (`timeout`) bounds each request; a push may send several.
		exporterhelper.WithTimeout(exporterhelper.TimeoutConfig{Timeout: 0}),
		exporterhelper.WithRetry(sCfg.RetryConfig),
		exporterhelper.WithQueue(sCfg.QueueConfig),
	)
	if err != nil {
		return nil, err
	}
	return &stoppingLogs{Logs: logs, status: exp.status}, nil
}

// stoppingLogs ends the status reports when Shutdown begins. The service has reported Stopping
// by then, and the exporterhelper still drains the queue through pushLogs: an OK or
// RecoverableError after Stopping would be an invalid status transition.
type stoppingLogs struct {
	exporter.Logs
	status *statusReporter
}

func (l *stoppingLogs) Shutdown(ctx context.Context) error {
	l.status.stop()
	return l.Logs.Shutdown(ctx)
}

// defaultRetryConfig retries until the data is delivered (max_elapsed_time 0): Sumo Logic
// answers 429 and 401 for conditions an operator fixes, and the queue (persistent when
// `storage` is set) holds the data meanwhile; a full queue pushes back on the receiver, which
// then keeps its checkpoint instead of losing events.
func defaultRetryConfig() configretry.BackOffConfig {
	cfg := configretry.NewDefaultBackOffConfig()
	cfg.MaxElapsedTime = 0
	return cfg
}
