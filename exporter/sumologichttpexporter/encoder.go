package sumologichttpexporter // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/exporter/sumologichttpexporter"

import (
	"encoding/base64"
	"math"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/jsonenc"
)

// jsonBodyKey is the key of the record body in the json log_format.
const jsonBodyKey = "log"

// appendLineFunc appends the line of one record (without the trailing newline) to dst.
type appendLineFunc func(dst []byte, lr plog.LogRecord) []byte

func lineEncoder(format LogFormat) appendLineFunc {
	if format == LogFormatJSON {
		return appendJSONLine
	}
	return appendRawLine
}

// appendRawLine appends the record body as one line. A string body is copied byte for byte;
// a map or slice (the receiver's ecs and ocsf formats) is written as compact JSON in its own
// key order, directly into dst; other types use their string form. CR and LF inside the body
// are written as the two-character escapes \r and \n, so one record is always one message.
func appendRawLine(dst []byte, lr plog.LogRecord) []byte {
	body := lr.Body()
	var s string
	switch body.Type() {
	case pcommon.ValueTypeStr:
		s = body.Str()
	case pcommon.ValueTypeMap, pcommon.ValueTypeSlice:
		return appendJSONValue(dst, body) // JSON escapes every control character: one line
	default:
		s = body.AsString()
	}
	if strings.IndexByte(s, '\n') < 0 && strings.IndexByte(s, '\r') < 0 {
		return append(dst, s...)
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// appendJSONLine appends {"log":<body>,"<attr>":<value>,...}: the body as a JSON value plus
// the record attributes (an attribute named "log" is left out: the body owns that key).
func appendJSONLine(dst []byte, lr plog.LogRecord) []byte {
	dst = append(dst, '{')
	dst = jsonenc.AppendString(dst, jsonBodyKey)
	dst = append(dst, ':')
	dst = appendJSONValue(dst, lr.Body())
	for k, v := range lr.Attributes().All() {
		if k == jsonBodyKey {
			continue
		}
		dst = append(dst, ',')
		dst = jsonenc.AppendString(dst, k)
		dst = append(dst, ':')
		dst = appendJSONValue(dst, v)
	}
	return append(dst, '}')
}

func appendJSONValue(dst []byte, v pcommon.Value) []byte {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return jsonenc.AppendString(dst, v.Str())
	case pcommon.ValueTypeInt:
		return strconv.AppendInt(dst, v.Int(), 10)
	case pcommon.ValueTypeDouble:
		f := v.Double()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			// JSON has no NaN or Infinity: send them as strings.
			return strconv.AppendQuote(dst, strconv.FormatFloat(f, 'g', -1, 64))
		}
		return strconv.AppendFloat(dst, f, 'g', -1, 64)
	case pcommon.ValueTypeBool:
		return strconv.AppendBool(dst, v.Bool())
	case pcommon.ValueTypeMap:
		dst = append(dst, '{')
		first := true
		for k, mv := range v.Map().All() {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = jsonenc.AppendString(dst, k)
			dst = append(dst, ':')
			dst = appendJSONValue(dst, mv)
		}
		return append(dst, '}')
	case pcommon.ValueTypeSlice:
		dst = append(dst, '[')
		for i, sv := range v.Slice().All() {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONValue(dst, sv)
		}
		return append(dst, ']')
	case pcommon.ValueTypeBytes:
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, v.Bytes().AsRaw())
		return append(dst, '"')
	default:
		return append(dst, "null"...)
	}
}
