package cli

import (
	"bytes"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a bytes.Buffer for one writer goroutine and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestProgressWithoutTerminal(t *testing.T) {
	var buf syncBuffer
	p := newProgress(&buf)
	if p.tty {
		t.Fatal("a buffer is not a terminal")
	}
	p.Phase("load", 4, func() string { return "2 retries" })
	p.Set(3)
	p.Write([]byte("a log line\n"))
	p.Set(4)
	p.Phase("next", 0, nil)
	p.Stop()
	out := buf.String()
	if strings.ContainsAny(out, "\r\033") {
		t.Errorf("plain output holds terminal controls: %q", out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || lines[0] != "a log line" || !strings.HasPrefix(lines[1], "load: 4/4 100%") || !strings.HasSuffix(lines[1], "2 retries") || !strings.HasPrefix(lines[2], "next: 0/0") {
		t.Errorf("plain progress:\n%s", out)
	}
}

func TestProgressOnTerminal(t *testing.T) {
	var buf syncBuffer
	p := newProgress(&buf)
	p.tty = true // as if stderr were a terminal
	p.Phase("q1", 10, nil)
	p.Set(5)
	p.Write([]byte("warning\n"))
	p.Stop()
	out := buf.String()
	if !strings.Contains(out, "warning\n") || !strings.Contains(out, "\r\033[Kq1 ") || !strings.Contains(out, "10/10") && !strings.Contains(out, "5/10") || !strings.HasSuffix(out, "\n") {
		t.Errorf("terminal progress: %q", out)
	}
}
