package sumosink // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/sumosink"

import (
	"context"
	"errors"
	"hash/maphash"
	"maps"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// DefaultMaxBodySize is the Sumo Logic limit of uncompressed data per request.
	DefaultMaxBodySize = 1 << 20
	// PathPrefix is the path of a Sumo Logic HTTP Source, followed by its code.
	PathPrefix = "/receiver/v1/http/"
	// MaxFields is the Sumo Logic limit on the number of X-Sumo-Fields fields.
	MaxFields = 30
	// MaxFieldValueLength is the Sumo Logic limit on the length of an X-Sumo-Fields value.
	MaxFieldValueLength = 200
)

// Config configures a Sink.
type Config struct {
	// Code is the secret last path segment of the source URL. Required.
	Code string
	// MaxBodySize is the largest accepted uncompressed body; 0 means DefaultMaxBodySize.
	MaxBodySize int
	// OnBatch, when set, sees every well-formed request before its messages are recorded and
	// returns the status to answer: 0 or 2xx accepts (and records), anything else is answered
	// as is and nothing is recorded. It must be safe for concurrent use.
	OnBatch func(Batch) int
	// CountOnly keeps counts and a hash of every message but not the messages themselves
	// (benchmarks of millions of events): Messages returns nothing.
	CountOnly bool
}

// Metadata is the X-Sumo-* metadata of a request, shared by all its messages.
type Metadata struct {
	Category string            `json:"category,omitempty"`
	Name     string            `json:"name,omitempty"`
	Host     string            `json:"host,omitempty"`
	Fields   map[string]string `json:"fields,omitempty"`
	Client   string            `json:"client,omitempty"`
}

// Message is one received log line with the metadata of its request. Fields is shared between
// the messages of a request: treat it as read-only.
type Message struct {
	Body string `json:"body"`
	Metadata
}

// Batch is one decoded request as seen by Config.OnBatch.
type Batch struct {
	Metadata
	ContentEncoding string
	Messages        []string
}

// Stats are the counters of a sink.
type Stats struct {
	// Messages is the number of recorded messages; Distinct counts distinct bodies and
	// Duplicates is Messages - Distinct.
	Messages   int `json:"messages"`
	Distinct   int `json:"distinct"`
	Duplicates int `json:"duplicates"`
	// Dropped counts messages answered 200 but discarded (accept-but-drop windows).
	Dropped int `json:"dropped"`
	// ByCategory counts recorded messages per X-Sumo-Category ("" when absent).
	ByCategory map[string]int `json:"by_category"`
	// Requests counts answers by status code on the source path; 0 counts connections dropped
	// without an answer.
	Requests map[int]int `json:"requests"`
	// Bytes received on the wire and after decoding, for accepted requests.
	CompressedBytes   int64 `json:"compressed_bytes"`
	UncompressedBytes int64 `json:"uncompressed_bytes"`
	// PendingFaults is the number of requests the queued faults will still answer.
	PendingFaults int `json:"pending_faults"`
}

// seenBody is what the sink keeps of every distinct body, also with CountOnly.
type seenBody struct {
	count uint32
	first int64 // arrival of the first copy, unix nanoseconds
}

// Arrival is what the sink knows of one distinct message body: how many copies arrived, and
// when the first one did.
type Arrival struct {
	Count int
	First time.Time
}

// InFlight is the number of requests on the source path being handled. A request whose client
// died is still handled (and recorded) when its body had been sent: a slow answer reads the
// body only after its delay.
func (s *Sink) InFlight() int { return int(s.inFlight.Load()) }

// Hash is the key of a message body in Arrivals (stable for the lifetime of the sink).
func (s *Sink) Hash(body string) uint64 { return maphash.String(s.seed, body) }

// Arrivals returns, by Hash of the body, the copies and first arrival of every distinct
// message recorded (also with CountOnly).
func (s *Sink) Arrivals() map[uint64]Arrival {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[uint64]Arrival, len(s.seen))
	for h, sb := range s.seen {
		out[h] = Arrival{Count: int(sb.count), First: time.Unix(0, sb.first)}
	}
	return out
}

type stored struct {
	body string
	meta *Metadata
}

// Sink is a Sumo Logic style HTTP source. It is an http.Handler; Start serves it on a listener.
// All methods are safe for concurrent use.
type Sink struct {
	cfg  Config
	seed maphash.Seed

	mu         sync.Mutex
	messages   []stored
	total      int                 // messages recorded (also with CountOnly)
	seen       map[uint64]seenBody // by Hash of the body
	byCategory map[string]int
	requests   map[int]int
	dropped    int
	compressed int64
	plain      int64
	faults     []Fault
	downUntil  time.Time
	downStatus int
	downRetry  int
	dropUntil  time.Time
	changed    chan struct{} // closed and replaced whenever messages are recorded
	inFlight   atomic.Int64  // requests on the source path being handled

	server   *http.Server
	listener net.Listener
	serveErr chan error
}

