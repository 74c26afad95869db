package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

// benchOut prints the records of a benchmark command: one JSON line per
// record as it comes (with --json, or when stdout is not a terminal: a
// file or a pipe gets what scripts parse), or, on a terminal, a table of
// all of them once the command is done and its progress bar cleared.
// It is used from one goroutine.
type benchOut struct {
	w     io.Writer
	table bool
	cols  []string            // in the order records first name them
	rows  []map[string]string // formatted values by column
	env   string              // go and gomaxprocs, printed under the table
}

func newBenchOut(cmd *cobra.Command) *benchOut {
	asJSON, _ := cmd.Flags().GetBool("json")
	w := cmd.OutOrStdout()
	return &benchOut{w: w, table: !asJSON && isTerminal(w)}
}

// add prints (or keeps) one record.
func (o *benchOut) add(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return o.addJSON(b)
}

// addJSON prints (or keeps) one record given as a JSON object.
func (o *benchOut) addJSON(line []byte) error {
	line = bytes.TrimSpace(line)
	if !o.table {
		_, err := fmt.Fprintf(o.w, "%s\n", line)
		return err
	}
	d := json.NewDecoder(bytes.NewReader(line))
	d.UseNumber()
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("bench: a record that is not a JSON object: %s", line)
	}
	row := make(map[string]string)
	var goVer, procs string
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return err
		}
		k, _ := t.(string)
		var v any
		if err := d.Decode(&v); err != nil {
			return err
		}
		switch k {
		case "go":
			goVer = fmt.Sprint(v)
			continue
		case "gomaxprocs":
			procs = fmt.Sprint(v)
			continue
		}
		if !slices.Contains(o.cols, k) {
			o.cols = append(o.cols, k)
		}
		row[k] = formatFigure(v)
	}
	if goVer != "" {
		o.env = goVer + ", GOMAXPROCS " + procs
	}
	o.rows = append(o.rows, row)
	return nil
}

// flush clears p and prints the table, when there is one.
func (o *benchOut) flush(p *progress) error {
	p.Clear()
	if !o.table || len(o.rows) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(o.w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, strings.Join(o.cols, "\t")+"\t")
	for _, r := range o.rows {
		vals := make([]string, len(o.cols))
		for i, c := range o.cols {
			if vals[i] = r[c]; vals[i] == "" {
				vals[i] = "-"
			}
		}
		fmt.Fprintln(tw, strings.Join(vals, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if o.env != "" {
		_, err := fmt.Fprintln(o.w, o.env)
		return err
	}
	return nil
}

// formatFigure prints a figure for the table: whole numbers with thousands
// separators, others with three significant digits.
func formatFigure(v any) string {
	n, ok := v.(json.Number)
	if !ok {
		if v == nil {
			return "-"
		}
		return fmt.Sprint(v)
	}
	f, err := n.Float64()
	if err != nil {
		return n.String()
	}
	if f == math.Trunc(f) || math.Abs(f) >= 1000 {
		return groupThousands(strconv.FormatFloat(math.Round(f), 'f', 0, 64))
	}
	return strconv.FormatFloat(f, 'g', 3, 64)
}

// groupThousands puts commas between groups of three digits.
func groupThousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
