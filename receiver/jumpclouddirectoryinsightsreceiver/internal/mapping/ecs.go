package mapping // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/mapping"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
)

// mapECS builds the ECS document of the event into body. (Being written: see the issue.)
func mapECS(r *reader, ev *jumpcloud.Event, body pcommon.Map) {
	putJSONObject(body, mustObject(r), nil)
}
