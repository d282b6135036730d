package sumosink

import (
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testCode = "test-code-0123456789"

func startSink(t *testing.T, cfg Config) *Sink {
	t.Helper()
	if cfg.Code == "" {
		cfg.Code = testCode
	}
	s, err := Start("127.0.0.1:0", cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

func encode(t *testing.T, encoding string, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	switch encoding {
	case "", "none":
		return b
	case "gzip":
		w = gzip.NewWriter(&buf)
	case "deflate":
		w = zlib.NewWriter(&buf)
	case "deflate-raw":
		fw, err := flate.NewWriter(&buf, flate.DefaultCompression)
		require.NoError(t, err)
		w = fw
	case "zstd":
		zw, err := zstd.NewWriter(&buf)
		require.NoError(t, err)
		w = zw
	default:
		t.Fatalf("unknown encoding %q", encoding)
	}
	_, err := w.Write(b)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return buf.Bytes()
}

type post struct {
	encoding string // as sent in Content-Encoding
	wire     string // how the body is encoded ("" = as encoding)
	body     string
	headers  map[string]string
	path     string
}

func send(t *testing.T, client *http.Client, s *Sink, p post) (*http.Response, string) {
	t.Helper()
	wire := p.wire
	if wire == "" {
		wire = p.encoding
	}
	u := s.URL()
	if p.path != "" {
		u = s.BaseURL() + p.path
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, u, bytes.NewReader(encode(t, wire, []byte(p.body))))
	require.NoError(t, err)
	if p.encoding != "" {
		req.Header.Set("Content-Encoding", p.encoding)
	}
	for k, v := range p.headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

func TestReceive(t *testing.T) {
	fields31 := make([]string, 31)
	for i := range fields31 {
		fields31[i] = fmt.Sprintf("f%02d=v%d", i, i)
	}
	tests := []struct {
		name        string
		post        post
		wantStatus  int
		wantBody    string // substring of the answer
		wantMsgs    []string
		wantMeta    Metadata
		wantNFields int
	}{
		{
			name:       "plain with metadata",
			post:       post{body: "a\nb\r\n\nc", headers: map[string]string{"X-Sumo-Category": "cat/a", "X-Sumo-Name": "src", "X-Sumo-Host": "h1", "X-Sumo-Client": "cl", "X-Sumo-Fields": "_siemForward=true, team = sec"}},
			wantStatus: http.StatusOK,
			wantMsgs:   []string{"a", "b", "c"},
			wantMeta:   Metadata{Category: "cat/a", Name: "src", Host: "h1", Client: "cl", Fields: map[string]string{"_siemForward": "true", "team": "sec"}},
		},
		{name: "gzip", post: post{encoding: "gzip", body: "g1\ng2\n"}, wantStatus: http.StatusOK, wantMsgs: []string{"g1", "g2"}},
		{name: "deflate (zlib)", post: post{encoding: "deflate", body: "d1\n"}, wantStatus: http.StatusOK, wantMsgs: []string{"d1"}},
		{name: "deflate (raw)", post: post{encoding: "deflate", wire: "deflate-raw", body: "r1\n"}, wantStatus: http.StatusOK, wantMsgs: []string{"r1"}},
		{name: "zstd", post: post{encoding: "zstd", body: "z1\nz2"}, wantStatus: http.StatusOK, wantMsgs: []string{"z1", "z2"}},
		{name: "wrong code", post: post{path: PathPrefix + "other", body: "x"}, wantStatus: http.StatusUnauthorized},
		{name: "wrong path", post: post{path: "/elsewhere", body: "x"}, wantStatus: http.StatusNotFound},
		{name: "corrupt gzip", post: post{encoding: "gzip", wire: "none", body: "not gzip"}, wantStatus: http.StatusBadRequest},
		{name: "unknown encoding", post: post{encoding: "br", wire: "none", body: "x"}, wantStatus: http.StatusBadRequest},
		{name: "over the limit uncompressed", post: post{body: strings.Repeat("x", DefaultMaxBodySize+1)}, wantStatus: http.StatusRequestEntityTooLarge},
		{name: "over the limit once decoded", post: post{encoding: "gzip", body: strings.Repeat("x\n", DefaultMaxBodySize/2+1)}, wantStatus: http.StatusRequestEntityTooLarge},
		{name: "exactly the limit", post: post{encoding: "zstd", body: strings.Repeat("y", DefaultMaxBodySize-1) + "\n"}, wantStatus: http.StatusOK, wantMsgs: []string{strings.Repeat("y", DefaultMaxBodySize-1)}},
		{
			name:        "too many fields: 200 with a warning, first 30 kept",
			post:        post{body: "w", headers: map[string]string{"X-Sumo-Fields": strings.Join(fields31, ", ")}},
			wantStatus:  http.StatusOK,
			wantBody:    "fields.too_many",
			wantMsgs:    []string{"w"},
			wantNFields: MaxFields,
		},
		{
			name:        "value too long: 200 with a warning, truncated",
			post:        post{body: "v", headers: map[string]string{"X-Sumo-Fields": "k=" + strings.Repeat("é", MaxFieldValueLength+5)}},
			wantStatus:  http.StatusOK,
			wantBody:    "fields.value_too_long",
			wantMsgs:    []string{"v"},
			wantNFields: 1,
		},
	}
	s := startSink(t, Config{})
	client := &http.Client{}
	defer client.CloseIdleConnections()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.Reset()
			resp, body := send(t, client, s, tt.post)
			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			if tt.wantBody != "" {
				assert.Contains(t, body, tt.wantBody)
				assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			} else if tt.wantStatus == http.StatusOK {
				assert.Empty(t, body)
			}
			msgs := s.Messages()
			require.Len(t, msgs, len(tt.wantMsgs))
			for i, m := range msgs {
				assert.Equal(t, tt.wantMsgs[i], m.Body)
				if tt.wantMeta.Category != "" {
					assert.Equal(t, tt.wantMeta, m.Metadata)
				}
				if tt.wantNFields > 0 {
					assert.Len(t, m.Fields, tt.wantNFields)
					for _, v := range m.Fields {
						assert.LessOrEqual(t, len([]rune(v)), MaxFieldValueLength)
					}
				}
			}
			if tt.wantStatus != http.StatusNotFound {
				assert.Equal(t, map[int]int{tt.wantStatus: 1}, s.Requests())
			}
		})
	}
}

func TestFaultQueue(t *testing.T) {
	s := startSink(t, Config{})
	client := &http.Client{}
	defer client.CloseIdleConnections()
	s.InjectFaults(
		Fault{Status: http.StatusTooManyRequests, RetryAfter: 2, Count: 2},
		Fault{Status: http.StatusServiceUnavailable},
		Fault{Status: http.StatusUnauthorized},
		Fault{DelayMS: 20},
		Fault{Status: http.StatusServiceUnavailable, Record: true},
	)
	type want struct {
		status     int
		retryAfter string
		count      int
	}
	wants := []want{
		{http.StatusTooManyRequests, "2", 0},
		{http.StatusTooManyRequests, "2", 0},
		{http.StatusServiceUnavailable, "", 0},
		{http.StatusUnauthorized, "", 0},
		{http.StatusOK, "", 1},                 // slow but fine
		{http.StatusServiceUnavailable, "", 2}, // recorded, then the answer says failure
		{http.StatusOK, "", 3},                 // queue empty
	}
	for i, w := range wants {
		resp, _ := send(t, client, s, post{body: "m"})
		assert.Equal(t, w.status, resp.StatusCode, "request %d", i)
		assert.Equal(t, w.retryAfter, resp.Header.Get("Retry-After"), "request %d", i)
		assert.Equal(t, w.count, s.Count(), "request %d", i)
	}
	st := s.Stats()
	assert.Equal(t, 3, st.Messages)
	assert.Equal(t, 1, st.Distinct)
	assert.Equal(t, 2, st.Duplicates)
	assert.Equal(t, map[int]int{200: 2, 429: 2, 503: 2, 401: 1}, st.Requests)
}

func TestFaultReset(t *testing.T) {
	s := startSink(t, Config{})
	client := &http.Client{}
	defer client.CloseIdleConnections()
	s.InjectFaults(Fault{Reset: true}, Fault{Reset: true, Record: true})
	for range 2 {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL(), strings.NewReader("lost\n"))
		require.NoError(t, err)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		require.Error(t, err)
	}
	assert.Equal(t, 1, s.Count(), "the second reset came after recording")
	assert.Equal(t, 2, s.Requests()[0])
}

