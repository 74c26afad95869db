package postgres_test

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/postgres"
	"github.com/spindlehq/spindle/jobs/storetest"
)

// A batch large enough goes through COPY: the jobs are stored as the
// statement stores them, workers are woken, an existing ID sends the
// batch through the statement instead (which tells the duplicate
// apart), and under WithTx a rollback leaves nothing.
func TestInsertCopy(t *testing.T) {
	defer postgres.SetCopyMin(3)()
	u := schemaURL(t)
	s, other := openAt(t, u), openAt(t, u)
	ready := storetest.Ready(t, other, []string{"copyq"})
	waitListening(t, other, 1)
	drain(ready)
	batch := func(ids ...string) []*store.Job {
		var js []*store.Job
		for _, id := range ids {
			j := newJob(id)
			j.Queue, j.Meta, j.ExpiresAt, j.Retention = "copyq", []byte(`{"m":1}`), at(time.Hour), time.Minute
			js = append(js, j)
		}
		return js
	}
	if dups, err := s.Insert(bg, batch("c1", "c2", "c3")); err != nil || len(dups) != 0 {
		t.Fatalf("copy: dups %v, err %v", dups, err)
	}
	if !recv(ready) {
		t.Fatal("no ready signal for copied jobs")
	}
	j := get(t, s, "c2")
	if j.Queue != "copyq" || string(j.Meta) != `{"m":1}` || !j.ExpiresAt.Equal(at(time.Hour)) || j.Retention != time.Minute ||
		j.State != store.Queued || j.MaxAttempts != 3 || string(j.Args) != `{"n":1}` || !j.EnqueuedAt.Equal(T0) {
		t.Fatalf("copied job read back as %+v", j)
	}
	dups, err := s.Insert(bg, batch("c4", "c2", "c5"))
	if err != nil || !slices.Equal(dups, []store.Dup{{ID: "c2", Existing: "c2"}}) {
		t.Fatalf("a batch with an existing ID: dups %v, err %v; want [{c2 c2}]", dups, err)
	}
	get(t, s, "c5")

	tx, err := s.Pool().Begin(bg)
	if err != nil {
		t.Fatal(err)
	}
	txCtx, unbind := postgres.BindTx(bg, s, tx)
	if _, err := s.Insert(txCtx, batch("t1", "t2", "t3")); err != nil {
		t.Fatal(err)
	}
	unbind()
	if err := tx.Rollback(bg); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"t1", "t2", "t3"} {
		if _, err := s.Get(bg, id); err == nil {
			t.Fatalf("%s stored though its transaction rolled back", id)
		}
	}
	var many []string
	for i := range 300 {
		many = append(many, fmt.Sprintf("m%03d", i))
	}
	if dups, err := s.Insert(bg, batch(many...)); err != nil || len(dups) != 0 {
		t.Fatalf("300 jobs: dups %v, err %v", dups, err)
	}
	if got := claim(t, s, "w", 1000, at(time.Second), "copyq"); len(got) != 305 {
		t.Fatalf("claimed %d jobs, want 305", len(got))
	}
}

// COPY stores every value as the statement does, at the edges of each
// encoding (postgres.CopyEdgeJobs).
func TestInsertCopyStoresAsStatement(t *testing.T) {
	byCopy, byStatement := openStore(t), openStore(t)
	restore := postgres.SetCopyMin(3)
	_, err := byCopy.Insert(bg, postgres.CopyEdgeJobs())
	restore()
	if err != nil {
		t.Fatal(err)
	}
	defer postgres.SetCopyMin(1000)()
	if _, err := byStatement.Insert(bg, postgres.CopyEdgeJobs()); err != nil {
		t.Fatal(err)
	}
	for _, j := range postgres.CopyEdgeJobs() {
		got, want := get(t, byCopy, j.ID), get(t, byStatement, j.ID)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("job %s by COPY:\n%+v\nby statement:\n%+v", j.ID, got, want)
		}
	}
}
