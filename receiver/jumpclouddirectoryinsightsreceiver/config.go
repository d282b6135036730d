package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configretry"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/httpendpoint"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/sumoattr"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
)

const (
	// retention is how far back Directory Insights keeps events (90 days; 15 on the lowest plan).
	retention = 90 * 24 * time.Hour

	defaultName            = "JumpCloud Directory Insights"
	defaultRegion          = "us"
	defaultPollInterval    = time.Minute
	defaultInitialLookback = 24 * time.Hour
	defaultSettleDelay     = 2 * time.Minute
	defaultOverlap         = 3 * time.Minute
	defaultMaxWindow       = 6 * time.Hour
	defaultPageSize        = jumpcloud.DefaultLimit
	defaultTimeout         = time.Minute
	defaultMaxSeenIDs      = 100000
)

// Config is the configuration of the jumpclouddirectoryinsights receiver. The first block
// mirrors the parameters of the Sumo Logic hosted source it replaces (name, description,
// category, fields, apiKey, orgID, service).
type Config struct {
	// ClientConfig holds the HTTP client settings (endpoint, timeout, tls, proxy_url, headers).
	// An empty endpoint means the base URL of Region.
	confighttp.ClientConfig `mapstructure:",squash"`

	// Name becomes the resource attribute _sourceName (the seed's `name`, Sumo's _source).
	Name string `mapstructure:"name"`
	// Description documents the source; it is not sent anywhere.
	Description string `mapstructure:"description"`
	// Category becomes the resource attribute _sourceCategory.
	Category string `mapstructure:"category"`
	// Fields become resource attributes (Sumo fields, e.g. _siemForward: true).
	Fields map[string]any `mapstructure:"fields"`
	// APIKey is a JumpCloud administrator API key (x-api-key).
	APIKey configopaque.String `mapstructure:"api_key"`
	// OrgID is the organization ID (x-org-id); required for multi-tenant keys.
	OrgID string `mapstructure:"org_id"`
	// Service selects the event services: one string as in the seed ("all", "directory,sso")
	// or a list.
	Service []string `mapstructure:"service"`

	// Region picks the API host when Endpoint is empty: us, eu or in.
	Region string `mapstructure:"region"`
	// PollInterval is the pause between two polls once collection has caught up.
	PollInterval time.Duration `mapstructure:"poll_interval"`
	// InitialLookback bounds the backfill of the very first start (no checkpoint yet).
	InitialLookback time.Duration `mapstructure:"initial_lookback"`
	// SettleDelay keeps the window end this far behind now, since events become visible late.
	SettleDelay time.Duration `mapstructure:"settle_delay"`
	// Overlap is how far before the previous window's end each new window starts: events that
	// became visible later than SettleDelay are still delivered; already delivered ones are
	// dropped by id.
	Overlap time.Duration `mapstructure:"overlap"`
	// MaxWindow bounds the time span of one query window (backfill proceeds window by window).
	MaxWindow time.Duration `mapstructure:"max_window"`
	// PageSize is the `limit` of each request (1 to 10000).
	PageSize int `mapstructure:"page_size"`
	// MaxSeenIDs bounds the persisted set of ids kept to drop overlap duplicates.
	MaxSeenIDs int `mapstructure:"max_seen_ids"`
	// StorageID names the storage extension (file_storage) that keeps the checkpoint. Without
	// one, a restart begins again with InitialLookback.
	StorageID *component.ID `mapstructure:"storage"`
	// BackOff paces retries after transient API errors and refused deliveries. Collection is
	// retried indefinitely, as the hosted source does: max_elapsed_time is ignored.
	BackOff configretry.BackOffConfig `mapstructure:"retry_on_failure"`

	// prevent unkeyed literal initialization
	_ struct{}
}

var _ component.Config = (*Config)(nil)

func createDefaultConfig() component.Config {
	client := confighttp.NewDefaultClientConfig()
	client.Timeout = defaultTimeout
	backOff := configretry.NewDefaultBackOffConfig()
	backOff.InitialInterval = time.Second
	backOff.MaxInterval = 5 * time.Minute
	backOff.MaxElapsedTime = 0
	return &Config{
		ClientConfig:    client,
		Name:            defaultName,
		Service:         []string{"all"},
		Region:          defaultRegion,
		PollInterval:    defaultPollInterval,
		InitialLookback: defaultInitialLookback,
		SettleDelay:     defaultSettleDelay,
		Overlap:         defaultOverlap,
		MaxWindow:       defaultMaxWindow,
		PageSize:        defaultPageSize,
		MaxSeenIDs:      defaultMaxSeenIDs,
		BackOff:         backOff,
	}
}

