package jumpcloudsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawPost sends a valid query and returns the response (or the transport error) and the body
// read error, without asserting anything.
func rawPost(t *testing.T, client *http.Client, url string) (*http.Response, []byte, error, error) {
	t.Helper()
	b, err := json.Marshal(q(t0, "limit", 200))
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	require.NoError(t, err)
	req.Header.Set("x-api-key", testKey)
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err, nil
	}
	defer resp.Body.Close()
	body, readErr := io.ReadAll(resp.Body)
	return resp, body, nil, readErr
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name   string
		fault  Fault
		check  func(t *testing.T, resp *http.Response, body []byte, doErr, readErr error)
		status int // recorded status
	}{
		{"429 with Retry-After", Fault{Kind: FaultStatus, Status: 429, RetryAfter: "7"},
			func(t *testing.T, resp *http.Response, body []byte, doErr, _ error) {
				require.NoError(t, doErr)
				assert.Equal(t, 429, resp.StatusCode)
				assert.Equal(t, "7", resp.Header.Get("Retry-After"))
				assert.Equal(t, "Too Many Requests", message(t, body))
			}, 429},
		{"429 without Retry-After", Fault{Kind: FaultStatus, Status: 429},
			func(t *testing.T, resp *http.Response, _ []byte, doErr, _ error) {
				require.NoError(t, doErr)
				assert.Equal(t, 429, resp.StatusCode)
				assert.Empty(t, resp.Header.Values("Retry-After"))
			}, 429},
		{"500 with message", Fault{Kind: FaultStatus, Status: 500, Message: "search too complex"},
			func(t *testing.T, resp *http.Response, body []byte, doErr, _ error) {
				require.NoError(t, doErr)
				assert.Equal(t, 500, resp.StatusCode)
				assert.Equal(t, "search too complex", message(t, body))
			}, 500},
		{"502", Fault{Kind: FaultStatus, Status: 502}, statusIs(502), 502},
		{"503", Fault{Kind: FaultStatus, Status: 503, RetryAfter: "Wed, 21 Oct 2015 07:28:00 GMT"}, statusIs(503), 503},
		{"504", Fault{Kind: FaultStatus, Status: 504}, statusIs(504), 504},
		{"401", Fault{Kind: FaultStatus, Status: 401, Message: "Unauthorized"}, statusIs(401), 401},
		{"403", Fault{Kind: FaultStatus, Status: 403}, statusIs(403), 403},
		{"latency", Fault{Kind: FaultLatency, Delay: 20 * time.Millisecond}, validPage, 200},
		{"slow body", Fault{Kind: FaultSlowBody, Delay: time.Millisecond, ChunkSize: 4096}, validPage, 200},
		{"truncated body", Fault{Kind: FaultTruncate},
			func(t *testing.T, resp *http.Response, body []byte, doErr, readErr error) {
				require.NoError(t, doErr)
				assert.Equal(t, 200, resp.StatusCode)
				assert.ErrorIs(t, readErr, io.ErrUnexpectedEOF)
				assert.Less(t, int64(len(body)), resp.ContentLength)
			}, 200},
		{"malformed body", Fault{Kind: FaultMalformed},
			func(t *testing.T, resp *http.Response, body []byte, doErr, readErr error) {
				require.NoError(t, doErr)
				require.NoError(t, readErr)
				assert.Equal(t, 200, resp.StatusCode)
				var v []json.RawMessage
				var syn *json.SyntaxError
				assert.ErrorAs(t, json.Unmarshal(body, &v), &syn)
			}, 200},
		{"HTML page", Fault{Kind: FaultHTML},
			func(t *testing.T, resp *http.Response, body []byte, doErr, readErr error) {
				require.NoError(t, doErr)
				require.NoError(t, readErr)
				assert.Equal(t, 200, resp.StatusCode)
				assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
				assert.True(t, bytes.HasPrefix(body, []byte("<!DOCTYPE html>")), "%s", body)
			}, 200},
		{"JSON object", Fault{Kind: FaultObject, Message: "temporarily unavailable"},
			func(t *testing.T, resp *http.Response, body []byte, doErr, readErr error) {
				require.NoError(t, doErr)
				require.NoError(t, readErr)
				assert.Equal(t, 200, resp.StatusCode)
				assert.Equal(t, "temporarily unavailable", message(t, body))
			}, 200},
		{"cursor moved backwards", Fault{Kind: FaultCursorBack},
			func(t *testing.T, resp *http.Response, body []byte, doErr, readErr error) {
				validPage(t, resp, body, doErr, readErr)
				evs := decodeEvents(t, body)
				var key []any
				require.NoError(t, json.Unmarshal([]byte(resp.Header.Get("X-Search_after")), &key))
				require.Len(t, key, 2)
				assert.Equal(t, eventID(t, evs[0]), key[1], "the key of the first event, not the last")
			}, 200},
		{"connection reset", Fault{Kind: FaultReset},
			func(t *testing.T, _ *http.Response, _ []byte, doErr, _ error) {
				require.Error(t, doErr)
			}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, ts, _ := newTestServer(t, Config{})
			require.NoError(t, sim.Generate(200, t0, t0.Add(time.Hour)))
			require.NoError(t, sim.InjectFault(tt.fault))
			client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			defer client.CloseIdleConnections()
			resp, body, doErr, readErr := rawPost(t, client, ts.URL+EventsPath)
			tt.check(t, resp, body, doErr, readErr)
			reqs := sim.Requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, tt.fault.Kind, reqs[0].Fault)
			assert.Equal(t, tt.status, reqs[0].Status)
			assert.Empty(t, sim.PendingFaults(), "a fault is consumed once")

			// the next request is served normally
			resp, body, doErr, readErr = rawPost(t, client, ts.URL+EventsPath)
			validPage(t, resp, body, doErr, readErr)
		})
	}
}

