package jumpclouddirectoryinsightsreceiver

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/jumpcloudsim"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/statustest"
)

const (
	testClientID     = "svc-client-e2f1"
	testClientSecret = "svc-secret-b7a6c5d4e3"
)

// serviceAccountConfig is testConfig authenticated with the simulator's service account.
func serviceAccountConfig(sim *jumpcloudsim.Server, baseURL string) *Config {
	cfg := testConfig(baseURL)
	cfg.APIKey = ""
	cfg.ClientID, cfg.ClientSecret = testClientID, testClientSecret
	cfg.OrgID = []string{sim.OrgID()}
	cfg.TokenEndpoint = strings.TrimSuffix(baseURL, jumpcloudsim.BasePath) + jumpcloudsim.TokenPath
	return cfg
}

// waitStopped waits until the receiver's collection loop has returned: from then on it sends
// no request at all.
func waitStopped(t *testing.T, r *diReceiver) {
	t.Helper()
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the collection loop still runs after a configuration error")
	}
}

func waitStatus(t *testing.T, host *statustest.Host, want componentstatus.Status) *componentstatus.Event {
	t.Helper()
	waitFor(t, 10*time.Second, func() bool {
		ev := host.Last()
		return ev != nil && ev.Status() == want
	}, "no %v reported (statuses %v)", want, host.Statuses())
	return host.Last()
}

// A backfill and a live flow with a service account whose tokens live 1 s (virtual time; the
// simulator serves the token endpoint in process too): each token is renewed a quarter of its
// lifetime before it expires, a revoked token is refused once and renewed, and every event
// arrives exactly once.
func TestServiceAccountDeliversEveryEventOnceWithRenewedTokens(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		sim := newVirtualSim(jumpcloudsim.Config{
			Seed: 21, ClientID: testClientID, ClientSecret: testClientSecret, TokenTTL: time.Second,
		})
		now := time.Now().UTC()
		start := now.Add(-time.Hour)
		require.NoError(t, sim.Generate(5000, start, now.Add(-time.Minute)))
		cfg := serviceAccountConfig(sim, virtualURL)
		cfg.InitialLookback = time.Hour + time.Minute
		cfg.PageSize = 500
		host := newStatusHost()
		sink := new(consumertest.LogsSink)
		startVirtualReceiver(t, cfg, host, sink, sim)
		synctest.Wait()
		require.Equal(t, 5000, sink.LogRecordCount(), "the backfill is delivered before any time passes")
		require.Equal(t, int64(1), sim.Stats().TokensIssued)

		// Keep polling past several token lifetimes: each token is renewed 250 ms before it
		// expires (at 750 ms, 1.5 s, 2.25 s), never refused.
		time.Sleep(2500 * time.Millisecond)
		synctest.Wait()
		st := sim.Stats()
		assert.Equal(t, int64(4), st.TokensIssued, "tokens renewed every 750 ms")
		assert.Equal(t, st.TokensIssued, st.TokenRequests)
		assert.Zero(t, st.ByStatus[http.StatusUnauthorized], "a token is renewed before it expires")

		// A revoked token: the next request gets 401, the receiver renews the token and resends.
		sim.RevokeTokens()
		live := time.Now().UTC()
		require.NoError(t, sim.Generate(300, live, live.Add(300*time.Millisecond)))
		want, _ := expectedIDs(t, sim, start, live.Add(time.Second))
		require.Len(t, want, 5300)
		time.Sleep(1100 * time.Millisecond) // polled past the last event once more
		synctest.Wait()
		r := sim.Requests()
		require.True(t, r[len(r)-1].Time.After(live.Add(time.Second)), "polled past the live events")
		// Every event exactly once; the order may differ inside a millisecond that a window
		// boundary splits (the API orders by millisecond and id, windows cut at full precision).
		got := recordIDs(sink.AllLogs())
		slices.Sort(want)
		slices.Sort(got)
		assertSameSequence(t, want, got)

		st = sim.Stats()
		assert.Equal(t, int64(1), st.ByStatus[http.StatusUnauthorized], "the revoked token was refused once")
		assert.Zero(t, st.ByStatus[http.StatusBadRequest], "x-org-id is sent on every request")
		for _, rq := range sim.Requests() {
			require.Equal(t, "bearer", rq.Auth)
			require.Equal(t, []string{sim.OrgID()}, rq.OrgIDs)
		}
		assert.Equal(t, componentstatus.StatusOK, host.Last().Status(), "a renewal is no error")
	})
}

