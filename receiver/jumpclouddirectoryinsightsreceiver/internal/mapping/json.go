package mapping // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/mapping"

import (
	"slices"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/valyala/fastjson"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Helpers shared by the mappers: read a field of the decoded event, copy JSON into pdata.
// Absent stays absent: a null, a missing key or (for the typed getters) an empty string is
// "not sent", never emitted as "" or null.

// str returns the string at keys when it is a non-empty JSON string.
func str(a *arena, v *fastjson.Value, keys ...string) (string, bool) {
	f := v.Get(keys...)
	if f == nil || f.Type() != fastjson.TypeString {
		return "", false
	}
	b, _ := f.StringBytes()
	if len(b) == 0 {
		return "", false
	}
	return a.string(b), true
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
func text(a *arena, v *fastjson.Value, keys ...string) (string, bool) {
	f := v.Get(keys...)
	if f == nil {
		return "", false
	}
	switch f.Type() {
	case fastjson.TypeString:
		return str(a, f)
	case fastjson.TypeNumber, fastjson.TypeTrue, fastjson.TypeFalse:
		return a.marshal(f), true
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

// arena holds the strings of one event's mapping (one Map call): each string value is copied
// into a shared chunk of bytes instead of a string allocation of its own, so that an event
// costs a few allocations for all its strings instead of one per string (the pdata values
// that hold them are allocated one by one anyway).
//
// Why it is safe: a chunk is append-only. A string handed out covers bytes below the chunk's
// length, which are never written again: append only writes past the length, within the
// capacity checked before (it never reallocates), and a full chunk is dropped for a new one,
// never reused. The garbage collector keeps a chunk alive as long as one of its strings is
// referenced (by the log record: strings live as long as the record), as for any string. An
// arena belongs to one Map call, hence to one goroutine, and is dropped when the call returns.
// The cost: a chunk lives as long as the last record using it, with its unused room (bounded
// by the chunk's size, a quarter of the event's JSON text; but the chunk that starts with the
// raw body, text).
type arena struct {
	buf []byte
	// size is the capacity of a new chunk; a string longer than half of it gets its own
	// allocation.
	size int
	// valid: the event's JSON text is valid UTF-8, and so is every string decoded from it
	// (fastjson copies runs of the text cut at ASCII bytes, and decodes each escape to a
	// whole rune, U+FFFD for an invalid one): string need not check each one.
	valid bool
	// scratch receives the JSON text of numbers (and of the values kept as text) before it is
	// copied or parsed. It comes with the pooled parser (Mapper.Map): an array on the stack
	// would be moved to the heap, one allocation per number, since fastjson's MarshalTo keeps
	// its argument.
	scratch *[]byte
}

// minArenaChunk is the least size of a chunk.
const minArenaChunk = 128

// newArena is the arena of an event whose JSON text is raw (scratch: see arena). Its chunks are a quarter of the
// text: the strings that a mapping takes from an event are a fraction of its text (its keys,
// quotes, numbers and most of its members are not copied): on the test events, ecs and ocsf
// bodies take 46% and 48% of it, the semantic-convention attributes 17%. One or two chunks
// per event, about the memory of a string allocation each (rounded up to a size class) and
// little unused room held (a first chunk of 5/8 of the text for a body saves one allocation
// per event but costs as much: bytes to clear, more room held).
func newArena(raw []byte, scratch *[]byte) arena {
	return arena{size: max(len(raw)/4, minArenaChunk), valid: utf8.Valid(raw), scratch: scratch}
}

// room makes room for n more bytes in the chunk; false when a string of n bytes had better
// have its own allocation (a new chunk would be mostly this string).
func (a *arena) room(n int) bool {
	if n <= cap(a.buf)-len(a.buf) {
		return true
	}
	if a.size == 0 || n > a.size/2 {
		return false
	}
	a.buf = make([]byte, 0, a.size)
	return true
}

// string is validString(b) held by the arena: b (decoded from the event, or built of such
// strings and ASCII) as a string, invalid UTF-8 replaced by U+FFFD.
func (a *arena) string(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if !a.valid && !utf8.Valid(b) {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return a.copy(b)
}

// copy is b, valid UTF-8, as a string held by the arena.
func (a *arena) copy(b []byte) string {
	if !a.room(len(b)) {
		return string(b)
	}
	n := len(a.buf)
	a.buf = append(a.buf, b...) // within capacity: the chunk is not reallocated
	return a.held(n, len(b))
}

// held is the string of the n bytes of the chunk from start, written once and for all (see
// arena).
func (a *arena) held(start, n int) string {
	return unsafe.String(&a.buf[start], n) //nolint:gosec // G103: the chunk's bytes are never written again (arena)
}

// text is the event's JSON text raw, byte for byte, as a string held by the arena: the first
// bytes of a chunk with room for the strings to come (one allocation for the raw body and the
// semantic-convention attributes).
func (a *arena) text(raw []byte) string {
	if len(raw) == 0 {
		return ""
	}
	a.buf = append(make([]byte, 0, len(raw)+a.size), raw...)
	return a.held(0, len(raw))
}

// concat is the concatenation of parts (valid UTF-8), held by the arena.
func (a *arena) concat(parts ...string) string {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	if n == 0 {
		return ""
	}
	if !a.room(n) {
		return strings.Join(parts, "")
	}
	start := len(a.buf)
	for _, p := range parts {
		a.buf = append(a.buf, p...) // within capacity: the chunk is not reallocated
	}
	return a.held(start, n)
}

// marshal is the JSON text of a number or boolean, held by the arena.
func (a *arena) marshal(v *fastjson.Value) string {
	return a.string(a.compact(v))
}

// compact is the compact JSON text of v in a.scratch (valid until the next use of it).
func (a *arena) compact(v *fastjson.Value) []byte {
	*a.scratch = v.MarshalTo((*a.scratch)[:0])
	return *a.scratch
}

// putJSON copies the JSON value v into dst: objects become maps, arrays slices, integers Int,
// other numbers Double. A null (or a member whose value is null) is left out; it returns false
// when v itself is null, leaving dst empty.
func putJSON(a *arena, dst pcommon.Value, v *fastjson.Value) bool {
	switch v.Type() {
	case fastjson.TypeNull:
		return false
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		dst.SetStr(a.string(b))
	case fastjson.TypeNumber:
		setNumber(a, dst, v)
	case fastjson.TypeTrue:
		dst.SetBool(true)
	case fastjson.TypeFalse:
		dst.SetBool(false)
	case fastjson.TypeObject:
		o, _ := v.Object()
		putJSONObject(a, dst.SetEmptyMap(), o)
	case fastjson.TypeArray:
		elems, _ := v.Array()
		s := dst.SetEmptySlice()
		s.EnsureCapacity(len(elems))
		for _, e := range elems {
			if e.Type() == fastjson.TypeNull {
				continue
			}
			putJSON(a, s.AppendEmpty(), e)
		}
	}
	return true
}

// putJSONObject copies the members of o into dst, but the nulls. A key repeated in the object
// keeps its last value, as encoding/json does.
func putJSONObject(a *arena, dst pcommon.Map, o *fastjson.Object) {
	dst.EnsureCapacity(o.Len())
	o.Visit(func(key []byte, v *fastjson.Value) {
		if v.Type() == fastjson.TypeNull {
			return
		}
		putJSON(a, dst.PutEmpty(a.string(key)), v)
	})
}

// jsonText is the compact JSON text of v (for values kept as text, e.g. `changes` from/to of
// any type), a string as its own value.
func jsonText(a *arena, v *fastjson.Value) string {
	if v.Type() == fastjson.TypeString {
		b, _ := v.StringBytes()
		return a.string(b)
	}
	return a.string(a.compact(v))
}

// reader reads fields of one decoded event and notes each field that is present with a type
// the mapping does not expect (a problem: the field is left out of the mapped output, the
// record still carries everything else and names the problems in jumpcloud.mapping.error).
type reader struct {
	v        *fastjson.Value
	problems []string
	// original: the mapped body keeps the event's JSON text (Options.PreserveOriginalEvent).
	original bool
	// a holds the strings of the event's mapping.
	a arena
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
	return str(&r.a, f)
}

// textOf is f as text: a non-empty string as it is, a number as its JSON text (ids are
// sometimes numbers); typeOK is false for any other type (a problem for the caller to note).
func textOf(a *arena, f *fastjson.Value) (s string, ok, typeOK bool) {
	switch f.Type() {
	case fastjson.TypeString:
		s, ok = str(a, f)
		return s, ok, true
	case fastjson.TypeNumber:
		return a.marshal(f), true, true
	}
	return "", false, false
}

// member is the member of the object o (nil: absent), nil when absent or null.
func member(o *fastjson.Value, key string) *fastjson.Value {
	if o == nil {
		return nil
	}
	f := o.Get(key)
	if f == nil || f.Type() == fastjson.TypeNull {
		return nil
	}
	return f
}

// strIn is r.str(parent, key) of the object o at parent (nil: absent), without looking it up
// again.
func (r *reader) strIn(o *fastjson.Value, parent, key string) (string, bool) {
	b, ok := r.strBytesIn(o, parent, key)
	if !ok {
		return "", false
	}
	return r.a.string(b), true
}

// strBytesIn is strIn as the decoded bytes (valid until the parser is reused).
func (r *reader) strBytesIn(o *fastjson.Value, parent, key string) ([]byte, bool) {
	f := member(o, key)
	if f == nil {
		return nil, false
	}
	if f.Type() != fastjson.TypeString {
		r.problem(f, "a string", []string{parent, key})
		return nil, false
	}
	b, _ := f.StringBytes()
	return b, len(b) > 0
}

// textIn is r.text(parent, key) of the object o at parent (nil: absent).
func (r *reader) textIn(o *fastjson.Value, parent, key string) (string, bool) {
	f := member(o, key)
	if f == nil {
		return "", false
	}
	s, ok, typeOK := textOf(&r.a, f)
	if !typeOK {
		r.problem(f, "a string", []string{parent, key})
	}
	return s, ok
}

// numberIn is r.number(parent, key) of the object o at parent (nil: absent).
func (r *reader) numberIn(o *fastjson.Value, parent, key string) (float64, bool) {
	f := member(o, key)
	if f == nil {
		return 0, false
	}
	if n, ok := number(f); ok {
		return n, true
	}
	r.problem(f, "a number", []string{parent, key})
	return 0, false
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
func setNumber(a *arena, dst pcommon.Value, v *fastjson.Value) {
	if t := a.compact(v); !strings.ContainsAny(string(t), ".eE") {
		if n, err := v.Int64(); err == nil {
			dst.SetInt(n)
			return
		}
	}
	x, _ := v.Float64()
	dst.SetDouble(x)
}
