package jumpclouddirectoryinsightsreceiver

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
)

// Table tests of the core's rules (rules.go): no receiver, no clock, no I/O.

var (
	ruleNow   = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	testRules = windowRules{pollInterval: time.Minute, settleDelay: 2 * time.Minute, overlap: 3 * time.Minute, maxWindow: time.Hour}
)

func ago(d time.Duration) time.Time { return ruleNow.Add(-d) }

func TestNextWindowWhenWoken(t *testing.T) {
	t.Parallel()
	cp := checkpoint{WindowEnd: ago(2*time.Minute + 30*time.Second)}
	_, _, ok := cp.nextWindow(ruleNow, testRules, false)
	assert.False(t, ok, "less than poll_interval settled: caught up")
	end, tail, ok := cp.nextWindow(ruleNow, testRules, true)
	assert.True(t, ok, "the shared probe woke it: its window opens at once")
	assert.True(t, tail)
	assert.Equal(t, ago(2*time.Minute), end)

	cp = checkpoint{WindowEnd: ago(200 * 24 * time.Hour)}
	end, tail, ok = cp.nextWindow(ruleNow, testRules, false)
	require.True(t, ok)
	assert.False(t, tail, "capped by max_window")
	assert.Equal(t, retentionFloor(ruleNow).Add(time.Hour), end, "from the retention floor, as clampToRetention moves it")
	assert.Equal(t, ago(200*24*time.Hour), cp.WindowEnd, "a query: nothing moved")
}

func TestProbeStart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cp   checkpoint
		want time.Time
	}{
		{"overlap before the window end", checkpoint{WindowEnd: ago(10 * time.Minute)}, ago(13 * time.Minute)},
		{"an open probe range (ProbeFrom) starts earlier", checkpoint{WindowEnd: ago(10 * time.Minute), ProbeFrom: ago(20 * time.Minute)}, ago(20 * time.Minute)},
		{"never before FinalBefore", checkpoint{WindowEnd: ago(10 * time.Minute), ProbeFrom: ago(20 * time.Minute), FinalBefore: ago(11 * time.Minute)}, ago(11 * time.Minute)},
		{"never before the retention", checkpoint{WindowEnd: ago(100 * 24 * time.Hour)}, retentionFloor(ruleNow)},
		{"on a whole millisecond, rounded up", checkpoint{WindowEnd: ago(10 * time.Minute), FinalBefore: ago(11*time.Minute - 1500*time.Microsecond)}, ago(11*time.Minute - 2*time.Millisecond)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, tt.cp.probeStart(ruleNow, testRules.overlap))
		})
	}
}

func TestOpenTailWindowKeepsItsProbeRangeOpen(t *testing.T) {
	t.Parallel()
	cp := checkpoint{WindowEnd: ago(10 * time.Minute), FinalBefore: ago(time.Hour), Seen: seenSet{"old": ago(2 * time.Hour), "in-probe": ago(12 * time.Minute)}}
	cp.openWindow(ago(2*time.Minute), true, ruleNow, testRules.overlap)
	assert.Equal(t, ago(13*time.Minute), cp.ProbeFrom, "the probe range before the window, until settled")
	assert.True(t, cp.InWindow)
	assert.Equal(t, ago(10*time.Minute), cp.WindowStart)
	assert.Equal(t, ago(2*time.Minute), cp.WindowEnd)
	assert.Equal(t, seenSet{"in-probe": ago(12 * time.Minute)}, cp.Seen, "keys no probe counts are pruned")

	cp = checkpoint{WindowEnd: ago(10 * time.Minute), FinalBefore: ago(time.Hour), Seen: seenSet{}}
	cp.openWindow(ago(2*time.Minute), false, ruleNow, testRules.overlap)
	assert.True(t, cp.ProbeFrom.IsZero(), "a window that is behind probes nothing")
}

