package tsdiff

import (
	"fmt"
	"io"
	"strings"
)

// Known is a difference between our spec and a package that we keep on
// purpose. It matches a Difference whose Path ends with Path and whose What
// is What, in the operation named Operation (any, when empty). An empty
// Path matches only a difference of the whole operation or signal (one with
// no path), such as a signal only in our spec: with Operation ("signal
// <type>"), it names that one signal and nothing inside another. A report
// lists each with the places it was seen, and fails when one is no longer
// seen (a stale entry).
type Known struct {
	Operation string `yaml:"operation,omitempty"`
	Path      string `yaml:"path"`
	What      string `yaml:"what"`
	Reason    string `yaml:"reason"`
}

func (k Known) matches(op string, d Difference) bool {
	if k.Path == "" && d.Path != "" {
		return false
	}
	return d.What == k.What && strings.HasSuffix(d.Path, k.Path) && (k.Operation == "" || k.Operation == op)
}

// Report gathers the outcome of a comparison: the differences of each
// operation (or signal), set apart from the known ones.
type Report struct {
	Lines []string
	// Bad is set by any difference that is not known.
	Bad   bool
	known []Known
	seen  map[int][]string // index in known: where each was seen
}

// NewReport starts a report that sets known apart.
func NewReport(known []Known) *Report {
	return &Report{known: known, seen: map[int][]string{}}
}

// Fail records a line that fails the report.
func (r *Report) Fail(format string, args ...any) {
	r.Bad = true
	r.Lines = append(r.Lines, fmt.Sprintf(format, args...))
}

// Record files the differences of one operation or signal (op names it for
// known differences, what for the report), and says whether none is left
// once the known ones are set apart.
func (r *Report) Record(op, what string, diffs []Difference) bool {
	var left []string
	for _, d := range diffs {
		if i := r.knownIndex(op, d); i >= 0 {
			r.seen[i] = append(r.seen[i], what+": "+d.String())
			continue
		}
		left = append(left, d.String())
	}
	if len(left) == 0 {
		return true
	}
	r.Fail("DIFFERS %s", what)
	for _, l := range left {
		r.Lines = append(r.Lines, "    "+l)
	}
	return false
}

func (r *Report) knownIndex(op string, d Difference) int {
	for i, k := range r.known {
		if k.matches(op, d) {
			return i
		}
	}
	return -1
}

// Write prints the report's lines, then each known difference with where
// it was seen (every place, with verbose), and fails on a stale one, which
// where names the file to remove it from. It returns how many places the
// known differences were seen in.
func (r *Report) Write(w io.Writer, where string, verbose bool) int {
	for _, l := range r.Lines {
		fmt.Fprintln(w, l)
	}
	count := 0
	for i, k := range r.known {
		seen := r.seen[i]
		count += len(seen)
		name := k.Path + ": " + k.What
		if k.Path == "" {
			name = k.What
		}
		if k.Operation != "" {
			name = k.Operation + ": " + name
		}
		if len(seen) == 0 {
			r.Bad = true
			fmt.Fprintf(w, "STALE known difference %q: no longer found; remove it from %s\n", name, where)
			continue
		}
		fmt.Fprintf(w, "KNOWN %s, in %d places: %s\n", name, len(seen), k.Reason)
		if verbose {
			for _, s := range seen {
				fmt.Fprintf(w, "    %s\n", s)
			}
		}
	}
	return count
}
