package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
)

// retentionMargin keeps the oldest start time safely inside the API's retention.
const retentionMargin = time.Hour

// freshCheckpoint is the position of a first start: a window beginning initial_lookback ago
// (clamped to the retention) with no overlap before it.
func (r *diReceiver) freshCheckpoint() *checkpoint {
	start := r.now().Add(-r.cfg.InitialLookback)
	if floor := r.retentionFloor(); start.Before(floor) {
		start = floor
	}
	return &checkpoint{WindowEnd: start.UTC(), NoOverlap: true, Seen: seenSet{}}
}

func (r *diReceiver) retentionFloor() time.Time {
	return r.now().Add(-retention + retentionMargin)
}

// queryFingerprint identifies the query a stored search_after belongs to.
func (r *diReceiver) queryFingerprint() string {
	return strings.Join(r.cfg.services(), ",") + "|" + r.cfg.OrgID + "|" + r.cfg.baseURL()
}

// repairCheckpoint makes a loaded checkpoint safe to resume: a window stored under another
// query (services, organization or API changed) restarts from its start (events of that window
// may be delivered again: duplicates, never a gap); an impossible window is dropped.
func (r *diReceiver) repairCheckpoint(cp *checkpoint) {
	if !cp.InWindow {
		return
	}
	if !cp.WindowEnd.After(cp.WindowStart) {
		r.settings.Logger.Warn("Stored window is empty: skipping it",
			zap.Time("window_start", cp.WindowStart), zap.Time("window_end", cp.WindowEnd))
		cp.InWindow, cp.SearchAfter = false, nil
		return
	}
	if cp.Query != r.queryFingerprint() && len(cp.SearchAfter) > 0 {
		r.settings.Logger.Warn("Query changed since the checkpoint (service, org_id or endpoint): re-reading the current window from its start; events already delivered in it may be sent again",
			zap.Time("window_start", cp.WindowStart), zap.Time("window_end", cp.WindowEnd))
		cp.SearchAfter = nil
	}
}

// openWindow starts the next window [previous end - overlap, now - settle_delay), at most
// max_window long. It reports false when less than poll_interval has settled since the previous
// window (caught up): without that bound every closed window would open the next one at once
// and the overlap would be re-read in a tight loop.
func (r *diReceiver) openWindow() bool {
	cp := r.cp
	if floor := r.retentionFloor(); cp.WindowEnd.Before(floor) {
		// Stopped for longer than the retention: what is older is gone from the API.
		r.settings.Logger.Warn("Checkpoint is older than the Directory Insights retention: resuming at the oldest available time",
			zap.Time("checkpoint", cp.WindowEnd), zap.Time("resume_at", floor))
		cp.WindowEnd, cp.NoOverlap = floor.UTC(), true
	}
	end := r.now().Add(-r.cfg.SettleDelay)
	capped := false
	if limit := cp.WindowEnd.Add(r.cfg.MaxWindow); end.After(limit) {
		end, capped = limit, true
	}
	if !end.After(cp.WindowEnd) || (!capped && end.Sub(cp.WindowEnd) < r.cfg.PollInterval) {
		return false
	}
	start := cp.WindowEnd
	if !cp.NoOverlap {
		start = start.Add(-r.cfg.Overlap)
	}
	if floor := r.retentionFloor(); start.Before(floor) {
		start = floor
	}
	if !end.After(start) { // never send start >= end: the API answers 400
		return false
	}
	cp.InWindow, cp.NoOverlap = true, false
	cp.WindowStart, cp.WindowEnd = start.UTC(), end.UTC()
	cp.SearchAfter = nil
	// Ids older than the window start cannot be read again.
	if cp.Seen.pruneBefore(cp.WindowStart) > 0 {
		r.seenDirty = true
	}
	return true
}

