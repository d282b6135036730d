package jumpclouddirectoryinsightsreceiver

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
)

// withClient gives r (built by newReceiver, not started) the API client Start would build,
// talking to h.
func withClient(t *testing.T, r *diReceiver, h http.Handler) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := jumpcloud.NewClient(srv.Client(), jumpcloud.Settings{BaseURL: srv.URL, APIKey: testAPIKey, UserAgent: "test"})
	require.NoError(t, err)
	r.client = c
	for _, st := range r.streams {
		st.client = c
	}
}

func tooManyRequests(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Retry-After", "3")
	http.Error(w, `{"message":"rate limited"}`, http.StatusTooManyRequests)
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
		withClient(t, r, http.HandlerFunc(tooManyRequests))
		start, end := now.Add(-time.Minute), now
		var err error
		if shared {
			_, err = r.group.count(t.Context(), []string{"org-a", "org-b"}, start, end)
		} else {
			_, err = r.streams[0].countErr(t.Context(), start, end)
		}
		require.Equal(t, http.StatusTooManyRequests, jumpcloud.StatusCodeOf(err))
		r.budget.mu.Lock()
		paused := time.Until(r.budget.pausedUntil)
		r.budget.mu.Unlock()
		assert.Greater(t, paused, 2*time.Second, "shared %v: every stream waits for the Retry-After", shared)
	}
}
