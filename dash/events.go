package dash

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// hub samples the store while at least one page listens and fans the
// samples out. The sampling goroutine starts with the first listener and
// stops after the last one leaves, so an idle dashboard costs nothing;
// the charts' history (see history) is kept across, and the time it did
// not sample shows as a gap.
type hub struct {
	s        *sampler
	interval time.Duration
	log      *slog.Logger

	mu       sync.Mutex
	subs     map[chan []byte]struct{}
	hist     history
	backfill bool          // the history was backfilled from the store once
	stop     chan struct{} // closed to end the running loop; nil when none runs
	done     chan struct{} // closed when the last loop started has returned
	closed   bool
}

func newHub(s *sampler, interval time.Duration, log *slog.Logger) *hub {
	return &hub{s: s, interval: interval, log: log, subs: map[chan []byte]struct{}{}}
}

// subscribe registers a listener. The channel carries encoded samples and
// is closed by close; hist is the charts' history so far, encoded; ok is
// false after close.
func (h *hub) subscribe() (ch chan []byte, hist []byte, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, nil, false
	}
	ch = make(chan []byte, 8)
	h.subs[ch] = struct{}{}
	if h.stop == nil {
		prev := h.done
		h.stop, h.done = make(chan struct{}), make(chan struct{})
		go h.loop(h.stop, h.done, prev)
	}
	hist, err := json.Marshal(h.hist.points())
	if err != nil {
		hist = []byte("[]")
	}
	return ch, hist, true
}

func (h *hub) unsubscribe(ch chan []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs, ch)
	if len(h.subs) == 0 && h.stop != nil {
		close(h.stop)
		h.stop = nil
	}
}

// close ends every stream and waits for the sampling goroutine.
func (h *hub) close() {
	h.mu.Lock()
	h.closed = true
	for ch := range h.subs {
		close(ch)
		delete(h.subs, ch)
	}
	if h.stop != nil {
		close(h.stop)
		h.stop = nil
	}
	done := h.done
	h.mu.Unlock()
	if done != nil {
		<-done
	}
}

// loop samples every interval until stop closes. It waits for the
// previous loop first: the sampler's state belongs to one goroutine.
func (h *hub) loop(stop, done, prev chan struct{}) {
	defer close(done)
	if prev != nil {
		<-prev
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-stop:
		case <-done:
		}
		cancel()
	}()
	h.mu.Lock()
	first := !h.backfill
	h.backfill = true
	h.mu.Unlock()
	if first {
		// The charts start with the past hour as the store remembers it,
		// not empty; the first sample follows at once.
		bctx, bcancel := context.WithTimeout(ctx, apiTimeout)
		ps := backfill(bctx, h.s.in, h.s.now())
		bcancel()
		h.mu.Lock()
		h.hist.seed(ps)
		h.mu.Unlock()
	}
	t := time.NewTicker(h.interval)
	defer t.Stop()
	for {
		sctx, scancel := context.WithTimeout(ctx, apiTimeout)
		p := h.s.sample(sctx)
		scancel()
		if ctx.Err() != nil {
			return
		}
		if p.Error != "" {
			h.log.Warn("dash: sampling the store", "err", p.Error)
		}
		p.Span = h.interval.Seconds()
		if b, err := json.Marshal(p); err == nil {
			h.publish(p, b)
		}
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}

// publish adds p to the history and sends it, encoded as b, to every
// listener.
func (h *hub) publish(p point, b []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if p.Error == "" {
		h.hist.add(chartOf(p, h.interval))
	}
	for ch := range h.subs {
		select {
		case ch <- b:
		default: // a reader that fell behind misses a sample, not the rest
		}
	}
}

// events streams samples as server-sent events: first "history" with the
// charts' points kept so far (see history), then one "sample" per
// interval.
func (h *Handler) events(w http.ResponseWriter, r *http.Request) {
	ch, hist, ok := h.hub.subscribe()
	if !ok {
		writeError(w, http.StatusServiceUnavailable, "the dashboard is shutting down")
		return
	}
	defer h.hub.unsubscribe(ch)
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprintf(w, "retry: 2000\nevent: history\ndata: %s\n\n", hist); err != nil {
		return
	}
	if rc.Flush() != nil {
		return
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case b, ok := <-ch:
			if !ok {
				return
			}
			if _, err := fmt.Fprintf(w, "event: sample\ndata: %s\n\n", b); err != nil {
				return
			}
			if rc.Flush() != nil {
				return
			}
		}
	}
}
