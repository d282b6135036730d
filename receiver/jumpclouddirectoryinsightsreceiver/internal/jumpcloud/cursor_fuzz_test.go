package jumpcloud

import (
	"encoding/json"
	"io"
	"math/big"
	"strings"
	"testing"
	"time"
)

// refKey is a search_after key read by a reference decoder (encoding/json and math/big): exact
// numbers, strings kept.
type refKey struct {
	millis *big.Rat
	ties   []any // string or *big.Rat
}

// refNumber reads a number exactly; an exponent beyond 400 is unreadable (10^1e9 would not fit).
func refNumber(s string) (*big.Rat, bool) {
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		var exp big.Int
		if _, ok := exp.SetString(strings.TrimPrefix(s[i+1:], "+"), 10); !ok || exp.CmpAbs(big.NewInt(400)) > 0 {
			return nil, false
		}
	}
	return new(big.Rat).SetString(s)
}

func refParse(raw string) (refKey, bool) {
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var vals []any
	if dec.Decode(&vals) != nil || len(vals) < 2 {
		return refKey{}, false
	}
	if _, err := dec.Token(); err != io.EOF { // one value, nothing after it
		return refKey{}, false
	}
	var k refKey
	switch v := vals[0].(type) {
	case json.Number:
		r, ok := refNumber(string(v))
		if !ok {
			return refKey{}, false
		}
		k.millis = r
	case string:
		r, ok := refNumber(v)
		if !ok {
			return refKey{}, false
		}
		k.millis = r
	default:
		return refKey{}, false
	}
	for _, v := range vals[1:] {
		switch v := v.(type) {
		case string:
			k.ties = append(k.ties, v)
		case json.Number:
			r, ok := refNumber(string(v))
			if !ok {
				return refKey{}, false
			}
			k.ties = append(k.ties, r)
		default:
			return refKey{}, false
		}
	}
	return k, true
}

// refAfter reports whether a lies strictly after b, or ok=false when they cannot be compared.
func refAfter(a, b refKey) (after, ok bool) {
	if c := a.millis.Cmp(b.millis); c != 0 {
		return c > 0, true
	}
	if len(a.ties) != len(b.ties) {
		return false, false
	}
	for i := range a.ties {
		var c int
		switch x := a.ties[i].(type) {
		case string:
			y, isStr := b.ties[i].(string)
			if !isStr {
				return false, false
			}
			c = strings.Compare(x, y)
		case *big.Rat:
			y, isNum := b.ties[i].(*big.Rat)
			if !isNum {
				return false, false
			}
			c = x.Cmp(y)
		}
		if c != 0 {
			return c > 0, true
		}
	}
	return false, true
}

// FuzzCheckCursor: for any request cursor, any X-Search_after and any last events, checkCursor
// does not panic, and a cursor it accepts really advances past the request's cursor, carries
// the last event's millisecond and does not name another event of the page.
func FuzzCheckCursor(f *testing.F) {
	f.Add("", `[1793491202000,"c"]`, int64(1793491202000999000), "c", "a", false)
	f.Add(`[1793491202000,"b"]`, `[1793491202000,"c"]`, int64(1793491202000999000), "c", "b", false)
	f.Add(`[1793491202000,"c"]`, `[1793491202000,"c"]`, int64(1793491202000999000), "c", "b", false)
	f.Add(`[1793491202000,"c"]`, `[1793491202000,"a"]`, int64(1793491202000999000), "c", "a", false)
	f.Add(`[1793491299000,"z"]`, `[1793491202000,"c"]`, int64(1793491202000999000), "c", "a", true)
	f.Add("", `["1793491202000",17]`, int64(1793491202000000000), "", "", false)
	f.Add(`[1.793491202e12,1e3]`, `[1793491202000,999.5]`, int64(1793491202000000000), "x", "y", false)
	f.Add(`[-1,"a"]`, `[-1,"b"]`, int64(-1), "b", "a", false)
	f.Add("", `{"a":1}`, int64(0), "a", "b", false)
	f.Add("", `[1e999999999,"a"]`, int64(0), "a", "b", false)
	f.Fuzz(func(t *testing.T, prev, next string, lastNanos int64, lastID, otherID string, desc bool) {
		events := []Event{{ID: otherID, Timestamp: time.Unix(0, lastNanos-1)}, {ID: lastID}}
		if lastNanos != 0 {
			events[1].Timestamp = time.Unix(0, lastNanos)
		}
		reason, err := checkCursor([]byte(prev), []byte(next), events, desc)
		if (reason == "") != (err == nil) {
			t.Fatalf("reason %q with error %v", reason, err)
		}
		if err != nil {
			return
		}
		nk, ok := refParse(next)
		if !ok {
			t.Fatalf("accepted a cursor the reference cannot read: %q", next)
		}
		if lastNanos != 0 {
			want := new(big.Rat).SetInt64(epochMillis(events[1].Timestamp))
			if nk.millis.Cmp(want) != 0 {
				t.Fatalf("accepted %q for a last event at %d ns", next, lastNanos)
			}
		}
		if tie, isStr := nk.ties[0].(string); isStr && tie == otherID && otherID != "" && otherID != lastID {
			t.Fatalf("accepted %q which names another event of the page", next)
		}
		if prev == "" {
			return
		}
		if _, err := parseCursor([]byte(prev)); err != nil {
			// Not comparable (e.g. millis beyond int64): the request's cursor is one this
			// client accepted before, so this happens only with a foreign checkpoint.
			return
		}
		pk, ok := refParse(prev)
		if !ok {
			t.Fatalf("the client reads %q, the reference does not", prev)
		}
		a, b := nk, pk
		if desc {
			a, b = pk, nk
		}
		if after, ordered := refAfter(a, b); !ordered || !after {
			t.Fatalf("accepted %q after %q (desc %v): it does not advance", next, prev, desc)
		}
	})
}
