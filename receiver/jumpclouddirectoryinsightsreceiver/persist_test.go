package jumpclouddirectoryinsightsreceiver

import (
	"context"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/metadata"
)

// blockingStorage is a memStorage whose writes wait until release is closed, reporting each
// one on entered first.
type blockingStorage struct {
	*memStorage
	entered chan struct{}
	release chan struct{}
}

func (b *blockingStorage) Batch(ctx context.Context, ops ...*storage.Operation) error {
	for _, op := range ops {
		if op.Type != storage.Get {
			b.entered <- struct{}{}
			<-b.release
			break
		}
	}
	return b.memStorage.Batch(ctx, ops...)
}

func persistTestStream(t *testing.T, client storage.Client) *stream {
	t.Helper()
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	r := newWindowTestReceiver(t, testConfig("http://127.0.0.1:1"), now)
	st := r.streams[0]
	st.writer.store = newCheckpointStore(client, st.spec)
	st.cp = &checkpoint{WindowEnd: now.Add(-time.Hour), FinalBefore: now.Add(-time.Hour), Seen: seenSet{}}
	return st
}

// A storage write does not hold the stream's lock: its workers go on while file_storage writes.
func TestStorageWriteDoesNotHoldTheStreamLock(t *testing.T) {
	t.Parallel()
	bs := &blockingStorage{memStorage: newMemStorage(), entered: make(chan struct{}, 1), release: make(chan struct{})}
	st := persistTestStream(t, bs)
	done := make(chan error, 1)
	go func() { done <- st.writer.persist(context.Background(), st.cp) }()
	<-bs.entered
	require.True(t, st.mu.TryLock(), "the stream's lock is free while storage writes")
	st.cp.WindowEnd = st.cp.WindowEnd.Add(time.Minute)
	st.writer.changed()
	st.mu.Unlock()
	close(bs.release)
	require.NoError(t, <-done)
	st.mu.Lock()
	defer st.mu.Unlock()
	assert.True(t, st.writer.dirtyLocked(), "the change made during the write is not stored yet")
}

// Two snapshots written in the reverse order (two workers of a stream commit at once, the later
// reaches storage first): storage keeps the later checkpoint and its seen-id set.
func TestEarlierSnapshotNeverOverwritesALaterOne(t *testing.T) {
	t.Parallel()
	ms := newMemStorage()
	st := persistTestStream(t, ms)
	base := st.cp.WindowEnd

	st.mu.Lock()
	st.cp.Seen["a"] = base
	st.writer.seenChanged()
	st.writer.changed()
	earlier := st.writer.snapshotLocked(st.cp)
	st.cp.WindowEnd = base.Add(time.Minute)
	st.cp.Seen["b"] = base.Add(time.Second)
	st.writer.seenChanged()
	st.writer.changed()
	later := st.writer.snapshotLocked(st.cp)
	st.mu.Unlock()
	assert.True(t, earlier.withSeen)
	assert.True(t, later.withSeen, "a seen-id change not yet stored rides with every snapshot")

	require.NoError(t, st.writer.write(t.Context(), later))
	require.NoError(t, st.writer.write(t.Context(), earlier))
	got, _, err := st.writer.store.load(t.Context(), st.spec.orgID)
	require.NoError(t, err)
	assert.Equal(t, base.Add(time.Minute), got.WindowEnd)
	assert.Equal(t, seenSet{"a": base, "b": base.Add(time.Second)}, got.Seen)
	st.mu.Lock()
	defer st.mu.Unlock()
	assert.False(t, st.writer.dirtyLocked())

	// Nothing changed since: the next snapshot leaves the seen-id set out.
	assert.False(t, st.writer.snapshotLocked(st.cp).withSeen)
}

// A failed write leaves the checkpoint ahead of storage: the next write stores it, seen set
// included.
func TestFailedWriteIsStoredByTheNextOne(t *testing.T) {
	t.Parallel()
	ms := newMemStorage()
	st := persistTestStream(t, ms)
	st.mu.Lock()
	st.cp.Seen["a"] = st.cp.WindowEnd
	st.writer.seenChanged()
	st.writer.changed()
	w := st.writer.snapshotLocked(st.cp)
	st.mu.Unlock()
	ms.frozen.Store(true)
	st.writer.store.client = failingStorage{ms}
	require.Error(t, st.writer.write(t.Context(), w))
	st.writer.store.client = ms
	ms.frozen.Store(false)
	require.NoError(t, st.writer.persistIfDirty(t.Context(), st.cp))
	got, _, err := st.writer.store.load(t.Context(), st.spec.orgID)
	require.NoError(t, err)
	assert.Contains(t, got.Seen, "a")
}

type failingStorage struct{ *memStorage }

func (failingStorage) Batch(context.Context, ...*storage.Operation) error {
	return assert.AnError
}

// A first start stores its checkpoint at its first step, before any answer of the API: a kill
// (or a crash) before the backfill stored anything else restarts from the first start's
// lookback, not initial_lookback before the restart (found by simulation seed 8595: every
// stream paused by another organization's 429 when the receiver was killed, 1 s after its start).
func TestFreshStartIsStoredBeforeAnyAnswer(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		cfg := testConfig("http://127.0.0.1:1")
		cfg.InitialLookback = 10 * time.Minute
		cfg.MaxConcurrentRequests = 2 // a backfill window is sliced by a count first
		st := newSimStorage(nil)
		rcv, err := newReceiver(cfg, receivertest.NewNopSettings(metadata.Type), new(consumertest.LogsSink))
		require.NoError(t, err)
		// Another organization's 429 pauses every stream: no request starts for a minute.
		rcv.budget.pauseOn429(&jumpcloud.Error{StatusCode: http.StatusTooManyRequests}, time.Minute)
		require.NoError(t, rcv.launch(t.Context(), st, newAPIModel(1, realClock{}, modelFaults{}, nil)))
		time.Sleep(time.Second)
		killed := st.clone()
		require.NoError(t, rcv.Shutdown(t.Context()))

		pos, _, err := killed.checkpointOf("")
		require.NoError(t, err)
		require.NotNil(t, pos, "nothing stored before the kill")
		assert.Equal(t, freshCheckpoint(start, cfg.InitialLookback).FinalBefore, pos.FinalBefore)
	})
}
