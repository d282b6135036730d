package jumpcloudsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/jsonenc"
)

// API paths.
const (
	BasePath   = "/insights/directory/v1"
	EventsPath = BasePath + "/events"
	CountPath  = BasePath + "/events/count"
)

const (
	maxBodyBytes      = 1 << 20
	defaultRequestLog = 10000
)

// Config configures a Server. The zero value works: any non-empty x-api-key is accepted, the
// clock is time.Now and the seed 1.
type Config struct {
	// APIKey is the expected x-api-key; empty accepts any non-empty key.
	APIKey string
	// NonAdminKey, when set, is a valid key without permission to read events (403).
	NonAdminKey string
	// ClientID and ClientSecret are the service account the token endpoint (TokenPath)
	// accepts; an empty ClientID accepts any non-empty id and secret. A request with
	// `Authorization: Bearer <token>` needs a token issued there and not expired, and an
	// x-org-id header (service accounts require it).
	ClientID     string
	ClientSecret string
	// TokenTTL is the lifetime of issued tokens (DefaultTokenTTL when 0); expires_in is sent
	// rounded up to whole seconds.
	TokenTTL time.Duration
	// OrgID is the organization of the events; when set, a request with an x-org-id header
	// naming another organization gets 400. Empty: derived from Seed.
	OrgID string
	// Now is the simulator's clock (visibility of events, start_time in the future).
	Now func() time.Time
	// Seed makes generated events deterministic (same seed and calls, same events and bytes).
	Seed int64
	// AllowFutureStart accepts a start_time after Now (the real API answers 400).
	AllowFutureStart bool
	// RequestLogSize bounds the request log (most recent kept); default 10000.
	RequestLogSize int
	// PageLatency delays every answer of /events (the real API takes 0.5 to 2 s per page of
	// 10000 events); 0: none.
	PageLatency time.Duration
}

// Request is one logged API request.
type Request struct {
	Time        time.Time `json:"time"`
	Method      string    `json:"method"`
	Path        string    `json:"path"`
	OrgIDs      []string  `json:"org_ids,omitempty"`
	UserAgent   string    `json:"user_agent,omitempty"`
	Auth        string    `json:"auth,omitempty"`  // "api_key" or "bearer"
	Query       *Query    `json:"query,omitempty"` // nil unless the body was valid
	Status      int       `json:"status"`          // 0 for a connection reset
	ResultCount int       `json:"result_count"`
	Fault       FaultKind `json:"fault,omitempty"`
}

// Stats are the counters of GET /_sim/stats.
type Stats struct {
	Requests      int64         `json:"requests"`
	ByStatus      map[int]int64 `json:"by_status"`
	EventsServed  int64         `json:"events_served"`
	Events        int           `json:"events"`
	PendingFaults int           `json:"pending_faults"`
	VisibleEvents int           `json:"visible_events"`
	LastRequestAt time.Time     `json:"last_request_at,omitzero"`
	DIEnabled     bool          `json:"di_enabled"`
	// TokenRequests counts the requests to the token endpoint, TokensIssued its successes.
	TokenRequests int64 `json:"token_requests"`
	TokensIssued  int64 `json:"tokens_issued"`
}

// Server is the simulator, an http.Handler. All methods are safe for concurrent use.
type Server struct {
	cfg   Config
	now   func() time.Time
	world *world
	store store

	genMu  sync.Mutex
	genRNG rng

	reqSeq atomic.Uint64

	mu        sync.Mutex // guards the fields below
	apiKey    string
	diEnabled bool
	faults    []Fault
	log       []Request // ring buffer
	logNext   int
	requests  int64
	byStatus  map[int]int64
	served    int64

	clientID, clientSecret      string
	tokenTTL                    time.Duration
	tokens                      map[string]time.Time // issued token -> expiry
	tokenRequests, tokensIssued int64
}

// New returns a simulator with no events.
func New(cfg Config) *Server {
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.RequestLogSize <= 0 {
		cfg.RequestLogSize = defaultRequestLog
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	wd := newWorld(cfg.Seed, cfg.OrgID)
	return &Server{
		cfg:       cfg,
		now:       now,
		world:     wd,
		genRNG:    newRNG(uint64(cfg.Seed)),
		apiKey:    cfg.APIKey,
		diEnabled: true,
		byStatus:  map[int]int64{},

		clientID:     cfg.ClientID,
		clientSecret: cfg.ClientSecret,
		tokenTTL:     cfg.TokenTTL,
		tokens:       map[string]time.Time{},
	}
}

// OrgID returns the organization id of the events.
func (s *Server) OrgID() string { return s.world.org }

// SetAPIKey changes the expected x-api-key (empty accepts any non-empty key).
func (s *Server) SetAPIKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apiKey = key
}

