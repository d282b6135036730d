// Command sumosink runs a Sumo Logic style HTTP Logs Source on loopback (see internal/testbed/sumosink),
// so the distribution can be demonstrated and tested without a Sumo Logic account.
//
//	sumosink -listen 127.0.0.1:0 -code local-sink-code
//
// It prints "sumosink listening on http://127.0.0.1:PORT/receiver/v1/http/CODE" on stdout,
// then one summary line whenever new messages arrived (checked every -summary-interval).
// Admin endpoints: GET /_sink/stats, GET /_sink/messages, POST /_sink/faults, POST /_sink/reset.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/sumosink"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sumosink:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("sumosink", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on (loopback by default)")
	code := fs.String("code", "local-sink-code", "the secret code of the source URL path")
	maxBody := fs.Int("max-body-size", sumosink.DefaultMaxBodySize, "largest accepted uncompressed request body in bytes")
	interval := fs.Duration("summary-interval", 5*time.Second, "how often to print a summary line when messages arrived (0 disables)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var ticks <-chan time.Time
	if *interval > 0 {
		t := time.NewTicker(*interval)
		defer t.Stop()
		ticks = t.C
	}
	return serve(ctx, *listen, sumosink.Config{Code: *code, MaxBodySize: *maxBody}, ticks, out)
}

// serve runs the sink until ctx is done, printing summaries to out.
// serve runs the sink until ctx is done, checking for new messages at each tick (none when ticks
// is nil).
func serve(ctx context.Context, listen string, cfg sumosink.Config, ticks <-chan time.Time, out io.Writer) error {
	sink, err := sumosink.Start(listen, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "sumosink listening on %s\n", sink.URL())

	last := -1
	for {
		select {
		case <-ctx.Done():
			stats := sink.Stats()
			fmt.Fprintln(out, summary(stats))
			return sink.Close()
		case <-ticks:
			stats := sink.Stats()
			if stats.Messages+stats.Dropped != last {
				last = stats.Messages + stats.Dropped
				fmt.Fprintln(out, summary(stats))
			}
		}
	}
}

// summary is one line: totals, messages by category and answers by status.
func summary(s sumosink.Stats) string {
	var b strings.Builder
	fmt.Fprintf(&b, "sumosink: %d messages (%d distinct, %d duplicates, %d dropped)", s.Messages, s.Distinct, s.Duplicates, s.Dropped)
	cats := make([]string, 0, len(s.ByCategory))
	for c := range s.ByCategory {
		cats = append(cats, c)
	}
	slices.Sort(cats)
	b.WriteString(" by category:")
	for _, c := range cats {
		name := c
		if name == "" {
			name = "(none)"
		}
		fmt.Fprintf(&b, " %s=%d", name, s.ByCategory[c])
	}
	codes := make([]int, 0, len(s.Requests))
	for c := range s.Requests {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	b.WriteString("; requests:")
	for _, c := range codes {
		label := strconv.Itoa(c)
		if c == 0 {
			label = "reset"
		}
		fmt.Fprintf(&b, " %s=%d", label, s.Requests[c])
	}
	return b.String()
}
