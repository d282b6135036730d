package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
)

// Shared probes (docs/design.md, "Shared probes"). The organizations of one key that are caught
// up do not poll one by one: every poll_interval, one POST /events/count per group of at most
// maxOrgsPerQuery of them (one x-org-id header each) counts their probe ranges at once. When the
// count equals what they delivered there, every member's window is skipped: an idle poll costs
// ceil(N / maxOrgsPerQuery) requests for N organizations, not N. Otherwise the group is halved
// (one count per level, the other half's count derived) until the organizations with something
// new, or the one the API refuses (400), are found; those take their own step, exactly as a
// single organization does (their own window and re-reads, their own checkpoint, seen set,
// status and metrics).

// maxOrgsPerQuery bounds the x-org-id headers of one shared count: 100 ids of 24 hex digits are
// about 3.6 KB of headers, well within the 8 KB per-line and 64 KB total limits of common proxies
// and load balancers, and halving a group of 100 finds one active organization in 7 levels.
const maxOrgsPerQuery = 100

// maxGroupCounts is the least number of halving counts of one poll (beyond the first per
// group; a poll may spend 8 per group, enough to find a few active organizations in each): past
// it, the members still undecided stay parked until the next poll (under
// max_requests_per_second a flood of single probes would delay everything more).
const maxGroupCounts = 64

// persistSkippedEvery bounds how stale the stored window end of an organization that the shared
// probe keeps skipping may get (skips are not stored one by one: a skipped window holds no
// event, re-reading it after a crash costs an empty page).
const persistSkippedEvery = 5 * time.Minute

// The hand-off of a parked stream's checkpoint. A stream parks in wait once caught up; its
// goroutine then does nothing. While it is parked the shared probe reads its probe range
// (probeStartLocked, delivered) and, when a real count shows nothing new, moves its window end
// itself (skipWindow) and stores it at most every persistSkippedEvery (persistIfStale), under
// the stream's lock like any change of its checkpoint. release hands the stream back: from then
// on only the stream's own goroutine changes its checkpoint, until it parks again. What the
// probe found rides along in the stream's woken and mustRead.
type groupProber struct {
	r  *diReceiver
	mu sync.Mutex
	// waiting are the caught-up streams, each with the channel that wakes it for a step.
	waiting map[*stream]chan struct{}
	// attrs are the shared counts' metric attributes (none: several organizations).
	attrs *metricAttrSets
	// turn is where the last poll started in the sorted members (only run's goroutine uses it).
	turn int
}

func newGroupProber(r *diReceiver) *groupProber {
	return &groupProber{r: r, waiting: map[*stream]chan struct{}{}, attrs: newMetricAttrSets(nil)}
}

// groupable reports whether the stream may wait for the shared probe instead of polling alone:
// an organization of a multi-organization key, collecting, whose counts are usable.
func (s *stream) groupable() bool {
	if s.r.group == nil || s.spec.orgID == "" || s.r.cfg.Overlap <= 0 || s.counts.failing.Load() || s.counts.deficit.Load() {
		return false
	}
	state, _ := s.r.status.streamState(s.spec)
	return state == stateCollecting
}

// startsCaughtUp reports whether a groupable stream's first window would be the tail (a short
// lookback, or a checkpoint of a recent stop): it waits for the shared probe from the start.
func (s *stream) startsCaughtUp() bool {
	if s.r.group == nil || s.spec.orgID == "" || s.r.cfg.Overlap <= 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cp.InWindow {
		return false
	}
	_, tail, _ := s.cp.nextWindow(s.r.now(), rulesOf(s.r.cfg), true)
	return tail
}

// wait parks the caught-up stream until the shared probe finds something for it to collect;
// false when ctx ended.
func (g *groupProber) wait(ctx context.Context, s *stream) bool {
	wake := make(chan struct{}, 1)
	g.mu.Lock()
	g.waiting[s] = wake
	g.mu.Unlock()
	select {
	case <-wake:
	case <-ctx.Done():
	}
	g.r.clock.Resumed(ctx)
	if ctx.Err() != nil {
		g.mu.Lock()
		delete(g.waiting, s)
		g.mu.Unlock()
		return false
	}
	return true
}

