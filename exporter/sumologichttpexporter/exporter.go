package sumologichttpexporter // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/exporter/sumologichttpexporter"

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
	"go.uber.org/zap"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/exporter/sumologichttpexporter/internal/metadata"
)

type sumoExporter struct {
	cfg        *Config
	settings   component.TelemetrySettings
	logger     *zap.Logger
	endpoint   string // secret: never logged
	redactor   urlRedactor
	comp       *compressor
	appendLine appendLineFunc
	userAgent  string
	telemetry  *metadata.TelemetryBuilder
	compAttr   metric.MeasurementOption
	status     *statusReporter
	warned     *onceSet
	buffers    sync.Pool // *encodeBuffers

	client *http.Client // set in start
}

func newSumoExporter(cfg *Config, set exporter.Settings) (*sumoExporter, error) {
	if err := validateEndpoint(string(cfg.Endpoint)); err != nil {
		return nil, err
	}
	comp, err := newCompressor(cfg.compression(), cfg.CompressionParams.Level)
	if err != nil {
		return nil, err
	}
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		comp.close()
		return nil, fmt.Errorf("creating the self-metrics: %w", err)
	}
	e := &sumoExporter{
		cfg:        cfg,
		settings:   set.TelemetrySettings,
		logger:     set.Logger,
		endpoint:   string(cfg.Endpoint),
		redactor:   newURLRedactor(string(cfg.Endpoint)),
		comp:       comp,
		appendLine: lineEncoder(cfg.LogFormat),
		userAgent: fmt.Sprintf("%s/%s (%s/%s)",
			set.BuildInfo.Description, set.BuildInfo.Version, runtime.GOOS, runtime.GOARCH),
		telemetry: tb,
		compAttr:  metric.WithAttributeSet(attribute.NewSet(attribute.String("compression", comp.metricName()))),
		status:    &statusReporter{logger: set.Logger},
		warned:    newOnceSet(1024),
	}
	e.buffers.New = func() any { return &encodeBuffers{} }
	return e, nil
}

// start builds the HTTP client; it is deferred to here because auth and middleware extensions
// are only known now. The client does not compress: the exporter does, with pooled encoders
// (confighttp's compression is several times slower for gzip and deflate: see the Benchmark
// section of the README).
func (e *sumoExporter) start(ctx context.Context, host component.Host) error {
	e.status.setHost(host)
	cc := e.cfg.ClientConfig
	cc.Endpoint = ""
	cc.Compression = ""
	cc.CompressionParams.Level = 0
	// No traces of the requests: the otelhttp spans of confighttp carry the URL (url.full), and
	// its path is the credential. The metrics of otelhttp have no URL and stay on.
	tset := e.settings
	tset.TracerProvider = tracenoop.NewTracerProvider()
	client, err := cc.ToClient(ctx, host.GetExtensions(), tset)
	if err != nil {
		return fmt.Errorf("building the HTTP client: %w", err)
	}
	// A redirect is not followed: Go would repeat a POST answered 301/302/303 as a GET without
	// body, and the 200 of that GET would count the records as delivered. The 3xx itself is
	// returned and retried as an unexpected status.
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	e.client = client
	return nil
}

func (e *sumoExporter) shutdown(context.Context) error {
	if e.client != nil {
		e.client.CloseIdleConnections()
	}
	e.comp.close()
	e.telemetry.Shutdown()
	return nil
}

// encodeBuffers are the reusable buffers of one push.
type encodeBuffers struct {
	body       []byte
	line       []byte
	compressed []byte
	refs       []recordRef
}

// recordRef locates a log record inside the plog.Logs of a push.
type recordRef struct{ rl, sl, lr int32 }

// group is one metadata set and the ResourceLogs (indexes) that carry it.
type group struct {
	meta sourceMetadata
	rls  []int
}

// pushResult accumulates the outcome of one push.
type pushResult struct {
	sent     int
	failed   []recordRef // retryable: returned to the exporterhelper for retry
	retryErr error       // the first retryable error; later records are not attempted
	rejected int         // permanently dropped records
	permErrs []error
	// rejectErr is the first request the source rejected (a permanent HTTP answer).
	rejectErr error
}

// pushLogs groups the records by metadata set and sends each group in bodies of at most
// max_request_body_size uncompressed bytes. After the first retryable failure nothing more is
// attempted in this push; the unsent records are returned for retry through
// consumererror.NewLogs, so records the source acknowledged are never sent twice.
func (e *sumoExporter) pushLogs(ctx context.Context, ld plog.Logs) error {
	groups := e.groupByMetadata(ld)
	b := e.buffers.Get().(*encodeBuffers)
	defer e.buffers.Put(b)

	var res pushResult
	for i := range groups {
		e.sendGroup(ctx, ld, &groups[i], b, &res)
	}
	return e.finish(ld, &res)
}