// Deciding finality: what a skip, a settle and an eviction make final.
func TestFinality(t *testing.T) {
	t.Parallel()
	t.Run("skip: final up to the probe start, the window end moves, the probe range closes", func(t *testing.T) {
		t.Parallel()
		cp := checkpoint{WindowEnd: ago(10 * time.Minute), ProbeFrom: ago(20 * time.Minute), FinalBefore: ago(time.Hour), Seen: seenSet{}}
		cp.skipWindow(ago(2*time.Minute), ruleNow, testRules.overlap)
		assert.Equal(t, ago(20*time.Minute), cp.FinalBefore)
		assert.Equal(t, ago(2*time.Minute), cp.WindowEnd)
		assert.True(t, cp.ProbeFrom.IsZero())
		cp.skipWindow(ago(5*time.Minute), ruleNow, testRules.overlap)
		assert.Equal(t, ago(2*time.Minute), cp.WindowEnd, "never back")
	})
	t.Run("settle without late ranges: final up to final, nothing to re-read", func(t *testing.T) {
		t.Parallel()
		cp := checkpoint{WindowEnd: ago(2 * time.Minute), ProbeFrom: ago(13 * time.Minute), FinalBefore: ago(time.Hour)}
		cp.settle(ago(13*time.Minute), nil)
		assert.Equal(t, ago(13*time.Minute), cp.FinalBefore)
		assert.True(t, cp.ProbeFrom.IsZero())
		assert.False(t, cp.InWindow)
	})
	t.Run("settle with late ranges: they become the Rescan window, in the same transition", func(t *testing.T) {
		t.Parallel()
		cp := checkpoint{WindowEnd: ago(2 * time.Minute), ProbeFrom: ago(13 * time.Minute), FinalBefore: ago(time.Hour)}
		late := []sliceProgress{{Start: ago(12 * time.Minute), End: ago(11 * time.Minute)}, {Start: ago(5 * time.Minute), End: ago(4 * time.Minute)}}
		cp.settle(ago(13*time.Minute), late)
		assert.Equal(t, ago(13*time.Minute), cp.FinalBefore)
		assert.True(t, cp.InWindow)
		assert.True(t, cp.Rescan)
		assert.Equal(t, ago(12*time.Minute), cp.WindowStart)
		assert.Equal(t, ago(2*time.Minute), cp.WindowEnd, "a re-read inside what was read")
		assert.Equal(t, late, cp.Slices)
	})
	t.Run("settle with a zero final: the probe range stays open", func(t *testing.T) {
		t.Parallel()
		cp := checkpoint{WindowEnd: ago(2 * time.Minute), ProbeFrom: ago(13 * time.Minute), FinalBefore: ago(time.Hour)}
		cp.settle(time.Time{}, nil)
		assert.Equal(t, ago(time.Hour), cp.FinalBefore)
		assert.Equal(t, ago(13*time.Minute), cp.ProbeFrom)
	})
	t.Run("an eviction makes everything up to the newest evicted key final", func(t *testing.T) {
		t.Parallel()
		cp := checkpoint{FinalBefore: ago(time.Hour)}
		cp.evicted(ago(30*time.Minute + 100*time.Microsecond))
		assert.Equal(t, ago(30*time.Minute), cp.FinalBefore, "strictly after it, on a whole millisecond")
		cp.evicted(ago(50 * time.Minute))
		assert.Equal(t, ago(30*time.Minute), cp.FinalBefore, "never back")
	})
	t.Run("without counts, a range is re-read once it is overlap + settle_delay old", func(t *testing.T) {
		t.Parallel()
		cp := checkpoint{WindowStart: ago(7 * time.Minute), WindowEnd: ago(2 * time.Minute), ProbeFrom: ago(10 * time.Minute), FinalBefore: ago(time.Hour)}
		late, final := cp.unprobedRange(ruleNow, testRules)
		assert.Equal(t, []sliceProgress{{Start: ago(10 * time.Minute), End: ago(5 * time.Minute)}}, late)
		assert.Equal(t, ago(5*time.Minute), final)
		cp = checkpoint{WindowStart: ago(3 * time.Minute), WindowEnd: ago(2 * time.Minute), FinalBefore: ago(5 * time.Minute)}
		late, final = cp.unprobedRange(ruleNow, testRules)
		assert.Nil(t, late, "nothing is that old yet")
		assert.True(t, final.IsZero())
	})
}

