package spindle

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// TestPipelineMemoryStaysFlat pushes a million items through a pipeline and
// samples the live heap every 100,000 results, from inside the run. Were
// the pipeline to keep anything per item (a result, an index, a closure),
// the heap would grow by at least 8 MB over the run and the bound would
// fail.
func TestPipelineMemoryStaysFlat(t *testing.T) {
	const (
		items = 1_000_000
		every = 100_000
		bound = 2 << 20 // bytes of growth allowed between the first and any later sample
	)
	var (
		handled atomic.Int64
		mu      sync.Mutex
		heap    []uint64
	)
	sample := func() {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		mu.Lock()
		heap = append(heap, ms.HeapAlloc)
		mu.Unlock()
	}
	p := Pipeline[int, int]{
		Work:     square,
		Workers:  4,
		Handlers: 2,
		OnResult: func(r PipelineResult[int, int]) {
			if handled.Add(1)%every == 0 {
				sample()
			}
		},
	}
	st, err := p.Run(context.Background(), pipeCount(items))
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if st.Done != items || handled.Load() != items {
		t.Fatalf("stats %+v, handled %d: want all %d items done and handled", st, handled.Load(), items)
	}
	if len(heap) != items/every {
		t.Fatalf("%d heap samples, want %d", len(heap), items/every)
	}
	for i, h := range heap {
		if h > heap[0] && h-heap[0] > bound {
			t.Errorf("live heap at %d items: %d bytes, %d more than at %d items (bound %d): items are being retained; samples %v",
				(i+1)*every, h, h-heap[0], every, bound, heap)
			break
		}
	}
	t.Logf("live heap samples every %d items: %v", every, heap)
}
