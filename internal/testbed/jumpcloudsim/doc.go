// Package jumpcloudsim is an in-process simulator of the JumpCloud Directory Insights API v1
// (`POST /insights/directory/v1/events` and `/events/count`). Unit tests, benchmarks, the
// end-to-end test and the no-credentials demo (cmd/jumpcloudsim) all use it.
//
// # What it simulates
//
//   - Authentication: `x-api-key` must match the configured key (401 otherwise); a configured
//     non-admin key gets 403; "Directory Insights not enabled" gives 402; a configured org id and a
//     different `x-org-id` header gives 400.
//   - Service accounts: POST /oauth2/token (TokenPath) grants OAuth 2.0 client credentials (id and
//     secret in HTTP Basic auth, grant_type=client_credentials, scope=api) with tokens of a
//     configurable lifetime (Config.TokenTTL, so that renewal is testable); a wrong client gets
//     401 {"error":"invalid_client"}. The API then accepts `Authorization: Bearer <token>` while
//     the token is unexpired (401 otherwise, and after RevokeTokens) and requires `x-org-id`.
//   - Body validation as documented: `service` (array of strings, `all` = every service, unknown
//     values give 400 listing the supported ones), `start_time` (RFC3339, required, not in the
//     future), `end_time` (optional, must be after `start_time`, else
//     `Start Time not after End Time A > B`), `limit` (default 1000, max 10000, nonsense becomes
//     1000), `sort` (ASC/DESC case-insensitive, anything else ASC), `search_after`, `skip`.
//     Unknown keys are ignored. `search_term` {"not": {"id": [...]}} excludes those ids (case-
//     insensitively: the API stores values lower-cased); other search terms, `fields`, `q` and
//     `exact_match` are accepted but not
//     applied (a gap: the collector does not use them).
//   - Responses: a bare JSON array built from each event's original bytes, plus the headers
//     X-Result-Count, X-Limit, X-Sort, X-Search_after and X-Request-Id.
//
// # Ordering and windows
//
// Events are ordered by the key (timestamp truncated to epoch milliseconds, id), id compared as a
// byte string: events in the same millisecond are ordered by id, not by their sub-millisecond
// time. X-Search_after is the key of the last event of the page as the JSON array
// `[epochMillis,"id"]`; a request's `search_after` returns only events strictly after (ASC) or
// strictly before (DESC) that key. When a page is empty, X-Search_after echoes the request's
// `search_after` if it had one and is omitted otherwise (the docs say the header is always sent,
// "even when no further pages of data exist"; echoing keeps a client that resends it idempotent).
//
// The window is `start_time <= timestamp < end_time`, compared at the event's full
// (nanosecond) precision; without `end_time` the window is open-ended.
//
// # Visibility (late events)
//
// Each event has a visible-at time (by default its timestamp). A query only sees events whose
// visible-at time is not after the simulator's clock (Config.Now), so events can appear late
// inside windows that were already read, as they do in the real service.
//
// # Storage
//
// Events are kept in a compact, pointer-free sorted index (32 bytes per event plus the id bytes);
// generated events are rendered to JSON lazily and deterministically from a per-event seed, so the
// same event always has the same bytes. Events added with AddEvent keep their original bytes.
//
// # Faults and admin endpoints
//
// Faults (status codes with or without Retry-After, latency, slow bodies, truncated or malformed
// bodies, an HTML page or a JSON object instead of the array, connection resets, a cursor that
// moved backwards) are queued with InjectFault and consumed by the next API requests.
// The same server also answers `/_sim/...` admin routes (no API key): GET /_sim/stats,
// GET /_sim/events, POST and DELETE /_sim/faults, POST /_sim/settings (API key, service account,
// token lifetime, token revocation).
package jumpcloudsim
