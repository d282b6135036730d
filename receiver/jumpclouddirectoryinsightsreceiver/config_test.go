package jumpclouddirectoryinsightsreceiver

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

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
	t.Run("defaults", func(t *testing.T) {
		cfg, err := loadConfig(t, "")
		require.NoError(t, err)
		assert.Equal(t, "from-config", string(cfg.APIKey))
		assert.Equal(t, []string{"all"}, cfg.Service)
		assert.Equal(t, "https://api.jumpcloud.com/insights/directory/v1", cfg.baseURL())
		assert.Equal(t, "JumpCloud Directory Insights", cfg.Name)
		assert.Equal(t, time.Minute, cfg.PollInterval)
		assert.Equal(t, 1000, cfg.PageSize)
		assert.Nil(t, cfg.StorageID)
	})
	t.Run("full", func(t *testing.T) {
		cfg, err := loadConfig(t, "full")
		require.NoError(t, err)
		assert.Equal(t, "JumpCloud DI (prod)", cfg.Name)
		assert.Equal(t, "security/jumpcloud", cfg.Category)
		assert.Equal(t, map[string]string{"_siemForward": "true", "team": "secops"}, cfg.fieldStrings())
		assert.Equal(t, "64949312aaaaaaaaaaaaaaaa", cfg.OrgID)
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
	t.Run("list", func(t *testing.T) {
		cfg, err := loadConfig(t, "list")
		require.NoError(t, err)
		assert.Equal(t, []string{"radius", "mdm"}, cfg.services())
		assert.Equal(t, "http://127.0.0.1:8080/insights/directory/v1", cfg.baseURL())
	})
}

func TestConfigValidationErrors(t *testing.T) {
	tests := []struct {
		name string
		want []string
	}{
		{name: "missing_key", want: []string{"api_key: must be set"}},
		{name: "page_size", want: []string{"page_size: 20000 is out of range: must be 1 to 10000"}},
		{name: "region", want: []string{`region: unknown region "mars": must be one of eu, in, us`}},
		{name: "negative", want: []string{
			"poll_interval: -1s must be positive", "settle_delay: -5s must not be negative",
			"overlap: -1m0s must not be negative", "initial_lookback: -1h0m0s must be positive",
		}},
		{name: "lookback", want: []string{"initial_lookback: 2400h0m0s exceeds the 90-day retention"}},
		{name: "endpoint", want: []string{`endpoint: the URL scheme must be https (or http for a local server)`}},
		{name: "empty_service", want: []string{"service: must name at least one service"}},
		{name: "fields", want: []string{`fields: "_sourceCategory" is reserved`, `fields: "nested" must be a string, number or boolean`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadConfig(t, tt.name)
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestAPIKeyIsOpaque(t *testing.T) {
	cfg, err := loadConfig(t, "full")
	require.NoError(t, err)
	assert.NotContains(t, cfg.APIKey.String(), "ebf7b9d6e1")
}
