// Command upstream-latest tells what changed upstream since the releases our
// spec follows. Botpress publishes its definitions in two npm packages that
// do not move together, and it reads both:
//
//   - @botpress/api, whose OpenAPI files upstream-diff reads: it fetches the
//     newest version and ours (info.x-botpress-api-package of
//     api/openapi.yaml) with scripts/upstream-fetch and lists, operation by
//     operation, what the newest adds, removes and changes on the wire
//     (requests: parameters and bodies; answers: success responses), with
//     oasdiff's changelog as details. Prose, tags, examples and upstream's
//     "default" responses are left out, like in upstream-diff.
//   - @botpress/client, the official client, whose declared types
//     client-diff reads: it fetches the newest version and ours
//     (info.x-botpress-client-package) with scripts/client-fetch and lists
//     the operations the newest adds, removes and changes, field by field.
//
// Usage, from the repository root:
//
//	go -C scripts run ./upstream-latest [-newest VERSION] [-newest-client VERSION]
//
// -newest and -newest-client compare with those versions instead of the
// newest ones. The last line is always one line naming both packages, such as
//
//	api/openapi.yaml follows @botpress/client 1.45.0 and @botpress/api 1.70.2; newest @botpress/client 1.46.0 is newer: 2 operations added, 1 changed, 0 removed; newest @botpress/api 1.70.2 is the one followed: 0 added, 0 changed, 0 removed
//
// and the command exits 0 whatever changed: it informs, it does not judge.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/botpress-go/sdk/scripts/internal/upstream"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/oasdiff/checker"
	"github.com/oasdiff/oasdiff/diff"
	"github.com/oasdiff/oasdiff/load"
	"gopkg.in/yaml.v3"
)

func main() {
	newest := flag.String("newest", "", "compare with this version of @botpress/api instead of the newest")
	newestClient := flag.String("newest-client", "", "compare with this version of @botpress/client instead of the newest")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *newest, *newestClient); err != nil {
		fmt.Fprintln(os.Stderr, "upstream-latest:", err)
		os.Exit(2)
	}
}

func run(ctx context.Context, w io.Writer, newest, newestClient string) error {
	root, err := upstream.Root()
	if err != nil {
		return err
	}
	spec := filepath.Join(root, "api", "openapi.yaml")
	ours, err := upstream.SpecVersion(spec)
	if err != nil {
		return err
	}
	oursClient, err := upstream.ClientVersion(spec)
	if err != nil {
		return err
	}
	if newest == "" {
		if newest, err = newestVersion(ctx, upstream.Package); err != nil {
			return err
		}
	}
	if newestClient == "" {
		if newestClient, err = newestVersion(ctx, upstream.ClientPackage); err != nil {
			return err
		}
	}

	// @botpress/api
	basePaths, err := upstream.Ensure(ctx, root, ours, os.Stderr)
	if err != nil {
		return err
	}
	revPaths, err := upstream.Ensure(ctx, root, newest, os.Stderr)
	if err != nil {
		return err
	}
	base, err := upstream.LoadMerged(basePaths)
	if err != nil {
		return err
	}
	rev, err := upstream.LoadMerged(revPaths)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "== %s %s → %s\n", upstream.Package, ours, newest)
	s, err := changelog(w, base, rev)
	if err != nil {
		return err
	}

	// @botpress/client
	baseClient, err := loadClient(ctx, root, oursClient)
	if err != nil {
		return err
	}
	revClient, err := loadClient(ctx, root, newestClient)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "== %s %s → %s\n", upstream.ClientPackage, oursClient, newestClient)
	sc := clientChangelog(w, baseClient, revClient)

	fmt.Fprintln(w, summaryLine(
		release{upstream.ClientPackage, oursClient, newestClient, sc},
		release{upstream.Package, ours, newest, s}))
	return nil
}

// release is what one package's newest version changes since ours.
type release struct {
	pkg, ours, newest string
	s                 summary
}

