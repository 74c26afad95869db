package jobs

import (
	"strings"
	"testing"
)

// The errors that say which URLs are accepted keep that text whole when
// they are redacted, and lose the password.
func TestRedactKeepsAcceptedURLs(t *testing.T) {
	if got := RedactURL(acceptedURLs); got != acceptedURLs {
		t.Errorf("RedactURL(acceptedURLs) = %q", got)
	}
	for _, u := range []string{"bogus://u:s3cret@x", "u:s3cret@h", ":s3cret@h", "bogus://u:s3cret@x/?password=s3cret"} {
		sch, err := storeScheme(u)
		if err == nil {
			err = unregistered(u, sch)
		}
		err = redactError(u, err)
		if msg := err.Error(); !strings.Contains(msg, acceptedURLs) || strings.Contains(msg, "s3cret") {
			t.Errorf("error for %q: %q", u, msg)
		}
		if msg := RedactURL(err.Error()); !strings.Contains(msg, acceptedURLs) {
			t.Errorf("RedactURL(%q) lost the accepted URLs: %q", err, msg)
		}
	}
}
