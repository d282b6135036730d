package mapping

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// standardsDir is ../shared/standards beside the repository (the project's checkers of the
// OCSF schema and the semantic-conventions registry).
var standardsDir = filepath.Join("..", "..", "..", "..", "..", "shared", "standards")

// requireStandard returns the path of a checker of standardsDir with python3, skipping the test
// when either is missing, except in CI (CI=true), where the checkers are always beside the
// clone and a skip would hide a broken output shape.
func requireStandard(t *testing.T, checker string) string {
	t.Helper()
	path := filepath.Join(standardsDir, checker)
	_, statErr := os.Stat(path)
	_, pyErr := exec.LookPath("python3")
	if statErr != nil || pyErr != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI needs %s and python3 to check the output shapes: %v %v", path, statErr, pyErr)
		}
		t.Skipf("%s or python3 missing (%v %v): the check runs in CI", path, statErr, pyErr)
	}
	return path
}

// TestSemanticConventionsCheck maps every test event with semantic_conventions in each format,
// writes the records as the file exporter does (OTLP JSON) and runs the registry's checker
// (semantic conventions v1.44.0): each attribute key is registered with the right type or is
// under jumpcloud., and none is deprecated.
func TestSemanticConventionsCheck(t *testing.T) {
	checker := requireStandard(t, "semconv_check.py")
	events := testEvents(t)
	for _, format := range Formats {
		t.Run(string(format), func(t *testing.T) {
			logs, _ := mapAll(t, New(format, true), events)
			b, err := (&plog.JSONMarshaler{}).MarshalLogs(logs)
			require.NoError(t, err)
			path := filepath.Join(t.TempDir(), "logs.json")
			require.NoError(t, os.WriteFile(path, b, 0o600))
			out, err := exec.Command("python3", checker, path).CombinedOutput()
			require.NoError(t, err, "semconv_check.py:\n%s", out)
		})
	}
}

// TestSemanticConventionsCheckerCatchesABadKey makes sure the checker run above can fail: a
// deprecated key and an unregistered one are reported.
func TestSemanticConventionsCheckerCatchesABadKey(t *testing.T) {
	checker := requireStandard(t, "semconv_check.py")
	logs := plog.NewLogs()
	attrs := logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Attributes()
	attrs.PutStr("event.name", "jumpcloud.directory.user_update") // deprecated: the EventName field replaces it
	attrs.PutStr("user.login", "jdoe")                            // not registered
	b, err := (&plog.JSONMarshaler{}).MarshalLogs(logs)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "logs.json")
	require.NoError(t, os.WriteFile(path, b, 0o600))
	out, err := exec.Command("python3", checker, path).CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(out), "event.name")
	assert.Contains(t, string(out), "user.login")
}

// TestSemanticConventionAttributes checks the attributes of representative events by hand.
func TestSemanticConventionAttributes(t *testing.T) {
	events := testEvents(t)
	byType := func(service, eventType string, failed bool) pcommon.Map {
		for i := range events {
			ev := &events[i]
			if ev.Service == service && ev.EventType == eventType && (ev.Outcome() == 2) == failed {
				lr := plog.NewLogRecord()
				require.NoError(t, New(FormatRaw, true).Map(ev, lr))
				return lr.Attributes()
			}
		}
		t.Fatalf("no %s %s event (failed %v) in testdata", service, eventType, failed)
		return pcommon.Map{}
	}
	tests := []struct {
		name    string
		attrs   pcommon.Map
		want    map[string]any
		without []string
	}{
		{
			name:  "failed admin login",
			attrs: byType("directory", "admin_login_attempt", true),
			want: map[string]any{
				"jumpcloud.initiated_by.type": "admin", "jumpcloud.success": false, "jumpcloud.target.type": "admin",
				"jumpcloud.auth.method": "session",
			},
			without: []string{"user.name", "user_agent.original"},
		},
		{
			name:    "sso",
			attrs:   byType("sso", "sso_auth", false),
			want:    map[string]any{"jumpcloud.success": true, "jumpcloud.auth.protocol": "oidc"},
			without: []string{"error.type", "user.email"},
		},
		{
			name:    "radius failure: error.type is the reason's class",
			attrs:   byType("radius", "radius_auth_attempt", true),
			want:    map[string]any{"jumpcloud.auth.protocol": "radius", "error.type": "pap", "jumpcloud.success": false},
			without: []string{"geo.location.lat"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.want {
				got, ok := tt.attrs.Get(k)
				if assert.True(t, ok, k) {
					assert.Equal(t, v, got.AsRaw(), k)
				}
			}
			for _, k := range tt.without {
				_, ok := tt.attrs.Get(k)
				assert.False(t, ok, "%s must stay absent", k)
			}
			for _, k := range []string{"user.id", "client.address", "geo.country.iso_code", "geo.continent.code"} {
				_, ok := tt.attrs.Get(k)
				assert.True(t, ok, k)
			}
		})
	}
}
