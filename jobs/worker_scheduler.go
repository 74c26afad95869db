package jobs

import "sync"

// scheduler is the component that fires the worker's periodic jobs: one
// goroutine per Schedule, each sleeping until its next tick.
type scheduler struct {
	schedules []*Schedule
	run       func(s *Schedule, stop <-chan struct{})
	stop      chan struct{}
	wg        sync.WaitGroup
}

func (s *scheduler) start() {
	s.stop = make(chan struct{})
	for _, sc := range s.schedules {
		s.wg.Go(func() { s.run(sc, s.stop) })
	}
}

func (s *scheduler) halt() {
	if s.stop == nil {
		return
	}
	close(s.stop)
	s.wg.Wait()
}
