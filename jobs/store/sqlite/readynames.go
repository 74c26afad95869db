package sqlite

import (
	"context"
	"strconv"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/internal/storecheck"
)

// sqlReadyNames counts the names of the first store.ReadyNamesScan
// claimable jobs of one queue in claim order: the claim's range scan of
// jobs_ready, cut at the bound, plus a primary-key probe per job for its
// name. Parameters: queue, now, queue.
var sqlReadyNames = `SELECT name, count(*) FROM (
		SELECT name FROM jobs
		WHERE queue = ? AND state IN ('queued', 'scheduled') AND run_at <= ?
			AND NOT EXISTS (SELECT 1 FROM paused_queues WHERE paused_queues.name = ?)
		ORDER BY priority DESC, run_at, id LIMIT ` + strconv.Itoa(store.ReadyNamesScan) + `)
	GROUP BY name`

// ReadyNames does the work of [store.Store.ReadyNames]. It examines the
// first [store.ReadyNamesScan] claimable jobs of each queue in claim
// order, one bounded query per queue on the read pool, so it never waits
// for writers and costs the same however long the queues are. ctx cancels
// the queries.
func (s *core) ReadyNames(ctx context.Context, queues []string, now time.Time) ([]store.ReadyName, error) {
	var out []store.ReadyName
	for _, q := range storecheck.Distinct(queues) {
		err := s.retryBusy(ctx, func() error {
			rows, err := s.rdb.QueryContext(ctx, sqlReadyNames, q, nanos(now), q)
			if err != nil {
				return err
			}
			defer rows.Close()
			var got []store.ReadyName
			for rows.Next() {
				r := store.ReadyName{Queue: q}
				if err := rows.Scan(&r.Name, &r.Count); err != nil {
					return err
				}
				got = append(got, r)
			}
			if err := rows.Err(); err != nil {
				return err
			}
			out = append(out, got...)
			return nil
		})
		if err != nil {
			return nil, s.readErr(ctx, "ready names", err)
		}
	}
	storecheck.SortReadyNames(out)
	return out, nil
}
