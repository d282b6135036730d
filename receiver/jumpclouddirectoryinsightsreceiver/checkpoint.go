package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// checkpointKey is the storage key of the checkpoint. Deleting it (or the receiver's file of the
// file_storage extension) restarts collection from initial_lookback: the hosted source's
// "restart source".
const checkpointKey = "jumpcloud_directory_insights_checkpoint"

// seenKey is the storage key of the checkpoint's seen-id set.
const seenKey = "jumpcloud_directory_insights_seen_ids"

const checkpointVersion = 1

// checkpoint is the receiver's position. It is persisted after every page the next consumer
// accepted, so a restart resumes inside the window where it stopped.
//
// While InWindow, the window [WindowStart, WindowEnd) is being paged and SearchAfter is the
// paging key of the last delivered page (nil before the first page). Otherwise WindowEnd is the
// end of the last completed window: the next window starts at WindowEnd - overlap.
type checkpoint struct {
	Version     int             `json:"version"`
	InWindow    bool            `json:"in_window"`
	WindowStart time.Time       `json:"window_start"`
	WindowEnd   time.Time       `json:"window_end"`
	SearchAfter json.RawMessage `json:"search_after,omitempty"`
	// NoOverlap marks the first window of a backfill: it starts exactly at WindowEnd.
	NoOverlap bool `json:"no_overlap,omitempty"`
	// Query identifies what the window asks for (services, organization, API): a stored
	// search_after is only valid for the same query.
	Query string `json:"query,omitempty"`
	// Seen holds the ids of delivered events recent enough to be read again by the next
	// window's overlap re-scan. It is stored under its own key, written only when it changed.
	Seen seenSet `json:"-"`
}

// seenSet is a bounded set of delivered event ids with their times.
type seenSet map[string]time.Time

// add records id; when the set would exceed limit the oldest entries are evicted first, and the
// number evicted is returned.
func (s seenSet) add(id string, ts time.Time, limit int) int {
	s[id] = ts
	if limit <= 0 || len(s) <= limit {
		return 0
	}
	return s.evictOldest(len(s) - limit)
}

func (s seenSet) evictOldest(n int) int {
	type entry struct {
		id string
		ts time.Time
	}
	all := make([]entry, 0, len(s))
	for id, ts := range s {
		all = append(all, entry{id, ts})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ts.Before(all[j].ts) })
	// Evict a tenth more than needed so that a full set is not sorted on every add.
	n = min(len(all), n+len(all)/10)
	for _, e := range all[:n] {
		delete(s, e.id)
	}
	return n
}

// pruneBefore drops the ids of events older than t (no later window reads them again) and
// returns how many it dropped.
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

// checkpointStore loads and saves the checkpoint in a storage client (a no-op client when no
// storage extension is configured).
type checkpointStore struct {
	client storage.Client
}

// load returns the stored checkpoint, or nil when there is none.
func (cs checkpointStore) load(ctx context.Context) (*checkpoint, error) {
	cpOp, seenOp := storage.GetOperation(checkpointKey), storage.GetOperation(seenKey)
	if err := cs.client.Batch(ctx, cpOp, seenOp); err != nil {
		return nil, fmt.Errorf("reading checkpoint from storage: %w", err)
	}
	if cpOp.Value == nil {
		return nil, nil
	}
	var cp checkpoint
	if err := json.Unmarshal(cpOp.Value, &cp); err != nil {
		return nil, fmt.Errorf("stored checkpoint is corrupt (delete key %q or the storage file to restart collection): %w", checkpointKey, err)
	}
	if cp.Version != checkpointVersion {
		return nil, fmt.Errorf("stored checkpoint has version %d, this receiver reads version %d", cp.Version, checkpointVersion)
	}
	seen, err := decodeSeen(seenOp.Value)
	if err != nil {
		return nil, fmt.Errorf("stored checkpoint is corrupt (delete key %q or the storage file to restart collection): %w", seenKey, err)
	}
	cp.Seen = seen
	return &cp, nil
}

// save stores the checkpoint, and its seen-id set when withSeen, in one batch (one transaction
// with file_storage).
func (cs checkpointStore) save(ctx context.Context, cp *checkpoint, withSeen bool) error {
	cp.Version = checkpointVersion
	b, err := json.Marshal(cp)
	if err != nil {
		return fmt.Errorf("encoding checkpoint: %w", err)
	}
	ops := []*storage.Operation{storage.SetOperation(checkpointKey, b)}
	if withSeen {
		ops = append(ops, storage.SetOperation(seenKey, cp.Seen.encode()))
	}
	if err := cs.client.Batch(ctx, ops...); err != nil {
		return fmt.Errorf("writing checkpoint to storage: %w", err)
	}
	return nil
}
