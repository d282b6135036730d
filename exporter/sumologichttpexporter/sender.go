package sumologichttpexporter // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/exporter/sumologichttpexporter"

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/httpretry"
)

const (
	maxResponseBodyBytes = 64 * 1024
	// maxWarningBytes bounds a 200-with-body warning copied into a log line.
	maxWarningBytes = 1024
	// bodyReleaseWait bounds the wait for the transport to close a request body before its
	// buffer is reused; past it the buffer is left to the garbage collector.
	bodyReleaseWait = time.Second
	// maxRetryAfter caps the delay a Retry-After imposes: a queue consumer waits it out, and a
	// day-long value would park the consumer for a day.
	maxRetryAfter = 5 * time.Minute
	redacted      = "[REDACTED]"
)

// deliveryError describes a failed request. Its text never contains the HTTP Source URL.
type deliveryError struct {
	statusCode int // 0 when no response was received
	reason     string
	msg        string
}

func (e *deliveryError) Error() string { return e.msg }

// Reasons of a failed delivery; they appear in the component status and in logs.
const (
	reasonConnection  = "connection_error"
	reasonRejectedURL = "endpoint_rejected"
	reasonThrottled   = "throttled"
	reasonServer      = "server_error"
	reasonTimeout     = "source_timeout"
	reasonRejected    = "request_rejected"
	reasonOther       = "unexpected_status"
)

// urlRedactor removes the HTTP Source URL (and its secret path) from error texts.
type urlRedactor struct{ r *strings.Replacer }

func newURLRedactor(endpoint string) urlRedactor {
	olds := []string{endpoint}
	if u, err := url.Parse(endpoint); err == nil {
		olds = append(olds, u.String(), u.Redacted(), u.Host+u.EscapedPath(), u.EscapedPath(), u.Path)
		// The last path segment is the credential (the "unique code").
		if code := u.Path[strings.LastIndexByte(u.Path, '/')+1:]; len(code) >= 8 {
			olds = append(olds, code, url.PathEscape(code), url.QueryEscape(code))
		}
	}
	pairs := make([]string, 0, 2*len(olds))
	seen := map[string]bool{"": true, "/": true}
	// Longest first, so the full URL is replaced before its parts.
	for _, o := range longestFirst(olds) {
		if !seen[o] {
			seen[o] = true
			pairs = append(pairs, o, redacted)
		}
	}
	return urlRedactor{r: strings.NewReplacer(pairs...)}
}

func longestFirst(s []string) []string {
	out := append([]string(nil), s...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && len(out[j]) > len(out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func (r urlRedactor) redact(s string) string { return r.r.Replace(s) }

// requestBody is the body of one request; Close tells the sender that the transport is done
// with the bytes, so the buffer behind them can be reused.
type requestBody struct {
	bytes.Reader
	once   sync.Once
	closed chan struct{}
}

func newRequestBody(b []byte) *requestBody {
	rb := &requestBody{closed: make(chan struct{})}
	rb.Reset(b)
	return rb
}

func (b *requestBody) Close() error {
	b.once.Do(func() { close(b.closed) })
	return nil
}

// released reports whether the transport closed the body within bodyReleaseWait.
func (b *requestBody) released() bool {
	select {
	case <-b.closed:
		return true
	default:
	}
	t := time.NewTimer(bodyReleaseWait)
	defer t.Stop()
	select {
	case <-b.closed:
		return true
	case <-t.C:
		return false
	}
}

// post sends one compressed body with its metadata headers. It returns the status code (0
// without a response), the (possibly empty) warning body of a 2xx answer, whether the payload
// buffer may be reused, and an error
// classified for the exporterhelper: a throttle retry for 429/503 (with Retry-After), retryable
// for 401/403/404 (the data stays queued until the URL is fixed), 408, 3xx, 5xx and transport
// errors, permanent for every other 4xx.
func (e *sumoExporter) post(ctx context.Context, meta *sourceMetadata, payload []byte) (code int, warning string, reusable bool, err error) {
	body := newRequestBody(payload)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.endpoint, body)
	if err != nil {
		return 0, "", true, consumererror.NewPermanent(&deliveryError{
			reason: reasonOther,
			msg:    "building the request: " + e.redactor.redact(err.Error()),
		})
	}
	req.ContentLength = int64(len(payload))
	h := req.Header
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("User-Agent", e.userAgent)
	if e.comp.encoding != "" {
		h.Set("Content-Encoding", e.comp.encoding)
	}
	if e.cfg.Client != "" {
		h.Set(headerClient, e.cfg.Client)
	}
	if meta.category != "" {
		h.Set(headerCategory, meta.category)
	}
	if meta.name != "" {
		h.Set(headerName, meta.name)
	}
	if meta.host != "" {
		h.Set(headerHost, meta.host)
	}
	if meta.fields != "" {
		h.Set(headerFields, meta.fields)
	}

	resp, err := e.client.Do(req)
	if err != nil {
		reusable = body.released()
		return 0, "", reusable, &deliveryError{
			reason: reasonConnection,
			msg:    "sending to the Sumo Logic HTTP Source failed: " + e.redactError(err),
		}
	}
	respBody, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBodyBytes))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBodyBytes))
	_ = resp.Body.Close()
	warning, err = classifyResponse(resp, respBody)
	return resp.StatusCode, warning, body.released(), err
}

