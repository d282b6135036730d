package jumpclouddirectoryinsightsreceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckpointRoundTrip(t *testing.T) {
	ts := time.Date(2026, 11, 24, 1, 2, 3, 456789, time.UTC)
	cp := &checkpoint{InWindow: true, WindowStart: ts, WindowEnd: ts.Add(time.Hour),
		SearchAfter: []byte(`[1795000000000,"abc"]`), Query: "all||x", Seen: seenSet{"abc": ts, "3F2504E0-4F89-11D3-9A0C-0305E82C3301": ts.Add(-time.Hour)}}
	store := checkpointStore{client: newMemStorage()}
	require.NoError(t, store.save(t.Context(), cp, true))
	got, err := store.load(t.Context())
	require.NoError(t, err)
	assert.Equal(t, cp, got)
}

func TestCheckpointSeenSetIsWrittenOnlyWhenAsked(t *testing.T) {
	ts := time.Date(2026, 11, 24, 1, 2, 3, 0, time.UTC)
	store := checkpointStore{client: newMemStorage()}
	cp := &checkpoint{WindowEnd: ts, Seen: seenSet{"a": ts}}
	require.NoError(t, store.save(t.Context(), cp, true))
	cp.Seen["b"] = ts
	require.NoError(t, store.save(t.Context(), cp, false))
	got, err := store.load(t.Context())
	require.NoError(t, err)
	assert.Equal(t, seenSet{"a": ts}, got.Seen)
}

func TestDecodeSeenRejectsGarbage(t *testing.T) {
	_, err := decodeSeen([]byte{9, 1, 2})
	assert.ErrorContains(t, err, "encoding version 9")
	_, err = decodeSeen([]byte{seenEncodingVersion, 200})
	assert.ErrorContains(t, err, "truncated")
}

func TestSeenSetIsBounded(t *testing.T) {
	s := seenSet{}
	base := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	evicted := 0
	for i := range 1000 {
		evicted += s.add(string(rune('a'+i%26))+time.Duration(i).String(), base.Add(time.Duration(i)*time.Second), 100)
	}
	assert.LessOrEqual(t, len(s), 100)
	assert.Equal(t, 1000-len(s), evicted)
	// the newest ids are kept
	_, ok := s[string(rune('a'+999%26))+time.Duration(999).String()]
	assert.True(t, ok)
}

// Changing the services while a window is in progress restarts that window from its start.
func TestQueryChangeRestartsTheWindow(t *testing.T) {
	now := time.Now().UTC()
	r := newWindowTestReceiver(t, testConfig("http://127.0.0.1:1"), now)
	cp := &checkpoint{InWindow: true, WindowStart: now.Add(-time.Hour), WindowEnd: now,
		SearchAfter: []byte(`[1,"x"]`), Query: "directory||http://127.0.0.1:1", Seen: seenSet{}}
	r.repairCheckpoint(cp)
	assert.Nil(t, cp.SearchAfter, "services changed from directory to all")
	assert.True(t, cp.InWindow)

	cp = &checkpoint{InWindow: true, WindowStart: now.Add(-time.Hour), WindowEnd: now,
		SearchAfter: []byte(`[1,"x"]`), Query: r.queryFingerprint(), Seen: seenSet{}}
	r.repairCheckpoint(cp)
	assert.NotNil(t, cp.SearchAfter, "same query: resume at the cursor")

	cp = &checkpoint{InWindow: true, WindowStart: now, WindowEnd: now, Seen: seenSet{}}
	r.repairCheckpoint(cp)
	assert.False(t, cp.InWindow, "an empty window is dropped, never queried")
}
