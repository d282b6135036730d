package mapping // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/mapping"

import (
	"net/netip"
	"strings"

	"github.com/valyala/fastjson"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
)

// The ecs format (docs/format-ecs.md): the body is an Elastic Common Schema 8.11 document, a
// map of nested maps, that the contrib elasticsearch exporter indexes as it is (mapping mode
// bodymap, set by the receiver as a scope attribute). For the same event it holds every field
// that Elastic's own JumpCloud integration (ingest pipeline of packages/jumpcloud, data stream
// events) sets, with the same value, so that dashboards and rules written for that integration
// work on it; and more: event.kind/category/type for every event type, geo from JumpCloud's
// geoip, the target as user.target.*, group.* or host.*, and related.* from every user, IP and
// host of the event. What no ECS field holds stays under jumpcloud.event.* as Elastic keeps it.
//
// The event is read in one pass over its members (fastjson, already decoded by Map): each
// member is either taken for an ECS field, or copied under jumpcloud.event, or both; then the
// ECS fields are written. Absent stays absent: a null, an empty string or an empty object or
// array is never written. A member of an unexpected JSON type is left out and noted as a
// problem of the reader (the record then carries jumpcloud.mapping.error).

// Values that are the same in every document.
const (
	// ecsVersion is the version of ECS the documents follow, Elastic's integration's.
	ecsVersion = "8.11.0"
	// ecsDataset is event.dataset: the data stream of Elastic's integration, which its
	// dashboards filter on (the agent sets it there; no JumpCloud field holds it).
	ecsDataset = "jumpcloud.events"
	ecsKind    = "event"
)

// mapECS builds the ECS document of the event into body; rest, empty, gathers jumpcloud.event
// and is left empty.
func mapECS(r *reader, ev *jumpcloud.Event, body, rest pcommon.Map) {
	d := ecsDoc{r: r, ev: ev, rest: rest}
	d.read(mustObject(r))
	d.write(body)
}

// ecsDoc is one event being mapped: what the pass over its members took for the ECS fields,
// and the members kept for jumpcloud.event.
type ecsDoc struct {
	r    *reader
	ev   *jumpcloud.Event
	rest pcommon.Map // jumpcloud.event

	// path is the member being read, for the problems' names.
	path  [8]string
	depth int
	// lastBytes and lastString are the last string value converted: a member taken for an ECS
	// field and kept under jumpcloud.event too is converted once.
	lastBytes  []byte
	lastString string

	// Top-level members.
	id, timestamp, message, username, processName, organization, errorMessage string
	clientIP, srcIP                                                           string // valid IPs only
	// initiated_by: the actor.
	actorID, actorEmail, actorName string
	// resource: the target.
	targetID, targetType, targetUsername, targetName, targetDisplay, targetEmail, targetHostname string
	// system: the host the event happened on.
	systemID, systemHostname, systemDisplay string
	// outer: the outer tunnel of a RADIUS EAP authentication.
	outerError, outerUsername string
	// Addresses of the JumpCloud Protect device and the RADIUS NAS (related.ip).
	protectIP, contextProtectIP, metaProtectIP, nasIP string
	geo                                               ecsGeo
	// useragent (Elastic's source) and user_agent (password manager, reports), each either
	// parsed by JumpCloud or its header text.
	useragent, userAgent         ecsUserAgent
	useragentText, userAgentText string
}

// ecsGeo is JumpCloud's geoip: its own lookup of client_ip.
type ecsGeo struct {
	country, continent, region, regionName, timezone string
	lat, lon                                         float64
	hasLat, hasLon                                   bool
}

// ecsUserAgent is a user agent as JumpCloud parses it.
type ecsUserAgent struct {
	name, version, major, minor, patch, device               string
	os, osName, osFull, osVersion, osMajor, osMinor, osPatch string
}

// Reading: one pass over the event's members.

// read takes the event's members for the ECS fields and keeps the rest under jumpcloud.event,
// as Elastic's pipeline does: it removes what it maps (id, timestamp, client_ip, src_ip,
// message, username, useragent, event_type, service, process_name, system.id and .hostname,
// initiated_by.id, .email and .username) and renames @version to version.
func (d *ecsDoc) read(o *fastjson.Object) {
	// Room for the members kept: all but those the decoder found and read takes (more room
	// than needed for the others it takes, less waste than room for all).
	taken := 0
	for _, found := range [...]bool{d.ev.ID != "", !d.ev.Timestamp.IsZero(), d.ev.Service != "", d.ev.EventType != ""} {
		if found {
			taken++
		}
	}
	d.rest.EnsureCapacity(max(o.Len()-taken, 1))
	o.Visit(func(key []byte, v *fastjson.Value) {
		if jcSkipped(v) {
			return
		}
		switch string(key) {
		case "@version":
			d.keep(d.rest, "version", v, jcKeywordField)
		case "id":
			d.id = d.text(v, "id")
		case "timestamp":
			d.timestamp = d.str(v, "timestamp")
			if d.ev.Timestamp.IsZero() {
				// Not a time: @timestamp is absent, the text stays where it was.
				d.keep(d.rest, "timestamp", v, jcStringField)
			}
		case "client_ip":
			d.clientIP = d.ip(v, "client_ip")
		case "src_ip":
			d.srcIP = d.ip(v, "src_ip")
		case "message":
			d.message = d.str(v, "message")
		case "username":
			d.username = d.str(v, "username")
		case "process_name":
			d.processName = d.str(v, "process_name")
		case "event_type":
			// event.action and event.module come from ev; a JSON type other than a string is
			// noted all the same.
			d.str(v, "event_type")
		case "service":
			d.str(v, "service")
		case "organization":
			d.organization = d.strv(v)
			d.keep(d.rest, "organization", v, jcKeywordField)
		case "error_message":
			d.errorMessage = d.strv(v)
			d.keep(d.rest, "error_message", v, jcKeywordField)
		case "initiated_by":
			d.readActor(v)
		case "resource":
			d.readTarget(v)
		case "system":
			d.readSystem(v)
		case "geoip":
			d.readGeo(v)
		case "outer":
			d.readOuter(v)
		case "useragent":
			d.readUserAgent(v, jcUseragent, &d.useragent, &d.useragentText, false)
		case "user_agent":
			d.readUserAgent(v, jcUserAgent, &d.userAgent, &d.userAgentText, true)
		case "changes":
			d.readChanges(v)
		case "jumpcloud_protect_device":
			d.protectIP = d.nestedIP(v, "ip")
			d.keep(d.rest, "jumpcloud_protect_device", v, jcProtectDevice)
		case "auth_context":
			d.contextProtectIP = d.nestedIP(v, "jumpcloud_protect_device", "ip")
			d.keep(d.rest, "auth_context", v, jcAuthContext)
		case "auth_meta":
			d.metaProtectIP = d.nestedIP(v, "jumpcloud_protect_device", "ip")
			d.nasIP = d.nestedIP(v, "nas_ip")
			d.keep(d.rest, "auth_meta", v, jcAuthMeta)
		default:
			f := jcTop.member(key)
			d.keep(d.rest, jcKeyName(&d.r.a, key, f), v, f)
		}
	})
}

