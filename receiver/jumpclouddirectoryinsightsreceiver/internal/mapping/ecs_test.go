package mapping

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
)

// ecsAllowed is ECS 8.11's allowed values of event.category, each with the event.type values
// ECS expects with it (schemas/event.yml of elastic/ecs at v8.11.0, expected_event_types).
var ecsAllowed = map[string][]string{
	"api":                 {"access", "admin", "allowed", "change", "creation", "deletion", "denied", "end", "info", "start", "user"},
	"authentication":      {"start", "end", "info"},
	"configuration":       {"access", "change", "creation", "deletion", "info"},
	"database":            {"access", "change", "info", "error"},
	"driver":              {"change", "end", "info", "start"},
	"email":               {"info"},
	"file":                {"access", "change", "creation", "deletion", "info"},
	"host":                {"access", "change", "end", "info", "start"},
	"iam":                 {"admin", "change", "creation", "deletion", "group", "info", "user"},
	"intrusion_detection": {"allowed", "denied", "info"},
	"library":             {"start"},
	"malware":             {"info"},
	"network":             {"access", "allowed", "connection", "denied", "end", "info", "protocol", "start"},
	"package":             {"access", "change", "deletion", "info", "installation", "start"},
	"process":             {"access", "change", "end", "info", "start"},
	"registry":            {"access", "change", "creation", "deletion"},
	"session":             {"start", "end", "info"},
	"threat":              {"indicator"},
	"vulnerability":       {"info"},
	"web":                 {"access", "error", "info"},
}

// checkECSClass fails unless every category is one of ECS 8.11 and every type one that ECS
// expects with each of the categories.
func checkECSClass(t *testing.T, what string, categories, types []string) {
	t.Helper()
	if assert.NotEmpty(t, categories, "%s: event.category", what) && assert.NotEmpty(t, types, "%s: event.type", what) {
		for _, c := range categories {
			expected, ok := ecsAllowed[c]
			if !assert.True(t, ok, "%s: %q is not an ECS 8.11 category", what, c) {
				continue
			}
			for _, ty := range types {
				assert.Contains(t, expected, ty, "%s: ECS 8.11 does not expect type %q with category %q", what, ty, c)
			}
		}
	}
}

// ecsTestDoc maps the event of testEvents with the given id (or numeric id text) and returns
// its body as Go values (maps, []any, strings, int64, float64, bool) with its mapping error.
func ecsTestDoc(t *testing.T, events []jumpcloud.Event, id string) (map[string]any, *jumpcloud.Event, error) {
	t.Helper()
	for i := range events {
		if events[i].Key == id {
			lr := plog.NewLogRecord()
			err := New(Options{Format: FormatECS}).Map(&events[i], lr)
			require.Equal(t, pcommon.ValueTypeMap, lr.Body().Type())
			return lr.Body().Map().AsRaw(), &events[i], err
		}
	}
	t.Fatalf("no event %s in testdata/events.jsonl", id)
	return nil, nil, nil
}

// ecsMapRaw maps one event given as JSON text.
func ecsMapRaw(t *testing.T, event string) (map[string]any, error) {
	t.Helper()
	var dec jumpcloud.Decoder
	events, _, err := dec.Decode([]byte("[" + event + "]"))
	require.NoError(t, err)
	require.Len(t, events, 1)
	lr := plog.NewLogRecord()
	err = New(Options{Format: FormatECS}).Map(&events[0], lr)
	require.Equal(t, pcommon.ValueTypeMap, lr.Body().Type())
	return lr.Body().Map().AsRaw(), err
}

