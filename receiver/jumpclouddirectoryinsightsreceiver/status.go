package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"

import (
	"context"
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
)

// statusReporter maps the hosted source's states onto component status (design.md):
// Started/Initialized -> Starting, Authenticated/Collecting -> OK, Error -> PermanentError
// (ThirdPartyConfig) or RecoverableError, Stopping -> Stopping. Starting and Stopping are
// reported by the collector itself around Start and Shutdown; this reporter sends the others. It reports to the host only when
// the (state, error type) pair changes, with the seed state in the event attributes, one log
// line and one metric point per transition.
type statusReporter struct {
	logger    *zap.Logger
	telemetry *metadata.TelemetryBuilder

	mu    sync.Mutex
	host  component.Host
	state sourceState
	etype errorType
}

func newStatusReporter(logger *zap.Logger, tb *metadata.TelemetryBuilder) *statusReporter {
	return &statusReporter{logger: logger, telemetry: tb, state: statePending}
}

func (s *statusReporter) setHost(host component.Host) {
	s.mu.Lock()
	s.host = host
	s.mu.Unlock()
}

// current returns the present seed state and error type.
func (s *statusReporter) current() (sourceState, errorType) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state, s.etype
}

// set moves to state (with etype and err for stateError). It is a no-op without a change.
func (s *statusReporter) set(state sourceState, etype errorType, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if state != stateError {
		etype = errNone
	}
	if state == s.state && etype == s.etype {
		return
	}
	// A permanent error is final until the collector restarts with a new configuration, but
	// for Stopping: component status allows no other way out of PermanentError. Stopping is
	// final: a step finishing during Shutdown must not report OK after it.
	if s.state == stateStopping || (s.state == stateError && s.etype == errThirdPartyConfig && state != stateStopping) {
		return
	}
	prev := s.state
	s.state, s.etype = state, etype

	attrs := pcommon.NewMap()
	attrs.PutStr(attrKeySourceState, string(state))
	if etype != errNone {
		attrs.PutStr(attrKeyErrorType, string(etype))
	}
	var ev *componentstatus.Event
	switch state {
	case stateStarted, stateInitialized, stateStopping:
		// The collector itself reports Starting before Start and Stopping/Stopped around
		// Shutdown; reporting them again would be an invalid Starting->Starting transition.
	case stateAuthenticated, stateCollecting:
		ev = componentstatus.NewEvent(componentstatus.StatusOK, componentstatus.WithAttributes(attrs))
	case stateError:
		st := componentstatus.StatusRecoverableError
		if etype == errThirdPartyConfig {
			st = componentstatus.StatusPermanentError
		}
		ev = componentstatus.NewEvent(st, componentstatus.WithError(err), componentstatus.WithAttributes(attrs))
	}

	fields := []zap.Field{
		zap.String("source_state", string(state)),
		zap.String("previous_source_state", string(prev)),
	}
	switch {
	case etype == errThirdPartyConfig:
		s.logger.Error("Source state changed", append(fields, zap.String("error_type", string(etype)), zap.Error(err))...)
	case etype != errNone:
		s.logger.Warn("Source state changed", append(fields, zap.String("error_type", string(etype)), zap.Error(err))...)
	default:
		s.logger.Info("Source state changed", fields...)
	}
	s.telemetry.JumpcloudSourceStateTransitions.Add(context.Background(), 1,
		metric.WithAttributeSet(attribute.NewSet(attribute.String(attrKeySourceState, string(state)))))
	if ev != nil && s.host != nil {
		componentstatus.ReportStatus(s.host, ev)
	}
}