// readActor takes initiated_by (the actor: source.user.*, user.*) and keeps the rest of it.
func (d *ecsDoc) readActor(v *fastjson.Value) {
	d.readObject(v, jcActor, true, func(key string, m *fastjson.Value) bool {
		switch key {
		case "id":
			d.actorID, _ = text(&d.r.a, m)
		case "email":
			d.actorEmail = d.strv(m)
		case "username":
			d.actorName = d.strv(m)
		default:
			return true
		}
		return false // mapped: Elastic removes it
	})
}

// readTarget takes resource (the target: user.target.*, group.* or host.*) and keeps all of
// it, as Elastic does.
func (d *ecsDoc) readTarget(v *fastjson.Value) {
	d.readObject(v, jcTarget, true, func(key string, m *fastjson.Value) bool {
		switch key {
		case "id":
			d.targetID, _ = text(&d.r.a, m)
		case "type":
			d.targetType = d.strv(m)
		case "username":
			d.targetUsername = d.strv(m)
		case "name":
			d.targetName = d.strv(m)
		case "displayName":
			d.targetDisplay = d.strv(m)
		case "email":
			d.targetEmail = d.strv(m)
		case "hostname":
			d.targetHostname = d.strv(m)
		}
		return true
	})
}

// readSystem takes system (host.*) and keeps the rest of it.
func (d *ecsDoc) readSystem(v *fastjson.Value) {
	d.readObject(v, jcSystem, true, func(key string, m *fastjson.Value) bool {
		switch key {
		case "id":
			d.systemID, _ = text(&d.r.a, m)
			return false
		case "hostname":
			d.systemHostname = d.strv(m)
			return false
		case "displayName":
			d.systemDisplay = d.strv(m)
		}
		return true
	})
}

// readGeo takes geoip (client.geo or source.geo) and keeps all of it.
func (d *ecsDoc) readGeo(v *fastjson.Value) {
	g := &d.geo
	d.readObject(v, jcGeo, true, func(key string, m *fastjson.Value) bool {
		switch key {
		case "country_code":
			g.country = d.strv(m)
		case "continent_code":
			g.continent = d.strv(m)
		case "region_code":
			g.region = d.strv(m)
		case "region_name":
			g.regionName = d.strv(m)
		case "timezone":
			g.timezone = d.strv(m)
		case "latitude":
			g.lat, g.hasLat = number(m)
		case "longitude":
			g.lon, g.hasLon = number(m)
		}
		return true
	})
}

// readOuter takes the outer tunnel's error and username of a RADIUS event and keeps all of it.
func (d *ecsDoc) readOuter(v *fastjson.Value) {
	d.readObject(v, jcOuter, true, func(key string, m *fastjson.Value) bool {
		switch key {
		case "error_message":
			d.outerError = d.strv(m)
		case "username":
			d.outerUsername = d.strv(m)
		}
		return true
	})
}

// readUserAgent takes a user agent (the member f.name): an object parsed by JumpCloud or, from
// some services, the header text. kept is whether jumpcloud.event keeps the object: Elastic
// removes useragent but knows nothing of user_agent. A text is never kept (user_agent.original
// holds it, and a text where other events have an object would break the index's mapping).
func (d *ecsDoc) readUserAgent(v *fastjson.Value, f *jcField, ua *ecsUserAgent, text *string, kept bool) {
	switch v.Type() {
	case fastjson.TypeString:
		*text, _ = str(&d.r.a, v)
		return
	case fastjson.TypeObject:
	default:
		d.r.problem(v, "an object or a string", []string{f.name})
		return
	}
	d.readObject(v, f, kept, func(key string, m *fastjson.Value) bool {
		s := d.strv(m)
		switch key {
		case "name":
			ua.name = s
		case "version":
			ua.version = s
		case "major":
			ua.major = s
		case "minor":
			ua.minor = s
		case "patch":
			ua.patch = s
		case "device":
			ua.device = s
		case "os":
			ua.os = s
		case "os_name":
			ua.osName = s
		case "os_full":
			ua.osFull = s
		case "os_version":
			ua.osVersion = s
		case "os_major":
			ua.osMajor = s
		case "os_minor":
			ua.osMinor = s
		case "os_patch":
			ua.osPatch = s
		}
		return true
	})
}

// readChanges keeps changes as data that no change can make conflict with another in an
// index: every from and to as a string (a JSON string as it is, any other value as its compact
// JSON text), the other members as sent. Elastic's template types from/to as boolean, which
// JumpCloud's values (strings, numbers, objects) break (elastic/integrations#8253).
func (d *ecsDoc) readChanges(v *fastjson.Value) {
	d.push("changes")
	defer d.pop()
	if v.Type() != fastjson.TypeArray {
		d.r.problem(v, "an array", d.keys())
		return
	}
	a, _ := v.Array()
	s := d.rest.PutEmptySlice("changes")
	s.EnsureCapacity(len(a))
	for _, c := range a {
		if c.Type() == fastjson.TypeNull {
			continue
		}
		if c.Type() != fastjson.TypeObject {
			d.r.problem(c, "an object", d.keys())
			continue
		}
		if !d.readChange(s.AppendEmpty().SetEmptyMap(), c) {
			jcDropEmptyTail(s)
		}
	}
	if s.Len() == 0 {
		d.rest.Remove("changes")
	}
}

// readChange fills m with one change; false when nothing is kept.
func (d *ecsDoc) readChange(m pcommon.Map, c *fastjson.Value) bool {
	o, _ := c.Object()
	m.EnsureCapacity(o.Len())
	o.Visit(func(key []byte, x *fastjson.Value) {
		switch string(key) {
		case "from", "to":
			// Elastic drops empty values before anything else: an empty from stays absent.
			if !jcEmpty(x) {
				m.PutStr(jcKeyName(&d.r.a, key, jcChange.member(key)), jsonText(&d.r.a, x))
			}
		default:
			if !jcSkipped(x) {
				f := jcChange.member(key)
				d.keep(m, jcKeyName(&d.r.a, key, f), x, f)
			}
		}
	})
	return m.Len() > 0
}

// readObject visits the members of the object v, the member f.name of the event: take is
// called with each member of the JSON type that f declares and returns whether jumpcloud.event
// keeps it (when kept: else the object is left out of it). v of another type is a problem, and
// left out.
func (d *ecsDoc) readObject(v *fastjson.Value, f *jcField, kept bool, take func(key string, m *fastjson.Value) bool) {
	d.push(f.name)
	defer d.pop()
	if !d.accept(v, f) {
		return
	}
	if v.Type() != fastjson.TypeObject {
		// An array where JumpCloud documents an object (accept checks arrays element by
		// element): nothing is taken from it, it is kept as sent.
		if kept {
			d.keep(d.rest, f.name, v, f)
		}
		return
	}
	o, _ := v.Object()
	var dst pcommon.Map
	if kept {
		dst = d.rest.PutEmptyMap(f.name)
		dst.EnsureCapacity(o.Len())
	}
	o.Visit(func(key []byte, m *fastjson.Value) {
		if jcSkipped(m) {
			return
		}
		mf := f.member(key)
		k := jcKeyName(&d.r.a, key, mf)
		d.push(k)
		ok := d.accept(m, mf)
		d.pop()
		if ok && take(k, m) && kept {
			d.keep(dst, k, m, mf)
		}
	})
	if kept && dst.Len() == 0 {
		d.rest.Remove(f.name)
	}
}

