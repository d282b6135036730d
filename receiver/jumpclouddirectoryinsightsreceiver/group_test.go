package jumpclouddirectoryinsightsreceiver

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/jumpcloudsim"
)

func manyOrgs(n int) []string {
	orgs := make([]string, n)
	for i := range orgs {
		orgs[i] = fmt.Sprintf("5f1b%020d", i)
	}
	return orgs
}

// grouped is the number of streams waiting for the shared probe.
func grouped(r *diReceiver) int {
	r.group.mu.Lock()
	defer r.group.mu.Unlock()
	return len(r.group.waiting)
}

// startGrouped starts, on virtual time, a receiver for orgs (cfg with up to 4 requests in
// flight) in front of api, lets it catch up (settle delay and two polls) and requires every
// organization to wait for the shared probe.
func startGrouped(t *testing.T, cfg *Config, orgs []string, host component.Host, api http.Handler) (*diReceiver, *consumertest.LogsSink) {
	t.Helper()
	cfg.OrgID = orgs
	cfg.MaxConcurrentRequests = 4
	sink := new(consumertest.LogsSink)
	r := startVirtualReceiver(t, cfg, host, sink, api)
	settleAndPoll(cfg)
	require.Equal(t, len(orgs), grouped(r), "every organization waits for the shared probe")
	return r, sink
}

// settleAndPoll lets virtual time run for the settle delay and two polls (what an event needs to
// be found once visible), then until every goroutine of the bubble is blocked.
func settleAndPoll(cfg *Config) {
	time.Sleep(cfg.SettleDelay + 2*cfg.PollInterval)
	synctest.Wait()
}

// generateNow has org make n events visible now and lets the receiver find them
// (settleAndPoll).
func generateNow(t *testing.T, org *jumpcloudsim.Server, n int, cfg *Config) {
	t.Helper()
	ts := time.Now().UTC()
	require.NoError(t, org.Generate(n, ts.Add(-time.Millisecond), ts))
	settleAndPoll(cfg)
}

// 300 organizations behind one MSP key, caught up, with the shipped poll, settle and overlap
// (virtual time): an idle poll costs exactly ceil(300/100) = 3 shared counts, not 300 requests;
// an event in one of them is found by halving its group and delivered once, in its
// organization's ResourceLogs.
func TestManyOrganizationsShareIdleProbes(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		orgs := manyOrgs(300)
		msp := jumpcloudsim.NewMSP(jumpcloudsim.Config{APIKey: testAPIKey, Seed: 21}, orgs, "")
		now := time.Now().UTC()
		for _, org := range orgs[:30] {
			require.NoError(t, msp.Org(org).Generate(3, now.Add(-2*time.Second), now))
		}
		cfg := shippedLiveConfig()
		cfg.InitialLookback = 3 * time.Second
		r, sink := startGrouped(t, cfg, orgs, newStatusHost(), msp)
		require.Equal(t, 90, sink.LogRecordCount(), "backfill")

		const polls = 20
		before, shared := msp.Requests(), msp.SharedCounts()
		time.Sleep(polls * cfg.PollInterval)
		synctest.Wait()
		requests := msp.Requests() - before
		t.Logf("idle: %d requests (%d shared counts) in %d polls for %d organizations", requests, msp.SharedCounts()-shared, polls, len(orgs))
		assert.Equal(t, int64(polls*3), requests, "3 shared counts per idle poll")
		assert.Equal(t, int64(polls*3), msp.SharedCounts()-shared)
		assert.Equal(t, 90, sink.LogRecordCount())
		assert.Equal(t, len(orgs), grouped(r))

		live := orgs[123]
		generateNow(t, msp.Org(live), 5, cfg)
		require.Equal(t, 95, sink.LogRecordCount(), "the new events were found")
		got := recordsByOrganization(t, sink.AllLogs())
		n := 0
		for _, org := range got {
			if org == live {
				n++
			}
		}
		assert.Equal(t, 5, n, "each new event once, in its organization's ResourceLogs")
		require.NoError(t, r.Shutdown(context.Background()))
	})
}

// An organization refused inside a shared count (here it starts answering 400) is isolated by
// halving, named in the status, and the others keep collecting.
func TestBadOrganizationInASharedProbeIsIsolated(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		orgs := manyOrgs(40)
		msp := jumpcloudsim.NewMSP(jumpcloudsim.Config{APIKey: testAPIKey, Seed: 21}, orgs, "")
		cfg := liveConfig(virtualURL)
		host := newStatusHost()
		r, sink := startGrouped(t, cfg, orgs, host, msp)

		bad := orgs[17]
		require.NoError(t, msp.Org(bad).InjectFault(jumpcloudsim.Fault{Kind: jumpcloudsim.FaultStatus, Status: http.StatusBadRequest, Message: "organization not reachable", Times: 1 << 20}))
		time.Sleep(2 * cfg.PollInterval)
		synctest.Wait()
		ev := host.Last()
		require.NotNil(t, ev)
		require.Equal(t, componentstatus.StatusRecoverableError, ev.Status(), "the bad organization is named")
		assert.Contains(t, ev.Err().Error(), "organization "+bad)

		// The others still collect: a new event in another organization arrives, once.
		other := orgs[3]
		generateNow(t, msp.Org(other), 2, cfg)
		assert.Equal(t, 2, sink.LogRecordCount(), "the other organizations still collect")
		st, et := r.status.streamState(streamSpec{orgID: bad})
		assert.Equal(t, stateError, st)
		assert.Equal(t, errThirdPartyConfig, et)
		assert.Equal(t, len(orgs)-1, grouped(r), "the others wait for the shared probe again")
	})
}

