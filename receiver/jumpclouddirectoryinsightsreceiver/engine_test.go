package jumpclouddirectoryinsightsreceiver

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/adapter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/jumpcloudsim"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/metadata"
)

// startMSP serves a multi-tenant simulator on 127.0.0.1 and returns it with its base URL.
func startMSP(t *testing.T, orgs []string, provider string, with ...func(*jumpcloudsim.Config)) (*jumpcloudsim.MSP, string) {
	t.Helper()
	cfg := jumpcloudsim.Config{APIKey: testAPIKey, Seed: 21}
	for _, f := range with {
		f(&cfg)
	}
	msp := jumpcloudsim.NewMSP(cfg, orgs, provider)
	srv := httptest.NewServer(msp)
	t.Cleanup(srv.Close)
	return msp, srv.URL + jumpcloudsim.BasePath
}

// recordsByOrganization maps each record's event id to the jumpcloud.organization resource
// attribute of its ResourceLogs, and checks that no id arrives twice.
func recordsByOrganization(t *testing.T, all []plog.Logs) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, ld := range all {
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			rl := ld.ResourceLogs().At(i)
			org, _ := rl.Resource().Attributes().Get(attrOrganization)
			if p, ok := rl.Resource().Attributes().Get(attrProvider); ok {
				org = p
			}
			lrs := rl.ScopeLogs().At(0).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				id, _ := lrs.At(k).Attributes().Get(attrEventID)
				_, dup := out[id.Str()]
				require.False(t, dup, "event %s delivered twice", id.Str())
				out[id.Str()] = org.Str()
			}
		}
	}
	return out
}

func TestThreeOrganizationsBehindOneMSPKey(t *testing.T) {
	t.Parallel()
	orgs := []string{"5f1a00000000000000000001", "5f1a00000000000000000002", "5f1a00000000000000000003"}
	// Pages take 20 ms, as over a network: answered at once, one request could end before the
	// next starts (one CPU, or a loaded machine), and concurrency would not show.
	msp, url := startMSP(t, orgs, "provider-77", func(c *jumpcloudsim.Config) { c.PageLatency = 20 * time.Millisecond })
	now := time.Now().UTC()
	start := now.Add(-2 * time.Hour)
	want := map[string]string{} // id -> organization
	for i, org := range orgs {
		sim := msp.Org(org)
		require.NoError(t, sim.Generate(4000+1000*i, start, now.Add(-time.Minute)))
		ids, _ := expectedIDs(t, sim, start, now)
		for _, id := range ids {
			want[id] = org
		}
	}
	require.NoError(t, msp.Provider().Generate(300, start, now.Add(-time.Minute)))
	ids, _ := expectedIDs(t, msp.Provider(), start, now)
	for _, id := range ids {
		want[id] = "provider-77"
	}

	cfg := testConfig(url)
	cfg.OrgID = orgs
	cfg.ProviderID = "provider-77"
	cfg.MaxConcurrentRequests = 3
	cfg.PageSize = 500
	cfg.InitialLookback = 2*time.Hour + time.Minute
	cfg.MaxWindow = 3 * time.Hour
	sink := new(consumertest.LogsSink)
	host := newStatusHost()
	r := startReceiver(t, cfg, host, sink)

	waitFor(t, 60*time.Second, func() bool { return sink.LogRecordCount() >= len(want) }, "records never arrived")
	waitFor(t, 5*time.Second, func() bool { st, _ := r.status.current(); return st == stateCollecting }, "not Collecting")
	require.NoError(t, r.Shutdown(context.Background()))

	got := recordsByOrganization(t, sink.AllLogs())
	assert.Equal(t, want, got, "every event once, each in its organization's ResourceLogs")
	assert.LessOrEqual(t, msp.MaxInFlight(), 3, "never more than max_concurrent_requests in flight")
	assert.Greater(t, msp.MaxInFlight(), 1, "requests run concurrently")
	for i, org := range orgs {
		counts, pages := 0, 0
		slices := map[[2]time.Time]bool{}
		for _, rq := range msp.Org(org).Requests() {
			assert.Equal(t, []string{org}, rq.OrgIDs)
			if rq.Path == jumpcloudsim.CountPath {
				counts++
				continue
			}
			if rq.Query == nil {
				continue // cut before the simulator read its body (a request timeout on a loaded machine)
			}
			pages++
			slices[[2]time.Time{rq.Query.StartTime, rq.Query.EndTime}] = true
		}
		assert.GreaterOrEqual(t, counts, 1, "the backfill window of %s is sized with /events/count", org)
		assert.Greater(t, len(slices), 2, "the backfill of %s is sliced", org)
		n := 4000 + 1000*i
		assert.LessOrEqual(t, pages, (n+cfg.PageSize-1)/cfg.PageSize+len(slices),
			"no more page requests than ceil(events / page_size) + one per slice")
	}
	ev := host.Last()
	require.NotNil(t, ev)
	assert.Equal(t, componentstatus.StatusOK, ev.Status())
	per, ok := ev.Attributes().Get(attrKeyOrganizations)
	require.True(t, ok)
	assert.Equal(t, "Collecting", per.Map().AsRaw()[orgs[1]])
}

