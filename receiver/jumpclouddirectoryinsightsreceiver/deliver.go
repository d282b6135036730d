package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.uber.org/zap"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
)

// maxDeliveryRetryInterval caps the wait before offering a refused batch again: the exporter
// retries on its own before it gives up, and collection should resume soon after the
// destination is back.
const maxDeliveryRetryInterval = 30 * time.Second

// deliveryBatchBytes bounds the raw bytes of the events handed to the next consumer at once:
// about one Sumo Logic request (1 MB uncompressed), so that progress is committed at that
// granularity and a crash re-sends at most the batches in flight.
const deliveryBatchBytes = 1_000_000

// mappedBatchBytes is deliveryBatchBytes of the ecs and ocsf formats: a map body holds each
// value as its own pdata value (several times the memory of the JSON text), so a quarter of the
// raw bytes keeps the records in flight about the size of raw ones (peak RSS within 10% of raw,
// README Performance), for a batch that is still about one request of JSON.
const mappedBatchBytes = deliveryBatchBytes / 4

// deliverPage delivers a fetched page of slice i batch by batch, committing the slice's
// progress after each batch the next consumer accepted.
func (s *stream) deliverPage(ctx, deliverCtx context.Context, i int, fp *fetchedPage) error {
	events, offset := fp.events, fp.skipped
	for {
		n := batchLen(events, s.batchBytes)
		if n > 0 {
			if err := s.deliver(ctx, deliverCtx, events[:n]); err != nil {
				return err
			}
		}
		offset += n
		events = events[n:]
		if err := s.commit(deliverCtx, i, fp.page, offset, len(events) == 0, fp.stopped); err != nil {
			return err
		}
		if len(events) == 0 {
			return nil
		}
	}
}

// batchLen is how many of events make one delivery batch of at most maxBytes of events (at
// least one event).
func batchLen(events []jumpcloud.Event, maxBytes int) int {
	size := 0
	for i := range events {
		size += len(events[i].Raw) + 1
		if size > maxBytes && i > 0 {
			return i
		}
	}
	return len(events)
}

// commit records slice i's progress: offset events of page delivered (pageDone: all of them
// that belong to the slice, which moves past the page, or ends when it was stopped by a split)
// and stores it.
func (s *stream) commit(deliverCtx context.Context, i int, page *jumpcloud.Page, offset int, pageDone, stopped bool) error {
	s.mu.Lock()
	if pageDone {
		s.cp.pageDelivered(i, page.SearchAfter, page.Last || stopped)
	} else {
		s.cp.batchDelivered(i, offset, page.Events[offset-1].Key)
	}
	s.writer.changed()
	w := s.writer.snapshotLocked(s.cp)
	s.mu.Unlock()
	if err := s.writer.write(deliverCtx, w); err != nil {
		return err
	}
	if offset > 0 {
		s.r.status.set(s.spec, stateCollecting, errNone, nil)
	}
	return nil
}

