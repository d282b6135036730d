package e2e

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/harness"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/jumpcloudsim"
)

// processorExamples are the examples/ overlays of the contrib processors, in pipeline order,
// with the processor each defines.
var processorExamples = []struct{ file, processor string }{
	{"filter-service.yaml", "filter/drop-systems"},
	{"transform-parse-json.yaml", "transform/jumpcloud-json"},
	{"redact-emails.yaml", "redaction/emails"},
}

// maskedEmail is the masking_string of examples/redact-emails.yaml.
const maskedEmail = "[redacted]"

func examplePath(t *testing.T, file string) string {
	return filepath.Join(repoRoot(t), "examples", file)
}

// processorArgs are the command-line arguments that merge every processor example onto
// otelcol-config.yaml and chain the processors in one pipeline (each example alone sets the
// pipeline's processors to memory_limiter and its own).
func processorArgs(t *testing.T) []string {
	var args []string
	names := []string{"memory_limiter"}
	for _, ex := range processorExamples {
		args = append(args, "--config", examplePath(t, ex.file))
		names = append(names, ex.processor)
	}
	return append(args, "--set=service.pipelines.logs.processors=["+strings.Join(names, ",")+"]")
}

// TestProcessorExamplesValidate: each processor example validates merged onto
// otelcol-config.yaml, and so do all three chained; batch is still refused in that pipeline, and
// so is redaction without allow_all_keys (it would remove the Sumo metadata); a mistake in an
// example's OTTL or regular expression fails validation naming the processor.
func TestProcessorExamplesValidate(t *testing.T) {
	bin := collectorBinary(t)
	vars := validateVars(t)
	type tc struct {
		name    string
		args    []string  // after --config otelcol-config.yaml
		edit    [3]string // in the example edit[0], replace edit[1] by edit[2]
		wantErr []string  // nil: validation passes
	}
	tests := []tc{}
	for _, ex := range processorExamples {
		tests = append(tests, tc{name: ex.file, args: []string{"--config", examplePath(t, ex.file)}})
	}
	all := processorArgs(t)
	tests = append(tests,
		tc{name: "the three chained", args: all},
		tc{
			name: "the three chained, with batch", args: append(all[:len(all):len(all)],
				"--set=service.pipelines.logs.processors=[memory_limiter,filter/drop-systems,transform/jumpcloud-json,redaction/emails,batch]"),
			wantErr: []string{batchError("logs")},
		},
		tc{
			name: "redaction without allow_all_keys", edit: [3]string{"redact-emails.yaml", "    allow_all_keys: true\n", ""},
			wantErr: []string{`pipeline "logs" has the "jumpclouddirectoryinsights" receiver and the "redaction/emails" processor without allow_all_keys: true`},
		},
		tc{
			name: "a filter condition with a syntax error", edit: [3]string{"filter-service.yaml", `== "systems"`, `=== "systems"`},
			wantErr: []string{"filter/drop-systems", "unable to parse OTTL condition"},
		},
		tc{
			name: "a transform statement with a syntax error", edit: [3]string{"transform-parse-json.yaml", "ParseJSON(log.body)", "ParseJSON(log.body"},
			wantErr: []string{"transform/jumpcloud-json", "invalid syntax"},
		},
		tc{
			name: "a redaction pattern that does not compile", edit: [3]string{"redact-emails.yaml", `(\.[A-Za-z0-9-]+)*`, `(\.[A-Za-z0-9-]+*`},
			wantErr: []string{"redaction/emails", "error parsing regexp"},
		},
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if tt.edit[0] != "" {
				args = []string{"--config", editedCopy(t, examplePath(t, tt.edit[0]), tt.edit[1], tt.edit[2])}
			}
			out, err := validateArgs(t, bin, vars, append([]string{"--config", configPath(t), harness.FeatureGates}, args...)...)
			requireValidation(t, out, err, tt.wantErr...)
		})
	}
}

