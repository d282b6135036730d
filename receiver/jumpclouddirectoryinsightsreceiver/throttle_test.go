package jumpclouddirectoryinsightsreceiver

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
)

// fakeAPI is a model of the Directory Insights API behind the engine's eventsAPI: count answers
// every count, and the queries are recorded.
type fakeAPI struct {
	count func(q jumpcloud.Query) (int64, error)

	mu      sync.Mutex
	queries []jumpcloud.Query
}

func (f *fakeAPI) Count(_ context.Context, q jumpcloud.Query) (int64, error) {
	f.mu.Lock()
	f.queries = append(f.queries, q)
	f.mu.Unlock()
	return f.count(q)
}

func (f *fakeAPI) EventsReserving(context.Context, jumpcloud.Query, func(context.Context) error) (*jumpcloud.Page, error) {
	return nil, errors.New("fakeAPI: no pages")
}

// withAPI gives r (built by newReceiver, not started) api, as Start gives it the HTTP client.
func withAPI(r *diReceiver, api eventsAPI) {
	r.client = api
	for _, st := range r.streams {
		st.client = api
	}
}

// A 429 pauses every stream (the API's rate limit is the account's), whichever count gets it: a
// stream's own count and the shared probe's count of several organizations alike.
func TestTooManyRequestsOnACountPausesEveryStream(t *testing.T) {
	t.Parallel()
	now := time.Now()
	for _, shared := range []bool{false, true} {
		cfg := testConfig("http://127.0.0.1:1")
		cfg.OrgID = []string{"org-a", "org-b"}
		r := newWindowTestReceiver(t, cfg, now)
		api := &fakeAPI{count: func(jumpcloud.Query) (int64, error) {
			return 0, &jumpcloud.Error{Kind: jumpcloud.KindTransient, StatusCode: http.StatusTooManyRequests, RetryAfter: 3 * time.Second}
		}}
		withAPI(r, api)
		start, end := now.Add(-time.Minute), now
		var err error
		if shared {
			_, err = r.group.count(t.Context(), []string{"org-a", "org-b"}, start, end)
		} else {
			_, err = r.streams[0].counts.countErr(t.Context(), start, end)
		}
		require.Equal(t, http.StatusTooManyRequests, jumpcloud.StatusCodeOf(err))
		r.budget.mu.Lock()
		paused := time.Until(r.budget.pausedUntil)
		r.budget.mu.Unlock()
		assert.Greater(t, paused, 2*time.Second, "shared %v: every stream waits for the Retry-After", shared)
		want := []string{"org-a"}
		if shared {
			want = []string{"org-a", "org-b"}
		}
		require.Len(t, api.queries, 1)
		assert.Equal(t, want, api.queries[0].OrgIDs)
	}
}
