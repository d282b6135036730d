package jumpclouddirectoryinsightsreceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckpointRoundTrip(t *testing.T) {
	t.Parallel()
	ts := time.Date(2026, 11, 24, 1, 2, 3, 456789, time.UTC)
	cp := &checkpoint{InWindow: true, WindowStart: ts, WindowEnd: ts.Add(time.Hour),
		Slices: []sliceProgress{
			{Start: ts, End: ts.Add(30 * time.Minute), SearchAfter: []byte(`[1795000000000,"abc"]`), Delivered: 12, LastID: "abc"},
			{Start: ts.Add(30 * time.Minute), End: ts.Add(time.Hour), Done: true},
		},
		Query: "all||x", Seen: seenSet{"abc": ts, "3F2504E0-4F89-11D3-9A0C-0305E82C3301": ts.Add(-time.Hour)}}
	for _, spec := range []streamSpec{{}, {orgID: "org1"}, {providerID: "p1"}} {
		store := newCheckpointStore(newMemStorage(), spec)
		require.NoError(t, store.save(t.Context(), cp, true, false))
		got, adopted, err := store.load(t.Context(), spec.orgID)
		require.NoError(t, err)
		assert.False(t, adopted)
		assert.Equal(t, cp, got)
	}
}

func TestCheckpointSeenSetIsWrittenOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	ts := time.Date(2026, 11, 24, 1, 2, 3, 0, time.UTC)
	store := newCheckpointStore(newMemStorage(), streamSpec{})
	cp := &checkpoint{WindowEnd: ts, Seen: seenSet{"a": ts}}
	require.NoError(t, store.save(t.Context(), cp, true, false))
	cp.Seen["b"] = ts
	require.NoError(t, store.save(t.Context(), cp, false, false))
	got, _, err := store.load(t.Context(), "")
	require.NoError(t, err)
	assert.Equal(t, seenSet{"a": ts}, got.Seen)
}

func TestDecodeSeenRejectsGarbage(t *testing.T) {
	t.Parallel()
	_, err := decodeSeen([]byte{9, 1, 2})
	assert.ErrorContains(t, err, "encoding version 9")
	_, err = decodeSeen([]byte{seenEncodingVersion, 200})
	assert.ErrorContains(t, err, "truncated")
}

func TestSeenSetIsBounded(t *testing.T) {
	t.Parallel()
	s := seenSet{}
	base := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	evicted := 0
	for i := range 1000 {
		n, _ := s.add(string(rune('a'+i%26))+time.Duration(i).String(), base.Add(time.Duration(i)*time.Second), 100)
		evicted += n
	}
	assert.LessOrEqual(t, len(s), 100)
	assert.Equal(t, 1000-len(s), evicted)
	// the newest ids are kept
	_, ok := s[string(rune('a'+999%26))+time.Duration(999).String()]
	assert.True(t, ok)
}

// Changing the services while a window is in progress restarts that window from its start.
func TestQueryChangeRestartsTheWindow(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC()
	r := newWindowTestReceiver(t, testConfig("http://127.0.0.1:1"), now)
	st := r.streams[0]
	slices := func() []sliceProgress {
		return []sliceProgress{{Start: now.Add(-time.Hour), End: now, SearchAfter: []byte(`[1,"x"]`)}}
	}
	cp := &checkpoint{InWindow: true, WindowStart: now.Add(-time.Hour), WindowEnd: now,
		Slices: slices(), Query: "directory||http://127.0.0.1:1", Seen: seenSet{}}
	st.repairCheckpoint(cp)
	assert.Nil(t, cp.Slices, "services changed from directory to all: the window is sliced again from its start")
	assert.True(t, cp.InWindow)

	cp = &checkpoint{InWindow: true, WindowStart: now.Add(-time.Hour), WindowEnd: now,
		Slices: slices(), Query: st.queryFingerprint(), Seen: seenSet{}}
	st.repairCheckpoint(cp)
	assert.Equal(t, slices(), cp.Slices, "same query: resume at the cursor")

	cp = &checkpoint{InWindow: true, WindowStart: now, WindowEnd: now, Seen: seenSet{}}
	st.repairCheckpoint(cp)
	assert.False(t, cp.InWindow, "an empty window is dropped, never queried")
}
