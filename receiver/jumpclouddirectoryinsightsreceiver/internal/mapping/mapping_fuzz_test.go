package mapping

import (
	"bufio"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
)

// FuzzMap maps arbitrary events (seeded with every line of testdata/events.jsonl: real-shaped
// events of every service and the edge cases) in every mode. Whatever the input, Map never
// panics, every record gets an EventName and a severity, every string of the output but the raw
// body is valid UTF-8 (pdata is sent as protobuf), and a mapping error is named on the record.
func FuzzMap(f *testing.F) {
	file, err := os.Open(filepath.Join("testdata", "events.jsonl"))
	if err != nil {
		f.Fatal(err)
	}
	sc := bufio.NewScanner(file)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		f.Add(append([]byte(nil), sc.Bytes()...))
	}
	_ = file.Close()
	mappers := make([]*Mapper, 0, len(testModes))
	for _, mode := range testModes {
		mappers = append(mappers, New(Options{Format: mode.format, SemanticConventions: mode.semconv}))
	}
	f.Fuzz(func(t *testing.T, event []byte) {
		var d jumpcloud.Decoder
		body := append(append([]byte{'['}, event...), ']')
		events, _, err := d.Decode(body)
		if err != nil {
			return // not a page: the engine refuses it before any mapping
		}
		for _, m := range mappers {
			for i := range events {
				lr := plog.NewLogRecord()
				mapErr := m.Map(&events[i], lr)
				if lr.EventName() == "" || lr.SeverityNumber() == plog.SeverityNumberUnspecified {
					t.Fatalf("%s: no EventName or severity", m.Format())
				}
				msg, named := lr.Attributes().Get(AttrMappingError)
				if (mapErr != nil) != named || (named && msg.Str() == "") {
					t.Fatalf("%s: mapping error %v, attribute %v", m.Format(), mapErr, named)
				}
				if lr.Body().Type() != pcommon.ValueTypeStr { // a raw body is byte for byte what JumpCloud sent
					checkUTF8(t, lr.Body())
				}
				lr.Attributes().Range(func(k string, v pcommon.Value) bool {
					if !utf8.ValidString(k) {
						t.Fatalf("attribute key %q is not UTF-8", k)
					}
					checkUTF8(t, v)
					return true
				})
			}
		}
	})
}

// checkUTF8 fails when a string anywhere in v (keys included) is not valid UTF-8.
func checkUTF8(t *testing.T, v pcommon.Value) {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		if !utf8.ValidString(v.Str()) {
			t.Fatalf("string %q is not UTF-8", v.Str())
		}
	case pcommon.ValueTypeMap:
		v.Map().Range(func(k string, e pcommon.Value) bool {
			if !utf8.ValidString(k) {
				t.Fatalf("key %q is not UTF-8", k)
			}
			checkUTF8(t, e)
			return true
		})
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		for i := 0; i < s.Len(); i++ {
			checkUTF8(t, s.At(i))
		}
	}
}
