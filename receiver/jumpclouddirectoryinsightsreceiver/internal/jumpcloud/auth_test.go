package jumpcloud

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Distinctive values: none may appear in an error.
const (
	saClientID = "svc-id-5d2c"
	saSecret   = "svc-SECRET-9f8e7d6c5b4a"
	saOrg      = "5f3e9d8c7b6a5f4e3d2c1b0a"
)

// oauthServer is a token endpoint and an events API on one httptest server. tokenStatus, when
// non-zero, is answered by the token endpoint with tokenBody; eventsStatus likewise by the API.
type oauthServer struct {
	srv *httptest.Server

	mu           sync.Mutex
	issued       []string
	tokenStatus  int
	tokenBody    string
	expiresIn    int
	eventsStatus func(n int) int // status of the n-th events request (1-based); nil: 200
	eventsAuth   []string
	eventsBodies []string
	tokenReqs    atomic.Int64
	viaClient    atomic.Int64
}

func newOAuthServer(t *testing.T) *oauthServer {
	t.Helper()
	s := &oauthServer{expiresIn: 3600}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *oauthServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-Test-Client") == "configured" {
		s.viaClient.Add(1)
	}
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.URL.Path {
	case "/oauth2/token":
		s.tokenReqs.Add(1)
		id, secret, ok := r.BasicAuth()
		form, _ := url.ParseQuery(string(body))
		if !ok || id != saClientID || secret != url.QueryEscape(saSecret) ||
			form.Get("grant_type") != "client_credentials" || form.Get("scope") != "api" {
			w.WriteHeader(http.StatusTeapot)
			return
		}
		if s.tokenStatus != 0 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(s.tokenStatus)
			_, _ = io.WriteString(w, s.tokenBody)
			return
		}
		tok := fmt.Sprintf("TOKEN-%d-a1b2c3", len(s.issued)+1)
		s.issued = append(s.issued, tok)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": s.expiresIn})
	case "/insights/directory/v1/events":
		s.eventsAuth = append(s.eventsAuth, r.Header.Get("Authorization"))
		s.eventsBodies = append(s.eventsBodies, string(body))
		if r.Header.Get("x-api-key") != "" || r.Header.Get("x-org-id") != saOrg {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if s.eventsStatus != nil {
			if st := s.eventsStatus(len(s.eventsAuth)); st != http.StatusOK {
				w.WriteHeader(st)
				_, _ = io.WriteString(w, `{"message":"Unauthorized"}`)
				return
			}
		}
		w.Header().Set("X-Limit", "1000")
		_, _ = io.WriteString(w, `[]`)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func (s *oauthServer) snapshot() (issued, auth, bodies []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.issued...), append([]string(nil), s.eventsAuth...), append([]string(nil), s.eventsBodies...)
}

// markingTransport tags each request so that the server can tell it came through the
// configured client.
type markingTransport struct{ base http.RoundTripper }

func (m markingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Test-Client", "configured")
	return m.base.RoundTrip(r)
}

func newSAClient(t *testing.T, s *oauthServer, now func() time.Time) *Client {
	t.Helper()
	hc := &http.Client{Timeout: 5 * time.Second, Transport: markingTransport{base: http.DefaultTransport}}
	c, err := NewClient(hc, Settings{
		BaseURL: s.srv.URL + "/insights/directory/v1",
		ServiceAccount: &ServiceAccount{
			ClientID: saClientID, ClientSecret: saSecret, TokenURL: s.srv.URL + "/oauth2/token",
		},
		OrgIDs: []string{saOrg},
		Now:    now,
	})
	require.NoError(t, err)
	return c
}

var anyQuery = Query{Service: []string{"all"}, StartTime: time.Unix(0, 0)}

func TestServiceAccountTokenIsCachedAndSent(t *testing.T) {
	s := newOAuthServer(t)
	c := newSAClient(t, s, nil)
	for range 3 {
		_, err := c.Events(context.Background(), anyQuery)
		require.NoError(t, err)
	}
	issued, auth, _ := s.snapshot()
	assert.Equal(t, []string{"TOKEN-1-a1b2c3"}, issued, "one token for all requests")
	assert.Equal(t, []string{"Bearer TOKEN-1-a1b2c3", "Bearer TOKEN-1-a1b2c3", "Bearer TOKEN-1-a1b2c3"}, auth)
	assert.Equal(t, int64(4), s.viaClient.Load(), "the token request goes through the configured client too")
}

