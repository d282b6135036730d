package sumologichttpexporter

import (
	"strings"
	"testing"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"golang.org/x/net/http/httpguts"
)

// fuzzAttrs builds resource attributes from NUL-separated key, value, key, value, ... (the first
// of equal keys wins, at most 80 pairs), inserted forwards or backwards.
func fuzzAttrs(data string, backwards bool) pcommon.Map {
	parts := strings.Split(data, "\x00")
	type pair struct{ k, v string }
	var pairs []pair
	seen := map[string]bool{}
	for i := 0; i+1 < len(parts) && len(pairs) < 80; i += 2 {
		if !seen[parts[i]] {
			seen[parts[i]] = true
			pairs = append(pairs, pair{parts[i], parts[i+1]})
		}
	}
	m := pcommon.NewMap()
	for i := range pairs {
		p := pairs[i]
		if backwards {
			p = pairs[len(pairs)-1-i]
		}
		m.PutStr(p.k, p.v)
	}
	return m
}

// FuzzSourceMetadataFields: whatever the resource attributes, X-Sumo-Fields is a valid header
// value of at most 30 "key=value" pairs separated by ", ", with no separator, newline or control
// character inside a key or value, values of at most 200 characters, keys non-empty, trimmed and
// unique, the same whatever the insertion order; the other metadata headers are valid values.
func FuzzSourceMetadataFields(f *testing.F) {
	f.Add("_siemForward\x00true\x00team\x00secops")
	f.Add("a,b\x00x=y\x00a_b\x00second\x00 spaced \x00v\r\nInjected: 1")
	f.Add("_sourceCategory\x00cat\ngory\x00_sourceName\x00n\x7fame\x00_sourceHost\x00h\x00k\x00" + strings.Repeat("é", 250))
	f.Add(strings.Repeat("k\x00v\x00", 40))
	f.Add("\x00empty key\x00 \x00blank key\x00\xff\xfe\x00invalid utf-8")
	f.Fuzz(func(t *testing.T, data string) {
		m := newSourceMetadata(fuzzAttrs(data, false))
		if again := newSourceMetadata(fuzzAttrs(data, true)); again != m {
			t.Fatalf("depends on insertion order or is not deterministic:\n%+v\n%+v", m, again)
		}
		for name, v := range map[string]string{"fields": m.fields, "category": m.category, "name": m.name, "host": m.host} {
			if !httpguts.ValidHeaderFieldValue(v) {
				t.Fatalf("%s is not a valid header value: %q", name, v)
			}
		}
		if m.fields == "" {
			return
		}
		if strings.ContainsAny(m.fields, "\r\n\x00") {
			t.Fatalf("newline or NUL in %q", m.fields)
		}
		pairs := strings.Split(m.fields, ", ")
		if len(pairs) > maxFields {
			t.Fatalf("%d pairs", len(pairs))
		}
		keys := map[string]bool{}
		for _, p := range pairs {
			k, v, ok := strings.Cut(p, "=")
			if !ok || strings.ContainsAny(k, ",=") || strings.ContainsAny(v, ",=") {
				t.Fatalf("pair %q is not key=value without separators (fields %q)", p, m.fields)
			}
			if k == "" || k != strings.TrimSpace(k) || keys[k] {
				t.Fatalf("key %q empty, untrimmed or repeated", k)
			}
			keys[k] = true
			if utf8.RuneCountInString(v) > maxFieldValueRunes {
				t.Fatalf("value of %d characters", utf8.RuneCountInString(v))
			}
			for _, r := range k + v {
				if r < 0x20 || r == 0x7f {
					t.Fatalf("control character in pair %q", p)
				}
			}
		}
	})
}
