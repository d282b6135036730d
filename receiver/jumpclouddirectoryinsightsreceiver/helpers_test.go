package jumpclouddirectoryinsightsreceiver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/jumpcloudsim"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/statustest"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/metadata"
)

const testAPIKey = "test-api-key-3f9c1e"

// startSim serves a simulator on 127.0.0.1 and returns it with its base URL.
func startSim(t *testing.T, cfg jumpcloudsim.Config) (*jumpcloudsim.Server, string) {
	t.Helper()
	if cfg.APIKey == "" {
		cfg.APIKey = testAPIKey
	}
	sim := jumpcloudsim.New(cfg)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv.URL + jumpcloudsim.BasePath
}

// inProcess answers HTTP requests with a handler in the caller's goroutine: the receiver's
// real HTTP client, requests and answers, without a socket, so that a test runs in a
// testing/synctest bubble on virtual time (the simulator's clock is the bubble's too).
type inProcess struct{ h http.Handler }

func (p inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		defer req.Body.Close()
	}
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	p.h.ServeHTTP(rec, req)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// virtualURL is the API's base URL of a test whose API answers in process (inProcess).
const virtualURL = "http://127.0.0.1:1" + jumpcloudsim.BasePath

// startVirtualReceiver is startReceiver for a test in a synctest bubble: api (the simulator,
// or a handler in front of it) answers in process.
func startVirtualReceiver(t *testing.T, cfg *Config, host component.Host, next consumer.Logs, api http.Handler) *diReceiver {
	t.Helper()
	require.NoError(t, cfg.Validate())
	set := receivertest.NewNopSettings(metadata.Type)
	set.ID = component.NewID(metadata.Type)
	r, err := newReceiver(cfg, set, next)
	require.NoError(t, err)
	r.transport = inProcess{api}
	require.NoError(t, r.Start(context.Background(), host))
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { require.NoError(t, r.Shutdown(context.Background())) }) })
	return r
}

// newVirtualSim is a simulator for a test in a synctest bubble (startVirtualReceiver).
func newVirtualSim(cfg jumpcloudsim.Config) *jumpcloudsim.Server {
	if cfg.APIKey == "" {
		cfg.APIKey = testAPIKey
	}
	return jumpcloudsim.New(cfg)
}

// shippedLiveConfig is testConfig with the shipped time scale of a live flow (poll 10 s,
// settle 5 s, overlap 3 min), for tests on virtual time.
func shippedLiveConfig() *Config {
	cfg := testConfig(virtualURL)
	def := createDefaultConfig().(*Config)
	cfg.PollInterval, cfg.SettleDelay, cfg.Overlap = def.PollInterval, def.SettleDelay, def.Overlap
	cfg.BackOff = def.BackOff
	cfg.InitialLookback = time.Second
	cfg.MaxConcurrentRequests = 2
	return cfg
}

// testConfig is a configuration for fast tests against the simulator at baseURL.
func testConfig(baseURL string) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Endpoint = baseURL
	cfg.APIKey = testAPIKey
	cfg.Timeout = 5 * time.Second
	cfg.PollInterval = 20 * time.Millisecond
	cfg.SettleDelay = 0
	cfg.Overlap = 0
	cfg.BackOff.InitialInterval = 5 * time.Millisecond
	cfg.BackOff.MaxInterval = 50 * time.Millisecond
	cfg.BackOff.RandomizationFactor = 0
	// One request at a time: windows are not sliced (tests with a hand-written handler answer
	// only /events) and events arrive in API order. Tests of the engine raise it.
	cfg.MaxConcurrentRequests = 1
	return cfg
}

func newStatusHost() *statustest.Host { return statustest.NewHost() }

// addFileStorage starts a file_storage extension in dir and registers it on the host.
func addFileStorage(t *testing.T, h *statustest.Host, dir string) component.ID {
	t.Helper()
	f := filestorage.NewFactory()
	cfg := f.CreateDefaultConfig().(*filestorage.Config)
	cfg.Directory = dir
	id := component.MustNewID("file_storage")
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })
	h.AddExtension(id, ext)
	return id
}

// startReceiver creates and starts the receiver; it is shut down at cleanup unless the test
// did it already (shutdown is idempotent for the test's purpose).
func startReceiver(t *testing.T, cfg *Config, host component.Host, next consumer.Logs) *diReceiver {
	t.Helper()
	require.NoError(t, cfg.Validate())
	set := receivertest.NewNopSettings(metadata.Type)
	set.ID = component.NewID(metadata.Type) // stable: the storage client is named after it
	r, err := newReceiver(cfg, set, next)
	require.NoError(t, err)
	require.NoError(t, r.Start(context.Background(), host))
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { require.NoError(t, r.Shutdown(context.Background())) }) })
	return r
}

// recordIDs lists the jumpcloud.event.id attribute of every record, in order.
func recordIDs(all []plog.Logs) []string {
	var ids []string
	for _, ld := range all {
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			sls := ld.ResourceLogs().At(i).ScopeLogs()
			for j := 0; j < sls.Len(); j++ {
				lrs := sls.At(j).LogRecords()
				for k := 0; k < lrs.Len(); k++ {
					v, _ := lrs.At(k).Attributes().Get(attrEventID)
					ids = append(ids, v.Str())
				}
			}
		}
	}
	return ids
}

