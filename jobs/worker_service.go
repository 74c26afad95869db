package jobs

import "sync"

// service is the goroutine of one worker component: start runs loop until
// the stop channel it is given is closed; halt closes it and waits for
// loop to return. A service starts and halts once per Worker.Run.
type service struct {
	stop chan struct{}
	wg   sync.WaitGroup
}

func (s *service) start(loop func(stop <-chan struct{})) {
	s.stop = make(chan struct{})
	s.wg.Go(func() { loop(s.stop) })
}

func (s *service) halt() {
	if s.stop == nil {
		return // never started
	}
	close(s.stop)
	s.wg.Wait()
}
