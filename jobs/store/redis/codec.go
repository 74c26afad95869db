package redis

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/spindlehq/spindle/jobs/store"
	"github.com/spindlehq/spindle/jobs/store/internal/storecheck"
)

// A job is one hash; these are its fields. Names are short because every
// job carries them. A field is absent when the value is empty or the
// time is zero, so a fresh job stores only what it sets.
const (
	fName        = "n"
	fQueue       = "q"
	fPriority    = "p"
	fArgs        = "a"
	fState       = "s"
	fAttempt     = "t"
	fMaxAttempts = "m"
	fRunAt       = "ra"
	fEnqueuedAt  = "ea"
	fStartedAt   = "sa"
	fFinishedAt  = "fa"
	fLeaseOwner  = "lo"
	fLeaseUntil  = "lu"
	fResult      = "r"
	fLastError   = "le"
	fErrors      = "er" // JSON array of store.AttemptError
	fRetainUntil = "ru"
	fUniqueKey   = "uk"
	fMeta        = "me"
	fExpiresAt   = "xa"
	fRetention   = "rt" // milliseconds
	fRevoke      = "rv"
	fUniqueUntil = "uu" // milliseconds; removed with "uk" when the key is yielded
)

// Times are kept as Unix milliseconds: exact in Lua's doubles, so the
// scripts compare and add them. The suite's times are whole milliseconds.

// ms encodes t, "" for the zero time.
func ms(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.UnixMilli(), 10)
}

// msAlways encodes t, the zero time included, for comparisons in scripts.
func msAlways(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// fromMs decodes ms; "" and garbage are the zero time.
func fromMs(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.UnixMilli(n).UTC()
}

// rfc3339 formats a time the way encoding/json does, for the "at" of an
// AttemptError built by a script.
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// jsonString encodes s as a JSON string.
func jsonString(s string) string {
	b, _ := json.Marshal(s) // a string always encodes
	return string(b)
}

// appendJobFields appends the hash fields of a new job to f as field,
// value, ..., all but Queue and State, which the insert script writes.
// Priority 0 is left out: the scripts read a missing priority as 0.
func appendJobFields(f []any, j *store.Job) ([]any, error) {
	add := func(k, v string) {
		if v != "" {
			f = append(f, k, v)
		}
	}
	f = append(f, fName, j.Name, fMaxAttempts, strconv.Itoa(j.MaxAttempts))
	if j.Priority != 0 {
		f = append(f, fPriority, strconv.Itoa(j.Priority))
	}
	if j.Args != nil {
		f = append(f, fArgs, string(j.Args))
	}
	if j.Attempt != 0 {
		f = append(f, fAttempt, strconv.Itoa(j.Attempt))
	}
	add(fRunAt, ms(j.RunAt))
	add(fEnqueuedAt, ms(j.EnqueuedAt))
	add(fStartedAt, ms(j.StartedAt))
	add(fFinishedAt, ms(j.FinishedAt))
	add(fLeaseOwner, j.LeaseOwner)
	add(fLeaseUntil, ms(j.LeaseUntil))
	if j.Result != nil {
		f = append(f, fResult, string(j.Result))
	}
	add(fLastError, j.LastError)
	if len(j.Errors) > 0 {
		b, err := json.Marshal(j.Errors)
		if err != nil {
			return nil, fmt.Errorf("encode Errors: %w", err)
		}
		f = append(f, fErrors, string(b))
	}
	add(fRetainUntil, ms(j.RetainUntil))
	add(fUniqueKey, j.UniqueKey)
	if j.UniqueKey != "" {
		add(fUniqueUntil, ms(j.UniqueUntil))
	}
	if j.Meta != nil {
		f = append(f, fMeta, string(j.Meta))
	}
	add(fExpiresAt, ms(j.ExpiresAt))
	if j.Retention > 0 {
		f = append(f, fRetention, strconv.FormatInt(j.Retention.Milliseconds(), 10))
	}
	add(fRevoke, j.Revoke)
	return f, nil
}

// setField decodes one hash field into j.
func setField(j *store.Job, k, v string) error {
	switch k {
	case fName:
		j.Name = v
	case fQueue:
		j.Queue = v
	case fPriority:
		j.Priority, _ = strconv.Atoi(v)
	case fArgs:
		j.Args = []byte(v)
	case fState:
		j.State = store.State(v)
	case fAttempt:
		j.Attempt, _ = strconv.Atoi(v)
	case fMaxAttempts:
		j.MaxAttempts, _ = strconv.Atoi(v)
	case fRunAt:
		j.RunAt = fromMs(v)
	case fEnqueuedAt:
		j.EnqueuedAt = fromMs(v)
	case fStartedAt:
		j.StartedAt = fromMs(v)
	case fFinishedAt:
		j.FinishedAt = fromMs(v)
	case fLeaseOwner:
		j.LeaseOwner = v
	case fLeaseUntil:
		j.LeaseUntil = fromMs(v)
	case fResult:
		j.Result = []byte(v)
	case fLastError:
		j.LastError = v
	case fErrors:
		var err error
		if j.Errors, err = storecheck.ErrorHistory(j.ID, []byte(v)); err != nil {
			return err
		}
	case fRetainUntil:
		j.RetainUntil = fromMs(v)
	case fUniqueKey:
		j.UniqueKey = v
	case fUniqueUntil:
		j.UniqueUntil = fromMs(v)
	case fMeta:
		j.Meta = []byte(v)
	case fExpiresAt:
		j.ExpiresAt = fromMs(v)
	case fRetention:
		n, _ := strconv.ParseInt(v, 10, 64)
		j.Retention = time.Duration(n) * time.Millisecond
	case fRevoke:
		j.Revoke = v
	}
	return nil
}

// jobFromPairs decodes a job from a script's HGETALL reply.
func jobFromPairs(id string, pairs []any) (*store.Job, error) {
	j := &store.Job{ID: id}
	for i := 0; i+1 < len(pairs); i += 2 {
		k, _ := pairs[i].(string)
		v, _ := pairs[i+1].(string)
		if err := setField(j, k, v); err != nil {
			return nil, err
		}
	}
	return j, nil
}

// jobFromMap decodes a job from HGETALL.
func jobFromMap(id string, m map[string]string) (*store.Job, error) {
	j := &store.Job{ID: id}
	for k, v := range m {
		if err := setField(j, k, v); err != nil {
			return nil, err
		}
	}
	return j, nil
}

// jobsFromReply decodes a script's id, pairs, id, pairs, ... reply.
func jobsFromReply(v any) ([]*store.Job, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("unexpected reply %T", v)
	}
	jobs := make([]*store.Job, 0, len(arr)/2)
	for i := 0; i+1 < len(arr); i += 2 {
		id, _ := arr[i].(string)
		pairs, _ := arr[i+1].([]any)
		j, err := jobFromPairs(id, pairs)
		if err != nil {
			return jobs, err
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// strings decodes an array reply of strings.
func stringsOf(v any) []string {
	arr, _ := v.([]any)
	if len(arr) == 0 {
		return nil
	}
	out := make([]string, 0, len(arr))
	for _, x := range arr {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// int64Of decodes an integer reply.
func int64Of(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return 0
}