// ecsGet is the value at the dotted path of a document of nested maps.
func ecsGet(doc map[string]any, path string) (any, bool) {
	var v any = doc
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

// TestECSElasticFields checks, for representative events, every field that Elastic's
// JumpCloud integration (ingest pipeline, packages/jumpcloud) sets, with the value it sets,
// written by hand from its rules: elastic (equal), related (Elastic's values are among ours:
// we add the other IPs, users and hosts), jumpcloud.event (the rest as Elastic keeps it, but
// changes' from/to as text), absent (what neither sets); then some of our own fields.
func TestECSElasticFields(t *testing.T) {
	const org = "64949312aaaaaaaaaaaaaaaa"
	tests := []struct {
		name      string
		id        string
		elastic   map[string]any
		related   map[string][]any
		jumpcloud map[string]any
		absent    []string
		ours      map[string]any
	}{
		{
			name: "directory admin_login_attempt failed",
			id:   "e2dbd9ecca7bbfdd8bb298b9",
			elastic: map[string]any{
				"@timestamp":             "2026-11-01T10:01:12.062Z",
				"client.ip":              "2.36.215.232",
				"event.category":         []any{"authentication"},
				"event.type":             []any{"info"},
				"event.id":               "e2dbd9ecca7bbfdd8bb298b9",
				"event.action":           "admin_login_attempt",
				"event.module":           "directory",
				"event.outcome":          "failure",
				"source.user.id":         "389b69d482da7fe58f9e5b63",
				"source.user.email":      "paul.admin2@example.com",
				"user_agent.device.name": "Other",
				"user_agent.name":        "Firefox",
				"user_agent.os.name":     "Windows",
			},
			jumpcloud: map[string]any{
				"version":       "1",
				"organization":  org,
				"initiated_by":  map[string]any{"type": "admin"},
				"resource":      map[string]any{"id": "389b69d482da7fe58f9e5b63", "type": "admin", "email": "paul.admin2@example.com"},
				"success":       false,
				"mfa":           true,
				"mfa_meta":      map[string]any{"type": "push"},
				"error_message": "mfa failed",
				"auth_method":   "session",
				"geoip": map[string]any{
					"country_code": "IN", "continent_code": "AS", "region_code": "KA", "region_name": "Karnataka",
					"timezone": "Asia/Kolkata", "latitude": 12.9716, "longitude": 77.5946,
				},
			},
			absent: []string{"message", "source.ip", "host", "process", "user.name", "user.target"},
			ours: map[string]any{
				"event.kind":                  "event",
				"event.reason":                "mfa failed",
				"user.id":                     "389b69d482da7fe58f9e5b63",
				"user.email":                  "paul.admin2@example.com",
				"user_agent.version":          "125.0",
				"user_agent.os.version":       "10",
				"client.geo.country_iso_code": "IN",
				"client.geo.continent_code":   "AS",
				"client.geo.region_iso_code":  "IN-KA",
				"client.geo.region_name":      "Karnataka",
				"client.geo.timezone":         "Asia/Kolkata",
				"client.geo.location":         map[string]any{"lat": 12.9716, "lon": 77.5946},
				"related.ip":                  []any{"2.36.215.232"},
			},
		},
		{
			name: "sso_auth failed",
			id:   "c91678a7abd44e720ec32084",
			elastic: map[string]any{
				"@timestamp":             "2026-11-01T10:00:05.227238262Z",
				"client.ip":              "114.191.108.201",
				"event.category":         []any{"authentication"},
				"event.type":             []any{"info"},
				"event.id":               "c91678a7abd44e720ec32084",
				"event.action":           "sso_auth",
				"event.module":           "sso",
				"event.outcome":          "failure",
				"source.user.id":         "e3375a09d8d4947ef115a05e",
				"source.user.name":       "lucas.tanaka106",
				"user.name":              "lucas.tanaka106",
				"user_agent.device.name": "Other",
				"user_agent.name":        "Edge",
				"user_agent.os.name":     "Windows",
			},
			related: map[string][]any{"related.user": {"lucas.tanaka106"}},
			jumpcloud: map[string]any{
				"version":      "1",
				"organization": org,
				"initiated_by": map[string]any{"type": "user"},
				"application": map[string]any{
					"id": "f308d239678985bb334e2d3e", "name": "slack", "display_label": "Slack",
					"sso_url": "https://sso.jumpcloud.com/saml2/slack", "sso_type": "saml",
				},
				"sso_token_success": false,
				"idp_initiated":     true,
				"mfa":               true,
				"auth_context": map[string]any{
					"auth_methods": map[string]any{
						"password":          map[string]any{"success": false},
						"jumpcloud_protect": map[string]any{"success": false},
					},
					"policies_applied": []any{map[string]any{
						"id": "dc23a8a576940e273a9c7a48", "name": "Require MFA outside office",
						"metadata": map[string]any{"action": "allow"},
					}},
				},
				"error_message": "user not assigned to application",
				"geoip": map[string]any{
					"country_code": "BR", "continent_code": "SA", "region_code": "SP", "region_name": "Sao Paulo",
					"timezone": "America/Sao_Paulo", "latitude": -23.5505, "longitude": -46.6333,
				},
			},
			absent: []string{"message", "source.ip", "host", "process"},
			ours: map[string]any{
				"event.reason":               "user not assigned to application",
				"user.id":                    "e3375a09d8d4947ef115a05e",
				"user_agent.version":         "123.0.2420",
				"client.geo.region_iso_code": "BR-SP",
			},
		},
		{
			name: "radius failed",
			id:   "D2BB5E82-5814-7D86-4D92-C298F8D47BF5",
			elastic: map[string]any{
				"@timestamp":       "2026-11-01T10:00:03Z",
				"client.ip":        "11.239.53.189",
				"event.id":         "D2BB5E82-5814-7D86-4D92-C298F8D47BF5",
				"event.action":     "radius_auth_attempt",
				"event.module":     "radius",
				"event.outcome":    "failure",
				"source.user.id":   "19c99f1678d0a4f154e0a2c6",
				"source.user.name": "jane.chen36",
				"user.name":        "jane.chen36",
			},
			related: map[string][]any{"related.user": {"jane.chen36"}},
			jumpcloud: map[string]any{
				"version":       "1",
				"organization":  org,
				"initiated_by":  map[string]any{"type": "user"},
				"auth_type":     "eap",
				"eap_type":      "TTLS",
				"nas_mfa_state": "disabled",
				"mfa":           false,
				"outer": map[string]any{
					"eap_type": "ttls", "username": "jane.chen36",
					"error_message": "eap_peap: The users session was previously rejected: returning reject (again.)",
				},
				"auth_meta":     map[string]any{"nas_ip": "174.220.188.245", "nas_identifier": "ap-5"},
				"success":       false,
				"error_message": `pap: Crypt digest does not match "known good" digest`,
				"geoip": map[string]any{
					"country_code": "DE", "continent_code": "EU", "region_code": "BE", "region_name": "Land Berlin",
					"timezone": "Europe/Berlin",
				},
			},
			absent: []string{"message", "source.ip", "host", "process", "user_agent", "client.geo.location"},
			ours: map[string]any{
				"event.category":             []any{"authentication"},
				"event.type":                 []any{"info"},
				"event.reason":               `pap: Crypt digest does not match "known good" digest`,
				"related.ip":                 []any{"11.239.53.189", "174.220.188.245"},
				"client.geo.region_iso_code": "DE-BE",
			},
		},
		{
			name: "systems login_attempt with src_ip",
			id:   "a4228e74fbf42576a2bd63aa",
			elastic: map[string]any{
				"@timestamp":       "2026-11-01T10:00:03.582479Z",
				"client.ip":        "5.168.160.238",
				"source.ip":        "193.145.55.227",
				"event.id":         "a4228e74fbf42576a2bd63aa",
				"message":          "User jane.khan35 logged in from 193.145.55.227, process name: sshd",
				"host.id":          "5fa5967f28bcd9adb2f96b61",
				"host.hostname":    "mac-1028",
				"source.user.id":   "9a1b28060a5ac63be0139986",
				"source.user.name": "jane.khan35",
				"user.name":        "jane.khan35",
				"event.action":     "login_attempt",
				"event.module":     "systems",
				"process.name":     "sshd",
				"event.outcome":    "failure",
			},
			related: map[string][]any{"related.ip": {"193.145.55.227"}, "related.user": {"jane.khan35"}},
			jumpcloud: map[string]any{
				"version":          "1",
				"organization":     org,
				"system":           map[string]any{"displayName": "Mac-1028 laptop"},
				"system_timestamp": "2026-11-01T19:30:03+09:30",
				"success":          false,
				"initiated_by":     map[string]any{"type": "systemuser"},
				"geoip": map[string]any{
					"country_code": "GB", "continent_code": "EU", "region_code": "ENG", "region_name": "England",
					"timezone": "Europe/London",
				},
			},
			absent: []string{"source.geo", "user_agent"},
			ours: map[string]any{
				"event.category":              []any{"authentication"},
				"event.type":                  []any{"info"},
				"host.name":                   "mac-1028",
				"related.ip":                  []any{"193.145.55.227", "5.168.160.238"},
				"related.hosts":               []any{"mac-1028", "Mac-1028 laptop"},
				"client.geo.country_iso_code": "GB",
			},
		},
		{
			name: "ldap_bind",
			id:   "73f68a9dedc87d1cdb2de48d",
			elastic: map[string]any{
				"@timestamp":       "2026-11-01T10:00:01.012Z",
				"client.ip":        "209.24.195.221",
				"event.category":   []any{"authentication"},
				"event.type":       []any{"info"},
				"event.id":         "73f68a9dedc87d1cdb2de48d",
				"event.action":     "ldap_bind",
				"event.module":     "ldap",
				"event.outcome":    "success",
				"source.user.id":   "692d31f64bee4fabfac83489",
				"source.user.name": "paul.brown116",
				"user.name":        "paul.brown116",
			},
			related: map[string][]any{"related.user": {"paul.brown116"}},
			jumpcloud: map[string]any{
				"version":          "1",
				"organization":     org,
				"connection_id":    "Mcj/GBMjEBQiZCTyN7PnRbBND89K+uKUGmLOt/mDljY=",
				"operation_number": int64(4),
				"dn":               "uid=paul.brown116,ou=Users,o=64949312aaaaaaaaaaaaaaaa,dc=jumpcloud,dc=com",
				"auth_method":      "simple",
				"mech":             "simple",
				"start_tls":        false,
				"tls_established":  false,
				"success":          true,
				"error_code":       int64(0),
				"initiated_by":     map[string]any{"type": "user"},
				"geoip": map[string]any{
					"country_code": "US", "continent_code": "NA", "region_code": "GA", "region_name": "Georgia",
					"timezone": "America/New_York",
				},
			},
			absent: []string{"message", "source.ip", "host", "process", "event.reason"},
		},
		{
			name: "directory group_create (a group target, changes of every type)",
			id:   "65a0c3f1e4b0a1b2c3d4e600",
			elastic: map[string]any{
				"@timestamp":        "2026-11-01T10:00:04.000Z",
				"client.ip":         "2001:db8::1",
				"event.id":          "65a0c3f1e4b0a1b2c3d4e600",
				"event.action":      "group_create",
				"event.module":      "directory",
				"event.outcome":     "success",
				"source.user.id":    "5f1a2b3c4d5e6f7a8b9c0d1e",
				"source.user.email": "admin@example.com",
			},
			jumpcloud: map[string]any{
				"version":      "1",
				"organization": org,
				"initiated_by": map[string]any{"type": "admin"},
				"resource":     map[string]any{"id": "5f00000000000000000000bb", "type": "user_group", "name": "engineering"},
				"changes": []any{
					map[string]any{"field": "name", "to": "engineering"},
					map[string]any{"field": "attributes", "from": `{"sudo":{"enabled":false}}`, "to": `{"sudo":{"enabled":true}}`},
					map[string]any{"field": "members", "to": `["5f1a2b3c4d5e6f7a8b9c0d99"]`},
				},
				"success":     true,
				"auth_method": "session",
				"geoip": map[string]any{
					"country_code": "DE", "continent_code": "EU", "region_code": "BE", "region_name": "Land Berlin",
					"timezone": "Europe/Berlin", "latitude": 52.52, "longitude": 13.405,
				},
			},
			absent: []string{"message", "source.ip", "host", "process", "user.name", "user.target", "user_agent.name"},
			ours: map[string]any{
				"event.category":      []any{"iam"},
				"event.type":          []any{"group", "creation"},
				"group.id":            "5f00000000000000000000bb",
				"group.name":          "engineering",
				"user.id":             "5f1a2b3c4d5e6f7a8b9c0d1e",
				"user_agent.original": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
			},
		},
		{
			name: "an unknown service and event type",
			id:   "65a0c3f1e4b0a1b2c3d4e604",
			elastic: map[string]any{
				"@timestamp":     "2026-11-01T10:00:08.000Z",
				"event.id":       "65a0c3f1e4b0a1b2c3d4e604",
				"event.action":   "Something-New v2",
				"event.module":   "brand_new_service",
				"event.outcome":  "unknown",
				"source.user.id": "5f1a2b3c4d5e6f7a8b9c0d1e",
			},
			jumpcloud: map[string]any{
				"organization": org,
				"initiated_by": map[string]any{"type": "admin"},
				"payload":      map[string]any{"a": []any{int64(1), 2.5, "x", map[string]any{"b": true}}},
			},
			absent: []string{"client", "message", "host", "user_agent", "related", "jumpcloud.event.version"},
			ours: map[string]any{
				"event.kind":     "event",
				"event.category": []any{"configuration"},
				"event.type":     []any{"info"},
			},
		},
	}
	events := testEvents(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, ev, err := ecsTestDoc(t, events, tt.id)
			require.NoError(t, err)
			// Set the same way for every event.
			assert.Equal(t, map[string]any{"version": "8.11.0"}, doc["ecs"])
			_, hasOriginal := doc["event"].(map[string]any)["original"]
			assert.False(t, hasOriginal, "event.original only with preserve_original_event (Elastic's default: off)")
			_ = ev
			for path, want := range tt.elastic {
				got, ok := ecsGet(doc, path)
				if assert.True(t, ok, "%s is absent", path) {
					assert.Equal(t, want, got, path)
				}
			}
			for path, want := range tt.related {
				got, _ := ecsGet(doc, path)
				list, _ := got.([]any)
				assert.Subset(t, list, want, path)
			}
			assert.Equal(t, tt.jumpcloud, doc["jumpcloud"].(map[string]any)["event"], "jumpcloud.event")
			for _, path := range tt.absent {
				_, ok := ecsGet(doc, path)
				assert.False(t, ok, "%s is set", path)
			}
			for path, want := range tt.ours {
				got, ok := ecsGet(doc, path)
				if assert.True(t, ok, "%s is absent", path) {
					assert.Equal(t, want, got, path)
				}
			}
		})
	}
}

