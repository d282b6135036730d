package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"

import (
	"sort"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/sumoattr"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/metadata"
)

// Log record attribute keys.
const (
	attrEventID      = "jumpcloud.event.id"
	attrService      = "jumpcloud.service"
	attrEventType    = "jumpcloud.event_type"
	attrOrganization = "jumpcloud.organization"
	attrProvider     = "jumpcloud.provider"
)

// converter turns pages of events into plog.Logs carrying the source metadata.
type converter struct {
	resource  pcommon.Map // template of the resource attributes
	buildInfo component.BuildInfo
}

func newConverter(cfg *Config, bi component.BuildInfo, spec streamSpec) *converter {
	res := pcommon.NewMap()
	// Each organization's records travel in their own ResourceLogs, marked with it (the Sumo
	// Logic exporter sends it in X-Sumo-Fields).
	if spec.orgID != "" {
		res.PutStr(attrOrganization, spec.orgID)
	}
	if spec.providerID != "" {
		res.PutStr(attrProvider, spec.providerID)
	}
	if cfg.Name != "" {
		res.PutStr(sumoattr.SourceName, cfg.Name)
	}
	if cfg.Category != "" {
		res.PutStr(sumoattr.SourceCategory, cfg.Category)
	}
	fields := cfg.fieldStrings()
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		res.PutStr(k, fields[k])
	}
	return &converter{resource: res, buildInfo: bi}
}

// convert builds one ResourceLogs with one record per event: body = the event's original JSON
// text, timestamp = event time, observed timestamp = observed.
func (c *converter) convert(events []jumpcloud.Event, observed time.Time) plog.Logs {
	logs := plog.NewLogs()
	rl := logs.ResourceLogs().AppendEmpty()
	c.resource.CopyTo(rl.Resource().Attributes())
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName(metadata.ScopeName)
	sl.Scope().SetVersion(c.buildInfo.Version)
	records := sl.LogRecords()
	records.EnsureCapacity(len(events))
	obs := pcommon.NewTimestampFromTime(observed)
	for i := range events {
		ev := &events[i]
		lr := records.AppendEmpty()
		if !ev.Timestamp.IsZero() {
			lr.SetTimestamp(pcommon.NewTimestampFromTime(ev.Timestamp))
		}
		lr.SetObservedTimestamp(obs)
		lr.Body().SetStr(string(ev.Raw))
		attrs := lr.Attributes()
		attrs.EnsureCapacity(4)
		if ev.ID != "" {
			attrs.PutStr(attrEventID, ev.ID)
		}
		if ev.Service != "" {
			attrs.PutStr(attrService, ev.Service)
		}
		if ev.EventType != "" {
			attrs.PutStr(attrEventType, ev.EventType)
		}
		if ev.Organization != "" {
			attrs.PutStr(attrOrganization, ev.Organization)
		}
	}
	return logs
}
