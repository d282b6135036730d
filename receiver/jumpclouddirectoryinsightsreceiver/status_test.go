package jumpclouddirectoryinsightsreceiver

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/jumpcloudsim"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/statustest"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/metadata"
)

func TestStatusStatesAreReported(t *testing.T) {
	t.Parallel()
	sim, url := startSim(t, jumpcloudsim.Config{})
	require.NoError(t, sim.Generate(5, time.Now().Add(-time.Hour), time.Now().Add(-time.Minute)))
	host := newStatusHost()
	sink := new(consumertest.LogsSink)
	r := startReceiver(t, testConfig(url), host, sink)
	waitFor(t, 5*time.Second, func() bool { st, _ := r.status.current(); return st == stateCollecting }, "never Collecting")
	var states []string
	events := host.Events()
	for _, ev := range events {
		v, _ := ev.Attributes().Get(attrKeySourceState)
		states = append(states, v.Str())
		assert.Equal(t, componentstatus.StatusOK, ev.Status())
	}
	assert.Equal(t, []string{"Authenticated", "Collecting"}, states, "reported once per change")
}

// A step that finishes while the receiver is stopping must not report OK after Stopping.
func TestNoStatusAfterStopping(t *testing.T) {
	t.Parallel()
	sim, url := startSim(t, jumpcloudsim.Config{})
	require.NoError(t, sim.Generate(10, time.Now().Add(-time.Hour), time.Now().Add(-time.Minute)))
	host := newStatusHost()
	var r *diReceiver
	stopping := make(chan struct{})
	next, err := consumer.NewLogs(func(context.Context, plog.Logs) error {
		<-stopping // hold the page until Shutdown has begun
		return nil
	})
	require.NoError(t, err)
	r = startReceiver(t, testConfig(url), host, next)
	waitFor(t, 5*time.Second, func() bool { st, _ := r.status.current(); return st == stateAuthenticated }, "no page")
	n := len(host.Statuses())
	go func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for range tick.C {
			if st, _ := r.status.current(); st == stateStopping {
				close(stopping)
				return
			}
		}
	}()
	require.NoError(t, r.Shutdown(context.Background()))
	assert.Len(t, host.Statuses(), n, "nothing reported once Stopping")
}

func TestComponentStatusFromStreams(t *testing.T) {
	t.Parallel()
	cfgErr := errors.New("HTTP 400")
	a, b := streamSpec{orgID: "a"}, streamSpec{orgID: "b"}
	type change struct {
		stream streamSpec
		state  sourceState
		etype  errorType
	}
	tests := []struct {
		name       string
		changes    []change
		want       componentstatus.Status
		wantState  sourceState
		wantEvents int
	}{
		{name: "all collecting", changes: []change{{a, stateCollecting, errNone}, {b, stateAuthenticated, errNone}},
			want: componentstatus.StatusOK, wantState: stateAuthenticated, wantEvents: 1},
		{name: "one configuration error among running streams is recoverable",
			changes: []change{{a, stateCollecting, errNone}, {b, stateCollecting, errNone}, {b, stateError, errThirdPartyConfig}},
			want:    componentstatus.StatusRecoverableError, wantState: stateError, wantEvents: 2},
		{name: "every stream with a configuration error is permanent",
			changes: []change{{a, stateError, errThirdPartyConfig}, {b, stateError, errThirdPartyConfig}, {a, stateCollecting, errNone}},
			want:    componentstatus.StatusPermanentError, wantState: stateError, wantEvents: 2},
		{name: "a transient error clears",
			changes: []change{{a, stateCollecting, errNone}, {b, stateError, errThirdPartyGeneric}, {b, stateCollecting, errNone}},
			want:    componentstatus.StatusOK, wantState: stateCollecting, wantEvents: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tb, err := metadata.NewTelemetryBuilder(componenttest.NewNopTelemetrySettings())
			require.NoError(t, err)
			s := newStatusReporter(zap.NewNop(), tb)
			host := statustest.NewHost()
			s.setHost(host)
			s.register(a)
			s.register(b)
			s.setAll(stateStarted)
			for _, c := range tt.changes {
				var err error
				if c.state == stateError {
					err = cfgErr
				}
				s.set(c.stream, c.state, c.etype, err)
			}
			require.Len(t, host.Events(), tt.wantEvents)
			assert.Equal(t, tt.want, host.Last().Status())
			st, _ := s.current()
			assert.Equal(t, tt.wantState, st)
		})
	}
}

