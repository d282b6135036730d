package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"

import (
	"sort"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/sumoattr"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/mapping"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/metadata"
)

// Resource attribute keys of a stream.
const (
	attrOrganization = mapping.AttrOrganization
	attrEventID      = mapping.AttrEventID
	attrProvider     = "jumpcloud.provider"
)

// Scope attribute of the ecs format: the contrib elasticsearch exporter then indexes each
// record's body as the document (mapping mode bodymap).
const (
	attrElasticMappingMode = "elastic.mapping.mode"
	elasticModeBodyMap     = "bodymap"
)

// converter turns pages of events into plog.Logs carrying the source metadata; each record's
// content is the mapper's (internal/mapping, the configured format).
type converter struct {
	resource  pcommon.Map // template of the resource attributes
	buildInfo component.BuildInfo
	mapper    *mapping.Mapper
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
	return &converter{resource: res, buildInfo: bi, mapper: mapping.New(cfg.Format, cfg.SemanticConventions)}
}

// convert builds one ResourceLogs with one record per event (mapping.Mapper.Map: timestamp =
// event time, EventName, severity, body and attributes of the format), observed timestamp =
// observed. unmapped counts the events whose mapping failed in part (delivered all the same,
// with the attribute jumpcloud.mapping.error). It is a pure function of its arguments: a
// refused delivery converts the same events again.
func (c *converter) convert(events []jumpcloud.Event, observed time.Time) (logs plog.Logs, unmapped int) {
	logs = plog.NewLogs()
	rl := logs.ResourceLogs().AppendEmpty()
	c.resource.CopyTo(rl.Resource().Attributes())
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName(metadata.ScopeName)
	sl.Scope().SetVersion(c.buildInfo.Version)
	if c.mapper.Format() == mapping.FormatECS {
		sl.Scope().Attributes().PutStr(attrElasticMappingMode, elasticModeBodyMap)
	}
	records := sl.LogRecords()
	records.EnsureCapacity(len(events))
	obs := pcommon.NewTimestampFromTime(observed)
	for i := range events {
		lr := records.AppendEmpty()
		lr.SetObservedTimestamp(obs)
		if c.mapper.Map(&events[i], lr) != nil {
			unmapped++
		}
	}
	return logs, unmapped
}
