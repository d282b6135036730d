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
	"go.opentelemetry.io/collector/confmap"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/configsecret"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/httpendpoint"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/sumoattr"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/jumpcloud"
	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/mapping"
)

const (
	// retention is how far back Directory Insights keeps events (90 days; 15 on the lowest plan).
	retention = 90 * 24 * time.Hour

	defaultName            = "JumpCloud Directory Insights"
	defaultRegion          = "us"
	defaultPollInterval    = 10 * time.Second
	defaultInitialLookback = 24 * time.Hour
	defaultSettleDelay     = 5 * time.Second
	defaultOverlap         = 3 * time.Minute
	defaultMaxWindow       = 24 * time.Hour
	defaultPageSize        = jumpcloud.DefaultLimit
	defaultTimeout         = time.Minute
	defaultMaxSeenIDs      = 100000

	defaultMaxConcurrentRequests = 4
	maxMaxConcurrentRequests     = 32
)

// Config is the configuration of the jumpclouddirectoryinsights receiver. The first block
// mirrors the parameters of the Sumo Logic hosted source it replaces (name, description,
// category, fields, apiKey, orgID, service).
type Config struct {
	// ClientConfig holds the HTTP client settings (endpoint, timeout, tls, proxy_url, headers).
	// The endpoint may be the API host, the base URL .../insights/directory/v1 or the events
	// URL (jumpcloud.BaseURLFromEndpoint); empty means the host of Region.
	confighttp.ClientConfig `mapstructure:",squash"`

	// Name becomes the resource attribute _sourceName (the hosted source's `name`, Sumo's _source).
	Name string `mapstructure:"name"`
	// Description documents the source; it is not sent anywhere.
	Description string `mapstructure:"description"`
	// Category becomes the resource attribute _sourceCategory.
	Category string `mapstructure:"category"`
	// Fields become resource attributes (Sumo fields, e.g. _siemForward: true). With
	// _siemForward true and no _parser, _parser is set to JumpCloud's Cloud SIEM parser.
	Fields map[string]any `mapstructure:"fields"`
	// Format is the shape of each record's body: raw (the JSON text JumpCloud sent, byte for
	// byte), ecs (an Elastic Common Schema document) or ocsf (an OCSF 1.8.0 event).
	Format mapping.Format `mapstructure:"format"`
	// SemanticConventions adds OpenTelemetry semantic-convention attributes (user.*,
	// client.address, user_agent.*, geo.*, error.type) and the jumpcloud.* vendor set to every
	// record, in any format.
	SemanticConventions bool `mapstructure:"semantic_conventions"`
	// PreserveOriginalEvent also keeps each event's JSON text in an ecs or ocsf body
	// (event.original, raw_data), as the option of Elastic's JumpCloud integration; it doubles
	// the size of the records. Off by default; raw bodies are the original already.
	PreserveOriginalEvent bool `mapstructure:"preserve_original_event"`
	// APIKey is a JumpCloud administrator API key (x-api-key). Set it or a service account
	// (ClientID and ClientSecret), not both.
	APIKey configopaque.String `mapstructure:"api_key"`
	// ClientID and ClientSecret are the credentials of a JumpCloud service account (OAuth 2.0
	// client credentials); OrgID is then required.
	ClientID     string              `mapstructure:"client_id"`
	ClientSecret configopaque.String `mapstructure:"client_secret"`
	// TokenEndpoint is the service accounts' token URL; empty means the one of Region.
	TokenEndpoint string `mapstructure:"token_endpoint"`
	// OrgID lists the organizations to collect (x-org-id): one id as in the hosted source, a
	// comma-separated string or a YAML list. Each organization is its own stream (window,
	// checkpoint, status, self-metrics). Empty: the API key's own organization (single-org key).
	OrgID []string `mapstructure:"org_id"`
	// ProviderID, when set, adds one stream for the multi-tenant portal's own events
	// (x-provider-id).
	ProviderID string `mapstructure:"provider_id"`
	// MaxConcurrentRequests bounds the API requests in flight across all streams (1 to 32).
	MaxConcurrentRequests int `mapstructure:"max_concurrent_requests"`
	// MaxRequestsPerSecond caps the request rate across all streams (0: no cap), for accounts
	// whose API quota is shared with other tools.
	MaxRequestsPerSecond float64 `mapstructure:"max_requests_per_second"`
	// Service selects the event services: one string as in the hosted source ("all", "directory,sso")
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
	// Overlap is how late an event may become visible and still be collected: once caught up,
	// each poll counts [window end - Overlap, now - SettleDelay) and re-reads only the ranges
	// holding events not delivered yet (probe.go); already delivered ones are dropped by id.
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
	// MaxPageBytes bounds the body of one page; a larger body is refused as a transient error.
	// 0 (the default) derives it from PageSize: 64 KiB per event, at least 4 MiB.
	MaxPageBytes int64 `mapstructure:"max_page_bytes"`
	// InsecureAllowPlainHTTP permits an http:// endpoint or token_endpoint on a host other than
	// the loopback (the API key or the client secret would travel in clear text).
	InsecureAllowPlainHTTP bool `mapstructure:"insecure_allow_plain_http"`
	// BackOff paces retries after transient API errors and refused deliveries. Collection is
	// retried indefinitely, as the hosted source does: `enabled: false` and a max_elapsed_time
	// are rejected by Validate.
	BackOff configretry.BackOffConfig `mapstructure:"retry_on_failure"`

	// prevent unkeyed literal initialization
	_ struct{}
}