// newTestStatusReporter is a status reporter of streams on a host that records its events, with
// the log lines it writes.
func newTestStatusReporter(t *testing.T, streams ...streamSpec) (*statusReporter, *statustest.Host, *observer.ObservedLogs) {
	t.Helper()
	tb, err := metadata.NewTelemetryBuilder(componenttest.NewNopTelemetrySettings())
	require.NoError(t, err)
	core, logs := observer.New(zap.InfoLevel)
	s := newStatusReporter(zap.New(core), tb)
	host := statustest.NewHost()
	s.setHost(host)
	for _, spec := range streams {
		s.register(spec)
	}
	s.setAll(stateStarted)
	return s, host, logs
}

// Each name has one meaning, in the status event, its error and the log lines: organizations
// under jumpcloud.organizations and "organization", the provider's own events under
// jumpcloud.providers and "provider" (never "provider:<id>", the storage name).
func TestStatusNamesOrganizationsAndProvidersApart(t *testing.T) {
	t.Parallel()
	org, prov := streamSpec{orgID: "org-1"}, streamSpec{providerID: "prov-1"}
	s, host, logs := newTestStatusReporter(t, org, prov)
	s.set(org, stateCollecting, errNone, nil)
	s.set(prov, stateError, errThirdPartyGeneric, &streamError{stream: prov.label(), err: errors.New("HTTP 503")})

	ev := host.Last()
	require.NotNil(t, ev)
	assert.Equal(t, componentstatus.StatusRecoverableError, ev.Status())
	assert.Equal(t, "provider prov-1: HTTP 503", ev.Err().Error())
	assert.Equal(t, map[string]any{
		attrKeySourceState:   "Error",
		attrKeyErrorType:     "ThirdPartyGeneric",
		attrKeyOrganizations: map[string]any{"org-1": "Collecting"},
		attrKeyProviders:     map[string]any{"prov-1": "Error (ThirdPartyGeneric)"},
	}, ev.Attributes().AsRaw())

	// Every transition line names its stream by one field, with its id.
	want := map[string]any{logFieldOrganization: "org-1", logFieldProvider: "prov-1"}
	named := map[string]int{}
	for _, e := range logs.FilterMessage("Source state changed").All() {
		fields := e.ContextMap()
		n := 0
		for k, id := range want {
			if v, ok := fields[k]; ok {
				n++
				named[k]++
				assert.Equal(t, id, v, "%s of %v", k, fields)
			}
		}
		assert.Equal(t, 1, n, "one stream field: %v", fields)
	}
	assert.Equal(t, map[string]int{logFieldOrganization: 2, logFieldProvider: 2}, named, "Started, then one change each")
}

// The API key's own organization (neither org_id nor provider_id) has no map and no stream
// field: jumpcloud.source_state is its state.
func TestStatusOfTheKeysOwnOrganizationHasNoStreamNames(t *testing.T) {
	t.Parallel()
	own := streamSpec{}
	s, host, logs := newTestStatusReporter(t, own)
	s.set(own, stateCollecting, errNone, nil)
	require.NotNil(t, host.Last())
	assert.Equal(t, map[string]any{attrKeySourceState: "Collecting"}, host.Last().Attributes().AsRaw())
	for _, e := range logs.All() {
		assert.NotContains(t, e.ContextMap(), logFieldOrganization)
		assert.NotContains(t, e.ContextMap(), logFieldProvider)
	}
}
