package jumpclouddirectoryinsightsreceiver

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/metadata"
)

// The workers of empty slices wait for the busy slice's first page instead of giving their
// request slots up: a skewed backfill window (every event in its last 10 minutes, one of four
// time slices) is split while it is collected, even when the empty slices are answered before
// the busy one's first page, which is slow. Virtual time (synctest) against the API model: the
// schedule is the same on a loaded machine.
func TestEmptySlicesWaitToSplitTheBusyOne(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		now := time.Now()
		var events []modelEvent
		for i := range 4000 {
			ts := now.Add(-11*time.Minute + time.Duration(i)*150*time.Millisecond)
			events = append(events, modelEvent{id: fmt.Sprintf("%024x", i), org: "", ts: ts, visible: ts})
		}
		model := newAPIModel(1, realClock{}, modelFaults{}, events)
		var (
			mu     sync.Mutex
			ranges = map[string]bool{}
			pages  int
		)
		model.trace = func(format string, args ...any) {
			if strings.HasPrefix(format, "page ") {
				mu.Lock()
				ranges[fmt.Sprint(args[1], args[2])] = true
				pages++
				mu.Unlock()
			}
		}
		slow := &slowFirstPage{apiModel: model, delay: 2 * time.Second, latency: 100 * time.Millisecond}

		cfg := testConfig("http://127.0.0.1:1")
		cfg.InitialLookback = 2 * time.Hour
		cfg.PollInterval = time.Minute
		cfg.PageSize = 200
		cfg.MaxConcurrentRequests = 4
		sink := new(consumertest.LogsSink)
		rcv, err := newReceiver(cfg, receivertest.NewNopSettings(metadata.Type), sink)
		require.NoError(t, err)
		require.NoError(t, rcv.launch(t.Context(), newSimStorage(nil), slow))
		time.Sleep(30 * time.Second)
		synctest.Wait()
		require.NoError(t, rcv.Shutdown(t.Context()))

		assert.Equal(t, len(events), sink.LogRecordCount())
		mu.Lock()
		defer mu.Unlock()
		assert.Greater(t, len(ranges), 4, "the busy slice was split: %v", ranges)
		assert.LessOrEqual(t, pages, (len(events)+cfg.PageSize-1)/cfg.PageSize+len(ranges))
	})
}

// slowFirstPage delays the first page of any query that finds events: the busy slice's first
// page comes after the empty slices are done. Every page takes latency, as over a network:
// pages answered in no time at all would let the busy slice read every page at one instant,
// before a waiting worker runs (with one CPU, the Go scheduler runs the goroutine the busy
// worker wakes first), and nothing would be left to split.
type slowFirstPage struct {
	*apiModel
	delay, latency time.Duration
	once           sync.Once
}

func (s *slowFirstPage) EventsReserving(ctx context.Context, q jumpcloud.Query, reserve func(context.Context) error) (*jumpcloud.Page, error) {
	page, err := s.apiModel.EventsReserving(ctx, q, reserve)
	time.Sleep(s.latency)
	if err == nil && len(page.Events) > 0 {
		s.once.Do(func() { time.Sleep(s.delay) })
	}
	return page, err
}
