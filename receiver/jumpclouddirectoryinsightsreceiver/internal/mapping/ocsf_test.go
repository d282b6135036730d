package mapping

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
)

// ocsfBodies maps every test event to OCSF and returns the bodies that are maps (the events
// that are not JSON objects keep their raw body) with the index of their event.
func ocsfBodies(t testing.TB, opts ...Options) ([]pcommon.Map, []int) {
	t.Helper()
	events := testEvents(t)
	o := Options{Format: FormatOCSF}
	if len(opts) > 0 {
		o = opts[0]
	}
	logs, _ := mapAll(t, New(o), events)
	records := logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	var bodies []pcommon.Map
	var index []int
	for i := 0; i < records.Len(); i++ {
		if b := records.At(i).Body(); b.Type() == pcommon.ValueTypeMap {
			bodies = append(bodies, b.Map())
			index = append(index, i)
		}
	}
	return bodies, index
}

// TestOCSFValidates maps every test event (every service and event type of the simulator,
// failures, and the edge cases: wrong types, no id, no time, unknown service) and runs the
// schema's validator on the bodies: no error may be reported. Its warnings (recommended
// attributes the events cannot fill, ...) are logged for review.
func TestOCSFValidates(t *testing.T) {
	validator := requireStandard(t, "ocsf_validate.py")
	schema := filepath.Join(standardsDir, "ocsf-schema")
	for _, opts := range []Options{
		{Format: FormatOCSF},
		{Format: FormatOCSF, PreserveOriginalEvent: true}, // raw_data
	} {
		t.Run(fmt.Sprintf("preserve_original_event=%v", opts.PreserveOriginalEvent), func(t *testing.T) {
			bodies, _ := ocsfBodies(t, opts)
			require.Len(t, bodies, 99, "every test event that is a JSON object has an OCSF body")
			var lines bytes.Buffer
			for _, b := range bodies {
				_, hasRaw := b.Get("raw_data")
				require.Equal(t, opts.PreserveOriginalEvent, hasRaw)
				line, err := json.Marshal(b.AsRaw())
				require.NoError(t, err)
				lines.Write(line)
				lines.WriteByte('\n')
			}
			path := filepath.Join(t.TempDir(), "ocsf.jsonl")
			require.NoError(t, os.WriteFile(path, lines.Bytes(), 0o600))

			out, err := exec.Command("python3", validator, schema, path).CombinedOutput()
			require.NoError(t, err, "python3 %s %s %s:\n%s", validator, schema, path, out)
			out, err = exec.Command("python3", validator, schema, path, "--warnings").CombinedOutput()
			require.NoError(t, err, "%s", out)
			t.Logf("ocsf_validate.py --warnings:\n%s", out)
		})
	}
}

// TestOCSFValidatesMutants validates the events derived from the test events (one per service
// and event type) by dropping each top-level field in turn, or giving it a value of another
// type: whatever JumpCloud leaves out or sends wrong, the body stays valid OCSF (the fallbacks
// of the mapping are what make it so). Skipped with -short.
func TestOCSFValidatesMutants(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the validator on a few thousand events")
	}
	validator := requireStandard(t, "ocsf_validate.py")
	events := testEvents(t)
	seen := map[string]bool{}
	var sources []string
	var lines bytes.Buffer
	for i := range events {
		var obj map[string]any
		key := events[i].Service + "/" + events[i].EventType
		if json.Unmarshal(events[i].Raw, &obj) != nil || seen[key] {
			continue // not an object (keeps its raw body), or a type already done
		}
		seen[key] = true
		for _, field := range slices.Sorted(maps.Keys(obj)) {
			for _, drop := range []bool{true, false} {
				mutant := maps.Clone(obj)
				if drop {
					delete(mutant, field)
				} else {
					mutant[field] = ocsfWrongType(obj[field])
				}
				raw, err := json.Marshal(mutant)
				require.NoError(t, err)
				body, _ := ocsfMapOne(t, string(raw))
				line, err := json.Marshal(body.AsRaw())
				require.NoError(t, err)
				lines.Write(append(line, '\n'))
				sources = append(sources, string(raw))
			}
		}
	}
	path := filepath.Join(t.TempDir(), "mutants.jsonl")
	require.NoError(t, os.WriteFile(path, lines.Bytes(), 0o600))
	out, err := exec.Command("python3", validator, filepath.Join(standardsDir, "ocsf-schema"), path).CombinedOutput()
	if err != nil {
		first := ""
		if match := regexp.MustCompile(`event\[(\d+)\]`).FindSubmatch(out); match != nil {
			n, _ := strconv.Atoi(string(match[1]))
			first = sources[n]
		}
		t.Fatalf("ocsf_validate.py on %d mutants: %v\n%s\nfirst failing event: %s", len(sources), err, out, first)
	}
}

