// Package sumosourceprovider is a confmap provider with the scheme "sumosource": it reads the
// JSON definition of a Sumo Logic hosted "JumpCloud Directory Insights" source (the Collector
// Management API format) and returns the equivalent configuration of the
// jumpclouddirectoryinsights receiver, so that
//
//	otelcol-jumpcloud --config otelcol-config.yaml --config sumosource:path/to/source.json
//
// runs with the receiver configured from the hosted source's parameters.
package sumosourceprovider // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/confmap/provider/sumosourceprovider"

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.opentelemetry.io/collector/confmap"
	"go.uber.org/zap"
)

const (
	schemeName = "sumosource"

	// ReceiverID is the receiver the source definition configures: the unnamed
	// jumpclouddirectoryinsights receiver of otelcol-config.yaml, so that the JSON's parameters
	// are merged into it (a later --config overrides the same keys of an earlier one) and the
	// rest of that receiver's settings (endpoint, storage, polling) and its pipeline stay.
	ReceiverID = "jumpclouddirectoryinsights"
)

type provider struct {
	logger *zap.Logger
}

// NewFactory returns a factory for a confmap.Provider that reads a Sumo Logic hosted source
// definition (JSON) and returns the jumpclouddirectoryinsights receiver's configuration.
//
// This Provider supports the "sumosource" scheme, and can be called with a "uri" that follows:
//
//	sumosource-uri = "sumosource:" local-path
//
// The "local-path" can be relative or absolute, as for the "file" scheme. Examples:
// `sumosource:jumpcloud-source.json`, `sumosource:/etc/otelcol-jumpcloud/source.json`.
//
// The returned configuration is `receivers: {jumpclouddirectoryinsights: {...}}` with the keys
// that the file sets: name, description, category, fields, api_key (from apiKey), org_id (from
// orgID) and service. The file's schemaRef.type and sourceType must be those of the JumpCloud
// Directory Insights source; an unknown parameter, a missing required one or a value of the
// wrong type is an error naming the parameter and the file. The API key is never part of an
// error or a log line.
func NewFactory() confmap.ProviderFactory {
	return confmap.NewProviderFactory(newProvider)
}

func newProvider(set confmap.ProviderSettings) confmap.Provider {
	logger := set.Logger
	if logger == nil {
		logger = zap.NewNop()
	}
	return &provider{logger: logger}
}

func (p *provider) Retrieve(_ context.Context, uri string, _ confmap.WatcherFunc) (*confmap.Retrieved, error) {
	if !strings.HasPrefix(uri, schemeName+":") {
		return nil, fmt.Errorf("%q uri is not supported by %q provider", uri, schemeName)
	}
	path := filepath.Clean(uri[len(schemeName)+1:])
	content, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("unable to read the Sumo Logic source definition %v: %w", uri, err)
	}
	receiver, err := parseSource(content)
	if err != nil {
		return nil, fmt.Errorf("%s:%s: %w", schemeName, path, err)
	}
	p.logger.Info("Receiver configured from a Sumo Logic source definition",
		zap.String("path", path), zap.String("receiver", ReceiverID))
	return confmap.NewRetrieved(map[string]any{"receivers": map[string]any{ReceiverID: receiver}})
}

func (*provider) Scheme() string {
	return schemeName
}

func (*provider) Shutdown(context.Context) error {
	return nil
}
