package spindle_test

import (
	"context"
	"fmt"
	"sync"

	"github.com/spindlehq/spindle"
)

// reply is an awaitable of someone else's making: a value that arrives
// from outside (a message bus, a callback API) and calls back its
// subscribers, so that Gather waits for many replies without a
// goroutine each.
type reply struct {
	mu   sync.Mutex
	done chan struct{}
	v    string
	subs map[*func()]struct{}
}

func newReply() *reply { return &reply{done: make(chan struct{}), subs: map[*func()]struct{}{}} }

func (r *reply) Done() <-chan struct{} { return r.done }

func (r *reply) Result() (string, error) {
	select {
	case <-r.done:
		return r.v, nil
	default:
		return "", spindle.ErrNotDone
	}
}

func (r *reply) Subscribe(f func()) (cancel func()) {
	r.mu.Lock()
	if r.subs == nil { // delivered already
		r.mu.Unlock()
		f()
		return func() {}
	}
	k := &f
	r.subs[k] = struct{}{}
	r.mu.Unlock()
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		delete(r.subs, k)
	}
}

func (r *reply) deliver(v string) {
	r.mu.Lock()
	r.v = v
	close(r.done)
	subs := r.subs
	r.subs = nil
	r.mu.Unlock()
	for f := range subs {
		(*f)()
	}
}

func ExampleSubscriber() {
	a, b := newReply(), newReply()
	go func() {
		b.deliver("world")
		a.deliver("hello")
	}()
	got, err := spindle.Gather[string](context.Background(), a, b)
	fmt.Println(got, err)
	// Output: [hello world] <nil>
}