// ocsfWrongType is a value of another JSON type than v.
func ocsfWrongType(v any) any {
	switch v.(type) {
	case string:
		return 7
	case float64:
		return "7"
	case bool:
		return "true"
	case map[string]any:
		return "x"
	case []any:
		return map[string]any{"a": 1}
	}
	return "x"
}

// TestOCSFValidatorCatchesAnError makes sure the check above can fail: a body without its
// required user, with a wrong type_uid, is reported.
func TestOCSFValidatorCatchesAnError(t *testing.T) {
	validator := requireStandard(t, "ocsf_validate.py")
	bad := `{"class_uid":3002,"category_uid":3,"activity_id":1,"type_uid":300299,"severity_id":1,"time":0,` +
		`"service":{"name":"x"},"metadata":{"version":"1.8.0","product":{"name":"Directory Insights"}}}`
	path := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(path, []byte(bad), 0o600))
	out, err := exec.Command("python3", validator, filepath.Join(standardsDir, "ocsf-schema"), path).CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(out), "type_uid")
	assert.Contains(t, string(out), "user: required attribute missing")
}

// ocsfMapOne maps one event (its JSON text) to OCSF and returns the body and the mapping error.
func ocsfMapOne(t *testing.T, event string) (pcommon.Map, error) {
	t.Helper()
	var d jumpcloud.Decoder
	events, _, err := d.Decode([]byte("[" + event + "]"))
	require.NoError(t, err)
	require.Len(t, events, 1)
	lr := plog.NewLogRecord()
	mapErr := New(Options{Format: FormatOCSF}).Map(&events[0], lr)
	require.Equal(t, pcommon.ValueTypeMap, lr.Body().Type(), "body of %s", event)
	return lr.Body().Map(), mapErr
}

// ocsfTestEvent is the JSON text of the first test event of the service and event type with
// the outcome (failed or not).
func ocsfTestEvent(t *testing.T, events []jumpcloud.Event, service, eventType string, failed bool) string {
	t.Helper()
	for i := range events {
		ev := &events[i]
		if ev.Service == service && ev.EventType == eventType && (ev.Outcome() == jumpcloud.OutcomeFailure) == failed {
			return string(ev.Raw)
		}
	}
	t.Fatalf("no %s %s event (failed %v) in testdata", service, eventType, failed)
	return ""
}

// ocsfGet is the value at the dotted path of body (a slice's first element as 0), false when
// absent.
func ocsfGet(body pcommon.Map, path string) (pcommon.Value, bool) {
	keys := strings.Split(path, ".")
	v, ok := body.Get(keys[0])
	for _, k := range keys[1:] {
		switch {
		case !ok:
			return v, false
		case v.Type() == pcommon.ValueTypeMap:
			v, ok = v.Map().Get(k)
		case v.Type() == pcommon.ValueTypeSlice && k == "0" && v.Slice().Len() > 0:
			v = v.Slice().At(0)
		default:
			return v, false
		}
	}
	return v, ok
}

