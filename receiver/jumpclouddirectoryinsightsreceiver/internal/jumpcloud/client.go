package jumpcloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	// DefaultLimit is the page size the API applies when none (or a nonsensical one) is sent.
	DefaultLimit = 1000
	// MaxLimit is the largest page size the API accepts.
	MaxLimit = 10000
	// DefaultMaxResponseBytes bounds one page's body when Settings leave it 0: DefaultLimit
	// events of MaxEventBytes (see MaxResponseBytesFor).
	DefaultMaxResponseBytes = DefaultLimit * MaxEventBytes
)

// Settings configure a Client.
type Settings struct {
	// BaseURL is the API base, e.g. https://api.jumpcloud.com/insights/directory/v1.
	BaseURL string
	// APIKey is sent as x-api-key. It is never part of an error.
	APIKey string
	// ServiceAccount authenticates with OAuth 2.0 client credentials instead of APIKey (set
	// exactly one); OrgIDs must then name the organization(s).
	ServiceAccount *ServiceAccount
	// OrgIDs are sent as x-org-id headers (none for a single-org key; several for MSP keys).
	OrgIDs []string
	// ProviderID, when set, is sent as x-provider-id: the multi-tenant portal's own events.
	ProviderID string
	// UserAgent identifies the collector (name/version).
	UserAgent string
	// MaxResponseBytes bounds one response body (the receiver's max_page_bytes);
	// DefaultMaxResponseBytes when 0. A larger body is refused as a transient error.
	MaxResponseBytes int64
	// Now is the clock used for Retry-After dates; time.Now when nil.
	Now func() time.Time
}

// Query is one `/events` request body. Zero fields are omitted.
type Query struct {
	Service     []string        `json:"service"`
	StartTime   time.Time       `json:"-"`
	EndTime     time.Time       `json:"-"`
	Limit       int             `json:"limit,omitempty"`
	Sort        string          `json:"sort,omitempty"`
	SearchAfter json.RawMessage `json:"search_after,omitempty"`
	// OrgIDs, when set, are this query's x-org-id headers instead of Settings.OrgIDs (several
	// organizations of a multi-tenant key in one query); ProviderID likewise replaces
	// Settings.ProviderID. One Client (one service-account token) then serves every
	// organization.
	OrgIDs     []string `json:"-"`
	ProviderID string   `json:"-"`
	// ExcludeIDs, when set, leaves these event ids out of the answer: search_term
	// {"not": {"id": [...]}} (ids in lower case: the API stores field values lower-cased).
	ExcludeIDs []string `json:"-"`
}

type searchTerm struct {
	Not struct {
		ID []string `json:"id"`
	} `json:"not"`
}

// MarshalJSON writes start_time/end_time in RFC3339 with nanoseconds, in UTC.
func (q Query) MarshalJSON() ([]byte, error) {
	type plain Query
	out := struct {
		plain
		StartTime  string      `json:"start_time"`
		EndTime    string      `json:"end_time,omitempty"`
		SearchTerm *searchTerm `json:"search_term,omitempty"`
	}{plain: plain(q), StartTime: q.StartTime.UTC().Format(time.RFC3339Nano)}
	if !q.EndTime.IsZero() {
		out.EndTime = q.EndTime.UTC().Format(time.RFC3339Nano)
	}
	if len(q.ExcludeIDs) > 0 {
		out.SearchTerm = &searchTerm{}
		for _, id := range q.ExcludeIDs {
			out.SearchTerm.Not.ID = append(out.SearchTerm.Not.ID, strings.ToLower(id))
		}
	}
	return json.Marshal(out)
}

// Page is one `/events` response.
type Page struct {
	Events []Event
	// SearchAfter is the X-Search_after header verbatim: send it back to get the next page.
	SearchAfter json.RawMessage
	// ResultCount, Limit and Sort are X-Result-Count, X-Limit and X-Sort as the server applied
	// them (falling back to len(Events) and the request's values when absent).
	ResultCount int
	Limit       int
	Sort        string
	RequestID   string
	// Last is true when no further page exists: fewer results than the limit, or none.
	Last bool
	// body is the pooled buffer the events alias (nil once released).
	body *[]byte
	// Incomplete counts the events without a string id or an RFC3339 timestamp: they are in
	// Events all the same (ID empty, Timestamp zero).
	Incomplete int
}

