package jumpcloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// ServiceAccount holds the credentials of a JumpCloud service account: the client is then
// authenticated with an OAuth 2.0 client-credentials token (`Authorization: Bearer`) instead of
// an API key, and sends x-org-id on every request (service accounts require it).
type ServiceAccount struct {
	ClientID     string
	ClientSecret string
	// TokenURL is the token endpoint, e.g. https://admin-oauth.id.jumpcloud.com/oauth2/token
	// (RegionTokenURL).
	TokenURL string
}

const (
	// tokenScope is the scope JumpCloud's API tokens are requested with.
	tokenScope = "api"
	// tokenLeeway: a token is renewed this long before it expires (at most a quarter of its
	// lifetime), so that no request leaves with a token that expires on the way.
	tokenLeeway = time.Minute
	// maxDescription bounds the token endpoint's error_description quoted in an error.
	maxDescription = 200
)

// httpClient returns a copy of hc whose requests carry the service account's bearer token.
// The token requests themselves are sent with hc (same TLS, proxy and timeout settings).
func (sa *ServiceAccount) httpClient(hc *http.Client, s Settings) (*http.Client, error) {
	switch {
	case sa.ClientID == "" || sa.ClientSecret == "":
		return nil, errors.New("jumpcloud: a service account needs a client id and a client secret")
	case sa.TokenURL == "":
		return nil, errors.New("jumpcloud: empty token URL")
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	out := *hc
	out.Transport = &bearerTransport{base: base, tokens: newTokenSource(sa, hc, s.Now)}
	return &out, nil
}

// tokenSource caches one token and renews it before it expires or when the API refused it.
// oauth2.ReuseTokenSource does the same without a context: a token request could then not be
// cancelled when the receiver stops.
type tokenSource struct {
	conf   clientcredentials.Config
	hc     *http.Client
	now    func() time.Time
	secret string

	// sem is held while tok is read or renewed (one token request at a time); a channel so
	// that waiting for it honours the request's context.
	sem     chan struct{}
	tok     *oauth2.Token
	renewAt time.Time // zero: no known expiry
}

func newTokenSource(sa *ServiceAccount, hc *http.Client, now func() time.Time) *tokenSource {
	return &tokenSource{
		conf: clientcredentials.Config{
			ClientID:     sa.ClientID,
			ClientSecret: sa.ClientSecret,
			TokenURL:     sa.TokenURL,
			Scopes:       []string{tokenScope},
			AuthStyle:    oauth2.AuthStyleInHeader,
		},
		hc:     hc,
		now:    now,
		secret: sa.ClientSecret,
		sem:    make(chan struct{}, 1),
	}
}

// token returns the cached token, or a new one when there is none, it is due for renewal or it
// is rejected (the token the API has just refused; nil if none).
func (ts *tokenSource) token(ctx context.Context, rejected *oauth2.Token) (*oauth2.Token, error) {
	select {
	case ts.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, &Error{Kind: KindTransient, Message: "waiting for the service account token", Err: ctx.Err()}
	}
	defer func() { <-ts.sem }()
	if ts.tok != nil && ts.tok != rejected && (ts.renewAt.IsZero() || ts.now().Before(ts.renewAt)) {
		return ts.tok, nil
	}
	start := ts.now()
	tok, err := ts.conf.Token(context.WithValue(ctx, oauth2.HTTPClient, ts.hc))
	if err != nil {
		return nil, ts.tokenError(err)
	}
	ts.tok, ts.renewAt = tok, time.Time{}
	// Expiry is expires_in after the answer by the wall clock; the lifetime is counted on
	// ts.now, the clock of the caller.
	if !tok.Expiry.IsZero() {
		lifetime := max(time.Until(tok.Expiry), 0)
		ts.renewAt = start.Add(lifetime - min(tokenLeeway, lifetime/4))
	}
	return tok, nil
}

var errorCodeRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// tokenError turns a failed token request into an *Error: a rejected client (4xx other than
// 408 and 429) is a configuration error, anything else (5xx, 429, network) transient. The token
// endpoint's body is never quoted whole (oauth2.RetrieveError's message does): only a
// well-formed error code and a bounded description without the secret.
func (ts *tokenSource) tokenError(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		var ue *url.Error
		if errors.As(err, &ue) {
			// A network failure; the token URL carries no secret (the credentials travel in
			// the Authorization header).
			return &Error{Kind: KindTransient, Message: "service account token request failed", Err: err}
		}
		return &Error{Kind: KindTransient, Message: "service account token request failed: " + ts.redact(err.Error())}
	}
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	var b strings.Builder
	fmt.Fprintf(&b, "service account token request to %s", ts.conf.TokenURL)
	if status != 0 {
		fmt.Fprintf(&b, ": HTTP %d %s", status, http.StatusText(status))
	}
	if errorCodeRE.MatchString(re.ErrorCode) {
		fmt.Fprintf(&b, ": %s", re.ErrorCode)
	}
	if d := ts.redact(re.ErrorDescription); d != "" {
		if r := []rune(d); len(r) > maxDescription {
			d = string(r[:maxDescription]) + "..."
		}
		fmt.Fprintf(&b, " (%q)", d)
	}
	kind := KindConfig
	switch {
	case status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500:
		kind = KindTransient
	case status == http.StatusNotFound || status == http.StatusMethodNotAllowed:
		b.WriteString(": check token_endpoint")
	default:
		// 400/401 invalid_client and the like, or a 2xx answer carrying an error code.
		b.WriteString(": check client_id, client_secret and token_endpoint")
	}
	return &Error{Kind: kind, Message: b.String()}
}

// redact removes the client secret from a text from the token endpoint.
func (ts *tokenSource) redact(s string) string {
	s = strings.TrimSpace(s)
	if ts.secret == "" {
		return s
	}
	return strings.ReplaceAll(s, ts.secret, "[REDACTED]")
}

// bearerTransport sets the service account's token on each request. When the API answers 401
// (a token revoked or expired early), it renews the token once and sends the request once
// more; a second 401 is returned as is (a configuration error for the caller).
type bearerTransport struct {
	base   http.RoundTripper
	tokens *tokenSource
}

func (t *bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := t.tokens.token(req.Context(), nil)
	if err != nil {
		closeRequestBody(req)
		return nil, err
	}
	resp, err := t.base.RoundTrip(withToken(req, tok))
	if err != nil || resp.StatusCode != http.StatusUnauthorized || (req.Body != nil && req.GetBody == nil) {
		return resp, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if tok, err = t.tokens.token(req.Context(), tok); err != nil {
		return nil, err
	}
	retry := withToken(req, tok)
	if req.GetBody != nil {
		if retry.Body, err = req.GetBody(); err != nil {
			return nil, &Error{Kind: KindConfig, Message: "cannot resend request body", Err: err}
		}
	}
	return t.base.RoundTrip(retry)
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the base transport.
func (t *bearerTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

func withToken(req *http.Request, tok *oauth2.Token) *http.Request {
	out := req.Clone(req.Context())
	tok.SetAuthHeader(out)
	return out
}

func closeRequestBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}
