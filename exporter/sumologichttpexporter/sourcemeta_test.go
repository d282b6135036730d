package sumologichttpexporter

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

func TestSourceMetadataFields(t *testing.T) {
	manyFields := func(n int, extra map[string]string) map[string]string {
		out := map[string]string{}
		for i := range n {
			out[fmt.Sprintf("f%02d", i)] = "v"
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	fieldsOf := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf("f%02d=v", i)
		}
		return strings.Join(parts, ", ")
	}
	tests := []struct {
		name                        string
		attrs                       map[string]string
		want                        string
		skipped, dropped, truncated int
	}{
		{name: "sorted and sanitized", attrs: map[string]string{"b": "2", "a=x": "1,\n"}, want: "a:x=1__, b=2"},
		{name: "headers are no fields", attrs: map[string]string{"_sourceCategory": "c", "_sourceName": "n", "_sourceHost": "h"}},
		{name: "colliding keys keep the first in key order", attrs: map[string]string{"a,b": "1", "a_b": "2", "c": "3"}, want: "a_b=1, c=3", skipped: 1},
		{name: "keys equal once trimmed collide", attrs: map[string]string{" k ": "1", "k": "2"}, want: "k=1", skipped: 1},
		{name: "empty key skipped", attrs: map[string]string{"": "v", "k": "x"}, want: "k=x", skipped: 1},
		{name: "blank key skipped", attrs: map[string]string{"  ": "v", "k": "x"}, want: "k=x", skipped: 1},
		{name: "only an empty key", attrs: map[string]string{"": "v"}, skipped: 1},
		{name: "30 fields kept", attrs: manyFields(31, nil), want: fieldsOf(30), dropped: 1},
		{
			name:    "the limit counts distinct keys",
			attrs:   manyFields(30, map[string]string{"f00 ": "dup", "": "empty"}),
			want:    fieldsOf(30),
			skipped: 2,
		},
		{name: "long value cut", attrs: map[string]string{"k": strings.Repeat("é", 201)}, want: "k=" + strings.Repeat("é", 200), truncated: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attrs := pcommon.NewMap()
			for k, v := range tt.attrs {
				attrs.PutStr(k, v)
			}
			m := newSourceMetadata(attrs)
			assert.Equal(t, tt.want, m.fields)
			assert.Equal(t, tt.skipped, m.skippedFields, "skipped")
			assert.Equal(t, tt.dropped, m.droppedFields, "dropped")
			assert.Equal(t, tt.truncated, m.truncatedValues, "truncated")
		})
	}
}