// SetDIEnabled turns Directory Insights on or off for the organization (off: 402).
func (s *Server) SetDIEnabled(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.diEnabled = on
}

// ServeHTTP answers the API routes and the /_sim admin routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, adminPrefix) {
		s.serveAdmin(w, r)
		return
	}
	if r.URL.Path == TokenPath {
		s.serveToken(w, r)
		return
	}
	if r.URL.Path != EventsPath && r.URL.Path != CountPath {
		writeMessage(w, http.StatusNotFound, "not found: "+r.URL.Path)
		return
	}
	rec := Request{
		Time:      s.now(),
		Method:    r.Method,
		Path:      r.URL.Path,
		OrgIDs:    r.Header.Values("x-org-id"),
		UserAgent: r.UserAgent(),
	}
	// The request is logged when its status is written, before any byte reaches the client:
	// a client that got an answer always finds its request in Requests() and Stats().
	rw := &recordingWriter{ResponseWriter: w, record: func(status int) {
		rec.Status = status
		n := 0
		if status == http.StatusOK {
			n = rec.ResultCount
		}
		s.record(rec, n)
	}}
	defer rw.done() // no answer written (reset, client gone): logged with status 0
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeMessage(rw, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed")
		return
	}
	var bodyFault *Fault
	if f, ok := s.nextFault(); ok {
		rec.Fault = f.Kind
		switch f.Kind {
		case FaultStatus:
			if f.RetryAfter != "" {
				w.Header().Set("Retry-After", f.RetryAfter)
			}
			msg := f.Message
			if msg == "" {
				msg = http.StatusText(f.Status)
			}
			writeMessage(rw, f.Status, msg)
			return
		case FaultReset:
			rw.done() // logged (status 0) before the client can see the reset
			_ = resetConn(w)
			return
		case FaultLatency:
			if !holdRequest(r, f.Delay) {
				return
			}
		default:
			bodyFault = &f
		}
	}
	if s.cfg.PageLatency > 0 && r.URL.Path == EventsPath && !holdRequest(r, s.cfg.PageLatency) {
		return
	}
	s.serveAPI(rw, r, &rec, bodyFault)
}

// recordingWriter calls record once, with the status, when the answer's header is written.
type recordingWriter struct {
	http.ResponseWriter
	once   sync.Once
	record func(status int)
}

