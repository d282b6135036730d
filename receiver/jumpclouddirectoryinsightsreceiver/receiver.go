package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
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

// diReceiver is the jumpclouddirectoryinsights receiver: lifecycle, the collection loop and its
// error handling. The paging protocol is in collect.go.
type diReceiver struct {
	cfg       *Config
	settings  receiver.Settings
	next      consumer.Logs
	telemetry *metadata.TelemetryBuilder
	obsrecv   *receiverhelper.ObsReport
	status    *statusReporter
	conv      *converter
	now       func() time.Time

	client     *jumpcloud.Client
	httpClient *http.Client
	storage    storage.Client
	store      checkpointStore
	cp         *checkpoint
	// dirty is set while the in-memory checkpoint is ahead of the stored one; seenDirty while
	// its seen-id set is.
	dirty, seenDirty bool
	// warnedIncomplete limits the warning about events without id or timestamp to one.
	warnedIncomplete bool

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

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
	return &diReceiver{
		cfg:       cfg,
		settings:  set,
		next:      next,
		telemetry: tb,
		obsrecv:   obsrecv,
		status:    newStatusReporter(set.Logger, tb),
		conv:      newConverter(cfg, set.BuildInfo),
		now:       time.Now,
	}, nil
}

// Start loads the checkpoint, builds the API client and launches the collection loop.
func (r *diReceiver) Start(ctx context.Context, host component.Host) error {
	r.status.setHost(host)
	r.status.set(stateStarted, errNone, nil)
	for _, s := range r.cfg.services() {
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
	store := checkpointStore{client: sc}
	cp, err := store.load(ctx)
	if err != nil {
		return fail(err)
	}
	if cp == nil {
		cp = r.freshCheckpoint()
		r.settings.Logger.Info("No checkpoint stored: starting backfill",
			zap.Time("start_time", cp.WindowEnd), zap.Duration("initial_lookback", r.cfg.InitialLookback))
	} else {
		r.settings.Logger.Info("Resuming from checkpoint",
			zap.Bool("in_window", cp.InWindow), zap.Time("window_start", cp.WindowStart),
			zap.Time("window_end", cp.WindowEnd), zap.Int("seen_ids", len(cp.Seen)))
		r.repairCheckpoint(cp)
	}
	cp.Query = r.queryFingerprint()

	hc, err := r.cfg.ClientConfig.ToClient(ctx, host.GetExtensions(), r.settings.TelemetrySettings)
	if err != nil {
		return fail(fmt.Errorf("http client: %w", err))
	}
	var orgs []string
	if r.cfg.OrgID != "" {
		orgs = []string{r.cfg.OrgID}
	}
	client, err := jumpcloud.NewClient(hc, jumpcloud.Settings{
		BaseURL:   r.cfg.baseURL(),
		APIKey:    strings.TrimSpace(string(r.cfg.APIKey)),
		OrgIDs:    orgs,
		UserAgent: userAgent(r.settings.BuildInfo),
		Now:       r.now,

		MaxResponseBytes: r.cfg.maxPageBytes(),
	})
	if err != nil {
		return fail(err)
	}
	r.storage, r.store, r.cp = sc, store, cp
	r.client, r.httpClient = client, hc
	r.status.set(stateInitialized, errNone, nil)

	runCtx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.wg.Add(1)
	go r.run(runCtx)
	return nil
}

// Shutdown stops the loop, stores the checkpoint if it is ahead of storage and releases storage.
func (r *diReceiver) Shutdown(ctx context.Context) error {
	r.status.set(stateStopping, errNone, nil)
	if r.cancel != nil {
		r.cancel()
	}
	r.wg.Wait()
	var errs []error
	if r.storage != nil {
		if r.dirty {
			if err := r.store.save(ctx, r.cp, r.seenDirty); err != nil {
				errs = append(errs, err)
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

// run is the collection loop: steps until caught up, then waits poll_interval. Transient
// failures are retried indefinitely with backoff (the server's Retry-After when it sent one);
// a configuration error stops all requests until the collector restarts with a new config.
func (r *diReceiver) run(ctx context.Context) {
	defer r.wg.Done()
	bo := newBackOff(r.cfg.BackOff)
	for {
		caughtUp, err := r.step(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			etype := classify(err)
			r.status.set(stateError, etype, err)
			if etype == errThirdPartyConfig {
				// No retries until the configuration changes (a collector restart).
				return
			}
			delay := bo.next()
			if ra, ok := jumpcloud.RetryAfterOf(err); ok {
				// The server's Retry-After wins over a shorter backoff, never the other way:
				// a tiny Retry-After must not turn retries into a hot loop.
				delay = max(ra, delay)
			}
			r.settings.Logger.Debug("Collection step failed, retrying",
				zap.String("error_type", string(etype)), zap.Duration("retry_in", delay), zap.Error(err))
			if !sleep(ctx, delay) {
				return
			}
			continue
		}
		bo.reset()
		if caughtUp {
			r.status.set(stateCollecting, errNone, nil)
			if !sleep(ctx, r.cfg.PollInterval) {
				return
			}
		}
	}
}

// sleep waits d or until ctx is done; it reports whether the full delay elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