// TestECSEveryEvent checks every event of testdata/events.jsonl that is an object: event.kind
// event, an event.category and event.type from ECS 8.11's lists (each type expected with the
// category), ecs.version, no event.original (preserve_original_event off), event.outcome, related.* without duplicates, and no
// value anywhere that is "", null or an empty object or array.
func TestECSEveryEvent(t *testing.T) {
	events := testEvents(t)
	logs, _ := mapAll(t, New(Options{Format: FormatECS}), events)
	records := logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	mapped := 0
	for i := range events {
		body := records.At(i).Body()
		if body.Type() != pcommon.ValueTypeMap {
			assert.NotEqual(t, byte('{'), events[i].Raw[0], "event %d: an object gets a document", i)
			continue
		}
		mapped++
		doc := body.Map().AsRaw()
		what := string(events[i].Raw[:min(60, len(events[i].Raw))])
		kind, _ := ecsGet(doc, "event.kind")
		assert.Equal(t, "event", kind, what)
		checkECSClass(t, what, ecsStrings(t, doc, "event.category"), ecsStrings(t, doc, "event.type"))
		version, _ := ecsGet(doc, "ecs.version")
		assert.Equal(t, "8.11.0", version, what)
		_, hasOriginal := ecsGet(doc, "event.original")
		assert.False(t, hasOriginal, what)
		outcome, _ := ecsGet(doc, "event.outcome")
		assert.Contains(t, []string{"success", "failure", "unknown"}, outcome, what)
		for _, key := range []string{"related.ip", "related.user", "related.hosts"} {
			list := ecsStrings(t, doc, key)
			assert.Len(t, slices.Compact(slices.Sorted(slices.Values(list))), len(list), "%s: %s has duplicates", what, key)
		}
		checkNoEmpty(t, what, body)
	}
	assert.Equal(t, 99, mapped, "every object is mapped")
}

