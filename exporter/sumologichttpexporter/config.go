package sumologichttpexporter // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/exporter/sumologichttpexporter"

import (
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"golang.org/x/net/http/httpguts"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/configsecret"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/httpendpoint"
)

// LogFormat selects how one log record becomes one line of a request body.
type LogFormat string

const (
	// LogFormatRaw sends the record body as one line (the right choice for JSON events).
	LogFormatRaw LogFormat = "raw"
	// LogFormatJSON sends one JSON object per line: the body under "log" plus the record attributes.
	LogFormatJSON LogFormat = "json"
)

const (
	// DefaultMaxRequestBodySize is the Sumo Logic limit of uncompressed data per request (1 MiB).
	DefaultMaxRequestBodySize = 1 << 20
	// DefaultClient is the default value of the X-Sumo-Client header.
	DefaultClient = "otelcol-jumpcloud"

	compressionNone configcompression.Type = "none"
)

// Config defines the configuration of the sumologichttp exporter.
//
// The HTTP client settings (timeout, tls, proxy_url, headers, compression, ...) are the
// squashed confighttp.ClientConfig. Its `endpoint` key is the Sumo Logic HTTP Source URL, held
// in Endpoint as an opaque (redacted) string: Unmarshal moves it out of ClientConfig.Endpoint.
type Config struct {
	confighttp.ClientConfig `mapstructure:",squash"`

	// Endpoint is the HTTP Source URL (https://<deployment>/receiver/v1/http/<code>). The code in
	// the path is the credential: the value is redacted whenever the config is printed.
	Endpoint configopaque.String `mapstructure:"endpoint"`

	QueueConfig configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`
	RetryConfig configretry.BackOffConfig                                `mapstructure:"retry_on_failure"`

	// MaxRequestBodySize is the largest uncompressed request body in bytes (default and maximum 1 MiB).
	MaxRequestBodySize int `mapstructure:"max_request_body_size"`

	// LogFormat is "raw" (default) or "json".
	LogFormat LogFormat `mapstructure:"log_format"`

	// Client is sent as the X-Sumo-Client header; empty sends no header.
	Client string `mapstructure:"client"`

	// InsecureAllowPlainHTTP permits an http:// endpoint on a host other than the loopback (the
	// HTTP Source URL, a credential, would travel in clear text).
	InsecureAllowPlainHTTP bool `mapstructure:"insecure_allow_plain_http"`
}

var (
	_ component.Config    = (*Config)(nil)
	_ confmap.Unmarshaler = (*Config)(nil)
)

// Unmarshal decodes the configuration and keeps the Sumo URL only in the opaque Endpoint field.
func (cfg *Config) Unmarshal(conf *confmap.Conf) error {
	if err := conf.Unmarshal(cfg); err != nil {
		return err
	}
	if cfg.ClientConfig.Endpoint != "" {
		cfg.Endpoint = configopaque.String(cfg.ClientConfig.Endpoint)
		cfg.ClientConfig.Endpoint = ""
	}
	// A URL read with ${file:...} usually ends with a newline.
	configsecret.TrimAll(cfg)
	return nil
}

// Validate checks the configuration; every error names the offending field and never echoes
// the endpoint value.
func (cfg *Config) Validate() error {
	var errs []error
	if err := validateEndpoint(string(cfg.Endpoint)); err != nil {
		errs = append(errs, err)
	} else if err := configsecret.CheckPlainHTTP("endpoint", string(cfg.Endpoint), "insecure_allow_plain_http", cfg.InsecureAllowPlainHTTP); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, configsecret.ValidateAll(cfg)...)
	if cfg.ClientConfig.Endpoint != "" {
		errs = append(errs, errors.New("endpoint: set Config.Endpoint (opaque), not ClientConfig.Endpoint"))
	}
	switch cfg.Compression {
	case configcompression.TypeGzip, configcompression.TypeDeflate, configcompression.TypeZstd, compressionNone, "":
	default:
		errs = append(errs, fmt.Errorf("compression: %q is not accepted by a Sumo Logic HTTP Source; use gzip, deflate, zstd or none", cfg.Compression))
	}
	if cfg.MaxRequestBodySize <= 0 || cfg.MaxRequestBodySize > DefaultMaxRequestBodySize {
		errs = append(errs, fmt.Errorf("max_request_body_size: must be between 1 and %d bytes (the Sumo Logic limit of uncompressed data), got %d",
			DefaultMaxRequestBodySize, cfg.MaxRequestBodySize))
	}
	switch cfg.LogFormat {
	case LogFormatRaw, LogFormatJSON:
	default:
		errs = append(errs, fmt.Errorf("log_format: %q is not supported; use %q or %q", cfg.LogFormat, LogFormatRaw, LogFormatJSON))
	}
	if cfg.Timeout <= 0 {
		// The http.Client timeout is the only bound of a request (the exporterhelper timeout is
		// off: a push may send several requests).
		errs = append(errs, fmt.Errorf("timeout: must be positive (it bounds each request), got %s", cfg.Timeout))
	}
	if !httpguts.ValidHeaderFieldValue(cfg.Client) {
		// net/http would refuse every request, and the refusal would be retried forever.
		errs = append(errs, errors.New("client: not a valid HTTP header value (control characters such as CR or LF)"))
	}
	return errors.Join(errs...)
}

// validateEndpoint checks the HTTP Source URL without ever putting it into an error.
func validateEndpoint(endpoint string) error {
	if endpoint == "" {
		return errors.New("endpoint: the Sumo Logic HTTP Source URL is required")
	}
	if err := httpendpoint.Validate(endpoint); err != nil {
		return fmt.Errorf("endpoint: %w", err)
	}
	// A port out of range or a host net/http cannot dial would fail every request, retried for
	// ever.
	return configsecret.CheckBuildable("endpoint", endpoint)
}

// compression returns the effective Content-Encoding ("none" when the body is sent as is).
func (cfg *Config) compression() configcompression.Type {
	if cfg.Compression == "" {
		return compressionNone
	}
	return cfg.Compression
}
