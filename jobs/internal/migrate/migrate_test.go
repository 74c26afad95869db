package migrate

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoadOrdersSteps(t *testing.T) {
	fsys := fstest.MapFS{
		"migrations/0002_add_index.sql": {Data: []byte("CREATE INDEX")},
		"migrations/0001_init.sql":      {Data: []byte("CREATE TABLE")},
		"migrations/README.md":          {Data: []byte("not a step")},
	}
	steps, err := Load(fsys, "test")
	if err != nil {
		t.Fatal(err)
	}
	want := []Step{{1, "init", "CREATE TABLE"}, {2, "add_index", "CREATE INDEX"}}
	if len(steps) != len(want) || steps[0] != want[0] || steps[1] != want[1] {
		t.Fatalf("Load = %+v, want %+v", steps, want)
	}
}

func TestLoadRejectsBadSets(t *testing.T) {
	for _, tt := range []struct {
		name  string
		files []string
		want  string
	}{
		{"no number", []string{"migrations/init.sql"}, "want NNNN_description.sql"},
		{"no description", []string{"migrations/0001_.sql"}, "want NNNN_description.sql"},
		{"version zero", []string{"migrations/0000_init.sql"}, "want NNNN_description.sql"},
		{"gap", []string{"migrations/0001_init.sql", "migrations/0003_more.sql"}, "found version 3 at position 2"},
		{"duplicate", []string{"migrations/0001_init.sql", "migrations/0001_again.sql"}, "found version 1 at position 2"},
		{"none", nil, "no migrations embedded"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, f := range tt.files {
				fsys[f] = &fstest.MapFile{Data: []byte("SELECT 1")}
			}
			_, err := Load(fsys, "test")
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "test: ") {
				t.Fatalf("Load = %v, want an error naming the store and saying %q", err, tt.want)
			}
		})
	}
}

func TestMustLoadPanicsWithTheError(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(error).Error(), "no migrations embedded") {
			t.Fatalf("recover = %v", r)
		}
	}()
	MustLoad(fstest.MapFS{}, "test")
}

func TestStepsAfter(t *testing.T) {
	steps := Steps{{1, "a", ""}, {2, "b", ""}, {3, "c", ""}}
	if steps.Latest() != 3 {
		t.Fatalf("Latest = %d, want 3", steps.Latest())
	}
	for cur, want := range map[int]string{-1: "abc", 0: "abc", 1: "bc", 3: "", 4: "newer"} {
		pending, newer := steps.After(cur)
		got := ""
		for _, s := range pending {
			got += s.Name
		}
		if newer {
			got = "newer"
		}
		if got != want {
			t.Errorf("After(%d) = %q, want %q", cur, got, want)
		}
	}
}