// ecsStrings is the array of strings at path (nil when absent).
func ecsStrings(t *testing.T, doc map[string]any, path string) []string {
	t.Helper()
	v, ok := ecsGet(doc, path)
	if !ok {
		return nil
	}
	list, ok := v.([]any)
	require.True(t, ok, "%s is not an array", path)
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, ok := e.(string)
		require.True(t, ok, "%s holds a %T", path, e)
		out = append(out, s)
	}
	return out
}

// checkNoEmpty fails for a value anywhere in v that is "", null (Empty) or an empty map or
// slice: absent stays absent.
func checkNoEmpty(t *testing.T, what string, v pcommon.Value) {
	t.Helper()
	switch v.Type() {
	case pcommon.ValueTypeEmpty:
		t.Errorf("%s: a null value", what)
	case pcommon.ValueTypeStr:
		if v.Str() == "" {
			t.Errorf("%s: an empty string", what)
		}
	case pcommon.ValueTypeMap:
		if v.Map().Len() == 0 {
			t.Errorf("%s: an empty object", what)
		}
		v.Map().Range(func(k string, e pcommon.Value) bool {
			checkNoEmpty(t, what+" "+k, e)
			return true
		})
	case pcommon.ValueTypeSlice:
		if v.Slice().Len() == 0 {
			t.Errorf("%s: an empty array", what)
		}
		for i := 0; i < v.Slice().Len(); i++ {
			checkNoEmpty(t, what, v.Slice().At(i))
		}
	}
}

