package httpretry

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

var now = time.Date(2025, 1, 15, 10, 0, 0, 0, time.UTC)

func TestParseRetryAfter(t *testing.T) {
	const limit = 5 * time.Minute
	date := func(d time.Duration) string { return now.Add(d).Format(http.TimeFormat) }
	tests := []struct {
		name   string
		value  string
		limit  time.Duration
		want   time.Duration
		wantOK bool
	}{
		{name: "absent", value: ""},
		{name: "blank", value: "   "},
		{name: "garbage", value: "soon"},
		{name: "negative", value: "-1"},
		{name: "signed", value: "+7"},
		{name: "fraction", value: "1.5"},
		{name: "unit", value: "7s"},
		{name: "seconds", value: " 7 ", want: 7 * time.Second, wantOK: true},
		{name: "zero", value: "0", want: 0, wantOK: true},
		{name: "leading zeros", value: "007", want: 7 * time.Second, wantOK: true},
		{name: "at the limit", value: "300", want: limit, wantOK: true},
		{name: "a day is capped", value: "86400", want: limit, wantOK: true},
		{name: "beyond a Duration is capped", value: "99999999999999", want: limit, wantOK: true},
		{name: "beyond an int64 is capped", value: strings.Repeat("9", 40), want: limit, wantOK: true},
		{name: "another limit", value: "86400", limit: 15 * time.Minute, want: 15 * time.Minute, wantOK: true},
		{name: "no limit gives zero", value: "10", limit: -1, want: 0, wantOK: true},
		{name: "date in a minute", value: date(time.Minute), want: time.Minute, wantOK: true},
		{name: "date in a day is capped", value: date(24 * time.Hour), want: limit, wantOK: true},
		{name: "past date", value: date(-time.Hour), want: 0, wantOK: true},
		{name: "RFC 850 date", value: now.Add(time.Minute).Format(time.RFC850), want: time.Minute, wantOK: true},
		{name: "ANSI C date", value: now.Add(time.Minute).Format(time.ANSIC), want: time.Minute, wantOK: true},
		{name: "ISO date is not an HTTP-date", value: now.Add(time.Minute).Format(time.RFC3339)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := tt.limit
			if l == 0 {
				l = limit
			}
			got, ok := ParseRetryAfter(tt.value, now, l)
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

// FuzzParseRetryAfter checks the rules for any header value: the delay is within [0, limit],
// "no delay asked" is always 0, and a value of digits is exactly its number of seconds.
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "0", "7", " 120 ", "-1", "1.5", "+3", "99999999999999999999",
		"Wed, 15 Jan 2025 10:01:00 GMT", "Wednesday, 15-Jan-25 10:01:00 GMT", "Wed Jan 15 10:01:00 2025"} {
		f.Add(s, int64(5*time.Minute))
	}
	f.Fuzz(func(t *testing.T, v string, limitNS int64) {
		limit := time.Duration(limitNS)
		d, ok := ParseRetryAfter(v, now, limit)
		if d < 0 || d > max(limit, 0) {
			t.Fatalf("ParseRetryAfter(%q, limit %s) = %s: outside [0, limit]", v, limit, d)
		}
		if !ok && d != 0 {
			t.Fatalf("ParseRetryAfter(%q) = %s without ok", v, d)
		}
		s := strings.TrimSpace(v)
		if n, err := strconv.ParseUint(s, 10, 64); err == nil && s[0] != '+' {
			want := limit
			if n <= uint64(max(limit, 0)/time.Second) {
				want = time.Duration(n) * time.Second
			}
			want = min(max(want, 0), max(limit, 0))
			if !ok || d != want {
				t.Fatalf("ParseRetryAfter(%q, limit %s) = %s, %v; want %s, true", v, limit, d, ok, want)
			}
		}
		if strings.HasPrefix(s, "-") && ok {
			t.Fatalf("ParseRetryAfter(%q) accepted a negative value", v)
		}
	})
}

func TestSleep(t *testing.T) {
	assert.True(t, Sleep(context.Background(), 0))
	assert.True(t, Sleep(context.Background(), time.Millisecond))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.False(t, Sleep(ctx, 0), "a done context wins even without delay")
	start := time.Now()
	assert.False(t, Sleep(ctx, time.Hour), "a done context ends the wait")
	assert.Less(t, time.Since(start), time.Minute)
}
