package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"

import (
	"context"
	"errors"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.uber.org/zap"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
)

// Late events (docs/design.md, "Late events"). Every window is read once. Once collection has
// caught up, each poll counts the probe range [window end - overlap, now - settle_delay) with one
// POST /events/count and compares the count with the events delivered there (the seen-id set
// holds each of them with its time):
//   - equal: nothing new, not even in the window to read: the window is skipped (an idle poll
//     costs one request);
//   - more: after the window is read, the ranges that hold the late events are found by
//     bisecting with counts (narrow) and only they are re-read; the seen-id set drops what was
//     delivered already.
//
// /events/count is advisory: when it fails, windows are planned without it and each range is
// re-read once, overlap + settle_delay after it happened (unprobedRanges): late events still arrive, later,
// for about two reads per event.

// attrKeyCountFailureReason is the metric attribute of a failed count's reason.
const attrKeyCountFailureReason = "jumpcloud.count_failure_reason"

// countTimeout cuts a slow /events/count: it only sizes and probes, collection must not wait
// for it.
const countTimeout = 10 * time.Second

// maxProbeCounts bounds the counts that one probe spends on narrowing: past it the ranges left
// are re-read whole (events re-read cost bandwidth, counts cost requests).
const maxProbeCounts = 32

// maxExcludedIDs bounds the ids a re-read leaves out (search_term {"not": {"id": [...]}}): a
// range to re-read is narrowed until it holds at most this many delivered events, so that the
// re-read downloads only the late ones; a longer list is a query the API may find too complex.
const maxExcludedIDs = 500

// count runs one advisory POST /events/count over [start, end) within the budget, cut after
// countTimeout. ok is false on any failure (status, timeout, a body that is not {"count":N}):
// it is counted in otelcol_jumpcloud_count_failures and warned about once until a count works
// again; it never stops collection.
func (s *stream) count(ctx context.Context, start, end time.Time) (n int64, ok bool) {
	n, err := s.countErr(ctx, start, end)
	return n, err == nil
}

// countErr is count returning the failure (nil when the count is usable).
func (s *stream) countErr(ctx context.Context, start, end time.Time) (n int64, err error) {
	n, err = s.r.countEvents(ctx, s.query(start, end), s.attrs)
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	if err == nil {
		if s.countFailing.Swap(false) {
			s.log.Info("POST /events/count answers again: late events are probed with it")
		}
		return n, nil
	}
	reason := countFailureReason(err)
	s.r.telemetry.JumpcloudCountFailures.Add(ctx, 1, s.metricOpt(attribute.String(attrKeyCountFailureReason, reason)))
	if !s.countFailing.Swap(true) {
		s.log.Warn("POST /events/count failed: collecting without it (windows sliced by time; late events found by one re-read of each range, overlap + settle_delay after it happened)",
			zap.String("reason", reason), zap.Error(err))
	}
	return 0, err
}

// countFailureReason is the reason attribute of a failed count.
func countFailureReason(err error) string {
	code := jumpcloud.StatusCodeOf(err)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case code >= 200 && code <= 299:
		return "unusable_response"
	case code > 0:
		return "http_" + strconv.Itoa(code)
	default:
		return "transport"
	}
}

// deliveredIndex snapshots the delivered events from from on (checkpoint.deliveredFrom).
func (s *stream) deliveredIndex(from time.Time) *deliveredIndex {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cp.deliveredFrom(from)
}

// probeStartLocked is checkpoint.probeStart now; the caller holds s.mu.
func (s *stream) probeStartLocked() time.Time {
	return s.cp.probeStart(s.r.now(), s.r.cfg.Overlap)
}

// startProbe counts the probe range that ends at end, the end of the window about to be read.
// nothingNew reports that the count equals the events delivered there: the window holds no
// visible event and nothing arrived late, so it need not be read. counted is false without a
// probe (overlap 0, or the count failed).
func (s *stream) startProbe(ctx context.Context, end time.Time) (counted, nothingNew bool) {
	if s.r.cfg.Overlap <= 0 {
		return false, false
	}
	s.mu.Lock()
	start := s.probeStartLocked()
	s.mu.Unlock()
	if !end.After(start) {
		return false, false
	}
	n, ok := s.count(ctx, start, end)
	if !ok {
		return false, false
	}
	d := s.deliveredIndex(start).between(start, end)
	if n < d && !s.countDeficit.Swap(true) {
		// Not seen with a consistent API. From now on no window is skipped on a count: an
		// equal count could hide new events behind missing ones.
		s.log.Warn("The API counts fewer events than were delivered in the probe range: every window is read from now on",
			zap.Int64("count", n), zap.Int64("delivered", d),
			zap.Time("probe_start", start), zap.Time("probe_end", end))
	}
	return true, n == d && !s.countDeficit.Load()
}

// skipWindow moves the window end to end without reading it (checkpoint.skipWindow).
func (s *stream) skipWindow(end time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cp.skipWindow(end, s.r.now(), s.r.cfg.Overlap) > 0 {
		s.writer.seenChanged()
	}
	s.writer.changed()
}

