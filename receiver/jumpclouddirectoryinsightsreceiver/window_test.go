package jumpclouddirectoryinsightsreceiver

import (
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
	r.now = func() time.Time { return now }
	return r
}

func TestOpenWindow(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	cfg := createDefaultConfig().(*Config)
	cfg.SettleDelay = 2 * time.Minute
	cfg.Overlap = 3 * time.Minute
	cfg.MaxWindow = time.Hour

	tests := []struct {
		name               string
		cp                 checkpoint
		wantOpen           bool
		wantStart, wantEnd time.Time
	}{
		{
			name:     "first window starts exactly at the lookback, capped by max_window",
			cp:       checkpoint{WindowEnd: now.Add(-24 * time.Hour), NoOverlap: true},
			wantOpen: true, wantStart: now.Add(-24 * time.Hour), wantEnd: now.Add(-23 * time.Hour),
		},
		{
			name:     "next window re-scans the overlap and ends settle_delay before now",
			cp:       checkpoint{WindowEnd: now.Add(-10 * time.Minute)},
			wantOpen: true, wantStart: now.Add(-13 * time.Minute), wantEnd: now.Add(-2 * time.Minute),
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
			r := newWindowTestReceiver(t, cfg, now)
			cp := tt.cp
			cp.Seen = seenSet{"old": now.Add(-48 * time.Hour), "recent": now.Add(-5 * time.Minute)}
			st := r.streams[0]
			st.cp = &cp
			require.Equal(t, tt.wantOpen, st.openWindow())
			if !tt.wantOpen {
				assert.False(t, cp.InWindow)
				return
			}
			assert.True(t, cp.InWindow)
			assert.Equal(t, tt.wantStart, cp.WindowStart)
			assert.Equal(t, tt.wantEnd, cp.WindowEnd)
			assert.True(t, cp.WindowEnd.After(cp.WindowStart), "never start >= end")
			assert.Nil(t, cp.Slices, "a new window is sliced once opened")
			for id, ts := range cp.Seen {
				assert.False(t, ts.Before(cp.WindowStart), "id %s older than the window is pruned", id)
			}
			assert.False(t, cp.NoOverlap)
		})
	}
}