// summaryLine is the last line of the report: both packages, which newest
// is newer than the one followed, and what each changes.
func summaryLine(rs ...release) string {
	var follows, newest []string
	for _, r := range rs {
		follows = append(follows, r.pkg+" "+r.ours)
		state := "is newer"
		switch {
		case r.newest == r.ours:
			state = "is the one followed"
		case compareVersions(r.newest, r.ours) < 0:
			state = "is older"
		}
		newest = append(newest, fmt.Sprintf("newest %s %s %s: %d operations added, %d changed, %d removed",
			r.pkg, r.newest, state, r.s.added, r.s.changed, r.s.removed))
	}
	return "api/openapi.yaml follows " + strings.Join(follows, " and ") + "; " + strings.Join(newest, "; ")
}

// compareVersions orders two versions x.y.z by their numbers (a
// pre-release suffix is ignored).
func compareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < 3; i++ {
		var x, y int
		if i < len(pa) {
			fmt.Sscanf(pa[i], "%d", &x)
		}
		if i < len(pb) {
			fmt.Sscanf(pb[i], "%d", &y)
		}
		if x != y {
			return x - y
		}
	}
	return 0
}

func loadClient(ctx context.Context, root, version string) (*upstream.Client, error) {
	path, err := upstream.EnsureClient(ctx, root, version)
	if err != nil {
		return nil, err
	}
	return upstream.LoadClient(path)
}