// A derived count (the group's minus its left half's) can come out too low: here an event of the
// left organization becomes visible between the two counts, while the right one holds a late
// event at the very start of its probe range (which leaves the probe range after this poll). The
// right organization must not be skipped on the derived count: its late event arrives.
func TestDerivedCountNeverSkipsAnOrganization(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		orgs := manyOrgs(2)
		msp := jumpcloudsim.NewMSP(jumpcloudsim.Config{APIKey: testAPIKey, Seed: 23}, orgs, "")
		var armed atomic.Bool
		var stage atomic.Int32
		add := func(org, id string, ts time.Time) {
			raw := `{"id":"` + id + `","service":"directory","timestamp":"` + ts.UTC().Format(time.RFC3339Nano) + `"}`
			assert.NoError(t, msp.Org(org).AddEvent([]byte(raw), time.Now()))
		}
		api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == jumpcloudsim.CountPath && armed.Load() {
				q, ok := countQuery(w, r)
				if !ok {
					return
				}
				heads := r.Header.Values("x-org-id")
				switch {
				case len(heads) == 2 && stage.CompareAndSwap(0, 1):
					add(orgs[1], "late-right", q.StartTime.Add(time.Millisecond))
				case len(heads) == 1 && heads[0] == orgs[0] && stage.CompareAndSwap(1, 2):
					add(orgs[0], "new-left", q.EndTime.Add(-time.Millisecond))
				}
			}
			msp.ServeHTTP(w, r)
		})
		cfg := liveConfig(virtualURL)
		cfg.SettleDelay = 500 * time.Millisecond
		cfg.InitialLookback = 2 * time.Minute
		// manyOrgs sorts orgs[0] first: it is the left half. Past the first shared skip, which
		// aligns the members' probe ranges (the late event is at the start of both).
		_, sink := startGrouped(t, cfg, orgs, newStatusHost(), api)
		shared := msp.SharedCounts()
		time.Sleep(2 * cfg.PollInterval)
		synctest.Wait()
		require.Equal(t, shared+2, msp.SharedCounts(), "one shared count per poll")
		armed.Store(true)
		settleAndPoll(cfg)
		assert.Equal(t, int32(2), stage.Load(), "the left half was counted after the group")
		assert.ElementsMatch(t, []string{"late-right", "new-left"}, recordIDs(sink.AllLogs()), "the right organization's late event arrives, each event once")
		time.Sleep(10 * cfg.PollInterval)
		synctest.Wait()
		assert.Equal(t, 2, sink.LogRecordCount(), "once")
	})
}

// A shared count below what the members delivered (an API that under-counts several
// organizations at once) skips no one and parks no one for good: each member takes its own
// step, and new events still arrive.
func TestSharedCountBelowDeliveredReleasesTheGroup(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		orgs := manyOrgs(2)
		msp := jumpcloudsim.NewMSP(jumpcloudsim.Config{APIKey: testAPIKey, Seed: 26}, orgs, "")
		now := time.Now().UTC()
		for _, org := range orgs {
			require.NoError(t, msp.Org(org).Generate(5, now.Add(-time.Second), now))
		}
		var armed atomic.Bool
		var undercounted atomic.Int64
		api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == jumpcloudsim.CountPath && armed.Load() && len(r.Header.Values("x-org-id")) > 1 {
				undercounted.Add(1)
				_, _ = io.WriteString(w, `{"count": 0}`)
				return
			}
			msp.ServeHTTP(w, r)
		})
		cfg := liveConfig(virtualURL)
		cfg.InitialLookback = 3 * time.Second
		_, sink := startGrouped(t, cfg, orgs, newStatusHost(), api)
		require.Equal(t, 10, sink.LogRecordCount(), "backfill")

		armed.Store(true)
		time.Sleep(cfg.PollInterval)
		synctest.Wait()
		require.Positive(t, undercounted.Load(), "a shared count")
		// Released, not parked for good: a new event still arrives, once.
		generateNow(t, msp.Org(orgs[1]), 1, cfg)
		require.Equal(t, 11, sink.LogRecordCount(), "the group stayed parked")
		time.Sleep(10 * cfg.PollInterval)
		synctest.Wait()
		assert.Equal(t, 11, sink.LogRecordCount(), "once")
		assert.Greater(t, undercounted.Load(), int64(1), "the members were grouped again")
	})
}
