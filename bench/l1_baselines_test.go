package bench

import (
	"sync"
	"time"

	"github.com/alitto/pond/v2"
	"github.com/panjf2000/ants/v2"
	"github.com/sourcegraph/conc/pool"
	"golang.org/x/sync/errgroup"
)

// The baselines: what a Go programmer would write instead of Spindle.
func init() {
	l1Register("raw", l1Raw)
	l1Register("errgroup", l1Errgroup)
	l1Register("conc", l1Conc)
	l1Register("pond", l1Pond)
	l1Register("ants", l1Ants)
	l1Register("chan-workers", l1ChanWorkers)
}

// l1Raw starts a goroutine per task and waits with a sync.WaitGroup; a
// semaphore channel, acquired before each go statement, enforces a limit.
func l1Raw(n, limit int, task func(int)) error {
	var wg sync.WaitGroup
	if limit == 0 {
		for i := range n {
			wg.Go(func() { task(i) })
		}
		wg.Wait()
		return nil
	}
	sem := make(chan struct{}, limit)
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			task(i)
		})
	}
	wg.Wait()
	return nil
}

func l1Errgroup(n, limit int, task func(int)) error {
	var g errgroup.Group
	if limit > 0 {
		g.SetLimit(limit)
	}
	for i := range n {
		g.Go(func() error {
			task(i)
			return nil
		})
	}
	return g.Wait()
}

func l1Conc(n, limit int, task func(int)) error {
	p := pool.New()
	if limit > 0 {
		p = p.WithMaxGoroutines(limit)
	}
	for i := range n {
		p.Go(func() { task(i) })
	}
	p.Wait()
	return nil
}

// l1Pond submits every task to a pond pool (0 is pond's "no limit"); pond
// queues what it cannot start yet instead of blocking the submitter.
func l1Pond(n, limit int, task func(int)) error {
	p := pond.NewPool(limit)
	for i := range n {
		if err := p.Go(func() { task(i) }); err != nil {
			return err
		}
	}
	p.StopAndWait()
	return nil
}

// l1Ants submits every task to an ants pool (0 is ants' "no limit"); Submit
// blocks while the pool is full. ants has no wait-for-these-tasks call, so a
// WaitGroup counts them, then the pool is released and its goroutines
// awaited.
func l1Ants(n, limit int, task func(int)) error {
	p, err := ants.NewPool(limit)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	wg.Add(n)
	for i := range n {
		err := p.Submit(func() {
			defer wg.Done()
			task(i)
		})
		if err != nil {
			return err
		}
	}
	wg.Wait()
	return p.ReleaseTimeout(10 * time.Second)
}

// l1ChanWorkers is the hand-written pool: limit goroutines (GOMAXPROCS
// without a limit) ranging over an unbuffered channel of task indexes.
func l1ChanWorkers(n, limit int, task func(int)) error {
	work := make(chan int)
	var wg sync.WaitGroup
	for range l1Unbounded(limit) {
		wg.Go(func() {
			for i := range work {
				task(i)
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	return nil
}
