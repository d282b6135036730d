package harness

import (
	"errors"
	"os/exec"
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
