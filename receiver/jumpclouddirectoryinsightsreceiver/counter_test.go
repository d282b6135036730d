package jumpclouddirectoryinsightsreceiver

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/zap"
)

// The narrowing on a table: the API's events (delivered or late) in a range of 64 s, a count
// that may fail from some depth on; what is re-read and how many counts it took.
func TestCounterNarrow(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return base.Add(time.Duration(s * float64(time.Second))) }
	span := func(a, b float64) sliceProgress { return sliceProgress{Start: at(a), End: at(b)} }
	// delivered: 1,000 events spread over the range (more than maxExcludedIDs: a re-read of the
	// whole range would download them all again).
	var delivered []time.Time
	for i := range 1000 {
		delivered = append(delivered, at(float64(i)*0.064))
	}
	tests := []struct {
		name       string
		late       []float64 // times of the undelivered events
		exclusion  bool
		failFrom   int // the count fails from this count on (0: never)
		countsLeft int
		want       []sliceProgress
		wantCounts int
	}{
		{name: "nothing late", countsLeft: 32, want: nil, wantCounts: 0},
		{
			name: "one late event: bisected down to a range with no more delivered than missing",
			late: []float64{40.0001}, countsLeft: 32,
			want: []sliceProgress{span(40, 40.062)}, wantCounts: 20,
		},
		{
			name: "with exclusion, bisected until at most maxExcludedIDs are delivered",
			late: []float64{40.0001}, exclusion: true, countsLeft: 32,
			want: []sliceProgress{span(32, 64)}, wantCounts: 2,
		},
		{
			name: "late events in both halves",
			late: []float64{1.0001, 63.0001}, exclusion: true, countsLeft: 32,
			want: []sliceProgress{span(0, 32), span(32, 64)}, wantCounts: 2,
		},
		{
			name: "counts spent: the range left is re-read whole",
			late: []float64{40.0001}, countsLeft: 4,
			want: []sliceProgress{span(32, 48)}, wantCounts: 4,
		},
		{
			name: "a count of a half fails: the range it halves is re-read whole",
			late: []float64{40.0001}, failFrom: 3, countsLeft: 32,
			want: []sliceProgress{span(0, 64)}, wantCounts: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			counts := 0
			c := &counter{
				countRange: func(_ context.Context, start, end time.Time) (int64, error) {
					counts++
					if tt.failFrom > 0 && counts >= tt.failFrom {
						return 0, errors.New("count failed")
					}
					n := int64(0)
					for _, d := range delivered {
						if !d.Before(start) && d.Before(end) {
							n++
						}
					}
					for _, l := range tt.late {
						if !at(l).Before(start) && at(l).Before(end) {
							n++
						}
					}
					return n, nil
				},
				failed: func(context.Context, string) {},
				log:    zap.NewNop(),
			}
			c.exclusionOff.Store(!tt.exclusion)
			ix := &deliveredIndex{}
			for _, d := range delivered {
				ix.times = append(ix.times, d.UnixNano())
			}
			n, ok := c.count(t.Context(), at(0), at(64))
			assert.True(t, ok || tt.failFrom == 1)
			left := tt.countsLeft
			got := c.narrow(t.Context(), ix, at(0), at(64), n, &left)
			slices.SortFunc(got, func(a, b sliceProgress) int { return a.Start.Compare(b.Start) })
			slices.SortFunc(tt.want, func(a, b sliceProgress) int { return a.Start.Compare(b.Start) })
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.wantCounts, counts-1, "counts after the first")
		})
	}
}