// redactError returns the text of a transport error without the URL.
func (e *sumoExporter) redactError(err error) string {
	if urlErr, ok := errors.AsType[*url.Error](err); ok {
		urlErr.URL = redacted
	}
	return e.redactor.redact(err.Error())
}

func classifyResponse(resp *http.Response, body []byte) (warning string, err error) {
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		return warningText(body), nil
	}
	de := &deliveryError{statusCode: code}
	status := strconv.Itoa(code) + " " + http.StatusText(code)
	switch {
	case code == http.StatusUnauthorized || code == http.StatusForbidden || code == http.StatusNotFound:
		de.reason = reasonRejectedURL
		de.msg = "the Sumo Logic HTTP Source rejected the endpoint URL (" + status +
			"): the URL is wrong, or the source was deleted or its URL regenerated; data stays queued and is retried"
		return "", de
	case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable:
		de.reason = reasonThrottled
		if code == http.StatusServiceUnavailable {
			de.reason = reasonServer
		}
		de.msg = "the Sumo Logic HTTP Source is throttling or unavailable (" + status + "); retrying"
		if delay, ok := httpretry.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now(), maxRetryAfter); ok {
			return "", exporterhelper.NewThrottleRetry(de, delay)
		}
		return "", de
	case code == http.StatusRequestTimeout:
		de.reason = reasonTimeout
		de.msg = "the Sumo Logic HTTP Source timed out processing the request (" + status + "); retrying"
		return "", de
	case code >= 400 && code < 500:
		// Any other 4xx (400, 405, 411, 413, 414, 415, 431, ...) would fail again: retrying it
		// forever would jam a queue consumer.
		de.reason = reasonRejected
		de.msg = "the Sumo Logic HTTP Source rejected the request (" + status + "); the records of this request are dropped"
		return "", consumererror.NewPermanent(de)
	case code >= 500:
		de.reason = reasonServer
		de.msg = "the Sumo Logic HTTP Source answered a server error (" + status + "); retrying"
		return "", de
	case code >= 300 && code < 400:
		de.reason = reasonOther
		de.msg = "the Sumo Logic HTTP Source answered a redirect (" + status +
			"), which is not followed: check the endpoint URL; retrying"
		return "", de
	default:
		de.reason = reasonOther
		de.msg = "the Sumo Logic HTTP Source answered an unexpected status (" + status + "); retrying"
		return "", de
	}
}

// warningText is the printable, bounded text of a 200 answer's body ("" when empty).
func warningText(body []byte) string {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return ""
	}
	if len(body) > maxWarningBytes {
		body = body[:maxWarningBytes]
	}
	return strings.ToValidUTF8(string(body), "\ufffd")
}
