package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
	"go.uber.org/zap"
)

// retentionMargin keeps the oldest start time safely inside the API's retention.
const retentionMargin = time.Hour

// freshCheckpoint is the position of a first start: a window beginning initial_lookback ago
// (clamped to the retention).
func (s *stream) freshCheckpoint() *checkpoint {
	start := s.r.now().Add(-s.r.cfg.InitialLookback)
	if floor := s.retentionFloor(); start.Before(floor) {
		start = floor
	}
	start = start.Truncate(time.Millisecond).UTC()
	// Nothing before the lookback was read: no probe looks there.
	return &checkpoint{WindowEnd: start, FinalBefore: start, Seen: seenSet{}}
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

// nextWindowEnd is where the next window [WindowEnd, end) ends: settle_delay before now, at most
// max_window after its start (capped). ok is false when less than poll_interval has settled
// since the previous window (caught up: without that bound every closed window would open the
// next one at once). A window that is not capped and at most two polls and the overlap long is
// the tail: collection has caught up, so late events are probed for after it (probe.go). woken
// (by the shared probe, group.go) lifts the poll_interval bound. The caller holds s.mu.
func (s *stream) nextWindowEnd(woken bool) (end time.Time, tail, ok bool) {
	cp, cfg := s.cp, s.r.cfg
	if floor := s.retentionFloor(); cp.WindowEnd.Before(floor) {
		// Stopped for longer than the retention: what is older is gone from the API.
		s.r.settings.Logger.Warn("Checkpoint is older than the Directory Insights retention: resuming at the oldest available time",
			zap.String("organization", s.spec.name()), zap.Time("checkpoint", cp.WindowEnd), zap.Time("resume_at", floor))
		cp.WindowEnd, cp.FinalBefore = floor.UTC(), floor.UTC()
		s.changed()
	}
	// Whole milliseconds, the API's ordering precision: the probe's counts and the delivered
	// events' times then agree on which side of a bound an event is.
	end = s.r.now().Add(-cfg.SettleDelay).Truncate(time.Millisecond)
	capped := false
	if limit := cp.WindowEnd.Add(cfg.MaxWindow); end.After(limit) {
		end, capped = limit, true
	}
	if !end.After(cp.WindowEnd) || (!capped && !woken && end.Sub(cp.WindowEnd) < cfg.PollInterval) {
		return time.Time{}, false, false
	}
	return end.UTC(), !capped && end.Sub(cp.WindowEnd) <= 2*(cfg.PollInterval+cfg.Overlap), true
}

// openWindow starts the window [WindowEnd, end): every event is read once, when its window is
// read; the late ones are found by the probe (probe.go), not by re-reading. The probe range of
// a tail window stays open (ProbeFrom) until its late events are settled. The caller holds
// s.mu.
func (s *stream) openWindow(end time.Time, tail bool) {
	cp := s.cp
	if tail && s.r.cfg.Overlap > 0 {
		cp.ProbeFrom = s.probeStartLocked()
	}
	cp.InWindow, cp.Rescan = true, false
	cp.WindowStart, cp.WindowEnd = cp.WindowEnd, end
	cp.Slices = nil
	s.pruneSeen()
	s.changed()
}

// pruneSeen drops the ids that no probe, re-read or window can read again: older than the
// probe range and than FinalBefore. The caller holds s.mu.
func (s *stream) pruneSeen() {
	if s.cp.Seen.pruneBefore(minTime(s.cp.FinalBefore, s.cp.WindowStart.Add(-s.r.cfg.Overlap))) > 0 {
		s.seenChanged()
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// behind reports whether a window is long enough to be worth slicing: more than two polls'
// worth of time.
func (s *stream) behind(start, end time.Time) bool {
	return s.r.cfg.MaxConcurrentRequests > 1 && end.Sub(start) > 2*(s.r.cfg.PollInterval+s.r.cfg.Overlap)
}

// planSlices splits the current window into slices fetched concurrently. A window that is
// behind is sized with one POST /events/count (as JumpCloud's own exporter does): as many
// slices as there are concurrent requests, but each at least two pages long, so that the extra
// last page each slice ends with costs little. Slices split time evenly. When the count fails
// the window gets max_concurrent_requests slices.
func (s *stream) planSlices(ctx, deliverCtx context.Context) error {
	s.mu.Lock()
	start, end := s.cp.WindowStart, s.cp.WindowEnd
	s.mu.Unlock()
	n := 1
	if s.behind(start, end) {
		// Without a count (it is advisory): time slices, and the idle workers' splits even
		// them out.
		n = s.r.cfg.MaxConcurrentRequests
		count, err := s.countErr(ctx, start, end)
		switch code := jumpcloud.StatusCodeOf(err); {
		case err == nil:
			perSlice := int64(2 * s.r.cfg.PageSize)
			n = int(min(int64(s.r.cfg.MaxConcurrentRequests), max(1, (count+perSlice-1)/perSlice)))
		case ctx.Err() != nil:
			return ctx.Err()
		case jumpcloud.IsConfigError(err) && code != http.StatusNotFound && code != http.StatusMethodNotAllowed:
			// Refused credentials or organization (400, 401, 402, 403): one request of the
			// window tells whether /events refuses them too, instead of one per slice.
			n = 1
		}
	}
	s.mu.Lock()
	s.cp.Slices = splitWindow(start, end, n)
	s.live = nil
	s.changed()
	s.mu.Unlock()
	return s.persist(deliverCtx)
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