func TestRetentionTransitions(t *testing.T) {
	t.Parallel()
	cp := checkpoint{InWindow: true, WindowStart: ago(100 * 24 * time.Hour), WindowEnd: ago(99 * 24 * time.Hour), Slices: []sliceProgress{{}}}
	assert.True(t, cp.dropExpiredWindow(ruleNow))
	assert.False(t, cp.InWindow)
	assert.Nil(t, cp.Slices)
	assert.True(t, cp.clampToRetention(ruleNow))
	assert.Equal(t, retentionFloor(ruleNow), cp.WindowEnd)
	assert.Equal(t, retentionFloor(ruleNow), cp.FinalBefore, "what is gone from the API is final")
	assert.False(t, cp.clampToRetention(ruleNow))

	fresh := freshCheckpoint(ruleNow, 200*24*time.Hour)
	assert.Equal(t, retentionFloor(ruleNow), fresh.WindowEnd)
	assert.Equal(t, fresh.WindowEnd, fresh.FinalBefore, "nothing before the lookback is probed")
}

func TestUpgradeOfAnOverlapCheckpoint(t *testing.T) {
	t.Parallel()
	cp := checkpoint{WindowEnd: ago(10 * time.Minute)}
	cp.upgrade(testRules.overlap)
	assert.Equal(t, ago(13*time.Minute), cp.FinalBefore)
	cp = checkpoint{WindowEnd: ago(10 * time.Minute), NoOverlap: true}
	cp.upgrade(testRules.overlap)
	assert.Equal(t, ago(10*time.Minute), cp.FinalBefore)
	assert.False(t, cp.NoOverlap)
}

// Narrowing: re-read a range when it is cheap, bisect it when it is not.
func TestNarrowDecision(t *testing.T) {
	t.Parallel()
	tests := []struct {
		c, d      int64
		exclusion bool
		want      narrowAction
	}{
		{c: 10, d: 10, want: narrowNothing},
		{c: 9, d: 10, want: narrowNothing},
		{c: 20, d: 10, want: narrowReRead},                                   // one delivered per missing
		{c: 11, d: 10, want: narrowBisect},                                   // 10 delivered for 1 missing
		{c: 11, d: 10, exclusion: true, want: narrowReRead},                  // left out by id
		{c: 600, d: maxExcludedIDs + 1, exclusion: true, want: narrowBisect}, // too many ids
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, narrowDecision(tt.c, tt.d, tt.exclusion), "c=%d d=%d exclusion=%v", tt.c, tt.d, tt.exclusion)
	}
}

// Waking a parked organization: what the shared probe does after a count.
func TestGroupDecision(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		n, d    int64
		counted bool
		members int
		want    groupAction
	}{
		{"a real count equal to what was delivered: every window skipped", 7, 7, true, 100, groupSkip},
		{"a derived count equal: parked, never skipped", 7, 7, false, 50, groupParked},
		{"a derived count below: parked", 3, 7, false, 50, groupParked},
		{"a real count below: everyone steps alone", 3, 7, true, 100, groupRelease},
		{"more, one member: woken to read its window", 8, 7, false, 1, groupWake},
		{"more, a real count of one: woken", 8, 7, true, 1, groupWake},
		{"more, several: halved", 8, 7, true, 100, groupHalve},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, groupDecision(tt.n, tt.d, tt.counted, tt.members), tt.name)
	}
}

