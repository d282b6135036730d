package jumpcloudsim

import (
	"encoding/json"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServicesConstant(t *testing.T) {
	require.Len(t, services, len16)
	require.Len(t, serviceWeights, len(services))
	for i := range services {
		assert.True(t, allServices.has(uint8(i)))
	}
	assert.True(t, allServices.has(svcOther))
}

func TestDeterminism(t *testing.T) {
	gen := func(seed int64) []Event {
		s := New(Config{Seed: seed, OrgID: "5a2af2a82cf2b0010053ea41"})
		require.NoError(t, s.Generate(2000, t0, t0.Add(time.Hour)))
		require.NoError(t, s.Generate(500, t0, t0.Add(time.Minute), "mdm", "radius"))
		ev, err := s.Events(EventFilter{})
		require.NoError(t, err)
		return ev
	}
	a, b, c := gen(42), gen(42), gen(43)
	require.Len(t, a, 2500)
	assert.Equal(t, a, b, "same seed and calls: same events and bytes")
	assert.NotEqual(t, a[0].ID, c[0].ID, "another seed: other events")

	// rendering the same event twice gives the same bytes
	s := New(Config{Seed: 42, OrgID: "5a2af2a82cf2b0010053ea41"})
	require.NoError(t, s.Generate(2000, t0, t0.Add(time.Hour)))
	require.NoError(t, s.Generate(500, t0, t0.Add(time.Minute), "mdm", "radius"))
	again, err := s.Events(EventFilter{})
	require.NoError(t, err)
	assert.Equal(t, a, again)
	twice, err := s.Events(EventFilter{})
	require.NoError(t, err)
	assert.Equal(t, again, twice)
}

var (
	hex24       = regexp.MustCompile(`^[0-9a-f]{24}$`)
	upperUUID   = regexp.MustCompile(`^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$`)
	tsSeconds   = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
	tsMillis    = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
	tsFractions = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$`)
)

func TestGeneratedEventsHaveTheDocumentedQuirks(t *testing.T) {
	s := New(Config{Seed: 3})
	require.NoError(t, s.Generate(6000, t0, t0.Add(time.Hour)))
	events, err := s.Events(EventFilter{})
	require.NoError(t, err)
	perService := map[string]int{}
	largest := 0
	subMilli := map[string]bool{}
	for _, e := range events {
		var m map[string]any
		require.NoError(t, json.Unmarshal(e.Raw, &m), "%s", e.Raw)
		svc := m["service"].(string)
		perService[svc]++
		largest = max(largest, len(e.Raw))
		assert.Equal(t, e.Service, svc)
		assert.Equal(t, e.ID, m["id"])
		assert.Equal(t, "1", m["@version"])
		assert.Equal(t, s.OrgID(), m["organization"])
		assert.NotEmpty(t, m["event_type"])
		ts := m["timestamp"].(string)
		parsed, err := time.Parse(time.RFC3339Nano, ts)
		require.NoError(t, err)
		assert.True(t, parsed.Equal(e.Timestamp), "rendered %s, stored %s", ts, e.Timestamp)
		assert.True(t, tsFractions.MatchString(ts), ts)
		if parsed.Nanosecond()%1e6 != 0 {
			subMilli[svc] = true
		}
		switch svc {
		case "radius":
			assert.Regexp(t, upperUUID, e.ID)
			assert.Regexp(t, tsSeconds, ts)
			assert.Equal(t, "radius_auth_attempt", m["event_type"])
			assert.Contains(t, m, "username")
		case "directory":
			assert.Regexp(t, hex24, e.ID)
			assert.Regexp(t, tsMillis, ts)
		case "sso":
			assert.Equal(t, "sso_auth", m["event_type"])
			assert.Contains(t, m, "sso_token_success")
			assert.NotContains(t, m, "success")
			assert.Contains(t, m, "application")
		case "mdm":
			assert.Contains(t, m, "mdm_device_id")
		case "systems":
			st, err := time.Parse(time.RFC3339, m["system_timestamp"].(string))
			require.NoError(t, err)
			assert.True(t, st.Equal(parsed.Truncate(time.Second)), "system_timestamp is the local time of the event")
		case "password_manager", "reports":
			assert.Contains(t, m, "user_agent")
		}
		if svc != "radius" {
			assert.Regexp(t, hex24, e.ID)
		}
	}
	for _, svc := range services {
		assert.Positive(t, perService[svc], "service %s generated", svc)
	}
	assert.True(t, subMilli["sso"] && subMilli["mdm"], "nanosecond precision for sso and mdm")
	assert.Greater(t, largest, 10000, "some events are tens of KB")
}

func TestGenerateErrors(t *testing.T) {
	s := New(Config{})
	tests := []struct {
		name string
		o    GenerateOptions
		err  string
	}{
		{"negative n", GenerateOptions{N: -1, Start: t0, End: t0.Add(time.Hour)}, "n -1 is negative"},
		{"empty window", GenerateOptions{N: 1, Start: t0, End: t0}, "not after start"},
		{"unknown service", GenerateOptions{N: 1, Start: t0, End: t0.Add(time.Hour), Services: []string{"alert"}}, `unknown service "alert"`},
		{"late fraction", GenerateOptions{N: 1, Start: t0, End: t0.Add(time.Hour), LateFraction: 2}, "late fraction"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.ErrorContains(t, s.GenerateWith(tt.o), tt.err)
		})
	}
	assert.Zero(t, s.EventCount())
}

func TestGenerateTinyWindowsStayInside(t *testing.T) {
	s := New(Config{})
	start := t0.Add(1500 * time.Microsecond) // not on a second or millisecond boundary
	end := start.Add(time.Millisecond)
	require.NoError(t, s.Generate(500, start, end))
	events, err := s.Events(EventFilter{})
	require.NoError(t, err)
	require.Len(t, events, 500)
	for _, e := range events {
		assert.False(t, e.Timestamp.Before(start) || !e.Timestamp.Before(end), "%s outside [%s, %s)", e.Timestamp, start, end)
		var m struct{ Timestamp string }
		require.NoError(t, json.Unmarshal(e.Raw, &m))
		parsed, err := time.Parse(time.RFC3339Nano, m.Timestamp)
		require.NoError(t, err)
		assert.True(t, parsed.Equal(e.Timestamp))
	}
}

func TestAddEvent(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		err  string
	}{
		{"ok", `{"id":"DZrPyW8BNsa9iKWoOm7h","timestamp":"2024-03-01T00:00:00.5+01:00","service":"sso","x":[1,2]}`, ""},
		{"ok unknown service", `{"id":"a","timestamp":"2024-03-01T00:00:00Z","service":"future_service"}`, ""},
		{"ok no service", `  {"id":"b","timestamp":"2024-03-01T00:00:00Z"}  `, ""},
		{"not an object", `[1]`, "not a JSON object"},
		{"invalid", `{"id":`, "add event"},
		{"no id", `{"timestamp":"2024-03-01T00:00:00Z"}`, "id is missing"},
		{"empty id", `{"id":"","timestamp":"2024-03-01T00:00:00Z"}`, "id is missing"},
		{"long id", `{"id":"` + strings.Repeat("x", 256) + `","timestamp":"2024-03-01T00:00:00Z"}`, "id length 256"},
		{"no timestamp", `{"id":"c"}`, "timestamp is missing"},
		{"bad timestamp", `{"id":"c","timestamp":"yesterday"}`, "timestamp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Config{})
			err := s.AddEvent([]byte(tt.raw), time.Time{})
			if tt.err != "" {
				assert.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			events, err := s.Events(EventFilter{})
			require.NoError(t, err)
			require.Len(t, events, 1)
			assert.Equal(t, strings.TrimSpace(tt.raw), string(events[0].Raw), "original bytes kept")
			assert.Equal(t, events[0].Timestamp, events[0].VisibleAt)
		})
	}
}

func TestRequestLog(t *testing.T) {
	sim, ts, _ := newTestServer(t, Config{RequestLogSize: 3})
	require.NoError(t, sim.Generate(50, t0, t0.Add(time.Hour)))
	post(t, ts.URL+EventsPath, q(t0, "limit", 20, "sort", "desc", "end_time", t0.Add(time.Hour).Format(time.RFC3339)), "x-org-id", sim.OrgID(), "User-Agent", "test/1.0")
	reqs := sim.Requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Equal(t, "POST", r.Method)
	assert.Equal(t, EventsPath, r.Path)
	assert.Equal(t, 200, r.Status)
	assert.Equal(t, 20, r.ResultCount)
	assert.Equal(t, []string{sim.OrgID()}, r.OrgIDs)
	assert.Contains(t, r.UserAgent, "test/1.0")
	require.NotNil(t, r.Query)
	assert.Equal(t, []string{"all"}, r.Query.Services)
	assert.Equal(t, 20, r.Query.Limit)
	assert.Equal(t, "DESC", r.Query.Sort)
	assert.True(t, r.Query.StartTime.Equal(t0))
	assert.True(t, r.Query.EndTime.Equal(t0.Add(time.Hour)))
	assert.Equal(t, t0.Add(24*time.Hour), r.Time)

	for i := range 4 {
		post(t, ts.URL+EventsPath, q(t0, "limit", i+1))
	}
	reqs = sim.Requests()
	require.Len(t, reqs, 3, "bounded log keeps the most recent")
	for i, r := range reqs {
		assert.Equal(t, i+2, r.Query.Limit, "oldest first")
	}
	st := sim.Stats()
	assert.Equal(t, int64(5), st.Requests)
	assert.Equal(t, int64(20+1+2+3+4), st.EventsServed)
	assert.Equal(t, 50, st.Events)
	assert.Equal(t, 50, st.VisibleEvents)
}

func TestConcurrentUse(t *testing.T) {
	sim, ts, clk := newTestServer(t, Config{})
	require.NoError(t, sim.Generate(2000, t0, t0.Add(time.Hour)))
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				switch (w + i) % 5 {
				case 0:
					assert.NoError(t, sim.Generate(300, t0, t0.Add(2*time.Hour)))
				case 1:
					assert.NoError(t, sim.InjectFault(Fault{Kind: FaultStatus, Status: 503}))
				case 2:
					_, err := sim.Events(EventFilter{NoRaw: i%2 == 0})
					assert.NoError(t, err)
				case 3:
					clk.Set(t0.Add(24*time.Hour + time.Duration(i)*time.Second))
					_ = sim.Stats()
					_ = sim.Requests()
				default:
					assert.NoError(t, sim.AddEvent(rawEvent("c"+string(rune('a'+w))+string(rune('a'+i)), t0.Add(time.Duration(i)*time.Minute), "sso"), time.Time{}))
				}
				st := post(t, ts.URL+EventsPath, q(t0, "limit", 500)).status
				assert.Contains(t, []int{200, 503}, st)
			}
		}()
	}
	wg.Wait()
	all, err := sim.Events(EventFilter{NoRaw: true})
	require.NoError(t, err)
	assert.Len(t, all, sim.EventCount())
	for i := 1; i < len(all); i++ {
		prev, cur := all[i-1].Cursor, all[i].Cursor
		require.True(t, prev.Millis < cur.Millis || (prev.Millis == cur.Millis && prev.ID < cur.ID), "index sorted at %d", i)
	}
}
