package jumpcloudsim

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidation(t *testing.T) {
	_, ts, _ := newTestServer(t, Config{})
	url := ts.URL + EventsPath
	start := t0.Format(time.RFC3339)
	tests := []struct {
		name    string
		body    any
		status  int
		message string // substring of the 400 message
	}{
		{"malformed JSON", `{"service": ["all"], "start_time": `, 400, "invalid JSON body"},
		{"empty body", ``, 400, "invalid JSON body"},
		{"array body", `[]`, 400, "invalid JSON body"},
		{"null body", `null`, 400, "expected an object"},
		{"missing service", body{"start_time": start}, 400, "service is required"},
		{"null service", body{"service": nil, "start_time": start}, 400, "service is required"},
		{"service as string", body{"service": "all", "start_time": start}, 400, "service must be an array of strings"},
		{"service numbers", body{"service": []int{1}, "start_time": start}, 400, "service must be an array of strings"},
		{"empty service", body{"service": []string{}, "start_time": start}, 400, "service must not be empty"},
		{"unknown service", body{"service": []string{"sso", "alert"}, "start_time": start}, 400,
			`invalid service "alert": supported values are access_management, alerts, all, asset_management, directory, ldap, mdm, notifications, object_storage, password_manager, radius, reports, saas_app_management, software, sso, systems, workflows`},
		{"missing start_time", body{"service": []string{"all"}}, 400, "start_time is required"},
		{"start_time not a string", body{"service": []string{"all"}, "start_time": 12}, 400, "start_time must be an RFC3339 date string"},
		{"start_time not RFC3339", body{"service": []string{"all"}, "start_time": "2024-03-01 00:00:00"}, 400, `start_time "2024-03-01 00:00:00" is not an RFC3339 date`},
		{"start_time date only", body{"service": []string{"all"}, "start_time": "2024-03-01"}, 400, "is not an RFC3339 date"},
		{"start_time in the future", body{"service": []string{"all"}, "start_time": "2024-03-03T00:00:00Z"}, 400, "is in the future"},
		{"end_time not RFC3339", q(t0, "end_time", "tomorrow"), 400, `end_time "tomorrow" is not an RFC3339 date`},
		{"end equals start", q(t0, "end_time", start), 400, "Start Time not after End Time 2024-03-01T00:00:00Z > 2024-03-01T00:00:00Z"},
		{"end before start", q(t0, "end_time", "2024-02-29T23:00:00Z"), 400, "Start Time not after End Time 2024-03-01T00:00:00Z > 2024-02-29T23:00:00Z"},
		{"search_after not an array", q(t0, "search_after", "abc"), 400, "search_after must be"},
		{"search_after one element", q(t0, "search_after", []any{1}), 400, "search_after must be"},
		{"search_after three elements", q(t0, "search_after", []any{1, "a", "b"}), 400, "search_after must be"},
		{"search_after bad millis", q(t0, "search_after", []any{"x", "a"}), 400, "search_after must be"},
		{"search_after bad id", q(t0, "search_after", []any{1, map[string]any{}}), 400, "search_after must be"},
		{"fields empty", q(t0, "fields", []string{}), 400, "fields must be a non-empty array"},
		{"ok minimal", q(t0), 200, ""},
		{"ok fractions and offsets", body{"service": []string{"all"}, "start_time": "2024-03-01T02:00:00.123456789+02:00", "end_time": "2024-03-01T01:00:00.5-01:00"}, 200, ""},
		{"ok milliseconds", body{"service": []string{"all"}, "start_time": "2024-03-01T00:00:00.000Z"}, 200, ""},
		{"search_term not an object", q(t0, "search_term", "id"), 400, "search_term must be an object"},
		{"search_term two operators", q(t0, "search_term", map[string]any{"and": map[string]any{}, "or": map[string]any{}}), 400, "exactly one of"},
		{"search_term not id numbers", q(t0, "search_term", map[string]any{"not": map[string]any{"id": []int{1}}}), 400, "id must be a string or a list"},
		{"ok unknown keys ignored", q(t0, "colour", "blue", "search_term", map[string]any{"and": map[string]any{"x": 1}}), 200, ""},
		{"ok empty search_after", q(t0, "search_after", []any{}), 200, ""},
		{"ok null search_after", q(t0, "search_after", nil), 200, ""},
		{"ok numeric-string millis", q(t0, "search_after", []any{"1709251200000", "abc"}), 200, ""},
		{"ok every known service", body{"service": Services(), "start_time": start}, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post(t, url, tt.body)
			require.Equal(t, tt.status, r.status, "body: %s", r.body)
			assert.Equal(t, "application/json", r.header.Get("Content-Type"))
			if tt.status != 200 {
				assert.Contains(t, message(t, r.body), tt.message)
				return
			}
			assert.Equal(t, "[]", string(r.body))
		})
	}
}