// strv is v when it is a non-empty string, else "".
func (d *ecsDoc) strv(v *fastjson.Value) string {
	if v.Type() != fastjson.TypeString {
		return ""
	}
	b, _ := v.StringBytes()
	return d.string(b)
}

// string is the string of the bytes b of a string value, converted once for two uses in a row
// (same bytes of the parser's buffer).
func (d *ecsDoc) string(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) == len(d.lastBytes) && &b[0] == &d.lastBytes[0] {
		return d.lastString
	}
	d.lastBytes, d.lastString = b, d.r.a.string(b)
	return d.lastString
}

// str is v when it is a non-empty string (the member key of the event); another type is a
// problem.
func (d *ecsDoc) str(v *fastjson.Value, key string) string {
	if v.Type() != fastjson.TypeString {
		d.r.problem(v, "a string", []string{key})
		return ""
	}
	return d.strv(v)
}

// text is v when it is a non-empty string, or a number's JSON text (ids are sometimes numbers);
// another type is a problem.
func (d *ecsDoc) text(v *fastjson.Value, key string) string {
	s, ok := text(&d.r.a, v)
	if !ok && v.Type() != fastjson.TypeString {
		d.r.problem(v, "a string", []string{key})
	}
	return s
}

// ip is the string v when it is an IP address (client.ip, source.ip are of type ip in
// Elasticsearch); a string that is not one is kept under jumpcloud.event (where Elastic's
// pipeline would have failed), another type is a problem.
func (d *ecsDoc) ip(v *fastjson.Value, key string) string {
	s := d.str(v, key)
	if s == "" {
		return ""
	}
	if ecsValidIP(s) {
		return s
	}
	d.rest.PutStr(key, s)
	return ""
}

// nestedIP is the IP address at keys inside v, "" when absent or not an IP (the member is
// kept and checked as a whole).
func (d *ecsDoc) nestedIP(v *fastjson.Value, keys ...string) string {
	if s, ok := str(&d.r.a, v, keys...); ok && ecsValidIP(s) {
		return s
	}
	return ""
}

// ecsValidIP reports whether s is an IP address that an Elasticsearch ip field takes (no IPv6
// zone).
func ecsValidIP(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Zone() == ""
}

// The problems' path.

// push enters the member key (a path deeper than path's room keeps counting, unnamed).
func (d *ecsDoc) push(key string) {
	if d.depth < len(d.path) {
		d.path[d.depth] = key
	}
	d.depth++
}

// pop leaves the member entered last.
func (d *ecsDoc) pop() { d.depth-- }

// keys is the path of the member being read.
func (d *ecsDoc) keys() []string { return d.path[:min(d.depth, len(d.path))] }

// Keeping members under jumpcloud.event.

// jcKind is the JSON type that a member of jumpcloud.event must have so that no document
// conflicts with the index's mapping: that of Elastic's template (fields.yml of the
// integration) or of JumpCloud's documentation.
type jcKind uint8

const (
	// jcAny: not declared, kept as sent.
	jcAny jcKind = iota
	// jcKeyword: a string, number or boolean (Elasticsearch keeps a number's text).
	jcKeyword
	// jcString: a string (a member that an ECS field of type keyword or ip takes).
	jcString
	// jcBool: a boolean.
	jcBool
	// jcNumber: a number (long or float).
	jcNumber
	// jcObject: an object, whose declared members are checked in turn.
	jcObject
)

// want names the JSON type of k in a problem.
func (k jcKind) want() string {
	switch k {
	case jcKeyword, jcString:
		return "a string"
	case jcBool:
		return "a boolean"
	case jcNumber:
		return "a number"
	}
	return "an object"
}

// jcField is a member of jumpcloud.event that the mapping knows: its JSON type and, for an
// object, its known members. Its name is also the key written, so that known keys cost no
// allocation.
type jcField struct {
	name   string
	kind   jcKind
	fields map[string]*jcField
}

// member is the declared member key of f, nil when f declares none.
func (f *jcField) member(key []byte) *jcField {
	if f == nil {
		return nil
	}
	return f.fields[string(key)]
}

// named is a copy of f under another key.
func (f *jcField) named(name string) *jcField {
	c := *f
	c.name = name
	return &c
}

// jcKeyName is the key of a member: the declared name, else the key as sent.
func jcKeyName(a *arena, key []byte, f *jcField) string {
	if f != nil {
		return f.name
	}
	return a.string(key)
}

// jcSkipped reports whether v is a value that Elastic's pipeline drops first: null or "".
func jcSkipped(v *fastjson.Value) bool {
	switch v.Type() {
	case fastjson.TypeNull:
		return true
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		return len(b) == 0
	}
	return false
}

// accept reports whether v has the JSON type that f declares (an array: elements are checked
// one by one); another is a problem at the current path.
func (d *ecsDoc) accept(v *fastjson.Value, f *jcField) bool {
	if f == nil || f.kind == jcAny {
		return true
	}
	ok := false
	switch v.Type() {
	case fastjson.TypeArray:
		ok = true
	case fastjson.TypeObject:
		ok = f.kind == jcObject
	case fastjson.TypeString:
		ok = f.kind == jcKeyword || f.kind == jcString
	case fastjson.TypeNumber:
		ok = f.kind == jcKeyword || f.kind == jcNumber
	case fastjson.TypeTrue, fastjson.TypeFalse:
		ok = f.kind == jcKeyword || f.kind == jcBool
	}
	if !ok {
		d.r.problem(v, f.kind.want(), d.keys())
	}
	return ok
}

// keep copies the member k: v into dst as Elastic keeps it: without nulls, empty strings and
// empty objects or arrays (recursively), checked against f.
func (d *ecsDoc) keep(dst pcommon.Map, k string, v *fastjson.Value, f *jcField) {
	if jcSkipped(v) {
		return
	}
	d.push(k)
	if d.accept(v, f) && !d.fill(dst.PutEmpty(k), v, f) {
		dst.Remove(k)
	}
	d.pop()
}

// fill sets dst to v (accepted, not skipped); false when nothing was kept (an object or array
// of empty values).
func (d *ecsDoc) fill(dst pcommon.Value, v *fastjson.Value, f *jcField) bool {
	switch v.Type() {
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		dst.SetStr(d.string(b))
	case fastjson.TypeNumber:
		setNumber(&d.r.a, dst, v)
	case fastjson.TypeTrue:
		dst.SetBool(true)
	case fastjson.TypeFalse:
		dst.SetBool(false)
	case fastjson.TypeObject:
		o, _ := v.Object()
		m := dst.SetEmptyMap()
		m.EnsureCapacity(o.Len())
		o.Visit(func(key []byte, x *fastjson.Value) {
			if !jcSkipped(x) {
				mf := f.member(key)
				d.keep(m, jcKeyName(&d.r.a, key, mf), x, mf)
			}
		})
		return m.Len() > 0
	case fastjson.TypeArray:
		// An array of f: Elasticsearch maps each element as the field itself.
		a, _ := v.Array()
		s := dst.SetEmptySlice()
		s.EnsureCapacity(len(a))
		for _, e := range a {
			if jcSkipped(e) || !d.accept(e, f) {
				continue
			}
			if !d.fill(s.AppendEmpty(), e, f) {
				jcDropEmptyTail(s)
			}
		}
		return s.Len() > 0
	}
	return true
}

