package jumpcloud

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testKey = "sekret-api-key-0123456789"

func newTestClient(t *testing.T, h http.HandlerFunc, orgs ...string) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := NewClient(&http.Client{Timeout: 5 * time.Second}, Settings{
		BaseURL: srv.URL + "/insights/directory/v1/", APIKey: testKey, OrgIDs: orgs, UserAgent: "test/1.0",
	})
	require.NoError(t, err)
	return c
}

func TestEventsRequestAndPage(t *testing.T) {
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	end := start.Add(time.Hour)
	var gotBody map[string]any
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, http.MethodPost, r.Method)
		assert.Equal(t, "/insights/directory/v1/events", r.URL.Path)
		assert.Equal(t, testKey, r.Header.Get("x-api-key"))
		assert.Equal(t, []string{"org1", "org2"}, r.Header.Values("x-org-id"))
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		assert.Equal(t, "application/json", r.Header.Get("Accept"))
		assert.Equal(t, "test/1.0", r.Header.Get("User-Agent"))
		b, _ := io.ReadAll(r.Body)
		assert.NoError(t, json.Unmarshal(b, &gotBody))
		w.Header().Set("X-Result-Count", "2")
		w.Header().Set("X-Limit", "2")
		w.Header().Set("X-Sort", "ASC")
		w.Header().Set("X-Search_after", `[1793491200123,"5f0e0e0e0e0e0e0e0e0e0e02"]`)
		w.Header().Set("X-Request-Id", "req-1")
		_, _ = io.WriteString(w, ` [ {"id":"5f0e0e0e0e0e0e0e0e0e0e01","timestamp":"2026-11-01T00:00:00Z","service":"radius","event_type":"radius_auth_attempt","organization":"org1","nested":{"id":"x","timestamp":"bad"}},
		{"event_type":"sso_auth","timestamp":"2026-11-01T00:00:00.123456789Z","id":"5f0e0e0e0e0e0e0e0e0e0e02","service":"sso","organization":"org2","msg":"a \"quoted\" ] } value"} ] `)
	}, "org1", "org2")
	page, err := c.Events(context.Background(), Query{
		Service: []string{"all"}, StartTime: start, EndTime: end, Limit: 2, Sort: "ASC",
		SearchAfter: json.RawMessage(`[1793491200000,"abc"]`),
	})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{
		"service": []any{"all"}, "start_time": "2026-11-01T00:00:00Z", "end_time": "2026-11-01T01:00:00Z",
		"limit": float64(2), "sort": "ASC", "search_after": []any{float64(1793491200000), "abc"},
	}, gotBody)
	require.Len(t, page.Events, 2)
	assert.Equal(t, "5f0e0e0e0e0e0e0e0e0e0e01", page.Events[0].ID)
	assert.Equal(t, "radius", page.Events[0].Service)
	assert.Equal(t, "radius_auth_attempt", page.Events[0].EventType)
	assert.Equal(t, "org1", page.Events[0].Organization)
	assert.True(t, page.Events[0].Timestamp.Equal(start))
	assert.Equal(t, start.Add(123456789), page.Events[1].Timestamp.UTC())
	assert.True(t, strings.HasPrefix(string(page.Events[1].Raw), `{"event_type":"sso_auth"`))
	assert.True(t, strings.HasSuffix(string(page.Events[1].Raw), `value"}`))
	assert.JSONEq(t, `[1793491200123,"5f0e0e0e0e0e0e0e0e0e0e02"]`, string(page.SearchAfter))
	assert.Equal(t, 2, page.ResultCount)
	assert.Equal(t, 2, page.Limit)
	assert.Equal(t, "ASC", page.Sort)
	assert.Equal(t, "req-1", page.RequestID)
	assert.False(t, page.Last, "a full page is not known to be the last")
}