// TestOCSFClassification checks the class, activity and status chosen for representative
// events, and the attributes that make the choice useful.
func TestOCSFClassification(t *testing.T) {
	events := testEvents(t)
	ev := func(service, eventType string, failed bool) string {
		return ocsfTestEvent(t, events, service, eventType, failed)
	}
	tests := []struct {
		name             string
		event            string
		class, activity  int64
		status, severity int64
		want             map[string]any
	}{
		{"failed admin login", ev("directory", "admin_login_attempt", true), 3002, 1, 2, 2,
			map[string]any{"user.type_id": int64(2), "service.name": "JumpCloud Admin Portal", "status_detail": "mfa failed",
				"auth_factors.0.factor_type_id": int64(5), "is_mfa": true}},
		{"user login", ev("directory", "user_login_attempt", false), 3002, 1, 1, 1,
			map[string]any{"src_endpoint.location.region": "US-GA", "src_endpoint.location.continent": "North America"}},
		{"sso (OIDC)", ev("sso", "sso_auth", false), 3002, 1, 1, 1,
			map[string]any{"auth_protocol_id": int64(4), "service.name": "Okta (bridge)", "user.name": "sara.oneil196"}},
		{"failed sso (SAML)", ev("sso", "sso_auth", true), 3002, 1, 2, 2,
			map[string]any{"auth_protocol_id": int64(5), "status_detail": "user not assigned to application"}},
		{"radius", ev("radius", "radius_auth_attempt", false), 3002, 1, 1, 1,
			map[string]any{"auth_protocol_id": int64(10), "dst_endpoint.name": "ap-31", "auth_factors.0.factor_type_id": int64(7)}},
		{"ldap bind", ev("ldap", "ldap_bind", false), 3002, 1, 1, 1,
			map[string]any{"auth_protocol_id": int64(12), "is_cleartext": true, "status_code": "0",
				"user.ldap_person.ldap_dn": "uid=paul.brown116,ou=Users,o=64949312aaaaaaaaaaaaaaaa,dc=jumpcloud,dc=com"}},
		{"ldap search", ev("ldap", "ldap_search", false), 6003, 2, 1, 1,
			map[string]any{"api.operation": "ldap_search", "api.service.name": "ldap"}},
		{"device login", ev("systems", "login_attempt", false), 3002, 1, 1, 1,
			map[string]any{"dst_endpoint.hostname": "mac-1054", "src_endpoint.ip": "20.54.9.196", "dst_endpoint.ip": "223.205.233.183"}},
		{"password manager unlock", ev("password_manager", "passwordmanager_app_unlock", true), 3002, 1, 2, 2,
			map[string]any{"logon_type_id": int64(7), "is_remote": false}},
		{"saas login (no outcome)", ev("saas_app_management", "saas_management_login_event", false), 3002, 1, 0, 1,
			map[string]any{"service.name": "Slack", "user.name": "omar.tanaka165"}},
		{"user create", ev("directory", "user_create", false), 3001, 1, 1, 1, map[string]any{"user.name": "kenji.doe58"}},
		{"user lockout", ev("directory", "user_lockout", false), 3001, 9, 1, 1, nil},
		{"device password change", ev("systems", "user_password_change", true), 3001, 3, 2, 1,
			map[string]any{"device.hostname": "ubuntu-1050", "metadata.profiles.0": "host", "timezone_offset": int64(0)}},
		{"user suspended", ev("directory", "user_suspended", false), 3001, 5, 1, 1, nil},
		{"user update", ev("directory", "user_update", false), 3001, 99, 1, 1, map[string]any{"activity_name": "user_update"}},
		{"failed user delete", ev("directory", "user_delete", true), 3001, 6, 2, 1,
			map[string]any{"status_detail": "user is bound to a system"}},
		{"group create", ev("directory", "group_create", false), 3006, 6, 1, 1,
			map[string]any{"group.name": "engineering", "group.type": "user_group", "http_request.user_agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"}},
		{"system group delete", ev("directory", "system_group_delete", false), 3006, 5, 1, 1, nil},
		{"user added to a group", ev("directory", "user_group_membership_add", false), 3006, 3, 1, 1,
			map[string]any{"user.uid": "5f1a2b3c4d5e6f7a8b9c0d99", "group.uid": "5f00000000000000000000bb"}},
		{"user unbound from a system", ev("directory", "association_change", false), 3005, 2, 1, 1,
			map[string]any{"privileges.0": "access", "resources.0.name": "Ubuntu-1083 laptop", "resources.0.type": "system"}},
		{"access workflow executed", ev("access_management", "access_management_association_change", false), 3005, 1, 1, 1,
			map[string]any{"privileges.0": "Temporary admin access", "user.name": "lucas.tanaka131"}},
		{"alert created", ev("alerts", "alert_created", false), 3004, 1, 1, 1, map[string]any{"entity.type": "alert"}},
		{"rule deleted", ev("alerts", "rule_deleted", false), 3004, 4, 1, 1, nil},
		{"report previewed", ev("reports", "report_run", false), 3004, 2, 0, 1, nil},
		{"secret revealed", ev("password_manager", "passwordmanager_item_reveal", false), 3004, 2, 1, 1,
			map[string]any{"entity.name": "Bank portal", "http_request.user_agent": "Edge 123.0.2420 (Windows 10)"}},
		{"mdm enrollment", ev("mdm", "device_enrollment", false), 3004, 6, 1, 1, map[string]any{"entity.type_id": int64(1)}},
		{"software added", ev("software", "software_add", false), 3004, 1, 0, 1,
			map[string]any{"entity.name": "Slack", "entity.version": "109.9", "device.uid": "04d5176905e7a6459e9a649a"}},
		{"download url", ev("object_storage", "object_storage_get_download_url_request", false), 3004, 2, 0, 1,
			map[string]any{"entity.name": "GoogleChrome.pkg", "status_detail": "Failure"}},
		{"workflow run", ev("workflows", "workflow_run", true), 3004, 99, 2, 1, map[string]any{"entity.name": "Offboard user"}},
		{"notification channel", ev("notifications", "notification_channel_deleted", false), 3004, 4, 1, 1,
			map[string]any{"entity.type": "notification_channel", "metadata.correlation_uid": "bd5df5966273029ce1d32b1d"}},
		{"unknown service", ev("brand_new_service", "Something-New v2", false), 6003, 99, 0, 1,
			map[string]any{"api.operation": "Something-New v2", "actor.user.uid": "5f1a2b3c4d5e6f7a8b9c0d1e", "src_endpoint.svc_name": "JumpCloud"}},
		{"group update without a group: fallback", ev("directory", "group_update", false), 6003, 3, 1, 1,
			map[string]any{"resources.0.name": "maria.khan0"}},
		{"no id, no time, no target: fallback", `{"service":"directory","event_type":"user_update","success":true}`, 6003, 3, 1, 1,
			map[string]any{"time": int64(0), "actor.app_name": "JumpCloud"}},
		{"unknown service, known verb", `{"id":"x1","service":"widgets","event_type":"widget_delete","timestamp":"2026-11-01T10:00:00Z"}`,
			6003, 4, 0, 1, nil},
		{"group bound to an application", `{"id":"x2","service":"directory","event_type":"association_change","timestamp":"2026-11-01T10:00:00Z",` +
			`"success":true,"association":{"op":"add","connection":{"from":{"type":"user_group","object_id":"g1","name":"eng"},` +
			`"to":{"type":"application","object_id":"a1","name":"Slack"}}}}`, 3006, 1, 1, 1,
			map[string]any{"group.uid": "g1", "resource.name": "Slack", "privileges.0": "access", "unmapped.association.op": "add"}},
		{"group in a group", `{"id":"x3","service":"directory","event_type":"association_change","timestamp":"2026-11-01T10:00:00Z",` +
			`"resource":{"type":"user_group","id":"g1","name":"eng"},"association":{"op":"add","connection":{"from":{"type":"user_group","object_id":"g2"},` +
			`"to":{"type":"user_group","object_id":"g1","name":"eng"}}}}`, 3006, 7, 0, 1,
			map[string]any{"group.uid": "g1", "subgroup.uid": "g2"}},
		{"windows remote logon", `{"id":"x4","service":"systems","event_type":"login_attempt","timestamp":"2026-11-01T10:00:00Z","success":true,` +
			`"username":"jdoe","system":{"id":"s1","hostname":"win-1"},"windows_meta":{"elevated":true,"logon_type":"10"},` +
			`"system_timestamp":"2026-11-01T12:00:00+02:00"}`, 3002, 1, 1, 1,
			map[string]any{"logon_type_id": int64(10), "is_remote": true, "timezone_offset": int64(120), "unmapped.windows_meta.elevated": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, _ := ocsfMapOne(t, tt.event)
			for k, want := range map[string]int64{"class_uid": tt.class, "activity_id": tt.activity, "status_id": tt.status,
				"severity_id": tt.severity, "type_uid": tt.class*100 + tt.activity} {
				got, ok := body.Get(k)
				if assert.True(t, ok, k) {
					assert.Equal(t, want, got.Int(), k)
				}
			}
			for k, want := range tt.want {
				got, ok := ocsfGet(body, k)
				if assert.True(t, ok, "%s is absent", k) {
					assert.Equal(t, want, got.AsRaw(), k)
				}
			}
		})
	}
}

