package jsonenc

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppendString(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{in: "", want: `""`},
		{in: "plain text", want: `"plain text"`},
		{in: `say "hi" \ bye`, want: `"say \"hi\" \\ bye"`},
		{in: "a\nb\rc\td", want: `"a\nb\rc\td"`},
		{in: "\x00\x1f", want: `"\u0000\u001f"`},
		{in: "café ✓", want: `"café ✓"`},
		{in: "bad \xff utf8", want: "\"bad \ufffd utf8\""},
	}
	for _, tt := range tests {
		got := AppendString([]byte("x"), tt.in)
		assert.Equal(t, "x"+tt.want, string(got))
		var back string
		require.NoError(t, json.Unmarshal(got[1:], &back), "valid JSON for %q", tt.in)
	}
}

func FuzzAppendStringRoundTrips(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\x00", "é", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var back string
		if err := json.Unmarshal(AppendString(nil, s), &back); err != nil {
			t.Fatalf("invalid JSON for %q: %v", s, err)
		}
		want, _ := json.Marshal(s) // encoding/json also replaces invalid UTF-8
		var wantBack string
		_ = json.Unmarshal(want, &wantBack)
		if back != wantBack {
			t.Fatalf("round trip of %q: got %q, want %q", s, back, wantBack)
		}
	})
}

func BenchmarkAppendString(b *testing.B) {
	s := `{"id":"65a0c3f1e4b0a1b2c3d4e5f6","message":"login \"failed\" for café user"}`
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendString(buf[:0], s)
	}
}

func BenchmarkAppendStringPlain(b *testing.B) {
	for _, s := range []string{
		"65a0c3f1e4b0a1b2c3d4e5f6",
		"user_login_attempt",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
	} {
		b.Run(strconv.Itoa(len(s)), func(b *testing.B) {
			buf := make([]byte, 0, 256)
			b.SetBytes(int64(len(s)))
			for b.Loop() {
				buf = AppendString(buf[:0], s)
			}
		})
	}
}

// stdlibString is encoding/json's encoding of s in AppendString's forms: encoding/json also
// escapes <, > and & (HTML), writes \b and \f short and U+FFFD (for an invalid byte) as
// \ufffd; the rest (quotes, backslash, \n, \r, \t, \u00XX for other control bytes) is the same.
// (It also escapes U+2028 and U+2029, which no input of TestAppendStringEightBytes holds: they
// take 3 bytes.) An escaped backslash is matched first, so that its second half never starts
// another escape.
var stdlibForms = strings.NewReplacer(`\\`, `\\`, `\u003c`, "<", `\u003e`, ">", `\u0026`, "&",
	`\b`, `\u0008`, `\f`, `\u000c`, `\ufffd`, "\ufffd")

func stdlibString(s string) string {
	b, _ := json.Marshal(s)
	return stdlibForms.Replace(string(b))
}

// TestAppendStringEightBytes checks the 8-byte test of AppendString: every byte value at
// every position of 8 safe bytes, and next to every other byte value (a borrow from one byte
// must neither hide nor fake another), against encoding/json.
func TestAppendStringEightBytes(t *testing.T) {
	check := func(b []byte) {
		if got, want := AppendString(nil, string(b)), stdlibString(string(b)); string(got) != want {
			t.Fatalf("%q: got %q, want %q", b, got, want)
		}
	}
	for pos := range 8 {
		for c := range 256 {
			for _, fill := range []byte{'a', 0x20, 0x7f, '!', ']', 0x21, 0x5d, '#', '['} {
				b := []byte{fill, fill, fill, fill, fill, fill, fill, fill, fill, fill}
				b[pos] = byte(c)
				check(b)
			}
			for d := range 256 {
				b := []byte("abcdefghij")
				b[pos] = byte(c)
				b[pos+1] = byte(d)
				check(b)
			}
		}
	}
}
