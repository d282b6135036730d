package jumpclouddirectoryinsightsreceiver

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/jumpcloudsim"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/statustest"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/metadata"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/metadatatest"
)

// startMeasuredReceiver starts the receiver with an in-memory telemetry, returned for metric checks.
func startMeasuredReceiver(t *testing.T, cfg *Config, host component.Host, sink *consumertest.LogsSink) (*diReceiver, *componenttest.Telemetry) {
	t.Helper()
	require.NoError(t, cfg.Validate())
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set := metadatatest.NewSettings(tel)
	set.ID = component.NewID(metadata.Type)
	r, err := newReceiver(cfg, set, sink)
	require.NoError(t, err)
	require.NoError(t, r.Start(context.Background(), host))
	t.Cleanup(func() { _ = r.Shutdown(context.Background()) })
	return r, tel
}

// refusedPages returns otelcol_jumpcloud_pages_refused by reason.
func refusedPages(t *testing.T, tel *componenttest.Telemetry) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	m, err := tel.GetMetric("otelcol_jumpcloud_pages_refused")
	if err != nil {
		return out
	}
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		reason, _ := dp.Attributes.Value(attrKeyRefusalReason)
		out[reason.AsString()] = dp.Value
	}
	return out
}

// A server whose X-Search_after moves backwards (here: the key of the page's first event) must
// not make the receiver read the page again: each event is delivered exactly once.
func TestBackwardsCursorDeliversEachEventOnce(t *testing.T) {
	t.Parallel()
	sim, url := startSim(t, jumpcloudsim.Config{Seed: 11})
	now := time.Now().UTC()
	start := now.Add(-time.Hour)
	require.NoError(t, sim.Generate(5000, start, now.Add(-time.Minute)))
	want, _ := expectedIDs(t, sim, start, now)
	// Pages 1, 3, 6, 10 and 15 of the run come with a backwards cursor (a zero-delay latency
	// fault lets a request through unchanged).
	const refusals = 5
	for i := range refusals {
		if i > 0 {
			require.NoError(t, sim.InjectFault(jumpcloudsim.Fault{Kind: jumpcloudsim.FaultLatency, Times: i}))
		}
		require.NoError(t, sim.InjectFault(jumpcloudsim.Fault{Kind: jumpcloudsim.FaultCursorBack}))
	}

	cfg := testConfig(url)
	cfg.InitialLookback = time.Hour + time.Minute
	cfg.PageSize = 400 // 13 pages: the fifth fault falls on the 11th
	cfg.Overlap = 0    // no seen-id set: only the cursor check can prevent duplicates
	sink := new(consumertest.LogsSink)
	host := newStatusHost()
	r, tel := startMeasuredReceiver(t, cfg, host, sink)

	waitFor(t, 30*time.Second, func() bool {
		return len(sim.PendingFaults()) == 0 && sink.LogRecordCount() >= len(want)
	}, "stalled: %d of %d events", sink.LogRecordCount(), len(want))
	polls := len(sim.Requests())
	waitFor(t, 10*time.Second, func() bool { return len(sim.Requests()) >= polls+3 }, "no further polls")
	require.NoError(t, r.Shutdown(context.Background()))

	assertSameSequence(t, want, recordIDs(sink.AllLogs()))
	assert.Equal(t, map[string]int64{jumpcloud.RefusedCursorMismatch: refusals}, refusedPages(t, tel))
	assert.Contains(t, host.Statuses(), componentstatus.StatusRecoverableError)
	assert.Contains(t, lastErrorText(host), "not the key of the page's last event")
}

// lastErrorText is the error text of the last RecoverableError status.
func lastErrorText(h *statustest.Host) string {
	text := ""
	for _, ev := range h.Events() {
		if ev.Status() == componentstatus.StatusRecoverableError && ev.Err() != nil {
			text = ev.Err().Error()
		}
	}
	return text
}

