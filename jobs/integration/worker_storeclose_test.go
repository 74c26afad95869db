package integration_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs"
	"github.com/spindlehq/spindle/jobs/store"
)

// revokeCountingStore counts the calls a worker makes to read revoke requests.
type revokeCountingStore struct {
	store.Store
	revokeReads atomic.Int64
}

func (s *revokeCountingStore) RevokeRequests(ctx context.Context, owner string) (map[string]string, error) {
	s.revokeReads.Add(1)
	return s.Store.RevokeRequests(ctx, owner)
}

// A store that closes under a running worker ends Run with an error that
// says so, promptly, with a job in flight that ignores cancellation for a
// while: no component spins on a closed wake-up channel meanwhile (a
// spinning revoke watcher reads revoke requests thousands of times in
// the grace period; a quiet one at most once per heartbeat).
func TestWorkerEndsWhenStoreCloses(t *testing.T) {
	eachStore(t, func(t *testing.T, orig *jobs.Client) {
		cs := &revokeCountingStore{Store: orig.Store()}
		c, err := jobs.New(cs)
		if err != nil {
			t.Fatal(err)
		}
		started := make(chan struct{}, 1)
		const stubborn = 300 * time.Millisecond
		slow := jobs.Define("test.storeclose", func(ctx context.Context, n int) (int, error) {
			select {
			case started <- struct{}{}:
			default:
			}
			<-ctx.Done()
			time.Sleep(stubborn) // cleaning up, deaf to the cancel
			return 0, ctx.Err()
		})
		w, err := jobs.NewWorker(c, fastOpts(jobs.WorkerOptions{Logger: quiet, Grace: time.Second, HeartbeatInterval: time.Second, LeaseDuration: 5 * time.Second}), slow)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx) }()
		if _, err := slow.Enqueue(ctx, c, 1); err != nil {
			t.Fatal(err)
		}
		<-started
		before := cs.revokeReads.Load()
		_ = cs.Close()
		select {
		case err := <-done:
			if !errors.Is(err, store.ErrClosed) {
				t.Fatalf("Run after the store closed = %v, want an error matching store.ErrClosed", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("Run did not return within 20s of its store closing")
		}
		if n := cs.revokeReads.Load() - before; n > 5 {
			t.Errorf("%d revoke-request reads while the worker shut down after its store closed: something spins", n)
		}
	})
}
