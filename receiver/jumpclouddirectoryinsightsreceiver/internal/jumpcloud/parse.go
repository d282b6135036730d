package jumpcloud

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// Event is one Directory Insights event: its original bytes plus the fields a collector needs.
type Event struct {
	// Raw is the event exactly as the API sent it (a sub-slice of the page's body).
	// ID is empty and Timestamp zero when the event lacks them (see Page.Incomplete).
	Raw []byte
	// ID is the event's `id` (24-hex for most services, an upper-case UUID for radius).
	ID string
	// Key identifies the event for deduplication, never empty: ID when set, else the JSON text of
	// a numeric `id`, else a digest of Raw ("sha256:" and 32 hex digits).
	Key string
	// Timestamp is the parsed `timestamp` (RFC3339 with any fractional precision).
	Timestamp time.Time
	// Service, EventType and Organization are the `service`, `event_type` and `organization`
	// fields, empty when absent.
	Service      string
	EventType    string
	Organization string
	// Success and SSOTokenSuccess are the booleans `success` and `sso_token_success` (sso_auth
	// has the second instead of the first), OutcomeUnknown when absent or not a boolean.
	Success         Outcome
	SSOTokenSuccess Outcome
}

// Outcome is a boolean field of an event that may be absent.
type Outcome int8

// The values of an Outcome.
const (
	OutcomeUnknown Outcome = iota
	OutcomeSuccess
	OutcomeFailure
)

// Outcome is the event's outcome: `success` when it is a boolean, else `sso_token_success`
// (the precedence of Elastic's JumpCloud pipeline).
func (ev *Event) Outcome() Outcome {
	if ev.Success != OutcomeUnknown {
		return ev.Success
	}
	return ev.SSOTokenSuccess
}

// outcomeOf reads a JSON literal as an Outcome.
func outcomeOf(val []byte) Outcome {
	switch string(val) {
	case "true":
		return OutcomeSuccess
	case "false":
		return OutcomeFailure
	}
	return OutcomeUnknown
}

var errNotArray = errors.New("response body is not a JSON array")

// Decoder splits `/events` response bodies into Events. It shares the strings of low-cardinality
// fields across calls; it is not safe for concurrent use.
type Decoder struct {
	intern interner
}

// Decode parses a response body (a JSON array of event objects). The Raw field of every Event
// aliases body. incomplete counts the events returned without an id or a parseable timestamp.
func (d *Decoder) Decode(body []byte) (events []Event, incomplete int, err error) {
	return parseEvents(body, &d.intern)
}

// parseEvents splits a JSON array of events into Events whose Raw fields alias body.
// The body must be valid JSON and an array (else the page is unusable). An element that is not
// an object, or has no string `id` or no RFC3339 `timestamp`, is still returned (live tenants
// emit shapes the docs do not list): with ID empty and/or Timestamp zero, and counted in the
// second result, so that one odd event never stalls collection.
func parseEvents(body []byte, in *interner) ([]Event, int, error) {
	if !validJSON(body) {
		return nil, 0, errors.New("response body is not valid JSON (truncated or malformed)")
	}
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '[' {
		return nil, 0, errNotArray
	}
	events := make([]Event, 0, estimateCount(body))
	incomplete := 0
	i = skipSpace(body, i+1)
	for i < len(body) && body[i] != ']' {
		var ev Event
		var end int
		if body[i] == '{' {
			end = extractFields(body, i, &ev, in) // one walk: the fields and the object's end
		} else {
			end = skipValue(body, i)
		}
		ev.Raw = body[i:end]
		if ev.ID == "" || ev.Timestamp.IsZero() {
			incomplete++
		}
		if ev.ID != "" {
			ev.Key = ev.ID
		} else if ev.Key == "" {
			ev.Key = digestKey(ev.Raw)
		}
		events = append(events, ev)
		i = skipSpace(body, end)
		if i < len(body) && body[i] == ',' {
			i = skipSpace(body, i+1)
		}
	}
	return events, incomplete, nil
}

// validJSON is encoding/json.Valid at a fraction of its cost (it was half of the time spent on
// a page): github.com/valyala/fastjson's validator, which differs from encoding/json only in
// accepting raw control characters inside strings, so a body with any byte below 0x20 (rare:
// the API sends compact JSON) is checked by encoding/json too. FuzzDecodePage compares the
// outcome with encoding/json.
func validJSON(body []byte) bool {
	if fastjson.ValidateBytes(body) != nil {
		return false
	}
	for _, c := range body {
		if c < 0x20 {
			return json.Valid(body)
		}
	}
	return true
}