// TestOCSFAbsentStaysAbsent checks that what JumpCloud did not send is not emitted: no empty
// string or null anywhere (but inside the values copied under unmapped), no location without
// geoip, no user agent without one, no status_detail from an empty reason.
func TestOCSFAbsentStaysAbsent(t *testing.T) {
	bodies, index := ocsfBodies(t)
	events := testEvents(t)
	for n, body := range bodies {
		ev := &events[index[n]]
		ocsfCheckSent(t, body, ev.EventType)
		raw := string(ev.Raw)
		if !strings.Contains(raw, `"geoip"`) {
			for _, k := range []string{"src_endpoint.location", "dst_endpoint.location", "device.location"} {
				_, ok := ocsfGet(body, k)
				assert.False(t, ok, "event %d: %s without geoip", index[n], k)
			}
		}
		if !strings.Contains(raw, "user_agent") && !strings.Contains(raw, "useragent") {
			_, ok := body.Get("http_request")
			assert.False(t, ok, "event %d: http_request without a user agent", index[n])
		}
	}

	// A RADIUS failure whose reasons are empty strings: no status_detail, and the empty
	// fields are not copied under unmapped either.
	body, err := ocsfMapOne(t, ocsfTestEvent(t, events, "radius", "radius_auth_attempt", true)) // the first has reasons
	require.NoError(t, err)
	_, ok := body.Get("status_detail")
	assert.True(t, ok)
	body, err = ocsfMapOne(t, `{"id":"r1","service":"radius","event_type":"radius_auth_attempt","timestamp":"2026-11-01T10:00:02Z",`+
		`"success":false,"username":"jdoe","error_message":"","eap_type":"","outer":{"eap_type":"","error_message":"","username":""},"provider":null}`)
	require.NoError(t, err)
	for _, k := range []string{"status_detail", "unmapped", "src_endpoint", "dst_endpoint", "is_mfa", "actor"} {
		_, ok := body.Get(k)
		assert.False(t, ok, "%s must stay absent", k)
	}
	// Empty objects are not sent either: a report's empty search_request and configuration.
	body, err = ocsfMapOne(t, ocsfTestEvent(t, events, "reports", "report_create", false))
	require.NoError(t, err)
	res, ok := ocsfGet(body, "unmapped.resource")
	require.True(t, ok)
	assert.Equal(t, map[string]any{"description": "test example description", "resources": []any{"users", "devices"}}, res.AsRaw())

	// A geoip without a country or a region cannot be a location: it stays in unmapped.
	body, err = ocsfMapOne(t, `{"id":"g1","service":"sso","event_type":"sso_auth","timestamp":"2026-11-01T10:00:02Z",`+
		`"username":"jdoe","client_ip":"192.0.2.1","geoip":{"latitude":1.5,"longitude":2.5}}`)
	require.NoError(t, err)
	_, ok = ocsfGet(body, "src_endpoint.location")
	assert.False(t, ok)
	lat, ok := ocsfGet(body, "unmapped.geoip.latitude")
	require.True(t, ok)
	assert.Equal(t, 1.5, lat.Double())
}

