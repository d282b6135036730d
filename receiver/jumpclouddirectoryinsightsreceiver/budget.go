package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v7"
	"go.opentelemetry.io/collector/config/configretry"
	"golang.org/x/time/rate"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
)

// budget is the request budget all streams share (docs/design.md, "Collection engine"):
//   - at most max_concurrent_requests API requests in flight;
//   - at most max_requests_per_second when set (golang.org/x/time/rate);
//   - a 429 pauses every stream (the API's rate limit is per account, not per organization);
//   - while a delivery is refused (the destination is down), no request starts: a Sumo Logic
//     outage pauses collection instead of filling memory with pages nobody can take;
//   - at most pageSlots pages held in memory, from the moment their body is read until the next
//     consumer accepted all of their events. A request waiting for the API holds no page slot,
//     so fetching overlaps delivery (latency is hidden) while the memory of page bodies (10 MB
//     for 10000 events) stays bounded: max(2, (max_concurrent_requests+1)/2) pages.
type budget struct {
	requests chan struct{}
	pages    chan struct{}
	limiter  *rate.Limiter
	clock    clock

	mu          sync.Mutex
	pausedUntil time.Time
	// refused counts the deliveries being retried; resumed is closed and replaced when it
	// drops to 0.
	refused int
	resumed chan struct{}
}

// pageSlots is how many page bodies the streams may hold at once.
func pageSlots(maxConcurrentRequests int) int {
	return max(2, (maxConcurrentRequests+1)/2)
}

func newBudget(cfg *Config, clk clock) *budget {
	b := &budget{
		clock:    clk,
		requests: make(chan struct{}, cfg.MaxConcurrentRequests),
		pages:    make(chan struct{}, pageSlots(cfg.MaxConcurrentRequests)),
		resumed:  make(chan struct{}),
	}
	if cfg.MaxRequestsPerSecond > 0 {
		b.limiter = rate.NewLimiter(rate.Limit(cfg.MaxRequestsPerSecond), 1)
	}
	return b
}

// acquirePage reserves room for one page in memory; releasePage gives it back.
func (b *budget) acquirePage(ctx context.Context) error { return b.acquire(ctx, b.pages) }

// acquire takes one of slots, waiting for one to free, or fails when ctx ends first. A context
// that ended never takes a slot (a select would pick either when both are ready).
func (b *budget) acquire(ctx context.Context, slots chan struct{}) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case slots <- struct{}{}:
		return nil
	default:
	}
	taken := false
	select {
	case slots <- struct{}{}:
		taken = true
	case <-ctx.Done():
	}
	b.clock.Resumed(ctx)
	if err := ctx.Err(); err != nil {
		if taken {
			<-slots // taken as ctx ended: given back
		}
		return err
	}
	return nil
}

func (b *budget) releasePage() { <-b.pages }

// do runs one API request within the budget: after a shared pause, while deliveries are
// accepted, at the configured rate, with a free request slot.
func (b *budget) do(ctx context.Context, request func(context.Context) error) error {
	for {
		b.mu.Lock()
		wait, refused, resumed := b.pausedUntil.Sub(b.clock.Now()), b.refused, b.resumed
		b.mu.Unlock()
		if refused > 0 {
			select {
			case <-resumed:
			case <-ctx.Done():
			}
			b.clock.Resumed(ctx)
			if err := ctx.Err(); err != nil {
				return err
			}
			continue
		}
		if wait <= 0 {
			break
		}
		if !b.clock.Sleep(ctx, wait) {
			return ctx.Err()
		}
	}
	if b.limiter != nil {
		// The limiter's Wait reads the wall clock: reserve at the clock's time, wait on it.
		res := b.limiter.ReserveN(b.clock.Now(), 1)
		if !b.clock.Sleep(ctx, res.DelayFrom(b.clock.Now())) {
			res.CancelAt(b.clock.Now())
			return ctx.Err()
		}
	}
	if err := b.acquire(ctx, b.requests); err != nil {
		return err
	}
	defer func() { <-b.requests }()
	return request(ctx)
}

// deliveryRefused records a delivery that the next consumer refused and that is being retried
// (done with deliveryAccepted): no request starts meanwhile.
func (b *budget) deliveryRefused() {
	b.mu.Lock()
	b.refused++
	b.mu.Unlock()
}

func (b *budget) deliveryAccepted() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.refused--; b.refused == 0 {
		close(b.resumed)
		b.resumed = make(chan struct{})
	}
}

// pauseOn429 holds every stream's next request for d when err is a 429 (with or without
// Retry-After): the API's rate limit is the account's, not one organization's. It is the one
// place that rule is written; d is the failed request's wait (api.go, retryWait).
func (b *budget) pauseOn429(err error, d time.Duration) {
	if jumpcloud.StatusCodeOf(err) != http.StatusTooManyRequests {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if until := b.clock.Now().Add(d); until.After(b.pausedUntil) {
		b.pausedUntil = until
	}
}

// newBackOff builds the retry schedule from retry_on_failure as exporterhelper does (the
// cenkalti exponential backoff with jitter). It never stops: Validate rejects
// max_elapsed_time, collection is retried indefinitely as the hosted source does.
func newBackOff(cfg configretry.BackOffConfig) *backoff.ExponentialBackOff {
	b := &backoff.ExponentialBackOff{
		InitialInterval:     cfg.InitialInterval,
		RandomizationFactor: cfg.RandomizationFactor,
		Multiplier:          max(cfg.Multiplier, 1),
		MaxInterval:         cfg.MaxInterval,
	}
	b.Reset()
	return b
}