func (e *sumoExporter) groupByMetadata(ld plog.Logs) []group {
	rls := ld.ResourceLogs()
	if rls.Len() == 1 {
		return []group{{meta: e.metadataOf(rls.At(0)), rls: []int{0}}}
	}
	var groups []group
	index := make(map[string]int, rls.Len())
	for i := 0; i < rls.Len(); i++ {
		meta := e.metadataOf(rls.At(i))
		k := meta.key()
		if gi, ok := index[k]; ok {
			groups[gi].rls = append(groups[gi].rls, i)
			continue
		}
		index[k] = len(groups)
		groups = append(groups, group{meta: meta, rls: []int{i}})
	}
	return groups
}

func (e *sumoExporter) metadataOf(rl plog.ResourceLogs) sourceMetadata {
	meta := newSourceMetadata(rl.Resource().Attributes())
	if (meta.droppedFields > 0 || meta.truncatedValues > 0 || meta.skippedFields > 0) && e.warned.first("fields\x00"+meta.key()) {
		e.logger.Warn("Resource attributes exceed the Sumo Logic X-Sumo-Fields limits; extra fields dropped, long values truncated, empty or colliding keys skipped",
			zap.Int("dropped_fields", meta.droppedFields),
			zap.Int("truncated_values", meta.truncatedValues),
			zap.Int("skipped_fields", meta.skippedFields),
			zap.Int("max_fields", maxFields),
			zap.Int("max_value_length", maxFieldValueRunes),
			zap.String("source_category", meta.category))
	}
	return meta
}

// sendGroup encodes the records of one group line by line and flushes a body before the
// next line would push it over the limit.
func (e *sumoExporter) sendGroup(ctx context.Context, ld plog.Logs, g *group, b *encodeBuffers, res *pushResult) {
	limit := e.cfg.MaxRequestBodySize
	raw := e.cfg.LogFormat != LogFormatJSON
	body := b.body[:0]
	refs := b.refs[:0]
	flush := func() {
		if len(refs) > 0 {
			b.body = body
			e.deliver(ctx, &g.meta, b, refs, res)
			body = b.body[:0]
		}
		refs = refs[:0]
	}
	rls := ld.ResourceLogs()
	for _, rli := range g.rls {
		sls := rls.At(rli).ScopeLogs()
		for sli := 0; sli < sls.Len(); sli++ {
			lrs := sls.At(sli).LogRecords()
			for lri := 0; lri < lrs.Len(); lri++ {
				ref := recordRef{rl: int32(rli), sl: int32(sli), lr: int32(lri)} //nolint:gosec // G115: indexes within one request, far below 2^31
				if res.retryErr != nil {
					res.failed = append(res.failed, ref)
					continue
				}
				b.line = e.appendLine(b.line[:0], lrs.At(lri))
				line := b.line
				if raw && len(line) == 0 {
					continue // an empty line is no message
				}
				if len(line)+1 > limit {
					res.rejected++
					res.permErrs = append(res.permErrs, fmt.Errorf(
						"a log record of %d bytes exceeds max_request_body_size (%d bytes) and is dropped (source category %q)",
						len(line)+1, limit, g.meta.category))
					continue
				}
				if len(body)+len(line)+1 > limit {
					flush()
					if res.retryErr != nil {
						res.failed = append(res.failed, ref)
						continue
					}
				}
				body = append(body, line...)
				body = append(body, '\n')
				refs = append(refs, ref)
			}
		}
	}
	flush()
	b.refs = refs[:0]
}

