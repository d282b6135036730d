package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
	"go.uber.org/zap"
)

// queryFingerprint identifies the query a stored search_after belongs to. Its format
// (services|organization|API) is the one of the single-organization receiver, so that its
// checkpoint is adopted as is.
func (s *stream) queryFingerprint() string {
	org := s.spec.orgID
	if s.spec.providerID != "" {
		org = s.spec.storageName()
	}
	return strings.Join(s.r.services, ",") + "|" + org + "|" + s.r.cfg.baseURL()
}

// repairCheckpoint makes a loaded checkpoint safe to resume (checkpoint.repair) and says
// what it changed.
func (s *stream) repairCheckpoint(cp *checkpoint) {
	switch cp.repair(s.queryFingerprint()) {
	case repairEmptyWindow:
		s.log.Warn("Stored window is empty: skipping it",
			zap.Time("window_start", cp.WindowStart), zap.Time("window_end", cp.WindowEnd))
	case repairQueryChanged:
		s.log.Warn("Query changed since the checkpoint (service, org_id or endpoint): re-reading the current window from its start; events already delivered in it may be sent again",
			zap.Time("window_start", cp.WindowStart), zap.Time("window_end", cp.WindowEnd))
	}
}

// clampToRetentionLocked applies checkpoint.clampToRetention, with its warning. The caller
// holds s.mu.
func (s *stream) clampToRetentionLocked(now time.Time) {
	stored := s.cp.WindowEnd
	if !s.cp.clampToRetention(now) {
		return
	}
	// Stopped for longer than the retention: what is older is gone from the API.
	s.log.Warn("Checkpoint is older than the Directory Insights retention: resuming at the oldest available time",
		zap.Time("checkpoint", stored), zap.Time("resume_at", s.cp.WindowEnd))
	s.writer.changed()
}

// openWindowLocked opens the window [WindowEnd, end) (checkpoint.openWindow). The caller holds
// s.mu.
func (s *stream) openWindowLocked(end time.Time, tail bool) {
	if s.cp.openWindow(end, tail, s.r.now(), s.r.cfg.Overlap) > 0 {
		s.writer.seenChanged()
	}
	s.writer.changed()
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
	if s.r.cfg.MaxConcurrentRequests > 1 && behind(start, end, rulesOf(s.r.cfg)) {
		// Without a count (it is advisory): time slices, and the idle workers' splits even
		// them out.
		n = s.r.cfg.MaxConcurrentRequests
		count, err := s.counts.countErr(ctx, start, end)
		switch code := jumpcloud.StatusCodeOf(err); {
		case err == nil:
			n = slicesFor(count, s.r.cfg.MaxConcurrentRequests, s.r.cfg.PageSize)
		case ctx.Err() != nil:
			return ctx.Err()
		case jumpcloud.IsConfigError(err) && code != http.StatusNotFound && code != http.StatusMethodNotAllowed:
			// Refused credentials or organization (400, 401, 402, 403): one request of the
			// window tells whether /events refuses them too, instead of one per slice.
			n = 1
		}
	}
	s.mu.Lock()
	s.cp.planWindow(n)
	s.live = nil
	s.writer.changed()
	s.mu.Unlock()
	return s.writer.persist(deliverCtx, s.cp)
}

// slicesFor is how many slices a window of count events gets: as many as there are concurrent
// requests, but each at least two pages long.
func slicesFor(count int64, maxConcurrentRequests, pageSize int) int {
	perSlice := int64(2 * pageSize)
	return int(min(int64(maxConcurrentRequests), max(1, (count+perSlice-1)/perSlice)))
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
