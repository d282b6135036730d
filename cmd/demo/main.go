// Command demo runs the otelcol-jumpcloud distribution without any credentials: it starts the
// JumpCloud Directory Insights simulator of a multi-tenant (MSP) key with a few organizations
// (a backfill plus a steady live flow of events each) and a Sumo Logic style sink in-process on
// 127.0.0.1 random ports, then runs bin/otelcol-jumpcloud with the real otelcol-config.yaml, its
// environment pointed at them (org_id lists the organizations: one stream each, requests
// concurrent within max_concurrent_requests). Every few seconds it prints one line: events
// generated and served, messages delivered to the sink per organization with that
// organization's state, and the receiver's status from the health_check endpoint. Ctrl-C
// stops the collector, then the simulator and the sink. `make run` starts it when none of
// JUMPCLOUD_API_KEY, JUMPCLOUD_CLIENT_ID, JUMPCLOUD_CLIENT_SECRET and SUMO_HTTP_SOURCE_URL is set
// (a real run needs the Sumo URL and either the API key or the service account's id and secret).
//
//	go run ./cmd/demo -collector bin/otelcol-jumpcloud -config otelcol-config.yaml
//
// The collector's log is written to <dir>/collector.log; its checkpoint and queue to
// <dir>/storage, emptied at start since every run has a new simulator.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/harness"
)

const demoAPIKey = "demo-api-key"

type options struct {
	collector string
	config    string
	dir       string
	events    int
	backfill  time.Duration
	rate      float64
	interval  time.Duration
	category  string
	orgs      int
	// format and semconv: the receiver's format and semantic_conventions (JUMPCLOUD_FORMAT,
	// JUMPCLOUD_SEMANTIC_CONVENTIONS by default, so `JUMPCLOUD_FORMAT=ocsf make run` shows them).
	format  string
	semconv bool
}

// envOr is the environment variable name, or def when it is empty.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string, out io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&o.collector, "collector", "bin/otelcol-jumpcloud", "the distribution binary (make build)")
	fs.StringVar(&o.config, "config", "otelcol-config.yaml", "the collector configuration")
	fs.StringVar(&o.dir, "dir", ".run/demo", "directory of the collector's log and storage")
	fs.IntVar(&o.events, "events", 20000, "backfill of the busiest organization, spread over -backfill before now (the others get less)")
	fs.DurationVar(&o.backfill, "backfill", 12*time.Hour, "time span of the backfill (within the config's initial_lookback)")
	fs.Float64Var(&o.rate, "rate", 10, "live events per second")
	fs.DurationVar(&o.interval, "interval", 5*time.Second, "time between two summary lines")
	fs.StringVar(&o.category, "category", "demo/jumpcloud", "_sourceCategory of the events (SUMO_SOURCE_CATEGORY)")
	fs.IntVar(&o.orgs, "orgs", 3, "organizations behind the simulated MSP key (1 to 9)")
	fs.StringVar(&o.format, "format", envOr("JUMPCLOUD_FORMAT", "raw"), "the records' format: raw, ecs or ocsf (JUMPCLOUD_FORMAT)")
	fs.BoolVar(&o.semconv, "semantic-conventions", os.Getenv("JUMPCLOUD_SEMANTIC_CONVENTIONS") == "true", "add the semantic-convention attributes (JUMPCLOUD_SEMANTIC_CONVENTIONS=true)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	case o.events < 0 || o.rate < 0:
		return o, errors.New("-events and -rate must not be negative")
	case o.backfill <= 0 || o.interval <= 0:
		return o, errors.New("-backfill and -interval must be positive")
	case o.orgs < 1 || o.orgs > 9:
		return o, errors.New("-orgs must be 1 to 9")
	}
	return o, nil
}

