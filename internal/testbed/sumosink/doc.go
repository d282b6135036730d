// Package sumosink is a Sumo Logic style HTTP Logs Source on loopback, for tests, benchmarks
// and the no-credentials demo.
//
// It accepts POST /receiver/v1/http/<code> for its configured code (any other code: 401),
// decodes gzip, deflate (zlib, or raw deflate) and zstd bodies per Content-Encoding, enforces
// the 1 MiB limit of uncompressed data per request (over it: 413 Request Entity Too Large;
// Sumo Logic documents the limit, not the status, and 413 keeps "too big" apart from a
// malformed 400), and records every message (one per non-empty line) with its X-Sumo-*
// metadata. Like Sumo Logic it answers 200 with an empty body, or 200 with a JSON warning body
// when X-Sumo-Fields carries more than 30 fields (the extra ones are dropped) or values longer
// than 200 characters (truncated).
//
// Faults are injected on demand: a FIFO queue of per-request faults (a status such as 429 with
// Retry-After, 503 or 401; slow answers; connection resets) and time windows during which the
// sink is down (answers a status) or accepts but drops data (200, nothing recorded), the way an
// exhausted ingest budget behaves.
//
// Admin endpoints on the same listener: GET /_sink/stats, GET /_sink/messages (NDJSON),
// POST /_sink/faults, POST /_sink/reset.
package sumosink // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/sumosink"
