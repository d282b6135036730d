package jumpclouddirectoryinsightsreceiver

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-jumpcloud/otelcol-jumpcloud/internal/testbed/jumpcloudsim"
)

func TestStatusStatesAreReported(t *testing.T) {
	sim, url := startSim(t, jumpcloudsim.Config{})
	require.NoError(t, sim.Generate(5, time.Now().Add(-time.Hour), time.Now().Add(-time.Minute)))
	host := newStatusHost()
	sink := new(consumertest.LogsSink)
	r := startReceiver(t, testConfig(url), host, sink)
	waitFor(t, 5*time.Second, func() bool { st, _ := r.status.current(); return st == stateCollecting }, "never Collecting")
	var states []string
	events := host.Events()
	for _, ev := range events {
		v, _ := ev.Attributes().Get(attrKeySourceState)
		states = append(states, v.Str())
		assert.Equal(t, componentstatus.StatusOK, ev.Status())
	}
	assert.Equal(t, []string{"Authenticated", "Collecting"}, states, "reported once per change")
}

// A step that finishes while the receiver is stopping must not report OK after Stopping.
func TestNoStatusAfterStopping(t *testing.T) {
	sim, url := startSim(t, jumpcloudsim.Config{})
	require.NoError(t, sim.Generate(10, time.Now().Add(-time.Hour), time.Now().Add(-time.Minute)))
	host := newStatusHost()
	var r *diReceiver
	stopping := make(chan struct{})
	next, err := consumer.NewLogs(func(context.Context, plog.Logs) error {
		<-stopping // hold the page until Shutdown has begun
		return nil
	})
	require.NoError(t, err)
	r = startReceiver(t, testConfig(url), host, next)
	waitFor(t, 5*time.Second, func() bool { st, _ := r.status.current(); return st == stateAuthenticated }, "no page")
	n := len(host.Statuses())
	go func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for range tick.C {
			if st, _ := r.status.current(); st == stateStopping {
				close(stopping)
				return
			}
		}
	}()
	require.NoError(t, r.Shutdown(context.Background()))
	assert.Len(t, host.Statuses(), n, "nothing reported once Stopping")
}
