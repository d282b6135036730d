package e2e

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/yaml"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/harness"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/jumpcloudsim"
)

// k8sProbes are the paths of the StatefulSet's probes (deploy/kubernetes/statefulset.yaml).
type k8sProbes struct{ readiness, liveness, startup string }

func readK8sProbes(t *testing.T) k8sProbes {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "deploy", "kubernetes", "statefulset.yaml"))
	require.NoError(t, err)
	var sts appsv1.StatefulSet
	require.NoError(t, yaml.Unmarshal(data, &sts)) // strictness: deploy/kubernetes/manifests_test.go
	require.Len(t, sts.Spec.Template.Spec.Containers, 1)
	c := sts.Spec.Template.Spec.Containers[0]
	require.NotNil(t, c.ReadinessProbe)
	require.NotNil(t, c.LivenessProbe)
	require.NotNil(t, c.StartupProbe)
	return k8sProbes{c.ReadinessProbe.HTTPGet.Path, c.LivenessProbe.HTTPGet.Path, c.StartupProbe.HTTPGet.Path}
}

// probeClient keeps no idle connections (goleak).
var probeClient = &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

// probe is the status code the kubelet would get for path on the collector's health endpoint
// (0 when it does not answer).
func probe(ctx context.Context, c *harness.Collector, path string) int {
	u, err := url.Parse(c.HealthURL)
	if err != nil {
		return 0
	}
	ref, err := url.Parse(path)
	if err != nil {
		return 0
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.ResolveReference(ref).String(), http.NoBody)
	if err != nil {
		return 0
	}
	resp, err := probeClient.Do(req)
	if err != nil {
		return 0
	}
	_ = resp.Body.Close() // only the status matters, as for the kubelet
	return resp.StatusCode
}

// TestKubernetesProbes runs the built binary with the shipped configuration and asks its
// health endpoint what the StatefulSet's probes ask: during a JumpCloud outage, a Sumo outage
// and with a wrong API key, readiness fails (500, once the error is older than
// recovery_duration, shortened here to 3 s) while liveness keeps answering 200, so the kubelet
// never restarts a collector that a restart cannot fix; after an outage, readiness is back.
func TestKubernetesProbes(t *testing.T) {
	probes := readK8sProbes(t)
	short := []string{
		"--set=extensions::health_check::component_health::recovery_duration=3s",
		"--set=exporters::sumologichttp::retry_on_failure::max_interval=1s",
		"--set=exporters::sumologichttp::retry_on_failure::max_elapsed_time=2s",
		"--set=receivers::jumpclouddirectoryinsights::retry_on_failure::max_interval=2s",
	}
	tests := []struct {
		name    string
		key     string
		outage  func(e *env)
		recover func(e *env)
	}{
		{
			name: "JumpCloud outage",
			key:  apiKey,
			outage: func(e *env) {
				require.NoError(e.t, e.b.Sim.InjectFault(jumpcloudsim.Fault{Kind: jumpcloudsim.FaultStatus, Status: http.StatusServiceUnavailable, Message: "probe outage", Times: 1000}))
			},
			recover: func(e *env) { e.b.Sim.ClearFaults() },
		},
		{
			name: "Sumo outage",
			key:  apiKey,
			outage: func(e *env) {
				e.b.Sink.Down(10*time.Minute, http.StatusServiceUnavailable, 0)
				now := time.Now()
				require.NoError(e.t, e.b.Sim.Generate(50, now.Add(-2*time.Second), now))
			},
			recover: func(e *env) { e.b.Sink.ClearFaults() },
		},
		{name: "wrong API key", key: wrongKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			now := time.Now()
			require.NoError(t, e.b.Sim.Generate(200, now.Add(-time.Hour), now))
			c := e.startWith(configPath(t), filepath.Join(e.dir, "storage"), e.collectorEnv(tt.key, "all"), short...)
			ctx := t.Context()
			if tt.outage != nil {
				_, err := c.WaitHealth(ctx, 30*time.Second, func(h harness.Health) bool { return h.ReceiverStatus() == harness.StatusOK })
				require.NoError(t, err)
				waitDistinct(t, e.b.Sink, 200, time.Minute)
				for name, p := range map[string]string{"readiness": probes.readiness, "liveness": probes.liveness, "startup": probes.startup} {
					require.Equal(t, http.StatusOK, probe(ctx, c, p), "%s probe %s while collecting", name, p)
				}
				tt.outage(e)
			}
			require.Eventually(t, func() bool { return probe(ctx, c, probes.readiness) == http.StatusInternalServerError },
				time.Minute, 200*time.Millisecond, "readiness %s must fail (500)", probes.readiness)
			h, err := c.Health(ctx)
			require.NoError(t, err)
			t.Logf("not ready: %s", h)
			require.Never(t, func() bool { return probe(ctx, c, probes.liveness) != http.StatusOK },
				5*time.Second, 250*time.Millisecond, "liveness %s must stay 200: a restart cannot fix this", probes.liveness)
			if tt.recover == nil {
				return
			}
			tt.recover(e)
			require.Eventually(t, func() bool { return probe(ctx, c, probes.readiness) == http.StatusOK },
				time.Minute, 200*time.Millisecond, "readiness %s must pass again after the outage", probes.readiness)
		})
	}
}
