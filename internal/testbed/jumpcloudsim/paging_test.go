package jumpcloudsim

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pageAll pages through a query with search_after until X-Result-Count < X-Limit and returns
// the raw events, bounded by maxPages.
func pageAll(t *testing.T, url string, b body, maxPages int) [][]byte {
	t.Helper()
	var raws [][]byte
	for page := 0; ; page++ {
		require.Less(t, page, maxPages, "too many pages")
		r := post(t, url, b)
		require.Equal(t, 200, r.status, "%s", r.body)
		events := decodeEvents(t, r.body)
		for _, e := range events {
			raws = append(raws, e)
		}
		count, err := strconv.Atoi(r.header.Get("X-Result-Count"))
		require.NoError(t, err)
		limit, err := strconv.Atoi(r.header.Get("X-Limit"))
		require.NoError(t, err)
		require.Equal(t, len(events), count)
		if count < limit {
			return raws
		}
		var sa []any
		require.NoError(t, json.Unmarshal([]byte(r.header.Get("X-Search_after")), &sa))
		b["search_after"] = sa
	}
}

func TestPagingEveryEventExactlyOnce(t *testing.T) {
	sim, ts, _ := newTestServer(t, Config{Seed: 7})
	// dense timestamps: many events share a millisecond, so the id tiebreak matters
	require.NoError(t, sim.Generate(8000, t0, t0.Add(time.Second)))
	require.NoError(t, sim.Generate(3000, t0.Add(time.Second), t0.Add(time.Hour)))
	end := t0.Add(30 * time.Minute)
	tests := []struct {
		name  string
		sort  string
		limit int
	}{
		{"ASC limit 10000", "ASC", 10000},
		{"ASC limit 997", "ASC", 997},
		{"DESC limit 1000", "desc", 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := sim.Events(EventFilter{Start: t0, End: end, Desc: tt.sort != "ASC"})
			require.NoError(t, err)
			require.Greater(t, len(want), 9000)
			b := q(t0, "end_time", end.Format(time.RFC3339), "limit", tt.limit, "sort", tt.sort)
			raws := pageAll(t, ts.URL+EventsPath, b, 100)
			require.Len(t, raws, len(want))
			seen := make(map[string]bool, len(want))
			for i := range want {
				require.False(t, seen[want[i].ID], "duplicate %s", want[i].ID)
				seen[want[i].ID] = true
				// same bytes at the same position: every event exactly once, in order
				require.Equal(t, string(want[i].Raw), string(raws[i]), "position %d", i)
			}
		})
	}
}

func TestOrderingKey(t *testing.T) {
	sim, ts, _ := newTestServer(t, Config{})
	ms := t0.Add(time.Second)
	// same millisecond, sub-millisecond times in the opposite order of the ids
	require.NoError(t, sim.AddEvent(rawEvent("c", ms.Add(100*time.Microsecond), "sso"), time.Time{}))
	require.NoError(t, sim.AddEvent(rawEvent("b", ms.Add(500*time.Microsecond), "sso"), time.Time{}))
	require.NoError(t, sim.AddEvent(rawEvent("a", ms.Add(900*time.Microsecond), "sso"), time.Time{}))
	require.NoError(t, sim.AddEvent(rawEvent("z", ms.Add(-time.Millisecond), "sso"), time.Time{}))
	require.NoError(t, sim.AddEvent(rawEvent("0", ms.Add(time.Millisecond), "sso"), time.Time{}))

	ids := func(r response) []string {
		var out []string
		for _, e := range decodeEvents(t, r.body) {
			out = append(out, eventID(t, e))
		}
		return out
	}
	assert.Equal(t, []string{"z", "a", "b", "c", "0"}, ids(post(t, ts.URL+EventsPath, q(t0))))
	assert.Equal(t, []string{"0", "c", "b", "a", "z"}, ids(post(t, ts.URL+EventsPath, q(t0, "sort", "DESC"))))

	assert.Equal(t, []string{"b", "c", "0"}, ids(post(t, ts.URL+EventsPath, q(t0, "skip", 2))), "skip is an offset")
	assert.Equal(t, []string{"a"}, ids(post(t, ts.URL+EventsPath, q(t0, "skip", 3, "limit", 1, "sort", "DESC"))))
	assert.Len(t, ids(post(t, ts.URL+EventsPath, q(t0, "skip", -4))), 5, "nonsensical skip is 0")

	msKey := ms.UnixMilli()
	tests := []struct {
		name  string
		sort  string
		after []any
		want  []string
	}{
		{"ASC after a", "ASC", []any{msKey, "a"}, []string{"b", "c", "0"}},
		{"ASC after an id between", "ASC", []any{msKey, "bb"}, []string{"c", "0"}},
		{"ASC after last", "ASC", []any{msKey + 1, "0"}, nil},
		{"DESC before c", "DESC", []any{msKey, "c"}, []string{"b", "a", "z"}},
		{"DESC before first", "DESC", []any{msKey - 1, "z"}, nil},
		{"DESC before an id between", "DESC", []any{msKey, "ab"}, []string{"a", "z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ids(post(t, ts.URL+EventsPath, q(t0, "sort", tt.sort, "search_after", tt.after))))
		})
	}
}