func (w *recordingWriter) WriteHeader(code int) {
	w.once.Do(func() { w.record(code) })
	w.ResponseWriter.WriteHeader(code)
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	w.once.Do(func() { w.record(http.StatusOK) })
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (Flush for slow bodies).
func (w *recordingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *recordingWriter) done() { w.once.Do(func() { w.record(0) }) }

// serveAPI authenticates, validates and answers; it returns the status and the events sent.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, rec *Request, bodyFault *Fault) (int, int) {
	if status, msg := s.authenticate(r, rec); status != 0 {
		return writeMessage(w, status, msg), 0
	}
	for _, org := range rec.OrgIDs {
		if org != s.world.org {
			return writeMessage(w, http.StatusBadRequest, "invalid x-org-id "+strconv.Quote(org)), 0
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		return writeMessage(w, http.StatusBadRequest, "reading body: "+err.Error()), 0
	}
	q, f, err := parseQuery(body, s.now(), s.cfg.AllowFutureStart)
	if err != nil {
		var br *badRequest
		if errors.As(err, &br) {
			return writeMessage(w, http.StatusBadRequest, br.msg), 0
		}
		return writeMessage(w, http.StatusInternalServerError, err.Error()), 0
	}
	rec.Query = q
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Request-Id", s.requestID())
	if r.URL.Path == CountPath {
		b, _ := json.Marshal(map[string]int{"count": s.store.count(f)})
		writeBody(r.Context(), w, b, bodyFault)
		return http.StatusOK, 0
	}
	ents, snap := s.store.query(f)
	buf := s.renderPage(ents, snap)
	defer putBuf(buf)
	h.Set("X-Result-Count", strconv.Itoa(len(ents)))
	h.Set("X-Limit", strconv.Itoa(q.Limit))
	h.Set("X-Sort", q.Sort)
	switch {
	case len(ents) > 0:
		last := &ents[len(ents)-1]
		key := Cursor{Millis: millis(last.ts), ID: string(snap.ids[last.idOff : last.idOff+uint32(last.idLen)])}
		if bodyFault != nil && bodyFault.Kind == FaultCursorBack {
			key = backwardsCursor(ents, snap)
		}
		c, _ := key.MarshalJSON()
		h["X-Search_after"] = []string{string(c)}
	case q.SearchAfter != nil:
		h["X-Search_after"] = []string{string(compactJSON(q.SearchAfter))}
	}
	rec.ResultCount = len(ents)
	writeBody(r.Context(), w, *buf, bodyFault)
	return http.StatusOK, len(ents)
}

// authenticate checks the credentials (a bearer token, else x-api-key) and that Directory
// Insights is enabled: 0, or the status and message of the refusal.
func (s *Server) authenticate(r *http.Request, rec *Request) (int, string) {
	s.mu.Lock()
	apiKey, diEnabled := s.apiKey, s.diEnabled
	s.mu.Unlock()
	if authz := r.Header.Get("Authorization"); authz != "" {
		rec.Auth = "bearer"
		if status, msg := s.checkBearer(authz); status != 0 {
			return status, msg
		}
		if len(rec.OrgIDs) == 0 {
			return http.StatusBadRequest, "x-org-id header is required with a service account token"
		}
	} else {
		rec.Auth = "api_key"
		key := r.Header.Get("x-api-key")
		switch {
		case key == "":
			return http.StatusUnauthorized, "Unauthorized"
		case s.cfg.NonAdminKey != "" && key == s.cfg.NonAdminKey:
			return http.StatusForbidden, "Forbidden: the API key lacks permission to read Directory Insights"
		case apiKey != "" && key != apiKey:
			return http.StatusUnauthorized, "Unauthorized"
		}
	}
	if !diEnabled {
		return http.StatusPaymentRequired, "Directory Insights is not enabled for this organization"
	}
	return 0, ""
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

func putBuf(b *[]byte) {
	if cap(*b) > 64<<20 {
		return
	}
	*b = (*b)[:0]
	bufPool.Put(b)
}

// renderPage renders entries as a JSON array into a pooled buffer.
func (s *Server) renderPage(ents []entry, snap snapshot) *[]byte {
	bp := bufPool.Get().(*[]byte)
	b := append((*bp)[:0], '[')
	for i := range ents {
		if i > 0 {
			b = append(b, ',')
		}
		b = s.renderEntry(b, &ents[i], snap)
	}
	b = append(b, ']')
	*bp = b
	return bp
}

// renderEntry appends the bytes of one event: original bytes for added events, the
// deterministic rendering for generated ones.
func (s *Server) renderEntry(b []byte, e *entry, snap snapshot) []byte {
	if e.flags&flagRaw != 0 {
		return append(b, snap.raw[e.seed]...)
	}
	return s.world.renderEvent(b, e, snap.ids[e.idOff:e.idOff+uint32(e.idLen)])
}

func compactJSON(raw []byte) []byte {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return raw
	}
	return b.Bytes()
}

func (s *Server) requestID() string {
	r := newRNG(uint64(s.cfg.Seed)*0x9e3779b97f4a7c15 ^ s.reqSeq.Add(1))
	return string(r.appendUUID(nil, false))
}

// writeMessage writes a JSON error body {"message": msg} and returns the status.
func writeMessage(w http.ResponseWriter, status int, msg string) int {
	b := jsonenc.AppendString([]byte(`{"message":`), msg)
	b = append(b, '}')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b) //nolint:gosec // G705: a JSON body (application/json), msg escaped by jsonenc
	return status
}

func (s *Server) record(rec Request, served int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	s.byStatus[rec.Status]++
	s.served += int64(served)
	if len(s.log) < s.cfg.RequestLogSize {
		s.log = append(s.log, rec)
		return
	}
	s.log[s.logNext] = rec
	s.logNext = (s.logNext + 1) % len(s.log)
}

// Requests returns the logged API requests, oldest first (at most Config.RequestLogSize).
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, 0, len(s.log))
	out = append(out, s.log[s.logNext:]...)
	return append(out, s.log[:s.logNext]...)
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	visible := s.store.count(filter{start: math.MinInt64, end: math.MaxInt64, services: allServices, visibleAt: s.now().UnixNano()})
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{
		Requests:      s.requests,
		ByStatus:      make(map[int]int64, len(s.byStatus)),
		EventsServed:  s.served,
		Events:        s.store.len(),
		PendingFaults: len(s.faults),
		VisibleEvents: visible,
		DIEnabled:     s.diEnabled,
		TokenRequests: s.tokenRequests,
		TokensIssued:  s.tokensIssued,
	}
	for k, v := range s.byStatus {
		st.ByStatus[k] = v
	}
	if len(s.log) > 0 {
		st.LastRequestAt = s.log[(s.logNext+len(s.log)-1)%len(s.log)].Time
	}
	return st
}
