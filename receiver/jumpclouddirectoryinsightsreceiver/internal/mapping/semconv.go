package mapping // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/mapping"

import (
	"strings"

	"github.com/valyala/fastjson"
	"go.opentelemetry.io/collector/pdata/pcommon"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
)

// Vendor attributes of semantic_conventions: what the registry has no key for (documented in
// the receiver's README, "Semantic conventions"). The registered keys come from the Go semconv
// package (v1.43.0; the keys used here are the same in the v1.44.0 registry).
const (
	attrActorType          = "jumpcloud.initiated_by.type"
	attrTargetID           = "jumpcloud.target.id"
	attrTargetType         = "jumpcloud.target.type"
	attrTargetName         = "jumpcloud.target.name"
	attrTargetEmail        = "jumpcloud.target.email"
	attrApplicationID      = "jumpcloud.application.id"
	attrApplicationName    = "jumpcloud.application.name"
	attrApplicationLabel   = "jumpcloud.application.display_label"
	attrApplicationSSOType = "jumpcloud.application.sso_type"
	attrSystemID           = "jumpcloud.system.id"
	attrSystemHostname     = "jumpcloud.system.hostname"
	attrSystemDisplayName  = "jumpcloud.system.display_name"
	attrMFAUsed            = "jumpcloud.mfa.used"
	attrMFAMethod          = "jumpcloud.mfa.method"
	attrAuthMethod         = "jumpcloud.auth.method"
	attrAuthProtocol       = "jumpcloud.auth.protocol"
	attrAuthType           = "jumpcloud.auth.type"
	attrEAPType            = "jumpcloud.auth.eap_type"
	attrSuccess            = "jumpcloud.success"
	attrErrorMessage       = "jumpcloud.error_message"
	attrGeoRegionName      = "jumpcloud.geo.region_name"
	attrGeoTimezone        = "jumpcloud.geo.timezone"
)

// errorTypeOther is error.type for a failure that JumpCloud gave no reason for (the
// registry's fallback value).
const errorTypeOther = "_OTHER"

// continents are the values of geo.continent.code (an enum of the registry).
var continents = map[string]bool{"AF": true, "AN": true, "AS": true, "EU": true, "NA": true, "OC": true, "SA": true}

// mapSemconv adds the semantic-convention attributes of the event (semantic_conventions: true):
// the actor (initiated_by, or the authenticating username) as user.*, client.address,
// user_agent.*, geo.* from JumpCloud's geoip, error.type on failure, and the vendor set above.
func mapSemconv(r *reader, ev *jumpcloud.Event, attrs pcommon.Map) {
	// Each object is looked up once (a lookup walks the event's members).
	putStr := func(key string, o *fastjson.Value, parent, member string) {
		if s, ok := r.strIn(o, parent, member); ok {
			attrs.PutStr(key, s)
		}
	}
	putText := func(key string, o *fastjson.Value, parent, member string) {
		if s, ok := r.textIn(o, parent, member); ok {
			attrs.PutStr(key, s)
		}
	}
	// The actor.
	actor := r.object("initiated_by")
	if actor != nil {
		putText(string(semconv.UserIDKey), actor, "initiated_by", "id")
		putStr(string(semconv.UserEmailKey), actor, "initiated_by", "email")
		putStr(attrActorType, actor, "initiated_by", "type")
	}
	if name, ok := r.strIn(actor, "initiated_by", "username"); ok {
		attrs.PutStr(string(semconv.UserNameKey), name)
	} else if name, ok := r.str("username"); ok {
		attrs.PutStr(string(semconv.UserNameKey), name)
	}
	// Where the request came from.
	if ip, ok := r.str("client_ip"); ok {
		attrs.PutStr(string(semconv.ClientAddressKey), ip)
	} else if ip, ok := r.str("src_ip"); ok {
		attrs.PutStr(string(semconv.ClientAddressKey), ip)
	}
	putUserAgent(r, attrs)
	putGeo(r, attrs)
	// The target, application and system.
	if res := r.object("resource"); res != nil {
		putText(attrTargetID, res, "resource", "id")
		putStr(attrTargetType, res, "resource", "type")
		for _, member := range [...]string{"username", "name", "displayName"} {
			if name, ok := r.strIn(res, "resource", member); ok {
				attrs.PutStr(attrTargetName, name)
				break
			}
		}
		putStr(attrTargetEmail, res, "resource", "email")
	}
	app := r.object("application")
	if app != nil {
		putText(attrApplicationID, app, "application", "id")
		putStr(attrApplicationName, app, "application", "name")
		putStr(attrApplicationLabel, app, "application", "display_label")
		putStr(attrApplicationSSOType, app, "application", "sso_type")
	}
	if sys := r.object("system"); sys != nil {
		putText(attrSystemID, sys, "system", "id")
		putStr(attrSystemHostname, sys, "system", "hostname")
		putStr(attrSystemDisplayName, sys, "system", "displayName")
	}
	// Authentication.
	if mfa, ok := r.boolean("mfa"); ok {
		attrs.PutBool(attrMFAUsed, mfa)
	}
	if meta := r.object("mfa_meta"); meta != nil {
		putStr(attrMFAMethod, meta, "mfa_meta", "type")
	}
	if s, ok := r.str("auth_method"); ok {
		attrs.PutStr(attrAuthMethod, s)
	}
	if s, ok := r.str("auth_type"); ok {
		attrs.PutStr(attrAuthType, s)
	}
	if s, ok := r.str("eap_type"); ok {
		attrs.PutStr(attrEAPType, s)
	}
	if p := authProtocol(r, ev, app); p != "" {
		attrs.PutStr(attrAuthProtocol, p)
	}
	// The outcome.
	switch ev.Outcome() {
	case jumpcloud.OutcomeSuccess:
		attrs.PutBool(attrSuccess, true)
	case jumpcloud.OutcomeFailure:
		attrs.PutBool(attrSuccess, false)
		msg, ok := r.str("error_message")
		if !ok {
			msg, ok = r.str("outer", "error_message")
		}
		if ok {
			attrs.PutStr(attrErrorMessage, msg)
			attrs.PutStr(string(semconv.ErrorTypeKey), errorType(msg))
		} else {
			attrs.PutStr(string(semconv.ErrorTypeKey), errorTypeOther)
		}
	}
}