// Validate checks the configuration; every error names the offending field.
func (cfg *Config) Validate() error {
	var errs []error
	if strings.TrimSpace(string(cfg.APIKey)) == "" {
		errs = append(errs, errors.New("api_key: must be set (a JumpCloud administrator API key)"))
	}
	if cfg.Endpoint != "" {
		if err := httpendpoint.Validate(cfg.Endpoint); err != nil {
			errs = append(errs, fmt.Errorf("endpoint: %w", err))
		}
	} else if _, err := jumpcloud.RegionBaseURL(cfg.Region); err != nil {
		errs = append(errs, fmt.Errorf("region: %w", err))
	}
	services := cfg.services()
	if len(services) == 0 {
		errs = append(errs, errors.New(`service: must name at least one service ("all" for every service)`))
	}
	for _, s := range services {
		if strings.ContainsAny(s, " \t\"") {
			errs = append(errs, fmt.Errorf("service: %q is not a service name", s))
		}
	}
	if cfg.PageSize < 1 || cfg.PageSize > jumpcloud.MaxLimit {
		errs = append(errs, fmt.Errorf("page_size: %d is out of range: must be 1 to %d", cfg.PageSize, jumpcloud.MaxLimit))
	}
	if cfg.PollInterval <= 0 {
		errs = append(errs, fmt.Errorf("poll_interval: %s must be positive", cfg.PollInterval))
	}
	if cfg.InitialLookback <= 0 {
		errs = append(errs, fmt.Errorf("initial_lookback: %s must be positive", cfg.InitialLookback))
	} else if cfg.InitialLookback > retention {
		errs = append(errs, fmt.Errorf("initial_lookback: %s exceeds the 90-day retention of Directory Insights", cfg.InitialLookback))
	}
	if cfg.SettleDelay < 0 {
		errs = append(errs, fmt.Errorf("settle_delay: %s must not be negative", cfg.SettleDelay))
	}
	if cfg.Overlap < 0 {
		errs = append(errs, fmt.Errorf("overlap: %s must not be negative", cfg.Overlap))
	}
	if cfg.MaxWindow <= 0 {
		errs = append(errs, fmt.Errorf("max_window: %s must be positive", cfg.MaxWindow))
	}
	if cfg.MaxSeenIDs < 1 {
		errs = append(errs, fmt.Errorf("max_seen_ids: %d must be positive", cfg.MaxSeenIDs))
	}
	if cfg.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("timeout: %s must be positive (a hung request would stall collection)", cfg.Timeout))
	}
	if err := cfg.BackOff.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("retry_on_failure: %w", err))
	}
	if cfg.BackOff.InitialInterval <= 0 || cfg.BackOff.MaxInterval <= 0 {
		errs = append(errs, errors.New("retry_on_failure: initial_interval and max_interval must be positive"))
	}
	errs = append(errs, validateFields(cfg.Fields)...)
	return errors.Join(errs...)
}

func validateFields(fields map[string]any) []error {
	var errs []error
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch {
		case strings.TrimSpace(k) == "":
			errs = append(errs, errors.New("fields: a field name is empty"))
		case k == sumoattr.SourceName || k == sumoattr.SourceCategory:
			errs = append(errs, fmt.Errorf("fields: %q is reserved: set it with `name` or `category`", k))
		}
		switch fields[k].(type) {
		case string, bool, int, int64, float64, uint64:
		default:
			errs = append(errs, fmt.Errorf("fields: %q must be a string, number or boolean, got %T", k, fields[k]))
		}
	}
	return errs
}

// services returns the trimmed, non-empty service names (a string "directory, sso" is split
// into a list by the configuration decoder).
func (cfg *Config) services() []string {
	out := make([]string, 0, len(cfg.Service))
	for _, s := range cfg.Service {
		if s = strings.ToLower(strings.TrimSpace(s)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// baseURL is the API base: Endpoint when set, else the region's host.
func (cfg *Config) baseURL() string {
	if cfg.Endpoint != "" {
		return cfg.Endpoint
	}
	u, _ := jumpcloud.RegionBaseURL(cfg.Region)
	return u
}

// fieldStrings renders Fields as strings ("true" for a boolean).
func (cfg *Config) fieldStrings() map[string]string {
	out := make(map[string]string, len(cfg.Fields))
	for k, v := range cfg.Fields {
		out[k] = fmt.Sprint(v)
	}
	return out
}
