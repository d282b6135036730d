package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"

import (
	"slices"
	"strings"
	"time"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
)

// The rules of collection (docs/design.md, "The core: the checkpoint's rules"). The checkpoint
// owns its position: FinalBefore, WindowStart, WindowEnd, ProbeFrom, InWindow, Rescan and
// Slices change only through the methods below, each a named transition; the queries beside
// them decide from the checkpoint, the settings (rules) and the time they are handed. No
// method does I/O, starts a goroutine, logs or reads a clock: the stream (stream.go, probe.go,
// window.go), its slices (slices.go) and the shared probe (group.go) are the drivers that ask,
// run the requests, and report what they saw. The caller holds the stream's lock.
//
// Invariants, after every transition:
//   - I1: while InWindow, WindowStart < WindowEnd (a query with start >= end is never sent),
//     and a Rescan window lies before WindowEnd: WindowEnd stays the end of what was read;
//   - I2: WindowEnd and FinalBefore never move back, but for the retention floor (what is
//     older is gone from the API);
//   - I3: no probe counts before FinalBefore (probeStart >= FinalBefore): what is before it was
//     counted when all its events were visible and read, or was never to be read (before the
//     first lookback, or gone from the retention), or its keys were evicted from Seen;
//   - I4: ProbeFrom is set from opening a tail window until its probe range is settled (found
//     nothing late, or stored as the Rescan window), and FinalBefore moves past the probe
//     start only in that same transition (settle, skipWindow): a stop in between probes the
//     whole range again;
//   - I5: Seen holds every event delivered at or after the probe start (pruneSeen drops only
//     what is older than both FinalBefore and the probe range), or FinalBefore moved past the
//     newest one evicted (evicted).

// windowRules are the settings the rules read.
type windowRules struct {
	pollInterval, settleDelay, overlap, maxWindow time.Duration
}

func rulesOf(cfg *Config) windowRules {
	return windowRules{pollInterval: cfg.PollInterval, settleDelay: cfg.SettleDelay, overlap: cfg.Overlap, maxWindow: cfg.MaxWindow}
}

// retentionMargin keeps the oldest start time safely inside the API's retention.
const retentionMargin = time.Hour

// retentionFloor is the oldest time the API still serves at now (with the margin).
func retentionFloor(now time.Time) time.Time {
	return now.Add(-retention + retentionMargin)
}

// freshCheckpoint is the position of a first start at now: a window beginning lookback ago
// (clamped to the retention). Nothing before it was read: no probe looks there.
func freshCheckpoint(now time.Time, lookback time.Duration) *checkpoint {
	start := now.Add(-lookback)
	if floor := retentionFloor(now); start.Before(floor) {
		start = floor
	}
	start = start.Truncate(time.Millisecond).UTC()
	return &checkpoint{WindowEnd: start, FinalBefore: start, Seen: seenSet{}}
}

// upgrade gives a checkpoint stored when windows re-read an overlap its FinalBefore: everything
// overlap before its window end was final (all of it after a first window, NoOverlap).
func (cp *checkpoint) upgrade(overlap time.Duration) {
	if cp.FinalBefore.IsZero() {
		cp.FinalBefore = cp.WindowEnd.Add(-overlap)
		if cp.NoOverlap {
			cp.FinalBefore = cp.WindowEnd
		}
	}
	cp.NoOverlap = false
}

// repairAction is what repair did to a loaded checkpoint.
type repairAction int

const (
	repairNone repairAction = iota
	// repairEmptyWindow: the stored window was empty (start >= end): dropped, never queried.
	repairEmptyWindow
	// repairQueryChanged: the window's cursors belong to another query: sliced again from its
	// start (events of that window may be delivered again: duplicates, never a gap).
	repairQueryChanged
)