// jcDropEmptyTail removes the last element of s, which was left empty.
func jcDropEmptyTail(s pcommon.Slice) {
	n := s.Len()
	i := 0
	s.RemoveIf(func(pcommon.Value) bool {
		i++
		return i == n
	})
}

// jcEmpty reports whether Elastic's pipeline drops v as empty: null, "", or an object or
// array of only empty values.
func jcEmpty(v *fastjson.Value) bool {
	switch v.Type() {
	case fastjson.TypeNull:
		return true
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		return len(b) == 0
	case fastjson.TypeObject:
		o, _ := v.Object()
		empty := true
		o.Visit(func(_ []byte, x *fastjson.Value) {
			empty = empty && jcEmpty(x)
		})
		return empty
	case fastjson.TypeArray:
		a, _ := v.Array()
		for _, x := range a {
			if !jcEmpty(x) {
				return false
			}
		}
		return true
	}
	return false
}

// The members of jumpcloud.event that the mapping checks: those Elastic's template types
// (a member of another JSON type would make Elasticsearch reject the whole document), the
// objects JumpCloud documents (a text where other events have an object is as fatal), and
// frequent keys declared only so that their names are not allocated for every event.
var (
	jcKeywordField = &jcField{kind: jcKeyword}
	jcStringField  = &jcField{kind: jcString}

	jcGeo = jcObj("geoip", jcKw("continent_code"), jcKw("country_code"), jcNum("latitude"),
		jcNum("longitude"), jcKw("region_code"), jcKw("region_name"), jcKw("timezone"))
	jcActor = jcObj("initiated_by", jcKw("id"), jcStr("email"), jcStr("username"), jcKw("type"),
		jcKw("source"), jcKw("user_id"), jcBoolean("administrator"))
	jcTarget = jcObj("resource", jcKw("id"), jcKw("type"), jcKw("username"), jcKw("name"),
		jcKw("displayName"), jcKw("email"), jcKw("email_type"), jcKw("recipient_email"),
		jcKw("hostname"), jcKw("context"), jcKw("source_id"), jcKw("source_type"),
		jcKw("reference_id"), jcKw("description"))
	jcSystem = jcObj("system", jcKw("id"), jcStr("hostname"), jcKw("displayName"), jcKw("type"))
	jcOuter  = jcObj("outer", jcKw("eap_type"), jcKw("error_message"), jcKw("username"))
	// jcUserAgent: useragent and user_agent.
	jcUserAgent = jcObj("user_agent", jcStr("name"), jcStr("version"), jcStr("major"),
		jcStr("minor"), jcStr("patch"), jcKw("build"), jcStr("device"), jcStr("os"),
		jcStr("os_name"), jcStr("os_full"), jcStr("os_version"), jcStr("os_major"),
		jcStr("os_minor"), jcStr("os_patch"))
	jcUseragent     = jcUserAgent.named("useragent")
	jcChange        = jcObj("", jcKw("field"), jcKw("from"), jcKw("to"))
	jcAuthMethods   = jcObj("auth_methods", jcMethod("jumpcloud_protect"), jcMethod("duo"), jcMethod("totp"), jcMethod("password"), jcMethod("webauthn"))
	jcProtectDevice = jcObj("jumpcloud_protect_device", jcKw("app_version"), jcGeo, jcKw("id"),
		jcKw("ip"), jcKw("make"), jcKw("model"), jcKw("os"), jcKw("os_version"),
		jcKw("user_id"), jcKw("username"))
	jcEndpoint    = []*jcField{jcKw("name"), jcKw("object_id"), jcKw("type")}
	jcAuthMeta    = jcObj("auth_meta", jcAuthMethods, jcProtectDevice, jcKw("nas_ip"), jcKw("nas_identifier"))
	jcAuthContext = jcObj("auth_context", jcAuthMethods, jcProtectDevice,
		jcObj("policies_applied", jcKw("id"), jcKw("name"),
			jcObj("metadata", jcKw("action"), jcKw("resource_type"))))

	// jcTop: the members of the event not taken apart by read.
	jcTop = jcObj("",
		// Elastic's template.
		jcObj("application", jcKw("display_label"), jcKw("id"), jcKw("name"), jcKw("sso_url"), jcKw("sso_type")),
		jcKw("attr"), jcKw("auth_method"), jcKw("base"), jcKw("connection_id"), jcNum("deref"),
		jcKw("dn"), jcNum("error_code"), jcKw("filter"), jcBoolean("idp_initiated"), jcKw("mech"),
		jcBoolean("mfa"), jcNum("number_of_results"), jcNum("operation_number"),
		jcKw("operation_type"), jcKw("provider"), jcNum("scope"), jcBoolean("start_tls"),
		jcBoolean("sso_token_success"), jcBoolean("success"), jcKw("system_timestamp"),
		jcBoolean("tls_established"),
		jcObj("association", jcKw("action_source"), jcKw("op"),
			jcObj("connection", jcObj("from", jcEndpoint...), jcObj("to", jcEndpoint...))),
		jcObj("mfa_meta", jcKw("type")),
		// Objects of JumpCloud's documentation.
		jcObj("correlation", jcKw("id"), jcKw("type")), jcObj("workflow"), jcObj("windows_meta"),
		jcObj("command"), jcObj("system_group"), jcObj("target_resource"), jcObj("message_chain"),
		// Frequent keys.
		jcAnyField("pid"), jcAnyField("access_request_id"), jcAnyField("category"),
		jcAnyField("severity"), jcAnyField("detail"), jcAnyField("mdm_type"),
		jcAnyField("mdm_device_id"), jcAnyField("device_manager_object_id"),
		jcAnyField("command_uuid"), jcAnyField("request_type"), jcAnyField("status"),
		jcAnyField("error_chain"), jcAnyField("result"), jcAnyField("name"), jcAnyField("type"),
		jcAnyField("description"), jcAnyField("channel_object_id"), jcAnyField("config"),
		jcAnyField("nas_mfa_state"), jcAnyField("auth_type"), jcAnyField("eap_type"),
		jcAnyField("app_management_source"), jcAnyField("referrer_object_id"),
		jcAnyField("referrer_type"), jcAnyField("object_storage_item_object_id"),
		jcAnyField("object_storage_item_version_object_id"),
		jcAnyField("object_storage_item_version_name"),
		jcAnyField("object_storage_item_version_size"),
		jcAnyField("object_storage_item_version_sha_256_sum"),
		jcAnyField("total_software_item_count"), jcAnyField("total_space_used"),
		jcAnyField("system_object_id"),
	)
)

// jcObj declares an object and its known members (none: any member, as sent).
func jcObj(name string, members ...*jcField) *jcField {
	f := &jcField{name: name, kind: jcObject}
	if len(members) > 0 {
		f.fields = make(map[string]*jcField, len(members))
		for _, m := range members {
			f.fields[m.name] = m
		}
	}
	return f
}