// Release hands the page's body buffer back for the next page. The page and its events (their
// Raw bytes alias the body) must not be used afterwards. A page that is never released is
// simply left to the garbage collector.
func (p *Page) Release() {
	p.Events = nil
	putBodyBuffer(p.body)
	p.body = nil
}

// Client queries the Directory Insights API. It is safe for concurrent use.
type Client struct {
	http     *http.Client
	settings Settings
	mu       sync.Mutex // guards decoder
	decoder  Decoder
}

// NewClient returns a client that sends its requests with hc.
func NewClient(hc *http.Client, s Settings) (*Client, error) {
	if hc == nil {
		return nil, errors.New("jumpcloud: nil http client")
	}
	if s.BaseURL == "" {
		return nil, errors.New("jumpcloud: empty base URL")
	}
	if (s.APIKey == "") == (s.ServiceAccount == nil) {
		return nil, errors.New("jumpcloud: set exactly one of an API key and a service account")
	}
	s.BaseURL = strings.TrimRight(s.BaseURL, "/")
	if s.MaxResponseBytes <= 0 {
		s.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.ServiceAccount != nil {
		var err error
		if hc, err = s.ServiceAccount.httpClient(hc, s); err != nil {
			return nil, err
		}
	}
	return &Client{http: hc, settings: s}, nil
}

// Events runs one `/events` query and returns its page.
func (c *Client) Events(ctx context.Context, q Query) (*Page, error) {
	return c.EventsReserving(ctx, q, nil)
}

// EventsReserving is Events calling reserve once the answer's headers say 2xx, before its body
// is read: the caller bounds how many page bodies are held in memory at once, without holding
// that memory while a request waits for the API. An error of reserve (its context ended) ends
// the request.
func (c *Client) EventsReserving(ctx context.Context, q Query, reserve func(context.Context) error) (*Page, error) {
	if !q.EndTime.IsZero() && !q.EndTime.After(q.StartTime) {
		// The API would answer 400 and, as Elastic learnt, a poller must never send this.
		return nil, &Error{Kind: KindConfig, Message: fmt.Sprintf("start_time %s is not before end_time %s",
			q.StartTime.Format(time.RFC3339Nano), q.EndTime.Format(time.RFC3339Nano))}
	}
	buf := new(*[]byte)
	page, err := c.events(ctx, q, buf, reserve)
	if err != nil {
		putBodyBuffer(*buf)
		return nil, err
	}
	page.body = *buf
	return page, nil
}

func (c *Client) events(ctx context.Context, q Query, buf **[]byte, reserve func(context.Context) error) (*Page, error) {
	resp, body, err := c.post(ctx, EventsPath, q, buf, reserve)
	if err != nil {
		return nil, err
	}
	page := &Page{
		SearchAfter: json.RawMessage(resp.Header.Get("X-Search_after")),
		Sort:        strings.ToUpper(resp.Header.Get("X-Sort")),
		RequestID:   resp.Header.Get("X-Request-Id"),
	}
	c.mu.Lock()
	page.Events, page.Incomplete, err = c.decoder.Decode(body)
	c.mu.Unlock()
	if err != nil {
		return nil, unusablePage(err, body, resp.StatusCode, page.RequestID)
	}
	page.ResultCount = headerInt(resp.Header, "X-Result-Count", len(page.Events))
	limitKnown := resp.Header.Get("X-Limit") != ""
	page.Limit = headerInt(resp.Header, "X-Limit", requestedLimit(q.Limit))
	if page.Sort == "" {
		page.Sort = strings.ToUpper(q.Sort)
	}
	if len(page.SearchAfter) > 0 && len(page.Events) > 0 {
		if reason, err := checkCursor(q.SearchAfter, page.SearchAfter, page.Events, page.Sort == "DESC"); err != nil {
			return nil, refused(reason, "refusing the page: its cursor cannot be followed", err, resp.StatusCode, page.RequestID)
		}
	} else if len(page.SearchAfter) > 0 && !json.Valid(page.SearchAfter) {
		return nil, &Error{Kind: KindTransient, StatusCode: resp.StatusCode, RequestID: page.RequestID,
			Message: "X-Search_after header is not valid JSON"}
	}
	// Without X-Limit the applied page size is unknown (the server may have capped the request
	// silently): only an empty page proves the end.
	page.Last = len(page.Events) == 0 ||
		(limitKnown && (page.ResultCount < page.Limit || len(page.Events) < page.Limit))
	return page, nil
}

// Count runs one `/events/count` query (start/end/service of q; paging fields are ignored).
func (c *Client) Count(ctx context.Context, q Query) (int64, error) {
	q.Limit, q.Sort, q.SearchAfter = 0, "", nil
	buf := new(*[]byte)
	defer func() { putBodyBuffer(*buf) }()
	resp, body, err := c.post(ctx, CountPath, q, buf, nil)
	if err != nil {
		return 0, err
	}
	var out struct {
		Count *int64 `json:"count"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Count == nil {
		return 0, &Error{Kind: KindTransient, StatusCode: resp.StatusCode, Message: "unusable count response",
			Err: errors.New("body is not {\"count\":N}"), RequestID: resp.Header.Get("X-Request-Id")}
	}
	return *out.Count, nil
}

func requestedLimit(l int) int {
	if l <= 0 || l > MaxLimit {
		return DefaultLimit
	}
	return l
}

func headerInt(h http.Header, name string, def int) int {
	if v := h.Get(name); v != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
			return n
		}
	}
	return def
}

// post sends one query and returns the response with its whole body, or a classified *Error.
// A 2xx body is read into a buffer of the page body pool, taken only then (a request waiting
// for the API holds none) and stored in *buf: the caller hands it back with putBodyBuffer once
// nothing refers to the body any more (on every path, error or not).
func (c *Client) post(ctx context.Context, path string, q Query, buf **[]byte, reserve func(context.Context) error) (*http.Response, []byte, error) {
	reqBody, err := json.Marshal(q)
	if err != nil {
		return nil, nil, &Error{Kind: KindConfig, Message: "cannot encode query", Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.settings.BaseURL+path, bytes.NewReader(reqBody))
	if err != nil {
		return nil, nil, &Error{Kind: KindConfig, Message: "cannot build request", Err: err}
	}
	if c.settings.APIKey != "" {
		req.Header.Set("x-api-key", c.settings.APIKey)
	}
	orgs, provider := c.settings.OrgIDs, c.settings.ProviderID
	if len(q.OrgIDs) > 0 || q.ProviderID != "" {
		orgs, provider = q.OrgIDs, q.ProviderID
	}
	if c.settings.ServiceAccount != nil && len(orgs) == 0 {
		return nil, nil, &Error{Kind: KindConfig, Message: "a service account needs an organization id (x-org-id): set org_id"}
	}
	for _, org := range orgs {
		req.Header.Add("x-org-id", org)
	}
	if provider != "" {
		req.Header.Set("x-provider-id", provider)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.settings.UserAgent != "" {
		req.Header.Set("User-Agent", c.settings.UserAgent)
	}
	if err := checkHeaders(req.Header); err != nil {
		return nil, nil, err
	}
	resp, err := c.http.Do(req)
	var authErr *Error
	if errors.As(err, &authErr) { // the service account's token request failed
		return nil, nil, authErr
	}
	if err != nil {
		// The request URL carries no secret (the key travels in a header), so the transport
		// error can be kept whole.
		return nil, nil, &Error{Kind: KindTransient, Err: err}
	}
	defer resp.Body.Close()
	if reserve != nil && resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		if err := reserve(ctx); err != nil {
			return nil, nil, &Error{Kind: KindTransient, StatusCode: resp.StatusCode, Message: "waiting to read the page", Err: err}
		}
	}
	var body []byte
	var readErr error
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		*buf = getBodyBuffer()
		body, readErr = readBody(resp, c.settings.MaxResponseBytes, *buf)
	} else {
		body, readErr = readBody(resp, c.settings.MaxResponseBytes, nil)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, nil, &Error{
			Kind:       classifyStatus(resp.StatusCode),
			StatusCode: resp.StatusCode,
			Message:    errorMessage(body),
			RequestID:  resp.Header.Get("X-Request-Id"),
			RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), c.settings.Now()),
		}
	}
	if readErr != nil {
		return nil, nil, unreadableBody(readErr, resp.StatusCode, resp.Header.Get("X-Request-Id"))
	}
	return resp, body, nil
}

// errorMessage extracts `message` from a JSON error body, or a short excerpt of any other body.
func errorMessage(body []byte) string {
	var m struct {
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	if json.Unmarshal(body, &m) == nil {
		if m.Message != "" {
			return m.Message
		}
		if m.Error != "" {
			return m.Error
		}
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
