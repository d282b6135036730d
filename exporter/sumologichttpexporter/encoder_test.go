package sumologichttpexporter

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/jsonenc"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/sumosink"
)

func TestJSONLogFormat(t *testing.T) {
	sink := startSink(t, sumosink.Config{})
	cfg := testConfig(sink.URL())
	cfg.LogFormat = LogFormatJSON
	exp := newTestExporter(t, cfg, nopSettings(), nil)
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("_sourceCategory", "c")
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.Body().SetStr(`{"id":"e1","msg":"line1\nline2"}`)
	lr.Attributes().PutStr("jumpcloud.event.id", "e1")
	lr.Attributes().PutStr("jumpcloud.service", "directory")
	lr.Attributes().PutStr("jumpcloud.event_type", "user_login_attempt")
	lr.Attributes().PutStr("jumpcloud.organization", "org-1")
	lr.Attributes().PutInt("n", 3)
	lr.Attributes().PutStr("log", "shadowed by the body")
	m := lr.Attributes().PutEmptyMap("m")
	m.PutBool("b", true)
	m.PutDouble("d", 1.5)
	m.PutEmptySlice("s").AppendEmpty().SetStr("q\"\t\u0001")
	lr.Attributes().PutEmptyBytes("raw").FromRaw([]byte{0, 1, 2})
	require.NoError(t, exp.pushLogs(context.Background(), ld))
	msgs := sink.Messages()
	require.Len(t, msgs, 1)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(msgs[0].Body), &got))
	assert.Equal(t, map[string]any{
		"log":                    `{"id":"e1","msg":"line1\nline2"}`,
		"jumpcloud.event.id":     "e1",
		"jumpcloud.service":      "directory",
		"jumpcloud.event_type":   "user_login_attempt",
		"jumpcloud.organization": "org-1",
		"n":                      float64(3),
		"m":                      map[string]any{"b": true, "d": 1.5, "s": []any{"q\"\t\u0001"}},
		"raw":                    "AAEC",
	}, got)
}

func TestRawLineEncoding(t *testing.T) {
	tests := []struct {
		name string
		set  func(v pcommon.Value)
		want string
	}{
		{name: "string copied as is", set: func(v pcommon.Value) { v.SetStr(`{"a":"é\"x"}`) }, want: `{"a":"é\"x"}`},
		{name: "newlines escaped", set: func(v pcommon.Value) { v.SetStr("a\nb\r\nc") }, want: `a\nb\r\nc`},
		{name: "int", set: func(v pcommon.Value) { v.SetInt(42) }, want: "42"},
		{name: "map as JSON", set: func(v pcommon.Value) { v.SetEmptyMap().PutStr("k", "v") }, want: `{"k":"v"}`},
		{name: "nested map in its own order, one line", set: func(v pcommon.Value) {
			m := v.SetEmptyMap()
			m.PutStr("z", "a\nb")
			e := m.PutEmptyMap("event")
			e.PutStr("kind", "event")
			e.PutEmptySlice("category").AppendEmpty().SetStr("iam")
			m.PutInt("a", 1)
		}, want: `{"z":"a\nb","event":{"kind":"event","category":["iam"]},"a":1}`},
		{name: "slice as JSON", set: func(v pcommon.Value) { v.SetEmptySlice().AppendEmpty().SetDouble(1.5) }, want: `[1.5]`},
		{name: "empty", set: func(pcommon.Value) {}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lr := plog.NewLogRecord()
			tt.set(lr.Body())
			assert.Equal(t, tt.want, string(appendRawLine(nil, lr)))
		})
	}
}

func TestJSONStringEscaping(t *testing.T) {
	in := "plain \"quoted\" \\ \n\r\t \x01 é \xff end"
	out := jsonenc.AppendString(nil, in)
	var back string
	require.NoError(t, json.Unmarshal(out, &back))
	assert.Equal(t, strings.ToValidUTF8(in, "\ufffd"), back)
}