// jcKw declares a keyword member: a string, number or boolean.
func jcKw(name string) *jcField { return &jcField{name: name, kind: jcKeyword} }

// jcStr declares a string member.
func jcStr(name string) *jcField { return &jcField{name: name, kind: jcString} }

// jcNum declares a number member.
func jcNum(name string) *jcField { return &jcField{name: name, kind: jcNumber} }

// jcBoolean declares a boolean member.
func jcBoolean(name string) *jcField { return &jcField{name: name, kind: jcBool} }

// jcAnyField declares a member of any type, for its name only.
func jcAnyField(name string) *jcField { return &jcField{name: name, kind: jcAny} }

// jcMethod declares an authentication method of auth_methods: {success}.
func jcMethod(name string) *jcField { return jcObj(name, jcBoolean("success")) }

// Writing the document.

// write puts the ECS fields into body, then jumpcloud.event.
func (d *ecsDoc) write(body pcommon.Map) {
	body.EnsureCapacity(16)
	if ts := d.atTimestamp(); ts != "" {
		body.PutStr("@timestamp", ts)
	}
	body.PutEmptyMap("ecs").PutStr("version", ecsVersion)
	d.putEvent(body.PutEmptyMap("event"))
	ecsPutStrs(body, "message", d.message)
	geo := d.geo.any()
	geoOfSource := geo && d.clientIP == "" && d.srcIP != ""
	if d.clientIP != "" || (geo && !geoOfSource) {
		c := ecsMap(body, "client", 2)
		ecsPutStrs(c, "ip", d.clientIP)
		if geo && !geoOfSource {
			d.geo.put(c)
		}
	}
	d.putSource(body, geoOfSource)
	d.putHost(body)
	d.putUser(body)
	if ecsGroupTarget(d.targetType) && ecsAny(d.targetID, d.targetLabel()) {
		ecsPutStrs(ecsMap(body, "group", 2), "id", d.targetID, "name", d.targetLabel())
	}
	d.putUserAgent(body)
	if d.processName != "" {
		body.PutEmptyMap("process").PutStr("name", d.processName)
	}
	if d.organization != "" {
		body.PutEmptyMap("organization").PutStr("id", d.organization)
	}
	d.putRelated(body)
	if d.rest.Len() > 0 {
		d.rest.MoveTo(body.PutEmptyMap("jumpcloud").PutEmptyMap("event"))
	} else {
		d.rest.Clear() // its room may hold removed members: not kept for the next event
	}
}

// atTimestamp is @timestamp: the event's time in UTC, RFC3339 with the digits of its
// fraction of a second as JumpCloud sent them (seconds for radius, milliseconds for directory,
// up to nanoseconds for sso), "" when the event has no valid time.
func (d *ecsDoc) atTimestamp() string {
	if d.ev.Timestamp.IsZero() {
		return ""
	}
	n := ecsFractionDigits(d.timestamp)
	if strings.HasSuffix(d.timestamp, "Z") && n <= 9 && strings.IndexByte(d.timestamp, ',') < 0 {
		return d.timestamp // already so (Go also takes a comma before the fraction)
	}
	return d.ev.Timestamp.UTC().Format(ecsUTCLayouts[min(n, 9)])
}

// ecsUTCLayouts are the RFC3339 layouts by number of digits of the fraction of a second.
var ecsUTCLayouts = [10]string{
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04:05.0Z07:00",
	"2006-01-02T15:04:05.00Z07:00",
	"2006-01-02T15:04:05.000Z07:00",
	"2006-01-02T15:04:05.0000Z07:00",
	"2006-01-02T15:04:05.00000Z07:00",
	"2006-01-02T15:04:05.000000Z07:00",
	"2006-01-02T15:04:05.0000000Z07:00",
	"2006-01-02T15:04:05.00000000Z07:00",
	"2006-01-02T15:04:05.000000000Z07:00",
}

// ecsFractionDigits is the number of digits of the fraction of a second of an RFC3339 time.
func ecsFractionDigits(ts string) int {
	i := strings.IndexAny(ts, ".,")
	if i < 0 {
		return 0
	}
	n := 0
	for i++; i < len(ts) && ts[i] >= '0' && ts[i] <= '9'; i++ {
		n++
	}
	return n
}

// putEvent fills event.*.
func (d *ecsDoc) putEvent(e pcommon.Map) {
	reason := ecsFirst(d.errorMessage, d.outerError)
	// Room for the keys written, no more: kind, category, type, dataset and outcome, the
	// optional ones present, original.
	n := 5 + ecsCount(d.ev.EventType, d.ev.Service, d.id, reason)
	if d.r.original {
		n++
	}
	e.EnsureCapacity(n)
	e.PutStr("kind", ecsKind)
	c := ecsClassify(d.ev.Service, d.ev.EventType)
	ecsPutList(e, "category", c.category)
	ecsPutList(e, "type", c.types...)
	ecsPutStrs(e, "action", d.ev.EventType, "module", d.ev.Service)
	e.PutStr("dataset", ecsDataset)
	ecsPutStrs(e, "id", d.id)
	e.PutStr("outcome", ecsOutcome(d.ev.Outcome()))
	ecsPutStrs(e, "reason", reason)
	if d.r.original {
		e.PutStr("original", validString(d.ev.Raw))
	}
}

// ecsOutcome is event.outcome: success or failure by `success`, else `sso_token_success`,
// unknown without either (Elastic's rule, jumpcloud.Event.Outcome).
func ecsOutcome(o jumpcloud.Outcome) string {
	switch o {
	case jumpcloud.OutcomeSuccess:
		return "success"
	case jumpcloud.OutcomeFailure:
		return "failure"
	}
	return "unknown"
}

// putSource fills source.*: src_ip (a system login's origin), the geo of it when JumpCloud's
// geoip can only be of it, and the actor as source.user (Elastic's rule).
func (d *ecsDoc) putSource(body pcommon.Map, geo bool) {
	hasUser := ecsAny(d.actorID, d.actorEmail, d.actorName)
	if d.srcIP == "" && !geo && !hasUser {
		return
	}
	s := ecsMap(body, "source", 3)
	ecsPutStrs(s, "ip", d.srcIP)
	if geo {
		d.geo.put(s)
	}
	if hasUser {
		ecsPutStrs(ecsMap(s, "user", 3), "id", d.actorID, "email", d.actorEmail, "name", d.actorName)
	}
}

// putHost fills host.*: the system of the event (Elastic: host.id, host.hostname; ours:
// host.name), else a target that is a system.
func (d *ecsDoc) putHost(body pcommon.Map) {
	id, hostname, display := d.systemID, d.systemHostname, d.systemDisplay
	if id == "" && hostname == "" && d.targetType == "system" {
		id, hostname, display = d.targetID, d.targetHostname, d.targetLabel()
	}
	if !ecsAny(id, hostname, display) {
		return
	}
	ecsPutStrs(ecsMap(body, "host", 3), "id", id, "hostname", hostname, "name", ecsFirst(hostname, display))
}