func TestLimitAndSort(t *testing.T) {
	sim, ts, _ := newTestServer(t, Config{})
	require.NoError(t, sim.Generate(12000, t0, t0.Add(time.Hour)))
	tests := []struct {
		name      string
		limit     any // nil: absent
		sort      any
		wantLimit int
		wantSort  string
	}{
		{"defaults", nil, nil, 1000, "ASC"},
		{"limit 1", 1, "asc", 1, "ASC"},
		{"limit max", 10000, "DESC", 10000, "DESC"},
		{"limit zero", 0, "desc", 1000, "DESC"},
		{"limit negative", -5, "Desc", 1000, "DESC"},
		{"limit above max", 10001, "descending", 1000, "ASC"},
		{"limit fraction", 2.5, "", 1000, "ASC"},
		{"limit integral float", 250.0, "dEsC", 250, "DESC"},
		{"limit string", "500", 5, 1000, "ASC"},
		{"limit object", map[string]int{"n": 1}, true, 1000, "ASC"},
		{"limit huge", 1e300, "ASC", 1000, "ASC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := q(t0)
			if tt.limit != nil {
				b["limit"] = tt.limit
			}
			if tt.sort != nil {
				b["sort"] = tt.sort
			}
			r := post(t, ts.URL+EventsPath, b)
			require.Equal(t, 200, r.status, "%s", r.body)
			assert.Equal(t, strconv.Itoa(tt.wantLimit), r.header.Get("X-Limit"))
			assert.Equal(t, strconv.Itoa(tt.wantLimit), r.header.Get("X-Result-Count"))
			assert.Equal(t, tt.wantSort, r.header.Get("X-Sort"))
			events := decodeEvents(t, r.body)
			require.Len(t, events, tt.wantLimit)
			all, err := sim.Events(EventFilter{NoRaw: true, Desc: tt.wantSort == "DESC"})
			require.NoError(t, err)
			assert.Equal(t, all[0].ID, eventID(t, events[0]))
			assert.Equal(t, all[tt.wantLimit-1].ID, eventID(t, events[tt.wantLimit-1]))
		})
	}
}

func TestAuth(t *testing.T) {
	const nonAdmin = "command-runner-key"
	tests := []struct {
		name    string
		cfg     Config
		setup   func(*Server)
		headers []string
		status  int
		message string
	}{
		{"ok", Config{}, nil, nil, 200, ""},
		{"missing key", Config{}, nil, []string{"x-api-key", ""}, 401, "Unauthorized"},
		{"wrong key", Config{}, func(s *Server) { s.SetAPIKey("rotated") }, nil, 401, "Unauthorized"},
		{"non-admin key", Config{NonAdminKey: nonAdmin}, nil, []string{"x-api-key", "", "x-api-key", nonAdmin}, 403, "Forbidden"},
		{"DI disabled", Config{}, func(s *Server) { s.SetDIEnabled(false) }, nil, 402, "not enabled"},
		{"DI enabled again", Config{}, func(s *Server) { s.SetDIEnabled(false); s.SetDIEnabled(true) }, nil, 200, ""},
		{"right org", Config{OrgID: "5a2af2a82cf2b0010053ea41"}, nil, []string{"x-org-id", "5a2af2a82cf2b0010053ea41"}, 200, ""},
		{"no org header", Config{OrgID: "5a2af2a82cf2b0010053ea41"}, nil, nil, 200, ""},
		{"wrong org", Config{OrgID: "5a2af2a82cf2b0010053ea41"}, nil, []string{"x-org-id", "000000000000000000000000"}, 400, "invalid x-org-id"},
		{"one of two orgs wrong", Config{OrgID: "5a2af2a82cf2b0010053ea41"}, nil,
			[]string{"x-org-id", "5a2af2a82cf2b0010053ea41", "x-org-id", "bad"}, 400, "invalid x-org-id"},
		{"any key when none configured", Config{APIKey: "-"}, func(s *Server) { s.SetAPIKey("") }, nil, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, ts, _ := newTestServer(t, tt.cfg)
			if tt.setup != nil {
				tt.setup(sim)
			}
			r := post(t, ts.URL+EventsPath, q(t0), tt.headers...)
			require.Equal(t, tt.status, r.status, "body: %s", r.body)
			if tt.status != 200 {
				assert.Contains(t, message(t, r.body), tt.message)
				assert.NotContains(t, string(r.body), testKey, "the key must never be echoed")
			}
			reqs := sim.Requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, tt.status, reqs[0].Status)
		})
	}
}

func TestRoutes(t *testing.T) {
	sim, ts, _ := newTestServer(t, Config{})
	tests := []struct {
		method, path string
		status       int
	}{
		{http.MethodGet, EventsPath, 405},
		{http.MethodPut, CountPath, 405},
		{http.MethodPost, BasePath + "/events/distinct", 404},
		{http.MethodPost, "/insights/directory/v2/events", 404},
		{http.MethodPost, EventsPath + "/", 404},
		{http.MethodGet, "/", 404},
		{http.MethodGet, "/_sim/nope", 404},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, ts.URL+tt.path, strings.NewReader(`{}`))
			require.NoError(t, err)
			req.Header.Set("x-api-key", testKey)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			if tt.status == 405 {
				assert.Equal(t, "POST", resp.Header.Get("Allow"))
			}
		})
	}
	assert.Equal(t, int64(2), sim.Stats().ByStatus[405])
}