// repair makes a loaded checkpoint safe to resume with query (the stream's fingerprint).
func (cp *checkpoint) repair(query string) repairAction {
	if !cp.InWindow {
		return repairNone
	}
	if !cp.WindowEnd.After(cp.WindowStart) {
		cp.InWindow, cp.Slices = false, nil
		return repairEmptyWindow
	}
	if cp.Query != query && len(cp.Slices) > 0 {
		cp.Slices = nil
		return repairQueryChanged
	}
	return repairNone
}

// dropExpiredWindow closes a window whose start fell out of the retention at now (a stop
// longer than the retention); it reports whether it did.
func (cp *checkpoint) dropExpiredWindow(now time.Time) bool {
	if !cp.InWindow || !cp.WindowStart.Before(retentionFloor(now)) {
		return false
	}
	cp.closeWindow()
	return true
}

// clampToRetention moves a window end older than the retention at now (a stop longer than it)
// to the oldest available time, which is final; it reports whether it did.
func (cp *checkpoint) clampToRetention(now time.Time) bool {
	floor := retentionFloor(now)
	if !cp.WindowEnd.Before(floor) {
		return false
	}
	cp.WindowEnd, cp.FinalBefore = floor.UTC(), floor.UTC()
	return true
}

// nextWindow is where the next window [WindowEnd, end) ends at now, a query: settle_delay
// before now, on a whole millisecond, at most max_window after its start (capped; the start
// as clampToRetention would move it). ok is false when less than poll_interval has settled
// since the previous window (caught up: without that bound every closed window would open the
// next one at once), unless woken (by the shared probe). A window that is not capped and at
// most two polls and the overlap long is the tail: collection has caught up, late events are
// probed for after it.
func (cp *checkpoint) nextWindow(now time.Time, rules windowRules, woken bool) (end time.Time, tail, ok bool) {
	start := cp.WindowEnd
	if floor := retentionFloor(now); start.Before(floor) {
		start = floor.UTC()
	}
	// Whole milliseconds, the API's ordering precision: the probe's counts and the delivered
	// events' times then agree on which side of a bound an event is.
	end = now.Add(-rules.settleDelay).Truncate(time.Millisecond)
	capped := false
	if limit := start.Add(rules.maxWindow); end.After(limit) {
		end, capped = limit, true
	}
	if !end.After(start) || (!capped && !woken && end.Sub(start) < rules.pollInterval) {
		return time.Time{}, false, false
	}
	return end.UTC(), !capped && end.Sub(start) <= 2*(rules.pollInterval+rules.overlap), true
}

// behind reports whether the window [start, end) is long enough to be worth slicing: more than
// two polls and the overlap.
func behind(start, end time.Time, rules windowRules) bool {
	return end.Sub(start) > 2*(rules.pollInterval+rules.overlap)
}

// probeStart is where the probe range starts at now: overlap before the window end, or where
// the probe range of a tail window whose late events are not settled yet starts (ProbeFrom),
// never before FinalBefore or the retention, on a whole millisecond.
func (cp *checkpoint) probeStart(now time.Time, overlap time.Duration) time.Time {
	start := cp.WindowEnd.Add(-overlap)
	if !cp.ProbeFrom.IsZero() {
		start = minTime(start, cp.ProbeFrom)
	}
	start = maxTime(start, cp.FinalBefore)
	return ceilMillis(maxTime(start, retentionFloor(now))).UTC()
}

// openWindow starts the window [WindowEnd, end): every event is read once, when its window is
// read; the late ones are found by the probe, not by re-reading. The probe range of a tail
// window stays open (ProbeFrom) until its late events are settled (I4). It returns how many
// keys pruneSeen dropped.
func (cp *checkpoint) openWindow(end time.Time, tail bool, now time.Time, overlap time.Duration) (pruned int) {
	if tail && overlap > 0 {
		cp.ProbeFrom = cp.probeStart(now, overlap)
	}
	cp.InWindow, cp.Rescan = true, false
	cp.WindowStart, cp.WindowEnd = cp.WindowEnd, end
	cp.Slices = nil
	return cp.pruneSeen(overlap)
}