// deliver compresses and posts one body and books the outcome of its records.
func (e *sumoExporter) deliver(ctx context.Context, meta *sourceMetadata, b *encodeBuffers, refs []recordRef, res *pushResult) {
	if err := ctx.Err(); err != nil {
		res.retryErr = fmt.Errorf("sending to the Sumo Logic HTTP Source: %w", err)
		res.failed = append(res.failed, refs...)
		return
	}
	payload, err := e.comp.compress(b.compressed, b.body)
	if err != nil {
		e.reject(res, len(refs), consumererror.NewPermanent(err))
		return
	}
	if e.comp.encoding != "" {
		b.compressed = payload
	}
	e.telemetry.SumologichttpExporterUncompressedBytes.Add(ctx, int64(len(b.body)), e.compAttr)
	e.telemetry.SumologichttpExporterCompressedBytes.Add(ctx, int64(len(payload)), e.compAttr)

	code, warning, reusable, err := e.post(ctx, meta, payload)
	if !reusable {
		// The transport may still read the payload: leave its buffer to the garbage collector.
		b.compressed = nil
		if e.comp.encoding == "" {
			b.body = nil
		}
	}
	e.telemetry.SumologichttpExporterRequests.Add(ctx, 1,
		metric.WithAttributeSet(attribute.NewSet(attribute.Int(attrStatusCode, code))))
	switch {
	case err == nil:
		res.sent += len(refs)
		e.telemetry.SumologichttpExporterSentLogRecords.Add(ctx, int64(len(refs)))
		if warning != "" && e.warned.first("warning\x00"+warning) {
			e.logger.Warn("The Sumo Logic HTTP Source accepted a request with a warning",
				zap.Int("status_code", code), zap.String("warning", warning), zap.String("source_category", meta.category))
		}
	case consumererror.IsPermanent(err):
		e.reject(res, len(refs), err)
		if code != 0 && res.rejectErr == nil {
			res.rejectErr = err
		}
	default:
		res.retryErr = err
		res.failed = append(res.failed, refs...)
	}
}

func (e *sumoExporter) reject(res *pushResult, n int, err error) {
	res.rejected += n
	res.permErrs = append(res.permErrs, err)
}

// finish reports the status and turns the push result into the error for the exporterhelper.
func (e *sumoExporter) finish(ld plog.Logs, res *pushResult) error {
	if res.rejected > 0 {
		e.telemetry.SumologichttpExporterRejectedLogRecords.Add(context.Background(), int64(res.rejected))
	}
	permErr := errors.Join(res.permErrs...)
	if len(res.failed) > 0 {
		if !errors.Is(res.retryErr, context.Canceled) { // a shutdown is no health problem
			e.status.failed(res.retryErr)
		}
		if permErr != nil {
			// The retryable error below must stay retryable, so the drop is logged here.
			e.logger.Error("Log records dropped: rejected by the Sumo Logic HTTP Source or too large",
				zap.Int("dropped_log_records", res.rejected), zap.Error(permErr))
		}
		return consumererror.NewLogs(res.retryErr, failedLogs(ld, res.failed))
	}
	switch {
	case res.rejectErr != nil:
		// Dropped data is a health problem even though nothing is retried: a source that
		// rejects every request would otherwise look healthy while losing everything.
		e.status.failed(res.rejectErr)
	case res.sent > 0:
		e.status.succeeded()
	}
	if permErr != nil {
		return consumererror.NewPermanent(permErr)
	}
	return nil
}

// failedLogs copies the referenced records, with their resource and scope, into a new
// plog.Logs. refs of one ResourceLogs (and ScopeLogs) are contiguous.
func failedLogs(ld plog.Logs, refs []recordRef) plog.Logs {
	out := plog.NewLogs()
	var (
		lastRL, lastSL = int32(-1), int32(-1)
		outRL          plog.ResourceLogs
		outSL          plog.ScopeLogs
	)
	rls := ld.ResourceLogs()
	for _, r := range refs {
		rl := rls.At(int(r.rl))
		if r.rl != lastRL {
			outRL = out.ResourceLogs().AppendEmpty()
			rl.Resource().CopyTo(outRL.Resource())
			outRL.SetSchemaUrl(rl.SchemaUrl())
			lastRL, lastSL = r.rl, -1
		}
		sl := rl.ScopeLogs().At(int(r.sl))
		if r.sl != lastSL {
			outSL = outRL.ScopeLogs().AppendEmpty()
			sl.Scope().CopyTo(outSL.Scope())
			outSL.SetSchemaUrl(sl.SchemaUrl())
			lastSL = r.sl
		}
		sl.LogRecords().At(int(r.lr)).CopyTo(outSL.LogRecords().AppendEmpty())
	}
	return out
}

// onceSet remembers keys already logged, so a repeated condition logs one line, not one per
// request. It forgets everything when full, bounding memory.
type onceSet struct {
	mu   sync.Mutex
	max  int
	seen map[string]struct{}
}

func newOnceSet(maxKeys int) *onceSet {
	return &onceSet{max: maxKeys, seen: make(map[string]struct{})}
}

func (s *onceSet) first(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.seen[key]; ok {
		return false
	}
	if len(s.seen) >= s.max {
		clear(s.seen)
	}
	s.seen[key] = struct{}{}
	return true
}
