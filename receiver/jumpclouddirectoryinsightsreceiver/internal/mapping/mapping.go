package mapping // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/mapping"

import (
	"fmt"
	"strings"
	"sync"

	"github.com/valyala/fastjson"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
)

// Format is the shape of the records' bodies.
type Format string

// The formats of the receiver's `format` setting.
const (
	// FormatRaw: the body is the event's JSON text exactly as JumpCloud sent it.
	FormatRaw Format = "raw"
	// FormatECS: the body is an Elastic Common Schema document (a map).
	FormatECS Format = "ecs"
	// FormatOCSF: the body is an OCSF 1.8.0 event (a map).
	FormatOCSF Format = "ocsf"
)

// Formats lists the valid formats, the default first.
var Formats = []Format{FormatRaw, FormatECS, FormatOCSF}

// Validate reports whether f is one of Formats.
func (f Format) Validate() error {
	for _, ok := range Formats {
		if f == ok {
			return nil
		}
	}
	return fmt.Errorf("%q is not a format: must be one of raw (the JSON text JumpCloud sent), ecs (an Elastic Common Schema document) or ocsf (an OCSF 1.8.0 event)", string(f))
}

// Record attribute keys set whatever the format.
const (
	AttrEventID      = "jumpcloud.event.id"
	AttrService      = "jumpcloud.service"
	AttrEventType    = "jumpcloud.event_type"
	AttrOrganization = "jumpcloud.organization"
	// AttrMappingError names why the event could not be mapped to the configured format (its
	// body is then the raw JSON text).
	AttrMappingError = "jumpcloud.mapping.error"
)

// Severities of the records: INFO, WARN for a failed outcome (`success` or
// `sso_token_success` false).
const (
	severityInfo = plog.SeverityNumberInfo
	severityWarn = plog.SeverityNumberWarn
)

// Options select what a Mapper produces.
type Options struct {
	// Format is the body's shape (FormatRaw when empty).
	Format Format
	// SemanticConventions adds the semantic-convention attributes (semconv.go).
	SemanticConventions bool
	// PreserveOriginalEvent keeps the event's JSON text in the mapped body as well: event.original
	// (ecs), raw_data (ocsf). Off by default, as the preserve_original_event option of Elastic's
	// JumpCloud integration: it doubles the size of each record. No effect on raw.
	PreserveOriginalEvent bool
}

// Mapper maps events to log records. It is safe for concurrent use.
type Mapper struct {
	format   Format
	semconv  bool
	original bool
	parsers  sync.Pool // of *parser
	names    nameCache
}

// parser is what one Map call borrows: the JSON parser, the arena's scratch bytes and the map
// in which ecs gathers jumpcloud.event (empty between calls: its members are moved into the
// body), so that no call allocates them.
type parser struct {
	p       fastjson.Parser
	scratch []byte
	rest    pcommon.Map
}

// nameCache shares the EventName of each (service, event type): a record would otherwise
// allocate its name. Bounded: past maxNames, names are built per record.
type nameCache struct {
	mu sync.RWMutex
	m  map[nameKey]string
}

type nameKey struct{ service, eventType string }

const maxNames = 4096

func (c *nameCache) get(service, eventType string) string {
	k := nameKey{service, eventType}
	c.mu.RLock()
	name, ok := c.m[k]
	c.mu.RUnlock()
	if ok {
		return name
	}
	name = EventName(service, eventType)
	c.mu.Lock()
	if c.m == nil {
		c.m = make(map[nameKey]string)
	}
	if len(c.m) < maxNames {
		c.m[k] = name
	}
	c.mu.Unlock()
	return name
}

// New returns the Mapper of opts (opts.Format validated by the caller).
func New(opts Options) *Mapper {
	format := opts.Format
	if format == "" {
		format = FormatRaw
	}
	return &Mapper{format: format, semconv: opts.SemanticConventions, original: opts.PreserveOriginalEvent}
}

// Format is the Mapper's format.
func (m *Mapper) Format() Format { return m.format }

