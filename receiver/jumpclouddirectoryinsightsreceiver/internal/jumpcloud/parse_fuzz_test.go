package jumpcloud

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// FuzzDecodePage checks the hand-written scanner against encoding/json on any input: either
// both reject the body, or both see the same events with the same raw bytes and the same id,
// timestamp, service, event_type and organization (the last occurrence of a key wins, a
// non-string value counts as absent, strings are unescaped and invalid UTF-8 replaced as
// encoding/json does).
func FuzzDecodePage(f *testing.F) {
	// The seeds are in testdata/fuzz/FuzzDecodePage.
	f.Fuzz(func(t *testing.T, body []byte) {
		var d Decoder
		events, incomplete, err := d.Decode(body)

		var raws []json.RawMessage
		refErr := json.Unmarshal(body, &raws)
		if refErr == nil && raws == nil {
			refErr = errNotArray // null
		}
		if (err != nil) != (refErr != nil) {
			t.Fatalf("Decode error %v, encoding/json error %v, body %q", err, refErr, body)
		}
		if err != nil {
			return
		}
		if len(events) != len(raws) {
			t.Fatalf("Decode found %d events, encoding/json %d, body %q", len(events), len(raws), body)
		}
		wantIncomplete := 0
		for i, ev := range events {
			want := referenceEvent(t, raws[i])
			if !bytes.Equal(ev.Raw, want.Raw) {
				t.Fatalf("event %d: raw %q, encoding/json %q", i, ev.Raw, want.Raw)
			}
			if ev.ID != want.ID || ev.Service != want.Service || ev.EventType != want.EventType ||
				ev.Organization != want.Organization || !ev.Timestamp.Equal(want.Timestamp) {
				t.Fatalf("event %d of %q:\n got  %+v\n want %+v", i, body, ev, want)
			}
			if want.ID == "" || want.Timestamp.IsZero() {
				wantIncomplete++
			}
		}
		if incomplete != wantIncomplete {
			t.Fatalf("incomplete %d, want %d, body %q", incomplete, wantIncomplete, body)
		}
	})
}

// referenceEvent reads one array element with encoding/json.
func referenceEvent(t *testing.T, raw json.RawMessage) Event {
	ev := Event{Raw: raw}
	if raw[0] != '{' {
		return ev
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		t.Fatalf("an element encoding/json accepted in the array does not decode alone: %v", err)
	}
	str := func(k string) string {
		var s string
		if v, ok := fields[k]; ok && len(v) > 0 && v[0] == '"' {
			if err := json.Unmarshal(v, &s); err != nil {
				t.Fatalf("string %q: %v", v, err)
			}
		}
		return s
	}
	ev.ID = str("id")
	ev.Service = str("service")
	ev.EventType = str("event_type")
	ev.Organization = str("organization")
	if ts, err := time.Parse(time.RFC3339Nano, str("timestamp")); err == nil {
		ev.Timestamp = ts
	}
	return ev
}