func TestServiceAccountWrongSecretIsPermanentAndStopsRequests(t *testing.T) {
	t.Parallel()
	sim, url := startSim(t, jumpcloudsim.Config{ClientID: testClientID, ClientSecret: testClientSecret})
	require.NoError(t, sim.Generate(10, time.Now().Add(-time.Hour), time.Now().Add(-time.Minute)))
	cfg := serviceAccountConfig(sim, url)
	cfg.ClientSecret = "wrong-secret-do-not-log-7c1d"
	host := newStatusHost()
	r := startReceiver(t, cfg, host, consumertest.NewNop())

	ev := waitStatus(t, host, componentstatus.StatusPermanentError)
	require.Error(t, ev.Err())
	msg := ev.Err().Error()
	assert.Contains(t, msg, "invalid_client")
	assert.Contains(t, msg, "check client_id, client_secret and token_endpoint")
	assert.NotContains(t, msg, "wrong-secret-do-not-log-7c1d")
	etype, _ := ev.Attributes().Get(attrKeyErrorType)
	assert.Equal(t, "ThirdPartyConfig", etype.Str())

	waitStopped(t, r)
	st := sim.Stats()
	assert.Equal(t, int64(1), st.TokenRequests, "no further token request")
	assert.Zero(t, st.Requests, "no API request without a token")
}

func TestTokenEndpointDownIsRecoverable(t *testing.T) {
	t.Parallel()
	sim := jumpcloudsim.New(jumpcloudsim.Config{Seed: 5, ClientID: testClientID, ClientSecret: testClientSecret})
	var tokenCalls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == jumpcloudsim.TokenPath && tokenCalls.Add(1) <= 2 {
			http.Error(w, `{"error":"temporarily_unavailable"}`, http.StatusServiceUnavailable)
			return
		}
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	require.NoError(t, sim.Generate(50, time.Now().Add(-time.Hour), time.Now().Add(-time.Minute)))
	host := newStatusHost()
	sink := new(consumertest.LogsSink)
	startReceiver(t, serviceAccountConfig(sim, srv.URL+jumpcloudsim.BasePath), host, sink)

	waitFor(t, 10*time.Second, func() bool { return sink.LogRecordCount() >= 50 }, "no events after the token endpoint recovered")
	assert.Contains(t, host.Statuses(), componentstatus.StatusRecoverableError)
	assert.NotContains(t, host.Statuses(), componentstatus.StatusPermanentError)
	assert.Equal(t, int64(3), tokenCalls.Load())
}

