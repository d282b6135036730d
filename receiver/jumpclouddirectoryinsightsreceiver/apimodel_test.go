package jumpclouddirectoryinsightsreceiver

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
)

// apiModel is an in-memory model of the Directory Insights API behind eventsAPI, for the
// deterministic simulation (sim_test.go): events with the time they become visible, ASC pages
// ordered by (epoch millisecond, id) with search_after, the window start_time <= timestamp <
// end_time at full precision, the id exclusion of a re-read, and counts. Its faults (counts that
// fail or miscount, 429 with or without Retry-After, 500, slow pages) are drawn from the seed
// and the request itself (its kind, query, the time and how many times that same request was
// made at that time), never from the order in which concurrent requests arrive: the same seed
// and the same requests at the same times get the same answers.
type apiModel struct {
	seed   uint64
	clock  clock
	faults modelFaults
	// trace, when set, is told every request and its answer (a format and its arguments,
	// formatted only when a schedule is printed); underCounted, when set, the events a count
	// left out (the engine cannot know of them).
	trace        func(format string, args ...any)
	underCounted func(ids []string)

	mu sync.Mutex
	// events are sorted by (millisecond, id); ms[i] is events[i]'s epoch millisecond (the
	// queries binary-search it: a seed's hour holds thousands of events).
	events []modelEvent
	ms     []int64
	// raw[i] is events[i]'s body, rendered when a page first holds it.
	raw [][]byte
	// asked counts the identical requests at one time (fault draws), by the request's hash.
	asked map[uint64]int
	// requests and injected count what the model answered and which faults it injected.
	requests, injected map[string]int
}

// modelEvent is one event of the model: its id (also its dedupe key), organization, time and
// the time from which queries see it.
type modelEvent struct {
	id, org     string
	ts, visible time.Time
}

// rfc3339 prints a time as the API writes it, when a trace line is formatted.
type rfc3339 time.Time

func (t rfc3339) String() string { return time.Time(t).Format(time.RFC3339Nano) }

// modelFaults are the probabilities of each fault per request.
type modelFaults struct {
	// CountFail: the count answers 503; CountUnder, CountOver: it counts 1 or 2 events fewer or
	// more than are visible (never below 0).
	CountFail, CountUnder, CountOver float64
	// TooMany: a 429 (with a Retry-After of up to RetryAfterMax half of the time); ServerError:
	// a 500 (a page: "too expensive", the engine narrows the slice).
	TooMany, ServerError float64
	RetryAfterMax        time.Duration
	// SlowPage: a page takes up to SlowPageMax (on the model's clock) before it is answered.
	SlowPage    float64
	SlowPageMax time.Duration
}

func newAPIModel(seed uint64, clk clock, faults modelFaults, events []modelEvent) *apiModel {
	m := &apiModel{seed: seed, clock: clk, faults: faults, events: slices.Clone(events),
		asked: map[uint64]int{}, requests: map[string]int{}, injected: map[string]int{}}
	slices.SortFunc(m.events, compareModelEvents)
	m.ms = make([]int64, len(m.events))
	m.raw = make([][]byte, len(m.events))
	for i := range m.events {
		m.ms[i] = m.events[i].ts.UnixMilli()
	}
	return m
}

// span is the index range of the events that q's window may hold: from the first event of
// the millisecond of q.StartTime (or past the cursor after) to the last of the millisecond of
// q.EndTime; matches decides for each.
func (m *apiModel) span(q jumpcloud.Query, after *modelEvent) (from, to int) {
	from, to = 0, len(m.events)
	if !q.StartTime.IsZero() {
		from, _ = slices.BinarySearch(m.ms, q.StartTime.UnixMilli())
	}
	if after != nil {
		i, found := slices.BinarySearchFunc(m.events, *after, compareModelEvents)
		if found {
			i++
		}
		from = max(from, i)
	}
	if !q.EndTime.IsZero() {
		to, _ = slices.BinarySearch(m.ms, q.EndTime.UnixMilli()+1)
	}
	return from, max(from, to)
}

