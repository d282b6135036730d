package jsonenc

import (
	"encoding/json"
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
