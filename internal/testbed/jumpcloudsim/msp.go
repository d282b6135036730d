package jumpcloudsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
)

// MSP simulates a multi-tenant (managed service provider) API key: one Server per
// organization, selected by the request's x-org-id, and optionally one for the provider's own
// events, selected by x-provider-id. As the real API does for such keys, a request needs one of
// the two headers (400 otherwise) and an unknown organization gets 400. The MSP also measures
// how many API requests are in flight at once.
type MSP struct {
	apiKey     string
	orgs       map[string]*Server
	order      []string
	providerID string
	provider   *Server

	mu          sync.Mutex
	inFlight    int
	maxInFlight int
	rejected    atomic.Int64
	// sharedCounts counts the /events/count requests for several organizations; requests
	// every API request (a shared count once).
	sharedCounts, requests atomic.Int64
}

// NewMSP returns an MSP simulator with the organizations orgIDs (and the provider providerID
// when not empty). Each organization gets its own Server, configured from cfg with its OrgID
// and a seed of its own (cfg.Seed + its index), so their events differ.
func NewMSP(cfg Config, orgIDs []string, providerID string) *MSP {
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	m := &MSP{apiKey: cfg.APIKey, orgs: map[string]*Server{}, providerID: providerID}
	for i, org := range orgIDs {
		c := cfg
		c.OrgID, c.Seed = org, cfg.Seed+int64(i)
		m.orgs[org] = New(c)
		m.order = append(m.order, org)
	}
	if providerID != "" {
		c := cfg
		c.OrgID, c.Seed = providerID, cfg.Seed+int64(len(orgIDs))
		m.provider = New(c)
	}
	return m
}

// Org returns the Server of one organization (nil when unknown).
func (m *MSP) Org(id string) *Server { return m.orgs[id] }

// OrgIDs lists the organizations in creation order.
func (m *MSP) OrgIDs() []string { return slices.Clone(m.order) }

// Provider returns the Server of the provider's own events (nil without a provider).
func (m *MSP) Provider() *Server { return m.provider }

// MaxInFlight is the largest number of API requests that were in flight at once.
func (m *MSP) MaxInFlight() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.maxInFlight
}

// Rejected counts the requests answered 400 for a missing or unknown organization.
func (m *MSP) Rejected() int64 { return m.rejected.Load() }

// ServeHTTP dispatches a request to the organization's (or the provider's) Server.
func (m *MSP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != EventsPath && r.URL.Path != CountPath {
		writeMessage(w, http.StatusNotFound, "not found: "+r.URL.Path)
		return
	}
	m.requests.Add(1)
	m.mu.Lock()
	m.inFlight++
	m.maxInFlight = max(m.maxInFlight, m.inFlight)
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		m.inFlight--
		m.mu.Unlock()
	}()

	key := r.Header.Get("x-api-key")
	if key == "" || (m.apiKey != "" && key != m.apiKey) {
		writeMessage(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	if p := r.Header.Get("x-provider-id"); p != "" {
		if p != m.providerID || m.provider == nil {
			m.rejected.Add(1)
			writeMessage(w, http.StatusBadRequest, "invalid x-provider-id "+strconv.Quote(p))
			return
		}
		m.provider.ServeHTTP(w, r)
		return
	}
	orgs := r.Header.Values("x-org-id")
	if len(orgs) > 1 && r.URL.Path == CountPath {
		m.serveSharedCount(w, r, orgs)
		return
	}
	if len(orgs) != 1 {
		m.rejected.Add(1)
		writeMessage(w, http.StatusBadRequest, "x-org-id is required for a multi-tenant API key (one organization per request in this simulator, except for /events/count)")
		return
	}
	srv, ok := m.orgs[orgs[0]]
	if !ok {
		m.rejected.Add(1)
		writeMessage(w, http.StatusBadRequest, "invalid x-org-id "+strconv.Quote(orgs[0]))
		return
	}
	srv.ServeHTTP(w, r)
}

// serveSharedCount answers a /events/count for several organizations (one x-org-id header
// each, as the real API accepts): the sum of their counts; an unknown organization is a 400
// naming it, as for one organization. Each organization's Server answers (and records) its own
// part.
func (m *MSP) serveSharedCount(w http.ResponseWriter, r *http.Request, orgs []string) {
	m.sharedCounts.Add(1)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeMessage(w, http.StatusBadRequest, "unreadable body")
		return
	}
	var total int64
	for _, org := range orgs {
		srv, ok := m.orgs[org]
		if !ok {
			m.rejected.Add(1)
			writeMessage(w, http.StatusBadRequest, "invalid x-org-id "+strconv.Quote(org))
			return
		}
		sub := r.Clone(r.Context())
		sub.Header = r.Header.Clone()
		sub.Header.Set("x-org-id", org)
		sub.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, sub)
		if rec.Code != http.StatusOK {
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
			return
		}
		var c struct {
			Count int64 `json:"count"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &c); err != nil {
			writeMessage(w, http.StatusInternalServerError, "simulated organization answered no count")
			return
		}
		total += c.Count
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, `{"count":%d}`, total)
}

// Requests is the number of API requests received (a shared count is one).
func (m *MSP) Requests() int64 { return m.requests.Load() }

// SharedCounts is the number of /events/count requests that named several organizations.
func (m *MSP) SharedCounts() int64 { return m.sharedCounts.Load() }
