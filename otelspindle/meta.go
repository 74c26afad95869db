package otelspindle

import (
	"context"
	"encoding/json"
	"fmt"

	"go.opentelemetry.io/otel/propagation"
)

// InjectMeta returns job metadata with the trace context of ctx added
// under [MetaKey]. meta is the job's metadata so far: a JSON object, or
// empty. Other keys are kept. When ctx carries no span, or the
// propagator writes nothing, meta is returned unchanged. Metadata that is
// not a JSON object is an error, and is returned unchanged with it.
func InjectMeta(ctx context.Context, meta []byte, opts ...Option) ([]byte, error) {
	c := newConfig(opts)
	carrier := propagation.MapCarrier{}
	c.prop.Inject(ctx, carrier)
	if len(carrier) == 0 {
		return meta, nil
	}
	m := map[string]json.RawMessage{}
	if len(meta) > 0 {
		if err := json.Unmarshal(meta, &m); err != nil || m == nil {
			return meta, fmt.Errorf("otelspindle: job metadata is not a JSON object (%.60q); the trace context cannot be added", meta)
		}
	}
	b, err := json.Marshal(carrier)
	if err != nil {
		return meta, err
	}
	m[MetaKey] = b
	return json.Marshal(m)
}

// ExtractMeta returns ctx with the remote span context found in job
// metadata, or ctx unchanged when the metadata has none (or is not
// JSON): a job enqueued without tracing starts a new trace.
func ExtractMeta(ctx context.Context, meta []byte, opts ...Option) context.Context {
	if len(meta) == 0 {
		return ctx
	}
	var m struct {
		Otel map[string]any `json:"otel"`
	}
	if json.Unmarshal(meta, &m) != nil || len(m.Otel) == 0 {
		return ctx
	}
	carrier := propagation.MapCarrier{}
	for k, v := range m.Otel {
		if s, ok := v.(string); ok {
			carrier[k] = s
		}
	}
	return newConfig(opts).prop.Extract(ctx, carrier)
}
