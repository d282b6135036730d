package jumpcloudsim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/httpretry"
)

// FaultKind names a kind of injected failure.
type FaultKind string

// Fault kinds.
const (
	// FaultStatus answers Status with a JSON {"message": Message} body (and Retry-After when
	// RetryAfter is set) instead of processing the request.
	FaultStatus FaultKind = "status"
	// FaultLatency waits Delay, then processes the request normally.
	FaultLatency FaultKind = "latency"
	// FaultSlowBody processes the request but writes the body ChunkSize bytes at a time with
	// Delay between chunks.
	FaultSlowBody FaultKind = "slow_body"
	// FaultTruncate sends a 200 with the full Content-Length but only half of the body, then
	// closes the connection (the client sees an unexpected EOF).
	FaultTruncate FaultKind = "truncate"
	// FaultMalformed sends a 200 whose complete body is not valid JSON.
	FaultMalformed FaultKind = "malformed"
	// FaultReset closes the TCP connection (RST) without answering.
	FaultReset FaultKind = "reset"
	// FaultCursorBack serves the page with an X-Search_after that moved backwards: the key of
	// the page's first event instead of its last (of a single event: one second before it). A
	// client that follows it reads the page again. A page without events is served unchanged.
	FaultCursorBack FaultKind = "cursor_back"
	// FaultHTML sends a 200 with an HTML page (text/html) instead of the JSON array, as a proxy
	// or a maintenance page would.
	FaultHTML FaultKind = "html"
	// FaultObject sends a 200 with a JSON object ({"message": Message, or a default}) instead of
	// the JSON array.
	FaultObject FaultKind = "json_object"
)

// Fault is one injected failure, applied to the next Times API requests (1 when Times <= 0).
type Fault struct {
	Kind       FaultKind     `json:"kind"`
	Status     int           `json:"status,omitempty"`      // FaultStatus: the HTTP status
	RetryAfter string        `json:"retry_after,omitempty"` // FaultStatus: Retry-After value, if any
	Message    string        `json:"message,omitempty"`     // FaultStatus: message of the JSON body
	Delay      time.Duration `json:"-"`                     // FaultLatency, FaultSlowBody
	ChunkSize  int           `json:"chunk_size,omitempty"`  // FaultSlowBody (default 256)
	Times      int           `json:"times,omitempty"`
}

// UnmarshalJSON reads a fault as sent to POST /_sim/faults, e.g.
// {"kind":"status","status":503,"times":5} or {"kind":"latency","delay":"2s"}.
func (f *Fault) UnmarshalJSON(b []byte) error {
	type plain Fault
	var w struct {
		plain
		Delay string `json:"delay,omitempty"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*f = Fault(w.plain)
	if w.Delay != "" {
		d, err := time.ParseDuration(w.Delay)
		if err != nil {
			return fmt.Errorf("fault delay: %w", err)
		}
		f.Delay = d
	}
	return f.validate()
}

// MarshalJSON writes the wire form (delay as a Go duration string).
func (f Fault) MarshalJSON() ([]byte, error) {
	type plain Fault
	w := struct {
		plain
		Delay string `json:"delay,omitempty"`
	}{plain: plain(f)}
	if f.Delay != 0 {
		w.Delay = f.Delay.String()
	}
	return json.Marshal(w)
}

func (f Fault) validate() error {
	switch f.Kind {
	case FaultStatus:
		if f.Status < 100 || f.Status > 999 {
			return fmt.Errorf("fault status %d out of range 100..999", f.Status)
		}
	case FaultLatency, FaultSlowBody:
		if f.Delay < 0 {
			return fmt.Errorf("fault delay %s is negative", f.Delay)
		}
	case FaultTruncate, FaultMalformed, FaultReset, FaultCursorBack, FaultHTML, FaultObject:
	default:
		return fmt.Errorf("unknown fault kind %q", f.Kind)
	}
	return nil
}

// InjectFault queues a fault; queued faults are consumed in order by the next API requests
// (admin /_sim routes do not consume them).
func (s *Server) InjectFault(f Fault) error {
	if err := f.validate(); err != nil {
		return err
	}
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
	return nil
}

// ClearFaults drops every queued fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// PendingFaults returns the queued faults (Times = remaining requests).
func (s *Server) PendingFaults() []Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Fault{}, s.faults...)
}

// nextFault pops one use of the first queued fault.
func (s *Server) nextFault() (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults) == 0 {
		return Fault{}, false
	}
	f := s.faults[0]
	s.faults[0].Times--
	if s.faults[0].Times <= 0 {
		s.faults = s.faults[1:]
	}
	return f, true
}

// holdRequest waits d before r is processed, or until its client goes away (false). The body is
// read first: net/http cancels r's context on a closed connection only once the body was read to
// its end, so without it a held request would outlive its client (and hold up the server's
// Shutdown) for all of d.
func holdRequest(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return httpretry.Sleep(r.Context(), d)
}

// resetConn closes the client connection with a TCP RST.
func resetConn(w http.ResponseWriter) error {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return fmt.Errorf("response writer %T cannot be hijacked", w)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return fmt.Errorf("hijack: %w", err)
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	return conn.Close()
}

// writeBody writes a 200 body, altered by a body fault if any.
func writeBody(ctx context.Context, w http.ResponseWriter, body []byte, f *Fault) {
	h := w.Header()
	switch {
	case f == nil || (f.Kind != FaultSlowBody && f.Kind != FaultTruncate && f.Kind != FaultMalformed &&
		f.Kind != FaultHTML && f.Kind != FaultObject):
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
	case f.Kind == FaultHTML:
		page := []byte("<!DOCTYPE html>\n<html><head><title>Service Unavailable</title></head>" +
			"<body><h1>Down for maintenance</h1></body></html>\n")
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Length", strconv.Itoa(len(page)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(page)
	case f.Kind == FaultObject:
		msg := f.Message
		if msg == "" {
			msg = "simulated: an object instead of the array of events"
		}
		writeMessage(w, http.StatusOK, msg)
	case f.Kind == FaultMalformed:
		bad := []byte(`[{"id":"5e95d60b05e8907888c4e009","timestamp":,"service":"directory"}}`)
		h.Set("Content-Length", strconv.Itoa(len(bad)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(bad)
	case f.Kind == FaultTruncate:
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body[:len(body)/2])
		// net/http closes the connection because fewer bytes than declared were written.
	default: // FaultSlowBody
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		chunk := f.ChunkSize
		if chunk <= 0 {
			chunk = 256
		}
		rc := http.NewResponseController(w)
		for off := 0; off < len(body); off += chunk {
			if _, err := w.Write(body[off:min(off+chunk, len(body))]); err != nil {
				return
			}
			_ = rc.Flush()
			if off+chunk < len(body) && !httpretry.Sleep(ctx, f.Delay) {
				return
			}
		}
	}
}

// backwardsCursor is the X-Search_after of FaultCursorBack: the key of the first event, or one
// second before the only event.
func backwardsCursor(ents []entry, snap snapshot) Cursor {
	first := &ents[0]
	c := Cursor{Millis: millis(first.ts), ID: string(snap.ids[first.idOff : first.idOff+uint32(first.idLen)])}
	if len(ents) == 1 {
		c.Millis -= 1000
	}
	return c
}