// TestECSChanges checks that every change's from and to, in every event, is a string: the JSON
// string itself, or the compact JSON text of any other value; empty ones are absent.
func TestECSChanges(t *testing.T) {
	events := testEvents(t)
	logs, _ := mapAll(t, New(Options{Format: FormatECS}), events)
	records := logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	seen := 0
	for i := 0; i < records.Len(); i++ {
		if records.At(i).Body().Type() != pcommon.ValueTypeMap {
			continue
		}
		changes, ok := ecsGet(records.At(i).Body().Map().AsRaw(), "jumpcloud.event.changes")
		if !ok {
			continue
		}
		for _, c := range changes.([]any) {
			for _, k := range []string{"from", "to"} {
				if v, ok := c.(map[string]any)[k]; ok {
					assert.IsType(t, "", v, "event %d: changes %s", i, k)
					seen++
				}
			}
		}
	}
	assert.Positive(t, seen)

	doc, err := ecsMapRaw(t, `{"id":"a","service":"directory","event_type":"user_update","timestamp":"2026-11-01T10:00:00Z",`+
		`"changes":[{"field":"n","from":1,"to":2.5},{"field":"b","from":false,"to":true},{"field":"s","from":"","to":"x\"y"},`+
		`{"field":"o","from":{},"to":{"k":[1,"v",null]}},{"field":"e","from":null,"to":[]},{},null]}`)
	require.NoError(t, err)
	changes, _ := ecsGet(doc, "jumpcloud.event.changes")
	assert.Equal(t, []any{
		map[string]any{"field": "n", "from": "1", "to": "2.5"},
		map[string]any{"field": "b", "from": "false", "to": "true"},
		map[string]any{"field": "s", "to": `x"y`},
		map[string]any{"field": "o", "to": `{"k":[1,"v",null]}`},
		map[string]any{"field": "e"},
	}, changes)
}

// TestECSWrongTypes checks that members of unexpected JSON types are left out, named in the
// mapping error, and that the rest still makes a valid document.
func TestECSWrongTypes(t *testing.T) {
	events := testEvents(t)
	doc, _, err := ecsTestDoc(t, events, "65a0c3f1e4b0a1b2c3d4e605")
	require.Error(t, err)
	for _, problem := range []string{
		"initiated_by is a JSON string, not an object",
		"client_ip is a JSON number, not a string",
		"sso_token_success is a JSON string, not a boolean",
		"mfa is a JSON string, not a boolean",
		"geoip.latitude is a JSON string, not a number",
		"useragent is a JSON number, not an object or a string",
	} {
		assert.Contains(t, err.Error(), problem)
	}
	for _, path := range []string{
		"client.ip", "source", "user", "user_agent", "client.geo.location",
		"jumpcloud.event.initiated_by", "jumpcloud.event.client_ip", "jumpcloud.event.mfa",
		"jumpcloud.event.sso_token_success", "jumpcloud.event.application", "jumpcloud.event.geoip.latitude",
	} {
		_, ok := ecsGet(doc, path)
		assert.False(t, ok, "%s is set", path)
	}
	want := map[string]any{
		"event.outcome":               "unknown",
		"client.geo.country_iso_code": "US",
		"jumpcloud.event.geoip":       map[string]any{"country_code": "US", "continent_code": "NA", "longitude": -97.8},
	}
	for path, v := range want {
		got, _ := ecsGet(doc, path)
		assert.Equal(t, v, got, path)
	}

	// A numeric id is event.id as text; a time that is not one stays under jumpcloud.event.
	doc, _, err = ecsTestDoc(t, events, "12345")
	require.NoError(t, err)
	id, _ := ecsGet(doc, "event.id")
	assert.Equal(t, "12345", id)
	doc, err = ecsMapRaw(t, `{"id":"b","timestamp":"not a time","service":"radius","client_ip":"not an ip","src_ip":"fe80::1%eth0"}`)
	require.NoError(t, err)
	for path, v := range map[string]any{
		"jumpcloud.event.timestamp": "not a time",
		"jumpcloud.event.client_ip": "not an ip",
		"jumpcloud.event.src_ip":    "fe80::1%eth0",
	} {
		got, _ := ecsGet(doc, path)
		assert.Equal(t, v, got, path)
	}
	for _, path := range []string{"@timestamp", "client", "source", "related"} {
		_, ok := ecsGet(doc, path)
		assert.False(t, ok, "%s is set", path)
	}
}

