package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/memory"
)

// A driver package registers its opener in an init function; DriverFunc
// makes the Driver, so a failed open returns a nil Store and an error
// that names the URL with its password masked.
func ExampleDriverFunc() {
	open := func(_ context.Context, url string) (*memory.Store, error) {
		if !strings.HasSuffix(url, "/ok") {
			return nil, errors.New("want a URL ending in /ok")
		}
		return memory.New(), nil
	}
	store.Register(store.DriverFunc(open), "example")

	d, _ := store.Lookup("example")
	s, err := d.Open(context.Background(), "example://user:secret@host/ok")
	fmt.Println(s != nil, err)
	s.Close()

	s, err = d.Open(context.Background(), "example://user:secret@host/no")
	fmt.Println(s == nil, err)
	// Output:
	// true <nil>
	// true open example://user:xxxxx@host/no: want a URL ending in /ok
}