var versionRE = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+[0-9A-Za-z.+-]*$`)

// newestVersion asks the npm registry for the latest version of pkg.
func newestVersion(ctx context.Context, pkg string) (string, error) {
	cmd := exec.CommandContext(ctx, "npm", "view", pkg, "version")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		code := ""
		for _, l := range strings.Split(stderr.String(), "\n") {
			if f := strings.Fields(l); len(f) == 4 && f[0] == "npm" && f[2] == "code" {
				code = " (npm error " + f[3] + ")"
				break
			}
		}
		return "", fmt.Errorf("cannot ask the npm registry for the newest %s%s: %w", pkg, code, err)
	}
	v := strings.TrimSpace(stdout.String())
	if !versionRE.MatchString(v) {
		return "", fmt.Errorf("npm view %s version answered %q, not a version", pkg, v)
	}
	return v, nil
}

// summary counts the operations of a changelog.
type summary struct{ added, changed, removed int }

// entry is one line of the report, with its details.
type entry struct {
	kind    string // ADDED, REMOVED, CHANGED
	id      string
	method  string
	path    string
	parts   []string // for CHANGED: request, answer, operation
	details []string
}

// changelog writes what rev changes on the wire compared with base,
// operation by operation, sorted by operationId, and counts it. It strips
// the non-2xx responses of both documents.
func changelog(w io.Writer, base, rev *openapi3.T) (summary, error) {
	for _, doc := range []*openapi3.T{base, rev} {
		for _, item := range doc.Paths.Map() {
			for _, o := range item.Operations() {
				upstream.KeepSuccess(o)
			}
		}
	}
	cfg := diff.NewConfig(diff.WithExcludeElements([]string{
		diff.ExcludeDescriptionOption, diff.ExcludeSummaryOption, diff.ExcludeTitleOption,
		diff.ExcludeExamplesOption, diff.ExcludeExtensionsOption, diff.ExcludeTagsOption,
	}))
	d, sources, err := diff.GetWithOperationsSourcesMap(cfg,
		&load.SpecInfo{Url: "base", Spec: base}, &load.SpecInfo{Url: "revision", Spec: rev})
	if err != nil {
		return summary{}, fmt.Errorf("comparing: %w", err)
	}
	changes := checker.CheckBackwardCompatibilityUntilLevel(checker.NewConfig(checker.GetAllChecks()), d, sources, checker.INFO)
	l := checker.NewDefaultLocalizer()
	texts := map[string][]string{}
	for _, c := range changes {
		k := opKey(c.GetOperation(), c.GetPath())
		texts[k] = append(texts[k], levelName(c.GetLevel())+c.GetUncolorizedText(l))
	}

	var entries []entry
	addAll := func(kind string, doc *openapi3.T, path string, methods []string) {
		item := doc.Paths.Value(path)
		if item == nil {
			return
		}
		for method, o := range item.Operations() {
			if methods != nil && !contains(methods, method) {
				continue
			}
			entries = append(entries, entry{kind: kind, id: o.OperationID, method: strings.ToUpper(method), path: path})
		}
	}
	if d != nil && d.PathsDiff != nil {
		for _, p := range d.PathsDiff.Added {
			addAll("ADDED", rev, p, nil)
		}
		for _, p := range d.PathsDiff.Deleted {
			addAll("REMOVED", base, p, nil)
		}
		for p, pd := range d.PathsDiff.Modified {
			if pd.OperationsDiff == nil {
				continue
			}
			addAll("ADDED", rev, revisionPath(rev, pd, p), upper(pd.OperationsDiff.Added))
			addAll("REMOVED", base, p, upper(pd.OperationsDiff.Deleted))
			for method, md := range pd.OperationsDiff.Modified {
				if md.Empty() {
					continue
				}
				e := entry{kind: "CHANGED", id: md.Revision.OperationID, method: strings.ToUpper(method), path: p}
				if md.ParametersDiff != nil || md.RequestBodyDiff != nil {
					e.parts = append(e.parts, "request")
				}
				if md.ResponsesDiff != nil {
					e.parts = append(e.parts, "answer")
				}
				if len(e.parts) == 0 {
					e.parts = append(e.parts, "operation")
				}
				e.details = texts[opKey(method, p)]
				if len(e.details) == 0 {
					out, _ := yaml.Marshal(md)
					e.details = strings.Split(strings.TrimRight(string(out), "\n"), "\n")
				}
				entries = append(entries, e)
			}
		}
	}

	sort.Slice(entries, func(i, j int) bool {
		if entries[i].kind != entries[j].kind {
			return order[entries[i].kind] < order[entries[j].kind]
		}
		return entries[i].id+entries[i].method+entries[i].path < entries[j].id+entries[j].method+entries[j].path
	})
	var s summary
	for _, e := range entries {
		switch e.kind {
		case "ADDED":
			s.added++
			fmt.Fprintf(w, "ADDED   %s (%s %s)\n", e.id, e.method, e.path)
		case "REMOVED":
			s.removed++
			fmt.Fprintf(w, "REMOVED %s (%s %s)\n", e.id, e.method, e.path)
		case "CHANGED":
			s.changed++
			fmt.Fprintf(w, "CHANGED %s (%s %s): %s\n", e.id, e.method, e.path, strings.Join(e.parts, ", "))
			sort.Strings(e.details)
			for _, t := range e.details {
				fmt.Fprintf(w, "    %s\n", t)
			}
		}
	}
	if len(entries) > 0 {
		fmt.Fprintln(w)
	}
	return s, nil
}

var order = map[string]int{"ADDED": 0, "CHANGED": 1, "REMOVED": 2}

// revisionPath is how rev spells a modified path: oasdiff may match paths
// whose parameters were renamed.
func revisionPath(rev *openapi3.T, pd *diff.PathDiff, p string) string {
	if rev.Paths.Value(p) != nil {
		return p
	}
	for rp, item := range rev.Paths.Map() {
		if item == pd.Revision {
			return rp
		}
	}
	return p
}

func levelName(l checker.Level) string {
	switch l {
	case checker.ERR:
		return "breaking: "
	case checker.WARN:
		return "warning: "
	}
	return ""
}

func opKey(method, path string) string { return strings.ToUpper(method) + " " + path }

func upper(methods []string) []string {
	if methods == nil {
		return []string{} // none, rather than all
	}
	out := make([]string, len(methods))
	for i, m := range methods {
		out[i] = strings.ToUpper(m)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
