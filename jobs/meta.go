package jobs

import (
	"encoding/json"
	"fmt"
)

// jobMeta is what package jobs keeps in store.Job.Meta for the features
// layered on top of the store. Every field is omitted when unused, so a
// job that uses none has no Meta at all and the worker never decodes one:
// features that are off cost nothing on the hot path.
type jobMeta struct {
	Headers  map[string]string `json:"headers,omitempty"` // from OnEnqueue hooks (tracing)
	Sig      string            `json:"sig,omitempty"`     // HMAC over ID, name and args
	Deps     []string          `json:"deps,omitempty"`    // workflow: steps this one waits for
	Mode     string            `json:"mode,omitempty"`    // workflow: modeChain or modeChord
	Next     []string          `json:"next,omitempty"`    // workflow: steps to wake when this one is final
	Lock     string            `json:"lock,omitempty"`    // lease key "lock:..." held while running
	LockSkip bool              `json:"lock_skip,omitempty"`
	LockWait int64             `json:"lock_wait,omitempty"` // ns a deferred job waits for its lock
}

func (m *jobMeta) empty() bool {
	return len(m.Headers) == 0 && m.Sig == "" && len(m.Deps) == 0 && len(m.Next) == 0 && m.Lock == ""
}

// encodeMeta returns nil for an empty meta, so unused features add no
// bytes to the job.
func encodeMeta(m *jobMeta) ([]byte, error) {
	if m == nil || m.empty() {
		return nil, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("job metadata does not encode: %w", err)
	}
	return b, nil
}

// decodeMeta reads a job's Meta; nil when the job has none.
func decodeMeta(raw []byte) (*jobMeta, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	m := new(jobMeta)
	if err := json.Unmarshal(raw, m); err != nil {
		return nil, fmt.Errorf("job metadata %s does not decode: %v", clip(raw, 200), err)
	}
	return m, nil
}
