package jumpcloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var hostileT0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// hostilePage is a page of three events, the last two ("b", "c") in the same millisecond: its
// correct X-Search_after is [ms(c), "c"].
const hostilePage = `[{"id":"a","timestamp":"2026-11-01T00:00:00.001Z"},{"id":"b","timestamp":"2026-11-01T00:00:02.000100Z"},{"id":"c","timestamp":"2026-11-01T00:00:02.000999Z"}]`

func ms(d time.Duration) int64 { return hostileT0.Add(d).UnixMilli() }

func TestCursorCheck(t *testing.T) {
	last := ms(2 * time.Second)
	tests := []struct {
		name, prev, next, sort string
		reason                 string // "" = accepted
	}{
		{"the last event's key", "", fmt.Sprintf(`[%d,"c"]`, last), "ASC", ""},
		{"millis as a string", "", fmt.Sprintf(`["%d","c"]`, last), "ASC", ""},
		{"millis in exponent form", "", `[1.793491202e12,"c"]`, "ASC", ""},
		{"an opaque tiebreaker (not an event id)", "", fmt.Sprintf(`[%d,"DZrPyW8BNsa9iKWoOm7h"]`, last), "ASC", ""},
		{"a numeric tiebreaker", "", fmt.Sprintf(`[%d,17]`, last), "ASC", ""},
		{"advances past the previous cursor", fmt.Sprintf(`[%d,"z"]`, ms(0)), fmt.Sprintf(`[%d,"c"]`, last), "ASC", ""},
		{"same millisecond, greater tiebreaker", fmt.Sprintf(`[%d,"b"]`, last), fmt.Sprintf(`[%d,"c"]`, last), "ASC", ""},
		{"DESC moves back in time", fmt.Sprintf(`[%d,"z"]`, ms(time.Hour)), fmt.Sprintf(`[%d,"c"]`, last), "DESC", ""},

		{"moved backwards: the first event's key", "", fmt.Sprintf(`[%d,"a"]`, ms(time.Millisecond)), "ASC", RefusedCursorMismatch},
		{"names an earlier event in the last millisecond", "", fmt.Sprintf(`[%d,"b"]`, last), "ASC", RefusedCursorMismatch},
		{"a foreign time", "", fmt.Sprintf(`[%d,"c"]`, last-1), "ASC", RefusedCursorMismatch},
		{"not advancing", fmt.Sprintf(`[%d,"c"]`, last), fmt.Sprintf(`[%d,"c"]`, last), "ASC", RefusedCursorNotAdvancing},
		{"behind the previous cursor", fmt.Sprintf(`[%d,"d"]`, last), fmt.Sprintf(`[%d,"c"]`, last), "ASC", RefusedCursorNotAdvancing},
		{"tiebreaker of another type", fmt.Sprintf(`[%d,1]`, last), fmt.Sprintf(`[%d,"c"]`, last), "ASC", RefusedCursorNotAdvancing},
		{"DESC not moving back", fmt.Sprintf(`[%d,"a"]`, ms(0)), fmt.Sprintf(`[%d,"c"]`, last), "DESC", RefusedCursorNotAdvancing},
		{"not JSON", "", `[1793491202000,"c"`, "ASC", RefusedCursorInvalid},
		{"an object", "", `{"after":1}`, "ASC", RefusedCursorInvalid},
		{"one element", "", fmt.Sprintf(`[%d]`, last), "ASC", RefusedCursorInvalid},
		{"millis not an integer", "", `[1793491202000.5,"c"]`, "ASC", RefusedCursorInvalid},
		{"null tiebreaker", "", fmt.Sprintf(`[%d,null]`, last), "ASC", RefusedCursorInvalid},
		{"two values", "", fmt.Sprintf(`[%d,"c"] [1,"d"]`, last), "ASC", RefusedCursorInvalid},
		{"trailing bracket (found by FuzzCheckCursor)", "", fmt.Sprintf(`[%d,"c"]]`, last), "ASC", RefusedCursorInvalid},
		{"millis beyond int64", "", `[10000000000000000000,"c"]`, "ASC", RefusedCursorInvalid},
		{"huge exponent", "", `[1e999999999,"c"]`, "ASC", RefusedCursorInvalid},
	}
	var d Decoder
	events, _, err := d.Decode([]byte(hostilePage))
	require.NoError(t, err)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reason, err := checkCursor([]byte(tt.prev), []byte(tt.next), events, tt.sort == "DESC")
			assert.Equal(t, tt.reason, reason)
			if tt.reason == "" {
				assert.NoError(t, err)
			} else {
				assert.ErrorContains(t, err, "X-Search_after")
			}
		})
	}
}