func TestBadOrganizationIsNamedAndTheOthersComplete(t *testing.T) {
	t.Parallel()
	orgs := []string{"org-good-1", "org-good-2"}
	msp, url := startMSP(t, orgs, "")
	now := time.Now().UTC()
	start := now.Add(-time.Hour)
	total := 0
	for _, org := range orgs {
		require.NoError(t, msp.Org(org).Generate(2000, start, now.Add(-time.Minute)))
		total += 2000
	}
	cfg := testConfig(url)
	cfg.OrgID = []string{"org-good-1", "org-unknown", "org-good-2"}
	cfg.MaxConcurrentRequests = 4
	cfg.InitialLookback = time.Hour + time.Minute
	sink := new(consumertest.LogsSink)
	host := newStatusHost()
	r := startReceiver(t, cfg, host, sink)

	waitFor(t, 30*time.Second, func() bool { return sink.LogRecordCount() >= total }, "the good organizations did not complete")
	waitFor(t, 5*time.Second, func() bool {
		ev := host.Last()
		return ev != nil && ev.Status() == componentstatus.StatusRecoverableError
	}, "no RecoverableError for the bad organization")
	ev := host.Last()
	assert.Contains(t, ev.Err().Error(), "organization org-unknown")
	assert.Contains(t, ev.Err().Error(), "400")
	assert.NotContains(t, host.Statuses(), componentstatus.StatusPermanentError, "other organizations still run")
	st, et := r.status.streamState(streamSpec{orgID: "org-unknown"})
	assert.Equal(t, stateError, st)
	assert.Equal(t, errThirdPartyConfig, et)
	st, _ = r.status.streamState(streamSpec{orgID: "org-good-2"})
	assert.Equal(t, stateCollecting, st)
	require.NoError(t, r.Shutdown(context.Background()))
	assert.Equal(t, int64(2), msp.Rejected(), "the bad organization is asked twice (the advisory count, then one page), then left alone")
	assert.Equal(t, total, sink.LogRecordCount())
}

func TestEveryOrganizationFailingIsPermanent(t *testing.T) {
	t.Parallel()
	_, url := startMSP(t, []string{"a"}, "")
	cfg := testConfig(url)
	cfg.OrgID = []string{"x", "y"}
	host := newStatusHost()
	startReceiver(t, cfg, host, consumertest.NewNop())
	waitFor(t, 5*time.Second, func() bool {
		ev := host.Last()
		return ev != nil && ev.Status() == componentstatus.StatusPermanentError
	}, "no PermanentError once no stream can run")
	msg := host.Last().Err().Error()
	assert.Contains(t, msg, "organization x")
	assert.Contains(t, msg, "organization y")
}

// A 429 of one organization pauses every stream for its Retry-After (the API's rate limit is
// the account's): on virtual time, no request of any organization starts during that second,
// and collection resumes right after it.
func TestTooManyRequestsPausesEveryStream(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		orgs := []string{"org-1", "org-2"}
		msp := jumpcloudsim.NewMSP(jumpcloudsim.Config{APIKey: testAPIKey, Seed: 21}, orgs, "")
		now := time.Now().UTC()
		for _, org := range orgs {
			require.NoError(t, msp.Org(org).Generate(3000, now.Add(-time.Hour), now.Add(-time.Minute)))
		}
		require.NoError(t, msp.Org("org-1").InjectFault(jumpcloudsim.Fault{Kind: jumpcloudsim.FaultStatus, Status: 429, RetryAfter: "1"}))
		cfg := testConfig(virtualURL)
		cfg.OrgID = orgs
		cfg.PageSize = 100
		cfg.MaxConcurrentRequests = 2
		cfg.InitialLookback = time.Hour + time.Minute
		sink := new(consumertest.LogsSink)
		startVirtualReceiver(t, cfg, newStatusHost(), sink, msp)
		time.Sleep(2 * time.Second)
		synctest.Wait()
		require.Equal(t, 6000, sink.LogRecordCount())

		var throttled time.Time
		for _, rq := range msp.Org("org-1").Requests() {
			if rq.Status == 429 {
				require.True(t, throttled.IsZero(), "one 429")
				throttled = rq.Time
			}
		}
		require.False(t, throttled.IsZero())
		// Requests take no virtual time: none may start during the pause, and the first one
		// after it starts when it ends.
		var resumed time.Time
		for _, org := range orgs {
			after := 0
			for _, rq := range msp.Org(org).Requests() {
				d := rq.Time.Sub(throttled)
				assert.False(t, d > 0 && d < time.Second, "%s started a request %s after the 429 of org-1 (Retry-After: 1)", org, d)
				if d > 0 {
					after++
					if resumed.IsZero() || rq.Time.Before(resumed) {
						resumed = rq.Time
					}
				}
			}
			assert.Positive(t, after, "%s still had pages to read after the 429", org)
		}
		assert.Equal(t, time.Second, resumed.Sub(throttled), "collection resumes when the pause ends")
	})
}