// putUser fills user.*: user.name is username (Elastic's rule), else the actor's username;
// the actor's id and email when username is the actor (an alerts or asset event's username
// may be someone else); user.target the resource when it is a user.
func (d *ecsDoc) putUser(body pcommon.Map) {
	name := ecsFirst(d.username, d.actorName)
	var id, email string
	if d.username == "" || d.username == d.actorName {
		id, email = d.actorID, d.actorEmail
	}
	// A target that is the actor (a login, one's own password) is the user already.
	target := ecsUserTarget(d.targetType) && ecsAny(d.targetID, d.targetLabel(), d.targetEmail) &&
		(d.targetID == "" || d.targetID != d.actorID)
	if !target && !ecsAny(name, id, email) {
		return
	}
	u := ecsMap(body, "user", 4)
	ecsPutStrs(u, "name", name, "id", id, "email", email)
	if target {
		ecsPutStrs(ecsMap(u, "target", 3), "id", d.targetID, "name", d.targetLabel(), "email", d.targetEmail)
	}
}

// targetLabel is the target's name: a user's username, else its name or display name.
func (d *ecsDoc) targetLabel() string {
	if ecsUserTarget(d.targetType) {
		return ecsFirst(d.targetUsername, d.targetName, d.targetDisplay)
	}
	return ecsFirst(d.targetName, d.targetDisplay)
}

// putUserAgent fills user_agent.*: from useragent as Elastic does (device, name, version,
// os_name, os_full, os_version), else from user_agent; where JumpCloud gives no version, its
// parts (major.minor.patch); the header text as user_agent.original.
func (d *ecsDoc) putUserAgent(body pcommon.Map) {
	ua := &d.useragent
	if *ua == (ecsUserAgent{}) {
		ua = &d.userAgent
	}
	original := ecsFirst(d.useragentText, d.userAgentText)
	version := ecsFirst(ua.version, ecsJoinVersion(ua.major, ua.minor, ua.patch))
	osName := ecsFirst(ua.osName, ua.os)
	osVersion := ecsFirst(ua.osVersion, ecsJoinVersion(ua.osMajor, ua.osMinor, ua.osPatch))
	if !ecsAny(original, ua.name, version, ua.device, osName, ua.osFull, osVersion) {
		return
	}
	m := ecsMap(body, "user_agent", 5)
	ecsPutStrs(m, "original", original, "name", ua.name, "version", version)
	if ua.device != "" {
		m.PutEmptyMap("device").PutStr("name", ua.device)
	}
	if ecsAny(osName, ua.osFull, osVersion) {
		ecsPutStrs(ecsMap(m, "os", 3), "name", osName, "full", ua.osFull, "version", osVersion)
	}
}

// ecsJoinVersion joins the parts of a version up to the first absent one: "124.0.6367", "17.4", "".
func ecsJoinVersion(parts ...string) string {
	n := 0
	for n < len(parts) && parts[n] != "" {
		n++
	}
	switch n {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:n], ".")
}

// putRelated fills related.*: Elastic's values first (jumpcloud_protect_device.ip, source.ip;
// source.user.name), then every other IP, user and host of the event, each once.
func (d *ecsDoc) putRelated(body pcommon.Map) {
	var ips, users, hosts ecsSet
	ips.add(d.protectIP, d.srcIP, d.clientIP, d.contextProtectIP, d.metaProtectIP, d.nasIP)
	users.add(d.actorName, d.username, d.actorEmail, d.outerUsername)
	if ecsUserTarget(d.targetType) {
		users.add(d.targetLabel(), d.targetEmail)
	}
	hosts.add(d.systemHostname, d.systemDisplay)
	if d.targetType == "system" {
		hosts.add(d.targetHostname, d.targetLabel())
	}
	if ips.n+users.n+hosts.n == 0 {
		return
	}
	r := ecsMap(body, "related", 3)
	ecsPutList(r, "ip", ips.list()...)
	ecsPutList(r, "user", users.list()...)
	ecsPutList(r, "hosts", hosts.list()...)
}

// ecsUserTarget reports whether a target (resource.type) is a user account: user.target.
func ecsUserTarget(t string) bool { return t == "user" || t == "systemuser" || t == "admin" }

// ecsGroupTarget reports whether a target (resource.type) is a group: group.*.
func ecsGroupTarget(t string) bool { return t == "user_group" || t == "system_group" || t == "group" }

// any reports whether JumpCloud sent any geo value.
func (g *ecsGeo) any() bool {
	return g.hasLat || g.hasLon || ecsAny(g.country, g.continent, g.region, g.regionName, g.timezone)
}

// put fills parent.geo: ECS names, region_iso_code as ISO 3166-2 (US-CO: JumpCloud sends the
// subdivision alone), location when both coordinates are numbers.
func (g *ecsGeo) put(parent pcommon.Map) {
	m := parent.PutEmptyMap("geo")
	m.EnsureCapacity(7)
	ecsPutStrs(m, "country_iso_code", g.country, "continent_code", g.continent)
	if g.region != "" {
		if strings.IndexByte(g.region, '-') > 0 {
			m.PutStr("region_iso_code", g.region)
		} else if g.country != "" {
			m.PutStr("region_iso_code", g.country+"-"+g.region)
		}
	}
	ecsPutStrs(m, "region_name", g.regionName, "timezone", g.timezone)
	if g.hasLat && g.hasLon {
		loc := ecsMap(m, "location", 2)
		loc.PutDouble("lat", g.lat)
		loc.PutDouble("lon", g.lon)
	}
}

// ecsMap puts the object key into parent, with room for n fields.
func ecsMap(parent pcommon.Map, key string, n int) pcommon.Map {
	m := parent.PutEmptyMap(key)
	m.EnsureCapacity(n)
	return m
}

// ecsPutStrs puts each key, value pair of kv whose value is not empty.
func ecsPutStrs(m pcommon.Map, kv ...string) {
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			m.PutStr(kv[i], kv[i+1])
		}
	}
}

// ecsPutList puts the array key of values when there is any.
func ecsPutList(m pcommon.Map, key string, values ...string) {
	if len(values) == 0 {
		return
	}
	s := m.PutEmptySlice(key)
	s.EnsureCapacity(len(values))
	for _, v := range values {
		s.AppendEmpty().SetStr(v)
	}
}

// ecsAny reports whether any of values is not empty.
func ecsAny(values ...string) bool {
	for _, v := range values {
		if v != "" {
			return true
		}
	}
	return false
}

// ecsCount is the number of non-empty values.
func ecsCount(values ...string) int {
	n := 0
	for _, v := range values {
		if v != "" {
			n++
		}
	}
	return n
}

