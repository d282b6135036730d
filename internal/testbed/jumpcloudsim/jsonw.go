package jumpcloudsim

import (
	"encoding/base64"
	"strconv"
	"time"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/jsonenc"
)

// jw appends compact JSON to a byte slice without reflection; the renderer of generated events
// is built on it so that a 10000-event page is cheap.
type jw struct {
	b     []byte
	comma bool // a value was written at this level: the next one needs a comma
}

func (w *jw) sep() {
	if w.comma {
		w.b = append(w.b, ',')
	}
}

func (w *jw) beginObj() { w.sep(); w.b = append(w.b, '{'); w.comma = false }
func (w *jw) endObj()   { w.b = append(w.b, '}'); w.comma = true }
func (w *jw) beginArr() { w.sep(); w.b = append(w.b, '['); w.comma = false }
func (w *jw) endArr()   { w.b = append(w.b, ']'); w.comma = true }

func (w *jw) key(k string) {
	w.sep()
	w.b = jsonenc.AppendString(w.b, k)
	w.b = append(w.b, ':')
	w.comma = false
}

func (w *jw) str(v string) { w.sep(); w.b = jsonenc.AppendString(w.b, v); w.comma = true }
func (w *jw) int(v int64)  { w.sep(); w.b = strconv.AppendInt(w.b, v, 10); w.comma = true }
func (w *jw) bool(v bool)  { w.sep(); w.b = strconv.AppendBool(w.b, v); w.comma = true }
func (w *jw) null()        { w.sep(); w.b = append(w.b, "null"...); w.comma = true }

// strBytes writes a JSON string from bytes that need no escaping (ids, hex, base64).
func (w *jw) strBytes(v []byte) {
	w.sep()
	w.b = append(w.b, '"')
	w.b = append(w.b, v...)
	w.b = append(w.b, '"')
	w.comma = true
}

func (w *jw) float(v float64, prec int) {
	w.sep()
	w.b = strconv.AppendFloat(w.b, v, 'f', prec, 64)
	w.comma = true
}

func (w *jw) kstr(k, v string)           { w.key(k); w.str(v) }
func (w *jw) kint(k string, v int64)     { w.key(k); w.int(v) }
func (w *jw) kbool(k string, v bool)     { w.key(k); w.bool(v) }
func (w *jw) knull(k string)             { w.key(k); w.null() }
func (w *jw) kobj(k string)              { w.key(k); w.beginObj() }
func (w *jw) karr(k string)              { w.key(k); w.beginArr() }
func (w *jw) kfloat(k string, v float64) { w.key(k); w.float(v, 4) }

// khex writes a random lower-case hex id of n bytes (2n characters).
func (w *jw) khex(k string, r *rng, n int) {
	w.key(k)
	w.hex(r, n, false, "")
}

// hex writes a string of prefix and n random bytes in hex.
func (w *jw) hex(r *rng, n int, upper bool, prefix string) {
	w.sep()
	w.b = append(w.b, '"')
	w.b = append(w.b, prefix...)
	w.b = r.appendHex(w.b, n, upper)
	w.b = append(w.b, '"')
	w.comma = true
}

// kuuid writes a random UUID (version 4 layout), upper or lower case.
func (w *jw) kuuid(k string, r *rng, upper bool) {
	w.key(k)
	w.sep()
	w.b = append(w.b, '"')
	w.b = r.appendUUID(w.b, upper)
	w.b = append(w.b, '"')
	w.comma = true
}

// kbase64 writes n random bytes, base64 encoded.
func (w *jw) kbase64(k string, r *rng, n int) {
	w.key(k)
	w.sep()
	w.b = append(w.b, '"')
	w.b = r.appendBase64(w.b, n)
	w.b = append(w.b, '"')
	w.comma = true
}

// ktime writes t (UTC) in the given precision.
func (w *jw) ktime(k string, t time.Time, prec uint8) {
	w.key(k)
	w.sep()
	w.b = append(w.b, '"')
	w.b = appendTime(w.b, t, prec)
	w.b = append(w.b, '"')
	w.comma = true
}

func appendTime(b []byte, t time.Time, prec uint8) []byte {
	switch prec {
	case precSecond:
		return t.AppendFormat(b, "2006-01-02T15:04:05Z07:00")
	case precMilliFixed:
		return t.AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
	default:
		return t.AppendFormat(b, time.RFC3339Nano)
	}
}

const hexDigits = "0123456789abcdef"

// rng is a splitmix64 generator: a value type, deterministic, allocation-free.
type rng struct{ s uint64 }

func newRNG(seed uint64) rng { return rng{s: seed} }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a number in [0, n); n must be > 0.
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// int64n returns a number in [0, n); n must be > 0.
func (r *rng) int64n(n int64) int64 { return int64(r.next() % uint64(n)) }

// chance reports true with probability p.
func (r *rng) chance(p float64) bool { return r.float() < p }

func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

func pick[T any](r *rng, v []T) T { return v[r.intn(len(v))] }

func (r *rng) appendHex(b []byte, n int, upper bool) []byte {
	digits := hexDigits
	if upper {
		digits = "0123456789ABCDEF"
	}
	var x uint64
	for i := 0; i < n; i++ {
		if i%8 == 0 {
			x = r.next()
		}
		c := byte(x)
		x >>= 8
		b = append(b, digits[c>>4], digits[c&0xf])
	}
	return b
}

func (r *rng) appendUUID(b []byte, upper bool) []byte {
	b = r.appendHex(b, 4, upper)
	b = append(b, '-')
	b = r.appendHex(b, 2, upper)
	b = append(b, '-')
	b = r.appendHex(b, 2, upper)
	b = append(b, '-')
	b = r.appendHex(b, 2, upper)
	b = append(b, '-')
	return r.appendHex(b, 6, upper)
}

func (r *rng) appendBase64(b []byte, n int) []byte {
	raw := make([]byte, n)
	for i := 0; i < n; i += 8 {
		x := r.next()
		for j := i; j < n && j < i+8; j++ {
			raw[j] = byte(x)
			x >>= 8
		}
	}
	return base64.StdEncoding.AppendEncode(b, raw)
}

func (r *rng) ip() string { return string(r.appendIP(nil)) }

// appendIP appends a random public-looking IPv4 address.
func (r *rng) appendIP(b []byte) []byte {
	b = strconv.AppendInt(b, int64(r.intn(223)+1), 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(r.intn(256)), 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(r.intn(256)), 10)
	b = append(b, '.')
	return strconv.AppendInt(b, int64(r.intn(254)+1), 10)
}

// kip writes a random IPv4 address.
func (w *jw) kip(k string, r *rng) {
	w.key(k)
	w.sep()
	w.b = append(w.b, '"')
	w.b = r.appendIP(w.b)
	w.b = append(w.b, '"')
	w.comma = true
}