// max_requests_per_second 10 (burst 1), on virtual time: 4 workers paging a backlog send one
// request every 100 ms exactly, never two closer.
func TestMaxRequestsPerSecondCapsTheRate(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		sim := newVirtualSim(jumpcloudsim.Config{})
		require.NoError(t, sim.Generate(5000, time.Now().Add(-time.Hour), time.Now().Add(-time.Minute)))
		cfg := testConfig(virtualURL)
		cfg.PageSize = 10
		cfg.MaxRequestsPerSecond = 10
		cfg.MaxConcurrentRequests = 4
		begin := time.Now()
		r := startVirtualReceiver(t, cfg, newStatusHost(), consumertest.NewNop(), sim)
		time.Sleep(2*time.Second + 50*time.Millisecond)
		synctest.Wait()
		require.NoError(t, r.Shutdown(context.Background()))
		reqs := sim.Requests()
		assert.Len(t, reqs, 21, "at most 10 requests per second (burst 1): at 0, 100 ms, ..., 2 s")
		for i := 1; i < len(reqs); i++ {
			assert.Equal(t, 100*time.Millisecond, reqs[i].Time.Sub(reqs[i-1].Time), "request %d", i)
		}
		assert.Equal(t, begin, reqs[0].Time, "the first request at once")
	})
}

// A page larger than one delivery batch is committed batch by batch: a stop in the middle of a
// page resumes after the last accepted batch, with no gap and no duplicate.
func TestStopInsideAPageResumesAfterTheLastAcceptedBatch(t *testing.T) {
	t.Parallel()
	sim, url := startSim(t, jumpcloudsim.Config{Seed: 5})
	now := time.Now().UTC()
	start := now.Add(-time.Hour)
	require.NoError(t, sim.Generate(6000, start, now.Add(-time.Minute)))
	want, _ := expectedIDs(t, sim, start, now)

	dir := t.TempDir()
	cfg := testConfig(url)
	cfg.InitialLookback = time.Hour + time.Minute
	cfg.PageSize = 6000 // one page of several MB: several batches

	host1 := newStatusHost()
	cfg.StorageID = ptr(addFileStorage(t, host1, dir))
	first := new(consumertest.LogsSink)
	var batches atomic.Int32
	next, err := consumer.NewLogs(func(ctx context.Context, ld plog.Logs) error {
		if batches.Add(1) > 2 {
			return errors.New("downstream unavailable") // refuse from the third batch on
		}
		return first.ConsumeLogs(ctx, ld)
	})
	require.NoError(t, err)
	r1 := startReceiver(t, cfg, host1, next)
	waitFor(t, 10*time.Second, func() bool { return batches.Load() > 3 }, "no batches")
	require.NoError(t, r1.Shutdown(context.Background()))
	n1 := first.LogRecordCount()
	require.Positive(t, n1)
	require.Less(t, n1, len(want))
	require.Equal(t, 2, len(first.AllLogs()), "two batches of the page accepted")

	second := resumeRun(t, cfg, dir, n1, len(want))
	got := append(recordIDs(first.AllLogs()), recordIDs(second.AllLogs())...)
	assertSameSequence(t, want, got)
}

