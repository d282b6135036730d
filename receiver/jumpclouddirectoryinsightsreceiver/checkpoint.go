package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// checkpointKey is the storage key of a stream's checkpoint: this prefix, then "/" and the
// stream's storage name (streamSpec.storageName: organization id or "provider:<id>"); the
// stream of a key's own organization (no org_id configured) uses the bare prefix, which is also
// where a receiver before multi-org support kept its single checkpoint. Deleting the keys (or
// the receiver's file of the file_storage extension) restarts collection from
// initial_lookback: the hosted source's "restart source".
const checkpointKey = "jumpcloud_directory_insights_checkpoint"

// seenKey is the storage key (prefix) of a stream's seen-id set.
const seenKey = "jumpcloud_directory_insights_seen_ids"

// checkpointVersion 2 adds slices; version 1 (one window, one search_after) is still read.
const checkpointVersion = 2

// checkpoint is a stream's position. It is persisted after every batch the next consumer
// accepted, so a restart resumes inside the page where it stopped.
//
// While InWindow, the window [WindowStart, WindowEnd) is being collected as Slices, contiguous
// time ranges paged independently (concurrently); a Rescan window re-reads ranges before
// WindowEnd instead. Otherwise WindowEnd is the end of the last completed window, and the next
// window starts there (window.go): every range is read once; late events are found by the
// probe (probe.go) and re-read as a Rescan window.
type checkpoint struct {
	Version     int       `json:"version"`
	InWindow    bool      `json:"in_window"`
	WindowStart time.Time `json:"window_start"`
	WindowEnd   time.Time `json:"window_end"`
	// Slices partition the window while InWindow (none yet: the window is still to be sliced).
	Slices []sliceProgress `json:"slices,omitempty"`
	// LegacySearchAfter is version 1's paging key of the single window; read, never written.
	LegacySearchAfter json.RawMessage `json:"search_after,omitempty"`
	// NoOverlap marked the first window of a backfill when windows re-read an overlap; read,
	// never written (FinalBefore says it now).
	NoOverlap bool `json:"no_overlap,omitempty"`
	// Rescan marks the window being collected (InWindow) as a re-read of the ranges where late
	// events were found (Slices; probe.go): WindowEnd stays the end of what was read.
	Rescan bool `json:"rescan,omitempty"`
	// FinalBefore: no probe or re-read looks before it. Events older were read when at least
	// overlap old, or probed until they were, or are before the first start's lookback, or their
	// ids were evicted from Seen.
	FinalBefore time.Time `json:"final_before,omitzero"`
	// ProbeFrom is the start of the probe range of the tail window read last, until its late
	// events are settled (found none, or stored as the Rescan window): while it is set, the next
	// probe starts there, so that a stop between storing the window and storing its re-read
	// cannot move the probe range past late events that were never read.
	ProbeFrom time.Time `json:"probe_from,omitzero"`

	// Query identifies what the window asks for (services, organization, API): a stored
	// search_after is only valid for the same query.
	Query string `json:"query,omitempty"`
	// Seen holds the dedupe keys of the events delivered in the probe range (from overlap
	// before the window end, or from ProbeFrom), with their times: the probe counts what was
	// delivered with them, a re-read leaves them out or drops them. It is stored under its own
	// key, written only when it changed.
	Seen seenSet `json:"-"`
}

// sliceProgress is the position inside one slice [Start, End) of a window.
type sliceProgress struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// SearchAfter is the paging key after the last completely delivered page (nil: the slice
	// starts at Start).
	SearchAfter json.RawMessage `json:"search_after,omitempty"`
	// Delivered counts the events of the page after SearchAfter that are already delivered
	// (a page is delivered in batches of about one exporter request each), LastID the dedupe key
	// of the last of them: a restart re-fetches the page and skips them when the page still
	// starts the same way (otherwise it delivers the page again: duplicates, never a gap).
	Delivered int    `json:"delivered,omitempty"`
	LastID    string `json:"last_id,omitempty"`
	Done      bool   `json:"done,omitempty"`
	// StopAt, when set, splits the slice: its events from StopAt on belong to a slice of their
	// own, so this one ends at the first of them (its query, and so its search_after, are
	// unchanged).
	StopAt time.Time `json:"stop_at,omitzero"`
}

