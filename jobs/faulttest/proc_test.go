//go:build fault

package faulttest

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Environment of a child process.
const (
	envRole  = "SPINDLE_FAULT_ROLE"
	envURL   = "SPINDLE_FAULT_URL"
	envQueue = "SPINDLE_FAULT_QUEUE"
	envLease = "SPINDLE_FAULT_LEASE"
	envConc  = "SPINDLE_FAULT_CONCURRENCY"
	envAck   = "SPINDLE_FAULT_ACK"
	// envProducers is how many goroutines of a producer child enqueue
	// on its one client; unset or 1, one goroutine.
	envProducers = "SPINDLE_FAULT_PRODUCERS"
)

// child is this test binary running in a role. Its stdout lines go to
// onLine (the first "ready" line closes ready instead).
type child struct {
	cmd    *exec.Cmd
	ready  chan struct{}
	done   chan struct{} // closed when the process exited and stdout is drained
	err    error         // the Wait error, set before done closes
	mu     sync.Mutex
	stderr bytes.Buffer
}

func (ch *child) Write(p []byte) (int, error) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	return ch.stderr.Write(p)
}

func (ch *child) stderrText() string {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	return ch.stderr.String()
}

func startChild(t *testing.T, role string, env []string, onLine func(string)) *child {
	t.Helper()
	ch := &child{ready: make(chan struct{}), done: make(chan struct{})}
	ch.cmd = exec.Command(os.Args[0], "-test.run=^$")
	ch.cmd.Env = append(append(os.Environ(), envRole+"="+role), env...)
	ch.cmd.Stderr = ch
	pipe, err := ch.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(pipe)
		first := true
		for sc.Scan() {
			if first && sc.Text() == "ready" {
				close(ch.ready)
			} else if onLine != nil {
				onLine(sc.Text())
			}
			first = false
		}
		ch.err = ch.cmd.Wait()
		close(ch.done)
	}()
	t.Cleanup(func() {
		select {
		case <-ch.done:
			return
		default:
		}
		_ = ch.cmd.Process.Kill()
		<-ch.done
	})
	return ch
}

func (ch *child) pid() int { return ch.cmd.Process.Pid }

func (ch *child) waitReady(t *testing.T) {
	t.Helper()
	select {
	case <-ch.ready:
	case <-ch.done:
		t.Fatalf("child exited before it was ready: %v\n%s", ch.err, ch.stderrText())
	case <-time.After(60 * time.Second):
		t.Fatalf("child not ready\n%s", ch.stderrText())
	}
}

// kill sends SIGKILL and waits until the process is gone and its output
// read.
func (ch *child) kill(t *testing.T) {
	t.Helper()
	if err := ch.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-ch.done
	if ws, ok := ch.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child %d did not die of SIGKILL: %v\n%s", ch.pid(), ch.err, ch.stderrText())
	}
}

// stop sends SIGTERM (a graceful shutdown) and checks the exit.
func (ch *child) stop(t *testing.T) {
	t.Helper()
	_ = ch.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-ch.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("child %d did not stop\n%s", ch.pid(), ch.stderrText())
	}
	if ch.err != nil {
		t.Fatalf("child %d: %v\n%s", ch.pid(), ch.err, ch.stderrText())
	}
}
