package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"

import (
	"context"

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

// changed records a change of the checkpoint (it is now ahead of storage); seenChanged a
// change of its seen-id set. The caller holds s.mu.
func (s *stream) changed()     { s.changes++ }
func (s *stream) seenChanged() { s.seenChanges++ }

// dirtyLocked reports whether storage is behind the checkpoint (or still holds it under the
// single-organization key). The caller holds s.mu.
func (s *stream) dirtyLocked() bool { return s.changes != s.stored || s.adopted }

// snapshotLocked takes the snapshot of the checkpoint to write. The caller holds s.mu.
func (s *stream) snapshotLocked() checkpointWrite {
	s.snapshots++
	w := checkpointWrite{
		seq: s.snapshots, changes: s.changes, seenChanges: s.seenChanges,
		withSeen: s.seenChanges != s.storedSeen, dropLegacy: s.adopted,
	}
	w.ops, w.err = s.store.encode(s.cp, w.withSeen, w.dropLegacy)
	return w
}

// write stores the snapshot w unless a later one is stored already. The caller does not hold
// s.mu. A failure is a FirstPartyGeneric error.
func (s *stream) write(ctx context.Context, w checkpointWrite) error {
	if w.err != nil {
		return firstPartyError(w.err)
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.Lock()
	stale := w.seq < s.written
	s.mu.Unlock()
	if stale {
		return nil // a later snapshot is stored: it holds everything this one does
	}
	if err := s.store.write(ctx, w.ops); err != nil {
		return firstPartyError(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.written, s.stored = w.seq, w.changes
	if w.withSeen {
		s.storedSeen = w.seenChanges
	}
	if w.dropLegacy {
		s.adopted = false
	}
	s.persistedAt = s.r.now()
	return nil
}

// persist stores the checkpoint.
func (s *stream) persist(ctx context.Context) error {
	s.mu.Lock()
	w := s.snapshotLocked()
	s.mu.Unlock()
	return s.write(ctx, w)
}

// persistIfDirty stores the checkpoint when storage is behind it.
func (s *stream) persistIfDirty(ctx context.Context) error {
	s.mu.Lock()
	if !s.dirtyLocked() {
		s.mu.Unlock()
		return nil
	}
	w := s.snapshotLocked()
	s.mu.Unlock()
	return s.write(ctx, w)
}
