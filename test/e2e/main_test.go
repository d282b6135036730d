// Package e2e is the end-to-end test of the otelcol-jumpcloud distribution: the real binary
// (bin/otelcol-jumpcloud, built by `make build`; `make test` builds it first) runs as a child
// process with the repository's otelcol-config.yaml against the in-process JumpCloud simulator
// and Sumo-style sink (see harness).
//
// Environment:
//   - OTELCOL_JUMPCLOUD_BIN: another binary than <repo>/bin/otelcol-jumpcloud.
//   - E2E_SKIP_WITHOUT_BINARY=1: skip (with a message) instead of failing when the binary is
//     missing. Nothing else skips these tests.
//   - E2E_SINK_DOWN: how long the sink is down in TestSinkOutage (default 1m, the issue's
//     "a minute"; e.g. 15s for a quicker run).
package e2e

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
