// Command chaos runs the seeded chaos campaign (internal/testbed/chaos): the built distribution
// with the shipped otelcol-config.yaml against a multi-tenant JumpCloud simulator (3
// organizations) and the Sumo-style sink on loopback, under a schedule of faults drawn from the
// seed, then checks that the sink holds exactly the simulators' events: lost (must be 0),
// duplicates (each explained by a stop of the collector), the longest delivery delay, the API
// requests per second at the worst moment and the faults injected. It exits 1 when a run fails;
// `-seed N` replays a run. `make chaos` runs it.
//
// With -soak it runs the soak instead (`make soak`): the shipped poll and settle, a fault every
// 10 to 40 s, two kill -9, and the last collector process's anonymous RSS required flat after
// its warm-up (within 10%).
//
//	go run ./cmd/chaos -collector bin/otelcol-jumpcloud -config otelcol-config.yaml -duration 3m -runs 3
//	go run ./cmd/chaos -seed 12345 -duration 45s -v
//	go run ./cmd/chaos -soak -duration 30m -backlog 10000
package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/chaos"
)

func main() {
	var (
		bin      = flag.String("collector", "bin/otelcol-jumpcloud", "the distribution binary")
		config   = flag.String("config", "otelcol-config.yaml", "the configuration it runs")
		dir      = flag.String("dir", "", "work directory (storage, collector logs); default: a new temporary directory")
		seed     = flag.Uint64("seed", 0, "seed of the schedule and the events (0: a random one per run, printed)")
		runs     = flag.Int("runs", 1, "runs with random seeds (ignored with -seed)")
		duration = flag.Duration("duration", 3*time.Minute, "length of the fault schedule")
		catchUp  = flag.Duration("catch-up", 3*time.Minute, "bound on the wait for the last events once faults stop")
		backlog  = flag.Int("backlog", 60000, "events per organization before the start")
		rate     = flag.Float64("rate", 20, "live events per second per organization")
		latency  = flag.Duration("page-latency", 250*time.Millisecond, "the simulator's time per page")
		verbose  = flag.Bool("v", false, "print every step")
		soak     = flag.Bool("soak", false, "run the soak: the shipped poll and settle, sparse faults, two kill -9, the RSS required flat (make soak)")
	)
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	seeds := []uint64{*seed}
	if *seed == 0 {
		seeds = seeds[:0]
		for range max(*runs, 1) {
			seeds = append(seeds, randomSeed())
		}
	}
	work := *dir
	if work == "" {
		d, err := os.MkdirTemp("", "chaos-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "chaos:", err)
			os.Exit(2)
		}
		work = d
	}
	failed := 0
	var reports []*chaos.Report
	for _, s := range seeds {
		rep, err := chaos.Run(ctx, chaos.Options{
			Binary: *bin, Config: *config, Dir: filepath.Join(work, fmt.Sprintf("seed-%d", s)),
			Seed: s, Duration: *duration, CatchUp: *catchUp, Backlog: *backlog, LiveRate: *rate, PageLatency: *latency,
			Log: os.Stdout, Verbose: *verbose, Soak: *soak,
		})
		if err != nil {
			fmt.Fprintf(os.Stderr, "chaos: seed %d: %v\n", s, err)
			os.Exit(2)
		}
		rep.Print(os.Stdout)
		reports = append(reports, rep)
		if rep.Failed() {
			failed++
		}
	}
	if len(reports) > 1 {
		fmt.Println("seed                  expected lost dup unexplained stops max-delay  worst-req/s")
		for _, r := range reports {
			fmt.Printf("%-20d %9d %4d %3d %11d %5d %9s %12d\n", r.Seed, r.Expected, r.Lost, r.Duplicates, r.Unexplained,
				len(r.Stops), r.MaxDelay.Round(100*time.Millisecond), r.WorstRPS)
		}
	}
	if failed > 0 {
		fmt.Printf("chaos: %d of %d runs FAILED (replay one with -seed N)\n", failed, len(reports))
		os.Exit(1)
	}
}

func randomSeed() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:])%1_000_000_000 + 1
}
