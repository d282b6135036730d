package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/httpretry"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
)

// retentionMargin keeps the oldest start time safely inside the API's retention.
const retentionMargin = time.Hour

// streamSpec names one collection stream: an organization, the provider's own events, or the
// API key's own organization (neither set).
type streamSpec struct {
	orgID      string
	providerID string
}

// name is the stream's label in storage keys, logs, status and self-metrics: the organization
// id, "provider:<id>", or "" for the API key's own organization.
func (s streamSpec) name() string {
	if s.providerID != "" {
		return "provider:" + s.providerID
	}
	return s.orgID
}

// stream collects one organization: its windows, their slices, its checkpoint and seen-id set,
// its status. The streams of a receiver share the request budget, the next consumer and the
// storage client.
type stream struct {
	spec   streamSpec
	r      *diReceiver
	client *jumpcloud.Client
	store  checkpointStore
	conv   *converter
	// attrs are the stream's self-metric attributes (its organization).
	attrs []attribute.KeyValue

	mu sync.Mutex // guards the fields below
	cp *checkpoint
	// dirty is set while the in-memory checkpoint is ahead of the stored one; seenDirty while
	// its seen-id set is; adopted while it is the single-organization checkpoint not yet moved
	// under this stream's key.
	dirty, seenDirty, adopted bool
	// live holds what the slices being collected have fetched, index-aligned with cp.Slices
	// (not persisted): where a slice can be split.
	live []sliceLive

	// warnedIncomplete limits the warning about events without id or timestamp to one.
	warnedIncomplete atomic.Bool
}

func (r *diReceiver) newStream(spec streamSpec, client *jumpcloud.Client) *stream {
	var attrs []attribute.KeyValue
	if spec.name() != "" {
		attrs = append(attrs, attribute.String(attrOrganization, spec.name()))
	}
	return &stream{spec: spec, r: r, client: client, conv: newConverter(r.cfg, r.settings.BuildInfo, spec), attrs: attrs}
}

// wrap names the stream's organization in err.
func (s *stream) wrap(err error) error {
	if err == nil || s.spec.name() == "" {
		return err
	}
	return &streamError{stream: s.spec.name(), err: err}
}

type streamError struct {
	stream string
	err    error
}

func (e *streamError) Error() string { return "organization " + e.stream + ": " + e.err.Error() }
func (e *streamError) Unwrap() error { return e.err }

func (s *stream) setState(state sourceState, etype errorType, err error) {
	s.r.status.set(s.spec.name(), state, etype, s.wrap(err))
}

func (s *stream) metricOpt(extra ...attribute.KeyValue) metric.MeasurementOption {
	return metric.WithAttributeSet(attribute.NewSet(append(extra, s.attrs...)...))
}

// freshCheckpoint is the position of a first start: a window beginning initial_lookback ago
// (clamped to the retention) with no overlap before it.
func (s *stream) freshCheckpoint() *checkpoint {
	start := s.r.now().Add(-s.r.cfg.InitialLookback)
	if floor := s.retentionFloor(); start.Before(floor) {
		start = floor
	}
	return &checkpoint{WindowEnd: start.UTC(), NoOverlap: true, Seen: seenSet{}}
}

func (s *stream) retentionFloor() time.Time {
	return s.r.now().Add(-retention + retentionMargin)
}

// queryFingerprint identifies the query a stored search_after belongs to. Its format
// (services|organization|API) is the one of the single-organization receiver, so that its
// checkpoint is adopted as is.
func (s *stream) queryFingerprint() string {
	org := s.spec.orgID
	if s.spec.providerID != "" {
		org = s.spec.name()
	}
	return strings.Join(s.r.services, ",") + "|" + org + "|" + s.r.cfg.baseURL()
}