// estimateCount guesses the number of events from the body size (events are rarely smaller
// than 512 bytes) so that the slice is usually allocated once; append grows it otherwise.
func estimateCount(body []byte) int {
	n := len(body) / 512
	if n < 8 {
		n = 8
	}
	return min(n, 10000)
}

// extractFields reads the top-level keys of one (valid) JSON object. Fields that are absent,
// not strings or (timestamp) not RFC3339 are left empty. As with encoding/json, the last
// occurrence of a repeated key wins.
//
// The object starts at obj[start]; the index just past its closing brace is returned.
func extractFields(obj []byte, start int, ev *Event, in *interner) int {
	i := skipSpace(obj, start+1)
	for i < len(obj) && obj[i] != '}' {
		keyEnd := skipValue(obj, i)
		key := obj[i+1 : keyEnd-1]
		if bytes.IndexByte(key, '\\') >= 0 { // an escaped key such as "\u0069d"
			key = []byte(unquote(obj[i:keyEnd]))
		}
		i = skipSpace(obj, keyEnd)
		i = skipSpace(obj, i+1) // ':'
		valEnd := skipValue(obj, i)
		val := obj[i:valEnd]
		isString := val[0] == '"'
		switch string(key) {
		case "id":
			ev.ID, ev.Key = "", ""
			if isString {
				ev.ID = unquote(val)
			} else if val[0] == '-' || (val[0] >= '0' && val[0] <= '9') {
				ev.Key = string(val) // a numeric id: deduplicated by its JSON text
			}
		case "timestamp":
			ev.Timestamp = time.Time{}
			if isString {
				if t, err := time.Parse(time.RFC3339Nano, unquote(val)); err == nil {
					ev.Timestamp = t
				}
			}
		case "service":
			ev.Service = in.internString(val, isString)
		case "event_type":
			ev.EventType = in.internString(val, isString)
		case "organization":
			ev.Organization = in.internString(val, isString)
		case "success":
			ev.Success = outcomeOf(val)
		case "sso_token_success":
			ev.SSOTokenSuccess = outcomeOf(val)
		}
		i = skipSpace(obj, valEnd)
		if i < len(obj) && obj[i] == ',' {
			i = skipSpace(obj, i+1)
		}
	}
	return min(i+1, len(obj))
}

// unquote returns the Go string of a JSON string literal (quotes included in lit). Like
// encoding/json, it replaces invalid UTF-8 with U+FFFD: attribute values must be valid UTF-8.
func unquote(lit []byte) string {
	inner := lit[1 : len(lit)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner)
	}
	var s string
	if err := json.Unmarshal(lit, &s); err != nil {
		return strings.ToValidUTF8(string(inner), "\uFFFD")
	}
	return s
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipValue returns the index just past the JSON value starting at b[i]. b must be valid JSON.
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	default: // number, true, false, null
		for i < len(b) {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i
			}
			i++
		}
		return i
	}
}

// skipString returns the index just past the string literal starting at b[i] == '"'. It jumps
// from quote to quote (bytes.IndexByte is vectorized) and skips quotes escaped by an odd number
// of backslashes.
func skipString(b []byte, i int) int {
	i++
	for {
		q := bytes.IndexByte(b[i:], '"')
		if q < 0 {
			return len(b)
		}
		j := i + q
		bs := 0
		for k := j - 1; k >= i && b[k] == '\\'; k-- {
			bs++
		}
		if bs%2 == 0 {
			return j + 1
		}
		i = j + 1
	}
}

// interner shares the strings of low-cardinality fields (service, event type, organization)
// across events, so that a page does not allocate them once per event. It is bounded.
type interner struct {
	m map[string]string
}

const maxInterned = 4096

// internString is intern(lit) when the value is a string, "" otherwise.
func (in *interner) internString(lit []byte, isString bool) string {
	if !isString {
		return ""
	}
	return in.intern(lit)
}

func (in *interner) intern(lit []byte) string {
	inner := lit[1 : len(lit)-1]
	if s, ok := in.m[string(inner)]; ok {
		return s
	}
	s := unquote(lit)
	if in.m == nil {
		in.m = make(map[string]string)
	}
	if len(in.m) < maxInterned {
		in.m[string(inner)] = s
	}
	return s
}

// digestKey is the deduplication key of an event without a usable id: the first 128 bits of the
// SHA-256 of its bytes (the API sends the same bytes each time it returns the event).
func digestKey(raw []byte) string {
	sum := sha256.Sum256(raw)
	return DigestKeyPrefix + hex.EncodeToString(sum[:16])
}

// DigestKeyPrefix starts the Key of an event without a usable id (not an id the API knows).
const DigestKeyPrefix = "sha256:"
