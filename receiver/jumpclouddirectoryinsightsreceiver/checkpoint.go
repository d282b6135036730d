package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// checkpointKey is the storage key of the checkpoint. Deleting it (or the receiver's file of the
// file_storage extension) restarts collection from initial_lookback: the hosted source's
// "restart source".
const checkpointKey = "jumpcloud_directory_insights_checkpoint"

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
	// Seen holds the ids of delivered events recent enough to be read again by the next
	// window's overlap re-scan.
	Seen seenSet `json:"seen,omitempty"`
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

// pruneBefore drops the ids of events older than t: no later window reads them again.
func (s seenSet) pruneBefore(t time.Time) {
	for id, ts := range s {
		if ts.Before(t) {
			delete(s, id)
		}
	}
}

// MarshalJSON writes the set as {"id": unix-nanos} to keep the stored checkpoint compact.
func (s seenSet) MarshalJSON() ([]byte, error) {
	m := make(map[string]int64, len(s))
	for id, ts := range s {
		m[id] = ts.UnixNano()
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (s *seenSet) UnmarshalJSON(b []byte) error {
	var m map[string]int64
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*s = make(seenSet, len(m))
	for id, n := range m {
		(*s)[id] = time.Unix(0, n).UTC()
	}
	return nil
}

// checkpointStore loads and saves the checkpoint in a storage client (a no-op client when no
// storage extension is configured).
type checkpointStore struct {
	client storage.Client
}

// load returns the stored checkpoint, or nil when there is none.
func (cs checkpointStore) load(ctx context.Context) (*checkpoint, error) {
	b, err := cs.client.Get(ctx, checkpointKey)
	if err != nil {
		return nil, fmt.Errorf("reading checkpoint from storage: %w", err)
	}
	if b == nil {
		return nil, nil
	}
	var cp checkpoint
	if err := json.Unmarshal(b, &cp); err != nil {
		return nil, fmt.Errorf("stored checkpoint is corrupt (delete key %q or the storage file to restart collection): %w", checkpointKey, err)
	}
	if cp.Version != checkpointVersion {
		return nil, fmt.Errorf("stored checkpoint has version %d, this receiver reads version %d", cp.Version, checkpointVersion)
	}
	if cp.Seen == nil {
		cp.Seen = seenSet{}
	}
	return &cp, nil
}

func (cs checkpointStore) save(ctx context.Context, cp *checkpoint) error {
	cp.Version = checkpointVersion
	b, err := json.Marshal(cp)
	if err != nil {
		return fmt.Errorf("encoding checkpoint: %w", err)
	}
	if err := cs.client.Set(ctx, checkpointKey, b); err != nil {
		return fmt.Errorf("writing checkpoint to storage: %w", err)
	}
	return nil
}
