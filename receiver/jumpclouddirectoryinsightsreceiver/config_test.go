package jumpclouddirectoryinsightsreceiver

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/mapping"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/metadata"
)

func loadConfig(t *testing.T, name string) (*Config, error) {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
	require.NoError(t, err)
	cfg := createDefaultConfig().(*Config)
	if err := sub.Unmarshal(cfg); err != nil {
		return nil, err
	}
	return cfg, confmap.Validate(cfg)
}

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	t.Run("defaults", func(t *testing.T) {
		t.Parallel()
		cfg, err := loadConfig(t, "")
		require.NoError(t, err)
		assert.Equal(t, "from-config", string(cfg.APIKey))
		assert.Equal(t, []string{"all"}, cfg.Service)
		assert.Equal(t, "https://api.jumpcloud.com/insights/directory/v1", cfg.baseURL())
		assert.Equal(t, "JumpCloud Directory Insights", cfg.Name)
		assert.Equal(t, 10*time.Second, cfg.PollInterval)
		assert.Equal(t, 1000, cfg.PageSize)
		assert.Nil(t, cfg.StorageID)
		assert.Equal(t, mapping.FormatRaw, cfg.Format, "raw by default: the body is what JumpCloud sent")
		assert.False(t, cfg.PreserveOriginalEvent)
		assert.Equal(t, map[string]string{}, cfg.fieldStrings(), "no _parser without _siemForward")
	})
	t.Run("ocsf", func(t *testing.T) {
		t.Parallel()
		cfg, err := loadConfig(t, "ocsf")
		require.NoError(t, err)
		assert.Equal(t, mapping.FormatOCSF, cfg.Format)
		assert.True(t, cfg.SemanticConventions)
		assert.True(t, cfg.PreserveOriginalEvent)
		assert.Equal(t, "/Parsers/Custom/My JumpCloud", cfg.fieldStrings()["_parser"], "the user's own _parser is kept")
	})
	t.Run("full", func(t *testing.T) {
		t.Parallel()
		cfg, err := loadConfig(t, "full")
		require.NoError(t, err)
		assert.Equal(t, "JumpCloud DI (prod)", cfg.Name)
		assert.Equal(t, "security/jumpcloud", cfg.Category)
		assert.Equal(t, map[string]string{
			"_siemForward": "true", "team": "secops",
			"_parser": "/Parsers/System/JumpCloud/JumpCloud Directory Insights", // Cloud SIEM's parser of JumpCloud
		}, cfg.fieldStrings())
		assert.Equal(t, mapping.FormatRaw, cfg.Format)
		assert.False(t, cfg.SemanticConventions)
		assert.Equal(t, []string{"64949312aaaaaaaaaaaaaaaa"}, cfg.orgIDs(), "one id as in the hosted source")
		assert.Equal(t, []streamSpec{{orgID: "64949312aaaaaaaaaaaaaaaa"}}, cfg.streams())
		assert.Equal(t, []string{"directory", "sso"}, cfg.services(), "a string as in the hosted source is split")
		assert.Equal(t, "https://api.eu.jumpcloud.com/insights/directory/v1", cfg.baseURL())
		assert.Equal(t, 5*time.Minute, cfg.PollInterval)
		assert.Equal(t, 72*time.Hour, cfg.InitialLookback)
		assert.Equal(t, 3*time.Minute, cfg.SettleDelay)
		assert.Equal(t, 10*time.Minute, cfg.Overlap)
		assert.Equal(t, time.Hour, cfg.MaxWindow)
		assert.Equal(t, 10000, cfg.PageSize)
		assert.Equal(t, 30*time.Second, cfg.Timeout)
		require.NotNil(t, cfg.StorageID)
		assert.Equal(t, "file_storage", cfg.StorageID.String())
	})
	t.Run("organizations as a comma-separated string, with the provider", func(t *testing.T) {
		t.Parallel()
		cfg, err := loadConfig(t, "msp_string")
		require.NoError(t, err)
		assert.Equal(t, []streamSpec{{orgID: "org-a"}, {orgID: "org-b"}, {orgID: "org-c"}, {providerID: "prov-1"}}, cfg.streams())
		assert.Equal(t, 8, cfg.MaxConcurrentRequests)
		assert.InDelta(t, 2.5, cfg.MaxRequestsPerSecond, 1e-9)
	})
	t.Run("organizations as a YAML list", func(t *testing.T) {
		t.Parallel()
		cfg, err := loadConfig(t, "msp_list")
		require.NoError(t, err)
		assert.Equal(t, []streamSpec{{orgID: "org-a"}, {orgID: "org-b"}}, cfg.streams())
		assert.Equal(t, 4, cfg.MaxConcurrentRequests, "default")
	})
	t.Run("list", func(t *testing.T) {
		t.Parallel()
		cfg, err := loadConfig(t, "list")
		require.NoError(t, err)
		assert.Equal(t, []string{"radius", "mdm"}, cfg.services())
		assert.Equal(t, "http://127.0.0.1:8080/insights/directory/v1", cfg.baseURL())
	})
	t.Run("service account", func(t *testing.T) {
		t.Parallel()
		cfg, err := loadConfig(t, "service_account")
		require.NoError(t, err)
		assert.Empty(t, cfg.APIKey)
		assert.Equal(t, &jumpcloud.ServiceAccount{
			ClientID: "svc-client-id", ClientSecret: "svc-secret-3c4d5e6f",
			TokenURL: "https://admin-oauth.id.eu.jumpcloud.com/oauth2/token",
		}, cfg.serviceAccount(), "the region's token endpoint by default")
	})
	t.Run("service account with token_endpoint and a host as endpoint", func(t *testing.T) {
		t.Parallel()
		cfg, err := loadConfig(t, "service_account_token_endpoint")
		require.NoError(t, err)
		assert.Equal(t, "https://oauth.proxy.example.com/oauth2/token", cfg.serviceAccount().TokenURL)
		assert.Equal(t, "https://api.jumpcloud.com/insights/directory/v1", cfg.baseURL())
	})
	t.Run("api key: no service account", func(t *testing.T) {
		t.Parallel()
		cfg, err := loadConfig(t, "")
		require.NoError(t, err)
		assert.Nil(t, cfg.serviceAccount())
	})
}

func TestConfigValidationErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want []string
	}{
		{name: "missing_key", want: []string{"api_key: must be set", "or client_id and client_secret (a service account)"}},
		{name: "blank_key", want: []string{"api_key: must be set (a JumpCloud administrator API key)"}},
		{name: "both_auth", want: []string{"api_key, client_id, client_secret: set either api_key", "not both"}},
		{name: "service_account_incomplete", want: []string{
			"client_secret: must be set with client_id", "org_id: must be set with a service account",
			`token_endpoint: the URL scheme must be https`,
		}},
		{name: "endpoint_query", want: []string{"endpoint: must not contain a query or a fragment"}},
		{name: "page_size", want: []string{"page_size: 20000 is out of range: must be 1 to 10000"}},
		{name: "region", want: []string{`region: unknown region "mars": must be one of eu, in, us`}},
		{name: "negative", want: []string{
			"poll_interval: -1s must be positive", "settle_delay: -5s must not be negative",
			"overlap: -1m0s must not be negative", "initial_lookback: -1h0m0s must be positive",
		}},
		{name: "lookback", want: []string{"initial_lookback: 2400h0m0s exceeds the 90-day retention"}},
		{name: "endpoint", want: []string{`endpoint: the URL scheme must be https (or http for a local server)`}},
		{name: "empty_service", want: []string{"service: must name at least one service"}},
		{name: "streams", want: []string{
			`org_id: "org-a" is listed twice`, `org_id: "bad org" is not an organization id`,
			`provider_id: "p 1" is not a provider id`, "max_concurrent_requests: 33 is out of range: must be 1 to 32",
			"max_requests_per_second: -1 must not be negative",
		}},
		{name: "no_retry", want: []string{"retry_on_failure: enabled: false is not supported", "retry_on_failure: max_elapsed_time 10m0s is not supported"}},
		{name: "fields", want: []string{
			`fields: "_sourceCategory" is reserved`, `fields: "nested" must be a string, number or boolean`,
			`fields: "_siemForward" must be true or false, got "yes"`,
		}},
		{name: "format", want: []string{`format: "json" is not a format: must be one of raw`, "ecs", "ocsf"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadConfig(t, tt.name)
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestAPIKeyIsOpaque(t *testing.T) {
	t.Parallel()
	cfg, err := loadConfig(t, "full")
	require.NoError(t, err)
	assert.NotContains(t, cfg.APIKey.String(), "ebf7b9d6e1")
}

func TestClientSecretIsRedactedInPrintedConfig(t *testing.T) {
	t.Parallel()
	cfg, err := loadConfig(t, "service_account")
	require.NoError(t, err)
	conf := confmap.New()
	require.NoError(t, conf.Marshal(cfg)) // what print-config shows
	printed := fmt.Sprint(conf.ToStringMap())
	assert.NotContains(t, printed, "svc-secret-3c4d5e6f")
	assert.Contains(t, printed, "svc-client-id")
	assert.Equal(t, "[REDACTED]", conf.Get("client_secret"))
}
