package jumpclouddirectoryinsightsreceiver

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/jumpcloudsim"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/mapping"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/metadata"
)

// BenchmarkPageToPlog measures the hot path of the receiver: one `/events` response body of
// 10000 realistic events (every service, as the simulator renders them) decoded and turned into
// plog.Logs, in each output format. Reported: events/s, allocations per event, body MB/s.
//
//	go test -run '^$' -bench PageToPlog -benchmem ./receiver/jumpclouddirectoryinsightsreceiver/
func BenchmarkPageToPlog(b *testing.B) {
	sim := jumpcloudsim.New(jumpcloudsim.Config{Seed: 42})
	end := time.Now()
	require.NoError(b, sim.Generate(10000, end.Add(-time.Hour), end))
	evs, err := sim.Events(jumpcloudsim.EventFilter{})
	require.NoError(b, err)
	var body bytes.Buffer
	body.WriteByte('[')
	for i, ev := range evs {
		if i > 0 {
			body.WriteByte(',')
		}
		body.Write(ev.Raw)
	}
	body.WriteByte(']')
	page := body.Bytes()

	for _, mode := range []struct {
		name    string
		format  mapping.Format
		semconv bool
	}{
		{"raw", mapping.FormatRaw, false},
		{"raw_semconv", mapping.FormatRaw, true},
		{"ecs", mapping.FormatECS, false},
		{"ocsf", mapping.FormatOCSF, false},
	} {
		b.Run(mode.name, func(b *testing.B) {
			cfg := createDefaultConfig().(*Config)
			cfg.Category = "security/jumpcloud"
			cfg.Fields = map[string]any{"_siemForward": true}
			cfg.Format, cfg.SemanticConventions = mode.format, mode.semconv
			conv := newConverter(cfg, receivertest.NewNopSettings(metadata.Type).BuildInfo, streamSpec{})
			var dec jumpcloud.Decoder
			observed := time.Now()

			b.SetBytes(int64(len(page)))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				events, _, err := dec.Decode(page)
				if err != nil {
					b.Fatal(err)
				}
				logs, _ := conv.convert(events, observed)
				if logs.LogRecordCount() != len(evs) {
					b.Fatal("lost records")
				}
			}
			b.StopTimer()
			perOp := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(float64(len(evs))/perOp, "events/s")
			b.ReportMetric(float64(testing.AllocsPerRun(3, func() {
				events, _, _ := dec.Decode(page)
				_, _ = conv.convert(events, observed)
			}))/float64(len(evs)), "allocs/event")
		})
	}
}
