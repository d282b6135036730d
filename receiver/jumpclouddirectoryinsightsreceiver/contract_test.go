package jumpclouddirectoryinsightsreceiver

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pipeline"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/jumpcloudsim"
)

// simGenerator adds fresh events to a simulator that the receiver under test polls. Each
// scenario (Start) gets a new, empty simulator behind the same URL.
type simGenerator struct {
	current atomic.Pointer[jumpcloudsim.Server]
	seq     atomic.Int64
	started atomic.Int32
}

func (g *simGenerator) Start() {
	g.current.Store(jumpcloudsim.New(jumpcloudsim.Config{APIKey: testAPIKey}))
	g.started.Add(1)
}

// Stop empties the URL: the next scenario's receiver must not read this scenario's events.
func (g *simGenerator) Stop() { g.current.Store(nil) }

func (g *simGenerator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if sim := g.current.Load(); sim != nil {
		sim.ServeHTTP(w, r)
		return
	}
	w.Header().Set("X-Limit", "1000")
	_, _ = w.Write([]byte("[]"))
}

func (g *simGenerator) Generate() []receivertest.UniqueIDAttrVal {
	id := fmt.Sprintf("%024x", g.seq.Add(1))
	ts := time.Now().UTC().Add(-50 * time.Millisecond).Format(time.RFC3339Nano)
	raw := fmt.Sprintf(`{"id":%q,"timestamp":%q,"service":"directory","event_type":"user_update","organization":"o"}`, id, ts)
	if err := g.current.Load().AddEvent([]byte(raw), time.Time{}); err != nil {
		panic(err)
	}
	return []receivertest.UniqueIDAttrVal{receivertest.UniqueIDAttrVal(id)}
}

// idCopier puts each record's event id into the attribute the contract checker counts,
// leaving everything else (including the errors it returns) to the checker's consumer.
type idCopier struct{ next consumer.Logs }

func (c idCopier) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: true}
}

func (c idCopier) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		sls := ld.ResourceLogs().At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				id, _ := lrs.At(k).Attributes().Get(attrEventID)
				lrs.At(k).Attributes().PutStr(receivertest.UniqueIDAttrName, id.Str())
			}
		}
	}
	return c.next.ConsumeLogs(ctx, ld)
}

func TestConsumeContract(t *testing.T) {
	t.Parallel()
	gen := &simGenerator{}
	srv := httptest.NewServer(gen)
	defer srv.Close()
	cfg := testConfig(srv.URL + jumpcloudsim.BasePath)
	cfg.InitialLookback = time.Minute
	cfg.Overlap = 10 * time.Second // events added just behind a window end are late: probed and re-read
	cfg.PollInterval = 10 * time.Millisecond

	f := NewFactory()
	wrapped := receiver.NewFactory(f.Type(), f.CreateDefaultConfig,
		receiver.WithLogs(func(ctx context.Context, set receiver.Settings, c component.Config, next consumer.Logs) (receiver.Logs, error) {
			return f.CreateLogs(ctx, set, c, idCopier{next: next})
		}, f.LogsStability()))

	receivertest.CheckConsumeContract(receivertest.CheckConsumeContractParams{
		T:             t,
		Factory:       wrapped,
		Signal:        pipeline.SignalLogs,
		Config:        cfg,
		Generator:     gen,
		GenerateCount: 200,
	})
	require.Positive(t, gen.started.Load())
}
