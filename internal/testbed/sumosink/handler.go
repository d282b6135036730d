package sumosink // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/sumosink"

import (
	"bytes"
	"compress/flate"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/httpretry"
)

// errTooLarge marks a body over the uncompressed limit.
var errTooLarge = errors.New("request body exceeds the limit of uncompressed data")

// warning is one entry of the JSON body of a 200 answer with warnings.
type warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ServeHTTP serves the source path and the admin endpoints.
func (s *Sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, PathPrefix):
		s.receive(w, r)
	case strings.HasPrefix(r.URL.Path, "/_sink/"):
		s.admin(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (s *Sink) receive(w http.ResponseWriter, r *http.Request) {
	s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	code := strings.TrimPrefix(r.URL.Path, PathPrefix)
	if subtle.ConstantTimeCompare([]byte(code), []byte(s.cfg.Code)) != 1 {
		s.answer(w, r, http.StatusUnauthorized, 0)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.answer(w, r, http.StatusMethodNotAllowed, 0)
		return
	}
	fault := s.nextFault()
	if fault != nil && fault.DelayMS > 0 {
		// The body is read first: net/http cancels r's context on a closed connection only once
		// the body was read to its end. A client that gives up during the delay then ends the
		// request, which records nothing, instead of leaving it held for the whole delay.
		raw, err := io.ReadAll(io.LimitReader(r.Body, 2*int64(s.cfg.MaxBodySize)+64<<10))
		if err != nil {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(raw))
		if !httpretry.Sleep(r.Context(), time.Duration(fault.DelayMS)*time.Millisecond) {
			return
		}
	}
	if fault != nil && !fault.Record {
		switch {
		case fault.Reset:
			s.reset(w, r)
			return
		case fault.Status != 0:
			s.answer(w, r, fault.Status, fault.RetryAfter)
			return
		}
	}
	downStatus, downRetry, drop := s.window(time.Now())
	if downStatus != 0 {
		s.answer(w, r, downStatus, downRetry)
		return
	}

	compressed, plain, err := s.readBody(r)
	switch {
	case errors.Is(err, errTooLarge):
		s.answer(w, r, http.StatusRequestEntityTooLarge, 0)
		return
	case err != nil:
		s.answer(w, r, http.StatusBadRequest, 0)
		return
	}
	meta, warnings := parseMetadata(r.Header)
	lines := splitLines(plain)
	if drop {
		s.countDropped(len(lines))
		s.answerOK(w, nil)
		return
	}
	if s.cfg.OnBatch != nil {
		status := s.cfg.OnBatch(Batch{Metadata: *meta, ContentEncoding: r.Header.Get("Content-Encoding"), Messages: lines})
		if status != 0 && (status < 200 || status > 299) {
			s.answer(w, r, status, 0)
			return
		}
	}
	s.record(meta, lines, compressed, len(plain))
	switch {
	case fault == nil || !fault.Record:
		s.answerOK(w, warnings)
	case fault.Reset:
		s.reset(w, r)
	case fault.Status != 0:
		s.answer(w, r, fault.Status, fault.RetryAfter)
	default:
		s.answerOK(w, warnings)
	}
}

// answer writes a status without recording anything; the request body is drained so the
// client sees the answer rather than a write error.
func (s *Sink) answer(w http.ResponseWriter, r *http.Request, status, retryAfter int) {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, int64(2*s.cfg.MaxBodySize)))
	if retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	}
	s.countRequest(status)
	http.Error(w, http.StatusText(status), status)
}

func (s *Sink) answerOK(w http.ResponseWriter, warnings []warning) {
	s.countRequest(http.StatusOK)
	if len(warnings) == 0 {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(struct {
		Warnings []warning `json:"warnings"`
	}{warnings})
}

// reset drops the connection without an answer: a TCP reset over HTTP/1, a stream abort
// otherwise.
func (s *Sink) reset(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, int64(2*s.cfg.MaxBodySize)))
	s.countRequest(0)
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// readBody reads and decodes the body; it returns the wire size and the decoded bytes.
func (s *Sink) readBody(r *http.Request) (int, []byte, error) {
	limit := int64(s.cfg.MaxBodySize)
	// A compressed body is never much larger than its content.
	raw, err := io.ReadAll(io.LimitReader(r.Body, 2*limit+64<<10))
	if err != nil {
		return 0, nil, fmt.Errorf("reading the body: %w", err)
	}
	if int64(len(raw)) > 2*limit+64<<10-1 {
		return len(raw), nil, errTooLarge
	}
	var dec io.Reader
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
		if int64(len(raw)) > limit {
			return len(raw), nil, errTooLarge
		}
		return len(raw), raw, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return len(raw), nil, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		dec = zr
	case "deflate":
		// HTTP deflate is zlib (RFC 9110); some clients send raw deflate.
		if zr, err := zlib.NewReader(bytes.NewReader(raw)); err == nil {
			defer zr.Close()
			dec = zr
		} else {
			fr := flate.NewReader(bytes.NewReader(raw))
			defer fr.Close()
			dec = fr
		}
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(raw), zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
		if err != nil {
			return len(raw), nil, fmt.Errorf("zstd: %w", err)
		}
		defer zr.Close()
		dec = zr
	default:
		return len(raw), nil, fmt.Errorf("unsupported Content-Encoding %q", enc)
	}
	plain, err := io.ReadAll(io.LimitReader(dec, limit+1))
	if err != nil {
		return len(raw), nil, fmt.Errorf("decoding the body: %w", err)
	}
	if int64(len(plain)) > limit {
		return len(raw), nil, errTooLarge
	}
	return len(raw), plain, nil
}

// splitLines returns the non-empty lines of b (a trailing CR is removed); they share one
// string allocation.
func splitLines(b []byte) []string {
	text := string(b)
	lines := make([]string, 0, bytes.Count(b, []byte{'\n'})+1)
	for len(text) > 0 {
		line := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = ""
		}
		line = strings.TrimSuffix(line, "\r")
		if line != "" {
			lines = append(lines, line)
		}
	}
	return lines
}

// parseMetadata reads the X-Sumo-* headers. Like Sumo Logic it keeps the first 30 fields and
// cuts values at 200 characters, and reports both as warnings.
func parseMetadata(h http.Header) (*Metadata, []warning) {
	meta := &Metadata{
		Category: h.Get("X-Sumo-Category"),
		Name:     h.Get("X-Sumo-Name"),
		Host:     h.Get("X-Sumo-Host"),
		Client:   h.Get("X-Sumo-Client"),
	}
	header := h.Get("X-Sumo-Fields")
	if header == "" {
		return meta, nil
	}
	var warnings []warning
	meta.Fields = make(map[string]string)
	total, truncated := 0, 0
	for pair := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" {
			warnings = append(warnings, warning{Code: "fields.malformed", Message: "a field is not in key=value form and was ignored"})
			continue
		}
		total++
		if total > MaxFields {
			continue
		}
		if utf8.RuneCountInString(v) > MaxFieldValueLength {
			v = string([]rune(v)[:MaxFieldValueLength])
			truncated++
		}
		meta.Fields[k] = v
	}
	if total > MaxFields {
		warnings = append(warnings, warning{
			Code:    "fields.too_many",
			Message: fmt.Sprintf("%d fields were sent; only the first %d were kept", total, MaxFields),
		})
	}
	if truncated > 0 {
		warnings = append(warnings, warning{
			Code:    "fields.value_too_long",
			Message: fmt.Sprintf("%d field values were longer than %d characters and were truncated", truncated, MaxFieldValueLength),
		})
	}
	return meta, warnings
}
