package jumpcloud

import (
	"bytes"
	"errors"
	"net/http"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// Reasons for which a 200 answer is refused as a page (RefusedPage.Reason). The receiver counts
// them; every refusal is a transient error, retried with backoff.
const (
	// RefusedCursorInvalid: X-Search_after is not [epochMillis, tiebreaker...].
	RefusedCursorInvalid = "cursor_invalid"
	// RefusedCursorMismatch: X-Search_after is not the key of the page's last event.
	RefusedCursorMismatch = "cursor_mismatch"
	// RefusedCursorNotAdvancing: X-Search_after is not past the request's search_after.
	RefusedCursorNotAdvancing = "cursor_not_advancing"
	// RefusedTooLarge: the body exceeds the page size bound (max_page_bytes).
	RefusedTooLarge = "too_large"
	// RefusedUnreadable: the body could not be read whole (connection lost, timeout).
	RefusedUnreadable = "unreadable"
	// RefusedMalformed: the body is not valid JSON (truncated, an HTML error page, ...).
	RefusedMalformed = "malformed"
	// RefusedNotArray: the body is valid JSON but not an array (e.g. {"message": ...}).
	RefusedNotArray = "not_array"
)

// RefusedPage is the cause (Error.Err) of a 200 answer that cannot be used as a page.
type RefusedPage struct {
	Reason string
	Err    error
}

func (e *RefusedPage) Error() string { return e.Err.Error() }
func (e *RefusedPage) Unwrap() error { return e.Err }

// RefusedReasonOf returns the reason of a refused page carried by err, if any.
func RefusedReasonOf(err error) (string, bool) {
	var rp *RefusedPage
	if errors.As(err, &rp) {
		return rp.Reason, true
	}
	return "", false
}

// refused builds the transient *Error of a refused 200 answer.
func refused(reason, message string, cause error, code int, requestID string) *Error {
	return &Error{Kind: KindTransient, StatusCode: code, RequestID: requestID, Message: message,
		Err: &RefusedPage{Reason: reason, Err: cause}}
}

// unusablePage is the error of a 200 body that is not a JSON array of events. The text shows
// the server's `message` (a JSON object) or the start of the body (an HTML page), so that a
// proxy's or gateway's answer can be recognized.
func unusablePage(err error, body []byte, code int, requestID string) *Error {
	reason, msg := RefusedMalformed, "unusable events page"
	if errors.Is(err, errNotArray) {
		reason = RefusedNotArray
	}
	// A damaged events array is not shown: its events are audit data.
	if trimmed := bytes.TrimSpace(body); len(trimmed) > 0 && trimmed[0] != '[' {
		msg += " (" + strings.ToValidUTF8(errorMessage(trimmed), "?") + ")"
	}
	return refused(reason, msg, err, code, requestID)
}

// unreadableBody is the error of a 2xx body that could not be read (too large, cut, timed out).
func unreadableBody(err error, code int, requestID string) *Error {
	if errors.Is(err, ErrResponseTooLarge) {
		return refused(RefusedTooLarge, "events page larger than max_page_bytes: lower page_size or raise max_page_bytes",
			err, code, requestID)
	}
	return refused(RefusedUnreadable, "reading response body", err, code, requestID)
}

// checkHeaders refuses a request whose header values net/http would refuse to send (a secret
// read from a file with a control character in it, an org id with a newline): a configuration
// error, since retrying cannot help. The error names the header, never its value.
func checkHeaders(h http.Header) error {
	for name, vals := range h {
		for _, v := range vals {
			if !httpguts.ValidHeaderFieldValue(v) {
				return &Error{Kind: KindConfig, Message: "cannot build request: the value of header " + name +
					" contains characters not allowed in HTTP (check api_key and org_id for control characters)"}
			}
		}
	}
	return nil
}
