package jumpcloudsim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// TokenPath is the path of the service accounts' OAuth 2.0 token endpoint (JumpCloud serves it
// on admin-oauth.id.jumpcloud.com; the simulator on its own host).
const TokenPath = "/oauth2/token"

// DefaultTokenTTL is the lifetime of an issued token when Config.TokenTTL is 0.
const DefaultTokenTTL = time.Hour

// tokenScope is the only scope the token endpoint grants.
const tokenScope = "api"

// SetServiceAccount changes the accepted service account. An empty id accepts any non-empty id
// and secret.
func (s *Server) SetServiceAccount(clientID, clientSecret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clientID, s.clientSecret = clientID, clientSecret
}

// SetTokenTTL changes the lifetime of the tokens issued from now on (<= 0: DefaultTokenTTL).
func (s *Server) SetTokenTTL(ttl time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenTTL = ttl
}

// RevokeTokens invalidates every issued token: the next API request with one gets 401.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// serveToken answers POST /oauth2/token: the client-credentials grant with the client id and
// secret in HTTP Basic auth (form-encoded, RFC 6749 2.3.1), grant_type=client_credentials and
// scope=api. Errors are RFC 6749 JSON bodies: 401 invalid_client, 400 unsupported_grant_type,
// invalid_scope or invalid_request.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.tokenRequests++
	wantID, wantSecret, ttl := s.clientID, s.clientSecret, s.tokenTTL
	s.mu.Unlock()
	if ttl <= 0 {
		ttl = DefaultTokenTTL
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeOAuthError(w, http.StatusMethodNotAllowed, "invalid_request", "method "+r.Method+" not allowed")
		return
	}
	id, secret, ok := basicAuth(r)
	if !ok || id == "" || secret == "" || (wantID != "" && (id != wantID || secret != wantSecret)) {
		w.Header().Set("WWW-Authenticate", `Basic realm="jumpcloud"`)
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "Client authentication failed")
		return
	}
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "cannot parse the form")
		return
	}
	if g := r.PostForm.Get("grant_type"); g != "client_credentials" {
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be client_credentials, not "+strconv.Quote(g))
		return
	}
	if sc := r.PostForm.Get("scope"); sc != tokenScope {
		writeOAuthError(w, http.StatusBadRequest, "invalid_scope", "scope must be api, not "+strconv.Quote(sc))
		return
	}
	r2 := newRNG(uint64(s.cfg.Seed)*0xbf58476d1ce4e5b9 ^ s.reqSeq.Add(1))
	tok := "sim-token-" + string(r2.appendHex(nil, 32, false))
	now := s.now()
	s.mu.Lock()
	for t, exp := range s.tokens {
		if !now.Before(exp) {
			delete(s.tokens, t)
		}
	}
	s.tokens[tok] = now.Add(ttl)
	s.tokensIssued++
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok,
		"token_type":   "bearer",
		// Whole seconds, rounded up: a TTL under a second expires before the client expects.
		"expires_in": int64((ttl + time.Second - 1) / time.Second),
		"scope":      tokenScope,
	})
}

// basicAuth reads the client id and secret of an HTTP Basic Authorization header; both are
// form-encoded in it (RFC 6749 2.3.1).
func basicAuth(r *http.Request) (id, secret string, ok bool) {
	rawID, rawSecret, ok := r.BasicAuth()
	if !ok {
		return "", "", false
	}
	id, err1 := url.QueryUnescape(rawID)
	secret, err2 := url.QueryUnescape(rawSecret)
	return id, secret, err1 == nil && err2 == nil
}

// checkBearer validates an `Authorization: Bearer` header: 0 when the token was issued and has
// not expired, else 401 with a message.
func (s *Server) checkBearer(header string) (int, string) {
	tok, ok := strings.CutPrefix(header, "Bearer ")
	if !ok {
		if tok, ok = strings.CutPrefix(header, "bearer "); !ok {
			return http.StatusUnauthorized, "Unauthorized: unsupported Authorization scheme"
		}
	}
	s.mu.Lock()
	exp, known := s.tokens[strings.TrimSpace(tok)]
	s.mu.Unlock()
	switch {
	case !known:
		return http.StatusUnauthorized, "Unauthorized: invalid token"
	case !s.now().Before(exp):
		return http.StatusUnauthorized, "Unauthorized: token expired"
	}
	return 0, ""
}

func writeOAuthError(w http.ResponseWriter, status int, code, desc string) {
	b, _ := json.Marshal(map[string]string{"error": code, "error_description": desc})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