// planWindow gives the open window its slices (splitWindow): n of equal time.
func (cp *checkpoint) planWindow(n int) {
	cp.Slices = splitWindow(cp.WindowStart, cp.WindowEnd, n)
}

// closeWindow ends the window being collected (read, or re-read): WindowEnd stays.
func (cp *checkpoint) closeWindow() {
	cp.InWindow, cp.Rescan, cp.Slices = false, false, nil
}

// skipWindow moves the window end to end without reading it, at now: the probe range
// [probe start, end) was counted and holds nothing that was not delivered. What is before the
// probe start is final: it was in the previous probe range, counted when its events were all
// visible. It returns how many keys pruneSeen dropped.
func (cp *checkpoint) skipWindow(end, now time.Time, overlap time.Duration) (pruned int) {
	cp.FinalBefore = maxTime(cp.FinalBefore, cp.probeStart(now, overlap))
	cp.WindowEnd = maxTime(cp.WindowEnd, end)
	cp.ProbeFrom = time.Time{}
	return cp.pruneSeen(overlap)
}

// settle records that the probe range is settled up to final (what is before it is final;
// zero leaves FinalBefore and the open probe range as they are) and makes the late ranges the
// window being collected, a re-read inside what was read already (WindowEnd stays). The
// driver stores both at once, before anything is re-read (I4).
func (cp *checkpoint) settle(final time.Time, late []sliceProgress) {
	if !final.IsZero() {
		cp.FinalBefore = maxTime(cp.FinalBefore, final)
		cp.ProbeFrom = time.Time{}
	}
	if len(late) > 0 {
		cp.InWindow, cp.Rescan = true, true
		cp.WindowStart, cp.Slices = late[0].Start, late
	}
}

// evicted records that the seen-id set evicted keys up to newest: it no longer knows what
// was delivered before, so no probe may count there (I5).
func (cp *checkpoint) evicted(newest time.Time) {
	cp.FinalBefore = maxTime(cp.FinalBefore, ceilMillis(newest.Add(time.Nanosecond)))
}

// pruneSeen drops the keys that no probe, re-read or window can read again: older than the
// probe range and than FinalBefore. It returns how many it dropped.
func (cp *checkpoint) pruneSeen(overlap time.Duration) int {
	return cp.Seen.pruneBefore(minTime(cp.FinalBefore, cp.WindowStart.Add(-overlap)))
}

// seenFrom is from when a delivered event's key goes into Seen: the probe range after the
// window being collected, or the open one that settles it (ProbeFrom).
func (cp *checkpoint) seenFrom(overlap time.Duration) time.Time {
	from := cp.WindowEnd.Add(-overlap)
	if !cp.ProbeFrom.IsZero() {
		from = minTime(from, cp.ProbeFrom)
	}
	return from
}

// lateProbeRange is the probe range of the tail window read last, [probe start, WindowEnd),
// to count again once the window is delivered; open is false when there is none (ProbeFrom
// unset: nothing to settle).
func (cp *checkpoint) lateProbeRange(now time.Time, overlap time.Duration) (from, to time.Time, open bool) {
	if cp.ProbeFrom.IsZero() {
		return time.Time{}, time.Time{}, false
	}
	return cp.probeStart(now, overlap), cp.WindowEnd, true
}

// unprobedRange is the re-read that stands in for the probe while /events/count fails: the
// tail window's probe range up to overlap + settle_delay before now (its late events have all
// become visible), read once, which makes it final. final is zero when nothing is that old yet
// (the next probe starts at the same place).
func (cp *checkpoint) unprobedRange(now time.Time, rules windowRules) (late []sliceProgress, final time.Time) {
	from := cp.probeStart(now, rules.overlap)
	if cp.ProbeFrom.IsZero() {
		from = maxTime(maxTime(cp.FinalBefore, cp.WindowStart.Add(-rules.overlap)), retentionFloor(now))
	}
	// An event visible within overlap + settle_delay of its time is visible now when older.
	to := minTime(cp.WindowEnd, now.Add(-rules.overlap-rules.settleDelay)).Truncate(time.Millisecond).UTC()
	if !to.After(from) {
		return nil, time.Time{}
	}
	return []sliceProgress{{Start: from, End: to}}, to
}

