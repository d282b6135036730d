package mapping // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/mapping"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
)

// setRawBody sets the body of the raw format: the event's JSON text byte for byte (Sumo Logic,
// Google SecOps and any SIEM with its own JumpCloud parser read it as JumpCloud sent it).
func setRawBody(ev *jumpcloud.Event, body pcommon.Value) {
	body.SetStr(string(ev.Raw))
}
