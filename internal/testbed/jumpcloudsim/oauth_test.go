package jumpcloudsim

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

const (
	testClientID     = "svc-client-7a1"
	testClientSecret = "svc-secret+with/special&chars"
)

// fetchToken gets a token with the oauth2 library, as a real client does.
func fetchToken(t *testing.T, tokenURL, id, secret string) (*oauth2.Token, error) {
	t.Helper()
	cc := clientcredentials.Config{
		ClientID: id, ClientSecret: secret, TokenURL: tokenURL,
		Scopes: []string{"api"}, AuthStyle: oauth2.AuthStyleInHeader,
	}
	return cc.Token(context.Background())
}

func TestTokenEndpoint(t *testing.T) {
	_, ts, _ := newTestServer(t, Config{ClientID: testClientID, ClientSecret: testClientSecret, TokenTTL: 90 * time.Second})
	tokenURL := ts.URL + TokenPath

	t.Run("client credentials grant", func(t *testing.T) {
		tok, err := fetchToken(t, tokenURL, testClientID, testClientSecret)
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(tok.AccessToken, "sim-token-"))
		assert.Equal(t, "Bearer", tok.Type())
		assert.WithinDuration(t, time.Now().Add(90*time.Second), tok.Expiry, 5*time.Second)
		other, err := fetchToken(t, tokenURL, testClientID, testClientSecret)
		require.NoError(t, err)
		assert.NotEqual(t, tok.AccessToken, other.AccessToken, "every grant issues a new token")
	})

	basic := func(id, secret string) string {
		req, _ := http.NewRequest(http.MethodPost, "/", nil)
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
		return req.Header.Get("Authorization")
	}
	tests := []struct {
		name       string
		method     string
		authz      string
		form       string
		wantStatus int
		wantError  string
	}{
		{name: "wrong secret", authz: basic(testClientID, "nope"), form: "grant_type=client_credentials&scope=api", wantStatus: 401, wantError: "invalid_client"},
		{name: "unknown client", authz: basic("other", testClientSecret), form: "grant_type=client_credentials&scope=api", wantStatus: 401, wantError: "invalid_client"},
		{name: "credentials in the form only", form: "grant_type=client_credentials&scope=api&client_id=" + testClientID + "&client_secret=" + url.QueryEscape(testClientSecret), wantStatus: 401, wantError: "invalid_client"},
		{name: "wrong grant", authz: basic(testClientID, testClientSecret), form: "grant_type=password&scope=api", wantStatus: 400, wantError: "unsupported_grant_type"},
		{name: "wrong scope", authz: basic(testClientID, testClientSecret), form: "grant_type=client_credentials&scope=admin", wantStatus: 400, wantError: "invalid_scope"},
		{name: "no scope", authz: basic(testClientID, testClientSecret), form: "grant_type=client_credentials", wantStatus: 400, wantError: "invalid_scope"},
		{name: "GET", method: http.MethodGet, authz: basic(testClientID, testClientSecret), wantStatus: 405, wantError: "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodPost
			}
			req, err := http.NewRequest(method, tokenURL, strings.NewReader(tt.form))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.authz != "" {
				req.Header.Set("Authorization", tt.authz)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			assert.Equal(t, tt.wantStatus, resp.StatusCode, "%s", b)
			var e struct{ Error string }
			require.NoError(t, json.Unmarshal(b, &e))
			assert.Equal(t, tt.wantError, e.Error)
		})
	}
}

func TestBearerTokenAuthentication(t *testing.T) {
	sim, ts, clk := newTestServer(t, Config{ClientID: testClientID, ClientSecret: testClientSecret, TokenTTL: time.Minute})
	now := clk.Now()
	require.NoError(t, sim.Generate(5, now.Add(-time.Hour), now.Add(-time.Minute)))
	tok, err := fetchToken(t, ts.URL+TokenPath, testClientID, testClientSecret)
	require.NoError(t, err)
	events := ts.URL + EventsPath
	bearer := "Bearer " + tok.AccessToken
	org := sim.OrgID()

	resp := post(t, events, q(now.Add(-2*time.Hour)), "x-api-key", "", "Authorization", bearer, "x-org-id", org)
	require.Equal(t, 200, resp.status, "%s", resp.body)
	assert.Len(t, decodeEvents(t, resp.body), 5)
	last := sim.Requests()[len(sim.Requests())-1]
	assert.Equal(t, "bearer", last.Auth)

	resp = post(t, events, q(now.Add(-2*time.Hour)), "x-api-key", "", "Authorization", bearer)
	assert.Equal(t, 400, resp.status)
	assert.Contains(t, message(t, resp.body), "x-org-id header is required")

	resp = post(t, events, q(now.Add(-2*time.Hour)), "x-api-key", "", "Authorization", "Bearer forged", "x-org-id", org)
	assert.Equal(t, 401, resp.status)

	clk.Set(now.Add(time.Minute))
	resp = post(t, events, q(now.Add(-2*time.Hour)), "x-api-key", "", "Authorization", bearer, "x-org-id", org)
	assert.Equal(t, 401, resp.status)
	assert.Contains(t, message(t, resp.body), "expired")

	clk.Set(now)
	sim.RevokeTokens()
	resp = post(t, events, q(now.Add(-2*time.Hour)), "x-api-key", "", "Authorization", bearer, "x-org-id", org)
	assert.Equal(t, 401, resp.status)

	resp = post(t, events, q(now.Add(-2*time.Hour)))
	assert.Equal(t, 200, resp.status, "the API key still works beside service accounts")
	assert.Equal(t, "api_key", sim.Requests()[len(sim.Requests())-1].Auth)

	st := sim.Stats()
	assert.Equal(t, int64(1), st.TokenRequests)
	assert.Equal(t, int64(1), st.TokensIssued)
}

func TestServiceAccountSettings(t *testing.T) {
	sim, ts, _ := newTestServer(t, Config{ClientID: testClientID, ClientSecret: testClientSecret})
	tokenURL := ts.URL + TokenPath

	status, b := adminDo(t, http.MethodPost, ts.URL+AdminSettingPath, `{"client_id":"new-id","client_secret":"new-secret","token_ttl":"3s"}`)
	require.Equal(t, http.StatusNoContent, status, "%s", b)
	_, err := fetchToken(t, tokenURL, testClientID, testClientSecret)
	var re *oauth2.RetrieveError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "invalid_client", re.ErrorCode)
	tok, err := fetchToken(t, tokenURL, "new-id", "new-secret")
	require.NoError(t, err)
	assert.EqualValues(t, 3, tok.Extra("expires_in"))

	for _, bad := range []string{`{"token_ttl":"soon"}`, `{"client_id":"only-id"}`} {
		status, _ = adminDo(t, http.MethodPost, ts.URL+AdminSettingPath, bad)
		assert.Equal(t, http.StatusBadRequest, status, bad)
	}

	status, _ = adminDo(t, http.MethodPost, ts.URL+AdminSettingPath, `{"revoke_tokens":true}`)
	require.Equal(t, http.StatusNoContent, status)
	resp := post(t, ts.URL+EventsPath, q(t0), "x-api-key", "", "Authorization", "Bearer "+tok.AccessToken, "x-org-id", sim.OrgID())
	assert.Equal(t, 401, resp.status)
	st := sim.Stats()
	assert.Equal(t, int64(2), st.TokenRequests)
	assert.Equal(t, int64(1), st.TokensIssued)
}