// deliver drops already delivered ids, hands the rest to the next consumer and, once accepted,
// records the ids that a probe counts and a re-read may read again (remember). A refusal is
// retried with backoff on the same events (the page stays in memory), with the status
// FirstPartyGeneric.
func (s *stream) deliver(ctx, deliverCtx context.Context, events []jumpcloud.Event) error {
	fresh := s.dropSeen(ctx, events)
	if len(fresh) == 0 {
		return nil
	}
	bo := newBackOff(s.r.cfg.BackOff)
	refused := false
	defer func() {
		if refused {
			s.r.budget.deliveryAccepted()
		}
	}()
	for {
		logs, unmapped := s.conv.convert(fresh, s.r.now())
		obsCtx := s.r.obsrecv.StartLogsOp(deliverCtx)
		err := s.r.next.ConsumeLogs(obsCtx, logs)
		s.r.obsrecv.EndLogsOp(obsCtx, "json", len(fresh), err)
		if err == nil {
			s.r.telemetry.JumpcloudEventsReceived.Add(ctx, int64(len(fresh)), s.metricOpt())
			if unmapped > 0 {
				s.r.telemetry.JumpcloudEventsUnmapped.Add(ctx, int64(unmapped), s.metricOpt())
			}
			if s.inRescan() {
				s.r.telemetry.JumpcloudEventsLate.Add(ctx, int64(len(fresh)), s.metricOpt())
			}
			break
		}
		if consumererror.IsPermanent(err) {
			// The consumer will never accept these records: retrying would stall collection.
			s.log.Error("Next consumer rejected events permanently: they are dropped",
				zap.Int("dropped_events", len(fresh)), zap.Error(err))
			break
		}
		if ctx.Err() != nil || deliverCtx.Err() != nil {
			return context.Canceled // shutting down: not committed, re-sent after the restart
		}
		s.setState(stateError, errFirstPartyGeneric, fmt.Errorf("next consumer refused %d events: %w", len(fresh), err))
		if !refused {
			refused = true
			s.r.budget.deliveryRefused()
		}
		if !s.r.clock.Sleep(ctx, min(bo.NextBackOff(), maxDeliveryRetryInterval)) {
			return ctx.Err()
		}
	}
	s.remember(ctx, fresh)
	return nil
}

// inRescan reports whether the window being collected is a re-read for late events.
func (s *stream) inRescan() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cp.Rescan
}

// dropSeen returns events without those already delivered (by dedupe key: the id, a numeric id's
// text, or a digest of an event without id).
func (s *stream) dropSeen(ctx context.Context, events []jumpcloud.Event) []jumpcloud.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := s.cp.Seen
	if len(seen) == 0 {
		return events
	}
	var fresh []jumpcloud.Event
	dups := 0
	for i := range events {
		if _, ok := seen[events[i].Key]; ok && events[i].Key != "" {
			if fresh == nil {
				fresh = append(make([]jumpcloud.Event, 0, len(events)), events[:i]...)
			}
			dups++
			continue
		}
		if fresh != nil {
			fresh = append(fresh, events[i])
		}
	}
	if dups == 0 {
		return events
	}
	s.r.telemetry.JumpcloudEventsDeduplicated.Add(ctx, int64(dups), s.metricOpt())
	return fresh
}

// remember adds to the seen-id set the delivered events of the probe range (the probe after
// this window counts them, a re-read leaves them out or drops them), and records how far
// behind collection is.
func (s *stream) remember(ctx context.Context, fresh []jumpcloud.Event) {
	s.mu.Lock()
	cp := s.cp
	// From the probe start on: the probe after this window, or the one settling it.
	probeFrom := cp.seenFrom(s.r.cfg.Overlap)
	var newest, newestEvicted time.Time
	evicted := 0
	for i := range fresh {
		ts := fresh[i].Timestamp
		if ts.After(newest) {
			newest = ts
		}
		if ts.IsZero() {
			ts = cp.WindowEnd // no time: keep its id as long as this window's probe range lasts
		}
		if s.r.cfg.Overlap > 0 && fresh[i].Key != "" && !ts.Before(probeFrom) {
			n, t := cp.Seen.add(fresh[i].Key, ts, s.r.cfg.MaxSeenIDs)
			evicted, newestEvicted = evicted+n, maxTime(newestEvicted, t)
			s.writer.seenChanged()
		}
	}
	if evicted > 0 {
		// The set no longer knows what was delivered before: no probe may count there.
		cp.evicted(newestEvicted)
		s.writer.changed()
	}
	s.mu.Unlock()
	if evicted > 0 {
		s.log.Warn("Seen-id set is full: oldest ids evicted, late duplicates possible",
			zap.Int("evicted_ids", evicted), zap.Int("max_seen_ids", s.r.cfg.MaxSeenIDs))
	}
	if !newest.IsZero() {
		s.r.telemetry.JumpcloudWindowLag.Record(ctx, s.r.now().Sub(newest).Seconds(), s.metricOpt())
	}
}