// compareModelEvents orders events as the API does: epoch millisecond, then id as bytes.
func compareModelEvents(a, b modelEvent) int {
	if c := cmpInt64(a.ts.UnixMilli(), b.ts.UnixMilli()); c != 0 {
		return c
	}
	return strings.Compare(a.id, b.id)
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// draw returns the random source of one request: the seed, the request's kind and query, the
// time, and how many times the same request was made at that time.
func (m *apiModel) draw(kind string, q jumpcloud.Query, now time.Time) *rand.Rand {
	excluded := slices.Sorted(slices.Values(q.ExcludeIDs)) // a set: the engine's order is a map's
	h := fnv.New64a()
	b := make([]byte, 0, 128)
	b = append(b, kind...)
	for _, org := range q.OrgIDs {
		b = append(append(b, '|'), org...)
	}
	b = binary.AppendVarint(append(b, '|'), q.StartTime.UnixNano())
	b = binary.AppendVarint(b, q.EndTime.UnixNano())
	b = append(append(b, '|'), q.SearchAfter...)
	for _, id := range excluded {
		b = append(append(b, ','), id...)
	}
	b = binary.AppendVarint(append(b, '|'), now.UnixNano())
	_, _ = h.Write(b)
	key := h.Sum64()
	m.mu.Lock()
	m.asked[key]++
	n := m.asked[key]
	m.requests[kind]++
	m.mu.Unlock()
	return rand.New(rand.NewPCG(m.seed, key+uint64(n))) //nolint:gosec // seeded on purpose: a simulation replays
}

func (m *apiModel) inject(fault string) {
	m.mu.Lock()
	m.injected[fault]++
	m.mu.Unlock()
}

// failure draws the faults every request may meet (429, then for pages 500).
func (m *apiModel) failure(rng *rand.Rand, page bool) error {
	if rng.Float64() < m.faults.TooMany {
		m.inject("429")
		e := &jumpcloud.Error{Kind: jumpcloud.KindTransient, StatusCode: http.StatusTooManyRequests}
		if m.faults.RetryAfterMax > 0 && rng.IntN(2) == 0 {
			e.RetryAfter = time.Duration(rng.Int64N(int64(m.faults.RetryAfterMax))).Truncate(time.Second)
		}
		return e
	}
	if page && rng.Float64() < m.faults.ServerError {
		m.inject("500")
		return &jumpcloud.Error{Kind: jumpcloud.KindTransient, StatusCode: http.StatusInternalServerError}
	}
	return nil
}

// matches reports whether q (its organizations and window) holds e, visible at now.
func matches(q jumpcloud.Query, e *modelEvent, now time.Time) bool {
	if e.visible.After(now) || e.ts.Before(q.StartTime) || (!q.EndTime.IsZero() && !e.ts.Before(q.EndTime)) {
		return false
	}
	return len(q.OrgIDs) == 0 || slices.Contains(q.OrgIDs, e.org)
}

// Count is POST /events/count: the visible events of q's window and organizations.
func (m *apiModel) Count(ctx context.Context, q jumpcloud.Query) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	now := m.clock.Now()
	rng := m.draw("count", q, now)
	n, err := m.count(q, now, rng)
	if m.trace != nil {
		m.trace("count %v [%s, %s): %d %v", q.OrgIDs, rfc3339(q.StartTime), rfc3339(q.EndTime), n, err)
	}
	return n, err
}

func (m *apiModel) count(q jumpcloud.Query, now time.Time, rng *rand.Rand) (int64, error) {
	if err := m.failure(rng, false); err != nil {
		return 0, err
	}
	if rng.Float64() < m.faults.CountFail {
		m.inject("count-503")
		return 0, &jumpcloud.Error{Kind: jumpcloud.KindTransient, StatusCode: http.StatusServiceUnavailable}
	}
	m.mu.Lock()
	var n int64
	from, to := m.span(q, nil)
	for i := from; i < to; i++ {
		if matches(q, &m.events[i], now) {
			n++
		}
	}
	m.mu.Unlock()
	switch f := rng.Float64(); {
	case f < m.faults.CountUnder:
		m.inject("count-under")
		if m.underCounted != nil {
			m.underCounted(m.visibleIDs(q, now))
		}
		n = max(0, n-1-rng.Int64N(2))
	case f < m.faults.CountUnder+m.faults.CountOver:
		m.inject("count-over")
		n += 1 + rng.Int64N(2)
	}
	return n, nil
}

// visibleIDs are the ids of the events q counts at now (what an under-count leaves out).
func (m *apiModel) visibleIDs(q jumpcloud.Query, now time.Time) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ids []string
	from, to := m.span(q, nil)
	for i := from; i < to; i++ {
		if matches(q, &m.events[i], now) {
			ids = append(ids, m.events[i].id)
		}
	}
	return ids
}