func TestWindows(t *testing.T) {
	s := startSink(t, Config{})
	client := &http.Client{}
	defer client.CloseIdleConnections()

	s.Down(time.Hour, http.StatusServiceUnavailable, 3)
	resp, _ := send(t, client, s, post{body: "a"})
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, "3", resp.Header.Get("Retry-After"))

	s.ClearFaults()
	s.AcceptButDrop(time.Hour)
	resp, _ = send(t, client, s, post{body: "b\nc"})
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, 0, s.Count())
	assert.Equal(t, 2, s.Stats().Dropped)

	s.ClearFaults()
	resp, _ = send(t, client, s, post{body: "d"})
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, 1, s.Count())

	// A short window ends by itself.
	s.Down(time.Millisecond, 0, 0)
	require.Eventually(t, func() bool {
		resp, _ = send(t, client, s, post{body: "e"})
		return resp.StatusCode == http.StatusOK
	}, 5*time.Second, time.Millisecond, "the window never ended")
	assert.Equal(t, 2, s.Count(), "answered 503 until the window ended, then recorded once")
}

func TestOnBatch(t *testing.T) {
	var mu sync.Mutex
	var seen []Batch
	s := startSink(t, Config{OnBatch: func(b Batch) int {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, b)
		if b.Messages[0] == "reject" {
			return http.StatusServiceUnavailable
		}
		return 0
	}})
	client := &http.Client{}
	defer client.CloseIdleConnections()
	resp, _ := send(t, client, s, post{body: "reject", encoding: "gzip", headers: map[string]string{"X-Sumo-Category": "c"}})
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	resp, _ = send(t, client, s, post{body: "keep"})
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, 1, s.Count())
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seen, 2)
	assert.Equal(t, "c", seen[0].Category)
	assert.Equal(t, "gzip", seen[0].ContentEncoding)
}

