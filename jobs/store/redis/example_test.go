package redis_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store/redis"
)

// A store in its own namespace, used through package jobs: workers on
// other machines open the same URL. (Not run by go test: it needs a Redis.)
func ExampleOpen() {
	ctx := context.Background()
	s, err := redis.Open(ctx, "redis://127.0.0.1:6379/0?namespace=billing")
	if err != nil {
		fmt.Fprintln(os.Stderr, err) // the URL is shown with its password hidden
		return
	}
	c, err := jobs.New(s)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	defer s.Close()
	defer c.Close()
	fmt.Println(s.Namespace())
}

// jobs.Open takes the same URLs; a bad one is an error that names what is
// accepted and never shows the password.
func ExampleOpen_badURL() {
	_, err := jobs.Open(context.Background(), "redis://app:s3cret@cache.internal:6379/0?namespace=not%20valid")
	fmt.Println(strings.Contains(err.Error(), "s3cret"))
	fmt.Println(strings.Contains(err.Error(), "namespace"))
	// Output:
	// false
	// true
}