var (
	_ component.Config    = (*Config)(nil)
	_ confmap.Unmarshaler = (*Config)(nil)
)

// Unmarshal decodes the configuration and trims the whitespace around its secrets (a value read
// with ${file:...} usually ends with a newline).
func (cfg *Config) Unmarshal(conf *confmap.Conf) error {
	if err := conf.Unmarshal(cfg); err != nil {
		return err
	}
	configsecret.TrimAll(cfg)
	return nil
}

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
		Format:          mapping.FormatRaw,
		Region:          defaultRegion,
		PollInterval:    defaultPollInterval,
		InitialLookback: defaultInitialLookback,
		SettleDelay:     defaultSettleDelay,
		Overlap:         defaultOverlap,
		MaxWindow:       defaultMaxWindow,
		PageSize:        defaultPageSize,
		MaxSeenIDs:      defaultMaxSeenIDs,
		BackOff:         backOff,

		MaxConcurrentRequests: defaultMaxConcurrentRequests,
	}
}

// Validate checks the configuration; every error names the offending field.
func (cfg *Config) Validate() error {
	var errs []error
	errs = append(errs, cfg.validateAuth()...)
	errs = append(errs, configsecret.ValidateAll(cfg)...)
	if cfg.Endpoint != "" {
		if err := httpendpoint.Validate(cfg.Endpoint); err != nil {
			errs = append(errs, fmt.Errorf("endpoint: %w", err))
		} else if _, err := jumpcloud.BaseURLFromEndpoint(cfg.Endpoint); err != nil {
			errs = append(errs, fmt.Errorf("endpoint: %w", err))
		} else if err := configsecret.CheckBuildable("endpoint", cfg.Endpoint); err != nil {
			errs = append(errs, err)
		}
		if err := configsecret.CheckPlainHTTP("endpoint", cfg.Endpoint, "insecure_allow_plain_http", cfg.InsecureAllowPlainHTTP); err != nil {
			errs = append(errs, err)
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
	if cfg.MaxPageBytes < 0 {
		errs = append(errs, fmt.Errorf("max_page_bytes: %d must not be negative (0 derives it from page_size)", cfg.MaxPageBytes))
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
	errs = append(errs, cfg.validateStreams()...)
	if cfg.MaxConcurrentRequests < 1 || cfg.MaxConcurrentRequests > maxMaxConcurrentRequests {
		errs = append(errs, fmt.Errorf("max_concurrent_requests: %d is out of range: must be 1 to %d", cfg.MaxConcurrentRequests, maxMaxConcurrentRequests))
	}
	if cfg.MaxRequestsPerSecond < 0 {
		errs = append(errs, fmt.Errorf("max_requests_per_second: %g must not be negative (0: no cap)", cfg.MaxRequestsPerSecond))
	}
	if !cfg.BackOff.Enabled {
		errs = append(errs, errors.New("retry_on_failure: enabled: false is not supported: collection retries transient errors indefinitely, as the hosted source does (the API keeps the events); remove the setting"))
	}
	if cfg.BackOff.MaxElapsedTime != 0 {
		errs = append(errs, fmt.Errorf("retry_on_failure: max_elapsed_time %s is not supported: collection retries transient errors indefinitely (set 0 or remove it)", cfg.BackOff.MaxElapsedTime))
	}
	if err := cfg.BackOff.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("retry_on_failure: %w", err))
	}
	if cfg.BackOff.InitialInterval <= 0 || cfg.BackOff.MaxInterval <= 0 {
		errs = append(errs, errors.New("retry_on_failure: initial_interval and max_interval must be positive"))
	}
	errs = append(errs, validateFields(cfg.Fields)...)
	if err := cfg.Format.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("format: %w", err))
	}
	return errors.Join(errs...)
}

