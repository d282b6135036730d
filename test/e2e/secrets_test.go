package e2e

import (
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/harness"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/jumpcloudsim"
)

// The service account of the secrets sweep (the id is no secret, the secrets are).
const (
	clientID          = "e2e-svc-client-id"
	clientSecret      = "e2e-secret-client-2d9e8b"
	wrongClientSecret = "e2e-wrong-client-secret-6c5d4e"
	// tokenPrefix starts every access token the simulator issues (jumpcloudsim serveToken).
	tokenPrefix = "sim-token-"
	// badOrgID is an organization the simulator does not hold (400 invalid x-org-id).
	badOrgID = "5f0c0000000000000000bad0"
)

// sweepSecrets are the credentials the collector holds, in every form they travel in: none may
// appear in anything the collector writes or serves.
func sweepSecrets() []string {
	basic := func(id, secret string) string {
		return base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(secret)))
	}
	return []string{
		apiKey, wrongKey, sinkCode, clientSecret, wrongClientSecret, tokenPrefix,
		basic(clientID, clientSecret), basic(clientID, wrongClientSecret),
	}
}

// sweepOverlay enables, on top of the shipped configuration, everything that could show a
// secret: zpages (with expvar), the collector's own traces printed to its log (the spans of the
// HTTP clients; zpages' tracez needs an SDK tracer provider), and a short exporter retry so that
// a refused delivery reaches the receiver's status within seconds (and the receiver's backoff
// short enough to see the next failure).
const sweepOverlay = `
extensions:
  zpages:
    expvar:
      enabled: true
service:
  extensions: [file_storage, health_check, zpages]
  telemetry:
    traces:
      processors:
        - simple:
            exporter:
              console: {}
receivers:
  jumpclouddirectoryinsights:
    retry_on_failure:
      max_interval: 2s
exporters:
  sumologichttp:
    retry_on_failure:
      max_interval: 1s
      max_elapsed_time: 2s
`

// sweptCollector is one collector of the sweep and the addresses it serves.
type sweptCollector struct {
	name   string
	c      *harness.Collector
	zpages string // http://127.0.0.1:PORT
}

// surfaces holds every text read from the collectors, by where it was read.
type surfaces map[string]string

// requireNoSecrets fails with the first surface and secret found in it.
func (s surfaces) requireNoSecrets(t *testing.T) {
	t.Helper()
	for where, text := range s {
		for _, secret := range sweepSecrets() {
			if i := strings.Index(text, secret); i >= 0 {
				lo, hi := max(0, i-200), min(len(text), i+len(secret)+200)
				t.Fatalf("a secret (%q) is in %s: ...%s...", secret, where, text[lo:hi])
			}
		}
	}
}

// sweepClient keeps no idle connections (goleak).
var sweepClient = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

func get(ctx context.Context, u string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, http.NoBody)
	if err != nil {
		return 0, "", err
	}
	resp, err := sweepClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	return resp.StatusCode, string(b), err
}

var hrefRE = regexp.MustCompile(`href="([^"]*)"`)

// snapshot reads, for each collector, the health endpoint, the self-metrics and every zpages
// page reachable from the zpages roots (links followed, at most 300 pages a collector).
func (s surfaces) snapshot(t *testing.T, moment string, cols []sweptCollector) {
	t.Helper()
	ctx := t.Context()
	for _, sc := range cols {
		prefix := sc.name + " " + moment + " "
		_, body, err := get(ctx, sc.c.HealthURL)
		require.NoError(t, err)
		require.Contains(t, body, harness.ReceiverComponent, "%shealth", prefix)
		s[prefix+"health"] = body
		_, body, err = get(ctx, sc.c.MetricsURL)
		require.NoError(t, err)
		require.Contains(t, body, "otelcol_", "%smetrics", prefix)
		s[prefix+"metrics"] = body

		queue := []string{}
		for _, p := range []string{"servicez", "pipelinez", "extensionz", "featurez", "tracez", "expvarz"} {
			queue = append(queue, sc.zpages+"/debug/"+p)
		}
		seen := map[string]bool{}
		for len(queue) > 0 && len(seen) < 300 {
			u := queue[0]
			queue = queue[1:]
			if seen[u] {
				continue
			}
			seen[u] = true
			status, body, err := get(ctx, u)
			require.NoError(t, err, u)
			require.Equal(t, http.StatusOK, status, "%s: %s", u, body)
			s[prefix+"zpages "+u] = body
			base, err := url.Parse(u)
			require.NoError(t, err)
			for _, m := range hrefRE.FindAllStringSubmatch(body, -1) {
				ref, err := base.Parse(html.UnescapeString(m[1]))
				if err != nil || ref.Host != base.Host || !strings.HasPrefix(ref.Path, "/debug/") {
					continue
				}
				ref.Fragment = ""
				queue = append(queue, ref.String())
			}
		}
		t.Logf("%s: %d zpages pages read", prefix, len(seen))
	}
}

