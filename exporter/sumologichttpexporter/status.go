package sumologichttpexporter // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/exporter/sumologichttpexporter"

import (
	"errors"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.uber.org/zap"
)

// Attributes of the status events. errorTypeFirstPartyGeneric is the error type the Sumo Logic
// hosted source reports for a failing downstream delivery; the receiver reports the same name
// (jumpcloud.error_type) when its consumer refuses data.
const (
	attrReason                 = "reason"
	attrStatusCode             = "http.response.status_code"
	attrErrorType              = "error_type"
	errorTypeFirstPartyGeneric = "FirstPartyGeneric"
)

// statusReporter reports the component status on changes only: RecoverableError while
// deliveries fail or requests are rejected (per reason), OK once they succeed again.
type statusReporter struct {
	logger *zap.Logger

	mu      sync.Mutex
	host    component.Host
	reason  string // "" while deliveries succeed
	stopped bool   // no status events once Shutdown began
}

// stop ends the status events (logging goes on): when it returns, no event is reported any
// more.
func (s *statusReporter) stop() {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
}

func (s *statusReporter) setHost(host component.Host) {
	s.mu.Lock()
	s.host = host
	s.mu.Unlock()
}

// failed records a delivery failure or a rejected request; it reports and logs only when the
// reason changes.
func (s *statusReporter) failed(err error) {
	reason, code := reasonOf(err)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reason == reason {
		return
	}
	s.reason = reason
	fields := []zap.Field{zap.String("reason", reason), zap.Int("status_code", code), zap.Error(err)}
	if reason == reasonRejected {
		s.logger.Warn("The Sumo Logic HTTP Source rejects requests; their log records are dropped", fields...)
	} else {
		s.logger.Warn("Deliveries to the Sumo Logic HTTP Source are failing; the data is kept and retried", fields...)
	}
	if s.host == nil || s.stopped {
		return
	}
	attrs := pcommon.NewMap()
	attrs.PutStr(attrReason, reason)
	attrs.PutInt(attrStatusCode, int64(code))
	attrs.PutStr(attrErrorType, errorTypeFirstPartyGeneric)
	componentstatus.ReportStatus(s.host, componentstatus.NewEvent(componentstatus.StatusRecoverableError,
		componentstatus.WithError(err), componentstatus.WithAttributes(attrs)))
}

// succeeded records a successful delivery; it reports OK only after a failure.
func (s *statusReporter) succeeded() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reason == "" {
		return
	}
	s.logger.Info("Deliveries to the Sumo Logic HTTP Source succeed again", zap.String("previous_reason", s.reason))
	s.reason = ""
	if s.host != nil && !s.stopped {
		componentstatus.ReportStatus(s.host, componentstatus.NewEvent(componentstatus.StatusOK))
	}
}

func reasonOf(err error) (reason string, statusCode int) {
	if de, ok := errors.AsType[*deliveryError](err); ok {
		return de.reason, de.statusCode
	}
	return reasonConnection, 0
}
