package jumpclouddirectoryinsightsreceiver

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing/synctest"
	"time"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/httpretry"
)

// simScheduler runs the goroutines of a simulation one at a time, in an order the seed draws:
// what makes a seed replay exactly.
//
// The goroutines of the engine name themselves (withRole) and stop at every scheduling point
// (clock.Resumed: a goroutine started, or went on after waiting for another one) and after every
// sleep of the clock: there they wait for their turn. The scheduler's own goroutine waits until
// every other goroutine of the bubble is blocked (synctest.Wait), then gives the turn to one of
// those waiting, drawn from the seed among them sorted by role, and waits again. So between two
// turns exactly one goroutine runs (the others it wakes stop at their next scheduling point
// before they touch anything), the set of goroutines waiting at each turn is the same in every
// run of the seed, and so is the one that goes on. The driver of the run waits for its turn
// last (driverTurn): after everything the engine does at one instant.
//
// Go's own nondeterminism stays out of it: a select with two ready cases picks either, but the
// engine's selects on a context and something else both end at a scheduling point that reads
// the context again; map order is not used for decisions (the seen-id set is sorted where it
// is ordered).
type simScheduler struct {
	rng  *rand.Rand
	mu   sync.Mutex
	wait []simWaiter
	// arrive wakes the scheduler's goroutine when a goroutine starts waiting.
	arrive chan struct{}
	done   chan struct{}
	// turns counts the turns given; ties the turns where two waiting goroutines had the same
	// role (the order between them is then the Go scheduler's: a replay may differ).
	turns, ties int
	// order digests the roles in the order they got their turns.
	order uint64
}

type simWaiter struct {
	role   string
	resume chan struct{}
}

// simDriverRole sorts after every role of the engine: the driver goes last.
const simDriverRole = "\xffdriver"

func newSimScheduler(seed uint64) *simScheduler {
	s := &simScheduler{
		rng:    rand.New(rand.NewPCG(seed, 0x5c4ed)), //nolint:gosec // seeded on purpose: a simulation replays
		arrive: make(chan struct{}, 1),
		done:   make(chan struct{}),
		order:  14695981039346656037,
	}
	go s.run()
	return s
}

// stop ends the scheduler's goroutine (at the end of the run, every other one has ended).
func (s *simScheduler) stop() { close(s.done) }

// turn waits until the scheduler gives role the turn.
func (s *simScheduler) turn(role string) {
	ch := make(chan struct{})
	s.mu.Lock()
	s.wait = append(s.wait, simWaiter{role: role, resume: ch})
	s.mu.Unlock()
	select {
	case s.arrive <- struct{}{}:
	default:
	}
	<-ch
}

// driverTurn waits until nothing else of the bubble can run at this instant.
func (s *simScheduler) driverTurn() { s.turn(simDriverRole) }

func (s *simScheduler) run() {
	for {
		select {
		case <-s.arrive:
		case <-s.done:
			return
		}
		for {
			synctest.Wait()
			w, ok := s.next()
			if !ok {
				break
			}
			close(w.resume)
		}
	}
}

// next takes the waiting goroutine whose turn it is: drawn among the engine's, sorted by role;
// the driver when it waits alone.
func (s *simScheduler) next() (simWaiter, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.wait) == 0 {
		return simWaiter{}, false
	}
	slices.SortFunc(s.wait, func(a, b simWaiter) int { return strings.Compare(a.role, b.role) })
	n := len(s.wait)
	if n > 1 && s.wait[n-1].role == simDriverRole {
		n--
	}
	for i := 1; i < n; i++ {
		if s.wait[i].role == s.wait[i-1].role {
			s.ties++
		}
	}
	i := 0
	if n > 1 {
		i = s.rng.IntN(n)
	}
	w := s.wait[i]
	s.wait = slices.Delete(s.wait, i, i+1)
	s.turns++
	for _, c := range []byte(w.role) {
		s.order = (s.order ^ uint64(c)) * 1099511628211
	}
	s.order = (s.order ^ 0xff) * 1099511628211
	return w, true
}

// stats are the turns given, the digest of their order and the ties.
func (s *simScheduler) stats() (turns int, order uint64, ties int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.turns, s.order, s.ties
}

// simClock is the engine's clock in a simulation: the bubble's time, and a turn after every
// sleep and at every scheduling point.
type simClock struct{ sched *simScheduler }

func (simClock) Now() time.Time { return time.Now() }

func (c simClock) Sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	ok := httpretry.Sleep(ctx, d)
	c.sched.turn(roleOf(ctx))
	return ok
}

func (c simClock) Resumed(ctx context.Context) { c.sched.turn(roleOf(ctx)) }