// deliveredIndex answers how many delivered events fall in a range: the times of the seen-id
// set, sorted.
type deliveredIndex struct {
	times []int64 // Unix nanoseconds, sorted
}

// deliveredFrom indexes the delivered events from from on.
func (cp *checkpoint) deliveredFrom(from time.Time) *deliveredIndex {
	ix := &deliveredIndex{}
	f := from.UnixNano()
	for _, ts := range cp.Seen {
		if n := ts.UnixNano(); n >= f {
			ix.times = append(ix.times, n)
		}
	}
	slices.Sort(ix.times)
	return ix
}

// between is the number of delivered events in [a, b). A range where the API counts more than
// it returns is re-read on every poll (a re-read that leaves the delivered ids out costs an
// empty page): never taken as delivered, so no late event can hide behind it.
func (ix *deliveredIndex) between(a, b time.Time) int64 {
	lo, _ := slices.BinarySearch(ix.times, a.UnixNano())
	hi, _ := slices.BinarySearch(ix.times, b.UnixNano())
	return int64(hi - lo)
}

// excludedIDs lists the ids of the events delivered in [start, end) for a re-read to leave
// out, or none: not a re-read (Rescan), ids without a real id (digest keys), or more than
// maxExcludedIDs of them (the seen-id set then drops what is re-read).
func (cp *checkpoint) excludedIDs(start, end time.Time) []string {
	if !cp.Rescan {
		return nil
	}
	var ids []string
	for key, ts := range cp.Seen {
		if ts.Before(start) || !ts.Before(end) || strings.HasPrefix(key, jumpcloud.DigestKeyPrefix) {
			continue
		}
		if len(ids) == maxExcludedIDs {
			return nil
		}
		ids = append(ids, key)
	}
	return ids
}

// narrowAction is what the narrowing does with a range counted c with d delivered.
type narrowAction int

const (
	// narrowNothing: nothing late in the range (the count is not above what was delivered).
	narrowNothing narrowAction = iota
	// narrowReRead: re-read the range: it costs at most one event already delivered per
	// missing one, or the delivered ones can be left out of the answer (excluded by id).
	narrowReRead
	// narrowBisect: count both halves (when counts are left and the range is longer than a
	// millisecond; else re-read it).
	narrowBisect
)

// narrowDecision is the narrowing's rule for a range the API counts c events in, d of them
// delivered; exclusion is whether re-reads may leave delivered ids out.
func narrowDecision(c, d int64, exclusion bool) narrowAction {
	missing := c - d
	switch {
	case missing <= 0:
		return narrowNothing
	case d <= missing || (exclusion && d <= maxExcludedIDs):
		return narrowReRead
	}
	return narrowBisect
}

// groupAction is what the shared probe does with a group of parked members after a count.
type groupAction int

const (
	// groupSkip: every member's window is skipped (skipWindow): nothing new.
	groupSkip groupAction = iota
	// groupRelease: every member takes its own step (the API counts fewer than they delivered).
	groupRelease
	// groupParked: the members stay parked, counted again at the next poll.
	groupParked
	// groupWake: the only member has something new: it takes its own step and reads its
	// window without counting first (mustRead).
	groupWake
	// groupHalve: count the left half, derive the right.
	groupHalve
)

// groupDecision is the shared probe's rule for a count n of members' probe ranges, d of
// their events delivered there; counted is false for a count derived as the group's minus a
// half's, which only routes the search: it can come out too low (events visible between the
// two counts), so it never skips anyone.
func groupDecision(n, d int64, counted bool, members int) groupAction {
	switch {
	case n == d && counted:
		return groupSkip
	case n < d && counted:
		return groupRelease
	case n <= d:
		return groupParked
	case members == 1:
		return groupWake
	}
	return groupHalve
}