func run(ctx context.Context, args []string, out io.Writer) error {
	o, err := parseFlags(args, out)
	if err != nil {
		return err
	}
	storage := filepath.Join(o.dir, "storage")
	if err := os.RemoveAll(storage); err != nil {
		return fmt.Errorf("reset %s: %w", storage, err)
	}
	logPath := filepath.Join(o.dir, "collector.log")
	if err := os.MkdirAll(o.dir, 0o750); err != nil {
		return err
	}
	if err := os.Truncate(logPath, 0); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}

	orgs := demoOrgs(o.orgs)
	b, err := harness.StartBackends(harness.BackendsConfig{APIKey: demoAPIKey, Seed: time.Now().UnixNano(), Orgs: orgs})
	if err != nil {
		return err
	}
	defer func() { _ = b.Close() }() // loopback simulator and sink: nothing to report once the demo ends
	now := time.Now()
	var flows liveFlows
	backfill := 0
	for i, sim := range b.Sims() {
		// Organizations of different sizes: the first is the busiest.
		if n := o.events * (len(orgs) - i) / len(orgs); n > 0 {
			backfill += n
			if err := sim.Generate(n, now.Add(-o.backfill), now); err != nil {
				return fmt.Errorf("backfill: %w", err)
			}
		}
		flows = append(flows, harness.StartLiveFlow(sim, o.rate/float64(len(orgs)), time.Second))
	}
	defer func() { _, _ = flows.stop() }() // on an early return; the normal path checks it below

	col, err := harness.StartCollector(harness.CollectorConfig{
		Binary:     o.collector,
		ConfigPath: o.config,
		StorageDir: storage,
		LogPath:    logPath,
		Env: map[string]string{
			"JUMPCLOUD_API_KEY":          demoAPIKey,
			"JUMPCLOUD_ORG_ID":           strings.Join(orgs, ","),
			"JUMPCLOUD_ENDPOINT":         b.APIBaseURL(),
			"JUMPCLOUD_POLL_INTERVAL":    "2s",
			"JUMPCLOUD_SETTLE_DELAY":     "2s",
			"JUMPCLOUD_INITIAL_LOOKBACK": (o.backfill + time.Minute).String(),
			"SUMO_HTTP_SOURCE_URL":       b.Sink.URL(),
			"SUMO_SOURCE_CATEGORY":       o.category,
			// An invalid format stops the collector at start with the error naming the field.
			"JUMPCLOUD_FORMAT":               o.format,
			"JUMPCLOUD_SEMANTIC_CONVENTIONS": fmt.Sprint(o.semconv),
		},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "simulator  %s (MSP key, organizations %s; backfill %d events over %s, live %.0f/s)\n",
		b.SimURL(), strings.Join(orgs, ", "), backfill, o.backfill, o.rate)
	fmt.Fprintf(out, "sink       %s/_sink/stats\n", b.Sink.BaseURL())
	fmt.Fprintf(out, "collector  pid %d, health %s, log %s\n", col.Pid(), col.HealthURL, logPath)
	fmt.Fprintf(out, "records    format %s, semantic conventions %v (JUMPCLOUD_FORMAT, JUMPCLOUD_SEMANTIC_CONVENTIONS)\n", o.format, o.semconv)
	fmt.Fprintln(out, "Ctrl-C to stop")

	err = report(ctx, o.interval, b, &flows, col, out)
	stopErr := col.Stop(20 * time.Second)
	generated, liveErr := flows.stop()
	fmt.Fprintf(out, "stopped: %s\n", summary(b, generated, harness.Health{}, "collector stopped"))
	if msgs := b.Sink.Messages(); len(msgs) > 0 {
		fmt.Fprintf(out, "last message delivered (format %s, as the sink received it):\n%s\n", o.format, msgs[len(msgs)-1].Body)
	}
	if err != nil {
		fmt.Fprintf(out, "--- last lines of %s ---\n%s\n", logPath, harness.Tail(logPath, 20))
		return err
	}
	return errors.Join(stopErr, liveErr)
}

// demoOrgs are n organization ids in JumpCloud's form (24 hex digits).
func demoOrgs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("5f0d0000000000000000000%d", i+1)
	}
	return out
}

// liveFlows are the live event flows of every organization.
type liveFlows []*harness.LiveFlow

func (l liveFlows) generated() int {
	n := 0
	for _, f := range l {
		n += f.Generated()
	}
	return n
}

func (l liveFlows) stop() (int, error) {
	var errs []error
	n := 0
	for _, f := range l {
		g, err := f.Stop()
		n += g
		errs = append(errs, err)
	}
	return n, errors.Join(errs...)
}

// report prints a summary line every interval until ctx is done or the collector exits.
func report(ctx context.Context, interval time.Duration, b *harness.Backends, flows *liveFlows, col *harness.Collector, out io.Writer) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-col.Done():
			return col.ExitedError()
		case <-t.C:
			hctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			h, err := col.Health(hctx)
			cancel()
			state := h.String()
			if err != nil {
				state = "health: " + err.Error()
			}
			fmt.Fprintf(out, "%s %s\n", time.Now().Format("15:04:05"), summary(b, flows.generated(), h, state))
		}
	}
}

// summary is "sim: generated=N (live N) served=N requests=N | sink: delivered=N duplicates=N |
// org ORG=N State ... | <health>": per organization, the messages delivered (their requests'
// jumpcloud.organization field) and the organization's own source state.
func summary(b *harness.Backends, liveGenerated int, h harness.Health, state string) string {
	sim := b.SimStats()
	sink := b.Sink.Stats()
	perOrg := map[string]int{}
	for _, m := range b.Sink.Messages() {
		perOrg[m.Fields["jumpcloud.organization"]]++
	}
	states := h.Receiver.Organizations()
	var orgs []string
	for _, org := range b.MSP.OrgIDs() {
		st := states[org]
		if st == "" {
			st = "-"
		}
		orgs = append(orgs, fmt.Sprintf("%s=%d %s", short(org), perOrg[org], strings.ReplaceAll(st, " ", "")))
	}
	return fmt.Sprintf("sim: generated=%d (live %d) served=%d requests=%d | sink: delivered=%d duplicates=%d | %s | %s",
		sim.Events, liveGenerated, sim.EventsServed, sim.Requests,
		sink.Messages, sink.Duplicates, strings.Join(orgs, " "), state)
}

// short abbreviates an organization id for the summary line ("…0001").
func short(org string) string {
	if len(org) > 6 {
		return "…" + org[len(org)-4:]
	}
	return org
}
