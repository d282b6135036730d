package chaos // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/chaos"

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/jumpcloudsim"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/sumosink"
)

// Kind names one kind of step of the schedule (and of the fault counts of the report).
type Kind string

// Step kinds.
const (
	APIRetryAfter429 Kind = "api_429_retry_after"
	API429           Kind = "api_429_no_retry_after"
	API5xx           Kind = "api_5xx"
	APILatency       Kind = "api_latency_spike"
	APISlowBody      Kind = "api_slow_body"
	APITruncated     Kind = "api_truncated"
	APIMalformed     Kind = "api_malformed"
	APIHTML          Kind = "api_html"
	APIObject        Kind = "api_json_object"
	APIReset         Kind = "api_reset"
	APICursorBack    Kind = "api_cursor_back"
	LateEvents       Kind = "late_events"
	Sink503          Kind = "sink_503_window"
	Sink401          Kind = "sink_401_window"
	Sink429          Kind = "sink_429"
	SinkReset        Kind = "sink_reset"
	SinkSlow         Kind = "sink_slow"
	Kill             Kind = "kill_9"
	SigtermUpload    Kind = "sigterm_during_upload"
	SigtermPage      Kind = "sigterm_during_page"
)

// weights of the step kinds: API faults dominate, a stop of the collector every ~10 steps.
var weights = weightTable{
	{APIRetryAfter429, 4}, {API429, 3}, {API5xx, 4}, {APILatency, 3}, {APISlowBody, 2},
	{APITruncated, 2}, {APIMalformed, 2}, {APIHTML, 2}, {APIObject, 2}, {APIReset, 2},
	{APICursorBack, 2}, {LateEvents, 4},
	{Sink503, 2}, {Sink401, 1}, {Sink429, 2}, {SinkReset, 2}, {SinkSlow, 2},
	{Kill, 3}, {SigtermUpload, 1}, {SigtermPage, 1},
}

// weightTable weighs the step kinds of a schedule.
type weightTable []struct {
	kind Kind
	w    int
}

// steps draws a step every gapLo to gapHi until d, its kind by weight.
func (wt weightTable) steps(rng *rand.Rand, d, gapLo, gapHi time.Duration, orgs int) []Step {
	total := 0
	for _, w := range wt {
		total += w.w
	}
	var steps []Step
	for at := dur(rng, gapLo, gapHi); at < d; at += dur(rng, gapLo, gapHi) {
		x := rng.IntN(total)
		kind := wt[0].kind
		for _, w := range wt {
			if x < w.w {
				kind = w.kind
				break
			}
			x -= w.w
		}
		steps = append(steps, draw(rng, kind, at, d, orgs))
	}
	return steps
}

// Step is one action of the schedule, with every parameter drawn from the seed.
type Step struct {
	At   time.Duration // after the first start of the collector
	Kind Kind
	Org  int // index of the organization (API faults, late events)

	API  jumpcloudsim.Fault // API faults; SigtermPage: the slow page
	Sink sumosink.Fault     // Sink429, SinkReset, SinkSlow, SigtermUpload (queued)
	// Down is the length of a sink window (Sink503, Sink401).
	Down time.Duration
	// Late events: N events timestamped in [At-LateFrom, At-LateTo], visible LateAfter after At.
	N                           int
	LateFrom, LateTo, LateAfter time.Duration
	// Pause before the restart (Kill).
	Pause time.Duration
	// MidBackfill: the kill waits until a third of the backlog reached the sink.
	MidBackfill bool
}

func (s Step) String() string {
	switch s.Kind {
	case Sink503, Sink401:
		return fmt.Sprintf("%6.1fs %s %s", s.At.Seconds(), s.Kind, s.Down.Round(time.Millisecond))
	case Sink429, SinkReset, SinkSlow, SigtermUpload:
		return fmt.Sprintf("%6.1fs %s x%d delay=%dms", s.At.Seconds(), s.Kind, s.Sink.Count, s.Sink.DelayMS)
	case LateEvents:
		return fmt.Sprintf("%6.1fs %s org=%d n=%d visible after %s", s.At.Seconds(), s.Kind, s.Org, s.N, s.LateAfter.Round(time.Millisecond))
	case Kill:
		mid := ""
		if s.MidBackfill {
			mid = " (in the middle of the backfill)"
		}
		return fmt.Sprintf("%6.1fs %s restart after %s%s", s.At.Seconds(), s.Kind, s.Pause.Round(time.Millisecond), mid)
	default:
		return fmt.Sprintf("%6.1fs %s org=%d x%d %s", s.At.Seconds(), s.Kind, s.Org, s.API.Times, s.API.Delay.Round(time.Millisecond))
	}
}

