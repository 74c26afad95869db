// Package migrate loads the numbered schema steps that the SQL stores
// embed. Each store applies them its own way (its own transaction and
// locking); what they share is the file layout and its checks.
package migrate

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Step is one numbered schema step: the file migrations/NNNN_name.sql.
type Step struct {
	Version int    // NNNN: 1, 2, 3... without gaps
	Name    string // the rest of the file name, without .sql
	SQL     string // the file's text
}

// Load reads fsys's migrations/*.sql files and returns them in version
// order. It fails when a file name is not NNNN_description.sql, when the
// versions do not run 1, 2, 3... without gaps, or when there are none;
// store names the store in the errors ("postgres", "sqlite").
func Load(fsys fs.FS, store string) ([]Step, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var steps []Step
	for _, n := range names {
		num, desc, ok := strings.Cut(strings.TrimSuffix(path.Base(n), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 || desc == "" {
			return nil, fmt.Errorf("%s: migration file %s: want NNNN_description.sql", store, n)
		}
		body, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		steps = append(steps, Step{Version: v, Name: desc, SQL: string(body)})
	}
	sort.Slice(steps, func(i, j int) bool { return steps[i].Version < steps[j].Version })
	for i, s := range steps {
		if s.Version != i+1 {
			return nil, fmt.Errorf("%s: migrations must be numbered 1, 2, 3...; found version %d at position %d", store, s.Version, i+1)
		}
	}
	if len(steps) == 0 {
		return nil, errors.New(store + ": no migrations embedded")
	}
	return steps, nil
}

// Steps are a store's schema steps in version order, as Load returns
// them.
type Steps []Step

// Latest is the newest schema version the steps know: a store refuses a
// schema that records a newer one.
func (s Steps) Latest() int { return s[len(s)-1].Version }

// After returns the steps a schema at version cur still needs, in order;
// newer reports that cur is past every step, a schema this code must not
// touch.
func (s Steps) After(cur int) (pending Steps, newer bool) {
	if cur > s.Latest() {
		return nil, true
	}
	return s[max(cur, 0):], false
}

// MustLoad is Load for the files a store embeds, where a bad file is a
// bug that every test catches: it panics with Load's error.
func MustLoad(fsys fs.FS, store string) Steps {
	steps, err := Load(fsys, store)
	if err != nil {
		panic(err)
	}
	return steps
}