// release wakes s for a step of its own.
func (g *groupProber) release(s *stream) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if wake, ok := g.waiting[s]; ok {
		delete(g.waiting, s)
		wake <- struct{}{}
	}
}

// run probes the waiting streams every poll_interval until ctx ends: a poll starts
// poll_interval after the previous one started, at once when that one took longer (under
// max_requests_per_second the counts of thousands of organizations take a while).
func (g *groupProber) run(ctx, deliverCtx context.Context) {
	wait := g.r.cfg.PollInterval
	for g.r.clock.Sleep(ctx, wait) {
		started := g.r.now()
		g.poll(ctx, deliverCtx)
		wait = max(g.r.cfg.PollInterval-g.r.now().Sub(started), 0)
	}
}

func (g *groupProber) poll(ctx, deliverCtx context.Context) {
	g.mu.Lock()
	members := make([]*stream, 0, len(g.waiting))
	for s := range g.waiting {
		members = append(members, s)
	}
	g.mu.Unlock()
	slices.SortFunc(members, func(a, b *stream) int { return cmp.Compare(a.spec.orgID, b.spec.orgID) })
	// Each poll starts at another group, so that its counts (countsLeft), once spent, never
	// starve the same ones.
	if len(members) > 0 {
		g.turn = (g.turn + maxOrgsPerQuery) % len(members)
		members = slices.Concat(members[g.turn:], members[:g.turn])
	}
	end := g.r.now().Add(-g.r.cfg.SettleDelay).Truncate(time.Millisecond).UTC()
	// Enough halving counts to find a few active organizations in every group in one poll:
	// a search left for the next poll repeats the groups' first counts.
	countsLeft := max(maxGroupCounts, 8*((len(members)+maxOrgsPerQuery-1)/maxOrgsPerQuery))
	for len(members) > 0 && ctx.Err() == nil {
		n := min(len(members), maxOrgsPerQuery)
		if n == 1 {
			g.release(members[0]) // alone, it probes on its own at the same cost
		} else {
			countsLeft++ // the first count of each group is not limited
			g.probe(ctx, deliverCtx, members[:n], end, &countsLeft)
		}
		members = members[n:]
	}
}

// probe counts the members' probe ranges ending at end in one shared query, from the earliest
// of their starts, and decides; it returns the count (ok false when there is none: the
// poll's counts are spent, or the count failed).
func (g *groupProber) probe(ctx, deliverCtx context.Context, members []*stream, end time.Time, countsLeft *int) (n int64, ok bool) {
	start := end
	for _, s := range members {
		s.mu.Lock()
		start = minTime(start, s.probeStartLocked())
		s.mu.Unlock()
	}
	if !end.After(start) || *countsLeft <= 0 {
		// Polled again within the same millisecond (nothing settled since), or the poll's
		// counts are spent: decided at the next poll.
		return 0, false
	}
	*countsLeft--
	n, err := g.count(ctx, orgIDs(members), start, end)
	switch {
	case ctx.Err() != nil:
		return 0, false
	case err != nil:
		g.failed(ctx, deliverCtx, members, end, err, countsLeft)
		return 0, false
	}
	g.decide(ctx, deliverCtx, members, end, n, true, countsLeft)
	return n, true
}

// delivered is what the members delivered in their own probe ranges ending at end (each from
// its own start: before it, a member's seen-id set may not hold every delivered event, and a
// count that includes events it cannot see only avoids a skip).
func delivered(members []*stream, end time.Time) int64 {
	var d int64
	for _, s := range members {
		s.mu.Lock()
		from := s.probeStartLocked()
		s.mu.Unlock()
		d += s.deliveredIndex(from).between(from, end)
	}
	return d
}

