// Package sumologichttpexporter sends log records to a Sumo Logic HTTP Logs Source.
//
// Each record becomes one line of a request body. Records are grouped by the Sumo Logic
// source metadata carried in their resource attributes (_sourceCategory -> X-Sumo-Category,
// _sourceName -> X-Sumo-Name, _sourceHost -> X-Sumo-Host, every other attribute ->
// X-Sumo-Fields), bodies stay under max_request_body_size (uncompressed, the Sumo limit), and
// the HTTP Source URL, which is the credential, never appears in logs or errors.
//
//go:generate ../../.tools/mdatagen metadata.yaml
package sumologichttpexporter // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/exporter/sumologichttpexporter"
