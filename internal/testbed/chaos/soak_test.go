package chaos

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPlanSoak(t *testing.T) {
	d := 30 * time.Minute
	a := PlanSoak(7, d, 3)
	require.Equal(t, a, PlanSoak(7, d, 3), "the same seed replays the same schedule")
	kinds := map[Kind]int{}
	var kills []time.Duration
	for i, s := range a {
		kinds[s.Kind]++
		if i > 0 {
			assert.GreaterOrEqual(t, s.At, a[i-1].At, "in time order")
		}
		if s.Kind == Kill {
			kills = append(kills, s.At)
		}
		if s.Kind == LateEvents {
			assert.LessOrEqual(t, s.LateFrom+s.LateAfter, lateMaxAge, "inside the overlap")
		}
	}
	assert.Equal(t, []time.Duration{d / 10, d / 5}, kills, "two kill -9, early: the last process runs most of the soak")
	assert.Zero(t, kinds[SigtermUpload]+kinds[SigtermPage], "no other stop")
	assert.Positive(t, kinds[LateEvents])
	assert.Greater(t, len(a), 40, "a fault every 10 to 40 s")
}

func TestRSSVerdict(t *testing.T) {
	const mb = 1 << 20
	start := 6 * time.Minute
	series := func(run int, from time.Duration, mbs ...int64) []rssSample {
		var out []rssSample
		for i, m := range mbs {
			out = append(out, rssSample{at: from + time.Duration(i)*time.Minute, run: run, bytes: m * mb})
		}
		return out
	}
	tests := []struct {
		name    string
		samples []rssSample
		flat    bool
		growth  float64
	}{
		{"flat", series(2, start+SoakWarmUp, 100, 104, 101, 103, 102, 105, 104, 103, 106), true, 106.0/104 - 1},
		{"growing", series(2, start+SoakWarmUp, 100, 105, 110, 115, 120, 125, 130, 135, 140), false, 140.0/110 - 1},
		{"warm-up and earlier processes ignored", append(series(0, 0, 500, 500), series(2, start, 20, 40, 60, 80, 100, 100, 101, 100, 102, 101, 100, 101)...), true, 0},
		{"too short to tell", series(2, start+SoakWarmUp, 100, 100, 100), false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &rssSampler{samples: tt.samples}
			m := s.verdict(start, 2)
			assert.Equal(t, tt.flat, m.Flat())
			assert.InDelta(t, tt.growth, m.Growth, 1e-9)
		})
	}
}