// repairCheckpoint makes a loaded checkpoint safe to resume: a window stored under another
// query (services, organization or API changed) restarts from its start (events of that window
// may be delivered again: duplicates, never a gap); an impossible window is dropped.
func (s *stream) repairCheckpoint(cp *checkpoint) {
	if !cp.InWindow {
		return
	}
	if !cp.WindowEnd.After(cp.WindowStart) {
		s.r.settings.Logger.Warn("Stored window is empty: skipping it", zap.String("organization", s.spec.name()),
			zap.Time("window_start", cp.WindowStart), zap.Time("window_end", cp.WindowEnd))
		cp.InWindow, cp.Slices = false, nil
		return
	}
	if cp.Query != s.queryFingerprint() && len(cp.Slices) > 0 {
		s.r.settings.Logger.Warn("Query changed since the checkpoint (service, org_id or endpoint): re-reading the current window from its start; events already delivered in it may be sent again",
			zap.String("organization", s.spec.name()), zap.Time("window_start", cp.WindowStart), zap.Time("window_end", cp.WindowEnd))
		cp.Slices = nil
	}
}

// openWindow starts the next window [previous end - overlap, now - settle_delay), at most
// max_window long. It reports false when less than poll_interval has settled since the previous
// window (caught up): without that bound every closed window would open the next one at once
// and the overlap would be re-read in a tight loop. The caller holds s.mu.
func (s *stream) openWindow() bool {
	cp, cfg := s.cp, s.r.cfg
	if floor := s.retentionFloor(); cp.WindowEnd.Before(floor) {
		// Stopped for longer than the retention: what is older is gone from the API.
		s.r.settings.Logger.Warn("Checkpoint is older than the Directory Insights retention: resuming at the oldest available time",
			zap.String("organization", s.spec.name()), zap.Time("checkpoint", cp.WindowEnd), zap.Time("resume_at", floor))
		cp.WindowEnd, cp.NoOverlap = floor.UTC(), true
	}
	end := s.r.now().Add(-cfg.SettleDelay)
	capped := false
	if limit := cp.WindowEnd.Add(cfg.MaxWindow); end.After(limit) {
		end, capped = limit, true
	}
	if !end.After(cp.WindowEnd) || (!capped && end.Sub(cp.WindowEnd) < cfg.PollInterval) {
		return false
	}
	start := cp.WindowEnd
	if !cp.NoOverlap {
		start = start.Add(-cfg.Overlap)
	}
	if floor := s.retentionFloor(); start.Before(floor) {
		start = floor
	}
	if !end.After(start) { // never send start >= end: the API answers 400
		return false
	}
	cp.InWindow, cp.NoOverlap = true, false
	cp.WindowStart, cp.WindowEnd = start.UTC(), end.UTC()
	cp.Slices = nil
	// Ids older than the window start cannot be read again.
	if cp.Seen.pruneBefore(cp.WindowStart) > 0 {
		s.seenDirty = true
	}
	s.dirty = true
	return true
}

// behind reports whether a window is long enough to be worth slicing: more than two polls'
// worth of time.
func (s *stream) behind(start, end time.Time) bool {
	return s.r.cfg.MaxConcurrentRequests > 1 && end.Sub(start) > 2*(s.r.cfg.PollInterval+s.r.cfg.Overlap)
}

// planSlices splits the current window into slices fetched concurrently. A window that is
// behind is sized with one POST /events/count (as JumpCloud's own exporter does): as many
// slices as there are concurrent requests, but each at least two pages long, so that the extra
// last page each slice ends with costs little. Slices split time evenly.
func (s *stream) planSlices(ctx context.Context) error {
	s.mu.Lock()
	start, end := s.cp.WindowStart, s.cp.WindowEnd
	s.mu.Unlock()
	n := 1
	if s.behind(start, end) {
		var count int64
		err := s.r.budget.do(ctx, func(ctx context.Context) error {
			var err error
			count, err = s.client.Count(ctx, jumpcloud.Query{Service: s.r.services, StartTime: start, EndTime: end})
			return err
		})
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.countRequest(ctx, err)
		if err != nil {
			return err
		}
		perSlice := int64(2 * s.r.cfg.PageSize)
		n = int(min(int64(s.r.cfg.MaxConcurrentRequests), max(1, (count+perSlice-1)/perSlice)))
	}
	s.mu.Lock()
	s.cp.Slices = splitWindow(start, end, n)
	s.live = nil
	s.dirty = true
	s.mu.Unlock()
	return s.persist(ctx)
}