func statusIs(status int) func(t *testing.T, resp *http.Response, body []byte, doErr, readErr error) {
	return func(t *testing.T, resp *http.Response, body []byte, doErr, readErr error) {
		require.NoError(t, doErr)
		require.NoError(t, readErr)
		assert.Equal(t, status, resp.StatusCode)
		assert.Equal(t, http.StatusText(status), message(t, body)[:len(http.StatusText(status))])
	}
}

func validPage(t *testing.T, resp *http.Response, body []byte, doErr, readErr error) {
	t.Helper()
	require.NoError(t, doErr)
	require.NoError(t, readErr)
	require.Equal(t, 200, resp.StatusCode)
	assert.Len(t, decodeEvents(t, body), 200)
}

func TestFaultQueueOrderAndTimes(t *testing.T) {
	sim, ts, _ := newTestServer(t, Config{})
	require.NoError(t, sim.InjectFault(Fault{Kind: FaultStatus, Status: 503, Times: 3}))
	require.NoError(t, sim.InjectFault(Fault{Kind: FaultStatus, Status: 429, RetryAfter: "1"}))
	require.NoError(t, sim.InjectFault(Fault{Kind: FaultStatus, Status: 500, Times: 0}))
	pending := sim.PendingFaults()
	require.Len(t, pending, 3)
	assert.Equal(t, 1, pending[2].Times, "Times 0 means once")

	var got []int
	for range 7 {
		got = append(got, post(t, ts.URL+EventsPath, q(t0)).status)
	}
	assert.Equal(t, []int{503, 503, 503, 429, 500, 200, 200}, got)
	st := sim.Stats()
	assert.Equal(t, map[int]int64{503: 3, 429: 1, 500: 1, 200: 2}, st.ByStatus)
	assert.Equal(t, int64(7), st.Requests)

	require.NoError(t, sim.InjectFault(Fault{Kind: FaultStatus, Status: 502, Times: 10}))
	sim.ClearFaults()
	assert.Equal(t, 200, post(t, ts.URL+EventsPath, q(t0)).status)
}