// TestECSTimestamp checks @timestamp: UTC, with the digits of the fraction of a second that
// JumpCloud sent.
func TestECSTimestamp(t *testing.T) {
	for ts, want := range map[string]string{
		"2026-11-01T10:00:03Z":                   "2026-11-01T10:00:03Z",
		"2026-11-01T10:00:03.000Z":               "2026-11-01T10:00:03.000Z",
		"2026-11-01T10:00:03.120000001Z":         "2026-11-01T10:00:03.120000001Z",
		"2026-11-01T05:00:03.50-05:00":           "2026-11-01T10:00:03.50Z",
		"2026-11-01T19:30:03+09:30":              "2026-11-01T10:00:03Z",
		"2026-11-01T10:00:03,5Z":                 "2026-11-01T10:00:03.5Z",
		"2026-11-01T10:00:03.123456789123+00:00": "2026-11-01T10:00:03.123456789Z",
	} {
		doc, err := ecsMapRaw(t, `{"id":"a","timestamp":"`+ts+`","service":"directory","event_type":"user_update"}`)
		require.NoError(t, err)
		got, ok := ecsGet(doc, "@timestamp")
		if assert.True(t, ok, ts) {
			assert.Equal(t, want, got, ts)
		}
	}
}

// TestECSClassify checks the category table (docs/format-ecs.md) on a sample of every rule,
// then that every event type JumpCloud documents, of every service, and unknown ones get
// values of ECS 8.11's lists.
func TestECSClassify(t *testing.T) {
	tests := []struct {
		service, eventType string
		category           string
		types              []string
	}{
		// Elastic's eight, whatever the service.
		{"directory", "admin_login_attempt", "authentication", []string{"info"}},
		{"systems", "user_login_attempt", "authentication", []string{"info"}},
		{"ldap", "ldap_bind", "authentication", []string{"info"}},
		{"sso", "sso_auth", "authentication", []string{"info"}},
		{"directory", "user_password_reset_request", "iam", []string{"info"}},
		{"directory", "user_unlocked", "iam", []string{"info"}},
		// Ours.
		{"radius", "radius_auth_attempt", "authentication", []string{"info"}},
		{"systems", "login_attempt", "authentication", []string{"info"}},
		{"password_manager", "passwordmanager_app_unlock", "authentication", []string{"info"}},
		{"saas_app_management", "saas_management_login_event", "authentication", []string{"info"}},
		{"directory", "user_create", "iam", []string{"user", "creation"}},
		{"directory", "user_delete", "iam", []string{"user", "deletion"}},
		{"directory", "user_update", "iam", []string{"user", "change"}},
		{"directory", "admin_password_reset_request", "iam", []string{"user", "info"}},
		{"directory", "user_activation_schedule_create", "iam", []string{"user", "change"}},
		{"directory", "totp_delete_enrollment", "iam", []string{"user", "change"}},
		{"systems", "user_lockout", "iam", []string{"user", "change"}},
		{"directory", "group_create", "iam", []string{"group", "creation"}},
		{"directory", "system_group_delete", "iam", []string{"group", "deletion"}},
		{"directory", "user_group_membership_add", "iam", []string{"group", "change"}},
		{"directory", "association_change", "iam", []string{"change"}},
		{"directory", "policy_update", "configuration", []string{"change"}},
		{"directory", "application_create", "configuration", []string{"creation"}},
		{"directory", "integrationattribute_exclude", "configuration", []string{"deletion"}},
		{"directory", "system_update", "configuration", []string{"change"}},
		{"directory", "command_run", "process", []string{"start"}},
		{"directory", "mtp_download_invoice", "file", []string{"access"}},
		{"systems", "system_fde_key_update", "host", []string{"change"}},
		{"systems", "system_fde_key_decrypt", "host", []string{"access"}},
		{"systems", "remote_session_join", "session", []string{"start"}},
		{"systems", "remote_session_end", "session", []string{"end"}},
		{"systems", "google_emm_patch", "configuration", []string{"change"}},
		{"software", "software_add", "package", []string{"installation"}},
		{"software", "software_remove", "package", []string{"deletion"}},
		{"software", "software_change", "package", []string{"change"}},
		{"software", "software_add_request", "configuration", []string{"creation"}},
		{"object_storage", "object_storage_create", "file", []string{"creation"}},
		{"object_storage", "object_storage_delete", "file", []string{"deletion"}},
		{"object_storage", "object_storage_get_download_url_request", "file", []string{"access"}},
		{"object_storage", "object_storage_upload_validation_result", "file", []string{"info"}},
		{"mdm", "device_enrollment", "host", []string{"change"}},
		{"mdm", "mdm_command_result", "host", []string{"info"}},
		{"mdm", "configuration_file_download", "configuration", []string{"access"}},
		{"alerts", "alert_created", "intrusion_detection", []string{"info"}},
		{"alerts", "rule_modified", "configuration", []string{"change"}},
		{"notifications", "notification_channel_deleted", "configuration", []string{"deletion"}},
		{"workflows", "workflow_create", "configuration", []string{"creation"}},
		{"workflows", "workflow_run", "configuration", []string{"info"}},
		{"reports", "report_run", "configuration", []string{"access"}},
		{"reports", "report_export", "file", []string{"creation"}},
		{"reports", "report_delete", "configuration", []string{"deletion"}},
		{"password_manager", "passwordmanager_item_reveal", "iam", []string{"info"}},
		{"password_manager", "passwordmanager_item_add", "iam", []string{"creation"}},
		{"password_manager", "passwordmanager_user_remove", "iam", []string{"user", "deletion"}},
		{"password_manager", "passwordmanager_folder_group_add", "iam", []string{"group", "change"}},
		{"password_manager", "passwordmanager_backup_key_regenerate", "configuration", []string{"change"}},
		{"saas_app_management", "saas_management_account_user_assign", "iam", []string{"user", "change"}},
		{"saas_app_management", "saas_management_application_discover", "configuration", []string{"info"}},
		{"access_management", "access_management_access_request", "iam", []string{"info"}},
		{"access_management", "access_management_access_request_approval", "iam", []string{"change"}},
		{"access_management", "access_management_approval_flow_delete", "configuration", []string{"deletion"}},
		{"asset_management", "asset_management_asset_create", "configuration", []string{"creation"}},
		{"ldap", "ldap_search", "iam", []string{"info"}},
		// Unknown.
		{"brand_new_service", "Something-New v2", "configuration", []string{"info"}},
		{"brand_new_service", "widget_delete", "configuration", []string{"deletion"}},
		{"brand_new_service", "kiosk_login", "authentication", []string{"info"}},
		{"", "", "configuration", []string{"info"}},
	}
	for _, tt := range tests {
		c := ecsClassify(tt.service, tt.eventType)
		assert.Equal(t, tt.category, c.category, "%s/%s", tt.service, tt.eventType)
		assert.Equal(t, tt.types, c.types, "%s/%s", tt.service, tt.eventType)
	}

	// Every event type of JumpCloud's documentation (Directory Insights API, "Event Types").
	for service, types := range jumpCloudEventTypes {
		for _, eventType := range append(strings.Fields(types), "some_new_type", "") {
			c := ecsClassify(service, eventType)
			checkECSClass(t, service+"/"+eventType, []string{c.category}, c.types)
		}
	}
}