// splitWindow cuts [start, end) into n contiguous slices of equal duration (boundaries on whole
// milliseconds, the API's ordering precision).
func splitWindow(start, end time.Time, n int) []sliceProgress {
	out := make([]sliceProgress, 0, n)
	step := end.Sub(start) / time.Duration(n)
	from := start
	for i := 1; i <= n; i++ {
		to := end
		if i < n {
			to = start.Add(time.Duration(i) * step).Truncate(time.Millisecond)
		}
		if to.After(from) {
			out = append(out, sliceProgress{Start: from, End: to})
			from = to
		}
	}
	return out
}

// run is the stream's loop: open a window (or wait poll_interval when caught up), slice it,
// collect the slices, close the window. Transient failures are retried indefinitely with
// backoff; a configuration error stops this stream only, until the collector restarts.
func (s *stream) run(ctx, deliverCtx context.Context) {
	bo := newBackOff(s.r.cfg.BackOff)
	for {
		caughtUp, err := s.step(ctx, deliverCtx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			etype := classify(err)
			s.setState(stateError, etype, err)
			if etype == errThirdPartyConfig {
				return
			}
			if !httpretry.Sleep(ctx, s.retryDelay(bo.NextBackOff(), err)) {
				return
			}
			continue
		}
		bo.Reset()
		if caughtUp {
			s.setState(stateCollecting, errNone, nil)
			if !httpretry.Sleep(ctx, s.r.cfg.PollInterval) {
				return
			}
		}
	}
}

// step collects one window; it reports caughtUp when there is nothing to fetch until time
// passes.
func (s *stream) step(ctx, deliverCtx context.Context) (caughtUp bool, err error) {
	if err := s.persistIfDirty(deliverCtx); err != nil {
		return false, err
	}
	s.mu.Lock()
	if s.cp.InWindow && s.cp.WindowStart.Before(s.retentionFloor()) {
		// A window stored before a stop longer than the retention: its start is gone.
		s.cp.InWindow, s.cp.Slices = false, nil
	}
	opened := s.cp.InWindow || s.openWindow()
	planned := len(s.cp.Slices) > 0
	s.mu.Unlock()
	if !opened {
		return true, nil
	}
	if !planned {
		if err := s.planSlices(ctx); err != nil {
			return false, err
		}
	}
	if err := s.collectSlices(ctx, deliverCtx); err != nil {
		return false, err
	}
	s.mu.Lock()
	s.cp.InWindow, s.cp.Slices = false, nil
	s.dirty = true
	s.mu.Unlock()
	return false, s.persist(deliverCtx)
}

