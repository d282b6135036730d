package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"

import (
	"context"
	"time"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/httpretry"
)

// clock is the engine's time: every reading of the time (windows, probes, the 429 pause, the
// rate limiter, the shared probe's poll) and every wait (backoff, poll_interval, the 429 pause,
// the rate limiter, a refused delivery's retry, the shared probe's poll) goes through it. The
// receiver runs on realClock; a test can hand the engine a clock it drives (the deterministic
// simulation runs it in a testing/synctest bubble, whose time advances only when every
// goroutine of the engine is blocked).
type clock interface {
	// Now is the current time.
	Now() time.Time
	// Sleep waits d, or until ctx ends; it reports whether the full delay elapsed. A delay <= 0
	// returns at once (true unless ctx ended).
	Sleep(ctx context.Context, d time.Duration) bool
}

// realClock is the wall clock (time.Now, timers).
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) bool { return httpretry.Sleep(ctx, d) }