// Map fills lr from ev: timestamp, EventName, severity, body and attributes. It returns why
// the event could not be mapped entirely, if any, and names it in the record's
// AttrMappingError; the event is never dropped. An event that is not a JSON object keeps the
// raw body; a field of an unexpected type is left out of the mapped body and attributes.
func (m *Mapper) Map(ev *jumpcloud.Event, lr plog.LogRecord) error {
	if !ev.Timestamp.IsZero() {
		lr.SetTimestamp(pcommon.NewTimestampFromTime(ev.Timestamp))
	}
	lr.SetEventName(m.names.get(ev.Service, ev.EventType))
	if ev.Outcome() == jumpcloud.OutcomeFailure {
		lr.SetSeverityNumber(severityWarn)
		lr.SetSeverityText("WARN")
	} else {
		lr.SetSeverityNumber(severityInfo)
		lr.SetSeverityText("INFO")
	}
	attrs := lr.Attributes()
	attrs.EnsureCapacity(4)
	putCommonAttributes(ev, attrs)
	if m.format == FormatRaw && !m.semconv {
		setRawBody(ev, lr.Body())
		return nil
	}
	p, _ := m.parsers.Get().(*parser)
	if p == nil {
		p = &parser{rest: pcommon.NewMap()}
	}
	defer m.parsers.Put(p)
	v, err := p.p.ParseBytes(ev.Raw)
	if err == nil && v.Type() != fastjson.TypeObject {
		err = fmt.Errorf("the event is a JSON %s, not an object", v.Type())
	}
	if err != nil {
		return m.failed(ev, lr, err)
	}
	r := &reader{v: v, original: m.original, a: newArena(ev.Raw, &p.scratch)}
	switch m.format {
	case FormatECS:
		mapECS(r, ev, lr.Body().SetEmptyMap(), p.rest)
	case FormatOCSF:
		mapOCSF(r, ev, lr.Body().SetEmptyMap())
	default:
		// raw with semantic conventions: the body shares the arena of the attributes.
		lr.Body().SetStr(r.a.text(ev.Raw))
	}
	if m.semconv {
		mapSemconv(r, ev, attrs)
	}
	if err := r.err(); err != nil {
		// Fields of unexpected types were left out; the rest is mapped.
		attrs.PutStr(AttrMappingError, err.Error())
		return err
	}
	return nil
}

// failed turns lr into the raw record of ev, marked with the mapping error.
func (m *Mapper) failed(ev *jumpcloud.Event, lr plog.LogRecord, err error) error {
	setRawBody(ev, lr.Body())
	attrs := lr.Attributes()
	attrs.Clear()
	putCommonAttributes(ev, attrs)
	attrs.PutStr(AttrMappingError, err.Error())
	return err
}

// putCommonAttributes sets the attributes every record carries (those the event has).
func putCommonAttributes(ev *jumpcloud.Event, attrs pcommon.Map) {
	if ev.ID != "" {
		attrs.PutStr(AttrEventID, ev.ID)
	}
	if ev.Service != "" {
		attrs.PutStr(AttrService, ev.Service)
	}
	if ev.EventType != "" {
		attrs.PutStr(AttrEventType, ev.EventType)
	}
	if ev.Organization != "" {
		attrs.PutStr(AttrOrganization, ev.Organization)
	}
}

// maxNamePart bounds each part of an EventName: a hostile or broken event type must not make
// names of unbounded size.
const maxNamePart = 64

// EventName is the record's EventName: "jumpcloud.<service>.<event_type>", each part lower
// case with every character other than a-z, 0-9 and _ replaced by _, at most 64 characters,
// "unknown" when absent (e.g. jumpcloud.directory.user_update, jumpcloud.sso.sso_auth). Its
// cardinality is that of JumpCloud's event types.
func EventName(service, eventType string) string {
	var b strings.Builder
	b.Grow(len("jumpcloud..") + len(service) + len(eventType))
	b.WriteString("jumpcloud.")
	writeNamePart(&b, service)
	b.WriteByte('.')
	writeNamePart(&b, eventType)
	return b.String()
}

func writeNamePart(b *strings.Builder, s string) {
	if s == "" {
		b.WriteString("unknown")
		return
	}
	for i := 0; i < len(s) && i < maxNamePart; i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			b.WriteByte(c + ('a' - 'A'))
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '_':
			b.WriteByte(c)
		default:
			b.WriteByte('_')
		}
	}
}
