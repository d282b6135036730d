package sumosourceprovider // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/confmap/provider/sumosourceprovider"

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// The hosted source's identity, as the "JSON Configuration" section of the hosted source's documentation defines it.
const (
	wantSchemaType = "JumpCloud Directory Insights"
	wantSourceType = "Universal"
	wantAPIVersion = "v1"
	siemForward    = "_siemForward"
)

// parameter is one parameter of source.config and the receiver key it becomes.
type parameter struct {
	name     string // in the JSON
	key      string // in the receiver's configuration
	required bool   // per the hosted source's "Config parameters" table
	secret   bool   // never echoed (the API key)
}

// parameters of source.config; fields is an object and handled apart.
var parameters = []parameter{
	{name: "name", key: "name", required: true},
	{name: "description", key: "description"},
	{name: "category", key: "category"},
	{name: "apiKey", key: "api_key", required: true, secret: true},
	{name: "orgID", key: "org_id", required: true},
	{name: "service", key: "service", required: true},
}

const fieldsParam = "fields"

// parseSource turns a hosted source definition into the receiver's configuration. All
// problems found are returned together, each naming its parameter by its JSON path.
func parseSource(content []byte) (map[string]any, error) {
	content = bytes.TrimPrefix(content, []byte("\uFEFF")) // a BOM some editors write
	if !utf8.Valid(content) {
		return nil, errors.New("not UTF-8 encoded text (the Collector Management API format is UTF-8 JSON)")
	}
	var doc any
	if err := json.Unmarshal(content, &doc); err != nil {
		return nil, jsonError(content, err)
	}
	var errs []error
	top := object(doc, "", &errs)
	if top == nil {
		return nil, errors.Join(errs...)
	}
	checkKeys(top, "", []string{"api.version", "source"}, &errs)
	if v, ok := top["api.version"]; ok {
		if s := str(v, "api.version", &errs); s != nil && *s != wantAPIVersion {
			errs = append(errs, fmt.Errorf("api.version: %q is not supported (want %q)", *s, wantAPIVersion))
		}
	}
	src := object(required(top, "", "source", &errs), "source", &errs)
	if src == nil {
		return nil, errors.Join(errs...)
	}
	checkKeys(src, "source", []string{"config", "schemaRef", "sourceType"}, &errs)
	if ref := object(required(src, "source", "schemaRef", &errs), "source.schemaRef", &errs); ref != nil {
		checkKeys(ref, "source.schemaRef", []string{"type"}, &errs)
		if s := str(required(ref, "source.schemaRef", "type", &errs), "source.schemaRef.type", &errs); s != nil && *s != wantSchemaType {
			errs = append(errs, fmt.Errorf("source.schemaRef.type: %q is not a JumpCloud Directory Insights source (want %q)", *s, wantSchemaType))
		}
	}
	if s := str(required(src, "source", "sourceType", &errs), "source.sourceType", &errs); s != nil && *s != wantSourceType {
		errs = append(errs, fmt.Errorf("source.sourceType: %q is not the JumpCloud Directory Insights source's (want %q)", *s, wantSourceType))
	}
	cfg := object(required(src, "source", "config", &errs), "source.config", &errs)
	if cfg == nil {
		return nil, errors.Join(errs...)
	}
	out := receiverConfig(cfg, &errs)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// receiverConfig maps source.config to the receiver's keys.
func receiverConfig(cfg map[string]any, errs *[]error) map[string]any {
	known := []string{fieldsParam}
	for _, p := range parameters {
		known = append(known, p.name)
	}
	checkKeys(cfg, "source.config", known, errs)
	out := map[string]any{}
	for _, p := range parameters {
		path := "source.config." + p.name
		v, ok := cfg[p.name]
		if !ok {
			if p.required {
				*errs = append(*errs, fmt.Errorf("%s: required parameter is missing", path))
			}
			continue
		}
		s := str(v, path, errs)
		if s == nil {
			continue
		}
		if p.required && strings.TrimSpace(*s) == "" {
			*errs = append(*errs, fmt.Errorf("%s: required parameter is empty", path))
			continue
		}
		out[p.key] = *s
	}
	if v, ok := cfg[fieldsParam]; ok {
		if f := fields(v, errs); f != nil {
			out[fieldsParam] = f
		}
	}
	return out
}

// fields checks the fields object: string, number or boolean values; _siemForward a boolean
// (or the string "true"/"false").
func fields(v any, errs *[]error) map[string]any {
	const path = "source.config.fields"
	m := object(v, path, errs)
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for _, k := range sortedKeys(m) {
		fp := path + "." + k
		if strings.TrimSpace(k) == "" {
			*errs = append(*errs, fmt.Errorf("%s: a field name must not be empty", path))
			continue
		}
		switch x := m[k].(type) {
		case bool:
			out[k] = x
		case string:
			if k == siemForward && x != "true" && x != "false" {
				*errs = append(*errs, fmt.Errorf("%s: must be a boolean (true or false), not %q", fp, x))
				continue
			}
			out[k] = x
		case float64:
			if k == siemForward {
				*errs = append(*errs, fmt.Errorf("%s: must be a boolean (true or false), not a number", fp))
				continue
			}
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				out[k] = int64(x)
			} else {
				out[k] = x
			}
		default:
			*errs = append(*errs, fmt.Errorf("%s: must be a string, a number or a boolean, not %s", fp, jsonType(x)))
		}
	}
	return out
}

// absent stands for a missing parameter, already recorded as an error by required.
type absent struct{}

// required returns m[key], or records that the parameter is missing and returns absent{}.
func required(m map[string]any, parent, key string, errs *[]error) any {
	v, ok := m[key]
	if !ok {
		*errs = append(*errs, fmt.Errorf("%s: required parameter is missing", join(parent, key)))
		return absent{}
	}
	return v
}

// object returns v as a JSON object, or records that it is not one.
func object(v any, path string, errs *[]error) map[string]any {
	if _, ok := v.(absent); ok {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		what := path
		if what == "" {
			what = "the file's top level"
		}
		*errs = append(*errs, fmt.Errorf("%s: must be a JSON object, not %s", what, jsonType(v)))
	}
	return m
}

// str returns v as a string, or records that it is not one. The value itself is never part of
// the error (it may be the API key).
func str(v any, path string, errs *[]error) *string {
	if _, ok := v.(absent); ok {
		return nil
	}
	s, ok := v.(string)
	if !ok {
		*errs = append(*errs, fmt.Errorf("%s: must be a string, not %s", path, jsonType(v)))
		return nil
	}
	return &s
}

// checkKeys records every key of m that is not in known.
func checkKeys(m map[string]any, parent string, known []string, errs *[]error) {
	for _, k := range sortedKeys(m) {
		if !slices.Contains(known, k) {
			*errs = append(*errs, fmt.Errorf("%s: unknown parameter (known: %s)", join(parent, k), strings.Join(known, ", ")))
		}
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func join(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	default:
		return "an object"
	}
}

// jsonError reports a syntax error by line and column only: encoding/json's message quotes the
// offending character, which could be part of the API key.
func jsonError(content []byte, err error) error {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return errors.New("not valid JSON")
	}
	before := content[:min(int(se.Offset), len(content))]
	line := bytes.Count(before, []byte("\n")) + 1
	col := utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:])
	if int(se.Offset) >= len(content) {
		return fmt.Errorf("not valid JSON: unexpected end of the file (line %d)", line)
	}
	return fmt.Errorf("not valid JSON at line %d, column %d", line, col)
}