// end is where the slice ends: StopAt after a split, else End.
func (sl sliceProgress) end() time.Time {
	if !sl.StopAt.IsZero() {
		return sl.StopAt
	}
	return sl.End
}

// seenSet is a bounded set of delivered event ids with their times.
type seenSet map[string]time.Time

// add records id; when the set would exceed limit the oldest entries are evicted first, and the
// number evicted and the newest time evicted are returned.
func (s seenSet) add(id string, ts time.Time, limit int) (int, time.Time) {
	s[id] = ts
	if limit <= 0 || len(s) <= limit {
		return 0, time.Time{}
	}
	return s.evictOldest(len(s) - limit)
}

func (s seenSet) evictOldest(n int) (int, time.Time) {
	type entry struct {
		id string
		ts time.Time
	}
	all := make([]entry, 0, len(s))
	for id, ts := range s {
		all = append(all, entry{id, ts})
	}
	// By time, then id: the same ids go whatever the map's order (the simulation replays).
	slices.SortFunc(all, func(a, b entry) int {
		if c := a.ts.Compare(b.ts); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	// Evict a tenth more than needed so that a full set is not sorted on every add.
	n = min(len(all), n+len(all)/10)
	var newest time.Time
	for _, e := range all[:n] {
		delete(s, e.id)
		newest = maxTime(newest, e.ts)
	}
	return n, newest
}

// pruneBefore drops the ids of events older than t (no probe counts them and no re-read reads
// them again) and returns how many it dropped.
func (s seenSet) pruneBefore(t time.Time) int {
	n := 0
	for id, ts := range s {
		if ts.Before(t) {
			delete(s, id)
			n++
		}
	}
	return n
}

// seenEncodingVersion is the first byte of an encoded seen set.
const seenEncodingVersion = 1

// encode writes the set compactly: a version byte, then per id its length (uvarint), its bytes
// and its time in Unix nanoseconds (varint). No sorting: it runs after many pages.
func (s seenSet) encode() []byte {
	n := 1
	for id := range s {
		n += len(id) + 2*binary.MaxVarintLen64
	}
	b := make([]byte, 1, n)
	b[0] = seenEncodingVersion
	for id, ts := range s {
		b = binary.AppendUvarint(b, uint64(len(id)))
		b = append(b, id...)
		b = binary.AppendVarint(b, ts.UnixNano())
	}
	return b
}

func decodeSeen(b []byte) (seenSet, error) {
	s := seenSet{}
	if len(b) == 0 {
		return s, nil
	}
	if b[0] != seenEncodingVersion {
		return nil, fmt.Errorf("seen-id set has encoding version %d, want %d", b[0], seenEncodingVersion)
	}
	for i := 1; i < len(b); {
		l, n := binary.Uvarint(b[i:])
		if n <= 0 || uint64(len(b)-i-n) < l {
			return nil, errors.New("seen-id set is truncated")
		}
		i += n
		id := string(b[i : i+int(l)])
		i += int(l)
		ns, n := binary.Varint(b[i:])
		if n <= 0 {
			return nil, errors.New("seen-id set is truncated")
		}
		i += n
		s[id] = time.Unix(0, ns).UTC()
	}
	return s, nil
}

// checkpointStore loads and saves one stream's checkpoint in a storage client (a no-op client
// when no storage extension is configured).
type checkpointStore struct {
	client  storage.Client
	cpKey   string
	seenKey string
	// legacy is set for the stream that may adopt a checkpoint stored under the bare keys by a
	// receiver before multi-org support (see loadLegacy).
	legacy bool
}

func newCheckpointStore(client storage.Client, spec streamSpec) checkpointStore {
	if spec.storageName() == "" {
		return checkpointStore{client: client, cpKey: checkpointKey, seenKey: seenKey}
	}
	return checkpointStore{client: client, cpKey: checkpointKey + "/" + spec.storageName(), seenKey: seenKey + "/" + spec.storageName(), legacy: true}
}

// load returns the stored checkpoint, or nil when there is none. A stream of a configured
// organization without a checkpoint of its own adopts the one a single-organization receiver
// stored under the bare keys, when it was stored for that organization (its query names it):
// no gap and no re-read after an upgrade. adopted reports that case: the next save moves it.
func (cs checkpointStore) load(ctx context.Context, orgID string) (cp *checkpoint, adopted bool, err error) {
	cp, err = cs.read(ctx, cs.cpKey, cs.seenKey)
	if err != nil || cp != nil || !cs.legacy {
		return cp, false, err
	}
	old, err := cs.read(ctx, checkpointKey, seenKey)
	if err != nil || old == nil {
		return nil, false, err
	}
	if parts := strings.Split(old.Query, "|"); len(parts) != 3 || parts[1] != orgID || orgID == "" {
		return nil, false, nil
	}
	return old, true, nil
}

func (cs checkpointStore) read(ctx context.Context, cpKey, seenKey string) (*checkpoint, error) {
	cpOp, seenOp := storage.GetOperation(cpKey), storage.GetOperation(seenKey)
	if err := cs.client.Batch(ctx, cpOp, seenOp); err != nil {
		return nil, fmt.Errorf("reading checkpoint from storage: %w", err)
	}
	if cpOp.Value == nil {
		return nil, nil
	}
	var cp checkpoint
	if err := json.Unmarshal(cpOp.Value, &cp); err != nil {
		return nil, fmt.Errorf("stored checkpoint is corrupt (delete key %q or the storage file to restart collection): %w", cpKey, err)
	}
	switch cp.Version {
	case 1:
		// One window paged from its start or from search_after: one slice.
		if cp.InWindow {
			cp.Slices = []sliceProgress{{Start: cp.WindowStart, End: cp.WindowEnd, SearchAfter: cp.LegacySearchAfter}}
		}
		cp.LegacySearchAfter = nil
	case checkpointVersion:
	default:
		return nil, fmt.Errorf("stored checkpoint %q has version %d, this receiver reads versions 1 and %d", cpKey, cp.Version, checkpointVersion)
	}
	seen, err := decodeSeen(seenOp.Value)
	if err != nil {
		return nil, fmt.Errorf("stored checkpoint is corrupt (delete key %q or the storage file to restart collection): %w", seenKey, err)
	}
	cp.Seen = seen
	return &cp, nil
}

// save stores the checkpoint, and its seen-id set when withSeen, in one batch (one transaction
// with file_storage). dropLegacy also deletes the adopted single-organization checkpoint in
// that batch.
func (cs checkpointStore) save(ctx context.Context, cp *checkpoint, withSeen, dropLegacy bool) error {
	ops, err := cs.encode(cp, withSeen, dropLegacy)
	if err != nil {
		return err
	}
	return cs.write(ctx, ops)
}

// encode is the storage batch of save: it reads cp (the caller holds whatever guards it) and
// nothing after it returns does.
func (cs checkpointStore) encode(cp *checkpoint, withSeen, dropLegacy bool) ([]*storage.Operation, error) {
	cp.Version = checkpointVersion
	b, err := json.Marshal(cp)
	if err != nil {
		return nil, fmt.Errorf("encoding checkpoint: %w", err)
	}
	ops := []*storage.Operation{storage.SetOperation(cs.cpKey, b)}
	if withSeen || dropLegacy {
		ops = append(ops, storage.SetOperation(cs.seenKey, cp.Seen.encode()))
	}
	if dropLegacy {
		ops = append(ops, storage.DeleteOperation(checkpointKey), storage.DeleteOperation(seenKey))
	}
	return ops, nil
}

// write runs a batch made by encode.
func (cs checkpointStore) write(ctx context.Context, ops []*storage.Operation) error {
	if err := cs.client.Batch(ctx, ops...); err != nil {
		return fmt.Errorf("writing checkpoint to storage: %w", err)
	}
	return nil
}
