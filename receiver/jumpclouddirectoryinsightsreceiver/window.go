package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"

import (
	"context"
	"strings"
	"time"

	"go.uber.org/zap"
)

// retentionMargin keeps the oldest start time safely inside the API's retention.
const retentionMargin = time.Hour

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
			count, err = s.client.Count(ctx, s.query(start, end))
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
