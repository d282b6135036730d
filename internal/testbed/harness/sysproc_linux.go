//go:build linux

package harness

import (
	"os/exec"
	"runtime"
	"syscall"
)

// startChild starts cmd in its own process group (a Ctrl-C at the terminal reaches the demo or
// test first, which then stops the collector in order) and with a parent-death signal: if the
// test binary or the demo dies without cleaning up (SIGKILL, a test timeout panic, os.Exit),
// the kernel kills the collector instead of leaving it orphaned.
func startChild(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	// Pdeathsig fires when the thread that forked exits: keep this goroutine on one thread
	// during Start (Go does not end idle threads of its pool afterwards).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return cmd.Start()
}