// A page whose X-Search_after does not belong to its last event is refused before the next
// page is asked with it: a transient error that carries the reason.
func TestEventsRefusesCursorThatDoesNotFollowThePage(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Limit", "3")
		w.Header().Set("X-Search_after", `[1793491202000,"b"]`)
		_, _ = io.WriteString(w, hostilePage)
	})
	_, err := c.Events(context.Background(), Query{Service: []string{"all"}, StartTime: hostileT0, Limit: 3})
	require.Error(t, err)
	assert.False(t, IsConfigError(err), "transient: retried with backoff")
	reason, ok := RefusedReasonOf(err)
	require.True(t, ok)
	assert.Equal(t, RefusedCursorMismatch, reason)
	assert.Contains(t, err.Error(), "names event 2 of 3")
}

func TestDedupeKey(t *testing.T) {
	body := []byte(`[{"id":"s1","timestamp":"2026-11-01T00:00:00Z"},{"id":12345,"timestamp":"2026-11-01T00:00:00Z"},` +
		`{"id":-7.5e3},{"timestamp":"2026-11-01T00:00:00Z","x":1},{"timestamp":"2026-11-01T00:00:00Z","x":2},{"id":null},{"id":""},42]`)
	var d Decoder
	evs, _, err := d.Decode(body)
	require.NoError(t, err)
	require.Len(t, evs, 8)
	assert.Equal(t, "s1", evs[0].Key)
	assert.Equal(t, "12345", evs[1].Key)
	assert.Empty(t, evs[1].ID, "ID stays the string id of the record attribute")
	assert.Equal(t, "-7.5e3", evs[2].Key)
	seen := map[string]bool{}
	for _, ev := range evs[3:] {
		assert.Regexp(t, `^sha256:[0-9a-f]{32}$`, ev.Key)
		assert.False(t, seen[ev.Key], "different bytes, different keys")
		seen[ev.Key] = true
	}
	again, _, err := d.Decode(body)
	require.NoError(t, err)
	assert.Equal(t, evs[3].Key, again[3].Key, "the same bytes give the same key")
}

// Answers that are not pages: each is a transient error (retried with backoff) with a reason,
// and its text says what was received (the server's message, the start of an HTML page).
func TestHostileAnswers(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		reason  string
		text    string
	}{
		{"HTML page", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<html><body>Access denied by proxy</body></html>")
		}, RefusedMalformed, "Access denied by proxy"},
		{"JSON object", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, `{"events":[]}`)
		}, RefusedNotArray, `{"events":[]}`},
		{"200 with a message", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, `{"message":"internal search timeout"}`)
		}, RefusedNotArray, "internal search timeout"},
		{"truncated array (content not shown)", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, `[{"id":"a","email":"someone@example.com"`)
		}, RefusedMalformed, "not valid JSON"},
		{"declared length above the bound", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", "5000")
			_, _ = io.WriteString(w, "["+strings.Repeat(" ", 4998)+"]")
		}, RefusedTooLarge, "max_page_bytes"},
		{"slow body cut by the timeout", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "100")
			_, _ = io.WriteString(w, "[")
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}, RefusedUnreadable, "reading response body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			t.Cleanup(srv.Close)
			c, err := NewClient(&http.Client{Timeout: 300 * time.Millisecond}, Settings{BaseURL: srv.URL, APIKey: testKey, MaxResponseBytes: 1024})
			require.NoError(t, err)
			_, err = c.Events(context.Background(), Query{Service: []string{"all"}, StartTime: hostileT0})
			require.Error(t, err)
			assert.False(t, IsConfigError(err))
			reason, ok := RefusedReasonOf(err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, tt.reason, reason)
			assert.Contains(t, err.Error(), tt.text)
			assert.NotContains(t, err.Error(), "someone@example.com", "events are not copied into errors")
			assert.NotContains(t, err.Error(), testKey)
		})
	}
}