// New creates a sink; serve it with Start or mount it on any HTTP server.
func New(cfg Config) (*Sink, error) {
	if cfg.Code == "" {
		return nil, errors.New("sumosink: Code is required")
	}
	if cfg.MaxBodySize <= 0 {
		cfg.MaxBodySize = DefaultMaxBodySize
	}
	s := &Sink{cfg: cfg, seed: maphash.MakeSeed()}
	s.resetLocked()
	return s, nil
}

// Start creates a sink and serves it on addr (for example "127.0.0.1:0") until Close.
func Start(addr string, cfg Config) (*Sink, error) {
	s, err := New(cfg)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s.listener = l
	s.server = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.serveErr = make(chan error, 1)
	go func() { s.serveErr <- s.server.Serve(l) }()
	return s, nil
}

// BaseURL is http://host:port of a started sink ("" when not started with Start).
func (s *Sink) BaseURL() string {
	if s.listener == nil {
		return ""
	}
	return "http://" + s.listener.Addr().String()
}

// URL is the source URL of a started sink: BaseURL + PathPrefix + Code.
func (s *Sink) URL() string {
	if s.listener == nil {
		return ""
	}
	return s.BaseURL() + PathPrefix + s.cfg.Code
}

// Close stops a sink started with Start, closing open connections.
func (s *Sink) Close() error {
	if s.server == nil {
		return nil
	}
	err := s.server.Close()
	if serveErr := <-s.serveErr; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	return err
}

// Messages returns a copy of the recorded messages in arrival order.
func (s *Sink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.messages))
	for i, m := range s.messages {
		out[i] = Message{Body: m.body, Metadata: *m.meta}
	}
	return out
}

// Count is the number of recorded messages.
func (s *Sink) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// Requests returns the answers by status code (0: connection dropped without an answer).
func (s *Sink) Requests() map[int]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.requests)
}

// Stats returns all counters.
func (s *Sink) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{
		Messages:          s.total,
		Distinct:          len(s.seen),
		Duplicates:        s.total - len(s.seen),
		Dropped:           s.dropped,
		ByCategory:        maps.Clone(s.byCategory),
		Requests:          maps.Clone(s.requests),
		CompressedBytes:   s.compressed,
		UncompressedBytes: s.plain,
		PendingFaults:     s.pendingFaultsLocked(),
	}
}

// Reset forgets all messages, counters, queued faults and windows.
func (s *Sink) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetLocked()
}

func (s *Sink) resetLocked() {
	s.messages, s.total = nil, 0
	s.seen = make(map[uint64]seenBody)
	s.byCategory = make(map[string]int)
	s.requests = make(map[int]int)
	s.dropped, s.compressed, s.plain = 0, 0, 0
	s.faults = nil
	s.downUntil, s.dropUntil = time.Time{}, time.Time{}
	if s.changed != nil {
		close(s.changed)
	}
	s.changed = make(chan struct{})
}

// WaitForCount blocks until at least n messages are recorded or ctx is done.
func (s *Sink) WaitForCount(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		count, changed := s.total, s.changed
		s.mu.Unlock()
		if count >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

// record stores the messages of one accepted request.
func (s *Sink) record(meta *Metadata, lines []string, compressed, plain int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.cfg.CountOnly {
		s.messages = slices.Grow(s.messages, len(lines))
	}
	now := time.Now().UnixNano()
	for _, l := range lines {
		if !s.cfg.CountOnly {
			s.messages = append(s.messages, stored{body: l, meta: meta})
		}
		h := maphash.String(s.seed, l)
		sb := s.seen[h]
		if sb.count == 0 {
			sb.first = now
		}
		sb.count++
		s.seen[h] = sb
	}
	s.total += len(lines)
	s.byCategory[meta.Category] += len(lines)
	s.compressed += int64(compressed)
	s.plain += int64(plain)
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Sink) countRequest(status int) {
	s.mu.Lock()
	s.requests[status]++
	s.mu.Unlock()
}

func (s *Sink) countDropped(n int) {
	s.mu.Lock()
	s.dropped += n
	s.mu.Unlock()
}

func (s *Sink) pendingFaultsLocked() int {
	n := 0
	for _, f := range s.faults {
		n += f.Count
	}
	return n
}
