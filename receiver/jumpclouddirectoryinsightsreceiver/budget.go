package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"

import (
	"context"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v7"
	"go.opentelemetry.io/collector/config/configretry"
	"golang.org/x/time/rate"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/httpretry"
)

// budget is the request budget all streams share (docs/design.md, "Collection engine"):
//   - at most max_concurrent_requests API requests in flight;
//   - at most max_requests_per_second when set (golang.org/x/time/rate);
//   - a 429 pauses every stream (the API's rate limit is per account, not per organization);
//   - at most max_concurrent_requests + 1 pages held in memory, from the request until the next
//     consumer accepted all of its events: fetching overlaps delivery, memory stays bounded.
type budget struct {
	requests chan struct{}
	pages    chan struct{}
	limiter  *rate.Limiter

	mu          sync.Mutex
	pausedUntil time.Time
}

func newBudget(cfg *Config) *budget {
	b := &budget{
		requests: make(chan struct{}, cfg.MaxConcurrentRequests),
		pages:    make(chan struct{}, cfg.MaxConcurrentRequests),
	}
	if cfg.MaxRequestsPerSecond > 0 {
		b.limiter = rate.NewLimiter(rate.Limit(cfg.MaxRequestsPerSecond), 1)
	}
	return b
}

// acquirePage reserves room for one page in memory; releasePage gives it back.
func (b *budget) acquirePage(ctx context.Context) error {
	select {
	case b.pages <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (b *budget) releasePage() { <-b.pages }

// do runs one API request within the budget: after a shared pause, at the configured rate,
// with a free request slot.
func (b *budget) do(ctx context.Context, request func(context.Context) error) error {
	for {
		b.mu.Lock()
		wait := time.Until(b.pausedUntil)
		b.mu.Unlock()
		if wait <= 0 {
			break
		}
		if !httpretry.Sleep(ctx, wait) {
			return ctx.Err()
		}
	}
	if b.limiter != nil {
		if err := b.limiter.Wait(ctx); err != nil {
			return err
		}
	}
	select {
	case b.requests <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-b.requests }()
	return request(ctx)
}

// pause holds every stream's next request for d (a 429 with or without Retry-After).
func (b *budget) pause(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if until := time.Now().Add(d); until.After(b.pausedUntil) {
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