// ocsfCheckSent fails on a null, an empty string, an empty map or an empty slice anywhere in
// body but inside the values copied under unmapped (which keep what JumpCloud sent inside
// them, e.g. a change from "" or from []).
func ocsfCheckSent(t *testing.T, body pcommon.Map, eventType string) {
	t.Helper()
	var walk func(path string, depth int, v pcommon.Value)
	walk = func(path string, depth int, v pcommon.Value) {
		if strings.HasPrefix(path, "unmapped.") && (depth > 3 || strings.HasSuffix(path, ".0")) {
			return // inside a member copied as sent (unmapped.<field>.<member> are checked)
		}
		switch v.Type() {
		case pcommon.ValueTypeEmpty:
			t.Errorf("%s: %s is null", eventType, path)
		case pcommon.ValueTypeStr:
			if v.Str() == "" {
				t.Errorf("%s: %s is an empty string", eventType, path)
			}
		case pcommon.ValueTypeMap:
			if v.Map().Len() == 0 {
				t.Errorf("%s: %s is an empty map", eventType, path)
			}
			v.Map().Range(func(k string, e pcommon.Value) bool {
				walk(path+"."+k, depth+1, e)
				return true
			})
		case pcommon.ValueTypeSlice:
			if v.Slice().Len() == 0 {
				t.Errorf("%s: %s is an empty slice", eventType, path)
			}
			for i := 0; i < v.Slice().Len(); i++ {
				walk(path+".0", depth+1, v.Slice().At(i))
			}
		}
	}
	body.Range(func(k string, v pcommon.Value) bool {
		walk(k, 1, v)
		return true
	})
}