// ecsFirst is the first non-empty of values.
func ecsFirst(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// ecsSet is a small set of non-empty strings in the order added (related.*: a handful each).
type ecsSet struct {
	v [8]string
	n int
}

// add adds each non-empty value not in s yet (beyond s's room, values are dropped).
func (s *ecsSet) add(values ...string) {
next:
	for _, x := range values {
		if x == "" || s.n == len(s.v) {
			continue
		}
		for _, y := range s.v[:s.n] {
			if x == y {
				continue next
			}
		}
		s.v[s.n] = x
		s.n++
	}
}

// list is the values of s in the order added.
func (s *ecsSet) list() []string { return s.v[:s.n] }

// Categorization: event.category and event.type of every event type.

// ecsClass is the event.category and event.type of an event: values of ECS 8.11's allowed
// lists, each type one that ECS expects with the category.
type ecsClass struct {
	category string
	types    []string
}

// The ECS 8.11 categories used.
const (
	ecsCatAuthentication = "authentication"
	ecsCatConfiguration  = "configuration"
	ecsCatFile           = "file"
	ecsCatHost           = "host"
	ecsCatIAM            = "iam"
	ecsCatIntrusion      = "intrusion_detection"
	ecsCatPackage        = "package"
	ecsCatProcess        = "process"
	ecsCatSession        = "session"
)

// ecsVerb is what an event did to its object, read from its event type.
type ecsVerb uint8

const (
	ecsInfo ecsVerb = iota
	ecsCreation
	ecsChange
	ecsDeletion
)

// Event types by verb: plain, of a user account (iam), of a group (iam).
var (
	ecsTypes      = [...][]string{{"info"}, {"creation"}, {"change"}, {"deletion"}}
	ecsUserTypes  = [...][]string{{"user", "info"}, {"user", "creation"}, {"user", "change"}, {"user", "deletion"}}
	ecsGroupTypes = [...][]string{{"group", "info"}, {"group", "creation"}, {"group", "change"}, {"group", "deletion"}}

	ecsTypesAccess       = []string{"access"}
	ecsTypesStart        = []string{"start"}
	ecsTypesEnd          = []string{"end"}
	ecsTypesInstallation = []string{"installation"}

	ecsAuth = ecsClass{ecsCatAuthentication, ecsTypes[ecsInfo]}
)

// ecsVerbs are the words of event types that say what was done (the last one wins:
// integration_default_domain_add creates, passwordmanager_backup_request_restore changes).
var ecsVerbs = map[string]ecsVerb{
	"create": ecsCreation, "created": ecsCreation, "add": ecsCreation, "added": ecsCreation,
	"include": ecsCreation,
	"delete":  ecsDeletion, "deleted": ecsDeletion, "remove": ecsDeletion, "removed": ecsDeletion,
	"exclude": ecsDeletion,
	"update":  ecsChange, "updated": ecsChange, "modify": ecsChange, "modified": ecsChange,
	"change": ecsChange, "changed": ecsChange, "patch": ecsChange, "set": ecsChange,
	"grant": ecsChange, "granted": ecsChange, "revoke": ecsChange, "revoked": ecsChange,
	"activate": ecsChange, "activated": ecsChange, "deactivate": ecsChange,
	"enable": ecsChange, "disable": ecsChange, "suspend": ecsChange, "suspended": ecsChange,
	"unsuspend": ecsChange, "unsuspended": ecsChange, "lockout": ecsChange,
	"unlock": ecsChange, "unlocked": ecsChange, "approve": ecsChange, "approval": ecsChange,
	"reject": ecsChange, "cancel": ecsChange, "assign": ecsChange, "regenerate": ecsChange,
	"restore": ecsChange, "import": ecsChange, "reset": ecsChange, "rename": ecsChange,
	"expired": ecsChange, "move": ecsChange, "reactivate": ecsChange,
}

// ecsVerbOf is the verb of an event type: its last word that is one of ecsVerbs, info without
// any.
func ecsVerbOf(eventType string) ecsVerb {
	for s := eventType; s != ""; {
		i := strings.LastIndexAny(s, "_- .")
		if v, ok := ecsVerbs[s[i+1:]]; ok {
			return v
		}
		if i < 0 {
			break
		}
		s = s[:i]
	}
	return ecsInfo
}

// ecsHasWord reports whether one of the words of eventType is one of words.
func ecsHasWord(eventType string, words ...string) bool {
	for s := eventType; s != ""; {
		i := strings.LastIndexAny(s, "_- .")
		for _, w := range words {
			if s[i+1:] == w {
				return true
			}
		}
		if i < 0 {
			break
		}
		s = s[:i]
	}
	return false
}

// ecsClassify is the category and types of an event by service and event type (the table of
// docs/format-ecs.md). An unknown service or event type still gets a category: never none.
func ecsClassify(service, eventType string) ecsClass {
	// Elastic's integration categorizes eight event types, whatever the service: the same.
	switch eventType {
	case "ldap_bind", "user_login_attempt", "sso_auth", "admin_login_attempt":
		return ecsAuth
	case "user_password_warning_email", "user_password_reset_request", "user_activation_email", "user_unlocked":
		return ecsClass{ecsCatIAM, ecsTypes[ecsInfo]}
	}
	switch service {
	case "directory":
		return ecsClassifyDirectory(eventType)
	case "systems":
		return ecsClassifySystems(eventType)
	case "radius", "sso":
		return ecsAuth
	case "ldap":
		return ecsClass{ecsCatIAM, ecsTypes[ecsInfo]} // searches of the directory
	case "password_manager":
		return ecsClassifyPasswordManager(eventType)
	case "software":
		return ecsClassifySoftware(eventType)
	case "object_storage":
		return ecsClassifyObjectStorage(eventType)
	case "mdm":
		return ecsClassifyMDM(eventType)
	case "alerts":
		if strings.HasPrefix(eventType, "alert_") {
			return ecsClass{ecsCatIntrusion, ecsTypes[ecsInfo]} // alerts raised by rules
		}
		return ecsConfiguration(eventType) // the rules
	case "reports":
		return ecsClassifyReports(eventType)
	case "saas_app_management":
		return ecsClassifySaaS(eventType)
	case "access_management":
		return ecsClassifyAccessManagement(eventType)
	case "workflows", "notifications", "asset_management":
		return ecsConfiguration(eventType)
	}
	if ecsHasWord(eventType, "login", "logon", "auth", "signin", "bind") {
		return ecsAuth
	}
	return ecsConfiguration(eventType)
}

// ecsConfiguration: something configured was created, changed, deleted or looked at.
func ecsConfiguration(eventType string) ecsClass {
	return ecsClass{ecsCatConfiguration, ecsTypes[ecsVerbOf(eventType)]}
}

// ecsUserAccount: something happened to a user account (rest: the event type after its subject,
// e.g. "create", "password_change"). Only the account's own creation and deletion are such;
// anything else (a password, MFA, a schedule) changes the account, but notices and requests.
func ecsUserAccount(rest string) ecsClass {
	switch rest {
	case "create", "created", "create_provision", "signup":
		return ecsClass{ecsCatIAM, ecsUserTypes[ecsCreation]}
	case "delete", "deleted", "delete_provision", "remove":
		return ecsClass{ecsCatIAM, ecsUserTypes[ecsDeletion]}
	}
	if strings.HasSuffix(rest, "_email") || strings.HasSuffix(rest, "_request") {
		return ecsClass{ecsCatIAM, ecsUserTypes[ecsInfo]}
	}
	return ecsClass{ecsCatIAM, ecsUserTypes[ecsChange]}
}

// ecsGroupClass: something happened to a group; adding or removing members changes it.
func ecsGroupClass(rest string) ecsClass {
	switch rest {
	case "create":
		return ecsClass{ecsCatIAM, ecsGroupTypes[ecsCreation]}
	case "delete":
		return ecsClass{ecsCatIAM, ecsGroupTypes[ecsDeletion]}
	}
	return ecsClass{ecsCatIAM, ecsGroupTypes[ecsChange]}
}

// ecsCutAny is s after the first of prefixes it has.
func ecsCutAny(s string, prefixes ...string) (string, bool) {
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(s, p); ok {
			return rest, true
		}
	}
	return "", false
}

