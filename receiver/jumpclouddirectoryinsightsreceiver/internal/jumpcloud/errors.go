package jumpcloud

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/httpretry"
)

// Kind classifies a failed request by what the caller should do about it.
type Kind int

const (
	// KindTransient failures (429, 5xx, network errors, timeouts, truncated or malformed bodies)
	// are retried with backoff, honouring RetryAfter when the server sent one.
	KindTransient Kind = iota
	// KindConfig failures (400, 401, 402, 403, 404, 405, a rejected service account) need a
	// configuration change: retrying the same request cannot succeed.
	KindConfig
)

func (k Kind) String() string {
	if k == KindConfig {
		return "configuration"
	}
	return "transient"
}

// Error is the error of a failed Directory Insights request. It never carries the API key.
type Error struct {
	Kind Kind
	// StatusCode is the HTTP status of the response, 0 when no response was received.
	StatusCode int
	// Message is the server's `message` (or a short excerpt of a non-JSON body).
	Message string
	// RequestID is the server's X-Request-Id, when present.
	RequestID string
	// RetryAfter is the delay the server asked for (Retry-After), 0 when none.
	RetryAfter time.Duration
	// Err is the underlying cause (network error, decoding error), if any.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("jumpcloud directory insights: ")
	switch {
	case e.StatusCode != 0:
		fmt.Fprintf(&b, "HTTP %d %s", e.StatusCode, http.StatusText(e.StatusCode))
		if hint := statusHint(e.StatusCode); hint != "" {
			b.WriteString(" (")
			b.WriteString(hint)
			b.WriteString(")")
		}
	default:
		b.WriteString("request failed")
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request id %s]", e.RequestID)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// statusHint names the configuration a status code points at (the troubleshooting table of the Sumo Logic hosted source).
func statusHint(code int) string {
	switch code {
	case http.StatusBadRequest:
		return "check org_id, service and the query window"
	case http.StatusUnauthorized:
		return "check api_key, or client_id and client_secret"
	case http.StatusPaymentRequired:
		return "Directory Insights is not enabled for the organization"
	case http.StatusForbidden:
		return "the API key lacks permission: an administrator's key is required"
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		return "check endpoint: the API host such as https://api.jumpcloud.com, or a URL ending in " + APIBasePath
	case http.StatusTooManyRequests:
		return "rate limited"
	}
	return ""
}

// classifyStatus maps an HTTP status of a non-2xx answer to a Kind.
func classifyStatus(code int) Kind {
	switch code {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusPaymentRequired, http.StatusForbidden,
		http.StatusNotFound, http.StatusMethodNotAllowed:
		return KindConfig
	}
	return KindTransient
}

// IsConfigError reports whether err is a configuration error: retrying without a
// configuration change cannot succeed.
func IsConfigError(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == KindConfig
}

// RetryAfterOf returns the server-requested delay carried by err, if any.
func RetryAfterOf(err error) (time.Duration, bool) {
	var e *Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		return e.RetryAfter, true
	}
	return 0, false
}

// StatusCodeOf returns the HTTP status carried by err, 0 when there is none.
func StatusCodeOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return 0
}

// maxRetryAfter caps a server-requested delay so that a bogus header cannot stall collection
// for days; it only postpones the next poll, so it is longer than the exporter's.
const maxRetryAfter = 15 * time.Minute

// parseRetryAfter reads a Retry-After header with the rules of httpretry.ParseRetryAfter; 0
// means none (or "retry now").
func parseRetryAfter(v string, now time.Time) time.Duration {
	d, _ := httpretry.ParseRetryAfter(v, now, maxRetryAfter)
	return d
}
