package harness // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/harness"

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/jumpcloudsim"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/sumosink"
)

// BackendsConfig configures the simulator and the sink.
type BackendsConfig struct {
	// APIKey is the x-api-key the simulator accepts (required: a collector with another key
	// gets 401).
	APIKey string
	// Seed makes the simulator's events deterministic.
	Seed int64
	// SinkCode is the secret code of the sink's source URL (default "e2e-sink-code").
	SinkCode string
	// Orgs, when set, makes the simulator a multi-tenant (MSP) key with these organizations
	// (Backends.MSP); ProviderID adds the provider's own events.
	Orgs       []string
	ProviderID string
	// PageLatency delays every /events answer of the simulator (see jumpcloudsim.Config).
	PageLatency time.Duration
	// RequestLogSize bounds each simulator's request log (see jumpcloudsim.Config).
	RequestLogSize int
	// SinkCountOnly makes the sink count messages without keeping them (benchmarks).
	SinkCountOnly bool
}

// Backends are the JumpCloud simulator and the Sumo-style sink, each on its own loopback port.
type Backends struct {
	// Sim is the simulator of a single-organization key (nil with BackendsConfig.Orgs).
	Sim *jumpcloudsim.Server
	// MSP is the simulator of a multi-tenant key (nil without BackendsConfig.Orgs).
	MSP  *jumpcloudsim.MSP
	Sink *sumosink.Sink

	simSrv     *http.Server
	simURL     string
	serveErr   chan error
	closeOnce  sync.Once
	closeError error
}

// StartBackends serves a new simulator and a new sink on 127.0.0.1 random ports.
func StartBackends(cfg BackendsConfig) (*Backends, error) {
	if cfg.APIKey == "" {
		return nil, errors.New("harness: BackendsConfig.APIKey is required")
	}
	if cfg.SinkCode == "" {
		cfg.SinkCode = "e2e-sink-code"
	}
	var (
		sim     *jumpcloudsim.Server
		msp     *jumpcloudsim.MSP
		handler http.Handler
	)
	simCfg := jumpcloudsim.Config{APIKey: cfg.APIKey, Seed: cfg.Seed, PageLatency: cfg.PageLatency, RequestLogSize: cfg.RequestLogSize}
	if len(cfg.Orgs) > 0 {
		msp = jumpcloudsim.NewMSP(simCfg, cfg.Orgs, cfg.ProviderID)
		handler = msp
	} else {
		sim = jumpcloudsim.New(simCfg)
		handler = sim
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("harness: simulator listener: %w", err)
	}
	sink, err := sumosink.Start("127.0.0.1:0", sumosink.Config{Code: cfg.SinkCode, CountOnly: cfg.SinkCountOnly})
	if err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("harness: sink: %w", err)
	}
	b := &Backends{
		Sim:      sim,
		MSP:      msp,
		Sink:     sink,
		simSrv:   &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second},
		simURL:   "http://" + ln.Addr().String(),
		serveErr: make(chan error, 1),
	}
	go func() { b.serveErr <- b.simSrv.Serve(ln) }()
	return b, nil
}

// SimURL is http://127.0.0.1:PORT of the simulator (its /_sim admin routes are there too).
func (b *Backends) SimURL() string { return b.simURL }

// APIBaseURL is the Directory Insights base URL of the simulator: the receiver's endpoint.
func (b *Backends) APIBaseURL() string { return b.simURL + jumpcloudsim.BasePath }

// Sims are the simulators of every organization: Sim alone, or the MSP's organizations (and its
// provider) in order.
func (b *Backends) Sims() []*jumpcloudsim.Server {
	if b.MSP == nil {
		return []*jumpcloudsim.Server{b.Sim}
	}
	var out []*jumpcloudsim.Server
	for _, org := range b.MSP.OrgIDs() {
		out = append(out, b.MSP.Org(org))
	}
	if p := b.MSP.Provider(); p != nil {
		out = append(out, p)
	}
	return out
}

// SimStats sums the Stats of every organization's simulator.
func (b *Backends) SimStats() jumpcloudsim.Stats {
	var total jumpcloudsim.Stats
	for _, s := range b.Sims() {
		st := s.Stats()
		total.Requests += st.Requests
		total.EventsServed += st.EventsServed
		total.Events += st.Events
		total.VisibleEvents += st.VisibleEvents
	}
	return total
}

// Close stops the simulator and the sink; it is safe to call more than once.
func (b *Backends) Close() error {
	b.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		errSim := b.simSrv.Shutdown(ctx)
		if errSim != nil {
			errSim = errors.Join(errSim, b.simSrv.Close())
		}
		if err := <-b.serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errSim = errors.Join(errSim, err)
		}
		b.closeError = errors.Join(errSim, b.Sink.Close())
	})
	return b.closeError
}

// LiveFlow adds simulated events as time passes, like a tenant in use: every tick, the events
// of the elapsed interval, timestamped inside it.
type LiveFlow struct {
	cancel context.CancelFunc
	done   chan struct{}

	mu        sync.Mutex
	generated int
	err       error
}

// StartLiveFlow generates rate events per second (spread over services; none means all) every
// tick until Stop.
func StartLiveFlow(sim *jumpcloudsim.Server, rate float64, tick time.Duration, services ...string) *LiveFlow {
	return StartLiveFlowWith(sim, LiveFlowOptions{Rate: rate, Tick: tick, Services: services})
}

// LiveFlowOptions describe a live flow: Rate events per second every Tick, of Services (none:
// all); a LateFraction of them become visible late, each tick's late ones by a delay drawn
// uniformly in (0, MaxLate] (seeded by Seed).
type LiveFlowOptions struct {
	Rate         float64
	Tick         time.Duration
	Services     []string
	LateFraction float64
	MaxLate      time.Duration
	Seed         uint64
}

// StartLiveFlowWith generates the flow o until Stop.
func StartLiveFlowWith(sim *jumpcloudsim.Server, o LiveFlowOptions) *LiveFlow {
	ctx, cancel := context.WithCancel(context.Background())
	lf := &LiveFlow{cancel: cancel, done: make(chan struct{})}
	go lf.run(ctx, sim, o)
	return lf
}

func (lf *LiveFlow) run(ctx context.Context, sim *jumpcloudsim.Server, o LiveFlowOptions) {
	rate, tick, services := o.Rate, o.Tick, o.Services
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	defer close(lf.done)
	t := time.NewTicker(tick)
	defer t.Stop()
	origin := time.Now()
	from := origin
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			due := int(rate*now.Sub(origin).Seconds()) - lf.Generated()
			if due <= 0 {
				continue
			}
			opts := jumpcloudsim.GenerateOptions{N: due, Start: from, End: now, Services: services, LateFraction: o.LateFraction}
			if o.LateFraction > 0 && o.MaxLate > 0 {
				opts.LateDelay = time.Duration(rng.Int64N(int64(o.MaxLate))) + 1
			}
			if err := sim.GenerateWith(opts); err != nil {
				lf.mu.Lock()
				lf.err = err
				lf.mu.Unlock()
				return
			}
			lf.mu.Lock()
			lf.generated += due
			lf.mu.Unlock()
			from = now
		}
	}
}

// Generated is the number of live events added so far.
func (lf *LiveFlow) Generated() int {
	lf.mu.Lock()
	defer lf.mu.Unlock()
	return lf.generated
}

// Stop ends the flow and returns the number of events it added and the generation error, if any.
func (lf *LiveFlow) Stop() (int, error) {
	lf.cancel()
	<-lf.done
	lf.mu.Lock()
	defer lf.mu.Unlock()
	return lf.generated, lf.err
}
