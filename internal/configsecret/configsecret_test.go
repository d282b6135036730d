package configsecret

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configopaque"
)

type Inner struct {
	Headers configopaque.MapList `mapstructure:"headers,omitempty"`
	Token   configopaque.String  `mapstructure:"token"`
}

type testConfig struct {
	Inner        `mapstructure:",squash"`
	APIKey       configopaque.String `mapstructure:"api_key"`
	ClientSecret configopaque.String `mapstructure:"client_secret"`
	Plain        string              `mapstructure:"plain"`
	Nested       *struct{ X string } `mapstructure:"nested"`
}

func TestTrimAllAndValidateAll(t *testing.T) {
	cfg := &testConfig{
		APIKey:       "  key-from-file\n",
		ClientSecret: "S3CR\r\nETv\n",
		Plain:        " untouched\n",
	}
	cfg.Token = "\ttok\n"
	cfg.Headers = configopaque.MapList{{Name: "X-Good", Value: "v\n"}, {Name: "X-Bad", Value: "a\x00b"}}
	TrimAll(cfg)
	assert.Equal(t, configopaque.String("key-from-file"), cfg.APIKey)
	assert.Equal(t, configopaque.String("S3CR\r\nETv"), cfg.ClientSecret)
	assert.Equal(t, configopaque.String("tok"), cfg.Token)
	assert.Equal(t, configopaque.String("v"), cfg.Headers[0].Value)
	assert.Equal(t, " untouched\n", cfg.Plain, "only secrets are trimmed")

	errs := ValidateAll(cfg)
	require.Len(t, errs, 2)
	joined := errors.Join(errs...).Error()
	assert.Contains(t, joined, "client_secret: contains a control character")
	assert.Contains(t, joined, "headers: X-Bad: contains a control character")
	assert.NotContains(t, joined, "S3CR")
	assert.NotContains(t, joined, "a\x00b")

	TrimAll((*testConfig)(nil)) // no panic
}

func TestValidate(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"abc-123_XYZ", true},
		{"  padded  \n", true},
		{"", true},
		{"ünïcode", true},
		{"in\nside", false},
		{"tab\there", false},
		{"nul\x00", false},
		{"del\x7f", false},
		{"c1\u0085x", false},
	}
	for _, tt := range tests {
		err := Validate("api_key", configopaque.String(tt.in))
		if tt.ok {
			assert.NoError(t, err, "%q", tt.in)
		} else {
			assert.ErrorContains(t, err, "api_key: contains a control character", "%q", tt.in)
		}
	}
}

func TestCheckPlainHTTP(t *testing.T) {
	tests := []struct {
		url     string
		allowed bool
		ok      bool
	}{
		{"https://api.jumpcloud.com/insights/directory/v1", false, true},
		{"http://127.0.0.1:8080/x", false, true},
		{"http://127.3.4.5/x", false, true},
		{"http://[::1]:9/x", false, true},
		{"http://LOCALHOST:9/x", false, true},
		{"http://api.example.com/x", false, false},
		{"HTTP://10.0.0.1/x", false, false},
		{"http://localhost.evil.com/x", false, false},
		{"http://api.example.com/x", true, true},
	}
	for _, tt := range tests {
		err := CheckPlainHTTP("endpoint", tt.url, "insecure_allow_plain_http", tt.allowed)
		if tt.ok {
			assert.NoError(t, err, tt.url)
			continue
		}
		require.Error(t, err, tt.url)
		assert.ErrorIs(t, err, ErrPlainHTTP)
		assert.Contains(t, err.Error(), "insecure_allow_plain_http: true")
		assert.NotContains(t, err.Error(), "example.com")
		assert.NotContains(t, err.Error(), "10.0.0.1")
	}
}

func TestCheckBuildable(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"https://collectors.sumologic.com/receiver/v1/http/ZaVnC4dhaV0", true},
		{"http://127.0.0.1:8080/x", true},
		{"https://[::1]:443/x", true},
		{"https://collectors.sumologic.com:99999/receiver/v1/http/ZaVnC4dhaV0", false},
		{"https://collectors.sumologic.com:0/receiver/v1/http/ZaVnC4dhaV0", false},
		{"https://collectors.sumologic.com:/receiver/v1/http/ZaVnC4dhaV0", false},
		{"https://:443/receiver/v1/http/ZaVnC4dhaV0", false},
		{"https://collectors.sumo logic.com/receiver/v1/http/ZaVnC4dhaV0", false},
		{"https://%zz/receiver/v1/http/ZaVnC4dhaV0", false},
	}
	for _, tt := range tests {
		err := CheckBuildable("endpoint", tt.url)
		if tt.ok {
			assert.NoError(t, err, tt.url)
			continue
		}
		require.Error(t, err, tt.url)
		assert.Contains(t, err.Error(), "endpoint: ")
		assert.NotContains(t, err.Error(), "ZaVnC4dhaV0")
		assert.NotContains(t, err.Error(), "sumologic")
	}
}
