package mapping

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
)

// testEvents decodes testdata/events.jsonl (one event per line: every service and event type
// the simulator renders, with and without a failed outcome, plus hand-written edge cases: group
// and user targets, changes of every JSON type, a user agent string, wrong types, a numeric id,
// no id, no time, an unknown service, values that are not objects) with the engine's decoder.
func testEvents(t testing.TB) []jumpcloud.Event {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "events.jsonl"))
	require.NoError(t, err)
	defer func() { _ = f.Close() }()
	var body bytes.Buffer
	body.WriteByte('[')
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 0; sc.Scan(); n++ {
		if n > 0 {
			body.WriteByte(',')
		}
		body.Write(sc.Bytes())
	}
	require.NoError(t, sc.Err())
	body.WriteByte(']')
	var d jumpcloud.Decoder
	events, _, err := d.Decode(body.Bytes())
	require.NoError(t, err)
	require.Len(t, events, 102)
	return events
}

// pageOf is the `/events` response body holding events (a JSON array of their texts).
func pageOf(events []jumpcloud.Event) []byte {
	var page bytes.Buffer
	page.WriteByte('[')
	for i := range events {
		if i > 0 {
			page.WriteByte(',')
		}
		page.Write(events[i].Raw)
	}
	page.WriteByte(']')
	return page.Bytes()
}

// mapAll maps events into one plog.Logs (one scope, one record per event, in order) and
// returns it with the mapping error of each event.
func mapAll(t testing.TB, m *Mapper, events []jumpcloud.Event) (plog.Logs, []error) {
	t.Helper()
	logs := plog.NewLogs()
	records := logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	errs := make([]error, len(events))
	for i := range events {
		errs[i] = m.Map(&events[i], records.AppendEmpty())
	}
	return logs, errs
}

var testModes = []struct {
	name    string
	format  Format
	semconv bool
}{
	{"raw", FormatRaw, false},
	{"raw_semconv", FormatRaw, true},
	{"ecs", FormatECS, false},
	{"ocsf", FormatOCSF, false},
	{"ocsf_semconv", FormatOCSF, true},
}

// TestGolden compares every mode's records for testdata/events.jsonl with
// testdata/golden/<mode>.yaml. Regenerate with
// UPDATE_GOLDEN=1 go test -run TestGolden ./receiver/jumpclouddirectoryinsightsreceiver/internal/mapping/
func TestGolden(t *testing.T) {
	events := testEvents(t)
	for _, mode := range testModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			got, _ := mapAll(t, New(Options{Format: mode.format, SemanticConventions: mode.semconv}), events)
			path := filepath.Join("testdata", "golden", mode.name+".yaml")
			if os.Getenv("UPDATE_GOLDEN") != "" {
				require.NoError(t, golden.WriteLogsToFile(path, got))
			}
			want, err := golden.ReadLogs(path)
			require.NoError(t, err)
			require.NoError(t, plogtest.CompareLogs(want, got))
		})
	}
}

// TestEveryRecord checks what holds for every record whatever the mode: the event time, an
// EventName, INFO or WARN by outcome, nothing dropped, and a mapping error only for the
// events made to have one.
func TestEveryRecord(t *testing.T) {
	events := testEvents(t)
	for _, mode := range testModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			logs, errs := mapAll(t, New(Options{Format: mode.format, SemanticConventions: mode.semconv}), events)
			records := logs.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
			require.Equal(t, len(events), records.Len())
			for i := range events {
				ev, lr := &events[i], records.At(i)
				assert.Equal(t, EventName(ev.Service, ev.EventType), lr.EventName())
				if ev.Timestamp.IsZero() {
					assert.Zero(t, lr.Timestamp(), "event %d", i)
				} else {
					assert.Equal(t, ev.Timestamp, lr.Timestamp().AsTime().UTC(), "event %d", i)
				}
				want := plog.SeverityNumberInfo
				if ev.Outcome() == jumpcloud.OutcomeFailure {
					want = plog.SeverityNumberWarn
				}
				assert.Equal(t, want, lr.SeverityNumber(), "event %d", i)
				_, hasErr := lr.Attributes().Get(AttrMappingError)
				assert.Equal(t, errs[i] != nil, hasErr, "event %d", i)
				if mode.format == FormatRaw || bytes.HasPrefix(ev.Raw, []byte{'"'}) || bytes.HasPrefix(ev.Raw, []byte{'['}) {
					assert.Equal(t, string(ev.Raw), lr.Body().Str(), "event %d: the raw body is byte for byte what JumpCloud sent", i)
				}
			}
		})
	}
}

// TestPreserveOriginalEvent: with preserve_original_event, the mapped body also holds the
// event's JSON text (ecs: event.original, ocsf: raw_data); without it, neither.
func TestPreserveOriginalEvent(t *testing.T) {
	events := testEvents(t)
	ev := &events[0]
	for _, tt := range []struct {
		format Format
		path   []string
	}{
		{FormatECS, []string{"event", "original"}},
		{FormatOCSF, []string{"raw_data"}},
	} {
		for _, preserve := range []bool{false, true} {
			lr := plog.NewLogRecord()
			require.NoError(t, New(Options{Format: tt.format, PreserveOriginalEvent: preserve}).Map(ev, lr))
			m := lr.Body().Map()
			for _, k := range tt.path[:len(tt.path)-1] {
				v, ok := m.Get(k)
				require.True(t, ok)
				m = v.Map()
			}
			v, ok := m.Get(tt.path[len(tt.path)-1])
			require.Equal(t, preserve, ok, "%s %v", tt.format, preserve)
			if ok {
				assert.Equal(t, string(ev.Raw), v.Str())
			}
		}
	}
	lr := plog.NewLogRecord()
	require.NoError(t, New(Options{Format: FormatRaw, PreserveOriginalEvent: true}).Map(ev, lr))
	assert.Equal(t, string(ev.Raw), lr.Body().Str(), "raw: the body is the original already")
}

func TestEventName(t *testing.T) {
	tests := []struct{ service, eventType, want string }{
		{"directory", "user_update", "jumpcloud.directory.user_update"},
		{"sso", "sso_auth", "jumpcloud.sso.sso_auth"},
		{"", "", "jumpcloud.unknown.unknown"},
		{"Brand-New", "Something New v2", "jumpcloud.brand_new.something_new_v2"},
		{"x", string(bytes.Repeat([]byte("a"), 100)), "jumpcloud.x." + string(bytes.Repeat([]byte("a"), 64))},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, EventName(tt.service, tt.eventType))
	}
}

func TestFormatValidate(t *testing.T) {
	for _, f := range Formats {
		assert.NoError(t, f.Validate())
	}
	err := Format("json").Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"json" is not a format`)
	assert.Contains(t, err.Error(), "raw")
}
