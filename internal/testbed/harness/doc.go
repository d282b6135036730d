// Package harness runs the otelcol-jumpcloud distribution binary against the in-process
// JumpCloud Directory Insights simulator (internal/testbed/jumpcloudsim) and Sumo Logic style sink
// (internal/testbed/sumosink), both on 127.0.0.1 random ports. The end-to-end test (test/e2e) and the
// no-credentials demo (cmd/demo) are built on it.
//
// The collector runs as a child process with the repository's otelcol-config.yaml; the harness
// points the configuration's environment variables (JUMPCLOUD_API_KEY, JUMPCLOUD_ENDPOINT,
// SUMO_HTTP_SOURCE_URL, OTELCOL_STORAGE_DIR, OTELCOL_HEALTH_ENDPOINT, OTELCOL_METRICS_PORT, ...)
// at the simulator, the sink, a storage directory and free loopback ports, and reads the
// receiver's component status from the health_check endpoint. Every wait is bounded by a
// context or a timeout.
package harness // import "github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/harness"
