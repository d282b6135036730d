// Package jumpclouddirectoryinsightsreceiver receives JumpCloud Directory Insights audit events.
//
// It polls the Directory Insights `/events` API in time windows `[start, now - settle_delay)`,
// pages through each window with `search_after`, turns every event into one log record (the
// original JSON text as body, the event time as timestamp) carrying the source metadata of the
// Sumo Logic hosted source it replaces (`_sourceName`, `_sourceCategory`, user fields), and
// checkpoints its position in a storage extension only after the next consumer accepted a page.
// Component status mirrors the hosted source's states (see status.go).
//
//go:generate mdatagen metadata.yaml
package jumpclouddirectoryinsightsreceiver // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/receiver/jumpclouddirectoryinsightsreceiver"
