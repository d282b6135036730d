package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
	"go.uber.org/zap"
)

// collectSlices runs every unfinished slice of the window concurrently. A worker whose slice is
// done takes over the second half of the slice with the most time left (splitSliceLocked), so that a
// window whose events are unevenly spread in time still keeps every request slot busy. Each
// slice retries its own transient failures; a configuration error stops them all and is
// returned.
func (s *stream) collectSlices(ctx, deliverCtx context.Context) error {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.mu.Lock()
	n := len(s.cp.Slices)
	if len(s.live) != n {
		s.live = make([]sliceLive, n)
	}
	for i := range s.live {
		s.live[i].claimed = true
	}
	s.progress = make(chan struct{})
	s.mu.Unlock()
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := "slice worker " + strconv.Itoa(i)
			wctx, wdctx := withRole(sctx, name), withRole(deliverCtx, name)
			s.r.clock.Resumed(wctx)
			for next, ok := i, true; ok; next, ok = s.nextSlice(wctx, wdctx) {
				if err := s.collectSlice(wctx, wdctx, next); err != nil {
					if sctx.Err() == nil {
						once.Do(func() { firstErr = err; cancel() })
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	s.r.clock.Resumed(ctx)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return firstErr
}

// sliceLive is what a slice being collected has fetched so far.
type sliceLive struct {
	// claimed: a worker has taken the slice (a slice narrowed off another waits for one).
	claimed bool
	running bool
	// fetchedTo is the time of the newest event fetched; pageSpan the time span of its last
	// full page (0 until one was fetched).
	fetchedTo time.Time
	pageSpan  time.Duration
}

// maxSlicesPerWindow bounds the slices of one window (and the checkpoint's size).
const maxSlicesPerWindow = 64

// nextSlice hands a worker whose slice is done the next slice to collect: one narrowed off
// another that no worker has taken yet, else a split of a running one (splitSliceLocked). While
// nothing can be split yet because a running slice has not fetched a full page (how much it
// has left is unknown), the worker waits for the next page or stop of any slice and asks
// again: the workers of empty slices, done before the busy slice's first page arrives, must
// not give up the window's request slots. It reports false when there is nothing left to take
// (or ctx ended).
func (s *stream) nextSlice(ctx, deliverCtx context.Context) (int, bool) {
	for {
		s.mu.Lock()
		for i := range s.cp.Slices {
			if !s.cp.Slices[i].Done && !s.live[i].claimed {
				s.live[i].claimed = true
				s.mu.Unlock()
				return i, true
			}
		}
		if i, ok := s.splitSliceLocked(); ok {
			w := s.writer.snapshotLocked(s.cp)
			s.mu.Unlock()
			// A failed store is retried by the next commit; the split holds in memory meanwhile.
			_ = s.writer.write(deliverCtx, w)
			return i, true
		}
		// A slice claimed by a worker (whose goroutine may not have started yet) and not done,
		// with no full page fetched: what it has left is still unknown.
		waiting := false
		for i := range s.live {
			if !s.cp.Slices[i].Done && s.live[i].claimed && s.live[i].pageSpan <= 0 {
				waiting = true
			}
		}
		progress := s.progress
		s.mu.Unlock()
		if !waiting {
			return 0, false
		}
		select {
		case <-progress:
		case <-ctx.Done():
		}
		s.r.clock.Resumed(ctx)
		if ctx.Err() != nil {
			return 0, false
		}
	}
}

// progressedLocked wakes the workers waiting in nextSlice. The caller holds s.mu.
func (s *stream) progressedLocked() {
	if s.progress != nil {
		close(s.progress)
		s.progress = make(chan struct{})
	}
}

// narrowFloor is the shortest slice that a 500 halves: below it a 500 is a transient error.
const narrowFloor = time.Minute

// narrowSlice halves what is left of slice i after the API answered 500 to it (JumpCloud
// documents 500 for queries too expensive to run, such as long windows): the slice now ends
// at the midpoint of the time it has left, and a new slice, for a free worker, covers the rest.
// The slice's search_after is kept: it is a position in the sort order, valid for the
// narrower end_time. It reports false when the slice is already shorter than narrowFloor.
func (s *stream) narrowSlice(deliverCtx context.Context, i int) bool {
	s.mu.Lock()
	if len(s.cp.Slices) >= maxSlicesPerWindow {
		s.mu.Unlock()
		return false
	}
	mid, ok := halveSlice(s.cp.Slices[i], s.live[i].fetchedTo)
	if !ok {
		s.mu.Unlock()
		return false
	}
	start, end := s.cp.Slices[i].Start, s.cp.Slices[i].end()
	s.cp.narrowSlice(i, mid)
	s.live = append(s.live, sliceLive{})
	s.writer.changed()
	w := s.writer.snapshotLocked(s.cp)
	s.mu.Unlock()
	// A failed store is retried by the next commit; the narrowing holds in memory meanwhile.
	_ = s.writer.write(deliverCtx, w)
	s.log.Debug("Query answered 500: slice narrowed",
		zap.Time("slice_start", start), zap.Time("narrowed_to", mid), zap.Time("rest_until", end))
	return true
}

// splitSliceLocked hands the caller (a worker whose slice is done) the second half of the time still
// ahead of the running slice that has the most of it, when that is more than two of its pages:
// that slice now stops at the split point (StopAt: its query, and so its search_after, stay
// the same), a new slice covers [split point, its end). It returns the new slice's index, or
// false when there is nothing worth splitting. The caller holds s.mu and stores the checkpoint.
func (s *stream) splitSliceLocked() (int, bool) {
	if len(s.cp.Slices) >= maxSlicesPerWindow {
		return 0, false
	}
	best, at, ok := splitPoint(s.cp.Slices, s.live)
	if !ok {
		return 0, false
	}
	s.cp.splitSlice(best, at)
	s.live = append(s.live, sliceLive{claimed: true})
	s.writer.changed()
	return len(s.cp.Slices) - 1, true
}

// collectSlice pages through slice i until its last page is delivered. Fetching is pipelined:
// while a page is delivered, the next one (its cursor is the page's X-Search_after) is already
// being fetched, within the budget's request and page slots.
func (s *stream) collectSlice(ctx, deliverCtx context.Context, i int) error {
	s.mu.Lock()
	s.live[i].running = true
	s.mu.Unlock()
	var next chan *fetchedPage // the prefetch in progress, if any
	defer func() {
		if next != nil {
			s.awaitPrefetch(ctx, next).release()
		}
		s.mu.Lock()
		s.live[i].running = false
		s.progressedLocked()
		s.mu.Unlock()
	}()
	bo := newBackOff(s.r.cfg.BackOff)
	for {
		s.mu.Lock()
		sl := s.cp.Slices[i]
		s.mu.Unlock()
		if sl.Done {
			return nil
		}
		var fp *fetchedPage
		if next != nil {
			fp, next = s.awaitPrefetch(ctx, next), nil
		} else {
			fp = s.fetchPage(ctx, i, sl.SearchAfter, sl.Delivered, sl.LastID)
		}
		err, excluded := fp.err, fp.excluded
		if err == nil {
			if !fp.page.Last && !fp.stopped {
				next = make(chan *fetchedPage, 1)
				go func(ctx context.Context, cursor []byte) {
					s.r.clock.Resumed(ctx)
					next <- s.fetchPage(ctx, i, cursor, 0, "")
				}(withRole(ctx, "prefetch"), fp.page.SearchAfter)
			}
			err = s.deliverPage(ctx, deliverCtx, i, fp)
		}
		fp.release()
		if err == nil {
			bo.Reset()
			continue
		}
		if next != nil {
			s.awaitPrefetch(ctx, next).release() // fetched past a page that was not delivered: fetch it again
			next = nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if code := jumpcloud.StatusCodeOf(err); excluded && (code == http.StatusBadRequest || code == http.StatusInternalServerError) {
			s.counts.exclusionRefused(err)
			continue // the same range again, without the exclusion
		}
		if jumpcloud.StatusCodeOf(err) == http.StatusInternalServerError && s.narrowSlice(deliverCtx, i) {
			continue // too expensive: retried at once on half the time
		}
		if !s.waitToRetry(ctx, bo, err) {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err // a configuration error: every slice stops
		}
	}
}

// awaitPrefetch is the page fetched ahead on next (it always comes: its fetch ends with ctx).
func (s *stream) awaitPrefetch(ctx context.Context, next <-chan *fetchedPage) *fetchedPage {
	fp := <-next
	s.r.clock.Resumed(ctx)
	return fp
}