func TestServiceAccountTokenIsRenewedBeforeExpiry(t *testing.T) {
	s := newOAuthServer(t)
	s.expiresIn = 100 // renewed 25 s early (a quarter of the lifetime, below the 1-minute leeway)
	var mu sync.Mutex
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	c := newSAClient(t, s, clock)

	tokens := func() int { issued, _, _ := s.snapshot(); return len(issued) }
	_, err := c.Events(context.Background(), anyQuery)
	require.NoError(t, err)
	advance(70 * time.Second)
	_, err = c.Events(context.Background(), anyQuery)
	require.NoError(t, err)
	assert.Equal(t, 1, tokens(), "still valid 30 s before expiry")
	advance(10 * time.Second)
	_, err = c.Events(context.Background(), anyQuery)
	require.NoError(t, err)
	assert.Equal(t, 2, tokens(), "renewed 20 s before expiry")
	_, auth, _ := s.snapshot()
	assert.Equal(t, "Bearer TOKEN-2-a1b2c3", auth[2])
}

func TestUnauthorizedRenewsTheTokenOnceAndRetriesOnce(t *testing.T) {
	t.Run("refused once: renewed and resent", func(t *testing.T) {
		s := newOAuthServer(t)
		s.eventsStatus = func(n int) int {
			if n == 2 {
				return http.StatusUnauthorized // the token was revoked
			}
			return http.StatusOK
		}
		c := newSAClient(t, s, nil)
		for range 2 {
			_, err := c.Events(context.Background(), anyQuery)
			require.NoError(t, err)
		}
		issued, auth, bodies := s.snapshot()
		assert.Len(t, issued, 2)
		assert.Equal(t, []string{"Bearer TOKEN-1-a1b2c3", "Bearer TOKEN-1-a1b2c3", "Bearer TOKEN-2-a1b2c3"}, auth)
		assert.Equal(t, bodies[1], bodies[2], "the retry resends the same body")
	})
	t.Run("refused twice: a configuration error", func(t *testing.T) {
		s := newOAuthServer(t)
		s.eventsStatus = func(int) int { return http.StatusUnauthorized }
		c := newSAClient(t, s, nil)
		_, err := c.Events(context.Background(), anyQuery)
		require.Error(t, err)
		assert.True(t, IsConfigError(err))
		assert.Equal(t, http.StatusUnauthorized, StatusCodeOf(err))
		assert.Contains(t, err.Error(), "client_id and client_secret")
		issued, auth, _ := s.snapshot()
		assert.Len(t, issued, 2, "exactly one renewal")
		assert.Len(t, auth, 2, "exactly one retry")
		for _, tok := range issued {
			assert.NotContains(t, err.Error(), tok)
		}
	})
}

func TestTokenEndpointErrors(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		wantKind Kind
		want     []string
	}{
		{name: "invalid_client 401", status: 401, wantKind: KindConfig,
			body: `{"error":"invalid_client","error_description":"bad secret ` + saSecret + `","trace":"BODY-MARKER"}`,
			want: []string{"HTTP 401", "invalid_client", "check client_id, client_secret and token_endpoint", "[REDACTED]"}},
		{name: "invalid_client 400", status: 400, body: `{"error":"invalid_client"}`, wantKind: KindConfig, want: []string{"HTTP 400", "invalid_client"}},
		{name: "not JSON 401", status: 401, body: `<html>BODY-MARKER</html>`, wantKind: KindConfig, want: []string{"HTTP 401"}},
		{name: "wrong token URL 404", status: 404, body: `BODY-MARKER`, wantKind: KindConfig, want: []string{"HTTP 404", "check token_endpoint"}},
		{name: "error code with a 200", status: 200, body: `{"error":"unauthorized_client"}`, wantKind: KindConfig, want: []string{"unauthorized_client"}},
		{name: "down 503", status: 503, body: `BODY-MARKER`, wantKind: KindTransient, want: []string{"HTTP 503"}},
		{name: "rate limited 429", status: 429, wantKind: KindTransient, want: []string{"HTTP 429"}},
		{name: "no access_token", status: 200, body: `{"token_type":"bearer","note":"BODY-MARKER"}`, wantKind: KindTransient, want: []string{"missing access_token"}},
		{name: "code with odd characters is dropped", status: 400, body: `{"error":"x\" BODY-MARKER"}`, wantKind: KindConfig, want: []string{"HTTP 400"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newOAuthServer(t)
			s.tokenStatus, s.tokenBody = tt.status, tt.body
			c := newSAClient(t, s, nil)
			_, err := c.Events(context.Background(), anyQuery)
			require.Error(t, err)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.wantKind, e.Kind)
			assert.Zero(t, StatusCodeOf(err), "no events API answer")
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			for _, secret := range []string{saSecret, url.QueryEscape(saSecret), "BODY-MARKER"} {
				assert.NotContains(t, err.Error(), secret)
			}
			_, auth, _ := s.snapshot()
			assert.Empty(t, auth, "no events request without a token")
		})
	}
}