func TestResponseHeaders(t *testing.T) {
	sim, ts, _ := newTestServer(t, Config{})
	require.NoError(t, sim.Generate(30, t0, t0.Add(time.Minute), "directory"))
	all, err := sim.Events(EventFilter{NoRaw: true})
	require.NoError(t, err)

	r := post(t, ts.URL+EventsPath, q(t0, "limit", 10))
	require.Equal(t, 200, r.status)
	assert.Equal(t, "10", r.header.Get("X-Result-Count"))
	assert.Equal(t, "10", r.header.Get("X-Limit"))
	assert.Equal(t, "ASC", r.header.Get("X-Sort"))
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`, r.header.Get("X-Request-Id"))
	want := `[` + strconv.FormatInt(all[9].Timestamp.UnixMilli(), 10) + `,"` + all[9].ID + `"]`
	assert.Equal(t, want, r.header.Get("X-Search_after"))
	assert.Equal(t, []string{want}, r.header["X-Search_after"], "header name spelled as the API does")

	// last page: fewer than the limit, header still present
	r = post(t, ts.URL+EventsPath, q(t0, "limit", 25, "search_after", []any{all[9].Timestamp.UnixMilli(), all[9].ID}))
	assert.Equal(t, "20", r.header.Get("X-Result-Count"))
	last := `[` + strconv.FormatInt(all[29].Timestamp.UnixMilli(), 10) + `,"` + all[29].ID + `"]`
	assert.Equal(t, last, r.header.Get("X-Search_after"))

	// empty page after the last event: the request's search_after is echoed
	r = post(t, ts.URL+EventsPath, q(t0, "search_after", []any{all[29].Timestamp.UnixMilli(), all[29].ID}))
	assert.Equal(t, "[]", string(r.body))
	assert.Equal(t, "0", r.header.Get("X-Result-Count"))
	assert.Equal(t, last, r.header.Get("X-Search_after"))

	// empty page without search_after: no header
	r = post(t, ts.URL+EventsPath, q(t0.Add(2*time.Minute)))
	assert.Equal(t, "[]", string(r.body))
	assert.Empty(t, r.header.Values("X-Search_after"))
}

func TestCount(t *testing.T) {
	sim, ts, _ := newTestServer(t, Config{})
	require.NoError(t, sim.Generate(500, t0, t0.Add(time.Hour), "sso"))
	require.NoError(t, sim.Generate(300, t0, t0.Add(time.Hour), "radius"))
	require.NoError(t, sim.Generate(50, t0.Add(time.Hour), t0.Add(2*time.Hour), "radius"))
	tests := []struct {
		name string
		body body
		want int
	}{
		{"all", q(t0), 850},
		{"one service", body{"service": []string{"sso"}, "start_time": t0.Format(time.RFC3339)}, 500},
		{"two services, one hour", body{"service": []string{"sso", "radius"}, "start_time": t0.Format(time.RFC3339), "end_time": t0.Add(time.Hour).Format(time.RFC3339)}, 800},
		{"limit and search_after do not change a count", q(t0, "limit", 5, "search_after", []any{0, "x"}), 850},
		{"empty window", q(t0.Add(3 * time.Hour)), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post(t, ts.URL+CountPath, tt.body)
			require.Equal(t, 200, r.status, "%s", r.body)
			assert.JSONEq(t, `{"count":`+strconv.Itoa(tt.want)+`}`, string(r.body))
		})
	}
	r := post(t, ts.URL+CountPath, body{"service": []string{"nope"}, "start_time": t0.Format(time.RFC3339)})
	assert.Equal(t, 400, r.status)
}

// search_term {"not": {"id": [...]}} leaves out those ids, compared in lower case, from pages
// and counts alike.
func TestSearchTermNotIDs(t *testing.T) {
	sim, ts, _ := newTestServer(t, Config{})
	require.NoError(t, sim.Generate(20, t0.Add(-time.Hour), t0))
	all, err := sim.Events(EventFilter{})
	require.NoError(t, err)
	excluded := []string{strings.ToUpper(all[3].ID), all[7].ID, "not-an-id"}
	not := map[string]any{"not": map[string]any{"id": excluded}}
	r := post(t, ts.URL+EventsPath, q(t0.Add(-time.Hour), "search_term", not, "end_time", t0.Format(time.RFC3339)))
	require.Equal(t, http.StatusOK, r.status)
	var got []string
	for _, raw := range decodeEvents(t, r.body) {
		got = append(got, eventID(t, raw))
	}
	assert.Len(t, got, 18)
	assert.NotContains(t, got, all[3].ID)
	assert.NotContains(t, got, all[7].ID)
	c := post(t, ts.URL+CountPath, q(t0.Add(-time.Hour), "search_term", map[string]any{"not": map[string]any{"id": all[0].ID}}, "end_time", t0.Format(time.RFC3339)))
	require.Equal(t, http.StatusOK, c.status)
	assert.JSONEq(t, `{"count":19}`, string(c.body))
}
