package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ErrBadArgs is wrapped by the error of [Definition.EnqueueJSON] when the
// JSON does not decode into the definition's argument type: the caller's
// input is wrong, and nothing was stored. It is also matched by the error
// of an attempt whose stored arguments do not decode on the worker (the
// events' Err, and the job's [*JobError] once it is dead): such a job is
// dead-lettered at once, since no retry can help.
var ErrBadArgs = errors.New("arguments do not fit the job")

// EnqueueJSON is [Definition.Enqueue] for callers that hold the arguments
// as JSON rather than as an A: a command line, a webhook, an admin tool.
// args must decode into A with no unknown object fields and nothing after
// the value; otherwise the error wraps [ErrBadArgs], names the type and
// nothing is stored. It returns the new job's ID (await it with
// [HandleOf]). It is safe for concurrent use and honours ctx as Enqueue
// does.
func (d *Definition[A, R]) EnqueueJSON(ctx context.Context, c *Client, args []byte, opts ...EnqueueOption) (string, error) {
	var a A
	dec := json.NewDecoder(bytes.NewReader(args))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return "", fmt.Errorf("jobs: enqueue %q: %w: %s does not decode into %s: %v", d.core.name, ErrBadArgs, clip(args, 200), d.core.argsType, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", fmt.Errorf("jobs: enqueue %q: %w: %s has more than one JSON value; want exactly one %s", d.core.name, ErrBadArgs, clip(args, 200), d.core.argsType)
	}
	h, err := d.Enqueue(ctx, c, a, opts...)
	if err != nil {
		return "", err
	}
	return h.ID(), nil
}

// Queue returns the queue the definition's jobs go to unless an enqueue
// says otherwise ([DefaultQueue] when [Queue] was not given), so a worker
// can be pointed at the queues of the definitions it runs. It is safe for
// concurrent use.
func (d *Definition[A, R]) Queue() string { return d.core.cfg.queue }

// ArgsType returns the Go type jobs of this definition take as arguments,
// as %T prints it, for help texts and error messages. It is safe for
// concurrent use.
func (d *Definition[A, R]) ArgsType() string { return d.core.argsType }
