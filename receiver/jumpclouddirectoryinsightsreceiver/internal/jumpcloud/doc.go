// Package jumpcloud is a client of the JumpCloud Directory Insights API v1 `/events` endpoint.
//
// It sends one query per call (POST with a JSON body), keeps each event's original bytes,
// extracts only the few fields a collector needs (id, timestamp, service, event_type,
// organization) and classifies every failure as a configuration error (400/401/402/403/404/405,
// a rejected service account: retrying cannot help) or a transient one (429, 5xx, network,
// timeouts, broken bodies), honouring Retry-After. Paging state (`search_after`) is treated as opaque JSON and echoed verbatim.
//
// It authenticates with an API key (x-api-key) or a service account (OAuth 2.0 client
// credentials, auth.go); the endpoint a user configures is normalised by BaseURLFromEndpoint.
//
// The client never logs and never puts the API key, the client secret or a token into an error.
package jumpcloud
