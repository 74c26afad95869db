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

// historyLen is how many samples a newly opened page receives at once,
// so its chart starts full: two minutes at the default interval.
const historyLen = 120

// hub samples the store while at least one page listens and fans the
// samples out. The sampling goroutine starts with the first listener and
// stops after the last one leaves, so an idle dashboard costs nothing.
type hub struct {
	s        *sampler
	interval time.Duration
	log      *slog.Logger

	mu     sync.Mutex
	subs   map[chan []byte]struct{}
	hist   [][]byte
	stop   chan struct{} // closed to end the running loop; nil when none runs
	done   chan struct{} // closed when the last loop started has returned
	closed bool
}

func newHub(s *sampler, interval time.Duration, log *slog.Logger) *hub {
	return &hub{s: s, interval: interval, log: log, subs: map[chan []byte]struct{}{}}
}

// subscribe registers a listener. The channel carries encoded samples and
// is closed by close; ok is false after close.
func (h *hub) subscribe() (ch chan []byte, hist [][]byte, ok bool) {
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
	return ch, append([][]byte(nil), h.hist...), true
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
		b, err := json.Marshal(p)
		if err == nil {
			h.publish(b)
		}
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}

func (h *hub) publish(b []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hist = append(h.hist, b)
	if len(h.hist) > historyLen {
		h.hist = append(h.hist[:0:0], h.hist[len(h.hist)-historyLen:]...)
	}
	for ch := range h.subs {
		select {
		case ch <- b:
		default: // a reader that fell behind misses a sample, not the rest
		}
	}
}

// events streams samples as server-sent events: first "history" with the
// samples kept so far, then one "sample" per interval.
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
	if _, err := fmt.Fprintf(w, "retry: 2000\nevent: history\ndata: [%s]\n\n", joinJSON(hist)); err != nil {
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

func joinJSON(bs [][]byte) []byte {
	var out []byte
	for i, b := range bs {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, b...)
	}
	return out
}
