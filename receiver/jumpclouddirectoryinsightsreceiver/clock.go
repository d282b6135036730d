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
	// Resumed is a scheduling point: a goroutine of the engine goes on after it started, or
	// after it waited for another goroutine of the engine (a request or page slot, a page
	// fetched ahead, a slice's progress, the shared probe's wake-up). The wall clock does
	// nothing there. The simulation's clock runs one goroutine of the engine at a time and
	// picks, at every such point and after every Sleep, which one goes on next in an order its
	// seed draws among those named by withRole: a seed replays exactly (sim_test.go).
	Resumed(ctx context.Context)
}

// realClock is the wall clock (time.Now, timers).
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) bool { return httpretry.Sleep(ctx, d) }

func (realClock) Resumed(context.Context) {}

// roleKey is the context key of the role of the goroutine that runs with the context.
type roleKey struct{}

// withRole names the engine goroutine that runs with ctx (a stream, the shared probe, a
// slice's worker, a page fetched ahead): its parent's role, then name. A role is unique among
// the goroutines of a receiver and the same in every run of the same configuration; only a
// clock that orders goroutines (the simulation's) reads it.
func withRole(ctx context.Context, name string) context.Context {
	if parent := roleOf(ctx); parent != "" {
		name = parent + "/" + name
	}
	return context.WithValue(ctx, roleKey{}, name)
}

// roleOf is the role withRole gave ctx ("" when none).
func roleOf(ctx context.Context) string {
	role, _ := ctx.Value(roleKey{}).(string)
	return role
}
