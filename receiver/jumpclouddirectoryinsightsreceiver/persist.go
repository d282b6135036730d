package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// Persistence of a stream's checkpoint. The checkpoint changes under s.mu; a write to storage
// happens after s.mu is released, so that the stream's workers (fetching, delivering,
// committing other slices) never queue behind a storage write:
//
//  1. under s.mu, the change is made (changed, seenChanged) and a snapshot is taken
//     (snapshotLocked: the encoded storage batch, numbered);
//  2. without s.mu, the snapshot is written (write), writes of one stream one at a time
//     (writeMu), and a snapshot older than the one stored last is not written at all.
//
// So a later checkpoint is never overwritten by an earlier one, even when two workers of the
// stream commit at once and the later snapshot reaches writeMu first; the earlier one's
// progress is in the later one (the checkpoint only moves forward under s.mu). A snapshot
// carries the seen-id set while any change of it is not in a written snapshot, so one that
// is not written never takes a change of the set with it. A write that fails leaves the
// stored counters as they were: the checkpoint stays ahead of storage and the next write
// stores it.

// checkpointWrite is a snapshot of a stream's checkpoint, ready to be written.
type checkpointWrite struct {
	// seq numbers the stream's snapshots; changes and seenChanges are the stream's counters
	// at the snapshot.
	seq, changes, seenChanges uint64
	withSeen, dropLegacy      bool
	ops                       []*storage.Operation
	err                       error // encoding failed
}

// checkpointWriter keeps a stream's checkpoint and storage in step: it counts the changes of
// the checkpoint and of its seen-id set, takes numbered snapshots of it, and writes them in
// order. It is the only owner of the stream's storage writes. Its counters are guarded by the
// stream's lock (mu: the caller of a ...Locked method holds it); writeMu orders the writes and
// is taken without mu.
type checkpointWriter struct {
	store checkpointStore
	mu    *sync.Mutex
	now   func() time.Time
	// changes and seenChanges count the changes of the checkpoint and of its seen-id set
	// (changed, seenChanged); stored and storedSeen are their values in the last snapshot
	// written; snapshots counts the snapshots taken and written the last one stored; adopted
	// is set while the checkpoint is the single-organization one not yet moved under this
	// stream's key.
	changes, seenChanges, stored, storedSeen uint64
	snapshots, written                       uint64
	adopted                                  bool
	// persistedAt is when the checkpoint was last stored.
	persistedAt time.Time
	writeMu     sync.Mutex
}

// changed records a change of the checkpoint (it is now ahead of storage); seenChanged a
// change of its seen-id set. The caller holds mu.
func (cw *checkpointWriter) changed()     { cw.changes++ }
func (cw *checkpointWriter) seenChanged() { cw.seenChanges++ }

// dirtyLocked reports whether storage is behind the checkpoint (or still holds it under the
// single-organization key). The caller holds mu.
func (cw *checkpointWriter) dirtyLocked() bool { return cw.changes != cw.stored || cw.adopted }

// staleLocked reports whether storage is behind the checkpoint and was last written at least
// every ago. The caller holds mu.
func (cw *checkpointWriter) staleLocked(every time.Duration) bool {
	return cw.changes != cw.stored && cw.now().Sub(cw.persistedAt) >= every
}

// snapshotLocked takes the snapshot of cp to write. The caller holds mu.
func (cw *checkpointWriter) snapshotLocked(cp *checkpoint) checkpointWrite {
	cw.snapshots++
	w := checkpointWrite{
		seq: cw.snapshots, changes: cw.changes, seenChanges: cw.seenChanges,
		withSeen: cw.seenChanges != cw.storedSeen, dropLegacy: cw.adopted,
	}
	w.ops, w.err = cw.store.encode(cp, w.withSeen, w.dropLegacy)
	return w
}

// write stores the snapshot w unless a later one is stored already. The caller does not hold
// mu. A failure is a FirstPartyGeneric error.
func (cw *checkpointWriter) write(ctx context.Context, w checkpointWrite) error {
	if w.err != nil {
		return firstPartyError(w.err)
	}
	cw.writeMu.Lock()
	defer cw.writeMu.Unlock()
	cw.mu.Lock()
	stale := w.seq < cw.written
	cw.mu.Unlock()
	if stale {
		return nil // a later snapshot is stored: it holds everything this one does
	}
	if err := cw.store.write(ctx, w.ops); err != nil {
		return firstPartyError(err)
	}
	cw.mu.Lock()
	defer cw.mu.Unlock()
	cw.written, cw.stored = w.seq, w.changes
	if w.withSeen {
		cw.storedSeen = w.seenChanges
	}
	if w.dropLegacy {
		cw.adopted = false
	}
	cw.persistedAt = cw.now()
	return nil
}

// persist stores cp.
func (cw *checkpointWriter) persist(ctx context.Context, cp *checkpoint) error {
	cw.mu.Lock()
	w := cw.snapshotLocked(cp)
	cw.mu.Unlock()
	return cw.write(ctx, w)
}

// persistIfDirty stores cp when storage is behind it.
func (cw *checkpointWriter) persistIfDirty(ctx context.Context, cp *checkpoint) error {
	cw.mu.Lock()
	if !cw.dirtyLocked() {
		cw.mu.Unlock()
		return nil
	}
	w := cw.snapshotLocked(cp)
	cw.mu.Unlock()
	return cw.write(ctx, w)
}
