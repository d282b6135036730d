package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"

import (
	"context"
	"time"

	"go.uber.org/zap"
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

// maxProbeCounts bounds the counts that one probe spends on narrowing: past it the ranges left
// are re-read whole (events re-read cost bandwidth, counts cost requests).
const maxProbeCounts = 32

// maxExcludedIDs bounds the ids a re-read leaves out (search_term {"not": {"id": [...]}}): a
// range to re-read is narrowed until it holds at most this many delivered events, so that the
// re-read downloads only the late ones; a longer list is a query the API may find too complex.
const maxExcludedIDs = 500

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
	n, ok := s.counts.count(ctx, start, end)
	if !ok {
		return false, false
	}
	d := s.deliveredIndex(start).between(start, end)
	if n < d && !s.counts.deficit.Swap(true) {
		// Not seen with a consistent API. From now on no window is skipped on a count: an
		// equal count could hide new events behind missing ones.
		s.log.Warn("The API counts fewer events than were delivered in the probe range: every window is read from now on",
			zap.Int64("count", n), zap.Int64("delivered", d),
			zap.Time("probe_start", start), zap.Time("probe_end", end))
	}
	return true, n == d && !s.counts.deficit.Load()
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
	n, ok := s.counts.count(ctx, from, to)
	if !ok {
		return nil, time.Time{}, false
	}
	countsLeft := maxProbeCounts
	return s.counts.narrow(ctx, ix, from, to, n, &countsLeft), from, true
}

// excludedIDs lists the ids of the events delivered in [start, end) for a re-read to leave
// out (checkpoint.excludedIDs), or none once the API refused exclusion.
func (s *stream) excludedIDs(start, end time.Time) []string {
	if s.counts.exclusionOff.Load() {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cp.excludedIDs(start, end)
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
	n, ok := s.counts.count(ctx, start, end)
	if ctx.Err() != nil {
		return nil, time.Time{}
	}
	if !ok {
		return []sliceProgress{{Start: start, End: end}}, end
	}
	countsLeft := maxProbeCounts
	return s.counts.narrow(ctx, ix, start, end, n, &countsLeft), end
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