// TestOCSFFieldsOfWrongTypes checks events whose fields have unexpected types: the problems
// are named, the event is still mapped (to the fallback class when its subject is unreadable),
// and a field read with a wrong type is left out, of unmapped too (a field that changes type
// would conflict in the backends' indexes), while the fields the class does not read are kept
// there as sent.
func TestOCSFFieldsOfWrongTypes(t *testing.T) {
	events := testEvents(t)
	raw := ""
	for i := range events {
		if bytes.Contains(events[i].Raw, []byte(`"sso_token_success":"yes"`)) {
			raw = string(events[i].Raw)
		}
	}
	require.NotEmpty(t, raw)
	body, err := ocsfMapOne(t, raw)
	require.Error(t, err)
	for _, want := range []string{"initiated_by is a JSON string", "sso_token_success is a JSON string",
		"client_ip is a JSON number", "useragent is a JSON number"} {
		assert.Contains(t, err.Error(), want)
	}
	class, _ := body.Get("class_uid")
	assert.Equal(t, int64(6003), class.Int(), "no readable subject: API Activity")
	for _, k := range []string{"unmapped.client_ip", "unmapped.initiated_by", "unmapped.useragent", "unmapped.sso_token_success", "http_request"} {
		_, ok := ocsfGet(body, k)
		assert.False(t, ok, "%s: read with a wrong type, left out", k)
	}
	for k, want := range map[string]any{"unmapped.mfa": "true", "unmapped.application": []any{"not", "an", "object"},
		"src_endpoint.svc_name": "JumpCloud", "actor.app_name": "JumpCloud"} {
		got, ok := ocsfGet(body, k)
		if assert.True(t, ok, k) {
			assert.Equal(t, want, got.AsRaw(), k)
		}
	}

	// A string latitude beside a usable address: the location has the rest.
	body, err = ocsfMapOne(t, `{"id":"l1","service":"sso","event_type":"sso_auth","timestamp":"2026-11-01T10:00:02Z","username":"jdoe",`+
		`"client_ip":"192.0.2.1","geoip":{"country_code":"US","latitude":"37.7","longitude":-97.8,"timezone":"America/Chicago"}}`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "geoip.latitude is a JSON string, not a number")
	loc, ok := ocsfGet(body, "src_endpoint.location")
	require.True(t, ok)
	assert.Equal(t, map[string]any{"country": "US", "long": -97.8}, loc.AsRaw())
	geo, ok := ocsfGet(body, "unmapped.geoip")
	require.True(t, ok)
	assert.Equal(t, map[string]any{"timezone": "America/Chicago"}, geo.AsRaw())
}

// TestOCSFUnmapped checks that what OCSF has no place for is kept under unmapped as JumpCloud
// sent it, and that what is mapped is not copied there again.
func TestOCSFUnmapped(t *testing.T) {
	events := testEvents(t)
	body, err := ocsfMapOne(t, ocsfTestEvent(t, events, "directory", "association_change", false))
	require.NoError(t, err)
	un, ok := body.Get("unmapped")
	require.True(t, ok)
	for _, k := range []string{"changes", "association", "auth_method", "useragent", "geoip"} {
		_, ok := un.Map().Get(k)
		assert.True(t, ok, "unmapped.%s", k)
	}
	for _, k := range []string{"id", "timestamp", "service", "event_type", "organization", "success", "client_ip", "initiated_by", "provider"} {
		_, ok := un.Map().Get(k)
		assert.False(t, ok, "%s is mapped: not in unmapped", k)
	}
	geo, _ := un.Map().Get("geoip")
	assert.Equal(t, map[string]any{"region_name": "Georgia", "timezone": "America/New_York"}, geo.AsRaw(),
		"only the members of geoip that location has no place for")
}

// BenchmarkMapOCSF maps every test event (a page of them, decoded as the engine does) to OCSF,
// beside raw with the semantic conventions (the cheapest mode that decodes the event) for
// comparison.
func BenchmarkMapOCSF(b *testing.B) {
	events := testEvents(b)
	body := pageOf(events)
	modes := []struct {
		name    string
		format  Format
		semconv bool
	}{
		{"raw_semconv", FormatRaw, true},
		{"ocsf", FormatOCSF, false},
		{"ocsf_semconv", FormatOCSF, true},
	}
	for _, mode := range modes {
		b.Run(mode.name, func(b *testing.B) {
			m := New(Options{Format: mode.format, SemanticConventions: mode.semconv})
			var dec jumpcloud.Decoder
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				evs, _, err := dec.Decode(body)
				if err != nil {
					b.Fatal(err)
				}
				logs := plog.NewLogs()
				records := logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
				records.EnsureCapacity(len(evs))
				for i := range evs {
					_ = m.Map(&evs[i], records.AppendEmpty())
				}
			}
		})
	}
}
