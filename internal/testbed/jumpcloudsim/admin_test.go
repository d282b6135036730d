package jumpcloudsim

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func adminDo(t *testing.T, method, url, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b
}

func TestAdminEvents(t *testing.T) {
	sim, ts, clk := newTestServer(t, Config{})
	now := clk.Now()
	require.NoError(t, sim.Generate(300, now.Add(-time.Hour), now, "sso", "radius"))
	require.NoError(t, sim.GenerateLate(20, now.Add(-time.Hour), now, now.Add(time.Minute), "ldap"))

	lines := func(query string) []string {
		status, b := adminDo(t, http.MethodGet, ts.URL+AdminEventsPath+query, "")
		require.Equal(t, 200, status, "%s", b)
		var out []string
		sc := bufio.NewScanner(strings.NewReader(string(b)))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			out = append(out, sc.Text())
		}
		return out
	}
	visible, err := sim.Events(EventFilter{VisibleAt: now, NoRaw: true})
	require.NoError(t, err)
	got := lines("")
	require.Len(t, got, 300)
	for i, l := range got {
		var e struct {
			ID, Service string
			Timestamp   time.Time
		}
		require.NoError(t, json.Unmarshal([]byte(l), &e))
		assert.Equal(t, visible[i].ID, e.ID)
		assert.True(t, visible[i].Timestamp.Equal(e.Timestamp))
	}
	assert.Len(t, lines("?all=1"), 320)
	assert.Len(t, lines("?all=1&service=ldap"), 20)
	raw := lines("?raw=1&service=radius&start=" + now.Add(-30*time.Minute).Format(time.RFC3339))
	require.NotEmpty(t, raw)
	for _, l := range raw {
		var e map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &e))
		assert.Equal(t, "radius", e["service"])
	}

	status, b := adminDo(t, http.MethodGet, ts.URL+AdminEventsPath+"?start=yesterday", "")
	assert.Equal(t, 400, status, "%s", b)
	status, _ = adminDo(t, http.MethodGet, ts.URL+AdminEventsPath+"?service=nope", "")
	assert.Equal(t, 400, status)
}

func TestAdminFaultsSettingsStats(t *testing.T) {
	sim, ts, _ := newTestServer(t, Config{})
	require.NoError(t, sim.Generate(10, t0, t0.Add(time.Hour)))

	status, b := adminDo(t, http.MethodPost, ts.URL+AdminFaultsPath, `{"kind":"status","status":503,"times":2}`)
	require.Equal(t, 200, status, "%s", b)
	status, b = adminDo(t, http.MethodPost, ts.URL+AdminFaultsPath, `[{"kind":"latency","delay":"1ms"},{"kind":"status","status":429,"retry_after":"2"}]`)
	require.Equal(t, 200, status, "%s", b)
	var pending []Fault
	require.NoError(t, json.Unmarshal(b, &pending))
	assert.Equal(t, []Fault{
		{Kind: FaultStatus, Status: 503, Times: 2},
		{Kind: FaultLatency, Delay: time.Millisecond, Times: 1},
		{Kind: FaultStatus, Status: 429, RetryAfter: "2", Times: 1},
	}, pending)

	for _, body := range []string{`{"kind":"boom"}`, `{`, `[{"kind":"status","status":1}]`} {
		status, _ = adminDo(t, http.MethodPost, ts.URL+AdminFaultsPath, body)
		assert.Equal(t, 400, status, body)
	}

	var got []int
	for range 5 {
		got = append(got, post(t, ts.URL+EventsPath, q(t0)).status)
	}
	assert.Equal(t, []int{503, 503, 200, 429, 200}, got, "admin requests consume no faults")

	status, _ = adminDo(t, http.MethodPost, ts.URL+AdminFaultsPath, `{"kind":"reset","times":3}`)
	require.Equal(t, 200, status)
	status, _ = adminDo(t, http.MethodDelete, ts.URL+AdminFaultsPath, "")
	assert.Equal(t, 204, status)
	status, b = adminDo(t, http.MethodGet, ts.URL+AdminFaultsPath, "")
	assert.Equal(t, 200, status)
	assert.JSONEq(t, `[]`, string(b))

	status, _ = adminDo(t, http.MethodPost, ts.URL+AdminSettingPath, `{"di_enabled":false}`)
	assert.Equal(t, 204, status)
	assert.Equal(t, 402, post(t, ts.URL+EventsPath, q(t0)).status)
	status, _ = adminDo(t, http.MethodPost, ts.URL+AdminSettingPath, `{"di_enabled":true,"api_key":"new-key"}`)
	assert.Equal(t, 204, status)
	assert.Equal(t, 401, post(t, ts.URL+EventsPath, q(t0)).status)
	assert.Equal(t, 200, post(t, ts.URL+EventsPath, q(t0), "x-api-key", "", "x-api-key", "new-key").status)
	status, _ = adminDo(t, http.MethodPost, ts.URL+AdminSettingPath, `{"di_enabled":"yes"}`)
	assert.Equal(t, 400, status)

	status, b = adminDo(t, http.MethodGet, ts.URL+AdminStatsPath, "")
	require.Equal(t, 200, status)
	var st Stats
	require.NoError(t, json.Unmarshal(b, &st))
	assert.Equal(t, int64(8), st.Requests)
	assert.Equal(t, map[int]int64{200: 3, 503: 2, 429: 1, 402: 1, 401: 1}, st.ByStatus)
	assert.Equal(t, int64(30), st.EventsServed)
	assert.Equal(t, 10, st.Events)
	assert.True(t, st.DIEnabled)
	assert.Equal(t, t0.Add(24*time.Hour), st.LastRequestAt.UTC())
}