// Splitting and narrowing slices.
func TestSliceRules(t *testing.T) {
	t.Parallel()
	base := ago(time.Hour)
	t.Run("a 500 halves what the slice has left, from its cursor", func(t *testing.T) {
		t.Parallel()
		sl := sliceProgress{Start: base, End: base.Add(40 * time.Minute), SearchAfter: []byte(`[1]`)}
		mid, ok := halveSlice(sl, base.Add(20*time.Minute))
		assert.True(t, ok)
		assert.Equal(t, base.Add(30*time.Minute), mid)
		sl.SearchAfter = nil
		mid, _ = halveSlice(sl, base.Add(20*time.Minute))
		assert.Equal(t, base.Add(20*time.Minute), mid, "no cursor: from its start")
		_, ok = halveSlice(sliceProgress{Start: base, End: base.Add(narrowFloor)}, time.Time{})
		assert.False(t, ok, "not below narrowFloor: then a transient error")
		// After a restart nothing was fetched yet: from the cursor's time, not from the start
		// (the simulation's seed 1199: the new slice read delivered events again).
		cursor := []byte(fmt.Sprintf(`[%d,"0000000000000000000000ff"]`, base.Add(36*time.Minute).UnixMilli()))
		mid, ok = halveSlice(sliceProgress{Start: base, End: base.Add(40 * time.Minute), SearchAfter: cursor}, time.Time{})
		assert.True(t, ok)
		assert.True(t, base.Add(38*time.Minute).Truncate(time.Millisecond).Equal(mid), "half of the 4 minutes after the cursor, not of the 40 after the start: %s", mid.Sub(base))

		cp := checkpoint{Slices: []sliceProgress{sl}}
		cp.narrowSlice(0, base.Add(20*time.Minute))
		assert.Equal(t, []sliceProgress{{Start: base, End: base.Add(20 * time.Minute)}, {Start: base.Add(20 * time.Minute), End: base.Add(40 * time.Minute)}}, cp.Slices)
	})
	t.Run("a free worker splits the running slice with the most time left, after what it fetched", func(t *testing.T) {
		t.Parallel()
		sls := []sliceProgress{
			{Start: base, End: base.Add(10 * time.Minute)},
			{Start: base.Add(10 * time.Minute), End: base.Add(50 * time.Minute)},
			{Start: base.Add(50 * time.Minute), End: base.Add(60 * time.Minute), Done: true},
		}
		live := []sliceLive{
			{running: true, fetchedTo: base.Add(time.Minute), pageSpan: time.Minute},
			{running: true, fetchedTo: base.Add(20 * time.Minute), pageSpan: time.Minute},
			{},
		}
		i, at, ok := splitPoint(sls, live)
		require.True(t, ok)
		assert.Equal(t, 1, i)
		assert.Equal(t, base.Add(35*time.Minute), at)
		cp := checkpoint{Slices: sls}
		cp.splitSlice(i, at)
		assert.Equal(t, base.Add(35*time.Minute), cp.Slices[1].StopAt, "its query and cursor stay")
		assert.Equal(t, sliceProgress{Start: base.Add(35 * time.Minute), End: base.Add(50 * time.Minute)}, cp.Slices[3])

		live[1].pageSpan = 20 * time.Minute
		live[0].pageSpan = 5 * time.Minute
		_, _, ok = splitPoint(sls, live)
		assert.False(t, ok, "no slice has more than two of its pages left")
	})
	t.Run("slices per window: concurrency, at least two pages each", func(t *testing.T) {
		t.Parallel()
		assert.Equal(t, 1, slicesFor(0, 4, 1000))
		assert.Equal(t, 1, slicesFor(2000, 4, 1000))
		assert.Equal(t, 2, slicesFor(2001, 4, 1000))
		assert.Equal(t, 4, slicesFor(1_000_000, 4, 1000))
	})
	t.Run("delivery progress", func(t *testing.T) {
		t.Parallel()
		cp := checkpoint{Slices: []sliceProgress{{Start: base, End: base.Add(time.Minute)}}}
		cp.batchDelivered(0, 3, "k3")
		assert.Equal(t, 3, cp.Slices[0].Delivered)
		cp.pageDelivered(0, []byte(`[2]`), false)
		assert.Equal(t, sliceProgress{Start: base, End: base.Add(time.Minute), SearchAfter: []byte(`[2]`)}, cp.Slices[0])
		cp.pageDelivered(0, nil, true)
		assert.True(t, cp.Slices[0].Done)
		assert.Equal(t, `[2]`, string(cp.Slices[0].SearchAfter), "a last page without cursor keeps the one before")
	})
}

func TestRepair(t *testing.T) {
	t.Parallel()
	cp := checkpoint{InWindow: true, WindowStart: ruleNow, WindowEnd: ruleNow}
	assert.Equal(t, repairEmptyWindow, cp.repair("q"))
	assert.False(t, cp.InWindow)
	cp = checkpoint{InWindow: true, WindowStart: ago(time.Hour), WindowEnd: ruleNow, Query: "old", Slices: []sliceProgress{{}}}
	assert.Equal(t, repairQueryChanged, cp.repair("q"))
	assert.Nil(t, cp.Slices)
	assert.True(t, cp.InWindow)
}