func TestFaultValidation(t *testing.T) {
	tests := []struct {
		name  string
		fault Fault
		err   string
	}{
		{"unknown kind", Fault{Kind: "explode"}, `unknown fault kind "explode"`},
		{"status out of range", Fault{Kind: FaultStatus, Status: 42}, "fault status 42 out of range"},
		{"negative delay", Fault{Kind: FaultLatency, Delay: -time.Second}, "negative"},
	}
	sim := New(Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.ErrorContains(t, sim.InjectFault(tt.fault), tt.err)
		})
	}
	assert.Empty(t, sim.PendingFaults())
}

func TestFaultJSON(t *testing.T) {
	tests := []struct {
		in   string
		want Fault
		err  string
	}{
		{`{"kind":"status","status":503,"times":5}`, Fault{Kind: FaultStatus, Status: 503, Times: 5}, ""},
		{`{"kind":"status","status":429,"retry_after":"3","message":"slow down"}`, Fault{Kind: FaultStatus, Status: 429, RetryAfter: "3", Message: "slow down"}, ""},
		{`{"kind":"slow_body","delay":"50ms","chunk_size":10}`, Fault{Kind: FaultSlowBody, Delay: 50 * time.Millisecond, ChunkSize: 10}, ""},
		{`{"kind":"latency","delay":"soon"}`, Fault{}, "fault delay"},
		{`{"kind":"reset"}`, Fault{Kind: FaultReset}, ""},
		{`{"kind":"cursor_back","times":2}`, Fault{Kind: FaultCursorBack, Times: 2}, ""},
		{`{"kind":"nope"}`, Fault{}, "unknown fault kind"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var f Fault
			err := json.Unmarshal([]byte(tt.in), &f)
			if tt.err != "" {
				assert.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, f)
			b, err := json.Marshal(f)
			require.NoError(t, err)
			var back Fault
			require.NoError(t, json.Unmarshal(b, &back))
			assert.Equal(t, f, back)
		})
	}
}

func TestSlowBodyStopsWhenClientGivesUp(t *testing.T) {
	sim, ts, _ := newTestServer(t, Config{})
	require.NoError(t, sim.Generate(200, t0, t0.Add(time.Hour)))
	require.NoError(t, sim.InjectFault(Fault{Kind: FaultSlowBody, Delay: time.Hour, ChunkSize: 16}))
	client := &http.Client{Timeout: 200 * time.Millisecond, Transport: &http.Transport{DisableKeepAlives: true}}
	defer client.CloseIdleConnections()
	resp, _, doErr, readErr := rawPost(t, client, ts.URL+EventsPath)
	if doErr == nil {
		assert.Equal(t, 200, resp.StatusCode)
		require.Error(t, readErr)
		var ne interface{ Timeout() bool }
		assert.True(t, errors.As(readErr, &ne) && ne.Timeout(), "%v", readErr)
	}
	// the handler returns (goleak in TestMain and ts.Close in cleanup would hang otherwise)
}

// A held request (latency fault, PageLatency) ends when its client goes away, not after the
// whole delay: the request is logged without an answer (status 0) at once.
func TestHeldRequestEndsWithItsClient(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		fault *Fault
	}{
		{name: "latency fault", fault: &Fault{Kind: FaultLatency, Delay: time.Hour}},
		{name: "page latency", cfg: Config{PageLatency: time.Hour}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, ts, _ := newTestServer(t, tt.cfg)
			if tt.fault != nil {
				require.NoError(t, sim.InjectFault(*tt.fault))
			}
			client := &http.Client{Timeout: 200 * time.Millisecond, Transport: &http.Transport{DisableKeepAlives: true}}
			defer client.CloseIdleConnections()
			_, _, doErr, _ := rawPost(t, client, ts.URL+EventsPath)
			require.Error(t, doErr, "the answer is held")
			require.Eventually(t, func() bool {
				reqs := sim.Requests()
				return len(reqs) == 1 && reqs[0].Status == 0
			}, 5*time.Second, 10*time.Millisecond, "the held request outlived its client")
		})
	}
}
