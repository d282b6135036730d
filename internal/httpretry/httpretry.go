// Package httpretry holds the retry rules shared by the receiver (JumpCloud API client) and the
// exporter (Sumo Logic HTTP Source): how a Retry-After header is read, and how a component waits
// before its next attempt without outliving its context.
package httpretry // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/httpretry"

import (
	"context"
	"net/http"
	"strings"
	"time"
)

// ParseRetryAfter reads the value of a Retry-After header (RFC 9110, section 10.2.3) and returns
// the delay it asks for, at most limit. ok is false when the header asks for nothing.
//
// The rules:
//   - Surrounding spaces are ignored.
//   - delay-seconds: one or more ASCII digits, nothing else (no sign, no fraction, no unit).
//     "0" is a valid answer: ok is true and the delay is 0. A number too large for a
//     time.Duration is capped like any other long delay.
//   - HTTP-date (any of the three formats http.ParseTime reads): the time from now until that
//     date; a date in the past gives 0 with ok true.
//   - Anything else (empty, negative, fractional, garbage) gives 0, false.
//   - The delay never exceeds limit (a limit <= 0 gives 0): a server, or a proxy in front of
//     it, that answers a day-long Retry-After must not park a component for a day.
//
// Each caller passes its own limit, because what a long wait costs differs: the exporter's queue
// consumer is blocked while it waits (5 minutes), the receiver only postpones its next poll of
// an API whose rate-limit window is longer (15 minutes).
func ParseRetryAfter(v string, now time.Time, limit time.Duration) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	limit = max(limit, 0)
	if isDigits(v) {
		// Accumulate in seconds and stop at the limit, so no value can overflow.
		capSecs := int64(limit / time.Second)
		var secs int64
		for i := 0; i < len(v); i++ {
			secs = secs*10 + int64(v[i]-'0')
			if secs > capSecs {
				return limit, true
			}
		}
		return min(time.Duration(secs)*time.Second, limit), true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return min(max(t.Sub(now), 0), limit), true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Sleep waits d, or until ctx is done; it reports whether the full delay elapsed. A delay <= 0
// returns at once (true unless ctx is already done).
func Sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
