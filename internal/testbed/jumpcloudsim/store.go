package jumpcloudsim

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

// entry is one event of the index: pointer-free and 32 bytes, so millions cost little memory
// and nothing to the garbage collector. The id bytes live in the store's arena.
type entry struct {
	ts    int64  // event time, unix nanoseconds (already truncated to the rendered precision)
	vis   int64  // visible-at time, unix nanoseconds
	seed  uint64 // render seed of a generated event, or index into store.raw when flagRaw is set
	idOff uint32 // offset of the id in store.ids
	idLen uint8  // length of the id
	svc   uint8  // index into Services, or svcOther
	flags uint8  // flagRaw | precision
}

const (
	flagRaw       = 0x80
	precisionMask = 0x0f

	svcOther = 0xff // a raw event whose service is not a known one (only `all` matches it)
)

// Timestamp precisions of rendered events.
const (
	precNano uint8 = iota
	precMicro
	precMilli
	precSecond
	precMilliFixed // milliseconds, always three digits (directory)
)

// millis is the first part of the ordering key: the timestamp truncated to epoch milliseconds.
func millis(ns int64) int64 {
	return floorDiv(ns, int64(time.Millisecond))
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// Cursor is the ordering key of an event and the content of X-Search_after / search_after.
type Cursor struct {
	Millis int64
	ID     string
}

// store holds the sorted index. All methods are safe for concurrent use.
type store struct {
	mu      sync.RWMutex
	entries []entry  // sorted by (millis(ts), id)
	ids     []byte   // id arena; existing bytes are never modified, so readers may keep old headers
	raw     [][]byte // original bytes of events added with AddEvent
	ext     []string // service names of raw events with an unknown service (by raw index)
}

// snapshot is what a reader needs after releasing the lock.
type snapshot struct {
	ids []byte
	raw [][]byte
	ext []string
}

// compareKey orders two entries by (millis, id).
func compareKey(ids []byte, a, b *entry) int {
	if c := cmp.Compare(millis(a.ts), millis(b.ts)); c != 0 {
		return c
	}
	return bytes.Compare(ids[a.idOff:a.idOff+uint32(a.idLen)], ids[b.idOff:b.idOff+uint32(b.idLen)])
}

func compareCursor(ids []byte, e *entry, c Cursor) int {
	if x := cmp.Compare(millis(e.ts), c.Millis); x != 0 {
		return x
	}
	return bytes.Compare(ids[e.idOff:e.idOff+uint32(e.idLen)], []byte(c.ID))
}

// pending is an event about to be added, with its id not yet in the arena.
type pending struct {
	e  entry
	id []byte
}

// add inserts a batch, keeping the index sorted: a batch after the current last key is appended,
// otherwise the sorted batch is merged with the index.
func (s *store) add(batch []pending) error {
	if len(batch) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var idBytes int
	for i := range batch {
		if len(batch[i].id) == 0 || len(batch[i].id) > math.MaxUint8 {
			return fmt.Errorf("event id length %d out of range 1..255", len(batch[i].id))
		}
		idBytes += len(batch[i].id)
	}
	if uint64(len(s.ids))+uint64(idBytes) > math.MaxUint32 {
		return fmt.Errorf("simulator id arena full (%d bytes)", len(s.ids))
	}
	ids := s.ids
	newEntries := make([]entry, len(batch))
	for i := range batch {
		e := batch[i].e
		e.idOff = uint32(len(ids))
		e.idLen = uint8(len(batch[i].id))
		ids = append(ids, batch[i].id...)
		newEntries[i] = e
	}
	s.ids = ids
	slices.SortFunc(newEntries, func(a, b entry) int { return compareKey(ids, &a, &b) })
	n := len(s.entries)
	if n == 0 || compareKey(ids, &s.entries[n-1], &newEntries[0]) <= 0 {
		s.entries = append(s.entries, newEntries...)
		return nil
	}
	merged := make([]entry, 0, n+len(newEntries))
	i, j := 0, 0
	for i < n && j < len(newEntries) {
		if compareKey(ids, &s.entries[i], &newEntries[j]) <= 0 {
			merged = append(merged, s.entries[i])
			i++
		} else {
			merged = append(merged, newEntries[j])
			j++
		}
	}
	merged = append(merged, s.entries[i:]...)
	merged = append(merged, newEntries[j:]...)
	s.entries = merged
	return nil
}

// addRaw stores original bytes and returns their index.
func (s *store) addRaw(raw []byte, extService string) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.raw = append(s.raw, raw)
	s.ext = append(s.ext, extService)
	return uint64(len(s.raw) - 1)
}

