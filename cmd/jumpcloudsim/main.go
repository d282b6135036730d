// Command jumpcloudsim runs the JumpCloud Directory Insights API simulator as a local HTTP
// server: a backfill of events, an optional steady flow of live (and late) events, and the
// /_sim admin routes (stats, expected events, fault injection). It prints one line,
// "jumpcloudsim listening on http://HOST:PORT", on stdout once it accepts connections.
//
// Example:
//
//	jumpcloudsim -listen 127.0.0.1:8089 -api-key demo -events 50000 -backfill 24h -rate 5 -late-fraction 0.1
//	curl -s -XPOST -H 'x-api-key: demo' localhost:8089/insights/directory/v1/events \
//	     -d '{"service":["all"],"start_time":"2024-01-01T00:00:00Z","limit":2}'
//	jumpcloudsim -client-id svc -client-secret s3cret -token-ttl 5m   # a service account too
//	curl -s -u svc:s3cret localhost:8089/oauth2/token -d grant_type=client_credentials -d scope=api
//	curl -s -XPOST localhost:8089/_sim/faults -d '{"kind":"status","status":503,"times":5}'
//	curl -s localhost:8089/_sim/stats
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/jumpcloudsim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "jumpcloudsim:", err)
		os.Exit(1)
	}
}

type options struct {
	listen       string
	apiKey       string
	nonAdminKey  string
	clientID     string
	clientSecret string
	tokenTTL     time.Duration
	orgID        string
	events       int
	backfill     time.Duration
	rate         float64
	lateFraction float64
	lateDelay    time.Duration
	services     string
	seed         int64
	tick         time.Duration
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("jumpcloudsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.listen, "listen", "127.0.0.1:0", "listen address (port 0: any free port)")
	fs.StringVar(&o.apiKey, "api-key", "", "expected x-api-key (empty: any non-empty key)")
	fs.StringVar(&o.nonAdminKey, "non-admin-key", "", "a key answered with 403 (non-admin)")
	fs.StringVar(&o.clientID, "client-id", "", "service account accepted by /oauth2/token (empty: any non-empty id and secret)")
	fs.StringVar(&o.clientSecret, "client-secret", "", "the service account's secret")
	fs.DurationVar(&o.tokenTTL, "token-ttl", jumpcloudsim.DefaultTokenTTL, "lifetime of the issued tokens")
	fs.StringVar(&o.orgID, "org-id", "", "organization id of the events; a different x-org-id gets 400")
	fs.IntVar(&o.events, "events", 1000, "number of backfill events, spread over -backfill before now")
	fs.DurationVar(&o.backfill, "backfill", 24*time.Hour, "time span of the backfill events before now")
	fs.Float64Var(&o.rate, "rate", 0, "live events per second generated as time passes")
	fs.Float64Var(&o.lateFraction, "late-fraction", 0, "fraction (0..1) of live events that become visible late")
	fs.DurationVar(&o.lateDelay, "late-delay", 30*time.Second, "how late the late live events become visible")
	fs.StringVar(&o.services, "services", "all", "comma-separated services to generate")
	fs.Int64Var(&o.seed, "seed", 1, "seed of the generated events")
	fs.DurationVar(&o.tick, "tick", time.Second, "interval of live event generation")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	case o.events < 0:
		return o, fmt.Errorf("-events %d is negative", o.events)
	case o.backfill <= 0:
		return o, fmt.Errorf("-backfill %s must be positive", o.backfill)
	case o.rate < 0:
		return o, fmt.Errorf("-rate %v is negative", o.rate)
	case o.lateFraction < 0 || o.lateFraction > 1:
		return o, fmt.Errorf("-late-fraction %v out of range 0..1", o.lateFraction)
	case o.tick <= 0:
		return o, fmt.Errorf("-tick %s must be positive", o.tick)
	case o.tokenTTL <= 0:
		return o, fmt.Errorf("-token-ttl %s must be positive", o.tokenTTL)
	case (o.clientID == "") != (o.clientSecret == ""):
		return o, errors.New("-client-id and -client-secret go together")
	}
	return o, nil
}

// run serves until ctx is done, then shuts down cleanly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	logger := log.New(stderr, "jumpcloudsim: ", log.LstdFlags)
	sim := jumpcloudsim.New(jumpcloudsim.Config{
		APIKey:       o.apiKey,
		NonAdminKey:  o.nonAdminKey,
		ClientID:     o.clientID,
		ClientSecret: o.clientSecret,
		TokenTTL:     o.tokenTTL,
		OrgID:        o.orgID,
		Seed:         o.seed,
	})
	services := strings.Split(o.services, ",")
	now := time.Now()
	if o.events > 0 {
		if err := sim.Generate(o.events, now.Add(-o.backfill), now, services...); err != nil {
			return err
		}
	}
	logger.Printf("backfill ready: events=%d span=%s org_id=%s", o.events, o.backfill, sim.OrgID())

	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", o.listen, err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "jumpcloudsim listening on http://%s\n", ln.Addr())

	liveDone := make(chan struct{})
	liveCtx, stopLive := context.WithCancel(ctx)
	go func() {
		defer close(liveDone)
		if o.rate > 0 {
			generateLive(liveCtx, sim, o, services, now, logger)
		}
	}()

	select {
	case err = <-serveErr:
	case <-ctx.Done():
	}
	stopLive()
	<-liveDone
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if shutErr := srv.Shutdown(shutdownCtx); shutErr != nil {
		_ = srv.Close()
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	st := sim.Stats()
	logger.Printf("stopped: requests=%d events_served=%d events=%d", st.Requests, st.EventsServed, st.Events)
	return nil
}

// generateLive adds rate events per second with timestamps in each elapsed tick, a fraction of
// them visible late, until ctx is done.
func generateLive(ctx context.Context, sim *jumpcloudsim.Server, o options, services []string, from time.Time, logger *log.Logger) {
	ticker := time.NewTicker(o.tick)
	defer ticker.Stop()
	start, last, made := from, from, 0
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-ticker.C:
			want := int(o.rate * now.Sub(start).Seconds())
			n := want - made
			if n <= 0 || !now.After(last) {
				continue
			}
			err := sim.GenerateWith(jumpcloudsim.GenerateOptions{
				N: n, Start: last, End: now, Services: services,
				LateFraction: o.lateFraction, LateDelay: o.lateDelay,
			})
			if err != nil {
				logger.Printf("live generation failed: %v", err)
				return
			}
			made, last = want, now
		}
	}
}