// step performs one unit of collection: store a pending checkpoint, or fetch one page and hand
// it to the next consumer. It reports caughtUp when there is nothing to fetch until time passes.
func (r *diReceiver) step(ctx context.Context) (caughtUp bool, err error) {
	if r.dirty {
		if err := r.store.save(ctx, r.cp, r.seenDirty); err != nil {
			return false, firstPartyError(err)
		}
		r.dirty, r.seenDirty = false, false
	}
	if r.cp.InWindow && r.cp.WindowStart.Before(r.retentionFloor()) {
		// A window stored before a stop longer than the retention: its start is gone.
		r.cp.InWindow, r.cp.SearchAfter = false, nil
	}
	if !r.cp.InWindow && !r.openWindow() {
		return true, nil
	}
	cp := r.cp
	page, err := r.client.Events(ctx, jumpcloud.Query{
		Service:     r.cfg.services(),
		StartTime:   cp.WindowStart,
		EndTime:     cp.WindowEnd,
		Limit:       r.cfg.PageSize,
		Sort:        "ASC",
		SearchAfter: cp.SearchAfter,
	})
	if ctx.Err() != nil {
		return false, ctx.Err() // shutting down: not a failure of the API
	}
	r.countRequest(ctx, err)
	r.countRefused(ctx, err)
	if err != nil {
		return false, err
	}
	if state, _ := r.status.current(); state == stateStarted || state == stateInitialized {
		r.status.set(stateAuthenticated, errNone, nil)
	}
	if page.Sort != "" && page.Sort != "ASC" {
		return false, fmt.Errorf("the API applied sort %q instead of ASC: cannot page safely", page.Sort)
	}
	if !page.Last && len(page.SearchAfter) == 0 {
		return false, errors.New("the API sent a full page without X-Search_after: cannot page further")
	}
	if !page.Last && bytes.Equal(page.SearchAfter, cp.SearchAfter) {
		// The same page would be fetched again and again.
		return false, fmt.Errorf("X-Search_after %s did not advance: cannot page further", page.SearchAfter)
	}
	if page.Incomplete > 0 {
		r.telemetry.JumpcloudEventsIncomplete.Add(ctx, int64(page.Incomplete))
		if !r.warnedIncomplete {
			r.warnedIncomplete = true
			r.settings.Logger.Warn("Events without a string id or an RFC3339 timestamp: delivered as they are, deduplicated by a numeric id or a digest of their bytes (counted in otelcol_jumpcloud_events_incomplete)",
				zap.Int("incomplete_events", page.Incomplete), zap.String("request_id", page.RequestID))
		}
	}

	if err := r.deliver(ctx, page.Events); err != nil {
		return false, err
	}

	if len(page.SearchAfter) > 0 {
		cp.SearchAfter = page.SearchAfter
	}
	if page.Last {
		cp.InWindow = false
		cp.SearchAfter = nil
	}
	r.dirty = true
	if err := r.store.save(ctx, cp, r.seenDirty); err != nil {
		// The in-memory position is ahead of storage: the next step stores it first.
		return false, firstPartyError(err)
	}
	r.dirty, r.seenDirty = false, false
	if len(page.Events) > 0 {
		r.status.set(stateCollecting, errNone, nil)
	}
	return false, nil
}

// deliver drops already delivered ids, hands the rest to the next consumer and, once accepted,
// records the ids that the next window's overlap may read again.
func (r *diReceiver) deliver(ctx context.Context, events []jumpcloud.Event) error {
	cp := r.cp
	fresh := events
	if dups := countSeen(cp.Seen, events); dups > 0 {
		fresh = make([]jumpcloud.Event, 0, len(events)-dups)
		for i := range events {
			if _, ok := cp.Seen[events[i].Key]; !ok || events[i].Key == "" {
				fresh = append(fresh, events[i])
			}
		}
		r.telemetry.JumpcloudEventsDeduplicated.Add(ctx, int64(dups))
	}
	if len(fresh) == 0 {
		return nil
	}

	logs := r.conv.convert(fresh, r.now())
	obsCtx := r.obsrecv.StartLogsOp(ctx)
	err := r.next.ConsumeLogs(obsCtx, logs)
	r.obsrecv.EndLogsOp(obsCtx, "json", len(fresh), err)
	if err != nil {
		if !consumererror.IsPermanent(err) {
			// Not accepted: the same page is fetched and offered again.
			return firstPartyError(fmt.Errorf("next consumer refused %d events: %w", len(fresh), err))
		}
		// The consumer will never accept these records: retrying would stall collection.
		r.settings.Logger.Error("Next consumer rejected events permanently: they are dropped",
			zap.Int("dropped_events", len(fresh)), zap.Error(err))
	} else {
		r.telemetry.JumpcloudEventsReceived.Add(ctx, int64(len(fresh)))
	}

	overlapFrom := cp.WindowEnd.Add(-r.cfg.Overlap)
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
		if r.cfg.Overlap > 0 && fresh[i].Key != "" && !ts.Before(overlapFrom) {
			evicted += cp.Seen.add(fresh[i].Key, ts, r.cfg.MaxSeenIDs)
			r.seenDirty = true
		}
	}
	if evicted > 0 {
		r.settings.Logger.Warn("Seen-id set is full: oldest ids evicted, late duplicates possible",
			zap.Int("evicted_ids", evicted), zap.Int("max_seen_ids", r.cfg.MaxSeenIDs))
	}
	if !newest.IsZero() {
		r.telemetry.JumpcloudWindowLag.Record(ctx, r.now().Sub(newest).Seconds())
	}
	return nil
}

func countSeen(seen seenSet, events []jumpcloud.Event) int {
	n := 0
	if len(seen) == 0 {
		return 0
	}
	for i := range events {
		if _, ok := seen[events[i].Key]; ok && events[i].Key != "" {
			n++
		}
	}
	return n
}

func (r *diReceiver) countRequest(ctx context.Context, err error) {
	code := 200
	if err != nil {
		code = jumpcloud.StatusCodeOf(err)
	}
	r.telemetry.JumpcloudAPIRequests.Add(ctx, 1,
		metric.WithAttributeSet(attribute.NewSet(attribute.Int("http.response.status_code", code))))
}

// backOff is an exponential backoff with jitter over configretry settings, without an end.
type backOff struct {
	cfg configretry.BackOffConfig
	cur time.Duration
}

func newBackOff(cfg configretry.BackOffConfig) *backOff {
	return &backOff{cfg: cfg, cur: cfg.InitialInterval}
}

func (b *backOff) next() time.Duration {
	d := b.cur
	if f := b.cfg.RandomizationFactor; f > 0 {
		d = time.Duration(float64(d) * (1 - f + 2*f*rand.Float64()))
	}
	b.cur = min(time.Duration(float64(b.cur)*max(b.cfg.Multiplier, 1)), b.cfg.MaxInterval)
	return d
}

func (b *backOff) reset() { b.cur = b.cfg.InitialInterval }