// TestSecretsSweep runs the distribution at debug level with distinctive credentials (API key,
// service-account client secret, the access tokens the simulator issues, the Sumo URL code)
// through normal collection and through the error paths (a wrong key, a wrong client secret, an
// organization the API refuses, the sink answering 401 and 503, the sink not listening), and
// greps every log line, every health-endpoint answer (status messages and attributes), the
// self-metrics, every zpages page (tracez included) and `print-config` (yaml and json, valid and
// invalid configurations): no secret anywhere.
func TestSecretsSweep(t *testing.T) {
	e := newEnv(t)
	sim := e.b.Sim
	sim.SetServiceAccount(clientID, clientSecret)
	// Tokens live a minute: renewed only because they are revoked below (deterministic 401).
	sim.SetTokenTTL(time.Minute)
	now := time.Now()
	require.NoError(t, sim.Generate(3000, now.Add(-time.Hour), now))

	overlay := filepath.Join(e.dir, "sweep-overlay.yaml")
	require.NoError(t, os.WriteFile(overlay, []byte(sweepOverlay), 0o600))
	apiKeyVars := func(key string) map[string]string {
		vars := e.collectorEnv(key, "all")
		vars["OTELCOL_LOG_LEVEL"] = "debug"
		return vars
	}
	serviceAccountVars := func(secret, org string) map[string]string {
		vars := apiKeyVars("")
		vars["JUMPCLOUD_CLIENT_ID"], vars["JUMPCLOUD_CLIENT_SECRET"] = clientID, secret
		vars["JUMPCLOUD_ORG_ID"] = org
		vars["JUMPCLOUD_TOKEN_ENDPOINT"] = e.b.SimURL() + jumpcloudsim.TokenPath
		return vars
	}
	deadPort, err := harness.FreePort()
	require.NoError(t, err)
	sinkDown := apiKeyVars(apiKey)
	sinkDown["SUMO_HTTP_SOURCE_URL"] = "http://127.0.0.1:" + strconv.Itoa(deadPort) + "/receiver/v1/http/" + sinkCode

	runs := []struct {
		name string
		vars map[string]string
	}{
		{"api-key", apiKeyVars(apiKey)},
		{"service-account", serviceAccountVars(clientSecret, sim.OrgID())},
		{"wrong-key", apiKeyVars(wrongKey)},
		{"wrong-client-secret", serviceAccountVars(wrongClientSecret, sim.OrgID())},
		{"bad-org", serviceAccountVars(clientSecret, badOrgID)},
		{"sink-not-listening", sinkDown},
	}
	var cols []sweptCollector
	for _, r := range runs {
		port, err := harness.FreePort()
		require.NoError(t, err)
		r.vars["OTELCOL_ZPAGES_ENDPOINT"] = "127.0.0.1:" + strconv.Itoa(port)
		c := e.startWith(configPath(t), filepath.Join(e.dir, "storage-"+r.name), r.vars, "--config", overlay)
		cols = append(cols, sweptCollector{name: r.name, c: c, zpages: "http://127.0.0.1:" + strconv.Itoa(port)})
	}
	healthy, broken := cols[:2], cols[2:]

	// Both healthy collectors deliver the backfill; the broken ones reach their error state.
	require.NoError(t, harness.Poll(t.Context(), time.Minute, 100*time.Millisecond, func() (bool, error) {
		for _, sc := range cols {
			select {
			case <-sc.c.Done():
				return false, fmt.Errorf("collector %s: %w", sc.name, sc.c.ExitedError())
			default:
			}
		}
		return e.b.Sink.Count() >= 2*3000, nil
	}), "sink: %d messages", e.b.Sink.Count())
	for _, sc := range healthy {
		_, err := sc.c.WaitHealth(t.Context(), 30*time.Second, func(h harness.Health) bool { return h.ReceiverStatus() == harness.StatusOK })
		require.NoError(t, err, sc.name)
	}
	wantError := map[string]string{
		"wrong-key": harness.StatusPermanentError, "wrong-client-secret": harness.StatusPermanentError,
		"bad-org": harness.StatusPermanentError, "sink-not-listening": harness.StatusRecoverableError,
	}
	for _, sc := range broken {
		h, err := sc.c.WaitHealth(t.Context(), 30*time.Second, func(h harness.Health) bool {
			return h.ReceiverStatus() == wantError[sc.name] && h.Receiver.Error != ""
		})
		require.NoError(t, err, sc.name)
		t.Logf("%s: %s: %s", sc.name, h, h.Receiver.Error)
	}
	s := surfaces{}
	s.snapshot(t, "collecting", cols)

	// Revoked tokens: the next request gets 401 and the service account takes a new token.
	before := sim.Stats()
	sim.RevokeTokens()
	require.NoError(t, sim.Generate(100, time.Now().Add(-2*time.Second), time.Now()))
	require.NoError(t, harness.Poll(t.Context(), 15*time.Second, 100*time.Millisecond, func() (bool, error) {
		st := sim.Stats()
		return st.ByStatus[http.StatusUnauthorized] > before.ByStatus[http.StatusUnauthorized] && st.TokensIssued > before.TokensIssued, nil
	}), "no request with a revoked token")

	// The sink refuses the source URL (401), then is unavailable (503): the exporter's failure
	// reaches the receiver's status on each healthy collector, which recovers in between (the
	// status message changes with the state, not with every failure).
	for _, status := range []int{http.StatusUnauthorized, http.StatusServiceUnavailable} {
		e.b.Sink.Down(time.Minute, status, 0)
		require.NoError(t, sim.Generate(100, time.Now().Add(-2*time.Second), time.Now()))
		for _, sc := range healthy {
			h, err := sc.c.WaitHealth(t.Context(), 30*time.Second, func(h harness.Health) bool {
				return h.ReceiverStatus() == harness.StatusRecoverableError && strings.Contains(h.Receiver.Error, strconv.Itoa(status))
			})
			require.NoError(t, err, "%s: sink answering %d; last error: %s", sc.name, status, h.Receiver.Error)
			t.Logf("%s, sink answering %d: %s: %s", sc.name, status, h, h.Receiver.Error)
		}
		s.snapshot(t, fmt.Sprintf("sink-%d", status), healthy)
		e.b.Sink.ClearFaults()
		for _, sc := range healthy {
			_, err := sc.c.WaitHealth(t.Context(), 30*time.Second, func(h harness.Health) bool { return h.ReceiverStatus() == harness.StatusOK })
			require.NoError(t, err, "%s: after the sink answered %d", sc.name, status)
		}
	}

	st := sim.Stats()
	t.Logf("simulator: %d requests %v, %d token requests, %d tokens issued", st.Requests, st.ByStatus, st.TokenRequests, st.TokensIssued)
	require.GreaterOrEqual(t, st.TokensIssued, int64(3), "tokens were issued (service-account, bad-org) and renewed")

	// Stop every collector (their logs are complete), then read the logs: debug lines included.
	for _, sc := range cols {
		require.NoError(t, sc.c.Stop(20*time.Second), sc.name)
	}
	debugLines, spans := 0, 0
	for _, p := range e.logs {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		s["log "+p] = string(data)
		debugLines += strings.Count(string(data), "\tdebug\t")
		spans += strings.Count(string(data), `"SpanContext"`)
	}
	t.Logf("logs: %d debug lines, %d spans printed", debugLines, spans)
	require.Positive(t, debugLines, "the collectors ran at debug level")
	require.Positive(t, spans, "the collectors printed their own spans")

	printConfigSweep(t, e, s, apiKeyVars(apiKey), serviceAccountVars(clientSecret, sim.OrgID()))
	s.requireNoSecrets(t)
	t.Logf("swept %d surfaces for %d secrets", len(s), len(sweepSecrets()))
}