func TestEventsLastPage(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		headers  map[string]string
		reqLimit int
		wantLast bool
		wantN    int
	}{
		{name: "empty array", body: `[]`, headers: map[string]string{"X-Result-Count": "0", "X-Limit": "1000"}, wantLast: true},
		{name: "short page", body: `[{"id":"a","timestamp":"2026-11-01T00:00:00Z"}]`, headers: map[string]string{"X-Result-Count": "1", "X-Limit": "1000"}, wantLast: true, wantN: 1},
		{name: "full page", body: `[{"id":"a","timestamp":"2026-11-01T00:00:00Z"}]`, headers: map[string]string{"X-Result-Count": "1", "X-Limit": "1"}, wantN: 1},
		{name: "server applied a smaller limit than asked", body: `[{"id":"a","timestamp":"2026-11-01T00:00:00Z"}]`, headers: map[string]string{"X-Result-Count": "1", "X-Limit": "1"}, reqLimit: 5000, wantN: 1},
		{name: "no X-Limit: a short page may have been capped, only [] ends", body: `[{"id":"a","timestamp":"2026-11-01T00:00:00Z"}]`, reqLimit: 10, wantN: 1},
		{name: "no X-Limit, empty page", body: `[]`, reqLimit: 10, wantLast: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) {
				for k, v := range tt.headers {
					w.Header().Set(k, v)
				}
				_, _ = io.WriteString(w, tt.body)
			})
			page, err := c.Events(context.Background(), Query{Service: []string{"all"}, StartTime: time.Unix(0, 0), Limit: tt.reqLimit})
			require.NoError(t, err)
			assert.Equal(t, tt.wantLast, page.Last)
			assert.Len(t, page.Events, tt.wantN)
		})
	}
}

func TestEventsErrors(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       string
		retryAfter string
		wantKind   Kind
		wantStatus int
		wantMsg    string
		wantRetry  time.Duration
	}{
		{name: "400 bad org", status: 400, body: `{"message":"invalid org id"}`, wantKind: KindConfig, wantStatus: 400, wantMsg: "invalid org id"},
		{name: "401", status: 401, body: `{"message":"Unauthorized"}`, wantKind: KindConfig, wantStatus: 401, wantMsg: "check api_key"},
		{name: "402", status: 402, body: `{"message":"payment required"}`, wantKind: KindConfig, wantStatus: 402, wantMsg: "not enabled"},
		{name: "403", status: 403, body: `{"message":"forbidden"}`, wantKind: KindConfig, wantStatus: 403, wantMsg: "administrator"},
		{name: "429 with Retry-After", status: 429, body: `{"message":"slow down"}`, retryAfter: "2", wantKind: KindTransient, wantStatus: 429, wantRetry: 2 * time.Second},
		{name: "429 without Retry-After", status: 429, wantKind: KindTransient, wantStatus: 429},
		{name: "429 absurd Retry-After is capped", status: 429, retryAfter: "999999", wantKind: KindTransient, wantStatus: 429, wantRetry: maxRetryAfter},
		{name: "500", status: 500, body: "oops", wantKind: KindTransient, wantStatus: 500, wantMsg: "oops"},
		{name: "503", status: 503, wantKind: KindTransient, wantStatus: 503},
		{name: "truncated body", status: 200, body: `[{"id":"a","timestamp":"2026-11-01T00:00:00Z"},{"id":`, wantKind: KindTransient, wantStatus: 200, wantMsg: "unusable"},
		{name: "not an array", status: 200, body: `{"message":"x"}`, wantKind: KindTransient, wantStatus: 200, wantMsg: "not a JSON array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) {
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			})
			_, err := c.Events(context.Background(), Query{Service: []string{"all"}, StartTime: time.Unix(0, 0)})
			require.Error(t, err)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.wantKind, e.Kind)
			assert.Equal(t, tt.wantKind == KindConfig, IsConfigError(err))
			assert.Equal(t, tt.wantStatus, StatusCodeOf(err))
			assert.Contains(t, err.Error(), tt.wantMsg)
			ra, ok := RetryAfterOf(err)
			assert.Equal(t, tt.wantRetry, ra)
			assert.Equal(t, tt.wantRetry > 0, ok)
			assert.NotContains(t, err.Error(), testKey)
		})
	}
}

func TestEventsNetworkErrorIsTransientAndKeyless(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, err := NewClient(&http.Client{Timeout: time.Second}, Settings{BaseURL: url, APIKey: testKey})
	require.NoError(t, err)
	_, err = c.Events(context.Background(), Query{Service: []string{"all"}, StartTime: time.Unix(0, 0)})
	require.Error(t, err)
	assert.False(t, IsConfigError(err))
	assert.NotContains(t, err.Error(), testKey)
}

func TestEventsRejectsEmptyWindowWithoutRequest(t *testing.T) {
	called := false
	c := newTestClient(t, func(http.ResponseWriter, *http.Request) { called = true })
	now := time.Now()
	_, err := c.Events(context.Background(), Query{Service: []string{"all"}, StartTime: now, EndTime: now})
	require.Error(t, err)
	assert.True(t, IsConfigError(err))
	assert.False(t, called)
}

