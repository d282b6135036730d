package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
)

// attrKeyCountFailureReason is the metric attribute of a failed count's reason.
const attrKeyCountFailureReason = "jumpcloud.count_failure_reason"

// countTimeout cuts a slow /events/count: it only sizes and probes, collection must not wait
// for it.
const countTimeout = 10 * time.Second

// counter runs one stream's advisory counts (POST /events/count over a range of its query) and
// the narrowing that bisects a range with them, and keeps what the counts taught about the API:
// failing while counts fail (one warning per episode), deficit once the API counted fewer
// events than were delivered (no window is skipped on a count from then on), exclusionOff once
// the API refused a re-read that left delivered ids out. It holds no checkpoint: the stream
// hands it ranges and what was delivered there (deliveredIndex), so that a table test can
// drive it with a count of its own (counter_test.go).
type counter struct {
	// countRange runs one count over [start, end): the stream's query within the request
	// budget, counted in the request metric (diReceiver.countEvents).
	countRange func(ctx context.Context, start, end time.Time) (int64, error)
	// failed counts a failed count in otelcol_jumpcloud_count_failures by its reason.
	failed func(ctx context.Context, reason string)
	log    *zap.Logger

	failing, deficit, exclusionOff atomic.Bool
}

// count runs one advisory POST /events/count over [start, end) within the budget, cut after
// countTimeout. ok is false on any failure (status, timeout, a body that is not {"count":N}):
// it is counted in otelcol_jumpcloud_count_failures and warned about once until a count works
// again; it never stops collection.
func (c *counter) count(ctx context.Context, start, end time.Time) (n int64, ok bool) {
	n, err := c.countErr(ctx, start, end)
	return n, err == nil
}

// countErr is count returning the failure (nil when the count is usable).
func (c *counter) countErr(ctx context.Context, start, end time.Time) (n int64, err error) {
	n, err = c.countRange(ctx, start, end)
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	if err == nil {
		if c.failing.Swap(false) {
			c.log.Info("POST /events/count answers again: late events are probed with it")
		}
		return n, nil
	}
	reason := countFailureReason(err)
	c.failed(ctx, reason)
	if !c.failing.Swap(true) {
		c.log.Warn("POST /events/count failed: collecting without it (windows sliced by time; late events found by one re-read of each range, overlap + settle_delay after it happened)",
			zap.String("reason", reason), zap.Error(err))
	}
	return 0, err
}

// narrow bisects [a, b), which holds n events by the API's count, down to the ranges holding
// its undelivered ones (two counts per level, taken from *countsLeft).
func (c *counter) narrow(ctx context.Context, ix *deliveredIndex, a, b time.Time, n int64, countsLeft *int) []sliceProgress {
	action := narrowDecision(n, ix.between(a, b), !c.exclusionOff.Load())
	if action == narrowNothing {
		return nil
	}
	leaf := []sliceProgress{{Start: a, End: b}}
	mid := a.Add(b.Sub(a) / 2).Truncate(time.Millisecond)
	if action == narrowReRead || !mid.After(a) || *countsLeft <= 0 {
		return leaf
	}
	// Both halves are counted: a right half derived as n minus the left could come out too low
	// (events visible between the two counts) and leave a late event unread just before its
	// range leaves the probe range.
	*countsLeft -= 2
	left, okl := c.count(ctx, a, mid)
	right, okr := c.count(ctx, mid, b)
	if !okl || !okr {
		return leaf
	}
	return append(c.narrow(ctx, ix, a, mid, left, countsLeft), c.narrow(ctx, ix, mid, b, right, countsLeft)...)
}

// exclusionRefused turns the exclusion of delivered ids off for the stream after the API
// refused a re-read that used it (400: not supported as sent; 500: too complex): re-reads then
// download every event of their range and the seen-id set drops the delivered ones.
func (c *counter) exclusionRefused(err error) {
	if c.exclusionOff.Swap(true) {
		return
	}
	c.log.Warn(`The API refused a re-read that leaves delivered events out (search_term {"not": {"id": [...]}}): re-reading whole ranges from now on`,
		zap.Error(err))
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
