package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/stanza/adapter"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.uber.org/zap"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/metadata"
)

// diReceiver is the jumpclouddirectoryinsights receiver: its lifecycle and the streams it
// runs, one per organization (stream.go), sharing one request budget (budget.go).
type diReceiver struct {
	cfg       *Config
	settings  receiver.Settings
	next      consumer.Logs
	telemetry *metadata.TelemetryBuilder
	obsrecv   *receiverhelper.ObsReport
	status    *statusReporter
	// clock is the engine's time (clock.go): realClock, or a clock a test drives.
	clock  clock
	budget *budget
	// services is the configuration's service list, computed once for every request.
	services []string

	httpClient *http.Client
	// transport, when a test sets it, answers the API's requests in process instead of the
	// network (the HTTP client, its requests and answers are the real ones): virtual time.
	transport http.RoundTripper
	storage   storage.Client
	streams   []*stream
	// client is the API of every stream (the HTTP client Start builds; a model of the API in
	// tests); group the shared probe of the organizations (nil with fewer than two).
	client eventsAPI
	group  *groupProber

	cancel, cancelDelivery context.CancelFunc
	wg                     sync.WaitGroup
}

// now is the engine's current time (its clock's).
func (r *diReceiver) now() time.Time { return r.clock.Now() }

// shutdownGrace bounds how long Shutdown lets deliveries in flight finish (so that their
// progress is committed) before it cancels them.
const shutdownGrace = 5 * time.Second

func newReceiver(cfg *Config, set receiver.Settings, next consumer.Logs) (*diReceiver, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	obsrecv, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{
		ReceiverID: set.ID, Transport: "http", ReceiverCreateSettings: set,
	})
	if err != nil {
		return nil, err
	}
	r := &diReceiver{
		cfg:       cfg,
		settings:  set,
		next:      next,
		telemetry: tb,
		obsrecv:   obsrecv,
		status:    newStatusReporter(set.Logger, tb),
		clock:     realClock{},
		services:  cfg.services(),
	}
	r.budget = newBudget(cfg, r.clock)
	orgs := 0
	for _, spec := range cfg.streams() {
		r.status.register(spec)
		r.streams = append(r.streams, r.newStream(spec))
		if spec.orgID != "" {
			orgs++
		}
	}
	if orgs > 1 {
		r.group = newGroupProber(r)
	}
	return r, nil
}

// Start loads the checkpoints, builds the API clients and launches one stream per organization.
func (r *diReceiver) Start(ctx context.Context, host component.Host) error {
	r.status.setHost(host)
	r.status.setAll(stateStarted)
	for _, s := range r.services {
		if !jumpcloud.IsKnownService(s) {
			r.settings.Logger.Warn("Unknown Directory Insights service: the API may reject it",
				zap.String("service", s), zap.Strings("known_services", jumpcloud.KnownServices))
		}
	}

	sc, err := adapter.GetStorageClient(ctx, host, r.cfg.StorageID, r.settings.ID)
	if err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	fail := func(err error) error {
		_ = sc.Close(ctx)
		return err
	}
	hc, err := r.cfg.ClientConfig.ToClient(ctx, host.GetExtensions(), r.settings.TelemetrySettings)
	if err != nil {
		return fail(fmt.Errorf("http client: %w", err))
	}
	if r.transport != nil {
		hc.Transport = r.transport
	}
	// One API client for every stream: one connection pool and, for a service account, one
	// token shared by all its organizations (each query names its own x-org-id).
	client, err := jumpcloud.NewClient(hc, jumpcloud.Settings{
		BaseURL:        r.cfg.baseURL(),
		APIKey:         string(r.cfg.APIKey),
		ServiceAccount: r.cfg.serviceAccount(),
		UserAgent:      userAgent(r.settings.BuildInfo),
		Now:            r.clock.Now,

		MaxResponseBytes: r.cfg.maxPageBytes(),
	})
	if err != nil {
		return fail(err)
	}
	if err := r.launch(ctx, sc, client); err != nil {
		return fail(err)
	}
	r.httpClient = hc
	return nil
}