func TestAdminEndpoints(t *testing.T) {
	s := startSink(t, Config{})
	client := &http.Client{}
	defer client.CloseIdleConnections()
	send(t, client, s, post{body: "m1\nm2\nm1", headers: map[string]string{"X-Sumo-Category": "a", "X-Sumo-Fields": "_siemForward=true"}})
	send(t, client, s, post{body: "m3", headers: map[string]string{"X-Sumo-Category": "b"}})

	get := func(path string) (int, []byte) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.BaseURL()+path, http.NoBody)
		require.NoError(t, err)
		resp, err := client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, b
	}
	code, b := get("/_sink/stats")
	require.Equal(t, http.StatusOK, code)
	var st Stats
	require.NoError(t, json.Unmarshal(b, &st))
	assert.Equal(t, Stats{Messages: 4, Distinct: 3, Duplicates: 1, ByCategory: map[string]int{"a": 3, "b": 1},
		Requests: map[int]int{200: 2}, CompressedBytes: st.CompressedBytes, UncompressedBytes: 10}, st)

	code, b = get("/_sink/messages?category=a")
	require.Equal(t, http.StatusOK, code)
	var msgs []Message
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var m Message
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m))
		msgs = append(msgs, m)
	}
	require.Len(t, msgs, 3)
	assert.Equal(t, Message{Body: "m2", Metadata: Metadata{Category: "a", Fields: map[string]string{"_siemForward": "true"}}}, msgs[1])

	postJSON := func(path, body string) int {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.BaseURL()+path, strings.NewReader(body))
		require.NoError(t, err)
		resp, err := client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusOK, postJSON("/_sink/faults", `{"faults":[{"status":429,"retry_after":1,"count":2}],"down_seconds":0}`))
	assert.Equal(t, 2, s.Stats().PendingFaults)
	assert.Equal(t, http.StatusBadRequest, postJSON("/_sink/faults", `{"unknown":1}`))
	assert.Equal(t, http.StatusOK, postJSON("/_sink/faults", `{"clear":true,"down_seconds":60,"down_status":401}`))
	resp, _ := send(t, client, s, post{body: "x"})
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, http.StatusNoContent, postJSON("/_sink/reset", ""))
	assert.Equal(t, 0, s.Count())
	resp, _ = send(t, client, s, post{body: "x"})
	assert.Equal(t, http.StatusOK, resp.StatusCode, "reset also ends the windows")
}