// ecsClassifyDirectory: groups and user accounts (iam), associations, commands run, invoices;
// anything else is configuration (applications, policies, systems, integrations, MSP settings).
func ecsClassifyDirectory(t string) ecsClass {
	if rest, ok := ecsCutAny(t, "user_group_", "system_group_", "group_"); ok {
		return ecsGroupClass(rest)
	}
	if rest, ok := ecsCutAny(t, "systemuser_", "user_", "admin_", "totp_"); ok {
		return ecsUserAccount(rest)
	}
	switch t {
	case "association_change":
		return ecsClass{ecsCatIAM, ecsTypes[ecsChange]} // bound to or unbound from a group
	case "command_run":
		return ecsClass{ecsCatProcess, ecsTypesStart}
	case "invoice_download", "mtp_download_invoice":
		return ecsClass{ecsCatFile, ecsTypesAccess}
	}
	// Applications, policies, commands, systems, organizations, integrations, MSP settings.
	return ecsConfiguration(t)
}

// ecsClassifySystems: logins, accounts on the system, remote sessions, the host itself.
func ecsClassifySystems(t string) ecsClass {
	if t == "login_attempt" {
		return ecsAuth
	}
	if rest, ok := strings.CutPrefix(t, "user_"); ok {
		return ecsUserAccount(rest) // lockout, password change on the system
	}
	if rest, ok := strings.CutPrefix(t, "remote_session_"); ok {
		switch rest {
		case "start", "join":
			return ecsClass{ecsCatSession, ecsTypesStart}
		case "end":
			return ecsClass{ecsCatSession, ecsTypesEnd}
		}
		return ecsClass{ecsCatSession, ecsTypes[ecsInfo]}
	}
	switch {
	case strings.HasPrefix(t, "google_emm_"):
		return ecsConfiguration(t)
	case t == "system_fde_key_decrypt":
		return ecsClass{ecsCatHost, ecsTypesAccess}
	case strings.HasPrefix(t, "system_"), strings.HasPrefix(t, "os_"), t == "device_command":
		return ecsClass{ecsCatHost, ecsTypes[ecsChange]} // FDE key, OS upgrade or rollback, command
	}
	return ecsClass{ecsCatHost, ecsTypes[ecsInfo]}
}

// ecsClassifyPasswordManager: unlocks (authentication), secrets, users and groups (iam), the
// rest configuration.
func ecsClassifyPasswordManager(t string) ecsClass {
	rest := strings.TrimPrefix(t, "passwordmanager_")
	switch {
	case strings.HasSuffix(rest, "_unlock"):
		return ecsAuth
	case strings.HasPrefix(rest, "item_"), strings.HasPrefix(rest, "items_"):
		// Secrets: revealed, copied, autofilled, exported (info) or added, changed, removed.
		return ecsClass{ecsCatIAM, ecsTypes[ecsVerbOf(rest)]}
	case strings.HasPrefix(rest, "user_"):
		return ecsUserAccount(rest[len("user_"):])
	case strings.HasPrefix(rest, "folder_member_"), strings.HasPrefix(rest, "sharedfolders_policy_user_"):
		return ecsClass{ecsCatIAM, ecsUserTypes[ecsChange]} // a user's access to shared folders
	case strings.HasPrefix(rest, "folder_group_"), strings.HasPrefix(rest, "sharedfolders_policy_group_"):
		return ecsClass{ecsCatIAM, ecsGroupTypes[ecsChange]}
	}
	return ecsConfiguration(t) // the product, folders, backups, settings
}

// ecsClassifySoftware: software installed, removed or changed on a system (package); an
// administrator's request in the portal (configuration).
func ecsClassifySoftware(t string) ecsClass {
	switch t {
	case "software_add":
		return ecsClass{ecsCatPackage, ecsTypesInstallation}
	case "software_remove":
		return ecsClass{ecsCatPackage, ecsTypes[ecsDeletion]}
	case "software_change":
		return ecsClass{ecsCatPackage, ecsTypes[ecsChange]}
	}
	if strings.HasSuffix(t, "_request") {
		return ecsConfiguration(t) // an admin's request in the portal
	}
	return ecsClass{ecsCatPackage, ecsTypes[ecsInfo]}
}

// ecsClassifyObjectStorage: stored files created, deleted, downloaded or validated (file).
func ecsClassifyObjectStorage(t string) ecsClass {
	switch v := ecsVerbOf(t); {
	case v == ecsCreation, v == ecsDeletion:
		return ecsClass{ecsCatFile, ecsTypes[v]}
	case ecsHasWord(t, "download", "get"):
		return ecsClass{ecsCatFile, ecsTypesAccess}
	}
	return ecsClass{ecsCatFile, ecsTypes[ecsInfo]}
}

// ecsClassifyMDM: device enrollment and command results (host), configuration downloads.
func ecsClassifyMDM(t string) ecsClass {
	switch t {
	case "device_enrollment":
		return ecsClass{ecsCatHost, ecsTypes[ecsChange]} // the device becomes managed
	case "configuration_file_download":
		return ecsClass{ecsCatConfiguration, ecsTypesAccess}
	}
	return ecsClass{ecsCatHost, ecsTypes[ecsInfo]} // command results
}

// ecsClassifyReports: reports previewed (configuration access), exported (file creation) or
// managed (configuration).
func ecsClassifyReports(t string) ecsClass {
	switch t {
	case "report_run":
		return ecsClass{ecsCatConfiguration, ecsTypesAccess}
	case "report_export":
		return ecsClass{ecsCatFile, ecsTypes[ecsCreation]}
	}
	return ecsConfiguration(t)
}

// ecsClassifySaaS: logins captured (authentication), accounts discovered or assigned (iam), the
// rest configuration.
func ecsClassifySaaS(t string) ecsClass {
	rest := strings.TrimPrefix(t, "saas_management_")
	if rest == "login_event" {
		return ecsAuth
	}
	if strings.HasPrefix(rest, "account_") {
		return ecsClass{ecsCatIAM, ecsUserTypes[ecsVerbOf(rest)]} // discovered, assigned, deleted
	}
	return ecsConfiguration(t)
}

// ecsClassifyAccessManagement: access requests and their approval (iam), approval flows and
// settings (configuration).
func ecsClassifyAccessManagement(t string) ecsClass {
	switch t {
	case "access_management_access_request":
		return ecsClass{ecsCatIAM, ecsTypes[ecsInfo]}
	case "access_management_access_request_approval", "access_management_association_change":
		return ecsClass{ecsCatIAM, ecsTypes[ecsChange]}
	}
	return ecsConfiguration(t) // approval flows, settings
}
