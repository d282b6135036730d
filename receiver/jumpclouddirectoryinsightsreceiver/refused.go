package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"

import (
	"context"

	"go.opentelemetry.io/otel/attribute"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
)

const attrKeyRefusalReason = "jumpcloud.refusal_reason"

// countRefused counts a 200 answer that the API client refused as a page (its cursor does not
// follow the page, its body is too large, unreadable, not JSON or not an array). The step fails
// with a transient error: the page is asked again after a backoff, and the error is logged by the
// collection loop and reported as a RecoverableError status.
func (s *stream) countRefused(ctx context.Context, err error) {
	if reason, ok := jumpcloud.RefusedReasonOf(err); ok {
		s.r.telemetry.JumpcloudPagesRefused.Add(ctx, 1, s.metricOpt(attribute.String(attrKeyRefusalReason, reason)))
	}
}