func TestWaitForCountAndConcurrency(t *testing.T) {
	s := startSink(t, Config{})
	client := &http.Client{}
	defer client.CloseIdleConnections()
	const senders, perSender = 4, 25
	var wg sync.WaitGroup
	for i := range senders {
		wg.Go(func() {
			for j := range perSender {
				req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, s.URL(), strings.NewReader(fmt.Sprintf("s%d-m%d", i, j)))
				if !assert.NoError(t, err) {
					return
				}
				resp, err := client.Do(req)
				if assert.NoError(t, err) {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		})
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.WaitForCount(ctx, senders*perSender))
	wg.Wait()
	st := s.Stats()
	assert.Equal(t, senders*perSender, st.Distinct)
	assert.Equal(t, 0, st.Duplicates)

	short, cancelShort := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancelShort()
	assert.ErrorIs(t, s.WaitForCount(short, senders*perSender+1), context.DeadlineExceeded)
}

// TestManyMessages records 50,000 messages of ~1.5 KB through the handler.
func TestManyMessages(t *testing.T) {
	s, err := New(Config{Code: testCode})
	require.NoError(t, err)
	line := strings.Repeat("x", 1500)
	var body strings.Builder
	const perRequest, requests = 500, 100
	for i := range perRequest {
		fmt.Fprintf(&body, "%05d%s\n", i, line)
	}
	for range requests {
		rec := newRecorder()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, PathPrefix+testCode, strings.NewReader(body.String()))
		require.NoError(t, err)
		s.ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.status)
	}
	st := s.Stats()
	assert.Equal(t, perRequest*requests, st.Messages)
	assert.Equal(t, perRequest, st.Distinct)
	assert.Equal(t, perRequest*(requests-1), st.Duplicates)
}

type recorder struct {
	header http.Header
	status int
}

func newRecorder() *recorder                    { return &recorder{header: http.Header{}} }
func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *recorder) WriteHeader(s int)           { r.status = s }

func TestNewRequiresCode(t *testing.T) {
	_, err := New(Config{})
	require.ErrorContains(t, err, "Code is required")
}

// TestArrivals: copies and first arrival of every distinct body, kept also with CountOnly.
func TestArrivals(t *testing.T) {
	for _, countOnly := range []bool{false, true} {
		t.Run(fmt.Sprintf("CountOnly=%v", countOnly), func(t *testing.T) {
			s := startSink(t, Config{CountOnly: countOnly})
			client := &http.Client{}
			defer client.CloseIdleConnections()
			before := time.Now()
			resp, _ := send(t, client, s, post{body: "a\nb\n"})
			require.Equal(t, http.StatusOK, resp.StatusCode)
			afterFirst := time.Now()
			resp, _ = send(t, client, s, post{encoding: "gzip", body: "b\nc\n"})
			require.Equal(t, http.StatusOK, resp.StatusCode)

			arr := s.Arrivals()
			require.Len(t, arr, 3)
			a, b, c := arr[s.Hash("a")], arr[s.Hash("b")], arr[s.Hash("c")]
			assert.Equal(t, []int{1, 2, 1}, []int{a.Count, b.Count, c.Count})
			for _, x := range []Arrival{a, b} {
				assert.False(t, x.First.Before(before), "first arrival %s before the send", x.First)
				assert.False(t, x.First.After(afterFirst), "the first copy's time is kept")
			}
			assert.False(t, c.First.Before(a.First))
			assert.NotContains(t, arr, s.Hash("d"))
			assert.Equal(t, 1, s.Stats().Duplicates)
		})
	}
}

// TestInFlight: a request is in flight while its slow answer waits; a client that gives up
// ends it, and nothing is recorded.
func TestInFlight(t *testing.T) {
	s := startSink(t, Config{CountOnly: true})
	s.InjectFaults(Fault{DelayMS: 300})
	ctx, cancel := context.WithCancel(t.Context())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL(), strings.NewReader("late\n"))
	require.NoError(t, err)
	client := &http.Client{}
	defer client.CloseIdleConnections()
	done := make(chan error, 1)
	go func() {
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	require.Eventually(t, func() bool { return s.InFlight() == 1 }, 5*time.Second, time.Millisecond)
	cancel()
	require.Error(t, <-done)
	require.Eventually(t, func() bool { return s.InFlight() == 0 }, 5*time.Second, time.Millisecond)
	assert.Zero(t, s.Count(), "the client gave up during the delay: nothing recorded")
}

// A held upload whose client gives up during the delay ends at once and records nothing: the
// server's Shutdown is not held up for the whole delay, and no phantom delivery is recorded.
func TestHeldUploadEndsWithItsClient(t *testing.T) {
	s, err := New(Config{Code: testCode})
	require.NoError(t, err)
	ts := httptest.NewServer(s)
	s.InjectFaults(Fault{DelayMS: int(time.Hour / time.Millisecond)})
	client := &http.Client{Timeout: 200 * time.Millisecond, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Post(ts.URL+PathPrefix+testCode, "text/plain", strings.NewReader("held\n"))
	if err == nil {
		resp.Body.Close()
	}
	require.Error(t, err, "the answer is held")

	closed := make(chan struct{})
	go func() {
		ts.Close() // waits for the handlers
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the held upload outlived its client")
	}
	assert.Zero(t, s.Count())
}