// jumpCloudEventTypes are the event types of JumpCloud's Directory Insights documentation by
// service (the openapi description's "Event Types" tables).
var jumpCloudEventTypes = map[string]string{
	"directory": `application_create application_delete application_update association_change group_create
		group_delete group_update integrationattribute_include integrationattribute_exclude invoice_download
		notification_delete organization_create organization_update system_create system_delete system_update
		radiusserver_create radiusserver_delete radiusserver_update user_group_admin_grant user_group_admin_revoke
		admin_create admin_delete admin_login_attempt admin_password_reset_request admin_update
		admin_totp_start_enrollment admin_totp_finish_enrollment admin_totp_disable totp_start_enrollment
		totp_finish_enrollment totp_delete_enrollment user_create user_delete user_lockout user_login_attempt
		user_mfa_exclusion_expired user_password_expired user_password_reset_request user_password_warning_email
		user_update user_password_change user_activated user_activation_email user_password_set user_unlocked
		user_suspended user_unsuspended user_activation_schedule_create user_activation_schedule_delete
		user_suspension_schedule_create user_suspension_schedule_delete admin_password_change user_create_provision
		user_update_provision user_delete_provision user_admin_granted user_admin_revoked command_create
		command_delete command_run command_update commandresult_delete file_create file_delete file_update
		policy_create policy_delete policy_update authnpolicy_create authnpolicy_delete authpolicy_update
		iplist_create iplist_delete iplist_update activedirectory_create activedirectory_delete idsource_create
		idsource_delete idsource_update sambadomain_create sambadomain_delete sambadomain_update workday_create
		workday_delete workday_update integration_activate integration_deactivate gsuite_directory_create
		gsuite_directory_update gsuite_directory_delete o365_directory_create o365_directory_update
		o365_directory_delete integration_domain_add integration_domain_delete integration_default_domain_add
		integration_default_domain_update integration_default_domain_delete admin_unsuspend admin_lockout
		admin_suspended provider_update mtp_download_invoice msp_ticket_create connectwise_integration_create
		connectwise_billing_mapping_update connectwise_company_mapping_delete connectwise_settings_update
		autotask_integration_update autotask_billing_mapping_create autotask_company_mapping_update
		autotask_settings_update syncro_integration_delete syncro_billing_mapping_delete
		syncro_company_mapping_create syncro_settings_update user_group_membership_add system_group_delete`,
	"radius": `radius_auth radius_auth_attempt`,
	"sso":    `sso_auth`,
	"systems": `login_attempt system_fde_key_update user_password_change user_lockout system_fde_key_decrypt
		os_minor_upgrade os_major_upgrade os_minor_rollback os_major_rollback remote_session_start
		remote_session_join remote_session_end remote_session_feedback google_emm_create google_emm_delete
		google_emm_patch device_command user_login_attempt`,
	"password_manager": `passwordmanager_enable passwordmanager_disable passwordmanager_user_enable
		passwordmanager_user_disable passwordmanager_user_activate passwordmanager_user_deactivate
		passwordmanager_user_reactivate passwordmanager_folder_create passwordmanager_folder_delete
		passwordmanager_folder_member_add passwordmanager_folder_member_update passwordmanager_folder_member_remove
		passwordmanager_item_add passwordmanager_item_update passwordmanager_item_remove passwordmanager_item_move
		passwordmanager_user_device_pair passwordmanager_user_device_unpair passwordmanager_user_signup
		passwordmanager_user_update passwordmanager_backup_create passwordmanager_backup_request
		passwordmanager_backup_key_create passwordmanager_backup_key_delete passwordmanager_backup_request_restore
		passwordmanager_backup_enable passwordmanager_backup_disable passwordmanager_backup_key_regenerate
		passwordmanager_backup_request_cancel passwordmanager_backup_request_reject
		passwordmanager_backup_request_approve passwordmanager_sharedfolders_policy_group_add
		passwordmanager_sharedfolders_policy_user_add passwordmanager_sharedfolders_policy_group_remove
		passwordmanager_sharedfolders_policy_user_remove passwordmanager_sharedfolders_policy_update
		passwordmanager_user_remove passwordmanager_folder_group_add passwordmanager_folder_group_update
		passwordmanager_folder_group_remove passwordmanager_folder_update passwordmanager_item_reveal
		passwordmanager_item_copy passwordmanager_item_autofill passwordmanager_force_sync passwordmanager_app_update
		passwordmanager_local_backup_create passwordmanager_items_export passwordmanager_pincode_update
		passwordmanager_local_backup_path_update passwordmanager_paranoid_mode_enable
		passwordmanager_paranoid_mode_disable passwordmanager_extension_settings_update
		passwordmanager_item_settings_update passwordmanager_folder_force_sync passwordmanager_items_import
		passwordmanager_local_backup_restore passwordmanager_mini_launch passwordmanager_app_unlock
		passwordmanager_item_history_reveal passwordmanager_item_history_restore passwordmanager_extension_unlock
		passwordmanager_extension_pair passwordmanager_extension_site_exclusion`,
	"software": `software_add software_change software_remove software_add_request software_change_request
		software_remove_request`,
	"ldap":           `ldap_bind ldap_search`,
	"mdm":            `mdm_command_result device_enrollment configuration_file_download`,
	"notifications":  `notification_channel_created notification_channel_updated notification_channel_deleted`,
	"object_storage": `object_storage_create object_storage_upload_validation_result object_storage_get_download_url_request object_storage_delete`,
	"alerts":         `alert_created alert_updated alert_status_updated rule_created rule_modified rule_deleted`,
	"saas_app_management": `saas_management_enable saas_management_disable saas_management_settings_update
		saas_management_application_discover saas_management_event_application_review
		saas_management_application_update saas_management_application_access_restriction_update
		saas_management_application_license_update saas_management_application_delete
		saas_management_connector_create saas_management_connector_update saas_management_connector_delete
		saas_management_account_discover saas_management_account_user_assign saas_management_account_delete
		saas_management_tenant_discover saas_management_login_event`,
	"access_management": `access_management_access_request access_management_access_request_approval
		access_management_association_change access_management_approval_flow_create
		access_management_approval_flow_update access_management_approval_flow_delete
		access_management_access_request_settings_update`,
	"reports": `report_run report_export report_create report_update report_delete`,
	"asset_management": `asset_management_enable asset_management_disable asset_management_general_settings_update
		asset_management_field_setting_create asset_management_field_setting_update
		asset_management_field_setting_delete asset_management_asset_create asset_management_asset_update
		asset_management_asset_delete`,
	"workflows":         `workflow_create workflow_update workflow_delete workflow_run`,
	"brand_new_service": `Something-New v2 thing_login thing_created`,
}