// A checkpoint stored by the single-organization receiver (version 1, bare keys) is picked up
// by the stream of its organization: no gap, no re-read.
func TestSingleOrganizationCheckpointIsAdopted(t *testing.T) {
	t.Parallel()
	sim, url := startSim(t, jumpcloudsim.Config{Seed: 9, OrgID: "org-legacy"})
	now := time.Now().UTC()
	start := now.Add(-time.Hour)
	end := now.Add(-time.Minute)
	require.NoError(t, sim.Generate(3000, start, end))
	evs, err := sim.Events(jumpcloudsim.EventFilter{Start: start, End: now})
	require.NoError(t, err)
	cut := 1234 // the old receiver delivered evs[:cut] of the window [start, end)
	var want []string
	for _, ev := range evs[cut:] {
		want = append(want, ev.ID)
	}

	dir := t.TempDir()
	host := newStatusHost()
	id := addFileStorage(t, host, dir)
	cfg := testConfig(url)
	cfg.OrgID = []string{"org-legacy"}
	cfg.StorageID = &id
	cfg.MaxConcurrentRequests = 4

	set := component.NewID(metadata.Type)
	sc, err := adapter.GetStorageClient(context.Background(), host, &id, set)
	require.NoError(t, err)
	last := evs[cut-1]
	legacy := fmt.Sprintf(`{"version":1,"in_window":true,"window_start":%q,"window_end":%q,"search_after":[%d,%q],"query":%q}`,
		start.Format(time.RFC3339Nano), end.Format(time.RFC3339Nano), last.Cursor.Millis, last.Cursor.ID, "all|org-legacy|"+url)
	require.NoError(t, sc.Set(context.Background(), checkpointKey, []byte(legacy)))
	require.NoError(t, sc.Close(context.Background()))

	sink := new(consumertest.LogsSink)
	r := startReceiver(t, cfg, host, sink)
	waitFor(t, 30*time.Second, func() bool { return sink.LogRecordCount() >= len(want) }, "stalled")
	waitFor(t, 5*time.Second, func() bool { st, _ := r.status.current(); return st == stateCollecting }, "not Collecting")
	require.NoError(t, r.Shutdown(context.Background()))
	assertSameSet(t, want, recordIDs(sink.AllLogs()))

	sc, err = adapter.GetStorageClient(context.Background(), host, &id, set)
	require.NoError(t, err)
	defer func() { require.NoError(t, sc.Close(context.Background())) }()
	old, err := sc.Get(context.Background(), checkpointKey)
	require.NoError(t, err)
	assert.Nil(t, old, "the single-organization checkpoint moved")
	moved, err := sc.Get(context.Background(), checkpointKey+"/org-legacy")
	require.NoError(t, err)
	assert.Contains(t, string(moved), `"version":2`)
}

// A window whose events sit in a small part of its time is split while collected: idle workers
// take over the second half of the busiest slice. Every event arrives once, across a restart.
func TestSkewedWindowIsSplitWhileCollected(t *testing.T) {
	t.Parallel()
	sim, url := startSim(t, jumpcloudsim.Config{Seed: 13})
	now := time.Now().UTC()
	// All events in the last 10 minutes of a 2-hour backfill: one of the 4 time slices has them.
	require.NoError(t, sim.Generate(8000, now.Add(-11*time.Minute), now.Add(-time.Minute)))
	want, _ := expectedIDs(t, sim, now.Add(-3*time.Hour), now)

	dir := t.TempDir()
	cfg := testConfig(url)
	cfg.InitialLookback = 2 * time.Hour
	cfg.PageSize = 200
	cfg.MaxConcurrentRequests = 4

	host1 := newStatusHost()
	cfg.StorageID = ptr(addFileStorage(t, host1, dir))
	first := new(consumertest.LogsSink)
	r1 := startReceiver(t, cfg, host1, first)
	waitFor(t, 30*time.Second, func() bool { return first.LogRecordCount() >= 3000 }, "first run stalled")
	require.NoError(t, r1.Shutdown(context.Background()))
	n1 := first.LogRecordCount()

	second := resumeRun(t, cfg, dir, n1, len(want))
	assertSameSet(t, want, append(recordIDs(first.AllLogs()), recordIDs(second.AllLogs())...))

	slices := map[[2]time.Time]bool{}
	pages := 0
	for _, rq := range sim.Requests() {
		if rq.Path == jumpcloudsim.EventsPath && rq.Query != nil {
			slices[[2]time.Time{rq.Query.StartTime, rq.Query.EndTime}] = true
			pages++
		}
	}
	assert.Greater(t, len(slices), 4, "the busy slice was split")
	// Each slice costs at most one page more than its events need; each run re-reads the page
	// it stopped in.
	assert.LessOrEqual(t, pages, (len(want)+cfg.PageSize-1)/cfg.PageSize+len(slices)+2)
}
