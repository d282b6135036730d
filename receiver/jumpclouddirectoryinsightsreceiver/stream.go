package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/mapping"
)

// streamSpec names one collection stream: an organization, the provider's own events, or the
// API key's own organization (neither set).
type streamSpec struct {
	orgID      string
	providerID string
}

// storageName is the stream's name in its storage keys and query fingerprint (checkpoint.go,
// window.go): the organization id, "provider:<id>", or "" for the API key's own organization.
// Stored checkpoints are found by it, so its form never changes. It is never shown: log lines
// carry logFields, self-metrics metricAttrs, component status the maps of status.go.
func (s streamSpec) storageName() string {
	if s.providerID != "" {
		return "provider:" + s.providerID
	}
	return s.orgID
}

// logFields are the fields of the stream's log lines, with the meaning of its metric attributes:
// organization (the configured organization id) or provider (the provider id of the provider's
// own events); none for the API key's own organization.
func (s streamSpec) logFields() []zap.Field {
	switch {
	case s.providerID != "":
		return []zap.Field{zap.String(logFieldProvider, s.providerID)}
	case s.orgID != "":
		return []zap.Field{zap.String(logFieldOrganization, s.orgID)}
	}
	return nil
}

// The log fields naming a stream (logFields).
const (
	logFieldOrganization = "organization"
	logFieldProvider     = "provider"
)

// label names the stream in error messages: "organization <id>", "provider <id>", or "" for the
// API key's own organization.
func (s streamSpec) label() string {
	switch {
	case s.providerID != "":
		return "provider " + s.providerID
	case s.orgID != "":
		return "organization " + s.orgID
	}
	return ""
}

// metricAttrs are the stream's self-metric attributes, with the meaning of the resource
// attributes of its records (convert.go): jumpcloud.organization is the configured organization
// id, jumpcloud.provider the provider id of the provider's own events; none for the API key's
// own organization.
func (s streamSpec) metricAttrs() []attribute.KeyValue {
	switch {
	case s.providerID != "":
		return []attribute.KeyValue{attribute.String(attrProvider, s.providerID)}
	case s.orgID != "":
		return []attribute.KeyValue{attribute.String(attrOrganization, s.orgID)}
	}
	return nil
}

// stream collects one organization: its windows, their slices, its checkpoint and seen-id set,
// its status. The streams of a receiver share the request budget, the next consumer and the
// storage client.
type stream struct {
	spec   streamSpec
	r      *diReceiver
	client eventsAPI
	conv   *converter
	// batchBytes bounds the raw bytes of one delivery batch (deliver.go).
	batchBytes int
	// counts runs the stream's advisory counts and the narrowing (counter.go).
	counts *counter
	// attrs are the stream's self-metric attributes (streamSpec.metricAttrs).
	attrs *metricAttrSets
	// log is the receiver's logger with the stream's fields (streamSpec.logFields): every log
	// line of the stream goes through it.
	log *zap.Logger

	mu sync.Mutex // guards the fields below
	cp *checkpoint
	// writer keeps cp and storage in step (persist.go); its counters are guarded by mu.
	writer checkpointWriter
	// live holds what the slices being collected have fetched, index-aligned with cp.Slices
	// (not persisted): where a slice can be split.
	live []sliceLive
	// progress is closed (and replaced) when a slice being collected fetched a page or
	// stopped: a worker with nothing to split waits on it (slices.go, nextSlice).
	progress chan struct{}

	// warnedIncomplete limits the warning about events without id or timestamp to one.
	warnedIncomplete atomic.Bool
	// woken: the shared probe woke this stream: its next step runs even when less than
	// poll_interval has passed since its window end; mustRead: the shared probe found something
	// new in its probe range, so that step reads its window without counting first.
	woken, mustRead atomic.Bool
}

// newStream builds the stream of spec; Start gives it the API client and its checkpoint (load).
func (r *diReceiver) newStream(spec streamSpec) *stream {
	batchBytes := deliveryBatchBytes
	if r.cfg.Format == mapping.FormatECS || r.cfg.Format == mapping.FormatOCSF {
		batchBytes = mappedBatchBytes
	}
	s := &stream{spec: spec, r: r, conv: newConverter(r.cfg, r.settings.BuildInfo, spec), attrs: newMetricAttrSets(spec.metricAttrs()),
		log: r.settings.Logger.With(spec.logFields()...), batchBytes: batchBytes}
	s.writer.mu, s.writer.now = &s.mu, r.now
	s.counts = &counter{
		countRange: func(ctx context.Context, start, end time.Time) (int64, error) {
			return r.countEvents(ctx, s.query(start, end), s.attrs)
		},
		failed: func(ctx context.Context, reason string) {
			r.telemetry.JumpcloudCountFailures.Add(ctx, 1, s.attrs.with(attribute.String(attrKeyCountFailureReason, reason)))
		},
		log: s.log,
	}
	return s
}

// query is the stream's query over [start, end): its services and its organization (x-org-id)
// or provider (x-provider-id).
func (s *stream) query(start, end time.Time) jumpcloud.Query {
	q := jumpcloud.Query{Service: s.r.services, StartTime: start, EndTime: end, ProviderID: s.spec.providerID}
	if s.spec.orgID != "" {
		q.OrgIDs = []string{s.spec.orgID}
	}
	return q
}

// wrap names the stream in err (streamSpec.label).
func (s *stream) wrap(err error) error {
	if err == nil || s.spec.label() == "" {
		return err
	}
	return &streamError{stream: s.spec.label(), err: err}
}

type streamError struct {
	stream string // streamSpec.label
	err    error
}

func (e *streamError) Error() string { return e.stream + ": " + e.err.Error() }

func (e *streamError) Unwrap() error { return e.err }

