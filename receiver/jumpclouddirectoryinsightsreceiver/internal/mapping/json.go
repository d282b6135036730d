package mapping // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/mapping"

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/valyala/fastjson"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Helpers shared by the mappers: read a field of the decoded event, copy JSON into pdata.
// Absent stays absent: a null, a missing key or (for the typed getters) an empty string is
// "not sent", never emitted as "" or null.

// str returns the string at keys when it is a non-empty JSON string.
func str(v *fastjson.Value, keys ...string) (string, bool) {
	f := v.Get(keys...)
	if f == nil || f.Type() != fastjson.TypeString {
		return "", false
	}
	b, _ := f.StringBytes()
	if len(b) == 0 {
		return "", false
	}
	return validString(b), true
}

// boolean returns the boolean at keys when it is a JSON boolean.
func boolean(v *fastjson.Value, keys ...string) (value, ok bool) {
	f := v.Get(keys...)
	if f == nil {
		return false, false
	}
	switch f.Type() {
	case fastjson.TypeTrue:
		return true, true
	case fastjson.TypeFalse:
		return false, true
	}
	return false, false
}

// number returns the number at keys when it is a JSON number.
func number(v *fastjson.Value, keys ...string) (float64, bool) {
	f := v.Get(keys...)
	if f == nil || f.Type() != fastjson.TypeNumber {
		return 0, false
	}
	n, err := f.Float64()
	return n, err == nil
}

// text returns the value at keys as text: a non-empty string as it is, a number or boolean as
// its JSON text (e.g. an id sent as a number); ok is false for anything else.
func text(v *fastjson.Value, keys ...string) (string, bool) {
	f := v.Get(keys...)
	if f == nil {
		return "", false
	}
	switch f.Type() {
	case fastjson.TypeString:
		return str(f)
	case fastjson.TypeNumber, fastjson.TypeTrue, fastjson.TypeFalse:
		return string(f.MarshalTo(nil)), true
	}
	return "", false
}