// Events with a numeric id or without an id, read again by every poll while inside the overlap,
// are delivered once.
func TestEventsWithoutStringIDAreDeliveredOnce(t *testing.T) {
	t.Parallel()
	ts := time.Now().Add(-5 * time.Minute).UTC().Format(time.RFC3339Nano)
	page := fmt.Sprintf(`[{"id":"5e95d60b05e8907888c4e001","timestamp":%[1]q},{"id":123456,"timestamp":%[1]q,"service":"x"},`+
		`{"timestamp":%[1]q,"event_type":"no_id"},{"timestamp":%[1]q,"event_type":"no_id","other":true},{"event_type":"no_id_no_time"}]`, ts)
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		requests.Add(1)
		w.Header().Set("X-Limit", "1000") // one page per window: the last
		_, _ = io.WriteString(w, page)
	}))
	t.Cleanup(srv.Close)
	cfg := testConfig(srv.URL)
	cfg.Overlap = time.Hour // every poll re-reads the events
	// One backfill window: an event without a time is remembered for one overlap after the
	// window that delivered it (this server ignores windows, the API would not).
	cfg.MaxWindow = 48 * time.Hour
	sink := new(consumertest.LogsSink)
	r, tel := startMeasuredReceiver(t, cfg, newStatusHost(), sink)
	deduplicated := func() int64 {
		m, err := tel.GetMetric("otelcol_jumpcloud_events_deduplicated")
		if err != nil {
			return 0
		}
		return m.Data.(metricdata.Sum[int64]).DataPoints[0].Value
	}
	// Five more polls after the first, each page processed (a request counted by the server
	// may still be in flight: wait for what the receiver did with it).
	waitFor(t, 10*time.Second, func() bool { return requests.Load() >= 6 && deduplicated() >= 5*5 }, "fewer than 6 polls processed")
	require.NoError(t, r.Shutdown(context.Background()))

	if !assert.Equal(t, 5, sink.LogRecordCount(), "each event once") {
		for _, ld := range sink.AllLogs() {
			lrs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
			for i := 0; i < lrs.Len(); i++ {
				t.Log(lrs.At(i).Body().AsString())
			}
		}
	}
	assert.GreaterOrEqual(t, deduplicated(), int64(5*5))
}

// Answers that are not pages, then good pages: each refusal is counted with its reason and
// shown in the status, backed off, and every event is delivered once in the end.
func TestHostileAnswersThroughTheReceiver(t *testing.T) {
	t.Parallel()
	good := time.Now().Add(-5 * time.Minute).UTC()
	future := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	goodPage := fmt.Sprintf(`[{"id":"a1","timestamp":%q},{"id":"a2","timestamp":%q},{"id":"far-future","timestamp":%q}]`,
		good.Format(time.RFC3339Nano), good.Add(time.Millisecond).Format(time.RFC3339Nano), future.Format(time.RFC3339))
	cursor := fmt.Sprintf(`[%d,"far-future"]`, future.UnixMilli())

	html := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1></body></html>")
	}
	message := func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"message":"search backend unavailable"}`)
	}
	endless := func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat(" ", 32<<10))
		chunk[0] = '['
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			chunk[0] = ' '
		}
	}
	slow := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		_, _ = io.WriteString(w, "[")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}
	tests := []struct {
		name    string
		answer  http.HandlerFunc
		times   int
		reason  string
		showing string
	}{
		{"HTML page", html, 3, jumpcloud.RefusedMalformed, "502 Bad Gateway"},
		{"200 with a message", message, 3, jumpcloud.RefusedNotArray, "search backend unavailable"},
		{"endless body", endless, 2, jumpcloud.RefusedTooLarge, "max_page_bytes"},
		{"slow body cut by timeout", slow, 2, jumpcloud.RefusedUnreadable, "reading response body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var requests atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if n := requests.Add(1); int(n) <= tt.times {
					tt.answer(w, r)
					return
				}
				w.Header().Set("X-Limit", "1000")
				w.Header().Set("X-Search_after", cursor)
				_, _ = io.WriteString(w, goodPage)
			}))
			t.Cleanup(srv.Close)
			cfg := testConfig(srv.URL)
			cfg.Overlap = time.Hour
			cfg.Timeout = 500 * time.Millisecond
			cfg.MaxPageBytes = 1 << 20
			sink := new(consumertest.LogsSink)
			host := newStatusHost()
			r, tel := startMeasuredReceiver(t, cfg, host, sink)
			waitFor(t, 15*time.Second, func() bool { return requests.Load() >= int32(tt.times+3) }, "fewer polls than expected")
			require.NoError(t, r.Shutdown(context.Background()))

			assert.Equal(t, []string{"a1", "a2", "far-future"}, recordIDs(sink.AllLogs()), "each event once, none lost")
			assert.Equal(t, map[string]int64{tt.reason: int64(tt.times)}, refusedPages(t, tel))
			assert.Contains(t, lastErrorText(host), tt.showing)
			assert.Equal(t, componentstatus.StatusOK, host.Last().Status(), "recovered")
		})
	}
}