func TestResponseSizeBound(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `[{"id":"a","timestamp":"2026-11-01T00:00:00Z","pad":"`+strings.Repeat("x", 4096)+`"}]`)
	}))
	defer srv.Close()
	c, err := NewClient(srv.Client(), Settings{BaseURL: srv.URL, APIKey: testKey, MaxResponseBytes: 1024})
	require.NoError(t, err)
	_, err = c.Events(context.Background(), Query{Service: []string{"all"}, StartTime: time.Unix(0, 0)})
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrResponseTooLarge))
	assert.False(t, IsConfigError(err))
}

func TestCount(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "/insights/directory/v1/events/count", r.URL.Path)
		b, _ := io.ReadAll(r.Body)
		assert.NotContains(t, string(b), "limit")
		_, _ = io.WriteString(w, `{"count":25000}`)
	})
	n, err := c.Count(context.Background(), Query{Service: []string{"all"}, StartTime: time.Unix(0, 0), Limit: 10})
	require.NoError(t, err)
	assert.Equal(t, int64(25000), n)
}

func TestNewClientValidation(t *testing.T) {
	_, err := NewClient(nil, Settings{BaseURL: "http://x", APIKey: "k"})
	assert.Error(t, err)
	_, err = NewClient(http.DefaultClient, Settings{APIKey: "k"})
	assert.Error(t, err)
	_, err = NewClient(http.DefaultClient, Settings{BaseURL: "http://x"})
	assert.Error(t, err)
}

func TestRegionBaseURL(t *testing.T) {
	for region, want := range map[string]string{
		"us": "https://api.jumpcloud.com/insights/directory/v1",
		"EU": "https://api.eu.jumpcloud.com/insights/directory/v1",
		"in": "https://api.in.jumpcloud.com/insights/directory/v1",
	} {
		got, err := RegionBaseURL(region)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	_, err := RegionBaseURL("mars")
	assert.ErrorContains(t, err, `unknown region "mars": must be one of eu, in, us`)
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	assert.Equal(t, 2*time.Second, parseRetryAfter("2", now))
	assert.Equal(t, time.Duration(0), parseRetryAfter("1.5", now), "delay-seconds is an integer (RFC 9110)")
	assert.Equal(t, maxRetryAfter, parseRetryAfter("86400", now))
	assert.Equal(t, 10*time.Second, parseRetryAfter(now.Add(10*time.Second).Format(http.TimeFormat), now))
	assert.Equal(t, time.Duration(0), parseRetryAfter("soon", now))
	assert.Equal(t, time.Duration(0), parseRetryAfter("-3", now))
	assert.Equal(t, time.Duration(0), parseRetryAfter("", now))
}

func TestDecodeTrickyStrings(t *testing.T) {
	body := []byte(`[{"id":"a\\","timestamp":"2026-11-01T00:00:00Z","m":"x\\\"}]{[","service":"s\u0073o"},{"id":"b","timestamp":"2026-11-01T00:00:01+02:00"}]`)
	var d Decoder
	evs, incomplete, err := d.Decode(body)
	require.NoError(t, err)
	assert.Zero(t, incomplete)
	require.Len(t, evs, 2)
	assert.Equal(t, `a\`, evs[0].ID)
	assert.Equal(t, "sso", evs[0].Service)
	assert.Equal(t, `{"id":"b","timestamp":"2026-11-01T00:00:01+02:00"}`, string(evs[1].Raw))
	assert.Equal(t, time.Date(2026, 10, 31, 22, 0, 1, 0, time.UTC), evs[1].Timestamp.UTC())
}

func TestDecodeIncompleteEventsAreKept(t *testing.T) {
	body := []byte(`[{"id":"good","timestamp":"2026-11-01T00:00:00Z"},{"timestamp":"2026-11-01T00:00:01Z","event_type":"new_thing"},` +
		`{"id":"bad-ts","timestamp":"yesterday"},{"id":7,"timestamp":"2026-11-01T00:00:02Z"},42,{"\u0069d":"escaped-key","timestamp":"2026-11-01T00:00:03Z"}]`)
	var d Decoder
	evs, incomplete, err := d.Decode(body)
	require.NoError(t, err)
	require.Len(t, evs, 6, "no event is dropped")
	assert.Equal(t, 4, incomplete)
	assert.Equal(t, "good", evs[0].ID)
	assert.Empty(t, evs[1].ID)
	assert.Equal(t, "new_thing", evs[1].EventType)
	assert.Equal(t, "bad-ts", evs[2].ID)
	assert.True(t, evs[2].Timestamp.IsZero())
	assert.Empty(t, evs[3].ID, "a numeric id is not an id")
	assert.Equal(t, "42", string(evs[4].Raw))
	assert.Equal(t, "escaped-key", evs[5].ID)
}
