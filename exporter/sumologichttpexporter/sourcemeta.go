package sumologichttpexporter // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/exporter/sumologichttpexporter"

import (
	"slices"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/sumoattr"
)

// Headers of the Sumo Logic source metadata; the resource attributes of sumoattr map to the
// first three.
const (
	headerCategory = "X-Sumo-Category"
	headerName     = "X-Sumo-Name"
	headerHost     = "X-Sumo-Host"
	headerFields   = "X-Sumo-Fields"
	headerClient   = "X-Sumo-Client"

	// Sumo Logic limits on X-Sumo-Fields.
	maxFields          = 30
	maxFieldValueRunes = 200
)

// sourceMetadata is the metadata set of one request: every line of a request shares it.
type sourceMetadata struct {
	category string
	name     string
	host     string
	// fields is the X-Sumo-Fields header value: "k1=v1, k2=v2", sorted by key.
	fields string

	// droppedFields counts pairs beyond the 30-pair limit; truncatedValues counts values cut at
	// 200 characters; skippedFields counts attributes whose key is empty or equal to an earlier
	// key once sanitized ("a,b" and "a_b" both become "a_b").
	droppedFields   int
	truncatedValues int
	skippedFields   int
}

// key identifies the metadata set; records with equal keys go into the same requests.
func (m *sourceMetadata) key() string {
	return m.category + "\x00" + m.name + "\x00" + m.host + "\x00" + m.fields
}

// newSourceMetadata reads the Sumo Logic metadata from resource attributes.
func newSourceMetadata(attrs pcommon.Map) sourceMetadata {
	var m sourceMetadata
	keys := make([]string, 0, attrs.Len())
	for k, v := range attrs.All() {
		switch k {
		case sumoattr.SourceCategory:
			m.category = sanitizeHeaderValue(v.AsString())
		case sumoattr.SourceName:
			m.name = sanitizeHeaderValue(v.AsString())
		case sumoattr.SourceHost:
			m.host = sanitizeHeaderValue(v.AsString())
		default:
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return m
	}
	slices.Sort(keys)
	// Sanitized keys that collide keep the first attribute in key order; Sumo Logic trims the
	// spaces around a key, so they count for neither emptiness nor equality.
	sent := make(map[string]struct{}, min(len(keys), maxFields))
	var b strings.Builder
	for _, k := range keys {
		key := strings.TrimSpace(sanitizeField(k))
		if _, dup := sent[key]; dup || key == "" {
			m.skippedFields++
			continue
		}
		if len(sent) == maxFields {
			m.droppedFields++
			continue
		}
		sent[key] = struct{}{}
		v, _ := attrs.Get(k)
		value := sanitizeField(v.AsString())
		if utf8.RuneCountInString(value) > maxFieldValueRunes {
			value = truncateRunes(value, maxFieldValueRunes)
			m.truncatedValues++
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(key)
		b.WriteByte('=')
		b.WriteString(value)
	}
	m.fields = b.String()
	return m
}

// sanitizeField makes a key or value safe inside X-Sumo-Fields: ',' -> '_', '=' -> ':',
// newlines and other control characters -> '_'. It allocates only when something changes.
func sanitizeField(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ',':
			return '_'
		case r == '=':
			return ':'
		case r < 0x20 || r == 0x7f:
			return '_'
		}
		return r
	}, s)
}

// sanitizeHeaderValue replaces characters that are invalid in an HTTP header value.
func sanitizeHeaderValue(s string) string {
	return strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\t') || r == 0x7f {
			return '_'
		}
		return r
	}, s)
}

func truncateRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}
