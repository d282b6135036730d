// Package mapping turns one Directory Insights event into the content of one log record, in the
// output format the receiver is configured with:
//
//   - raw (the default): the body is the event's JSON text byte for byte (raw.go);
//   - ecs: the body is an Elastic Common Schema document (ecs.go);
//   - ocsf: the body is an OCSF 1.8.0 event (ocsf.go);
//
// and, with semantic conventions enabled, OpenTelemetry semantic-convention attributes beside
// the body in any format (semconv.go). Every format sets the record's timestamp (event time),
// EventName (EventName) and severity (INFO, WARN for a failed outcome).
//
// A Mapper is a pure function of the event: it keeps no state between events, so that the
// receiver can convert the same events again when a delivery is retried. An event is decoded
// once (fastjson) for the formats that need its fields, never for raw alone. A mapping that
// fails (not a JSON object, a field of an unexpected type) never drops the event: Map returns
// the error and the record carries the raw body and the attribute jumpcloud.mapping.error.
package mapping // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver/internal/mapping"
