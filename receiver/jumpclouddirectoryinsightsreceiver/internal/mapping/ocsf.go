package mapping // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/mapping"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
)

// mapOCSF builds the OCSF 1.8.0 event of the event into body. (Being written: see the issue.)
func mapOCSF(r *reader, ev *jumpcloud.Event, body pcommon.Map) {
	putJSONObject(body, mustObject(r), nil)
}
