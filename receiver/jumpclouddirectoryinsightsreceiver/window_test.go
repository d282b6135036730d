package jumpclouddirectoryinsightsreceiver

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/metadata"
)

func newWindowTestReceiver(t *testing.T, cfg *Config, now time.Time) *diReceiver {
	t.Helper()
	r, err := newReceiver(cfg, receivertest.NewNopSettings(metadata.Type), consumertest.NewNop())
	require.NoError(t, err)
	r.clock = fixedClock{now}
	r.budget = newBudget(cfg, r.clock)
	return r
}

// fixedClock is a clock stopped at now; it sleeps on the wall clock.
type fixedClock struct{ now time.Time }

func (c fixedClock) Now() time.Time { return c.now }

func (fixedClock) Sleep(ctx context.Context, d time.Duration) bool { return realClock{}.Sleep(ctx, d) }

func (fixedClock) Resumed(context.Context) {}

func TestOpenWindow(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	cfg := createDefaultConfig().(*Config)
	cfg.PollInterval = time.Minute
	cfg.SettleDelay = 2 * time.Minute
	cfg.Overlap = 3 * time.Minute
	cfg.MaxWindow = time.Hour

	tests := []struct {
		name               string
		cp                 checkpoint
		wantOpen, wantTail bool
		wantStart, wantEnd time.Time
	}{
		{
			name:     "first window starts exactly at the lookback, capped by max_window",
			cp:       checkpoint{WindowEnd: now.Add(-24 * time.Hour), FinalBefore: now.Add(-24 * time.Hour)},
			wantOpen: true, wantStart: now.Add(-24 * time.Hour), wantEnd: now.Add(-23 * time.Hour),
		},
		{
			name:     "next window starts at the previous end (no re-read) and ends settle_delay before now: the tail",
			cp:       checkpoint{WindowEnd: now.Add(-10 * time.Minute)},
			wantOpen: true, wantTail: true, wantStart: now.Add(-10 * time.Minute), wantEnd: now.Add(-2 * time.Minute),
		},
		{
			name:     "a window longer than two polls and the overlap is behind, not the tail",
			cp:       checkpoint{WindowEnd: now.Add(-11 * time.Minute)},
			wantOpen: true, wantStart: now.Add(-11 * time.Minute), wantEnd: now.Add(-2 * time.Minute),
		},
		{
			name: "nothing settled since the previous window: no query",
			cp:   checkpoint{WindowEnd: now.Add(-2 * time.Minute)},
		},
		{
			name: "less than poll_interval settled since the previous window (caught up): no query",
			cp:   checkpoint{WindowEnd: now.Add(-2*time.Minute - 30*time.Second)},
		},
		{
			name: "a window end in the future (clock went back): no query",
			cp:   checkpoint{WindowEnd: now.Add(time.Minute)},
		},
		{
			name:     "a checkpoint older than the retention resumes at the oldest available time",
			cp:       checkpoint{WindowEnd: now.Add(-200 * 24 * time.Hour)},
			wantOpen: true, wantStart: now.Add(-retention + retentionMargin), wantEnd: now.Add(-retention + retentionMargin + time.Hour),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cp := tt.cp
			cp.Seen = seenSet{"old": now.Add(-48 * time.Hour), "recent": now.Add(-5 * time.Minute)}
			cp.clampToRetention(now)
			end, tail, ok := cp.nextWindow(now, rulesOf(cfg), false)
			require.Equal(t, tt.wantOpen, ok)
			if !tt.wantOpen {
				assert.False(t, cp.InWindow)
				return
			}
			assert.Equal(t, tt.wantTail, tail)
			cp.openWindow(end, false, now, cfg.Overlap)
			assert.True(t, cp.InWindow)
			assert.False(t, cp.Rescan)
			assert.Equal(t, tt.wantStart, cp.WindowStart)
			assert.Equal(t, tt.wantEnd, cp.WindowEnd)
			assert.True(t, cp.WindowEnd.After(cp.WindowStart), "never start >= end")
			assert.Nil(t, cp.Slices, "a new window is sliced once opened")
			floor := minTime(cp.FinalBefore, cp.WindowStart.Add(-cfg.Overlap))
			for id, ts := range cp.Seen {
				assert.False(t, ts.Before(floor), "id %s older than any probe is pruned", id)
			}
			if tt.wantTail {
				assert.Contains(t, cp.Seen, "recent", "ids a probe counts are kept")
			}
		})
	}
}
