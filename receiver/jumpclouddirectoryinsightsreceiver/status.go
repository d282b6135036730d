package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"

import (
	"context"
	"errors"
	"strings"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/metadata"
)

// sourceState is a state of the Sumo Logic hosted source this receiver replaces.
type sourceState string

const (
	statePending       sourceState = "Pending"
	stateStarted       sourceState = "Started"
	stateInitialized   sourceState = "Initialized"
	stateAuthenticated sourceState = "Authenticated"
	stateCollecting    sourceState = "Collecting"
	stateError         sourceState = "Error"
	stateStopping      sourceState = "Stopping"
)

// errorType is the hosted source's health event type of an Error state.
type errorType string

const (
	errNone errorType = ""
	// errThirdPartyConfig: 400/401/402/403 from JumpCloud; no retries until the config changes.
	errThirdPartyConfig errorType = "ThirdPartyConfig"
	// errThirdPartyGeneric: 429, 5xx, network, timeouts; retried indefinitely.
	errThirdPartyGeneric errorType = "ThirdPartyGeneric"
	// errFirstPartyGeneric: the downstream consumer or the storage failed; retried indefinitely.
	errFirstPartyGeneric errorType = "FirstPartyGeneric"
)

const (
	attrKeySourceState = "jumpcloud.source_state"
	attrKeyErrorType   = "jumpcloud.error_type"
	// attrKeyOrganizations maps the id of each configured organization (org_id) to its
	// stream's state; attrKeyProviders the provider id (provider_id) to the state of the stream
	// of the provider's own events. Neither for the API key's own organization (no org_id and
	// no provider_id): jumpcloud.source_state is its state.
	attrKeyOrganizations = "jumpcloud.organizations"
	attrKeyProviders     = "jumpcloud.providers"
)

// statusReporter maps the hosted source's states onto component status (docs/design.md), per
// stream and for the component as a whole.
//
// Each stream (organization, or the provider's own events) has its own state:
// Started/Initialized -> Authenticated -> Collecting, Error (with its error type) and Stopping. A
// stream's transition is logged once (with its log fields: organization or provider) and counted
// in a self-metric (with its metric attributes). The component's status is derived from all
// streams and reported to the host only when it changes:
//   - PermanentError (ThirdPartyConfig) only when every stream stopped on a configuration error;
//   - RecoverableError while any stream is in error, including one organization's
//     configuration error while others still run (the component can leave that state: the
//     other streams go on), its error naming the failing streams (streamSpec.label);
//   - OK once every stream is Authenticated or Collecting.
//
// Starting and Stopping are reported by the collector itself around Start and Shutdown.
type statusReporter struct {
	logger    *zap.Logger
	telemetry *metadata.TelemetryBuilder

	mu       sync.Mutex
	host     component.Host
	streams  map[streamSpec]*streamStatus
	order    []streamSpec
	stopping bool
	// the component's state as last derived, and the failing streams it named
	state     sourceState
	etype     errorType
	failing   string
	permanent bool
}

type streamStatus struct {
	state sourceState
	etype errorType
	err   error
	// attrs are the stream's attributes of the transitions metric (streamSpec.metricAttrs),
	// fields those of its log line (streamSpec.logFields).
	attrs  []attribute.KeyValue
	fields []zap.Field
}

func newStatusReporter(logger *zap.Logger, tb *metadata.TelemetryBuilder) *statusReporter {
	return &statusReporter{logger: logger, telemetry: tb, state: statePending, streams: map[streamSpec]*streamStatus{}}
}

func (s *statusReporter) setHost(host component.Host) {
	s.mu.Lock()
	s.host = host
	s.mu.Unlock()
}

// register adds a stream in state Pending (before Start reports Started for all).
func (s *statusReporter) register(stream streamSpec) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.streams[stream]; !ok {
		s.streams[stream] = &streamStatus{state: statePending, attrs: stream.metricAttrs(), fields: stream.logFields()}
		s.order = append(s.order, stream)
	}
}

// current returns the component's state and error type.
func (s *statusReporter) current() (sourceState, errorType) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state, s.etype
}

// streamState returns one stream's state and error type.
func (s *statusReporter) streamState(stream streamSpec) (sourceState, errorType) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.streams[stream]; ok {
		return st.state, st.etype
	}
	return statePending, errNone
}

// setAll moves every stream to state (Started, Initialized, Stopping).
func (s *statusReporter) setAll(state sourceState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if state == stateStopping {
		s.stopping = true
	}
	for _, spec := range s.order {
		s.transition(spec, state, errNone, nil)
	}
	s.derive()
}

