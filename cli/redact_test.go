package cli

import (
	"errors"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/jobs"
)

func TestScrubErrorUsesTheStoreFlag(t *testing.T) {
	root := NewCommand(Config{Name: "spindle"})
	if err := root.PersistentFlags().Set(storeFlag, "weird://u:pa ss@x"); err != nil {
		t.Fatal(err)
	}
	got := scrubError(errors.New("cannot reach weird://u:pa ss@x with pa ss"), root)
	if strings.Contains(got, "pa ss") {
		t.Errorf("scrubError left the password: %q", got)
	}
	// A URL the command was never given is masked too.
	got = scrubError(errors.New("from elsewhere: amqp://u:guest@mq/, dsn host=db password=opensesame"), root)
	if want := "from elsewhere: amqp://u:xxxxx@mq/, dsn host=db password=xxxxx"; got != want {
		t.Errorf("scrubError = %q, want %q", got, want)
	}
}

// The help's list of store URLs survives an error that quotes it.
func TestScrubErrorKeepsTheHelp(t *testing.T) {
	root := NewCommand(Config{Name: "spindle"})
	if err := root.PersistentFlags().Set(storeFlag, "postgres://app:s3cret@db/x"); err != nil {
		t.Fatal(err)
	}
	msg := "open postgres://app:s3cret@db/x: refused; " + root.Long
	want := "open postgres://app:xxxxx@db/x: refused; " + root.Long
	if got := scrubError(errors.New(msg), root); got != want {
		t.Errorf("scrubError changed the help:\n got %q\nwant %q", got, want)
	}
	if got := jobs.RedactURL(root.Long); got != root.Long {
		t.Errorf("RedactURL changed the help:\n got %q\nwant %q", got, root.Long)
	}
}
