// Command userbinary is a program that holds its own job definitions and
// gets, from one call to cli.Main, a worker that runs them, an enqueue
// command, and every command of the spindle tool (queues, jobs, retry,
// demo, bench, completion, ...). Build your own program the same way:
// declare the jobs in a package your web server and this binary share,
// and pass them to cli.Main.
package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spindlehq/spindle"
	"github.com/spindlehq/spindle/cli"
	"github.com/spindlehq/spindle/jobs"
	_ "github.com/spindlehq/spindle/jobs/store/sqlite" // the stores this program opens: sqlite: only
)

// Resize asks for a thumbnail.
type Resize struct {
	Image string `json:"image"`
	Width int    `json:"width"`
}

// Mail is a message to send.
type Mail struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
}

var (
	resize = jobs.Define("images.resize", func(ctx context.Context, r Resize) (string, error) {
		if r.Width < 1 {
			return "", jobs.Permanent(fmt.Errorf("width %d: want at least 1", r.Width))
		}
		if err := spindle.Sleep(ctx, 10*time.Millisecond); err != nil { // the "work"
			return "", err
		}
		return fmt.Sprintf("%s@%dw", strings.TrimSuffix(r.Image, ".png"), r.Width), nil
	}, jobs.Queue("images"), jobs.Retries(2))

	sendMail = jobs.Define("mail.send", func(ctx context.Context, m Mail) (string, error) {
		if !strings.Contains(m.To, "@") {
			return "", jobs.Permanent(errors.New("no such mailbox: " + m.To))
		}
		return "sent to " + m.To, nil
	}, jobs.Queue("mail"))
)

func main() { cli.Main(resize, sendMail) }