// waitFor polls cond every 10ms for at most d.
func waitFor(t *testing.T, d time.Duration, cond func() bool, msg string, args ...any) {
	t.Helper()
	require.Eventuallyf(t, cond, d, 10*time.Millisecond, msg, args...)
}

// waitForMorePolls waits until the simulator has received n more requests than now. The
// receiver polls one request at a time, so by then every request before the last one has been
// handled completely: what they were going to deliver has been delivered.
func waitForMorePolls(t *testing.T, sim *jumpcloudsim.Server, n int64) {
	t.Helper()
	target := sim.Stats().Requests + n
	waitFor(t, 10*time.Second, func() bool { return sim.Stats().Requests >= target }, "the receiver stopped polling")
}

// assertNoMoreRequests, in a synctest bubble, lets 15 poll intervals of virtual time pass and
// checks that the simulator received exactly want requests (after a configuration error the
// receiver must not poll again).
func assertNoMoreRequests(t *testing.T, sim *jumpcloudsim.Server, want int64, pollInterval time.Duration) {
	t.Helper()
	time.Sleep(15 * pollInterval)
	synctest.Wait()
	assert.Equal(t, want, sim.Stats().Requests, "a configuration error stops all requests")
}

// assertSameSequence checks that got is exactly want (every id once, same order) and reports
// the difference compactly: counts, duplicates, missing ids and the first divergence.
func assertSameSequence(t *testing.T, want, got []string) {
	t.Helper()
	if slices.Equal(want, got) {
		return
	}
	count := map[string]int{}
	for _, id := range got {
		count[id]++
	}
	var dups, missing []string
	for id, n := range count {
		if n > 1 {
			dups = append(dups, id)
		}
	}
	for _, id := range want {
		if count[id] == 0 {
			missing = append(missing, id)
		}
	}
	first := 0
	for first < len(want) && first < len(got) && want[first] == got[first] {
		first++
	}
	t.Errorf("delivered sequence differs: want %d ids, got %d; %d duplicated (e.g. %v), %d missing (e.g. %v); first divergence at index %d",
		len(want), len(got), len(dups), head(dups), len(missing), head(missing), first)
}

// assertSameSet checks that got holds every id of want exactly once, in any order (slices of a
// window are delivered concurrently).
func assertSameSet(t *testing.T, want, got []string) {
	t.Helper()
	assertSameSequence(t, slices.Sorted(slices.Values(want)), slices.Sorted(slices.Values(got)))
}

func head(s []string) []string { return s[:min(len(s), 5)] }

// memStorage is an in-memory storage.Client. Once frozen it drops every write: what it holds
// is what a collector killed at that moment (kill -9) left in storage.
type memStorage struct {
	mu     sync.Mutex
	m      map[string][]byte
	frozen atomic.Bool
}

// memStorageExt serves one memStorage as a storage extension.
type memStorageExt struct {
	component.StartFunc
	component.ShutdownFunc
	client *memStorage
}

func (e *memStorageExt) GetClient(context.Context, component.Kind, component.ID, string) (storage.Client, error) {
	return e.client, nil
}

// addMemStorage registers st on the host as a storage extension and returns its id.
func addMemStorage(h *statustest.Host, st *memStorage) component.ID {
	id := component.MustNewID("mem_storage")
	h.AddExtension(id, &memStorageExt{client: st})
	return id
}

func newMemStorage() *memStorage { return &memStorage{m: map[string][]byte{}} }

func (s *memStorage) Get(_ context.Context, k string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[k], nil
}

func (s *memStorage) Set(_ context.Context, k string, v []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.frozen.Load() {
		return nil
	}
	s.m[k] = append([]byte(nil), v...)
	return nil
}

func (s *memStorage) Delete(_ context.Context, k string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.frozen.Load() {
		return nil
	}
	delete(s.m, k)
	return nil
}

func (s *memStorage) Batch(ctx context.Context, ops ...*storage.Operation) error {
	return batchOneByOne(ctx, s, ops)
}

// batchOneByOne runs ops on c one at a time (the tests' in-memory storages: their Get, Set and
// Delete never fail).
func batchOneByOne(ctx context.Context, c storage.Client, ops []*storage.Operation) error {
	for _, op := range ops {
		switch op.Type {
		case storage.Get:
			op.Value, _ = c.Get(ctx, op.Key)
		case storage.Set:
			_ = c.Set(ctx, op.Key, op.Value)
		case storage.Delete:
			_ = c.Delete(ctx, op.Key)
		}
	}
	return nil
}

func (s *memStorage) Close(context.Context) error { return nil }

// onePageServer serves page as the answer to the first request and an empty page afterwards,
// on loopback for the duration of the test; it returns the server's URL.
func onePageServer(t *testing.T, page []byte) string {
	t.Helper()
	var served atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Limit", "1000")
		if served.Swap(true) {
			_, _ = w.Write([]byte("[]"))
			return
		}
		_, _ = w.Write(page)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// resumeRun starts a second receiver with cfg on the storage directory dir of a stopped first
// run that delivered n1 events, and waits until both runs together delivered want events.
func resumeRun(t *testing.T, cfg *Config, dir string, n1, want int) *consumertest.LogsSink {
	t.Helper()
	host := newStatusHost()
	resumed := *cfg
	resumed.StorageID = ptr(addFileStorage(t, host, dir))
	second := new(consumertest.LogsSink)
	startReceiver(t, &resumed, host, second)
	waitFor(t, 30*time.Second, func() bool { return n1+second.LogRecordCount() >= want }, "second run stalled")
	return second
}