// collectSlices runs every unfinished slice of the window concurrently. A worker whose slice is
// done takes over the second half of the slice with the most time left (splitSlice), so that a
// window whose events are unevenly spread in time still keeps every request slot busy. Each
// slice retries its own transient failures; a configuration error stops them all and is
// returned.
func (s *stream) collectSlices(ctx, deliverCtx context.Context) error {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.mu.Lock()
	n := len(s.cp.Slices)
	if len(s.live) != n {
		s.live = make([]sliceLive, n)
	}
	s.mu.Unlock()
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next, ok := i, true; ok; next, ok = s.splitSlice(deliverCtx) {
				if err := s.collectSlice(sctx, deliverCtx, next); err != nil {
					if sctx.Err() == nil {
						once.Do(func() { firstErr = err; cancel() })
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return firstErr
}

// sliceLive is what a slice being collected has fetched so far.
type sliceLive struct {
	running bool
	// fetchedTo is the time of the newest event fetched; pageSpan the time span of its last
	// full page (0 until one was fetched).
	fetchedTo time.Time
	pageSpan  time.Duration
}

// maxSlicesPerWindow bounds the slices of one window (and the checkpoint's size).
const maxSlicesPerWindow = 64

// splitSlice hands the caller (a worker whose slice is done) the second half of the time still
// ahead of the running slice that has the most of it, when that is more than two of its pages:
// that slice now stops at the split point (StopAt: its query, and so its search_after, stay
// the same), a new slice covers [split point, its end). It returns the new slice's index, or
// false when there is nothing worth splitting.
func (s *stream) splitSlice(ctx context.Context) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.cp.Slices) >= maxSlicesPerWindow {
		return 0, false
	}
	best, bestLeft := -1, time.Duration(0)
	for i := range s.cp.Slices {
		sl, lv := &s.cp.Slices[i], &s.live[i]
		if sl.Done || !lv.running || lv.pageSpan <= 0 {
			continue
		}
		if left := sl.end().Sub(lv.fetchedTo); left > 2*lv.pageSpan && left > bestLeft {
			best, bestLeft = i, left
		}
	}
	if best < 0 {
		return 0, false
	}
	victim := &s.cp.Slices[best]
	// On a whole millisecond (the API's ordering precision), after everything the victim
	// fetched: what it fetched or delivered stays its own.
	at := s.live[best].fetchedTo.Add(bestLeft / 2).Truncate(time.Millisecond)
	if !at.After(s.live[best].fetchedTo) {
		return 0, false
	}
	end := victim.end()
	victim.StopAt = at
	s.cp.Slices = append(s.cp.Slices, sliceProgress{Start: at, End: end})
	s.live = append(s.live, sliceLive{})
	s.dirty = true
	// A failed store is retried by the next commit; the split holds in memory meanwhile.
	_ = s.persistLocked(ctx)
	return len(s.cp.Slices) - 1, true
}

// collectSlice pages through slice i until its last page is delivered. Fetching is pipelined:
// while a page is delivered, the next one (its cursor is the page's X-Search_after) is already
// being fetched, within the budget's request and page slots.
func (s *stream) collectSlice(ctx, deliverCtx context.Context, i int) error {
	s.mu.Lock()
	s.live[i].running = true
	s.mu.Unlock()
	var next chan *fetchedPage // the prefetch in progress, if any
	defer func() {
		if next != nil {
			(<-next).release()
		}
		s.mu.Lock()
		s.live[i].running = false
		s.mu.Unlock()
	}()
	bo := newBackOff(s.r.cfg.BackOff)
	for {
		s.mu.Lock()
		sl := s.cp.Slices[i]
		s.mu.Unlock()
		if sl.Done {
			return nil
		}
		var fp *fetchedPage
		if next != nil {
			fp, next = <-next, nil
		} else {
			fp = s.fetchPage(ctx, i, sl.SearchAfter, sl.Delivered, sl.LastID)
		}
		err := fp.err
		if err == nil {
			if !fp.page.Last && !fp.stopped {
				next = make(chan *fetchedPage, 1)
				go func(cursor []byte) { next <- s.fetchPage(ctx, i, cursor, 0, "") }(fp.page.SearchAfter)
			}
			err = s.deliverPage(ctx, deliverCtx, i, fp)
		}
		fp.release()
		if err == nil {
			bo.Reset()
			continue
		}
		if next != nil {
			(<-next).release() // fetched past a page that was not delivered: fetch it again
			next = nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		etype := classify(err)
		s.setState(stateError, etype, err)
		if etype == errThirdPartyConfig {
			return err
		}
		if !httpretry.Sleep(ctx, s.retryDelay(bo.NextBackOff(), err)) {
			return ctx.Err()
		}
	}
}

// retryDelay is the wait before retrying after err: the backoff, or the server's Retry-After
// when longer (a tiny Retry-After must not turn retries into a hot loop). A 429 pauses every
// stream: the rate limit is the account's.
func (s *stream) retryDelay(backoff time.Duration, err error) time.Duration {
	delay := backoff
	if ra, ok := jumpcloud.RetryAfterOf(err); ok {
		delay = max(ra, delay)
	}
	if jumpcloud.StatusCodeOf(err) == 429 {
		s.r.budget.pause(delay)
	}
	s.r.settings.Logger.Debug("Collection failed, retrying", zap.String("organization", s.spec.name()),
		zap.String("error_type", string(classify(err))), zap.Duration("retry_in", delay), zap.Error(err))
	return delay
}

// maxDeliveryRetryInterval caps the wait before offering a refused batch again: the exporter
// retries on its own before it gives up, and collection should resume soon after the
// destination is back.
const maxDeliveryRetryInterval = 30 * time.Second

// deliveryBatchBytes bounds the raw bytes of the events handed to the next consumer at once:
// about one Sumo Logic request (1 MB uncompressed), so that progress is committed at that
// granularity and a crash re-sends at most the batches in flight.
const deliveryBatchBytes = 1_000_000

// fetchedPage is one page fetched for a slice, holding one of the budget's page slots until
// released.
type fetchedPage struct {
	page *jumpcloud.Page
	err  error
	// events are the page's events that belong to the slice and are not delivered yet; skipped
	// counts the events before them that a previous run delivered; stopped: the slice ends
	// with this page (split).
	events  []jumpcloud.Event
	skipped int
	stopped bool
	budget  *budget
}

// release returns the page's body buffer and its page slot: nothing may use the page after.
func (fp *fetchedPage) release() {
	if fp.page != nil {
		fp.page.Release()
		fp.page, fp.events = nil, nil
	}
	if fp.budget != nil {
		fp.budget.releasePage()
		fp.budget = nil
	}
}

// fetchPage fetches the page of slice i after cursor. delivered and lastID are the slice's
// progress inside that page (a previous run delivered its first events).
func (s *stream) fetchPage(ctx context.Context, i int, cursor []byte, delivered int, lastID string) *fetchedPage {
	fp := &fetchedPage{}
	s.mu.Lock()
	sl := s.cp.Slices[i]
	s.mu.Unlock()
	err := s.r.budget.do(ctx, func(ctx context.Context) error {
		var err error
		fp.page, err = s.client.EventsReserving(ctx, jumpcloud.Query{
			Service:     s.r.services,
			StartTime:   sl.Start,
			EndTime:     sl.End,
			Limit:       s.r.cfg.PageSize,
			Sort:        "ASC",
			SearchAfter: cursor,
		}, func(ctx context.Context) error {
			if err := s.r.budget.acquirePage(ctx); err != nil {
				return err
			}
			fp.budget = s.r.budget // released with the page
			return nil
		})
		return err
	})
	if ctx.Err() != nil {
		fp.err = ctx.Err() // shutting down: not a failure of the API
		return fp
	}
	s.countRequest(ctx, err)
	s.countRefused(ctx, err)
	if err == nil {
		err = checkPage(fp.page)
	}
	if err != nil {
		fp.err = err
		return fp
	}
	if state, _ := s.r.status.streamState(s.spec.name()); state != stateCollecting {
		s.setState(stateAuthenticated, errNone, nil)
	}
	page := fp.page
	if page.Incomplete > 0 {
		s.r.telemetry.JumpcloudEventsIncomplete.Add(ctx, int64(page.Incomplete), s.metricOpt())
		if !s.warnedIncomplete.Swap(true) {
			s.r.settings.Logger.Warn("Events without a string id or an RFC3339 timestamp: delivered as they are, deduplicated by a numeric id or a digest of their bytes (counted in otelcol_jumpcloud_events_incomplete)",
				zap.String("organization", s.spec.name()), zap.Int("incomplete_events", page.Incomplete), zap.String("request_id", page.RequestID))
		}
	}
	fp.events, fp.stopped = s.fetched(i, page)
	if delivered > 0 {
		if delivered <= len(fp.events) && fp.events[delivered-1].Key == lastID {
			fp.events, fp.skipped = fp.events[delivered:], delivered
		} else {
			s.r.settings.Logger.Warn("Page changed since it was partly delivered: delivering it again (duplicates possible, no gap)",
				zap.String("organization", s.spec.name()), zap.Int("delivered_before", delivered), zap.String("request_id", page.RequestID))
		}
	}
	return fp
}

// deliverPage delivers a fetched page of slice i batch by batch, committing the slice's
// progress after each batch the next consumer accepted.
func (s *stream) deliverPage(ctx, deliverCtx context.Context, i int, fp *fetchedPage) error {
	events, offset := fp.events, fp.skipped
	for {
		n := batchLen(events)
		if n > 0 {
			if err := s.deliver(ctx, deliverCtx, events[:n]); err != nil {
				return err
			}
		}
		offset += n
		events = events[n:]
		if err := s.commit(deliverCtx, i, fp.page, offset, len(events) == 0, fp.stopped); err != nil {
			return err
		}
		if len(events) == 0 {
			return nil
		}
	}
}

// fetched records what slice i fetched and returns the page's events that belong to the slice:
// those before its StopAt when it was split (stopped: the slice ends with this page).
func (s *stream) fetched(i int, page *jumpcloud.Page) (events []jumpcloud.Event, stopped bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	events = page.Events
	if stop := s.cp.Slices[i].StopAt; !stop.IsZero() {
		for k := range events {
			if ts := events[k].Timestamp; !ts.IsZero() && !ts.Before(stop) {
				events, stopped = events[:k], true
				break
			}
		}
	}
	lv := &s.live[i]
	for k := range events {
		lv.fetchedTo = maxTime(lv.fetchedTo, events[k].Timestamp)
	}
	if !page.Last && !stopped && len(events) > 1 {
		lv.pageSpan = events[len(events)-1].Timestamp.Sub(events[0].Timestamp)
	}
	return events, stopped
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// checkPage refuses a page that cannot be paged past safely. (A cursor that is not the page's
// last event or does not advance is refused by the client already: jumpcloud.checkCursor.)
func checkPage(page *jumpcloud.Page) error {
	if page.Sort != "" && page.Sort != "ASC" {
		return fmt.Errorf("the API applied sort %q instead of ASC: cannot page safely", page.Sort)
	}
	if !page.Last && len(page.SearchAfter) == 0 {
		return errors.New("the API sent a full page without X-Search_after: cannot page further")
	}
	return nil
}

// batchLen is how many of events make one delivery batch (at least one).
func batchLen(events []jumpcloud.Event) int {
	size := 0
	for i := range events {
		size += len(events[i].Raw) + 1
		if size > deliveryBatchBytes && i > 0 {
			return i
		}
	}
	return len(events)
}

// commit records slice i's progress: offset events of page delivered (pageDone: all of them
// that belong to the slice, which moves past the page, or ends when it was stopped by a split)
// and stores it.
func (s *stream) commit(ctx context.Context, i int, page *jumpcloud.Page, offset int, pageDone, stopped bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sl := &s.cp.Slices[i]
	if pageDone {
		if len(page.SearchAfter) > 0 {
			sl.SearchAfter = page.SearchAfter
		}
		sl.Delivered, sl.LastID, sl.Done = 0, "", page.Last || stopped
	} else {
		sl.Delivered, sl.LastID = offset, page.Events[offset-1].Key
	}
	s.dirty = true
	if err := s.persistLocked(ctx); err != nil {
		return err
	}
	if offset > 0 {
		s.r.status.set(s.spec.name(), stateCollecting, errNone, nil)
	}
	return nil
}

// deliver drops already delivered ids, hands the rest to the next consumer and, once accepted,
// records the ids that the next window's overlap may read again. A refusal is retried with
// backoff on the same events (the page stays in memory), with the status FirstPartyGeneric.
func (s *stream) deliver(ctx, deliverCtx context.Context, events []jumpcloud.Event) error {
	fresh := s.dropSeen(ctx, events)
	if len(fresh) == 0 {
		return nil
	}
	bo := newBackOff(s.r.cfg.BackOff)
	refused := false
	defer func() {
		if refused {
			s.r.budget.deliveryAccepted()
		}
	}()
	for {
		logs := s.conv.convert(fresh, s.r.now())
		obsCtx := s.r.obsrecv.StartLogsOp(deliverCtx)
		err := s.r.next.ConsumeLogs(obsCtx, logs)
		s.r.obsrecv.EndLogsOp(obsCtx, "json", len(fresh), err)
		if err == nil {
			s.r.telemetry.JumpcloudEventsReceived.Add(ctx, int64(len(fresh)), s.metricOpt())
			break
		}
		if consumererror.IsPermanent(err) {
			// The consumer will never accept these records: retrying would stall collection.
			s.r.settings.Logger.Error("Next consumer rejected events permanently: they are dropped",
				zap.String("organization", s.spec.name()), zap.Int("dropped_events", len(fresh)), zap.Error(err))
			break
		}
		if ctx.Err() != nil || deliverCtx.Err() != nil {
			return context.Canceled // shutting down: not committed, re-sent after the restart
		}
		s.setState(stateError, errFirstPartyGeneric, fmt.Errorf("next consumer refused %d events: %w", len(fresh), err))
		if !refused {
			refused = true
			s.r.budget.deliveryRefused()
		}
		if !httpretry.Sleep(ctx, min(bo.NextBackOff(), maxDeliveryRetryInterval)) {
			return ctx.Err()
		}
	}
	s.remember(ctx, fresh)
	return nil
}

// dropSeen returns events without those already delivered (by dedupe key: the id, a numeric id's
// text, or a digest of an event without id).
func (s *stream) dropSeen(ctx context.Context, events []jumpcloud.Event) []jumpcloud.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := s.cp.Seen
	if len(seen) == 0 {
		return events
	}
	var fresh []jumpcloud.Event
	dups := 0
	for i := range events {
		if _, ok := seen[events[i].Key]; ok && events[i].Key != "" {
			if fresh == nil {
				fresh = append(make([]jumpcloud.Event, 0, len(events)), events[:i]...)
			}
			dups++
			continue
		}
		if fresh != nil {
			fresh = append(fresh, events[i])
		}
	}
	if dups == 0 {
		return events
	}
	s.r.telemetry.JumpcloudEventsDeduplicated.Add(ctx, int64(dups), s.metricOpt())
	return fresh
}

// remember adds the ids of delivered events that the next window's overlap re-scan may read
// again, and records how far behind collection is.
func (s *stream) remember(ctx context.Context, fresh []jumpcloud.Event) {
	s.mu.Lock()
	cp := s.cp
	overlapFrom := cp.WindowEnd.Add(-s.r.cfg.Overlap)
	var newest time.Time
	evicted := 0
	for i := range fresh {
		ts := fresh[i].Timestamp
		if ts.After(newest) {
			newest = ts
		}
		if ts.IsZero() {
			ts = cp.WindowEnd // no time: keep its id as long as this window's overlap lasts
		}
		if s.r.cfg.Overlap > 0 && fresh[i].Key != "" && !ts.Before(overlapFrom) {
			evicted += cp.Seen.add(fresh[i].Key, ts, s.r.cfg.MaxSeenIDs)
			s.seenDirty = true
		}
	}
	s.mu.Unlock()
	if evicted > 0 {
		s.r.settings.Logger.Warn("Seen-id set is full: oldest ids evicted, late duplicates possible",
			zap.String("organization", s.spec.name()), zap.Int("evicted_ids", evicted), zap.Int("max_seen_ids", s.r.cfg.MaxSeenIDs))
	}
	if !newest.IsZero() {
		s.r.telemetry.JumpcloudWindowLag.Record(ctx, s.r.now().Sub(newest).Seconds(), s.metricOpt())
	}
}

func (s *stream) persist(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.persistLocked(ctx)
}

func (s *stream) persistIfDirty(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.dirty && !s.adopted {
		return nil
	}
	return s.persistLocked(ctx)
}

// persistLocked stores the checkpoint; the caller holds s.mu. On failure the in-memory position
// stays ahead of storage (dirty) and the next commit stores it.
func (s *stream) persistLocked(ctx context.Context) error {
	if err := s.store.save(ctx, s.cp, s.seenDirty, s.adopted); err != nil {
		s.dirty = true
		return firstPartyError(err)
	}
	s.dirty, s.seenDirty, s.adopted = false, false, false
	return nil
}

func (s *stream) countRequest(ctx context.Context, err error) {
	code := 200
	if err != nil {
		code = jumpcloud.StatusCodeOf(err)
	}
	s.r.telemetry.JumpcloudAPIRequests.Add(ctx, 1, s.metricOpt(attribute.Int("http.response.status_code", code)))
}
