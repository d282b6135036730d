package chaos

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/jumpcloudsim"
)

func TestPlanIsSeeded(t *testing.T) {
	tests := []struct {
		name string
		d    time.Duration
	}{
		{"short run", 45 * time.Second},
		{"campaign", 3 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := Plan(42, tt.d, 3), Plan(42, tt.d, 3)
			require.Equal(t, a, b, "the same seed replays the same schedule")
			assert.NotEqual(t, a, Plan(43, tt.d, 3), "another seed, another schedule")

			kinds := map[Kind]int{}
			sim := jumpcloudsim.New(jumpcloudsim.Config{})
			for i, s := range a {
				kinds[s.Kind]++
				assert.GreaterOrEqual(t, s.At, time.Duration(0))
				assert.Less(t, s.At, tt.d)
				if i > 0 {
					assert.GreaterOrEqual(t, s.At, a[i-1].At, "in time order")
				}
				assert.True(t, s.Org >= 0 && s.Org < 3)
				if s.API.Kind != "" {
					require.NoError(t, sim.InjectFault(s.API), "%s", s)
				}
				if s.Kind == LateEvents {
					assert.LessOrEqual(t, s.At+s.LateAfter, tt.d, "visible before the schedule ends")
					assert.LessOrEqual(t, s.LateFrom+s.LateAfter, lateMaxAge, "inside the overlap")
				}
			}
			assert.Positive(t, kinds[SigtermUpload])
			mid := 0
			for _, s := range a {
				if s.MidBackfill {
					mid++
					assert.Equal(t, Kill, s.Kind)
					assert.Less(t, s.At, tt.d/20, "early: in the middle of the backfill")
				}
			}
			assert.Equal(t, 1, mid, "one kill waits for the middle of the backfill")
		})
	}
}

func TestPlanCoversEveryKind(t *testing.T) {
	kinds := map[Kind]bool{}
	for seed := range uint64(5) {
		for _, s := range Plan(seed+1, 3*time.Minute, 3) {
			kinds[s.Kind] = true
		}
	}
	for _, w := range weights {
		assert.True(t, kinds[w.kind], "%s never drawn", w.kind)
	}
}
