package harness

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestExitedError: the error of a wait ended by the collector's exit wraps the exit status, and
// a clean exit reads as one (not "<nil>").
func TestExitedError(t *testing.T) {
	exitErr := exec.Command("false").Run()
	var ee *exec.ExitError
	require.ErrorAs(t, exitErr, &ee)

	tests := []struct {
		name    string
		waitErr error
		want    string
	}{
		{"clean exit", nil, "the collector exited with status 0"},
		{"failure", exitErr, "the collector exited: exit status 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Collector{waitErr: tt.waitErr}
			err := c.ExitedError()
			require.EqualError(t, err, tt.want)
			assert.Equal(t, tt.waitErr != nil, errors.As(err, &ee), "wraps the exit error")
		})
	}
}

// TestStartCollectorRetriesATakenPort: a collector that exits at once because a port it was
// given was taken meanwhile is started again on other ports; one that exits for another reason
// (a configuration it refuses) is returned as it is, exited, and is not started again.
func TestStartCollectorRetriesATakenPort(t *testing.T) {
	tests := []struct {
		name       string
		firstRun   string // what the fake collector prints and does on its first start
		wantStarts int
		wantExited bool
	}{
		{"a taken port", `echo 'listen tcp 127.0.0.1:8888: bind: address already in use' >&2; exit 1`, 2, false},
		{"a refused configuration", `echo 'invalid configuration' >&2; exit 1`, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			bin := filepath.Join(dir, "fake-collector")
			script := "#!/bin/sh\necho start >> " + filepath.Join(dir, "starts") + "\n" +
				"if [ ! -e " + filepath.Join(dir, "ran") + " ]; then touch " + filepath.Join(dir, "ran") + "; " + tt.firstRun + "; fi\n" +
				"echo 'Everything is ready. Begin running and processing data.' >&2\nexec sleep 60\n"
			require.NoError(t, os.WriteFile(bin, []byte(script), 0o700)) //nolint:gosec // an executable script of the test's own
			c, err := StartCollector(CollectorConfig{Binary: bin, ConfigPath: "unused.yaml", LogPath: filepath.Join(dir, "collector.log")})
			require.NoError(t, err)
			t.Cleanup(func() { _ = c.Kill() })
			starts, err := os.ReadFile(filepath.Join(dir, "starts"))
			require.NoError(t, err)
			assert.Equal(t, tt.wantStarts, strings.Count(string(starts), "start"))
			select {
			case <-c.Done():
				assert.True(t, tt.wantExited, "the collector exited")
			default:
				assert.False(t, tt.wantExited, "the collector runs")
			}
		})
	}
}