// validateAuth checks that exactly one way of authenticating is configured: an API key, or a
// service account with its organization.
func (cfg *Config) validateAuth() []error {
	hasKey := cfg.APIKey != ""
	hasAccount := cfg.ClientID != "" || cfg.ClientSecret != ""
	switch {
	case hasKey && hasAccount:
		return []error{errors.New("api_key, client_id, client_secret: set either api_key (an administrator API key) or client_id and client_secret (a service account), not both")}
	case !hasKey && !hasAccount:
		return []error{errors.New("api_key: must be set (a JumpCloud administrator API key), or client_id and client_secret (a service account) instead")}
	case hasKey && strings.TrimSpace(string(cfg.APIKey)) == "":
		return []error{errors.New("api_key: must be set (a JumpCloud administrator API key), not blank")}
	case hasKey:
		return nil
	}
	var errs []error
	if strings.TrimSpace(cfg.ClientID) == "" {
		errs = append(errs, errors.New("client_id: must be set with client_secret (a service account)"))
	}
	if strings.TrimSpace(string(cfg.ClientSecret)) == "" {
		errs = append(errs, errors.New("client_secret: must be set with client_id (a service account)"))
	}
	if len(cfg.orgIDs()) == 0 {
		errs = append(errs, errors.New("org_id: must be set with a service account (JumpCloud requires x-org-id with its tokens)"))
	}
	if cfg.TokenEndpoint != "" {
		if err := httpendpoint.Validate(cfg.TokenEndpoint); err != nil {
			errs = append(errs, fmt.Errorf("token_endpoint: %w", err))
		} else if err := configsecret.CheckPlainHTTP("token_endpoint", cfg.TokenEndpoint, "insecure_allow_plain_http", cfg.InsecureAllowPlainHTTP); err != nil {
			// The client secret travels in the token request's Basic auth.
			errs = append(errs, err)
		}
	}
	return errs
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
		switch v := fields[k].(type) {
		case string, bool, int, int64, float64, uint64:
			if s := strings.TrimSpace(fmt.Sprint(v)); k == sumoattr.SIEMForward && s != "true" && s != "false" {
				errs = append(errs, fmt.Errorf("fields: %q must be true or false, got %q", k, s))
			}
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

// orgIDs returns the trimmed, non-empty organization ids (a string "a, b" is split into a list
// by the configuration decoder).
func (cfg *Config) orgIDs() []string {
	out := make([]string, 0, len(cfg.OrgID))
	for _, o := range cfg.OrgID {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}

func (cfg *Config) validateStreams() []error {
	var errs []error
	seen := map[string]bool{}
	for _, o := range cfg.orgIDs() {
		switch {
		case strings.ContainsFunc(o, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '"' }):
			errs = append(errs, fmt.Errorf("org_id: %q is not an organization id (whitespace, quotes or control characters)", o))
		case seen[o]:
			errs = append(errs, fmt.Errorf("org_id: %q is listed twice", o))
		}
		seen[o] = true
	}
	if p := strings.TrimSpace(cfg.ProviderID); strings.ContainsFunc(p, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '"' }) {
		errs = append(errs, fmt.Errorf("provider_id: %q is not a provider id (whitespace, quotes or control characters)", p))
	}
	return errs
}

// streams lists the collection streams: one per organization, one for the provider's own
// events, or the key's own organization when neither is configured.
func (cfg *Config) streams() []streamSpec {
	var out []streamSpec
	for _, o := range cfg.orgIDs() {
		out = append(out, streamSpec{orgID: o})
	}
	if p := strings.TrimSpace(cfg.ProviderID); p != "" {
		out = append(out, streamSpec{providerID: p})
	}
	if len(out) == 0 {
		out = append(out, streamSpec{})
	}
	return out
}

// baseURL is the API base URL: Endpoint in any of its accepted forms, normalised, when set;
// else the region's.
func (cfg *Config) baseURL() string {
	if cfg.Endpoint != "" {
		u, _ := jumpcloud.BaseURLFromEndpoint(cfg.Endpoint)
		return u
	}
	u, _ := jumpcloud.RegionBaseURL(cfg.Region)
	return u
}

// serviceAccount returns the service account's credentials, nil when api_key is used.
func (cfg *Config) serviceAccount() *jumpcloud.ServiceAccount {
	if cfg.ClientID == "" && cfg.ClientSecret == "" {
		return nil
	}
	tokenURL := cfg.TokenEndpoint
	if tokenURL == "" {
		tokenURL, _ = jumpcloud.RegionTokenURL(cfg.Region)
	}
	return &jumpcloud.ServiceAccount{
		ClientID:     strings.TrimSpace(cfg.ClientID),
		ClientSecret: string(cfg.ClientSecret),
		TokenURL:     tokenURL,
	}
}

// maxPageBytes is MaxPageBytes, or the bound derived from PageSize when it is 0.
func (cfg *Config) maxPageBytes() int64 {
	if cfg.MaxPageBytes > 0 {
		return cfg.MaxPageBytes
	}
	return jumpcloud.MaxResponseBytesFor(cfg.PageSize)
}

// fieldStrings renders Fields as strings ("true" for a boolean), with _parser set to
// JumpCloud's Cloud SIEM parser when _siemForward is true and _parser is not set: the hosted
// source with "Forward to SIEM" sets that parser itself, and Cloud SIEM cannot build records
// from messages that name none.
func (cfg *Config) fieldStrings() map[string]string {
	out := make(map[string]string, len(cfg.Fields)+1)
	for k, v := range cfg.Fields {
		out[k] = fmt.Sprint(v)
	}
	if strings.EqualFold(strings.TrimSpace(out[sumoattr.SIEMForward]), "true") {
		if _, set := cfg.Fields[sumoattr.Parser]; !set {
			out[sumoattr.Parser] = sumoattr.JumpCloudSIEMParser
		}
	}
	return out
}