// A header value that net/http would refuse (a secret with a newline) is a configuration error:
// retrying cannot help. The value is not in the error.
func TestUnsendableHeaderIsAConfigError(t *testing.T) {
	called := false
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))
	t.Cleanup(srv.Close)
	for _, s := range []Settings{
		{BaseURL: srv.URL, APIKey: "key-with\nnewline"},
		{BaseURL: srv.URL, APIKey: testKey, OrgIDs: []string{"org\r1"}},
	} {
		c, err := NewClient(srv.Client(), s)
		require.NoError(t, err)
		_, err = c.Events(context.Background(), Query{Service: []string{"all"}, StartTime: hostileT0})
		require.Error(t, err)
		assert.True(t, IsConfigError(err), "%v", err)
		assert.NotContains(t, err.Error(), "newline")
		assert.NotContains(t, err.Error(), "org\r1")
	}
	assert.False(t, called)
}

// endless is a 200 body of unknown length that never ends: `[` then blanks.
type endless struct{}

func (endless) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	chunk := []byte("[" + strings.Repeat(" ", 32<<10-1))
	for r.Context().Err() == nil {
		if _, err := w.Write(chunk); err != nil {
			return
		}
		chunk[0] = ' '
	}
}

// endlessClient is a client of an endless server, bounded at limit bytes, and a query.
func endlessClient(tb testing.TB, limit int64) (*Client, Query) {
	srv := httptest.NewServer(endless{})
	tb.Cleanup(srv.Close)
	c, err := NewClient(srv.Client(), Settings{BaseURL: srv.URL, APIKey: testKey, MaxResponseBytes: limit})
	require.NoError(tb, err)
	return c, Query{Service: []string{"all"}, StartTime: hostileT0}
}

// An endless body is cut at the bound: an error that names the setting, and the memory
// allocated for the read stays a small multiple of the bound.
func TestEndlessBodyIsCutAtTheBound(t *testing.T) {
	const limit = 4 << 20
	c, query := endlessClient(t, limit)
	_, err := c.Events(context.Background(), query) // warm up the connection and its buffers
	require.Error(t, err)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err = c.Events(context.Background(), query)
	runtime.ReadMemStats(&after)
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrResponseTooLarge))
	reason, _ := RefusedReasonOf(err)
	assert.Equal(t, RefusedTooLarge, reason)
	assert.Contains(t, err.Error(), "max_page_bytes")
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("allocated %d bytes to refuse an endless body at %d bytes", allocated, limit)
	// Doubling from 64 KiB up to limit+1 allocates just under 2*limit in all; the server
	// goroutine's own allocations are small.
	assert.Less(t, allocated, uint64(2*limit+limit/2))
}

func BenchmarkEndlessBody(b *testing.B) {
	const limit = 16 << 20
	c, query := endlessClient(b, limit)
	b.ReportAllocs()
	b.SetBytes(limit)
	for b.Loop() {
		if _, err := c.Events(context.Background(), query); !errors.Is(err, ErrResponseTooLarge) {
			b.Fatal(err)
		}
	}
}

func TestReadCapped(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		declared int64
		limit    int64
		want     string
		tooLarge bool
	}{
		{"unknown length within", "[1,2]", -1, 5, "[1,2]", false},
		{"unknown length above", "[1,2,3]", -1, 5, "", true},
		{"declared within", "[1]", 3, 5, "[1]", false},
		{"declared above (not read)", "[1,2,3]", 7, 5, "", true},
		{"empty", "", -1, 5, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readCapped(strings.NewReader(tt.body), tt.declared, tt.limit)
			if tt.tooLarge {
				assert.ErrorIs(t, err, ErrResponseTooLarge)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
		})
	}
	_, err := readCapped(strings.NewReader("[1"), 5, 10)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "a body shorter than declared")
}

func TestMaxResponseBytesFor(t *testing.T) {
	assert.Equal(t, int64(MinMaxResponseBytes), MaxResponseBytesFor(10))
	assert.Equal(t, int64(1000*MaxEventBytes), MaxResponseBytesFor(1000))
	assert.Equal(t, int64(10000*MaxEventBytes), MaxResponseBytesFor(10000))
	assert.Equal(t, int64(DefaultLimit*MaxEventBytes), MaxResponseBytesFor(0), "0: the API's default page size")
}
