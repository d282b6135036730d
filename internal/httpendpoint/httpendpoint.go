// Package httpendpoint checks the `endpoint` URL of the receiver (the JumpCloud API base) and of
// the exporter (the Sumo Logic HTTP Source URL) with one set of rules.
package httpendpoint // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/httpendpoint"

import (
	"errors"
	"net/url"
)

// Validate checks that raw is an absolute http or https URL with a host and without user
// information. The errors never contain the value: the Sumo Logic URL carries a credential in
// its path, and user information would be a credential too. The caller names the field.
func Validate(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("not a valid URL (value redacted)")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("the URL scheme must be https (or http for a local server)")
	}
	if u.Host == "" {
		return errors.New("the URL has no host")
	}
	if u.User != nil {
		return errors.New("the URL must not contain user information")
	}
	return nil
}