func TestEveryEndpointFormDelivers(t *testing.T) {
	t.Parallel()
	forms := []struct {
		name, path string
		prefix     string // a reverse proxy in front of the API strips it
	}{
		{name: "host", path: ""},
		{name: "host with slash", path: "/"},
		{name: "base URL", path: "/insights/directory/v1"},
		{name: "base URL with slash", path: "/insights/directory/v1/"},
		{name: "events URL", path: "/insights/directory/v1/events"},
		{name: "events URL with slash", path: "/insights/directory/v1/events/"},
		{name: "proxy prefix", path: "/jumpcloud/", prefix: "/jumpcloud"},
		{name: "proxy prefix and events URL", path: "/jumpcloud/insights/directory/v1/events", prefix: "/jumpcloud"},
	}
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			sim := jumpcloudsim.New(jumpcloudsim.Config{Seed: 3, APIKey: testAPIKey})
			var h http.Handler = sim
			if f.prefix != "" {
				h = http.StripPrefix(f.prefix, sim)
			}
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)
			require.NoError(t, sim.Generate(40, time.Now().Add(-time.Hour), time.Now().Add(-time.Minute)))
			cfg := testConfig(srv.URL + f.path)
			host := newStatusHost()
			sink := new(consumertest.LogsSink)
			startReceiver(t, cfg, host, sink)
			waitFor(t, 10*time.Second, func() bool { return sink.LogRecordCount() >= 40 }, "no events with endpoint %q", cfg.Endpoint)
			assert.Zero(t, sim.Stats().ByStatus[http.StatusNotFound])
			assert.NotContains(t, host.Statuses(), componentstatus.StatusRecoverableError)
		})
	}
}

func TestEndpointNotFoundIsPermanentAndNamesEndpoint(t *testing.T) {
	t.Parallel()
	sim := jumpcloudsim.New(jumpcloudsim.Config{APIKey: testAPIKey})
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	cfg := testConfig(srv.URL + "/api/") // a path the server does not serve
	host := newStatusHost()
	r := startReceiver(t, cfg, host, consumertest.NewNop())

	ev := waitStatus(t, host, componentstatus.StatusPermanentError)
	assert.Contains(t, ev.Err().Error(), "HTTP 404")
	assert.Contains(t, ev.Err().Error(), "check endpoint")
	etype, _ := ev.Attributes().Get(attrKeyErrorType)
	assert.Equal(t, "ThirdPartyConfig", etype.Str())
	waitStopped(t, r)
	assert.Equal(t, int64(1), requests.Load(), "a wrong endpoint is not retried")
}

// A service account with several organizations asks for one token, not one per organization:
// every stream shares the receiver's API client. The test's token endpoint counts the tokens
// and the API in front of an MSP simulator accepts only that bearer token.
func TestServiceAccountOneTokenForManyOrganizations(t *testing.T) {
	t.Parallel()
	orgs := []string{"5f1a00000000000000000011", "5f1a00000000000000000012", "5f1a00000000000000000013", "5f1a00000000000000000014"}
	msp := jumpcloudsim.NewMSP(jumpcloudsim.Config{APIKey: testAPIKey, Seed: 5}, orgs, "")
	now := time.Now().UTC()
	start := now.Add(-time.Hour)
	total := 0
	for i, org := range orgs {
		require.NoError(t, msp.Org(org).Generate(300+100*i, start, now.Add(-time.Minute)))
		total += 300 + 100*i
	}
	const token = "sa-token-5d4c3b2a"
	var tokens, bearerless atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == jumpcloudsim.TokenPath {
			tokens.Add(1)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"` + token + `","token_type":"bearer","expires_in":3600}`))
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+token {
			bearerless.Add(1)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		r.Header.Del("Authorization")
		r.Header.Set("x-api-key", testAPIKey)
		msp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)

	cfg := testConfig(srv.URL + jumpcloudsim.BasePath)
	cfg.APIKey = ""
	cfg.ClientID, cfg.ClientSecret = testClientID, testClientSecret
	cfg.TokenEndpoint = srv.URL + jumpcloudsim.TokenPath
	cfg.OrgID = orgs
	cfg.MaxConcurrentRequests = 4
	cfg.InitialLookback = time.Hour + time.Minute
	sink := new(consumertest.LogsSink)
	startReceiver(t, cfg, newStatusHost(), sink)
	waitFor(t, 30*time.Second, func() bool { return sink.LogRecordCount() >= total }, "records never arrived")

	assert.Equal(t, int64(1), tokens.Load(), "one token for %d organizations", len(orgs))
	assert.Zero(t, bearerless.Load(), "every request carries the token")
	assert.Len(t, recordsByOrganization(t, sink.AllLogs()), total)
}
