//go:build !linux

package harness

import (
	"os/exec"
	"syscall"
)

// startChild starts cmd in its own process group (see sysproc_linux.go; there is no
// parent-death signal outside Linux).
func startChild(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd.Start()
}
