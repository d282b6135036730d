package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// TestDistributionOutputMeetsTheStandards runs the built distribution with the shipped
// configuration plus the `file` exporter, format ocsf and semantic_conventions, over events of
// every service the simulator renders, and judges what the file exporter wrote by the standards
// themselves (../shared/standards): every record's attributes with semconv_check.py (semantic
// conventions v1.44.0), every body with ocsf_validate.py (OCSF 1.8.0). Our own goldens are not
// the referee here.
func TestDistributionOutputMeetsTheStandards(t *testing.T) {
	standards := filepath.Join(repoRoot(t), "..", "shared", "standards")
	_, statErr := os.Stat(filepath.Join(standards, "ocsf_validate.py"))
	_, pyErr := exec.LookPath("python3")
	if statErr != nil || pyErr != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI needs %s and python3: %v %v", standards, statErr, pyErr)
		}
		t.Skipf("%s or python3 missing (%v %v): the check runs in CI", standards, statErr, pyErr)
	}
	e := newEnv(t)
	const events = 2000 // every service, every event type the simulator renders
	now := time.Now().UTC()
	require.NoError(t, e.b.Sim.Generate(events, now.Add(-time.Hour), now.Add(-time.Minute)))

	out := filepath.Join(e.dir, "records.jsonl")
	overlay := filepath.Join(e.dir, "file-exporter.yaml")
	require.NoError(t, os.WriteFile(overlay, []byte(`
exporters:
  file/standards:
    path: `+out+`
service:
  pipelines:
    logs:
      exporters: [sumologichttp, file/standards]
`), 0o600))
	vars := e.collectorEnv(apiKey, "all")
	vars["JUMPCLOUD_FORMAT"] = "ocsf"
	vars["JUMPCLOUD_SEMANTIC_CONVENTIONS"] = "true"
	e.startWith(configPath(t), filepath.Join(e.dir, "storage"), vars, "--config", overlay)
	waitDistinct(t, e.b.Sink, events, time.Minute)

	// The file exporter writes one OTLP-JSON request per line; it may still be writing the last.
	var bodies bytes.Buffer
	n := 0
	require.Eventually(t, func() bool {
		bodies.Reset()
		n = 0
		f, err := os.Open(out)
		if err != nil {
			return false
		}
		defer func() { _ = f.Close() }()
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 64<<20)
		var u plog.JSONUnmarshaler
		for sc.Scan() {
			logs, err := u.UnmarshalLogs(sc.Bytes())
			if err != nil {
				return false // a line being written
			}
			for _, rl := range logs.ResourceLogs().All() {
				for _, sl := range rl.ScopeLogs().All() {
					for _, lr := range sl.LogRecords().All() {
						require.Equal(t, pcommon.ValueTypeMap, lr.Body().Type(), "an OCSF body")
						line, err := json.Marshal(lr.Body().Map().AsRaw())
						require.NoError(t, err)
						bodies.Write(line)
						bodies.WriteByte('\n')
						n++
					}
				}
			}
		}
		return n >= events
	}, time.Minute, 100*time.Millisecond, "the file exporter never held %d records", events)
	t.Logf("file exporter: %d records", n)

	ocsfPath := filepath.Join(e.dir, "ocsf.jsonl")
	require.NoError(t, os.WriteFile(ocsfPath, bodies.Bytes(), 0o600))
	res, err := exec.Command("python3", filepath.Join(standards, "ocsf_validate.py"),
		filepath.Join(standards, "ocsf-schema"), ocsfPath).CombinedOutput()
	require.NoError(t, err, "ocsf_validate.py:\n%s", res)
	t.Logf("ocsf_validate.py: %s", bytes.TrimSpace(res))
	res, err = exec.Command("python3", filepath.Join(standards, "semconv_check.py"), out).CombinedOutput()
	require.NoError(t, err, "semconv_check.py:\n%s", res)
	t.Logf("semconv_check.py: %s", bytes.TrimSpace(res))
}