// EventsReserving is POST /events: the page of q (ASC, after q.SearchAfter, without
// q.ExcludeIDs), visible when it is answered (after a slow page's delay).
func (m *apiModel) EventsReserving(ctx context.Context, q jumpcloud.Query, reserve func(context.Context) error) (*jumpcloud.Page, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if q.Sort != "ASC" || q.Limit <= 0 {
		return nil, &jumpcloud.Error{Kind: jumpcloud.KindConfig, StatusCode: http.StatusBadRequest, Message: "model: ASC pages with a limit only"}
	}
	rng := m.draw("page", q, m.clock.Now())
	page, err := m.page(ctx, q, reserve, rng)
	if m.trace != nil {
		n := 0
		if page != nil {
			n = len(page.Events)
		}
		m.trace("page %v [%s, %s) after %s excluding %d: %d events %v", q.OrgIDs, rfc3339(q.StartTime),
			rfc3339(q.EndTime), q.SearchAfter, len(q.ExcludeIDs), n, err)
	}
	return page, err
}

func (m *apiModel) page(ctx context.Context, q jumpcloud.Query, reserve func(context.Context) error, rng *rand.Rand) (*jumpcloud.Page, error) {
	if err := m.failure(rng, true); err != nil {
		return nil, err
	}
	if m.faults.SlowPageMax > 0 && rng.Float64() < m.faults.SlowPage {
		m.inject("slow")
		if !m.clock.Sleep(ctx, time.Duration(rng.Int64N(int64(m.faults.SlowPageMax)))) {
			return nil, ctx.Err()
		}
	}
	after, err := parseModelCursor(q.SearchAfter)
	if err != nil {
		return nil, &jumpcloud.Error{Kind: jumpcloud.KindConfig, StatusCode: http.StatusBadRequest, Message: err.Error()}
	}
	if reserve != nil {
		if err := reserve(ctx); err != nil {
			return nil, err
		}
	}
	now := m.clock.Now()
	excluded := map[string]bool{}
	for _, id := range q.ExcludeIDs {
		excluded[strings.ToLower(id)] = true
	}
	page := &jumpcloud.Page{Sort: "ASC", Limit: q.Limit, SearchAfter: q.SearchAfter}
	m.mu.Lock()
	from, to := m.span(q, after)
	for i := from; i < to; i++ {
		e := &m.events[i]
		if !matches(q, e, now) || excluded[strings.ToLower(e.id)] {
			continue
		}
		if m.raw[i] == nil {
			m.raw[i] = e.body()
		}
		page.Events = append(page.Events, e.event(m.raw[i]))
		if len(page.Events) == q.Limit {
			break
		}
	}
	m.mu.Unlock()
	page.ResultCount = len(page.Events)
	page.Last = len(page.Events) < q.Limit
	if n := len(page.Events); n > 0 {
		last := page.Events[n-1]
		page.SearchAfter = json.RawMessage(fmt.Sprintf("[%d,%q]", last.Timestamp.UnixMilli(), last.ID))
	}
	return page, nil
}

// body is e's JSON as the API sends it.
func (e *modelEvent) body() []byte {
	b := make([]byte, 0, 160)
	b = strconv.AppendQuote(append(b, `{"id":`...), e.id)
	b = append(e.ts.UTC().AppendFormat(append(b, `,"timestamp":"`...), time.RFC3339Nano), '"')
	b = strconv.AppendQuote(append(b, `,"service":"directory","event_type":"user_update","organization":`...), e.org)
	return append(b, `,"success":true}`...)
}

// event is e, with its body raw (a copy: every page gets its own, as from the network), as the
// client decodes it.
func (e *modelEvent) event(raw []byte) jumpcloud.Event {
	return jumpcloud.Event{Raw: slices.Clone(raw), ID: e.id, Key: e.id, Timestamp: e.ts, Service: "directory",
		EventType: "user_update", Organization: e.org, Success: jumpcloud.OutcomeSuccess}
}

// parseModelCursor reads a search_after [epochMillis,"id"] (nil when absent) as the key of an
// event to page past.
func parseModelCursor(raw json.RawMessage) (*modelEvent, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var c []json.RawMessage
	if err := json.Unmarshal(raw, &c); err != nil || len(c) != 2 {
		return nil, fmt.Errorf("model: bad search_after %s", raw)
	}
	ms, err := strconv.ParseInt(string(c[0]), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("model: bad search_after %s", raw)
	}
	var id string
	if err := json.Unmarshal(c[1], &id); err != nil {
		return nil, fmt.Errorf("model: bad search_after %s", raw)
	}
	return &modelEvent{id: id, ts: time.UnixMilli(ms)}, nil
}