// lateMaxAge bounds how old a late event is when it becomes visible: well inside the
// configuration's overlap (3m), so that collecting it is the receiver's duty.
const lateMaxAge = 150 * time.Second

// Plan draws the schedule of a run of length d with orgs organizations from the seed: a step
// every 0.3 to 2.5 s, a first kill -9 in the middle of the backfill (once a third of it reached
// the sink) and at least one SIGTERM during an upload.
func Plan(seed uint64, d time.Duration, orgs int) []Step {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	steps := weights.steps(rng, d, 300*time.Millisecond, 2500*time.Millisecond, orgs)
	first := draw(rng, Kill, dur(rng, 0, d/20), d, orgs)
	first.MidBackfill = true
	steps = append(steps, first, draw(rng, SigtermUpload, dur(rng, d/4, d*3/4), d, orgs))
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].At < steps[j].At })
	return steps
}

func draw(rng *rand.Rand, kind Kind, at, d time.Duration, orgs int) Step {
	s := Step{At: at, Kind: kind, Org: rng.IntN(orgs)}
	times := func(lo, hi int) int { return lo + rng.IntN(hi-lo+1) }
	switch kind {
	case APIRetryAfter429:
		s.API = jumpcloudsim.Fault{Kind: jumpcloudsim.FaultStatus, Status: 429, RetryAfter: strconv.Itoa(times(1, 2)), Times: times(1, 5)}
	case API429:
		s.API = jumpcloudsim.Fault{Kind: jumpcloudsim.FaultStatus, Status: 429, Times: times(1, 5)}
	case API5xx:
		s.API = jumpcloudsim.Fault{Kind: jumpcloudsim.FaultStatus, Status: []int{500, 502, 503, 504}[rng.IntN(4)], Times: times(1, 3)}
	case APILatency:
		s.API = jumpcloudsim.Fault{Kind: jumpcloudsim.FaultLatency, Delay: dur(rng, 500*time.Millisecond, 3*time.Second), Times: times(1, 4)}
	case APISlowBody:
		s.API = jumpcloudsim.Fault{Kind: jumpcloudsim.FaultSlowBody, ChunkSize: 32 << 10, Delay: dur(rng, 10*time.Millisecond, 40*time.Millisecond), Times: times(1, 2)}
	case APITruncated:
		s.API = jumpcloudsim.Fault{Kind: jumpcloudsim.FaultTruncate, Times: times(1, 2)}
	case APIMalformed:
		s.API = jumpcloudsim.Fault{Kind: jumpcloudsim.FaultMalformed, Times: times(1, 2)}
	case APIHTML:
		s.API = jumpcloudsim.Fault{Kind: jumpcloudsim.FaultHTML, Times: times(1, 2)}
	case APIObject:
		s.API = jumpcloudsim.Fault{Kind: jumpcloudsim.FaultObject, Message: "chaos: an object instead of the array", Times: times(1, 2)}
	case APIReset:
		s.API = jumpcloudsim.Fault{Kind: jumpcloudsim.FaultReset, Times: times(1, 3)}
	case APICursorBack:
		s.API = jumpcloudsim.Fault{Kind: jumpcloudsim.FaultCursorBack, Times: 1}
	case LateEvents:
		s.N = times(20, 200)
		s.LateFrom, s.LateTo = 90*time.Second, 5*time.Second
		s.LateAfter = min(dur(rng, 5*time.Second, 60*time.Second), max(d-at-time.Second, 0))
	case Sink503:
		s.Down = dur(rng, 2*time.Second, 8*time.Second)
	case Sink401:
		s.Down = dur(rng, 2*time.Second, 6*time.Second)
	case Sink429:
		s.Sink = sumosink.Fault{Status: 429, RetryAfter: 1, Count: times(1, 3)}
	case SinkReset:
		s.Sink = sumosink.Fault{Reset: true, Count: times(1, 2)}
	case SinkSlow:
		s.Sink = sumosink.Fault{DelayMS: times(500, 3000), Count: times(1, 3)}
	case Kill:
		s.Pause = dur(rng, 0, time.Second)
	case SigtermUpload:
		s.Sink = sumosink.Fault{DelayMS: times(2000, 4000), Count: 3}
	case SigtermPage:
		s.API = jumpcloudsim.Fault{Kind: jumpcloudsim.FaultLatency, Delay: dur(rng, 2*time.Second, 4*time.Second), Times: 1}
	}
	return s
}

// dur draws a duration in [lo, hi).
func dur(rng *rand.Rand, lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(rng.Int64N(int64(hi-lo)))
}