// decide acts on a count n of the members' probe ranges ending at end (from the earliest of
// their starts). A real count (counted) equal to what they delivered there: every member's
// window is skipped; below it, each member takes its own step. Above it: the group is halved down to the members with something new,
// which take their own step. Halving costs one count per level: the left half is counted, the
// right half's count derived (n minus the left's). A derived count only routes the search: it
// can come out too low (events visible between the two counts), so it never skips anyone; a
// half it finds nothing in stays parked, counted again at the next poll.
func (g *groupProber) decide(ctx, deliverCtx context.Context, members []*stream, end time.Time, n int64, counted bool, countsLeft *int) {
	switch groupDecision(n, delivered(members, end), counted, len(members)) {
	case groupSkip:
		for _, s := range members {
			s.skipWindow(end)
			s.persistIfStale(deliverCtx)
			if state, _ := s.r.status.streamState(s.spec); state != stateCollecting {
				// The API answered for it: authenticated, nothing to collect.
				s.setState(stateCollecting, errNone, nil)
			}
		}
		return
	case groupRelease:
		// The API counts fewer events than they delivered: each counts on its own, which
		// detects it and stops skipping windows on counts for that organization.
		for _, s := range members {
			g.release(s)
		}
		return
	case groupParked:
		return // derived: nothing found, counted again at the next poll
	case groupWake:
		// Something new: its step reads its window without counting first.
		members[0].mustRead.Store(true)
		g.release(members[0])
		return
	}
	half := len(members) / 2
	left, right := members[:half], members[half:]
	nl, ok := g.probe(ctx, deliverCtx, left, end, countsLeft)
	if !ok {
		return // the right half stays parked: decided at the next poll
	}
	g.decide(ctx, deliverCtx, right, end, n-nl, false, countsLeft)
}

// failed handles a shared count that failed: a 400 means an organization of the group is
// refused, so the group is halved (each half counted) until it is alone and takes its own
// step, which names it while the others go on; any other failure wakes every member for a step
// of its own (the count is advisory).
func (g *groupProber) failed(ctx, deliverCtx context.Context, members []*stream, end time.Time, err error, countsLeft *int) {
	if jumpcloud.StatusCodeOf(err) != http.StatusBadRequest || len(members) == 1 {
		for _, s := range members {
			g.release(s)
		}
		return
	}
	half := len(members) / 2
	g.probe(ctx, deliverCtx, members[:half], end, countsLeft)
	g.probe(ctx, deliverCtx, members[half:], end, countsLeft)
}

func orgIDs(members []*stream) []string {
	orgs := make([]string, len(members))
	for i, s := range members {
		orgs[i] = s.spec.orgID
	}
	return orgs
}

// count is one shared, advisory POST /events/count for several organizations (countEvents:
// timeout, request metric, a 429 pauses every stream), counted without an organization.
func (g *groupProber) count(ctx context.Context, orgs []string, start, end time.Time) (int64, error) {
	q := jumpcloud.Query{Service: g.r.services, StartTime: start, EndTime: end, OrgIDs: orgs}
	n, err := g.r.countEvents(ctx, q, g.attrs)
	if err != nil && ctx.Err() == nil {
		g.r.settings.Logger.Debug("Shared count failed", zap.Int("organizations", len(orgs)), zap.Error(err))
	}
	return n, err
}

// persistIfStale stores a checkpoint whose window end the shared probe moved when the stored
// one is older than persistSkippedEvery.
func (s *stream) persistIfStale(deliverCtx context.Context) {
	s.mu.Lock()
	if !s.writer.staleLocked(persistSkippedEvery) {
		s.mu.Unlock()
		return
	}
	w := s.writer.snapshotLocked(s.cp)
	s.mu.Unlock()
	// A failed store is retried by the next one; the window end holds in memory meanwhile.
	_ = s.writer.write(deliverCtx, w)
}
