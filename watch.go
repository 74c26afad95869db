package spindle

import "sync"

// completionWatch reports, on ch, the index of each awaitable as it
// settles. Spindle's own awaitables are watched through their cells (no
// goroutine, no allocation per item); awaitables defined elsewhere get one
// small goroutine each until they settle or the watch stops.
type completionWatch[T any] struct {
	aws  []Awaitable[T]
	ch   chan int // buffered to len(aws): a settle never blocks
	quit chan struct{}
	wg   sync.WaitGroup
}

func watchCompletions[T any](aws []Awaitable[T]) *completionWatch[T] {
	w := &completionWatch[T]{aws: aws, ch: make(chan int, len(aws))}
	for i, a := range aws {
		if c := cellOf(a); c != nil {
			c.addWaiter(cellWaiter{n: w, i: i})
			continue
		}
		if w.quit == nil {
			w.quit = make(chan struct{})
		}
		w.wg.Add(1)
		go func(i int, done <-chan struct{}) {
			defer w.wg.Done()
			select {
			case <-done:
				w.ch <- i
			case <-w.quit:
			}
		}(i, a.Done())
	}
	return w
}

func (w *completionWatch[T]) cellSettled(i int) { w.ch <- i }

// stop detaches the watch from every awaitable and waits for its helper
// goroutines to exit.
func (w *completionWatch[T]) stop() {
	for i, a := range w.aws {
		if c := cellOf(a); c != nil {
			c.removeWaiter(w, i)
		}
	}
	if w.quit != nil {
		close(w.quit)
		w.wg.Wait()
	}
}
