// Package sumoattr is the contract between the receiver and the exporter: the resource
// attributes that carry the Sumo Logic source metadata. The receiver sets them from its `name`
// and `category` settings (as the Sumo Logic hosted source did); the exporter sends them as the
// X-Sumo-Name, X-Sumo-Category and X-Sumo-Host headers and every other resource attribute as a
// field (X-Sumo-Fields).
package sumoattr // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/sumoattr"

const (
	// SourceName is the source name (Sumo Logic's _sourceName, sent as X-Sumo-Name).
	SourceName = "_sourceName"
	// SourceCategory is the source category (Sumo Logic's _sourceCategory, sent as
	// X-Sumo-Category).
	SourceCategory = "_sourceCategory"
	// SourceHost is the source host (Sumo Logic's _sourceHost, sent as X-Sumo-Host).
	SourceHost = "_sourceHost"
)

// Cloud SIEM fields.
const (
	// SIEMForward is the field that forwards a source's messages to Cloud SIEM (true/false).
	SIEMForward = "_siemForward"
	// Parser is the field naming the parser that Cloud SIEM runs on a message.
	Parser = "_parser"
	// JumpCloudSIEMParser is Sumo Logic's system parser of JumpCloud Directory Insights events,
	// the one the hosted source sets when "Forward to SIEM" is checked.
	JumpCloudSIEMParser = "/Parsers/System/JumpCloud/JumpCloud Directory Insights"
)
