// Package configsecret keeps the secrets of a component configuration usable and the endpoints
// of its credentials safe: secrets read from files (`${file:...}`) lose their surrounding
// whitespace (a trailing newline would make every request fail), a control character inside a
// secret is a configuration error that names the field (never the value), and plain http:// to a
// host other than the loopback is refused unless explicitly allowed.
package configsecret // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/configsecret"

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/config/configopaque"
)

var (
	opaqueType  = reflect.TypeFor[configopaque.String]()
	mapListType = reflect.TypeFor[configopaque.MapList]()
)

// TrimAll trims the surrounding whitespace of every configopaque.String field of the struct cfg
// points to, including the squashed (embedded) structs and the values of configopaque.MapList
// fields (HTTP headers).
func TrimAll(cfg any) {
	walk(reflect.ValueOf(cfg), "", func(_ string, v reflect.Value) {
		v.SetString(strings.TrimSpace(v.String()))
	})
}

// ValidateAll checks every configopaque.String field as Validate does (after trimming), naming
// each by its mapstructure key.
func ValidateAll(cfg any) []error {
	var errs []error
	walk(reflect.ValueOf(cfg), "", func(name string, v reflect.Value) {
		if err := Validate(name, configopaque.String(v.String())); err != nil {
			errs = append(errs, err)
		}
	})
	return errs
}

// Validate reports a control character (CR, LF, TAB, NUL, DEL, ...) inside the trimmed secret:
// such a value cannot be sent in an HTTP header or URL. The error names field, not the value.
func Validate(field string, s configopaque.String) error {
	for _, r := range strings.TrimSpace(string(s)) {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return fmt.Errorf("%s: contains a control character (value not shown); check the file or variable it is read from", field)
		}
	}
	return nil
}

// walk calls fn for every settable configopaque.String reachable from v (a pointer to a struct)
// through exported fields, embedded structs and configopaque.MapList values.
func walk(v reflect.Value, prefix string, fn func(name string, v reflect.Value)) {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return
	}
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := prefix + strings.Split(f.Tag.Get("mapstructure"), ",")[0]
		fv := v.Field(i)
		switch {
		case f.Type == opaqueType:
			fn(name, fv)
		case f.Type == mapListType:
			for j := range fv.Len() {
				p := fv.Index(j)
				fn(name+": "+p.FieldByName("Name").String(), p.FieldByName("Value"))
			}
		case f.Anonymous && f.Type.Kind() == reflect.Struct:
			walk(fv, prefix, fn)
		}
	}
}

// IsLoopback reports whether host (a URL's hostname) is localhost or a loopback address
// (127.0.0.0/8, ::1).
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ErrPlainHTTP is wrapped by CheckPlainHTTP's error.
var ErrPlainHTTP = errors.New("plain http:// to a host other than the loopback sends credentials in clear text")

// CheckPlainHTTP refuses an http:// URL whose host is not the loopback, unless allowed (the
// allowSetting key explicitly set to true). The error names field and allowSetting, never the
// URL (it may hold a credential).
func CheckPlainHTTP(field, rawURL, allowSetting string, allowed bool) error {
	u, err := url.Parse(rawURL)
	if err != nil || !strings.EqualFold(u.Scheme, "http") || allowed || IsLoopback(u.Hostname()) {
		return nil
	}
	return fmt.Errorf("%s: %w: use https, or set %s: true", field, ErrPlainHTTP, allowSetting)
}

// CheckBuildable reports a URL that net/http could never send a request to (a port out of
// 1..65535, an unparsable host, a space in it): such a value would fail every request and be
// retried for ever. The error names field, never the URL.
func CheckBuildable(field, rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("%s: not a valid URL (value not shown)", field)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%s: the port is not between 1 and 65535 (value not shown)", field)
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return fmt.Errorf("%s: the URL has an empty port (value not shown)", field)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("%s: the URL has no host (value not shown)", field)
	}
	if _, err := http.NewRequest(http.MethodPost, rawURL, http.NoBody); err != nil {
		return fmt.Errorf("%s: no request can be built for this URL (value not shown)", field)
	}
	return nil
}
