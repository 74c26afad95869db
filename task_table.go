package spindle

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
)

// The task table lists every live task for AllTasks and DumpTasks. It is
// on the path of every Go, so it is built for that path:
//
//   - A task takes a slot in one of taskShards shards, chosen at random,
//     under the shard's lock, and its id from the shard's count. The slot
//     is usually the one after the shard's last, so the creating
//     goroutine keeps touching memory it already owns.
//   - A finished task clears its own slot with one atomic store and no
//     lock. A shard's slots live in blocks that never move, which is what
//     lets the slot be cleared without the lock.
//
// An earlier intrusive list cost a second critical section per task and
// wrote to the neighbouring tasks, whose memory was usually in the other
// core's cache (its share of a profile is in docs/benchmarks.md).

const (
	taskShardBits = 6
	taskShards    = 1 << taskShardBits
	taskBlockMin  = 64 // slots in a shard's first block; block k has taskBlockMin<<k
	taskShardFree = 4  // grow a shard when fewer than 1/taskShardFree of its slots are free
)

type taskSlot = atomic.Pointer[taskMeta]

type taskShard struct {
	mu     sync.Mutex
	blocks [][]taskSlot
	block  int // the cursor: where the next free slot is looked for
	pos    int
	seq    uint64   // tasks the shard has numbered
	_      [64]byte // keep shards on separate cache lines
}

var taskTable [taskShards]taskShard

// taskRegister gives m its id and a slot in the table. The shard is
// picked at random (math/rand/v2's generator is per thread and takes no
// lock) and numbers its tasks itself under its lock, so that the path of
// Go has no shared counter: a global id counter, a locked instruction
// that also waits for the new task's stores to drain, showed in the time
// of Go+Gather (docs/benchmarks.md).
func taskRegister(m *taskMeta) {
	i := rand.Uint32() % taskShards
	s := &taskTable[i]
	s.mu.Lock()
	s.seq++
	m.id = s.seq<<taskShardBits | uint64(i)
	slot := s.freeSlot()
	slot.Store(m)
	m.slot = slot
	s.mu.Unlock()
}

// taskUnregister clears m's slot; the shard takes it again when its
// cursor comes round.
func taskUnregister(m *taskMeta) {
	m.slot.Store(nil)
}

// freeSlot returns an empty slot, moving the cursor past it. A sweep from
// the start happens only once the cursor has passed the last block, and
// then at least 1/taskShardFree of the slots are free, so a registration
// looks at a few slots on average.
func (s *taskShard) freeSlot() *taskSlot {
	for {
		for s.block < len(s.blocks) {
			b := s.blocks[s.block]
			for s.pos < len(b) {
				slot := &b[s.pos]
				s.pos++
				if slot.Load() == nil {
					return slot
				}
			}
			s.block, s.pos = s.block+1, 0
		}
		s.rewind()
	}
}

// rewind is called with the cursor past the last block. It drops empty
// blocks at the end while the shard has far more slots than live tasks
// (so a burst of tasks does not pin its slots for ever), adds a block
// when too few slots are free, and sets the cursor where a free slot is.
func (s *taskShard) rewind() {
	live, total := 0, 0
	for _, b := range s.blocks {
		total += len(b)
		for i := range b {
			if b[i].Load() != nil {
				live++
			}
		}
	}
	for n := len(s.blocks); n > 1 && blockEmpty(s.blocks[n-1]); n-- {
		rest := total - len(s.blocks[n-1])
		if live*taskShardFree > rest {
			break
		}
		s.blocks[n-1] = nil
		s.blocks = s.blocks[:n-1]
		total = rest
	}
	if (total-live)*taskShardFree < total || total == 0 {
		s.blocks = append(s.blocks, make([]taskSlot, taskBlockMin<<len(s.blocks)))
		s.block, s.pos = len(s.blocks)-1, 0
		return
	}
	s.block, s.pos = 0, 0
}

func blockEmpty(b []taskSlot) bool {
	for i := range b {
		if b[i].Load() != nil {
			return false
		}
	}
	return true
}

// taskTableEach calls fn for every task in the table, one shard at a time
// under its lock. A task may finish (and leave) while it is being visited.
func taskTableEach(fn func(*taskMeta)) {
	for i := range taskTable {
		s := &taskTable[i]
		s.mu.Lock()
		for _, b := range s.blocks {
			for j := range b {
				if m := b[j].Load(); m != nil {
					fn(m)
				}
			}
		}
		s.mu.Unlock()
	}
}
