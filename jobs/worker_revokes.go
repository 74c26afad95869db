package jobs

import "github.com/spindlehq/spindle/jobs/store"

// revokeWatcher is the component that cancels running jobs as soon as a
// revoke is requested: it subscribes to the store's revoke pushes when it
// starts (before the first claim, so a revoke made just after Run starts
// is not left to a heartbeat) and checks the requests at each push.
// Stores that cannot push are checked at each heartbeat instead. A push
// channel the store closes ends the watch: nothing spins on it.
type revokeWatcher struct {
	st    store.Store
	check func()
	service
	unwatch func()
}

func (w *revokeWatcher) start() {
	ch, unwatch := w.st.Revoked()
	w.unwatch = unwatch
	w.service.start(func(stop <-chan struct{}) {
		if ch == nil {
			return
		}
		for {
			select {
			case <-stop:
				return
			case _, ok := <-ch:
				if !ok {
					return
				}
				w.check()
			}
		}
	})
}

func (w *revokeWatcher) halt() {
	w.service.halt()
	if w.unwatch != nil {
		w.unwatch()
	}
}
