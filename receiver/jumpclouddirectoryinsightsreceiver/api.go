package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"

import (
	"context"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v7"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
)

// eventsAPI is what the engine asks of the Directory Insights API: counts and pages. Start
// gives the engine the HTTP client (*jumpcloud.Client); a test can give it a model of the API
// (its answers, its errors as *jumpcloud.Error) and run the engine without a server.
type eventsAPI interface {
	// Count is POST /events/count over q.
	Count(ctx context.Context, q jumpcloud.Query) (int64, error)
	// EventsReserving fetches the page of q (POST /events), calling reserve before it reads
	// the body (the budget's page slot).
	EventsReserving(ctx context.Context, q jumpcloud.Query, reserve func(context.Context) error) (*jumpcloud.Page, error)
}

var _ eventsAPI = (*jumpcloud.Client)(nil)

// What every API request of the engine shares, written once: the request metric, the count
// (a stream's, and the shared probe's for several organizations), and what a failure costs
// (the wait before the retry, and the pause of every stream on a 429).

// metricAttrSets are the self-metric attribute sets of a stream (its organization) or of the
// shared probe (none), each built once: an attribute set is sorted and hashed when it is built,
// and the engine records several measurements per page.
type metricAttrSets struct {
	base  []attribute.KeyValue
	plain metric.MeasurementOption
	mu    sync.Mutex
	// byStatus are the sets of otelcol_jumpcloud_api_requests by status code (a few codes).
	byStatus map[int]metric.MeasurementOption
}

func newMetricAttrSets(base []attribute.KeyValue) *metricAttrSets {
	return &metricAttrSets{base: base, plain: metric.WithAttributeSet(attribute.NewSet(base...)), byStatus: map[int]metric.MeasurementOption{}}
}

// with is the set of the base attributes and extra.
func (a *metricAttrSets) with(extra ...attribute.KeyValue) metric.MeasurementOption {
	if len(extra) == 0 {
		return a.plain
	}
	return metric.WithAttributeSet(attribute.NewSet(append(extra, a.base...)...))
}

// status is the set of the base attributes and http.response.status_code.
func (a *metricAttrSets) status(code int) metric.MeasurementOption {
	a.mu.Lock()
	defer a.mu.Unlock()
	opt, ok := a.byStatus[code]
	if !ok {
		opt = a.with(attribute.Int("http.response.status_code", code))
		a.byStatus[code] = opt
	}
	return opt
}

// countRequest counts one API request in otelcol_jumpcloud_api_requests by its status code (200
// when it succeeded, 0 when no response was received) with attrs (a stream's organization; none
// for a shared count).
func (r *diReceiver) countRequest(ctx context.Context, err error, attrs *metricAttrSets) {
	code := 200
	if err != nil {
		code = jumpcloud.StatusCodeOf(err)
	}
	r.telemetry.JumpcloudAPIRequests.Add(ctx, 1, attrs.status(code))
}

// countEvents runs one POST /events/count of q: within the request budget, cut after
// countTimeout (or the configured timeout when shorter), counted in
// otelcol_jumpcloud_api_requests with attrs. A 429 pauses every stream, for its Retry-After or
// the initial backoff. When ctx ended it returns ctx.Err() and counts nothing. Counts are
// advisory: what a failure means is the caller's (stream.countErr, groupProber.count).
func (r *diReceiver) countEvents(ctx context.Context, q jumpcloud.Query, attrs *metricAttrSets) (int64, error) {
	var n int64
	err := r.budget.do(ctx, func(ctx context.Context) error {
		cctx, cancel := context.WithTimeout(ctx, min(countTimeout, r.cfg.Timeout))
		defer cancel()
		var err error
		n, err = r.client.Count(cctx, q)
		return err
	})
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	r.countRequest(ctx, err, attrs)
	if err != nil {
		r.budget.pauseOn429(err, retryWait(r.cfg.BackOff.InitialInterval, err))
		return 0, err
	}
	return n, nil
}

// retryWait is the wait before retrying after err: backoff, or the server's Retry-After when
// longer (a tiny Retry-After must not turn retries into a hot loop).
func retryWait(backoff time.Duration, err error) time.Duration {
	if ra, ok := jumpcloud.RetryAfterOf(err); ok {
		return max(ra, backoff)
	}
	return backoff
}

// waitToRetry is the one retry rule of a failed step (the stream's loop, or one slice's
// paging): the error goes into the stream's status; a configuration error stops there (false:
// the caller stops); any other waits retryWait (the next backoff of bo, or a longer
// Retry-After), every stream paused as long on a 429. It reports false when ctx ended during
// the wait.
func (s *stream) waitToRetry(ctx context.Context, bo *backoff.ExponentialBackOff, err error) bool {
	etype := classify(err)
	s.setState(stateError, etype, err)
	if etype == errThirdPartyConfig {
		return false
	}
	wait := retryWait(bo.NextBackOff(), err)
	s.r.budget.pauseOn429(err, wait)
	s.log.Debug("Collection failed, retrying",
		zap.String("error_type", string(etype)), zap.Duration("retry_in", wait), zap.Error(err))
	return s.r.clock.Sleep(ctx, wait)
}