func TestTokenEndpointUnreachableIsTransient(t *testing.T) {
	s := newOAuthServer(t)
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	c, err := NewClient(&http.Client{Timeout: 2 * time.Second}, Settings{
		BaseURL:        s.srv.URL + "/insights/directory/v1",
		ServiceAccount: &ServiceAccount{ClientID: saClientID, ClientSecret: saSecret, TokenURL: deadURL + "/oauth2/token"},
		OrgIDs:         []string{saOrg},
	})
	require.NoError(t, err)
	_, err = c.Events(context.Background(), anyQuery)
	require.Error(t, err)
	assert.False(t, IsConfigError(err))
	assert.Contains(t, err.Error(), "service account token request failed")
	assert.NotContains(t, err.Error(), saSecret)
}

func TestTokenWaitHonoursTheContext(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select { // a token endpoint that hangs until the test ends
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { once.Do(func() { close(release) }); srv.Close() })
	c, err := NewClient(&http.Client{Timeout: time.Minute}, Settings{
		BaseURL:        srv.URL,
		ServiceAccount: &ServiceAccount{ClientID: saClientID, ClientSecret: saSecret, TokenURL: srv.URL + "/oauth2/token"},
		OrgIDs:         []string{saOrg},
	})
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 2)
	for range 2 { // one waits in the token request, the other for the first one
		go func() { _, err := c.Events(ctx, anyQuery); errs <- err }()
	}
	time.AfterFunc(100*time.Millisecond, cancel)
	for range 2 {
		select {
		case err := <-errs:
			require.Error(t, err)
			assert.False(t, IsConfigError(err))
		case <-time.After(10 * time.Second):
			t.Fatal("a cancelled request still waits for the token")
		}
	}
}

func TestServiceAccountConcurrentRequestsShareOneToken(t *testing.T) {
	s := newOAuthServer(t)
	c := newSAClient(t, s, nil)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			_, err := c.Events(context.Background(), anyQuery)
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	issued, auth, _ := s.snapshot()
	assert.Len(t, issued, 1)
	assert.Len(t, auth, 8)
}

// One client, so one token, serves every organization: each query names its own x-org-id;
// a query that names none is a configuration error before any token is requested.
func TestServiceAccountOrganizationPerQuery(t *testing.T) {
	s := newOAuthServer(t)
	c, err := NewClient(&http.Client{Timeout: 5 * time.Second}, Settings{
		BaseURL:        s.srv.URL + "/insights/directory/v1",
		ServiceAccount: &ServiceAccount{ClientID: saClientID, ClientSecret: saSecret, TokenURL: s.srv.URL + "/oauth2/token"},
	})
	require.NoError(t, err)

	_, err = c.Events(context.Background(), anyQuery)
	require.Error(t, err)
	assert.True(t, IsConfigError(err), "%v", err)
	assert.ErrorContains(t, err, "org_id")
	assert.Zero(t, s.tokenReqs.Load(), "no token is requested for a query that cannot be sent")

	q := anyQuery
	q.OrgIDs = []string{saOrg}
	for range 3 {
		_, err := c.Events(context.Background(), q)
		require.NoError(t, err, "the server answers 400 unless x-org-id is the query's organization")
	}
	issued, auth, _ := s.snapshot()
	assert.Len(t, issued, 1)
	assert.Len(t, auth, 3)
}

func TestNewClientServiceAccountValidation(t *testing.T) {
	sa := &ServiceAccount{ClientID: "id", ClientSecret: "secret", TokenURL: "http://t/oauth2/token"}
	tests := []struct {
		name string
		s    Settings
		want string
	}{
		{name: "both ways", s: Settings{BaseURL: "http://x", APIKey: "k", ServiceAccount: sa, OrgIDs: []string{"o"}}, want: "exactly one"},
		{name: "neither", s: Settings{BaseURL: "http://x"}, want: "exactly one"},
		{name: "no secret", s: Settings{BaseURL: "http://x", ServiceAccount: &ServiceAccount{ClientID: "id", TokenURL: "http://t"}, OrgIDs: []string{"o"}}, want: "client secret"},
		{name: "no token URL", s: Settings{BaseURL: "http://x", ServiceAccount: &ServiceAccount{ClientID: "id", ClientSecret: "s"}, OrgIDs: []string{"o"}}, want: "token URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewClient(http.DefaultClient, tt.s)
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

func TestRegionTokenURL(t *testing.T) {
	for region, want := range map[string]string{
		"us": "https://admin-oauth.id.jumpcloud.com/oauth2/token",
		"EU": "https://admin-oauth.id.eu.jumpcloud.com/oauth2/token",
		"in": "https://admin-oauth.id.in.jumpcloud.com/oauth2/token",
	} {
		got, err := RegionTokenURL(region)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	_, err := RegionTokenURL("mars")
	assert.True(t, err != nil && strings.Contains(err.Error(), "mars"))
}