// printConfigSweep adds the output of `print-config` (redacted, the default; yaml and json) for
// the API key and the service account, and of an invalid configuration, to s. The unredacted
// mode must show the secrets: the values did reach the configuration the sweep prints.
func printConfigSweep(t *testing.T, e *env, s surfaces, keyVars, accountVars map[string]string) {
	t.Helper()
	invalid := map[string]string{}
	for k, v := range accountVars {
		invalid[k] = v
	}
	invalid["JUMPCLOUD_API_KEY"] = apiKey // both ways of authenticating: refused
	cases := []struct {
		name    string
		vars    map[string]string
		args    []string
		wantErr bool
	}{
		{name: "api-key yaml", vars: keyVars},
		{name: "api-key json", vars: keyVars, args: []string{"--format=json"}},
		{name: "service-account yaml", vars: accountVars},
		{name: "service-account json", vars: accountVars, args: []string{"--format=json"}},
		{name: "invalid", vars: invalid, wantErr: true},
		{name: "invalid, validation off", vars: invalid, args: []string{"--validate=false"}},
	}
	for _, tc := range cases {
		tc.vars["OTELCOL_STORAGE_DIR"] = e.dir
		args := append([]string{"print-config", "--config", configPath(t), harness.FeatureGates}, tc.args...)
		out, err := runCommand(t, e.bin, tc.vars, args...)
		if tc.wantErr {
			require.Error(t, err, "print-config %s: %s", tc.name, out)
			require.Contains(t, out, "not both")
		} else {
			require.NoError(t, err, "print-config %s: %s", tc.name, out)
			require.Contains(t, out, "[REDACTED]", "print-config %s", tc.name)
			require.Contains(t, out, "jumpclouddirectoryinsights", "print-config %s", tc.name)
		}
		s["print-config "+tc.name] = out
	}
	for _, vars := range []map[string]string{keyVars, accountVars} {
		out, err := runCommand(t, e.bin, vars, "print-config", "--mode=unredacted", "--config", configPath(t), harness.FeatureGates)
		require.NoError(t, err, out)
		require.Contains(t, out, sinkCode, "the unredacted configuration holds the Sumo URL")
		require.True(t, strings.Contains(out, apiKey) || strings.Contains(out, clientSecret), "the unredacted configuration holds the credential")
	}
}