func (s *stream) setState(state sourceState, etype errorType, err error) {
	s.r.status.set(s.spec, state, etype, s.wrap(err))
}

func (s *stream) metricOpt(extra ...attribute.KeyValue) metric.MeasurementOption {
	return s.attrs.with(extra...)
}

// Contexts. The engine runs with two (Start makes them, Shutdown ends them), and every call
// takes one by this rule:
//   - ctx, the run context, ends when Shutdown begins: API requests (pages, counts), the
//     request budget, and every wait (backoff, poll_interval, the shared probe's park and
//     poll): what fetches, or decides what to fetch, stops at once;
//   - deliverCtx, the delivery context, ends shutdownGrace later (or at the shutdown
//     deadline): handing events to the next consumer (ConsumeLogs) and every storage write
//     (persist, write): what was fetched before the stop is delivered and committed.
//
// A function that does both takes both, in that order (ctx, deliverCtx). Self-metrics take
// whichever the call has (they ignore cancellation). Shutdown stores what is still ahead of
// storage with its own context once both ended.

// run is the stream's loop: open a window (or wait poll_interval when caught up), slice it,
// collect the slices, close the window. Transient failures are retried indefinitely with
// backoff; a configuration error stops this stream only, until the collector restarts.
func (s *stream) run(ctx, deliverCtx context.Context) {
	bo := newBackOff(s.r.cfg.BackOff)
	if s.startsCaughtUp() {
		// Its first window is the tail: the shared probe counts it with the others (an MSP
		// key with thousands of idle organizations starts with a request per 100 of them).
		if !s.r.group.wait(ctx, s) {
			return
		}
		s.woken.Store(true)
	}
	for {
		caughtUp, err := s.step(ctx, deliverCtx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			if !s.waitToRetry(ctx, bo, err) {
				return // a configuration error stops this stream; or shutting down
			}
			continue
		}
		bo.Reset()
		if caughtUp {
			s.setState(stateCollecting, errNone, nil)
			if s.groupable() {
				// The shared probe (group.go) counts this organization with the others and
				// wakes it when it has something to collect.
				if !s.r.group.wait(ctx, s) {
					return
				}
				s.woken.Store(true)
				continue
			}
			if !s.r.clock.Sleep(ctx, s.r.cfg.PollInterval) {
				return
			}
		}
	}
}

// step collects one window (and, once caught up, the late events the probe finds before it);
// it reports caughtUp when there is nothing to fetch until time passes.
func (s *stream) step(ctx, deliverCtx context.Context) (caughtUp bool, err error) {
	if err := s.writer.persistIfDirty(deliverCtx, s.cp); err != nil {
		return false, err
	}
	// Whatever this step does, the shared probe's finding is used now or not at all.
	mustRead := s.mustRead.Swap(false)
	s.mu.Lock()
	// A window stored before a stop longer than the retention: its start is gone.
	s.cp.dropExpiredWindow(s.r.now())
	resume := s.cp.InWindow
	var (
		end      time.Time
		tail, ok bool
	)
	if !resume {
		now := s.r.now()
		s.clampToRetentionLocked(now)
		end, tail, ok = s.cp.nextWindow(now, rulesOf(s.r.cfg), s.woken.Swap(false))
	}
	s.mu.Unlock()
	if resume {
		return false, s.collectWindow(ctx, deliverCtx)
	}
	if !ok {
		return true, nil
	}
	counted := false
	if tail && mustRead {
		counted = true // the shared probe's count: the probe range is counted again after the read
	} else if tail {
		var nothingNew bool
		if counted, nothingNew = s.startProbe(ctx, end); nothingNew {
			s.skipWindow(end)
			return true, s.writer.persist(deliverCtx, s.cp)
		}
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
	}
	if !tail {
		gap, final := s.gapRanges(ctx)
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		if !final.IsZero() {
			if err := s.settle(deliverCtx, final, gap); err != nil {
				return false, err
			}
			if len(gap) > 0 {
				return false, s.collectWindow(ctx, deliverCtx)
			}
		}
	}
	s.mu.Lock()
	s.openWindowLocked(end, tail)
	s.mu.Unlock()
	if err := s.collectWindow(ctx, deliverCtx); err != nil {
		return false, err
	}
	if !tail || s.r.cfg.Overlap <= 0 {
		return tail, nil
	}
	return true, s.settleLate(ctx, deliverCtx, counted)
}

// settleLate re-reads the late events of the tail window just read: the ranges of its probe
// range that the count finds more events in than were delivered (lateRanges), or, while
// /events/count fails (counted is false when it failed before the window was read), the part of
// it that is overlap old (unprobedRanges).
func (s *stream) settleLate(ctx, deliverCtx context.Context, counted bool) error {
	var (
		late  []sliceProgress
		final time.Time
		ok    bool
	)
	if counted {
		late, final, ok = s.lateRanges(ctx)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if !ok {
		late, final = s.unprobedRanges()
	}
	if err := s.settle(deliverCtx, final, late); err != nil {
		return err
	}
	if len(late) == 0 {
		return nil
	}
	return s.collectWindow(ctx, deliverCtx)
}

// collectWindow slices the open window when it is not yet, collects its slices and closes it.
func (s *stream) collectWindow(ctx, deliverCtx context.Context) error {
	s.mu.Lock()
	planned := len(s.cp.Slices) > 0
	s.mu.Unlock()
	if !planned {
		if err := s.planSlices(ctx, deliverCtx); err != nil {
			return err
		}
	}
	if err := s.collectSlices(ctx, deliverCtx); err != nil {
		return err
	}
	s.mu.Lock()
	s.cp.closeWindow()
	s.writer.changed()
	s.mu.Unlock()
	return s.writer.persist(deliverCtx, s.cp)
}
