package sumosink // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/sumosink"

import (
	"net/http"
	"time"
)

// Fault is an abnormal answer to the next request(s) on the source path, taken from a FIFO
// queue. Without Record nothing of the request is recorded.
type Fault struct {
	// Status answers this HTTP status (for example 429, 503, 401).
	Status int `json:"status,omitempty"`
	// RetryAfter, in seconds, is sent as the Retry-After header with Status.
	RetryAfter int `json:"retry_after,omitempty"`
	// DelayMS delays the answer (a slow source); alone it delays a normal answer.
	DelayMS int `json:"delay_ms,omitempty"`
	// Reset drops the connection without an answer (a TCP reset).
	Reset bool `json:"reset,omitempty"`
	// Record processes and records the request before the faulty answer: the answer is lost
	// after the data was taken, which makes the client send duplicates.
	Record bool `json:"record,omitempty"`
	// Count is the number of consecutive requests that get this fault (default 1).
	Count int `json:"count,omitempty"`
}

// FaultsRequest is the body of POST /_sink/faults and the argument of ApplyFaults.
type FaultsRequest struct {
	// Clear drops queued faults and ends the windows before anything else is applied.
	Clear bool `json:"clear,omitempty"`
	// Faults are appended to the queue.
	Faults []Fault `json:"faults,omitempty"`
	// DownSeconds opens a window during which every request is answered DownStatus (default
	// 503) with DownRetryAfter seconds in Retry-After when set.
	DownSeconds    float64 `json:"down_seconds,omitempty"`
	DownStatus     int     `json:"down_status,omitempty"`
	DownRetryAfter int     `json:"down_retry_after,omitempty"`
	// AcceptDropSeconds opens a window during which requests are answered 200 and their
	// messages discarded (counted as dropped), like a Sumo Logic ingest budget that is spent.
	AcceptDropSeconds float64 `json:"accept_drop_seconds,omitempty"`
}

// InjectFaults appends faults to the FIFO queue.
func (s *Sink) InjectFaults(faults ...Fault) {
	s.ApplyFaults(FaultsRequest{Faults: faults})
}

// Down answers status (0: 503) to every request for d, with Retry-After when retryAfter > 0.
func (s *Sink) Down(d time.Duration, status, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setDownLocked(d, status, retryAfter)
}

// AcceptButDrop answers 200 and discards the messages for d.
func (s *Sink) AcceptButDrop(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropUntil = time.Now().Add(d)
}

// ClearFaults drops queued faults and ends the windows.
func (s *Sink) ClearFaults() {
	s.ApplyFaults(FaultsRequest{Clear: true})
}

// ApplyFaults applies a FaultsRequest.
func (s *Sink) ApplyFaults(r FaultsRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Clear {
		s.faults = nil
		s.downUntil, s.dropUntil = time.Time{}, time.Time{}
	}
	for _, f := range r.Faults {
		if f.Count <= 0 {
			f.Count = 1
		}
		s.faults = append(s.faults, f)
	}
	if r.DownSeconds > 0 {
		s.setDownLocked(seconds(r.DownSeconds), r.DownStatus, r.DownRetryAfter)
	}
	if r.AcceptDropSeconds > 0 {
		s.dropUntil = time.Now().Add(seconds(r.AcceptDropSeconds))
	}
}

func (s *Sink) setDownLocked(d time.Duration, status, retryAfter int) {
	if status == 0 {
		status = http.StatusServiceUnavailable
	}
	s.downUntil = time.Now().Add(d)
	s.downStatus = status
	s.downRetry = retryAfter
}

func seconds(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

// nextFault pops the next fault of the queue (nil when empty).
func (s *Sink) nextFault() *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults) == 0 {
		return nil
	}
	f := s.faults[0]
	s.faults[0].Count--
	if s.faults[0].Count <= 0 {
		s.faults = s.faults[1:]
	}
	f.Count = 1
	return &f
}

// window reports the open windows at now: a down status (0 if not down) and whether
// messages are dropped.
func (s *Sink) window(now time.Time) (downStatus, retryAfter int, drop bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Before(s.downUntil) {
		downStatus, retryAfter = s.downStatus, s.downRetry
	}
	return downStatus, retryAfter, now.Before(s.dropUntil)
}
