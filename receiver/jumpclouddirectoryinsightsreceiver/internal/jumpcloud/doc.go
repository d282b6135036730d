// Package jumpcloud is a client of the JumpCloud Directory Insights API v1 `/events` endpoint.
//
// It sends one query per call (POST with a JSON body), keeps each event's original bytes,
// extracts only the few fields a collector needs (id, timestamp, service, event_type,
// organization) and classifies every failure as a configuration error (400/401/402/403: retrying
// cannot help) or a transient one (429, 5xx, network, timeouts, broken bodies), honouring
// Retry-After. Paging state (`search_after`) is treated as opaque JSON and echoed verbatim.
//
// The client never logs and never puts the API key into an error.
package jumpcloud