// launch gives every stream client and its checkpoint from sc, then starts the streams and the
// shared probe: the part of Start after the storage and the HTTP client are built, which a test
// calls with a model of the API and an in-memory storage (sim_test.go).
func (r *diReceiver) launch(ctx context.Context, sc storage.Client, client eventsAPI) error {
	r.client = client
	for _, st := range r.streams {
		st.client = client
		if err := st.load(ctx, sc); err != nil {
			return err
		}
	}
	r.storage = sc
	r.status.setAll(stateInitialized)

	runCtx, cancel := context.WithCancel(context.Background())
	deliveryCtx, cancelDelivery := context.WithCancel(context.Background())
	r.cancel, r.cancelDelivery = cancel, cancelDelivery
	for _, st := range r.streams {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			ctx, dctx := withRole(runCtx, st.spec.label()), withRole(deliveryCtx, st.spec.label())
			r.clock.Resumed(ctx)
			st.run(ctx, dctx)
		}()
	}
	if r.group != nil {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			ctx, dctx := withRole(runCtx, "shared probe"), withRole(deliveryCtx, "shared probe")
			r.clock.Resumed(ctx)
			r.group.run(ctx, dctx)
		}()
	}
	return nil
}

// load reads the stream's checkpoint (or starts a backfill) and makes it safe to resume.
func (s *stream) load(ctx context.Context, sc storage.Client) error {
	s.writer.store = newCheckpointStore(sc, s.spec)
	cp, adopted, err := s.writer.store.load(ctx, s.spec.orgID)
	if err != nil {
		return err
	}
	fresh := cp == nil
	if fresh {
		cp = freshCheckpoint(s.r.now(), s.r.cfg.InitialLookback)
		s.log.Info("No checkpoint stored: starting backfill",
			zap.Time("start_time", cp.WindowEnd), zap.Duration("initial_lookback", s.r.cfg.InitialLookback))
	} else {
		s.log.Info("Resuming from checkpoint", zap.Bool("adopted_single_organization_checkpoint", adopted),
			zap.Bool("in_window", cp.InWindow), zap.Time("window_start", cp.WindowStart),
			zap.Time("window_end", cp.WindowEnd), zap.Int("slices", len(cp.Slices)), zap.Int("seen_ids", len(cp.Seen)))
		s.repairCheckpoint(cp)
		cp.upgrade(s.r.cfg.Overlap)
	}
	cp.Query = s.queryFingerprint()
	s.cp, s.writer.adopted = cp, adopted
	if fresh {
		// Stored by the first step, before any request: a restart before the backfill has
		// stored anything else keeps this start time, not initial_lookback before the restart.
		s.writer.changed()
	}
	return nil
}

// Shutdown stops fetching, lets deliveries in flight finish within the shutdown deadline (at
// most shutdownGrace), stores the checkpoints that are ahead of storage and releases storage.
func (r *diReceiver) Shutdown(ctx context.Context) error {
	r.status.setAll(stateStopping)
	if r.cancel != nil {
		r.cancel()
		done := make(chan struct{})
		go func() {
			r.wg.Wait()
			close(done)
		}()
		grace := time.NewTimer(shutdownGrace)
		select {
		case <-done:
		case <-ctx.Done():
		case <-grace.C:
		}
		grace.Stop()
		r.cancelDelivery()
		<-done
	}
	var errs []error
	if r.storage != nil {
		for _, st := range r.streams {
			if st.cp != nil {
				errs = append(errs, st.writer.persistIfDirty(ctx, st.cp))
			}
		}
		errs = append(errs, r.storage.Close(ctx))
		r.storage = nil
	}
	if r.httpClient != nil {
		r.httpClient.CloseIdleConnections()
	}
	r.telemetry.Shutdown()
	return errors.Join(errs...)
}

func userAgent(bi component.BuildInfo) string {
	name, version := bi.Command, bi.Version
	if name == "" {
		name = "otelcol-jumpcloud"
	}
	if version == "" {
		version = "dev"
	}
	return name + "/" + version + " jumpclouddirectoryinsightsreceiver"
}

// classifiedError tags an error of one collection step with the hosted source's error type.
type classifiedError struct {
	etype errorType
	err   error
}

func (e *classifiedError) Error() string { return e.err.Error() }
func (e *classifiedError) Unwrap() error { return e.err }

func firstPartyError(err error) error { return &classifiedError{etype: errFirstPartyGeneric, err: err} }

// classify returns the hosted source's error type of a step error.
func classify(err error) errorType {
	var ce *classifiedError
	if errors.As(err, &ce) {
		return ce.etype
	}
	if jumpcloud.IsConfigError(err) {
		return errThirdPartyConfig
	}
	return errThirdPartyGeneric
}