// errorType is error.type for JumpCloud's failure reason: the reason up to its first colon
// ("pap: Crypt digest does not match" -> "pap"), at most 64 characters, so that it stays a
// low-cardinality class; the full text is in jumpcloud.error_message.
func errorType(msg string) string {
	if i := strings.IndexByte(msg, ':'); i > 0 {
		msg = msg[:i]
	}
	msg = strings.TrimSpace(msg)
	if len(msg) > maxNamePart {
		msg = strings.ToValidUTF8(msg[:maxNamePart], "")
	}
	if msg == "" {
		return errorTypeOther
	}
	return msg
}

// authProtocol names the authentication protocol of an authentication event: saml or oidc
// (the application's sso_type), radius, ldap; "" for other events.
func authProtocol(r *reader, ev *jumpcloud.Event, app *fastjson.Value) string {
	switch ev.Service {
	case "sso":
		if app != nil {
			if t, ok := str(&r.a, app, "sso_type"); ok {
				return strings.ToLower(t)
			}
		}
		return "sso"
	case "radius":
		return "radius"
	case "ldap":
		return "ldap"
	}
	return ""
}

// putUserAgent sets user_agent.*: JumpCloud sends a parsed object (useragent; password manager
// and reports: user_agent) or, from some services, the header text, which alone becomes
// user_agent.original.
func putUserAgent(r *reader, attrs pcommon.Map) {
	key := "useragent"
	ua := r.get(key)
	if ua == nil {
		key = "user_agent"
		ua = r.get(key)
	}
	if ua == nil {
		return
	}
	switch ua.Type() {
	case fastjson.TypeString:
		if s, ok := str(&r.a, ua); ok {
			attrs.PutStr(string(semconv.UserAgentOriginalKey), s)
		}
		return
	case fastjson.TypeObject:
	default:
		r.problem(ua, "an object or a string", []string{key})
		return
	}
	if s, ok := r.strIn(ua, key, "name"); ok {
		attrs.PutStr(string(semconv.UserAgentNameKey), s)
	}
	if s, ok := r.strIn(ua, key, "version"); ok {
		attrs.PutStr(string(semconv.UserAgentVersionKey), s)
	} else if s := dotted(r, ua, key, "major", "minor", "patch"); s != "" {
		attrs.PutStr(string(semconv.UserAgentVersionKey), s)
	}
	if s, ok := r.strIn(ua, key, "os_name"); ok {
		attrs.PutStr(string(semconv.UserAgentOSNameKey), s)
	} else if s, ok := r.strIn(ua, key, "os"); ok {
		attrs.PutStr(string(semconv.UserAgentOSNameKey), s)
	}
	if s, ok := r.strIn(ua, key, "os_version"); ok {
		attrs.PutStr(string(semconv.UserAgentOSVersionKey), s)
	} else if s := dotted(r, ua, key, "os_major", "os_minor", "os_patch"); s != "" {
		attrs.PutStr(string(semconv.UserAgentOSVersionKey), s)
	}
}

// dotted joins the version parts of the user agent object ua (the member key of the event:
// major, minor, patch), stopping at the first absent one: "124.0.6367", "17.4", "".
func dotted(r *reader, ua *fastjson.Value, key string, parts ...string) string {
	var buf [64]byte
	b := buf[:0]
	for _, p := range parts {
		s, ok := r.strBytesIn(ua, key, p)
		if !ok {
			break
		}
		if len(b) > 0 {
			b = append(b, '.')
		}
		b = append(b, s...)
	}
	return r.a.string(b)
}

// putGeo sets geo.* from JumpCloud's geoip object (its own lookup of client_ip).
func putGeo(r *reader, attrs pcommon.Map) {
	geo := r.object("geoip")
	if geo == nil {
		return
	}
	country, hasCountry := r.strIn(geo, "geoip", "country_code")
	if hasCountry {
		attrs.PutStr(string(semconv.GeoCountryISOCodeKey), country)
	}
	if c, ok := r.strIn(geo, "geoip", "continent_code"); ok {
		if c = strings.ToUpper(c); continents[c] {
			attrs.PutStr(string(semconv.GeoContinentCodeKey), c)
		}
	}
	if region, ok := r.strIn(geo, "geoip", "region_code"); ok {
		// ISO 3166-2: the country code, a hyphen, the subdivision code (US-CO).
		if hasCountry && !strings.Contains(region, "-") {
			region = r.a.concat(country, "-", region)
		}
		attrs.PutStr(string(semconv.GeoRegionISOCodeKey), region)
	}
	if lat, ok := r.numberIn(geo, "geoip", "latitude"); ok {
		attrs.PutDouble(string(semconv.GeoLocationLatKey), lat)
	}
	if lon, ok := r.numberIn(geo, "geoip", "longitude"); ok {
		attrs.PutDouble(string(semconv.GeoLocationLonKey), lon)
	}
	if s, ok := r.strIn(geo, "geoip", "region_name"); ok {
		attrs.PutStr(attrGeoRegionName, s)
	}
	if s, ok := r.strIn(geo, "geoip", "timezone"); ok {
		attrs.PutStr(attrGeoTimezone, s)
	}
}