func TestWindowStartInclusiveEndExclusive(t *testing.T) {
	sim, ts, _ := newTestServer(t, Config{})
	start := t0.Add(time.Minute)
	end := start.Add(time.Second)
	for i, d := range []time.Duration{-1, 0, 1, time.Second - 1, time.Second, time.Second + 1} {
		require.NoError(t, sim.AddEvent(rawEvent(strconv.Itoa(i), start.Add(d), "directory"), time.Time{}))
	}
	tests := []struct {
		name string
		body body
		want []string
	}{
		{"nanosecond window bounds", q(start, "end_time", end.Format(time.RFC3339Nano)), []string{"1", "2", "3"}},
		{"start one ns earlier", q(start.Add(-1), "end_time", end.Format(time.RFC3339Nano)), []string{"0", "1", "2", "3"}},
		{"end one ns later", q(start, "end_time", end.Add(1).Format(time.RFC3339Nano)), []string{"1", "2", "3", "4"}},
		{"open end", q(start), []string{"1", "2", "3", "4", "5"}},
		{"offset notation", q(start.In(time.FixedZone("", -5*3600)), "end_time", end.In(time.FixedZone("", 3600)).Format(time.RFC3339Nano)), []string{"1", "2", "3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post(t, ts.URL+EventsPath, tt.body)
			require.Equal(t, 200, r.status, "%s", r.body)
			var got []string
			for _, e := range decodeEvents(t, r.body) {
				got = append(got, eventID(t, e))
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestServiceFilter(t *testing.T) {
	sim, ts, _ := newTestServer(t, Config{})
	require.NoError(t, sim.Generate(3000, t0, t0.Add(time.Hour)))
	require.NoError(t, sim.AddEvent(rawEvent("x1", t0.Add(time.Minute), "brand_new_service"), time.Time{}))
	for _, svcs := range [][]string{{"radius"}, {"sso", "mdm"}, Services(), {"all"}} {
		t.Run(svcs[0], func(t *testing.T) {
			want, err := sim.Events(EventFilter{Services: svcs, NoRaw: true})
			require.NoError(t, err)
			raws := pageAll(t, ts.URL+EventsPath, body{"service": svcs, "start_time": t0.Format(time.RFC3339), "limit": 10000}, 5)
			require.Len(t, raws, len(want))
			var ids []string
			for i := range raws {
				var h struct{ ID, Service string }
				require.NoError(t, json.Unmarshal(raws[i], &h))
				ids = append(ids, h.ID)
				assert.Equal(t, want[i].Service, h.Service)
				if svcs[0] != "all" {
					assert.Contains(t, svcs, h.Service)
				}
			}
			if svcs[0] == "all" {
				assert.Contains(t, ids, "x1", "an unknown service is only in `all`")
			} else {
				assert.NotContains(t, ids, "x1")
			}
		})
	}
}

func TestLateVisibility(t *testing.T) {
	sim, ts, clk := newTestServer(t, Config{})
	now := clk.Now()
	// on time, in the past
	require.NoError(t, sim.Generate(100, now.Add(-time.Hour), now.Add(-30*time.Minute), "directory"))
	// late: timestamps in the past, visible only in 5 minutes
	require.NoError(t, sim.GenerateLate(40, now.Add(-time.Hour), now.Add(-30*time.Minute), now.Add(5*time.Minute), "radius"))
	// one raw event visible in 10 minutes
	require.NoError(t, sim.AddEvent(rawEvent("late-raw", now.Add(-45*time.Minute), "sso"), now.Add(10*time.Minute)))
	// generated with a late fraction: each late one visible 1 minute after its timestamp
	require.NoError(t, sim.GenerateWith(GenerateOptions{N: 200, Start: now.Add(-2 * time.Minute), End: now, Services: []string{"ldap"}, LateFraction: 0.5, LateDelay: 3 * time.Minute}))

	count := func() int {
		r := post(t, ts.URL+CountPath, q(now.Add(-2*time.Hour)))
		require.Equal(t, 200, r.status)
		var c struct{ Count int }
		require.NoError(t, json.Unmarshal(r.body, &c))
		return c.Count
	}
	onTime, err := sim.Events(EventFilter{VisibleAt: now, Services: []string{"ldap"}, NoRaw: true})
	require.NoError(t, err)
	assert.InDelta(t, 100, len(onTime), 40, "about half of the ldap events are late")
	assert.Equal(t, 100+len(onTime), count())

	clk.Set(now.Add(5 * time.Minute))
	assert.Equal(t, 100+40+200, count())
	clk.Set(now.Add(10 * time.Minute))
	assert.Equal(t, 100+40+200+1, count())
	assert.Equal(t, 341, sim.EventCount())

	all, err := sim.Events(EventFilter{NoRaw: true})
	require.NoError(t, err)
	for _, e := range all {
		assert.False(t, e.VisibleAt.Before(e.Timestamp), "visible before it happened: %+v", e)
	}
}