// TestProcessorsKillAndRestart: otelcol-config.yaml with the three processor examples chained
// (filter drops the systems service, transform sets attributes from the event's JSON and
// switches the exporter to log_format json, redaction masks e-mail addresses), a backfill of
// three services, kill -9 once a third reached the sink, a restart on the same storage: every
// directory and sso event arrives, none of systems, re-sends bounded as in TestKillAndRestart;
// every message carries the attributes transform set from its event, and its event is the
// simulator's with exactly the e-mail addresses masked.
func TestProcessorsKillAndRestart(t *testing.T) {
	e := newEnv(t)
	e.jsonLines = true // transform-parse-json.yaml sets log_format json
	now := time.Now()
	// Fewer events than TestKillAndRestart (about 9,000 kept of 20,000): the checks below decode
	// every message twice.
	require.NoError(t, e.b.Sim.Generate(20000, now.Add(-backfillSpan), now))
	want := expectedIDs(t, e.b.Sim, "directory", "sso")
	vars := e.collectorEnv(apiKey, "directory, sso, systems")
	args := processorArgs(t)
	killAndRestartWith(t, e, want, func(storage string) *harness.Collector {
		return e.startWith(configPath(t), storage, vars, args...)
	})

	originals := map[string]map[string]any{}
	evs, err := e.b.Sim.Events(jumpcloudsim.EventFilter{Services: []string{"directory", "sso"}})
	require.NoError(t, err)
	for _, ev := range evs {
		originals[ev.ID] = decodeObject(t, ev.Raw)
	}

	var withType, withIP, masked int
	for _, m := range e.b.Sink.Messages() {
		line := decodeObject(t, []byte(m.Body))
		body, ok := line["log"].(string)
		require.True(t, ok, "log_format json: the body under \"log\": %.200s", m.Body)
		got := decodeObject(t, []byte(body))
		id, _ := got["id"].(string)
		orig, ok := originals[id]
		require.True(t, ok, "an event the simulator has not for directory and sso: %s", id)

		// The receiver's attributes, and transform's from the event's JSON.
		require.Equal(t, orig["service"], line["jumpcloud.service"])
		require.Equal(t, id, line["jumpcloud.event.id"])
		if by, ok := orig["initiated_by"].(map[string]any); ok && by["type"] != nil {
			require.Equal(t, by["type"], line["jumpcloud.initiated_by.type"], "event %s", id)
			withType++
		} else {
			require.NotContains(t, line, "jumpcloud.initiated_by.type")
		}
		if ip, ok := orig["client_ip"]; ok {
			require.Equal(t, ip, line["jumpcloud.client_ip"], "event %s", id)
			withIP++
		}
		require.Equal(t, orig["success"], line["jumpcloud.success"], "event %s", id)

		// redaction: the original with each e-mail address (a string with @) masked, nothing else.
		n := maskEmails(orig)
		require.Equal(t, orig, got, "event %s: the e-mail addresses masked, nothing else changed", id)
		masked += n
	}
	t.Logf("transform: %d events with jumpcloud.initiated_by.type, %d with jumpcloud.client_ip; redaction: %d e-mail addresses masked",
		withType, withIP, masked)
	require.Positive(t, withType)
	require.Positive(t, withIP)
	require.Greater(t, masked, len(want)/2, "most events name a person by e-mail")
}

func decodeObject(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(data, &m), "not a JSON object: %.200s", data)
	return m
}

// maskEmails replaces, in v (decoded JSON), every string that contains @ by maskedEmail and
// returns how many it replaced.
func maskEmails(v any) int {
	n := 0
	mask := func(e any, set func(any)) {
		if s, ok := e.(string); ok && strings.Contains(s, "@") {
			set(maskedEmail)
			n++
			return
		}
		n += maskEmails(e)
	}
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			mask(e, func(m any) { x[k] = m })
		}
	case []any:
		for i, e := range x {
			mask(e, func(m any) { x[i] = m })
		}
	}
	return n
}
