package jumpcloud

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// cursor is a parsed search_after key: the event time in epoch milliseconds, then the
// tiebreaker values (JumpCloud documents one: an id; the simulator uses the event's `id`).
type cursor struct {
	millis int64
	ties   []any // string or json.Number
}

var errCursorShape = errors.New(`not a JSON array [epochMillis, tiebreaker, ...] of a number and strings or numbers`)

// parseCursor reads X-Search_after. The time may be a JSON integer or a string of one (the API
// accepts both in requests); each tiebreaker must be a string or a number.
func parseCursor(raw []byte) (cursor, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var vals []any
	if err := dec.Decode(&vals); err != nil || len(vals) < 2 {
		return cursor{}, errCursorShape
	}
	if _, err := dec.Token(); err != io.EOF { // one value and nothing after it
		return cursor{}, errCursorShape
	}
	var c cursor
	switch v := vals[0].(type) {
	case json.Number:
		ms, err := integerMillis(string(v))
		if err != nil {
			return cursor{}, err
		}
		c.millis = ms
	case string:
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return cursor{}, errCursorShape
		}
		c.millis = ms
	default:
		return cursor{}, errCursorShape
	}
	for _, v := range vals[1:] {
		switch v.(type) {
		case string, json.Number:
		default:
			return cursor{}, errCursorShape
		}
	}
	c.ties = vals[1:]
	return c, nil
}

// CursorTime is the time of a search_after key (its epoch millisecond); ok is false when raw is
// not one.
func CursorTime(raw []byte) (t time.Time, ok bool) {
	c, err := parseCursor(raw)
	if err != nil {
		return time.Time{}, false
	}
	return time.UnixMilli(c.millis).UTC(), true
}

// integerMillis reads a JSON number that must hold an integer exactly (1.793491202e12 is one).
func integerMillis(s string) (int64, error) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return ms, nil
	}
	r, ok := exactNumber(s)
	if !ok || !r.IsInt() || !r.Num().IsInt64() {
		return 0, errCursorShape
	}
	return r.Num().Int64(), nil
}

// exactNumber reads a JSON number without rounding. Exponents are bounded so that a hostile
// "1e999999999" cannot make it allocate.
func exactNumber(s string) (*big.Rat, bool) {
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		exp, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
		if err != nil || exp > 400 || exp < -400 {
			return nil, false
		}
	}
	return new(big.Rat).SetString(s)
}

// compareCursors orders two keys as the API does: by time, then by each tiebreaker (strings as
// byte strings, numbers numerically). ok is false when a tiebreaker pair is of different types
// or the keys have different lengths: they do not belong to the same ordering.
func compareCursors(a, b cursor) (c int, ok bool) {
	if len(a.ties) != len(b.ties) {
		return 0, false
	}
	if c := cmp.Compare(a.millis, b.millis); c != 0 {
		return c, true
	}
	for i := range a.ties {
		var c int
		switch x := a.ties[i].(type) {
		case string:
			y, isStr := b.ties[i].(string)
			if !isStr {
				return 0, false
			}
			c = strings.Compare(x, y)
		case json.Number:
			y, isNum := b.ties[i].(json.Number)
			if !isNum {
				return 0, false
			}
			rx, okX := exactNumber(string(x))
			ry, okY := exactNumber(string(y))
			if !okX || !okY {
				return 0, false
			}
			c = rx.Cmp(ry)
		}
		if c != 0 {
			return c, true
		}
	}
	return 0, true
}

// epochMillis truncates t to whole milliseconds towards the past, as the API's sort key does.
func epochMillis(t time.Time) int64 {
	ms := t.UnixMilli()
	if t.Before(time.UnixMilli(ms)) { // UnixMilli rounds towards zero before 1970
		ms--
	}
	return ms
}

// checkCursor verifies the X-Search_after of a page with events before the next page is asked
// with it: next must be the key of the page's last event and lie strictly past prev (the
// request's search_after, if any) in the page's order (desc for DESC). It returns a refusal
// reason and an explanation, or "" when the cursor is sound.
//
// The time part must equal the last event's timestamp in milliseconds. JumpCloud documents the
// tiebreaker only as "an id" (its example is not an event id), so a tiebreaker that differs from
// the last event's `id` is accepted, unless it is the id of another event of the page: then the
// cursor points back into the page. The simulator's tiebreaker is the event id.
func checkCursor(prev, next []byte, events []Event, desc bool) (reason string, err error) {
	nc, err := parseCursor(next)
	if err != nil {
		return RefusedCursorInvalid, fmt.Errorf("X-Search_after %s: %w", excerpt(next), err)
	}
	last := &events[len(events)-1]
	if !last.Timestamp.IsZero() && nc.millis != epochMillis(last.Timestamp) {
		return RefusedCursorMismatch, fmt.Errorf("X-Search_after %s is not the key of the page's last event (timestamp %d ms)",
			excerpt(next), epochMillis(last.Timestamp))
	}
	if tie, ok := nc.ties[0].(string); ok && tie != last.ID {
		for i := range events[:len(events)-1] {
			if events[i].ID != "" && events[i].ID == tie {
				return RefusedCursorMismatch, fmt.Errorf("X-Search_after %s names event %d of %d of the page, not its last event",
					excerpt(next), i+1, len(events))
			}
		}
	}
	if len(prev) == 0 {
		return "", nil
	}
	pc, err := parseCursor(prev)
	if err != nil {
		// The request's cursor came from an earlier answer, checked then (or from a checkpoint
		// written by an older version): nothing to compare with.
		return "", nil //nolint:nilerr // an unreadable previous cursor is not this page's fault
	}
	c, ok := compareCursors(nc, pc)
	if desc {
		c = -c
	}
	if !ok || c <= 0 {
		return RefusedCursorNotAdvancing, fmt.Errorf("X-Search_after %s does not advance past the request's search_after %s",
			excerpt(next), excerpt(prev))
	}
	return "", nil
}

// excerpt returns at most 120 bytes of a header value for an error text.
func excerpt(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 120 {
		return strconv.Quote(s[:120]) + "..."
	}
	return s
}