func (s *store) len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.entries)
}

// filter selects events.
type filter struct {
	start, end int64 // window [start, end) in unix ns; end == math.MaxInt64 when open
	services   svcSet
	visibleAt  int64 // only events with vis <= visibleAt
	after      *Cursor
	desc       bool
	skip       int
	limit      int // <= 0: no limit
	// notIDs excludes the events with these ids (lower case: search_term {"not": {"id": ...}}).
	notIDs map[string]struct{}
}

// svcSet is a set of service indexes; the bit svcOther (index 63) stands for unknown services.
type svcSet uint64

const svcSetOtherBit = 63

func (m svcSet) has(svc uint8) bool {
	if svc == svcOther {
		return m&(1<<svcSetOtherBit) != 0
	}
	return m&(1<<svc) != 0
}

// scan calls fn for each matching entry in the requested order (skip and limit ignored) until
// fn returns false, under the read lock, and returns a snapshot to render the entries.
func (s *store) scan(f filter, fn func(e *entry) bool) snapshot {
	s.mu.RLock()
	defer s.mu.RUnlock()
	snap := snapshot{ids: s.ids, raw: s.raw, ext: s.ext}
	ents := s.entries
	byMillis := func(e entry, ms int64) int { return cmp.Compare(millis(e.ts), ms) }
	// The window in ns maps to a contiguous range of milliseconds; boundary milliseconds are
	// filtered event by event below.
	lo, _ := slices.BinarySearchFunc(ents, millis(f.start), byMillis)
	hi := len(ents)
	if f.end != math.MaxInt64 {
		hi, _ = slices.BinarySearchFunc(ents, millis(f.end)+1, byMillis)
	}
	if f.after != nil {
		// pos: first index with key >= cursor
		pos, found := slices.BinarySearchFunc(ents, *f.after, func(e entry, c Cursor) int {
			return compareCursor(snap.ids, &e, c)
		})
		if f.desc {
			hi = min(hi, pos) // strictly before the cursor
		} else {
			if found {
				pos++
			}
			lo = max(lo, pos) // strictly after the cursor
		}
	}
	match := func(e *entry) bool {
		if e.ts < f.start || e.ts >= f.end || e.vis > f.visibleAt || !f.services.has(e.svc) {
			return false
		}
		if len(f.notIDs) > 0 {
			_, excluded := f.notIDs[strings.ToLower(string(snap.ids[e.idOff:e.idOff+uint32(e.idLen)]))]
			return !excluded
		}
		return true
	}
	if f.desc {
		for i := hi - 1; i >= lo; i-- {
			if match(&ents[i]) && !fn(&ents[i]) {
				break
			}
		}
		return snap
	}
	for i := lo; i < hi; i++ {
		if match(&ents[i]) && !fn(&ents[i]) {
			break
		}
	}
	return snap
}

// query returns the matching entries of one page in the requested order and a snapshot to
// render them.
func (s *store) query(f filter) ([]entry, snapshot) {
	out := make([]entry, 0, min(max(f.limit, 0), 16384))
	skip := f.skip
	snap := s.scan(f, func(e *entry) bool {
		if skip > 0 {
			skip--
			return true
		}
		out = append(out, *e)
		return f.limit <= 0 || len(out) < f.limit
	})
	return out, snap
}

// count returns the number of matching events (search_after, skip and limit ignored).
func (s *store) count(f filter) int {
	f.after = nil
	n := 0
	s.scan(f, func(*entry) bool { n++; return true })
	return n
}
