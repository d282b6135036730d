package chaos // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/chaos"

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/harness"
)

// The soak (make soak): the shipped configuration as it is (poll 10 s, settle 5 s, overlap 3 m:
// no environment override of the engine), a live flow with late events and sparse API and sink
// faults for a long schedule, two kill -9 early on, and the collector's anonymous RSS sampled
// throughout. It passes when the chaos verdict holds (nothing lost, every duplicate explained by
// a stop) and the RSS of the last collector process stays flat after its warm-up.

// soakWeights are the step kinds of the soak: the faults of a bad day, no stops (the two kills
// are placed by PlanSoak).
var soakWeights = weightTable{
	{APIRetryAfter429, 2}, {API429, 2}, {API5xx, 3}, {APILatency, 2}, {APISlowBody, 1},
	{APITruncated, 1}, {APIMalformed, 1}, {APIReset, 1}, {LateEvents, 6},
	{Sink503, 2}, {Sink429, 2}, {SinkReset, 1}, {SinkSlow, 1},
}

// SoakWarmUp is the time after the last start of the collector before its RSS must be flat:
// the seen-id set fills over one overlap (3 min), the heap settles after a few GC cycles.
const SoakWarmUp = 5 * time.Minute

// MaxRSSGrowth bounds the growth of the anonymous RSS after the warm-up: the largest sample of
// the last third of the samples over the largest of the first third.
const MaxRSSGrowth = 0.10

// PlanSoak draws the soak's schedule of length d: a step every 10 to 40 s, and two kill -9, at a
// tenth and a fifth of d (the last process then runs most of the schedule: its RSS is watched).
func PlanSoak(seed uint64, d time.Duration, orgs int) []Step {
	rng := rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d))
	steps := soakWeights.steps(rng, d, 10*time.Second, 40*time.Second, orgs)
	steps = append(steps, draw(rng, Kill, d/10, d, orgs), draw(rng, Kill, d/5, d, orgs))
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].At < steps[j].At })
	return steps
}

// rssSample is one reading of the collector's RssAnon.
type rssSample struct {
	at    time.Duration // since the first start
	run   int           // which start of the collector (0: the first)
	bytes int64
}

// rssSampler reads the running collector's RssAnon every interval.
type rssSampler struct {
	interval time.Duration
	mu       sync.Mutex
	samples  []rssSample
}

// run samples until ctx ends; r.start is set before it runs.
func (s *rssSampler) run(ctx context.Context, r *runner) {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pid, run, ok := r.current()
		if !ok {
			continue
		}
		b, err := harness.RSSAnon(pid)
		if err != nil {
			continue // between a kill and the restart
		}
		s.mu.Lock()
		s.samples = append(s.samples, rssSample{at: time.Since(r.start), run: run, bytes: b})
		s.mu.Unlock()
	}
}

// RSS is the soak's memory verdict over the last collector process.
type RSS struct {
	// Samples of the last process after its warm-up; First and Last the largest sample of their
	// first and last thirds; Peak the largest of all (every process).
	Samples           int
	First, Last, Peak int64
	// Growth is Last / First - 1.
	Growth float64
	// From and To bound the samples compared (since the first start).
	From, To time.Duration
}

// Flat reports whether the RSS stayed within MaxRSSGrowth (and was measured at all).
func (m *RSS) Flat() bool { return m != nil && m.Samples >= 6 && m.Growth <= MaxRSSGrowth }

func (s *rssSampler) verdict(lastStart time.Duration, lastRun int) *RSS {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := &RSS{}
	var after []rssSample
	for _, x := range s.samples {
		m.Peak = max(m.Peak, x.bytes)
		if x.run == lastRun && x.at >= lastStart+SoakWarmUp {
			after = append(after, x)
		}
	}
	m.Samples = len(after)
	if len(after) < 6 {
		return m
	}
	third := len(after) / 3
	for _, x := range after[:third] {
		m.First = max(m.First, x.bytes)
	}
	for _, x := range after[len(after)-third:] {
		m.Last = max(m.Last, x.bytes)
	}
	m.Growth = float64(m.Last)/float64(m.First) - 1
	m.From, m.To = after[0].at, after[len(after)-1].at
	return m
}

func (m *RSS) print(w io.Writer) {
	verdict := "flat"
	if !m.Flat() {
		verdict = "NOT FLAT"
	}
	if m.Samples < 6 {
		fmt.Fprintf(w, "  anonymous RSS: NOT MEASURED (%d samples after the warm-up of %s; the soak must run longer)\n", m.Samples, SoakWarmUp)
		return
	}
	fmt.Fprintf(w, "  anonymous RSS (last process, %.0fs..%.0fs, %d samples): first third max %.1f MiB, last third max %.1f MiB, growth %+.1f%% (bound %.0f%%): %s; peak of all processes %.1f MiB\n",
		m.From.Seconds(), m.To.Seconds(), m.Samples, mib(m.First), mib(m.Last), 100*m.Growth, 100*MaxRSSGrowth, verdict, mib(m.Peak))
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
