package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// progress shows how far a long command is, on stderr: a bar redrawn in
// place on a terminal, a plain line every few seconds otherwise (a log
// file or CI output must not fill with carriage returns). It is safe for
// concurrent use; Stop must be called once, and ends its goroutine.
type progress struct {
	w     io.Writer
	tty   bool
	every time.Duration

	mu       sync.Mutex
	label    string
	total    int
	done     int
	extra    func() string // more status, or nil
	start    time.Time
	drawn    bool   // a bar is on the current terminal line
	lastLine string // what the last plain line said

	quit     chan struct{}
	wg       sync.WaitGroup
	stopOnce sync.Once
}

// isTerminal reports whether w is a terminal that can redraw a line.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("TERM") == "dumb" {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w, tty: isTerminal(w), quit: make(chan struct{}), start: time.Now()}
	p.every = 2 * time.Second
	if p.tty {
		p.every = 100 * time.Millisecond
	}
	p.wg.Add(1)
	go p.loop()
	return p
}

// Phase starts a new stage of total steps.
func (p *progress) Phase(label string, total int, extra func() string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finishLine()
	p.label, p.total, p.done, p.extra, p.start, p.lastLine = label, total, 0, extra, time.Now(), ""
}

// Set records that done steps of the phase are complete.
func (p *progress) Set(done int) {
	p.mu.Lock()
	p.done = done
	p.mu.Unlock()
}

// Write prints a whole log line above the bar.
func (p *progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
	n, err := p.w.Write(b)
	if p.tty && p.label != "" {
		p.draw()
	}
	return n, err
}

// Stop draws the final state and ends the progress display. It may be
// called more than once, and after Clear.
func (p *progress) Stop() { p.end(false) }

// Clear ends the progress display like Stop, but erases the bar in
// progress on a terminal instead of leaving it, so that what is printed
// next (a summary table) starts on a clean line.
func (p *progress) Clear() { p.end(true) }

func (p *progress) end(clear bool) {
	p.stopOnce.Do(func() {
		close(p.quit)
		p.wg.Wait()
	})
	p.mu.Lock()
	defer p.mu.Unlock()
	if clear && p.tty {
		if p.drawn {
			fmt.Fprint(p.w, "\r\033[K")
			p.drawn = false
		}
		p.label = ""
		return
	}
	p.finishLine()
}

// finishLine leaves the current phase's last state on screen.
func (p *progress) finishLine() {
	if p.label == "" {
		return
	}
	if p.tty {
		p.draw()
		fmt.Fprintln(p.w)
		p.drawn = false
	} else {
		p.plain()
	}
	p.label = ""
}

func (p *progress) loop() {
	defer p.wg.Done()
	t := time.NewTicker(p.every)
	defer t.Stop()
	for {
		select {
		case <-p.quit:
			return
		case <-t.C:
		}
		p.mu.Lock()
		if p.label != "" {
			if p.tty {
				p.draw()
			} else {
				p.plain()
			}
		}
		p.mu.Unlock()
	}
}

func (p *progress) status() string {
	elapsed := time.Since(p.start).Round(100 * time.Millisecond)
	s := fmt.Sprintf("%d/%d", p.done, p.total)
	if p.total > 0 {
		s += fmt.Sprintf(" %3d%%", p.done*100/p.total)
	}
	s += fmt.Sprintf("  %v", elapsed)
	if p.extra != nil {
		if e := p.extra(); e != "" {
			s += "  " + e
		}
	}
	return s
}

// draw redraws the bar in place.
func (p *progress) draw() {
	const width = 30
	filled := 0
	if p.total > 0 {
		filled = min(width, p.done*width/p.total)
	}
	bar := strings.Repeat("█", filled) + strings.Repeat("░", width-filled)
	fmt.Fprintf(p.w, "\r\033[K%s %s %s", p.label, bar, p.status())
	p.drawn = true
}

// plain prints a status line when the count changed.
func (p *progress) plain() {
	line := fmt.Sprintf("%d/%d", p.done, p.total)
	if line == p.lastLine {
		return
	}
	p.lastLine = line
	fmt.Fprintf(p.w, "%s: %s\n", p.label, p.status())
}
