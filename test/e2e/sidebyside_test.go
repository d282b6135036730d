package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/harness"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/sumosink"
)

// otlpCategory is the _sourceCategory examples/side-by-side.yaml gives OTLP logs.
const otlpCategory = "otlp/logs"

func sideBySidePath(t *testing.T) string {
	return filepath.Join(repoRoot(t), "examples", "side-by-side.yaml")
}

// batchError is the batchguard converter's refusal of a pipeline named pipeline.
func batchError(pipeline string) string {
	return fmt.Sprintf("pipeline %q has the \"jumpclouddirectoryinsights\" receiver and the \"batch\" processor: "+
		"the batch processor acknowledges events before they are delivered or stored", pipeline)
}

// TestBatchGuardValidate: the side-by-side example (batch in its OTLP pipeline) validates; a
// batch processor in a pipeline with the JumpCloud receiver is refused by `validate`, naming
// the pipeline, whether it comes from the file or from --set.
func TestBatchGuardValidate(t *testing.T) {
	bin := collectorBinary(t)
	vars := validateVars(t)
	const jumpcloudProcessors = "      receivers: [jumpclouddirectoryinsights]\n      processors: [memory_limiter]\n"
	tests := []struct {
		name    string
		config  string    // default: the example
		edit    [2]string // replace edit[0] by edit[1] in the example
		args    []string
		wantErr []string // nil: validation passes
	}{
		{name: "the side-by-side example"},
		{
			name:    "batch in the example's JumpCloud pipeline",
			edit:    [2]string{jumpcloudProcessors, strings.Replace(jumpcloudProcessors, "[memory_limiter]", "[memory_limiter, batch]", 1)},
			wantErr: []string{batchError("logs")},
		},
		{
			name:    "the JumpCloud receiver added to the example's OTLP pipeline",
			edit:    [2]string{"      receivers: [otlp]\n", "      receivers: [otlp, jumpclouddirectoryinsights]\n"},
			wantErr: []string{batchError("logs/otlp")},
		},
		{
			name: "otelcol-config.yaml with batch set on the command line", config: configPath(t),
			args:    []string{"--set=service.pipelines.logs.processors=[memory_limiter,batch]"},
			wantErr: []string{batchError("logs")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.config
			if cfg == "" {
				cfg = sideBySidePath(t)
			}
			if tt.edit[0] != "" {
				cfg = editedCopy(t, cfg, tt.edit[0], tt.edit[1])
			}
			args := append([]string{"--config", cfg, harness.FeatureGates}, tt.args...)
			out, err := validateArgs(t, bin, vars, args...)
			requireValidation(t, out, err, tt.wantErr...)
		})
	}
}

// TestSideBySide: examples/side-by-side.yaml carries both pipelines at once: while the
// JumpCloud backfill flows to the sink, one OTLP log sent over OTLP/HTTP (protobuf) arrives
// there too, with the OTLP pipeline's metadata; every JumpCloud event arrives exactly once with
// the JumpCloud pipeline's metadata.
func TestSideBySide(t *testing.T) {
	e := newEnv(t)
	now := time.Now()
	require.NoError(t, e.b.Sim.Generate(20000, now.Add(-backfillSpan), now))
	want := expectedIDs(t, e.b.Sim)

	httpPort, err := harness.FreePort()
	require.NoError(t, err)
	grpcPort, err := harness.FreePort()
	require.NoError(t, err)
	vars := e.collectorEnv(apiKey, "all")
	vars["OTELCOL_OTLP_HTTP_ENDPOINT"] = "127.0.0.1:" + strconv.Itoa(httpPort)
	vars["OTELCOL_OTLP_GRPC_ENDPOINT"] = "127.0.0.1:" + strconv.Itoa(grpcPort)
	e.startWith(sideBySidePath(t), filepath.Join(e.dir, "storage"), vars)

	// Send once JumpCloud events flow.
	require.NoError(t, harness.Poll(t.Context(), time.Minute, 5*time.Millisecond, func() (bool, error) {
		return e.b.Sink.Count() > 0, nil
	}), "no JumpCloud event reached the sink")
	body := "side-by-side OTLP log " + strconv.FormatInt(now.UnixNano(), 10)
	req := otlpLogRequest(t, body)
	url := fmt.Sprintf("http://127.0.0.1:%d/v1/logs", httpPort)
	require.NoError(t, harness.Poll(t.Context(), 30*time.Second, 100*time.Millisecond, func() (bool, error) {
		return postOTLP(t, url, req)
	}), "the OTLP receiver did not accept the log")
	atSend := e.b.Sink.Count()
	t.Logf("OTLP log accepted with %d of %d JumpCloud events at the sink", atSend, len(want))

	waitDistinct(t, e.b.Sink, len(want)+1, 2*time.Minute)
	var jumpcloud, otlp []sumosink.Message
	for _, m := range e.b.Sink.Messages() {
		if m.Category == otlpCategory {
			otlp = append(otlp, m)
		} else {
			jumpcloud = append(jumpcloud, m)
		}
	}
	require.Len(t, otlp, 1, "the OTLP log, once")
	require.Equal(t, map[string]string{"service.name": "e2e-app"}, otlp[0].Fields, "the OTLP log's own resource, no JumpCloud fields")
	require.Empty(t, otlp[0].Name)
	var line map[string]any
	require.NoError(t, json.Unmarshal([]byte(otlp[0].Body), &line), "log_format json: %s", otlp[0].Body)
	require.Equal(t, map[string]any{"log": body, "e2e.pipeline": "otlp"}, line)

	d := checkMessages(t, jumpcloud, want, sumosink.Metadata{Name: sourceName, Category: category, Fields: wantFields})
	requireComplete(t, d, len(want))
	require.Zero(t, d.duplicates)
}

// otlpLogRequest is an OTLP logs export request (protobuf) with one record.
func otlpLogRequest(t *testing.T, body string) []byte {
	t.Helper()
	logs := plog.NewLogs()
	rl := logs.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "e2e-app")
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetTimestamp(pcommon.NewTimestampFromTime(time.Now()))
	lr.SetSeverityNumber(plog.SeverityNumberInfo)
	lr.Body().SetStr(body)
	lr.Attributes().PutStr("e2e.pipeline", "otlp")
	data, err := plogotlp.NewExportRequestFromLogs(logs).MarshalProto()
	require.NoError(t, err)
	return data
}

// postOTLP posts an OTLP/HTTP protobuf request: true once the receiver answered 200.
func postOTLP(t *testing.T, url string, data []byte) (bool, error) {
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader(data))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("OTLP/HTTP answered %s", resp.Status)
	}
	return true, nil
}