// BenchmarkMapECS maps all the test events: ecs is the mapper alone (Map on decoded events,
// format ecs), and raw and ecs_end_to_end decode the page and map it (the receiver's hot path
// minus the exporter) in raw and ecs, to compare the two.
//
//	go test -run '^$' -bench MapECS -benchmem ./receiver/jumpclouddirectoryinsightsreceiver/internal/mapping/
func BenchmarkMapECS(b *testing.B) {
	events := testEvents(b)
	body := pageOf(events)

	b.Run("ecs", func(b *testing.B) {
		m := New(Options{Format: FormatECS})
		b.ReportAllocs()
		for b.Loop() {
			records := plog.NewLogRecordSlice()
			records.EnsureCapacity(len(events))
			for i := range events {
				_ = m.Map(&events[i], records.AppendEmpty())
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(events)), "ns/event")
	})
	for _, f := range []Format{FormatRaw, FormatECS} {
		b.Run(string(f)+"_end_to_end", func(b *testing.B) {
			m := New(Options{Format: f})
			var dec jumpcloud.Decoder
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				evs, _, err := dec.Decode(body)
				if err != nil {
					b.Fatal(err)
				}
				records := plog.NewLogRecordSlice()
				records.EnsureCapacity(len(evs))
				for i := range evs {
					_ = m.Map(&evs[i], records.AppendEmpty())
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(events)), "ns/event")
		})
	}
}