// stoppedClock is a clock at a time a test sets; its Sleep moves the time on at once.
type stoppedClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stoppedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stoppedClock) Sleep(ctx context.Context, d time.Duration) bool {
	c.mu.Lock()
	c.now = c.now.Add(max(d, 0))
	c.mu.Unlock()
	return ctx.Err() == nil
}

func (*stoppedClock) Resumed(context.Context) {}

func (c *stoppedClock) set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// The model pages as the API does: ASC by (millisecond, id), a page boundary inside a
// millisecond resumes after the last id of that millisecond, sub-millisecond times do not reorder
// the events of one millisecond, late events are seen only once visible, excluded ids are left
// out.
func TestAPIModelPages(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ms := func(n int, sub time.Duration) time.Time { return t0.Add(time.Duration(n)*time.Millisecond + sub) }
	events := []modelEvent{
		{id: "c", org: "o1", ts: ms(1, 0), visible: t0},
		{id: "a", org: "o1", ts: ms(1, 900*time.Microsecond), visible: t0},
		{id: "b", org: "o1", ts: ms(1, 100*time.Microsecond), visible: t0},
		{id: "d", org: "o1", ts: ms(2, 0), visible: t0},
		{id: "e", org: "o1", ts: ms(3, 0), visible: t0.Add(time.Minute)}, // late
		{id: "f", org: "o2", ts: ms(3, 0), visible: t0},
	}
	tests := []struct {
		name    string
		now     time.Time
		limit   int
		exclude []string
		want    [][]string
	}{
		{name: "a page boundary inside a millisecond", now: t0, limit: 2, want: [][]string{{"a", "b"}, {"c", "d"}, {}}},
		{name: "one page", now: t0, limit: 10, want: [][]string{{"a", "b", "c", "d"}}},
		{name: "the late event once visible", now: t0.Add(time.Minute), limit: 3, want: [][]string{{"a", "b", "c"}, {"d", "e"}}},
		{name: "excluded ids", now: t0.Add(time.Minute), limit: 10, exclude: []string{"A", "d"}, want: [][]string{{"b", "c", "e"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := newAPIModel(1, &stoppedClock{now: tt.now}, modelFaults{}, events)
			q := jumpcloud.Query{StartTime: t0, EndTime: ms(4, 0), OrgIDs: []string{"o1"}, Sort: "ASC", Limit: tt.limit, ExcludeIDs: tt.exclude}
			var got [][]string
			for {
				p, err := m.EventsReserving(t.Context(), q, nil)
				require.NoError(t, err)
				ids := []string{}
				for _, e := range p.Events {
					ids = append(ids, e.ID)
				}
				got = append(got, ids)
				if p.Last {
					break
				}
				q.SearchAfter = p.SearchAfter
			}
			assert.Equal(t, tt.want, got)
			n, err := m.Count(t.Context(), q)
			require.NoError(t, err)
			assert.Equal(t, int64(len(events)-1-boolInt(tt.now.Before(t0.Add(time.Minute)))), n, "counts ignore paging and exclusion")
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// The model's faults depend on the seed and the request, not on the order of requests: the same
// seed gives the same answers, another seed others, and the rates hold.
func TestAPIModelFaultsAreSeeded(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	faults := modelFaults{CountFail: 0.2, CountUnder: 0.1, CountOver: 0.1, TooMany: 0.1, RetryAfterMax: 3 * time.Second}
	answers := func(seed uint64, reverse bool) []string {
		clk := &stoppedClock{now: t0}
		m := newAPIModel(seed, clk, faults, []modelEvent{{id: "a", org: "o", ts: t0, visible: t0}})
		out := make([]string, 200)
		for k := range 200 {
			i := k
			if reverse {
				i = 199 - k
			}
			clk.set(t0.Add(time.Duration(i) * time.Second))
			n, err := m.Count(t.Context(), jumpcloud.Query{StartTime: t0, EndTime: t0.Add(time.Hour)})
			out[i] = fmt.Sprint(n, jumpcloud.StatusCodeOf(err))
		}
		return out
	}
	a := answers(7, false)
	assert.Equal(t, a, answers(7, true))
	assert.NotEqual(t, a, answers(8, false))
	wrong := 0
	for _, s := range a {
		if s != "1 0" {
			wrong++
		}
	}
	assert.InDelta(t, 200*0.46, wrong, 30, "about 10%% 429, then 20%% failed counts, then 20%% miscounts")
}
