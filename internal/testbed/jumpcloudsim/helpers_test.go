package jumpcloudsim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const testKey = "test-api-key"

// t0 is the start of the test data; the fake clock sits a day later.
var t0 = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)

// fakeClock is a settable clock for Config.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{now: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// newTestServer returns a simulator (fake clock at t0+24h) behind an httptest server.
func newTestServer(t testing.TB, cfg Config) (*Server, *httptest.Server, *fakeClock) {
	t.Helper()
	clk := newFakeClock(t0.Add(24 * time.Hour))
	if cfg.APIKey == "" {
		cfg.APIKey = testKey
	}
	if cfg.Now == nil {
		cfg.Now = clk.Now
	}
	sim := New(cfg)
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	return sim, ts, clk
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// post sends a body (a string is sent verbatim, anything else as JSON) with the test key.
func post(t testing.TB, url string, body any, headers ...string) response {
	t.Helper()
	var b []byte
	switch v := body.(type) {
	case string:
		b = []byte(v)
	default:
		var err error
		b, err = json.Marshal(v)
		require.NoError(t, err)
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-api-key", testKey)
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Add(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	rb, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: rb}
}

// body is a query body.
type body map[string]any

func q(start time.Time, extra ...any) body {
	b := body{"service": []string{"all"}, "start_time": start.Format(time.RFC3339Nano)}
	for i := 0; i+1 < len(extra); i += 2 {
		b[extra[i].(string)] = extra[i+1]
	}
	return b
}

// decodeEvents decodes an /events answer into the raw events.
func decodeEvents(t testing.TB, b []byte) []json.RawMessage {
	t.Helper()
	var out []json.RawMessage
	require.NoError(t, json.Unmarshal(b, &out), "body: %.300s", b)
	return out
}

func eventID(t testing.TB, raw []byte) string {
	t.Helper()
	var h struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal(raw, &h))
	return h.ID
}

func message(t testing.TB, b []byte) string {
	t.Helper()
	var m struct {
		Message string `json:"message"`
	}
	require.NoError(t, json.Unmarshal(b, &m), "body: %s", b)
	return m.Message
}

// rawEvent builds a minimal event for AddEvent.
func rawEvent(id string, ts time.Time, service string) []byte {
	b, _ := json.Marshal(map[string]any{"id": id, "timestamp": ts.Format(time.RFC3339Nano), "service": service, "event_type": "test"})
	return b
}
