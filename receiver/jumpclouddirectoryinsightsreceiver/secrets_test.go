package jumpclouddirectoryinsightsreceiver

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/jumpcloudsim"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/statustest"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/metadata"
)

const (
	wrongAPIKey       = "wrong-api-key-9f8e7d6c"
	wrongClientSecret = "wrong-client-secret-5a4b3c"
	// simTokenPrefix starts every access token the simulator issues.
	simTokenPrefix = "sim-token-"
)

// receiverSecrets are the credentials of the tests in every form they travel in.
func receiverSecrets() []string {
	basic := func(id, secret string) string {
		return base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(secret)))
	}
	return []string{testAPIKey, wrongAPIKey, testClientSecret, wrongClientSecret, simTokenPrefix,
		basic(testClientID, testClientSecret), basic(testClientID, wrongClientSecret)}
}

// TestSecretsNeverInLogsOrStatus drives the receiver at debug level through collection and its
// error paths (API errors and broken answers, a wrong key, a wrong client secret, an unreachable
// token endpoint, an organization the API refuses, revoked tokens, a refusing consumer) and
// greps every log entry (message and fields) and every status event for the API key, the client
// secret, its Basic-auth form and the access tokens.
func TestSecretsNeverInLogsOrStatus(t *testing.T) {
	t.Parallel()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	deadURL := "http://" + closed.Addr().String()
	require.NoError(t, closed.Close())

	account := func(sim *jumpcloudsim.Server, base string) *Config { return serviceAccountConfig(sim, base) }
	tests := []struct {
		name  string
		cfg   func(sim *jumpcloudsim.Server, base string) *Config
		next  consumer.Logs
		setup func(t *testing.T, sim *jumpcloudsim.Server)
		// until holds once the scenario went through its paths.
		until func(sim *jumpcloudsim.Server, host *statustest.Host) bool
	}{
		{
			name: "API key through API errors and broken answers",
			cfg:  func(_ *jumpcloudsim.Server, base string) *Config { return testConfig(base) },
			setup: func(t *testing.T, sim *jumpcloudsim.Server) {
				for _, f := range []jumpcloudsim.Fault{
					{Kind: jumpcloudsim.FaultStatus, Status: http.StatusInternalServerError, Message: "boom"},
					{Kind: jumpcloudsim.FaultStatus, Status: http.StatusTooManyRequests, RetryAfter: "0"},
					{Kind: jumpcloudsim.FaultReset}, {Kind: jumpcloudsim.FaultMalformed}, {Kind: jumpcloudsim.FaultTruncate},
				} {
					require.NoError(t, sim.InjectFault(f))
				}
			},
			until: func(sim *jumpcloudsim.Server, host *statustest.Host) bool {
				return len(sim.PendingFaults()) == 0 && host.Last().Status() == componentstatus.StatusOK
			},
		},
		{
			name: "wrong API key",
			cfg: func(_ *jumpcloudsim.Server, base string) *Config {
				cfg := testConfig(base)
				cfg.APIKey = wrongAPIKey
				return cfg
			},
			until: isStatus(componentstatus.StatusPermanentError),
		},
		{
			name: "service account with renewed and revoked tokens",
			cfg:  account,
			// Revoked once, after a few requests, whatever tokens were issued by then: under load
			// the 1 s token may be renewed before that (so "revoke while one token was issued"
			// could never happen); then a 401 and a token issued after the revocation.
			until: func() func(*jumpcloudsim.Server, *statustest.Host) bool {
				revokedAt := int64(-1) // TokensIssued at the revocation
				return func(sim *jumpcloudsim.Server, _ *statustest.Host) bool {
					st := sim.Stats()
					if revokedAt < 0 && st.Requests > 2 {
						revokedAt = st.TokensIssued
						sim.RevokeTokens()
						return false
					}
					return revokedAt >= 0 && st.ByStatus[http.StatusUnauthorized] > 0 && st.TokensIssued > revokedAt
				}
			}(),
		},
		{
			name: "wrong client secret",
			cfg: func(sim *jumpcloudsim.Server, base string) *Config {
				cfg := account(sim, base)
				cfg.ClientSecret = wrongClientSecret
				return cfg
			},
			until: isStatus(componentstatus.StatusPermanentError),
		},
		{
			name: "token endpoint unreachable",
			cfg: func(sim *jumpcloudsim.Server, base string) *Config {
				cfg := account(sim, base)
				cfg.TokenEndpoint = deadURL + jumpcloudsim.TokenPath
				return cfg
			},
			until: isStatus(componentstatus.StatusRecoverableError),
		},
		{
			name: "organization refused",
			cfg: func(sim *jumpcloudsim.Server, base string) *Config {
				cfg := account(sim, base)
				cfg.OrgID = []string{"5f0c0000000000000000bad0"}
				return cfg
			},
			until: isStatus(componentstatus.StatusPermanentError),
		},
		{
			name:  "consumer refuses",
			cfg:   account,
			next:  consumertest.NewErr(errors.New("refused by the pipeline")),
			until: isStatus(componentstatus.StatusRecoverableError),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim, base := startSim(t, jumpcloudsim.Config{Seed: 3, ClientID: testClientID, ClientSecret: testClientSecret, TokenTTL: time.Second})
			now := time.Now().UTC()
			require.NoError(t, sim.Generate(200, now.Add(-time.Hour), now.Add(-time.Minute)))
			if tt.setup != nil {
				tt.setup(t, sim)
			}
			next := tt.next
			if next == nil {
				next = new(consumertest.LogsSink)
			}
			cfg := tt.cfg(sim, base)
			require.NoError(t, cfg.Validate())
			core, logs := observer.New(zapcore.DebugLevel)
			set := receivertest.NewNopSettings(metadata.Type)
			set.ID = component.NewID(metadata.Type)
			set.Logger = zap.New(core)
			host := newStatusHost()
			r, err := newReceiver(cfg, set, next)
			require.NoError(t, err)
			require.NoError(t, r.Start(context.Background(), host))
			waitFor(t, 15*time.Second, func() bool { return host.Last() != nil && tt.until(sim, host) },
				"the scenario did not run through (statuses %v)", host.Statuses())
			require.NoError(t, r.Shutdown(context.Background()))

			var texts []string
			for _, ev := range host.Events() {
				if ev.Err() != nil {
					texts = append(texts, ev.Err().Error(), fmt.Sprintf("%+v", ev.Err()))
				}
				texts = append(texts, fmt.Sprint(ev.Attributes().AsRaw()))
			}
			require.NotZero(t, logs.Len())
			for _, entry := range logs.All() {
				enc := zapcore.NewMapObjectEncoder()
				for _, f := range entry.Context {
					f.AddTo(enc)
				}
				texts = append(texts, entry.Message, fmt.Sprint(enc.Fields))
			}
			for _, text := range texts {
				for _, secret := range receiverSecrets() {
					if strings.Contains(text, secret) {
						assert.Failf(t, "a secret is shown", "%q in %s", secret, text)
					}
				}
			}
		})
	}
}

func isStatus(want componentstatus.Status) func(*jumpcloudsim.Server, *statustest.Host) bool {
	return func(_ *jumpcloudsim.Server, host *statustest.Host) bool { return host.Last().Status() == want }
}