// set moves one stream to state (with etype and err for stateError); a no-op without a change.
func (s *statusReporter) set(stream streamSpec, state sourceState, etype errorType, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.transition(stream, state, etype, err) {
		s.derive()
	}
}

// transition changes one stream's state; it reports whether anything changed.
func (s *statusReporter) transition(stream streamSpec, state sourceState, etype errorType, err error) bool {
	st, ok := s.streams[stream]
	if !ok {
		return false
	}
	if state != stateError {
		etype, err = errNone, nil
	}
	// Stopping is final; a configuration error is final for its stream but for Stopping.
	if st.state == stateStopping || (s.stopping && state != stateStopping) ||
		(st.state == stateError && st.etype == errThirdPartyConfig && state != stateStopping) {
		return false
	}
	if state == st.state && etype == st.etype {
		st.err = err
		return false
	}
	prev := st.state
	st.state, st.etype, st.err = state, etype, err

	fields := append([]zap.Field{zap.String("source_state", string(state)), zap.String("previous_source_state", string(prev))}, st.fields...)
	attrs := append([]attribute.KeyValue{attribute.String(attrKeySourceState, string(state))}, st.attrs...)
	switch {
	case etype == errThirdPartyConfig:
		s.logger.Error("Source state changed", append(fields, zap.String("error_type", string(etype)), zap.Error(err))...)
	case etype != errNone:
		s.logger.Warn("Source state changed", append(fields, zap.String("error_type", string(etype)), zap.Error(err))...)
	default:
		s.logger.Info("Source state changed", fields...)
	}
	s.telemetry.JumpcloudSourceStateTransitions.Add(context.Background(), 1, metric.WithAttributeSet(attribute.NewSet(attrs...)))
	return true
}

// progress orders the states of a healthy stream.
var progress = map[sourceState]int{statePending: 0, stateStarted: 1, stateInitialized: 2, stateAuthenticated: 3, stateCollecting: 4}

// derive computes the component's state from the streams and reports it on a change.
func (s *statusReporter) derive() {
	state, etype := stateCollecting, errNone
	var failing []string
	var errs []error
	permanent := 0
	for _, spec := range s.order {
		st := s.streams[spec]
		switch {
		case st.state == stateStopping:
			state = stateStopping
		case st.state == stateError:
			failing = append(failing, spec.label())
			if st.etype == errThirdPartyConfig {
				permanent++
			}
			if etype == errNone {
				etype = st.etype
			}
			errs = append(errs, st.err)
		case state != stateStopping && progress[st.state] < progress[state]:
			state = st.state
		}
	}
	switch {
	case state == stateStopping || s.stopping:
		state, etype, failing = stateStopping, errNone, nil
	case len(failing) > 0:
		state = stateError
	}
	// PermanentError only when no stream can run any more.
	allPermanent := permanent > 0 && permanent == len(s.order)
	key := strings.Join(failing, ",")
	if state == s.state && etype == s.etype && key == s.failing {
		return
	}
	// A permanent error is final until the collector restarts, but for Stopping: component
	// status allows no other way out of PermanentError. Stopping is final.
	if s.state == stateStopping || (s.permanent && state != stateStopping) {
		return
	}
	s.state, s.etype, s.failing, s.permanent = state, etype, key, allPermanent

	attrs := pcommon.NewMap()
	attrs.PutStr(attrKeySourceState, string(state))
	if etype != errNone {
		attrs.PutStr(attrKeyErrorType, string(etype))
	}
	for _, spec := range s.order {
		key, id := attrKeyOrganizations, spec.orgID
		if spec.providerID != "" {
			key, id = attrKeyProviders, spec.providerID
		}
		if id == "" {
			continue // the API key's own organization: jumpcloud.source_state is its state
		}
		st := s.streams[spec]
		v := string(st.state)
		if st.etype != errNone {
			v += " (" + string(st.etype) + ")"
		}
		per, ok := attrs.Get(key)
		if !ok {
			per = attrs.PutEmpty(key)
			per.SetEmptyMap()
		}
		per.Map().PutStr(id, v)
	}
	var ev *componentstatus.Event
	switch state {
	case stateAuthenticated, stateCollecting:
		ev = componentstatus.NewEvent(componentstatus.StatusOK, componentstatus.WithAttributes(attrs))
	case stateError:
		st := componentstatus.StatusRecoverableError
		if s.permanent {
			st = componentstatus.StatusPermanentError
		}
		ev = componentstatus.NewEvent(st, componentstatus.WithError(errors.Join(errs...)), componentstatus.WithAttributes(attrs))
	}
	if ev != nil && s.host != nil {
		componentstatus.ReportStatus(s.host, ev)
	}
}
