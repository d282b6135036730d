package jumpcloudsim

import (
	"net/http"
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
	if len(orgs) != 1 {
		m.rejected.Add(1)
		writeMessage(w, http.StatusBadRequest, "x-org-id is required for a multi-tenant API key (one organization per request in this simulator)")
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
