package cronspec

import (
	"fmt"
	"strconv"
	"strings"
)

// set holds the values a field matches, value v as bit v.
type set uint64

func (s set) has(v int) bool { return s&(1<<uint(v)) != 0 }

// field is one of the six positions of an expression.
type field struct {
	name     string
	min, max int
	names    []string // lower-case names of min, min+1, ...
	accepts  string
}

// The fields in the order an expression gives them, seconds first.
var (
	secondField = field{name: "second", min: 0, max: 59, accepts: "0-59"}
	minuteField = field{name: "minute", min: 0, max: 59, accepts: "0-59"}
	hourField   = field{name: "hour", min: 0, max: 23, accepts: "0-23"}
	domField    = field{name: "day-of-month", min: 1, max: 31, accepts: "1-31 or ?"}
	monthField  = field{name: "month", min: 1, max: 12, accepts: "1-12 or JAN-DEC",
		names: []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}}
	dowField = field{name: "day-of-week", min: 0, max: 6, accepts: "0-6 (0 is Sunday) or SUN-SAT, or ?",
		names: []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}}
)

var fields = [6]*field{&secondField, &minuteField, &hourField, &domField, &monthField, &dowField}

const syntax = "each field takes *, a value, a range a-b, a list a,b,c, or a step */n or a-b/n"

// fieldError is what is wrong with text, the whole field as written.
func (f *field) fieldError(text, why string) error {
	return fmt.Errorf("%s field %q: %s; it accepts %s (%s)", f.name, text, why, f.accepts, syntax)
}

// parse reads a comma-separated list. star reports whether an item is *
// or ? with no step beyond 1: for the day fields, that decides whether
// both must match or either (see Schedule.dayMatches). Empty items are
// skipped, as they always were, but a list of none names no value.
func (f *field) parse(text string) (bits set, star bool, err error) {
	items := strings.FieldsFunc(text, func(r rune) bool { return r == ',' })
	if len(items) == 0 {
		return 0, false, f.fieldError(text, "it names no value")
	}
	for _, item := range items {
		b, s, why := f.parseItem(item)
		if why != "" {
			return 0, false, f.fieldError(text, why)
		}
		bits |= b
		star = star || s
	}
	return bits, star, nil
}

// parseItem reads one of *, ?, v, a-b, each optionally followed by /step;
// v/step means v-max/step. It returns why it cannot, or "".
func (f *field) parseItem(item string) (bits set, star bool, why string) {
	span, stepText, stepped := strings.Cut(item, "/")
	if strings.Contains(stepText, "/") {
		return 0, false, fmt.Sprintf("%q has more than one /", item)
	}
	lo, hi := f.min, f.max
	if span == "*" || span == "?" {
		star = true
	} else if strings.HasPrefix(span, "*-") || strings.HasPrefix(span, "?-") {
		return 0, false, fmt.Sprintf("%q: %s already means every value, so a range cannot start with it", item, span[:1])
	} else {
		first, last, ranged := strings.Cut(span, "-")
		if strings.Contains(last, "-") {
			return 0, false, fmt.Sprintf("%q has more than one -", item)
		}
		var ok bool
		if lo, ok = f.value(first); !ok {
			return 0, false, fmt.Sprintf("%q is not a value", first)
		}
		switch {
		case ranged:
			if hi, ok = f.value(last); !ok {
				return 0, false, fmt.Sprintf("%q is not a value", last)
			}
		case !stepped:
			hi = lo
		}
	}
	step := 1
	if stepped {
		n, err := strconv.Atoi(stepText)
		if err != nil || n < 1 {
			return 0, false, fmt.Sprintf("step %q is not a whole number of at least 1", stepText)
		}
		step = n
		star = star && step == 1
	}
	switch {
	case lo < f.min:
		return 0, false, fmt.Sprintf("%d is below %d", lo, f.min)
	case lo > f.max:
		return 0, false, fmt.Sprintf("%d is above %d", lo, f.max)
	case hi > f.max:
		return 0, false, fmt.Sprintf("%d is above %d", hi, f.max)
	case lo > hi:
		return 0, false, fmt.Sprintf("range %d-%d runs backwards", lo, hi)
	}
	// A step past the range leaves its start only; comparing against the
	// distance left keeps v+step from overflowing.
	for v := lo; ; v += step {
		bits |= 1 << uint(v)
		if hi-v < step {
			break
		}
	}
	return bits, star, ""
}

// value reads a number, or one of the field's names in any case.
func (f *field) value(text string) (int, bool) {
	lower := strings.ToLower(text)
	for i, n := range f.names {
		if lower == n {
			return f.min + i, true
		}
	}
	n, err := strconv.Atoi(text)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}