// validString is b as a string, invalid UTF-8 replaced by U+FFFD (attribute and body strings
// must be valid UTF-8 to be sent as protobuf).
func validString(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// putJSON copies the JSON value v into dst: objects become maps, arrays slices, integers Int,
// other numbers Double. A null (or a member whose value is null) is left out; it returns false
// when v itself is null, leaving dst empty.
func putJSON(dst pcommon.Value, v *fastjson.Value) bool {
	switch v.Type() {
	case fastjson.TypeNull:
		return false
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		dst.SetStr(validString(b))
	case fastjson.TypeNumber:
		setNumber(dst, v)
	case fastjson.TypeTrue:
		dst.SetBool(true)
	case fastjson.TypeFalse:
		dst.SetBool(false)
	case fastjson.TypeObject:
		o, _ := v.Object()
		putJSONObject(dst.SetEmptyMap(), o, nil)
	case fastjson.TypeArray:
		a, _ := v.Array()
		s := dst.SetEmptySlice()
		s.EnsureCapacity(len(a))
		for _, e := range a {
			if e.Type() == fastjson.TypeNull {
				continue
			}
			putJSON(s.AppendEmpty(), e)
		}
	}
	return true
}

// putJSONObject copies the members of o into dst, but the nulls and those skip reports (skip
// may be nil). A key repeated in the object keeps its last value, as encoding/json does.
func putJSONObject(dst pcommon.Map, o *fastjson.Object, skip func(key []byte) bool) {
	dst.EnsureCapacity(o.Len())
	o.Visit(func(key []byte, v *fastjson.Value) {
		if v.Type() == fastjson.TypeNull || (skip != nil && skip(key)) {
			return
		}
		putJSON(dst.PutEmpty(validString(key)), v)
	})
}

// jsonText is the compact JSON text of v (for values kept as text, e.g. `changes` from/to of
// any type), a string as its own value.
func jsonText(v *fastjson.Value) string {
	if v.Type() == fastjson.TypeString {
		b, _ := v.StringBytes()
		return validString(b)
	}
	return validString(v.MarshalTo(nil))
}

// reader reads fields of one decoded event and notes each field that is present with a type
// the mapping does not expect (a problem: the field is left out of the mapped output, the
// record still carries everything else and names the problems in jumpcloud.mapping.error).
type reader struct {
	v        *fastjson.Value
	problems []string
	// original: the mapped body keeps the event's JSON text (Options.PreserveOriginalEvent).
	original bool
}

// problem notes that the field at keys has an unexpected JSON type.
func (r *reader) problem(f *fastjson.Value, want string, keys []string) {
	msg := strings.Join(keys, ".") + " is a JSON " + f.Type().String() + ", not " + want
	if len(r.problems) < maxProblems && !slices.Contains(r.problems, msg) {
		r.problems = append(r.problems, msg)
	}
}

// maxProblems bounds the problems noted for one event.
const maxProblems = 8

// err is the problems noted, nil when none.
func (r *reader) err() error {
	if len(r.problems) == 0 {
		return nil
	}
	return problemsError(r.problems)
}

type problemsError []string

func (e problemsError) Error() string { return strings.Join(e, "; ") }

// get returns the value at keys, nil when absent or null.
func (r *reader) get(keys ...string) *fastjson.Value {
	f := r.v.Get(keys...)
	if f == nil || f.Type() == fastjson.TypeNull {
		return nil
	}
	return f
}

// str returns the string at keys when it is a non-empty string; another type is a problem.
func (r *reader) str(keys ...string) (string, bool) {
	f := r.get(keys...)
	if f == nil {
		return "", false
	}
	if f.Type() != fastjson.TypeString {
		r.problem(f, "a string", keys)
		return "", false
	}
	return str(f)
}

// text returns the string at keys, or a number's JSON text (ids are sometimes numbers);
// another type is a problem.
func (r *reader) text(keys ...string) (string, bool) {
	f := r.get(keys...)
	if f == nil {
		return "", false
	}
	s, ok, typeOK := textOf(f)
	if !typeOK {
		r.problem(f, "a string", keys)
	}
	return s, ok
}

// textOf is f as text: a non-empty string as it is, a number as its JSON text (ids are
// sometimes numbers); typeOK is false for any other type (a problem for the caller to note).
func textOf(f *fastjson.Value) (s string, ok, typeOK bool) {
	switch f.Type() {
	case fastjson.TypeString:
		s, ok = str(f)
		return s, ok, true
	case fastjson.TypeNumber:
		return string(f.MarshalTo(nil)), true, true
	}
	return "", false, false
}

// boolean returns the boolean at keys; another type is a problem.
func (r *reader) boolean(keys ...string) (value, ok bool) {
	f := r.get(keys...)
	if f == nil {
		return false, false
	}
	if v, ok := boolean(f); ok {
		return v, true
	}
	r.problem(f, "a boolean", keys)
	return false, false
}

// number returns the number at keys; another type is a problem.
func (r *reader) number(keys ...string) (float64, bool) {
	f := r.get(keys...)
	if f == nil {
		return 0, false
	}
	if n, ok := number(f); ok {
		return n, true
	}
	r.problem(f, "a number", keys)
	return 0, false
}

// object returns the object at keys, nil when absent; another type is a problem.
func (r *reader) object(keys ...string) *fastjson.Value {
	f := r.get(keys...)
	if f == nil {
		return nil
	}
	if f.Type() != fastjson.TypeObject {
		r.problem(f, "an object", keys)
		return nil
	}
	return f
}

// mustObject is the event's object (Map checked that the event is one).
func mustObject(r *reader) *fastjson.Object {
	o, _ := r.v.Object()
	return o
}

// setNumber sets dst to the number v as putJSON does: an integer as Int, any other number as
// Double. The JSON text decides, so that a float is not first tried as an integer (a failed
// Int64 allocates its error: two per event with coordinates).
func setNumber(dst pcommon.Value, v *fastjson.Value) {
	var buf [32]byte
	if t := v.MarshalTo(buf[:0]); !strings.ContainsAny(string(t), ".eE") {
		if n, err := v.Int64(); err == nil {
			dst.SetInt(n)
			return
		}
	}
	x, _ := v.Float64()
	dst.SetDouble(x)
}
