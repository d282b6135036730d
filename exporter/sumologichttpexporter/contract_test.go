package sumologichttpexporter

import (
	"context"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pipeline"
	"go.opentelemetry.io/collector/receiver"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/sumosink"
)

// sinkRouter serves the sink of the receiver that is currently started, so one listener (and
// one exporter endpoint) serves every scenario of the contract check.
type sinkRouter struct{ current atomic.Pointer[sumosink.Sink] }

func (r *sinkRouter) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if s := r.current.Load(); s != nil {
		s.ServeHTTP(w, req)
		return
	}
	http.Error(w, "no receiver", http.StatusServiceUnavailable)
}

type sinkReceiverConfig struct{ router *sinkRouter }

// sinkReceiver turns every request the sink accepts into a plog.Logs for the next consumer;
// the consumer's answer becomes the HTTP answer: permanent -> 400, other errors -> 503.
type sinkReceiver struct {
	router *sinkRouter
	next   consumer.Logs
}

func (r *sinkReceiver) Start(context.Context, component.Host) error {
	sink, err := sumosink.New(sumosink.Config{Code: testCode, OnBatch: r.onBatch})
	if err != nil {
		return err
	}
	r.router.current.Store(sink)
	return nil
}

func (r *sinkReceiver) Shutdown(context.Context) error {
	r.router.current.Store(nil)
	return nil
}

func (r *sinkReceiver) onBatch(b sumosink.Batch) int {
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for _, m := range b.Messages {
		var line map[string]any
		if err := json.Unmarshal([]byte(m), &line); err != nil {
			return http.StatusBadRequest
		}
		lr := lrs.AppendEmpty()
		delete(line, jsonBodyKey)
		if err := lr.Attributes().FromRaw(line); err != nil {
			return http.StatusBadRequest
		}
	}
	err := r.next.ConsumeLogs(context.Background(), ld)
	switch {
	case err == nil:
		return http.StatusOK
	case consumererror.IsPermanent(err):
		return http.StatusBadRequest
	default:
		return http.StatusServiceUnavailable
	}
}

func newSinkReceiverFactory(router *sinkRouter) receiver.Factory {
	return receiver.NewFactory(component.MustNewType("sumosink"),
		func() component.Config { return &sinkReceiverConfig{router: router} },
		receiver.WithLogs(func(_ context.Context, _ receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
			return &sinkReceiver{router: cfg.(*sinkReceiverConfig).router, next: next}, nil
		}, component.StabilityLevelAlpha))
}

func TestConsumeContract(t *testing.T) {
	router := &sinkRouter{}
	srv := startRouter(t, router)

	// Synchronous sends (no sending_queue): CheckConsumeContract in v0.165.0 reads its
	// counters without a lock and checks them with require inside EventuallyWithT, so it only
	// supports exporters whose ConsumeLogs returns after delivery. The queued path is covered
	// by TestFaultSequencesLoseAndDuplicateNothing.
	cfg := testConfig(srv + sumosink.PathPrefix + testCode)
	// json keeps the record attributes, where the contract puts its test ids.
	cfg.LogFormat = LogFormatJSON
	rf := newSinkReceiverFactory(router)
	exportertest.CheckConsumeContract(exportertest.CheckConsumeContractParams{
		T:                    t,
		NumberOfTestElements: 20,
		Signal:               pipeline.SignalLogs,
		ExporterFactory:      NewFactory(),
		ExporterConfig:       cfg,
		ReceiverFactory:      rf,
		ReceiverConfig:       rf.CreateDefaultConfig(),
	})
}

func startRouter(t *testing.T, h http.Handler) string {
	t.Helper()
	l, err := listenLoopback()
	require.NoError(t, err)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	t.Cleanup(func() {
		require.NoError(t, srv.Close())
		<-done
	})
	return "http://" + l.Addr().String()
}
