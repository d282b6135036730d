package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"

import (
	"context"
	"errors"
	"fmt"

	"go.uber.org/zap"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
)

// fetchedPage is one page fetched for a slice, holding one of the budget's page slots until
// released.
type fetchedPage struct {
	page *jumpcloud.Page
	err  error
	// events are the page's events that belong to the slice and are not delivered yet; skipped
	// counts the events before them that a previous run delivered; stopped: the slice ends
	// with this page (split).
	events  []jumpcloud.Event
	skipped int
	stopped bool
	budget  *budget
	// excluded: the request left the delivered ids out (a re-read for late events).
	excluded bool
}

// release returns the page's body buffer and its page slot: nothing may use the page after.
func (fp *fetchedPage) release() {
	if fp.page != nil {
		fp.page.Release()
		fp.page, fp.events = nil, nil
	}
	if fp.budget != nil {
		fp.budget.releasePage()
		fp.budget = nil
	}
}

// fetchPage fetches the page of slice i after cursor. delivered and lastID are the slice's
// progress inside that page (a previous run delivered its first events).
func (s *stream) fetchPage(ctx context.Context, i int, cursor []byte, delivered int, lastID string) *fetchedPage {
	fp := &fetchedPage{}
	s.mu.Lock()
	sl := s.cp.Slices[i]
	s.mu.Unlock()
	err := s.r.budget.do(ctx, func(ctx context.Context) error {
		var err error
		q := s.query(sl.Start, sl.End)
		q.Limit, q.Sort, q.SearchAfter = s.r.cfg.PageSize, "ASC", cursor
		q.ExcludeIDs = s.excludedIDs(sl.Start, sl.End)
		fp.excluded = len(q.ExcludeIDs) > 0
		fp.page, err = s.client.EventsReserving(ctx, q, func(ctx context.Context) error {
			if err := s.r.budget.acquirePage(ctx); err != nil {
				return err
			}
			fp.budget = s.r.budget // released with the page
			return nil
		})
		return err
	})
	if ctx.Err() != nil {
		fp.err = ctx.Err() // shutting down: not a failure of the API
		return fp
	}
	s.r.countRequest(ctx, err, s.attrs)
	s.countRefused(ctx, err)
	if err == nil {
		err = checkPage(fp.page)
	}
	if err != nil {
		fp.err = err
		return fp
	}
	if state, _ := s.r.status.streamState(s.spec); state != stateCollecting {
		s.setState(stateAuthenticated, errNone, nil)
	}
	page := fp.page
	s.r.telemetry.JumpcloudEventsFetched.Add(ctx, int64(len(page.Events)), s.metricOpt())
	if page.Incomplete > 0 {
		s.r.telemetry.JumpcloudEventsIncomplete.Add(ctx, int64(page.Incomplete), s.metricOpt())
		if !s.warnedIncomplete.Swap(true) {
			s.log.Warn("Events without a string id or an RFC3339 timestamp: delivered as they are, deduplicated by a numeric id or a digest of their bytes (counted in otelcol_jumpcloud_events_incomplete)",
				zap.Int("incomplete_events", page.Incomplete), zap.String("request_id", page.RequestID))
		}
	}
	fp.events, fp.stopped = s.fetched(i, page)
	if delivered > 0 {
		if delivered <= len(fp.events) && fp.events[delivered-1].Key == lastID {
			fp.events, fp.skipped = fp.events[delivered:], delivered
		} else {
			s.log.Warn("Page changed since it was partly delivered: delivering it again (duplicates possible, no gap)",
				zap.Int("delivered_before", delivered), zap.String("request_id", page.RequestID))
		}
	}
	return fp
}

// fetched records what slice i fetched and returns the page's events that belong to the slice:
// those before its StopAt when it was split (stopped: the slice ends with this page).
func (s *stream) fetched(i int, page *jumpcloud.Page) (events []jumpcloud.Event, stopped bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	events = page.Events
	if stop := s.cp.Slices[i].StopAt; !stop.IsZero() {
		for k := range events {
			if ts := events[k].Timestamp; !ts.IsZero() && !ts.Before(stop) {
				events, stopped = events[:k], true
				break
			}
		}
	}
	lv := &s.live[i]
	for k := range events {
		lv.fetchedTo = maxTime(lv.fetchedTo, events[k].Timestamp)
	}
	if !page.Last && !stopped && len(events) > 1 {
		lv.pageSpan = events[len(events)-1].Timestamp.Sub(events[0].Timestamp)
	}
	s.progressedLocked()
	return events, stopped
}

// checkPage refuses a page that cannot be paged past safely. (A cursor that is not the page's
// last event or does not advance is refused by the client already: jumpcloud.checkCursor.)
func checkPage(page *jumpcloud.Page) error {
	if page.Sort != "" && page.Sort != "ASC" {
		return fmt.Errorf("the API applied sort %q instead of ASC: cannot page safely", page.Sort)
	}
	if !page.Last && len(page.SearchAfter) == 0 {
		return errors.New("the API sent a full page without X-Search_after: cannot page further")
	}
	return nil
}