func TestStreamMetricAttributes(t *testing.T) {
	t.Parallel()
	assert.Nil(t, streamSpec{}.metricAttrs())
	assert.Equal(t, []attribute.KeyValue{attribute.String("jumpcloud.organization", "o1")}, streamSpec{orgID: "o1"}.metricAttrs())
	assert.Equal(t, []attribute.KeyValue{attribute.String("jumpcloud.provider", "p1")}, streamSpec{providerID: "p1"}.metricAttrs(),
		"the provider id, as on the records: never provider:<id>")
}

// The transitions keep the invariants of rules.go whatever the schedule: a seeded walk through
// windows read, skipped, settled with or without late ranges, under a small seen-id set that
// evicts, with time advancing by random steps.
func TestTransitionsKeepTheInvariants(t *testing.T) {
	t.Parallel()
	for seed := range uint64(300) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			walkTransitions(t, seed)
		})
	}
}

func walkTransitions(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 21)) //nolint:gosec // a seeded, reproducible schedule: not security
	rules := windowRules{pollInterval: 10 * time.Second, settleDelay: 5 * time.Second, overlap: 3 * time.Minute, maxWindow: time.Hour}
	now := ruleNow
	cp := freshCheckpoint(now, time.Duration(rng.IntN(3))*time.Hour)
	const maxSeen = 20
	prevEnd, prevFinal := cp.WindowEnd, cp.FinalBefore
	check := func(step string) {
		t.Helper()
		if cp.InWindow {
			require.True(t, cp.WindowEnd.After(cp.WindowStart), "I1 at %s: window [%s, %s)", step, cp.WindowStart, cp.WindowEnd)
		}
		require.False(t, cp.WindowEnd.Before(prevEnd), "I2 at %s: WindowEnd moved back", step)
		require.False(t, cp.FinalBefore.Before(prevFinal), "I2 at %s: FinalBefore moved back", step)
		require.False(t, cp.probeStart(now, rules.overlap).Before(cp.FinalBefore), "I3 at %s", step)
		prevEnd, prevFinal = cp.WindowEnd, cp.FinalBefore
	}
	deliver := func(from, to time.Time) {
		for range rng.IntN(8) {
			ts := from.Add(time.Duration(rng.Int64N(int64(to.Sub(from))))).Truncate(time.Millisecond)
			key := fmt.Sprintf("e%d", rng.Int64())
			if !ts.Before(cp.seenFrom(rules.overlap)) {
				if n, newest := cp.Seen.add(key, ts, maxSeen); n > 0 {
					cp.evicted(newest)
					check("evicted")
				}
			}
		}
	}
	for range 200 {
		now = now.Add(time.Duration(rng.Int64N(int64(3 * rules.pollInterval))))
		if cp.clampToRetention(now) {
			prevEnd, prevFinal = cp.WindowEnd, cp.FinalBefore
		}
		end, tail, ok := cp.nextWindow(now, rules, rng.IntN(4) == 0)
		if !ok {
			continue
		}
		if tail && rng.IntN(3) == 0 {
			cp.skipWindow(end, now, rules.overlap)
			check("skipWindow")
			require.True(t, cp.ProbeFrom.IsZero(), "I4: a skip settles the probe range")
			continue
		}
		cp.openWindow(end, tail, now, rules.overlap)
		check("openWindow")
		require.Equal(t, tail, !cp.ProbeFrom.IsZero(), "I4: a tail window's probe range stays open")
		deliver(cp.WindowStart, cp.WindowEnd)
		cp.closeWindow()
		check("closeWindow")
		if !tail {
			continue
		}
		from, to, open := cp.lateProbeRange(now, rules.overlap)
		require.True(t, open)
		var late []sliceProgress
		if to.After(from) && rng.IntN(2) == 0 {
			mid := from.Add(to.Sub(from) / 2).Truncate(time.Millisecond)
			if mid.After(from) {
				late = []sliceProgress{{Start: from, End: mid}}
			}
		}
		cp.settle(from, late)
		check("settle")
		require.True(t, cp.ProbeFrom.IsZero(), "I4")
		if len(late) > 0 {
			require.True(t, cp.InWindow && cp.Rescan)
			deliver(late[0].Start, late[0].End)
			cp.closeWindow()
			check("close the re-read")
		}
	}
}