// lateRanges returns, once the tail window has been delivered, the ranges of its probe range
// [ProbeFrom, WindowEnd) to re-read for late events, and where what is final then ends (the
// probe start). The range is counted again: the count taken before the window was read is
// stale, and an event of the window that became visible since would hide a late one. None when
// the count is not above what is delivered there; else the ranges narrowed down by bisection
// with counts until re-reading one costs at most one event already delivered per missing one,
// or maxProbeCounts is spent. ok is false when the count failed.
func (s *stream) lateRanges(ctx context.Context) (late []sliceProgress, final time.Time, ok bool) {
	s.mu.Lock()
	// From the probe start: never before FinalBefore (ids evicted from the seen-id set while
	// the window was read moved it) or the retention.
	from, to, open := s.cp.lateProbeRange(s.r.now(), s.r.cfg.Overlap)
	s.mu.Unlock()
	if !open {
		return nil, time.Time{}, true
	}
	if !to.After(from) {
		return nil, from, true
	}
	ix := s.deliveredIndex(from)
	n, ok := s.count(ctx, from, to)
	if !ok {
		return nil, time.Time{}, false
	}
	countsLeft := maxProbeCounts
	return s.narrow(ctx, ix, from, to, n, &countsLeft), from, true
}

// narrow bisects [a, b), which holds c events by the API's count, down to the ranges holding
// its undelivered ones (two counts per level, taken from *countsLeft).
func (s *stream) narrow(ctx context.Context, ix *deliveredIndex, a, b time.Time, c int64, countsLeft *int) []sliceProgress {
	action := narrowDecision(c, ix.between(a, b), !s.exclusionOff.Load())
	if action == narrowNothing {
		return nil
	}
	leaf := []sliceProgress{{Start: a, End: b}}
	mid := a.Add(b.Sub(a) / 2).Truncate(time.Millisecond)
	if action == narrowReRead || !mid.After(a) || *countsLeft <= 0 {
		return leaf
	}
	// Both halves are counted: a right half derived as c minus the left could come out too low
	// (events visible between the two countsLeft) and leave a late event unread just before its
	// range leaves the probe range.
	*countsLeft -= 2
	left, okl := s.count(ctx, a, mid)
	right, okr := s.count(ctx, mid, b)
	if !okl || !okr {
		return leaf
	}
	return append(s.narrow(ctx, ix, a, mid, left, countsLeft), s.narrow(ctx, ix, mid, b, right, countsLeft)...)
}

// excludedIDs lists the ids of the events delivered in [start, end) for a re-read to leave
// out (checkpoint.excludedIDs), or none once the API refused exclusion.
func (s *stream) excludedIDs(start, end time.Time) []string {
	if s.exclusionOff.Load() {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cp.excludedIDs(start, end)
}

// exclusionRefused turns the exclusion of delivered ids off for the stream after the API
// refused a re-read that used it (400: not supported as sent; 500: too complex): re-reads then
// download every event of their range and the seen-id set drops the delivered ones.
func (s *stream) exclusionRefused(err error) {
	if s.exclusionOff.Swap(true) {
		return
	}
	s.log.Warn(`The API refused a re-read that leaves delivered events out (search_term {"not": {"id": [...]}}): re-reading whole ranges from now on`,
		zap.Error(err))
}

// gapRanges is the re-read that a window which is not the tail needs first: the probe range
// before it, [probe start, window end), was last probed before the gap (a restart, an outage, a
// backlog), and its late events may have become visible since. The gap is longer than the
// overlap, so they are all visible now: one count (or, without it, one re-read) of that range
// makes it final up to the window end.
func (s *stream) gapRanges(ctx context.Context) (late []sliceProgress, final time.Time) {
	if s.r.cfg.Overlap <= 0 {
		return nil, time.Time{}
	}
	s.mu.Lock()
	start, end := s.probeStartLocked(), s.cp.WindowEnd
	s.mu.Unlock()
	if !end.After(start) {
		return nil, time.Time{}
	}
	ix := s.deliveredIndex(start)
	n, ok := s.count(ctx, start, end)
	if ctx.Err() != nil {
		return nil, time.Time{}
	}
	if !ok {
		return []sliceProgress{{Start: start, End: end}}, end
	}
	countsLeft := maxProbeCounts
	return s.narrow(ctx, ix, start, end, n, &countsLeft), end
}

// unprobedRanges is the re-read that stands in for the probe while /events/count fails
// (checkpoint.unprobedRange); the seen-id set drops what was delivered already.
func (s *stream) unprobedRanges() (late []sliceProgress, final time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cp.unprobedRange(s.r.now(), rulesOf(s.r.cfg))
}

// settle records that the probe range is settled up to final and makes the late ranges the
// window being collected (checkpoint.settle). Both are stored at once, before anything is
// re-read: a stop in between must not leave the range final without its re-read.
func (s *stream) settle(deliverCtx context.Context, final time.Time, late []sliceProgress) error {
	s.mu.Lock()
	s.cp.settle(final, late)
	if len(late) > 0 {
		s.live = nil
	}
	s.writer.changed()
	w := s.writer.snapshotLocked(s.cp)
	s.mu.Unlock()
	return s.writer.write(deliverCtx, w)
}