// narrowSlice makes slice i end at mid (after a 500: halveSlice) and adds a slice for the
// rest of its time, for a free worker. Its search_after is kept: it is a position in the sort
// order, valid for the narrower end_time.
func (cp *checkpoint) narrowSlice(i int, mid time.Time) {
	sl := &cp.Slices[i]
	end := sl.end()
	sl.End, sl.StopAt = mid, time.Time{}
	cp.Slices = append(cp.Slices, sliceProgress{Start: mid, End: end})
}

// splitSlice makes slice i stop at at (splitPoint: its query, and so its search_after, stay
// the same; it ends at its first event >= at) and adds the slice [at, its end).
func (cp *checkpoint) splitSlice(i int, at time.Time) {
	sl := &cp.Slices[i]
	end := sl.end()
	sl.StopAt = at
	cp.Slices = append(cp.Slices, sliceProgress{Start: at, End: end})
}

// batchDelivered records that the first offset events of slice i's current page (the last of
// them keyed lastKey) are delivered: a restart skips them when the page still starts the same
// way.
func (cp *checkpoint) batchDelivered(i, offset int, lastKey string) {
	sl := &cp.Slices[i]
	sl.Delivered, sl.LastID = offset, lastKey
}

// pageDelivered records that every event of slice i's current page that belongs to it is
// delivered: the slice moves past the page (to cursor, when the page had one), and is done
// when the page was its last (or a split stopped it there).
func (cp *checkpoint) pageDelivered(i int, cursor []byte, last bool) {
	sl := &cp.Slices[i]
	if len(cursor) > 0 {
		sl.SearchAfter = cursor
	}
	sl.Delivered, sl.LastID, sl.Done = 0, "", last
}

// halveSlice is where a 500 (too expensive) cuts slice sl, whose newest fetched event is at
// fetchedTo: at the middle of the time it has left (from its cursor on: the cursor's time, or
// the newest event fetched when later; after a restart nothing was fetched yet, and a cut before
// the cursor would have the new slice read delivered events again). ok is false when that is at
// most narrowFloor: the 500 is then a transient error.
func halveSlice(sl sliceProgress, fetchedTo time.Time) (mid time.Time, ok bool) {
	from := sl.Start
	if len(sl.SearchAfter) > 0 {
		from = maxTime(from, fetchedTo)
		if at, ok := jumpcloud.CursorTime(sl.SearchAfter); ok {
			from = maxTime(from, at)
		}
	}
	end := sl.end()
	if end.Sub(from) <= narrowFloor {
		return time.Time{}, false
	}
	mid = from.Add(end.Sub(from) / 2).Truncate(time.Millisecond)
	return mid, mid.After(from)
}

// splitPoint picks the running slice with the most time still ahead of it, when that is more
// than two of its pages, and where to split it: half-way through what it has not fetched yet,
// on a whole millisecond after everything it fetched. ok is false when nothing is worth it.
func splitPoint(sls []sliceProgress, live []sliceLive) (victim int, at time.Time, ok bool) {
	best, bestLeft := -1, time.Duration(0)
	for i := range sls {
		sl, lv := &sls[i], &live[i]
		if sl.Done || !lv.running || lv.pageSpan <= 0 {
			continue
		}
		if left := sl.end().Sub(lv.fetchedTo); left > 2*lv.pageSpan && left > bestLeft {
			best, bestLeft = i, left
		}
	}
	if best < 0 {
		return 0, time.Time{}, false
	}
	at = live[best].fetchedTo.Add(bestLeft / 2).Truncate(time.Millisecond)
	if !at.After(live[best].fetchedTo) {
		return 0, time.Time{}, false
	}
	return best, at, true
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func ceilMillis(t time.Time) time.Time {
	if c := t.Truncate(time.Millisecond); c.Before(t) {
		return c.Add(time.Millisecond)
	}
	return t
}
