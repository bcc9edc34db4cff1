// Command upstream-diff compares api/openapi.yaml with the API definition
// Botpress publishes and lists, operation by operation, every difference on
// the wire: methods, paths, operationIds, parameters, request bodies and
// success responses (names, types, enums, limits, required sets, status
// codes). It uses oasdiff for the comparison.
//
// What our spec adds on purpose is left out of the comparison: prose
// (descriptions, summaries, titles), tags, the bearer security scheme, the
// scope header parameters (x-bot-id, x-workspace-id, x-integration-id,
// x-integration-alias) and the error responses. Upstream's "default"
// response, which repeats its success body, is left out too.
//
// Usage, from the repository root:
//
//	go -C scripts run ./upstream-diff [-spec ../api/openapi.yaml] [-version V] [-all] [upstream.json ...]
//
// With no upstream file it reads the definitions of @botpress/api at
// version V (default: info.x-botpress-api-package of our spec) from the cache
// build/upstream/V/, running scripts/upstream-fetch V first when they are
// not there. It ends with the count of operations that match and exits 1
// when an operation of our spec differs or is unknown upstream, or, with
// -all, when an upstream operation is missing from our spec.
//
// @botpress/api lags behind the official client, @botpress/client, which
// declares newer definitions (scripts/client-diff). Where the two disagree
// on an operation, the client has an operation that @botpress/api lacks or
// lacks one that @botpress/api has (Botpress removed it), the client is the
// newer truth: that operation is listed as NEWER and left
// to client-diff. The client is read at info.x-botpress-client-package
// (fetched if needed), unless -client=false.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/botpress-go/sdk/scripts/internal/upstream"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/oasdiff/diff"
	"gopkg.in/yaml.v3"
)

// scopeHeaders are the header parameters our spec adds to describe
// Botpress's scope headers; upstream leaves them out.
var scopeHeaders = map[string]bool{
	"x-bot-id": true, "x-workspace-id": true, "x-integration-id": true, "x-integration-alias": true,
}

func main() {
	spec := flag.String("spec", "", "our spec (default: api/openapi.yaml of this repository)")
	version := flag.String("version", "", "the @botpress/api version to compare with (default: info.x-botpress-api-package of our spec)")
	all := flag.Bool("all", false, "also fail when an upstream operation is missing from our spec")
	useClient := flag.Bool("client", true, "leave to client-diff the operations where @botpress/client is newer than @botpress/api")
	flag.Parse()
	root, err := upstream.Root()
	if err != nil {
		fatal(err)
	}
	if *spec == "" {
		*spec = filepath.Join(root, "api", "openapi.yaml")
	}
	paths := flag.Args()
	if len(paths) == 0 {
		if *version == "" {
			if *version, err = upstream.SpecVersion(*spec); err != nil {
				fatal(err)
			}
		}
		if paths, err = upstream.Ensure(context.Background(), root, *version, os.Stderr); err != nil {
			fatal(err)
		}
		fmt.Fprintf(os.Stdout, "upstream: %s@%s\n", upstream.Package, *version)
	}
	var newer map[string]string
	if *useClient {
		if newer, err = newerInClient(root, *spec, paths); err != nil {
			fatal(err)
		}
	}
	ok, err := run(os.Stdout, *spec, paths, *all, newer)
	if err != nil {
		fatal(err)
	}
	if !ok {
		os.Exit(1)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "upstream-diff:", err)
	os.Exit(2)
}

// op names one operation.
type op struct {
	method, path, id string
}

func (o op) String() string { return fmt.Sprintf("%s (%s %s)", o.id, o.method, o.path) }

// newerInClient names the operations on which @botpress/client, at the
// version our spec follows, disagrees with the upstream definitions at
// paths, which only the client has, or which the client no longer has;
// each with a line saying so.
func newerInClient(root, specPath string, paths []string) (map[string]string, error) {
	version, err := upstream.ClientVersion(specPath)
	if err != nil {
		return nil, err
	}
	path, err := upstream.EnsureClient(context.Background(), root, version)
	if err != nil {
		return nil, err
	}
	pkg, err := upstream.LoadClient(path)
	if err != nil {
		return nil, err
	}
	theirs, err := upstream.LoadMerged(paths)
	if err != nil {
		return nil, err
	}
	res, err := upstream.CompareClient(io.Discard, theirs, pkg, nil, false)
	if err != nil {
		return nil, err
	}
	from := fmt.Sprintf("%s@%s (definitions %s)", pkg.Package, pkg.Version, pkg.APIVersion)
	out := map[string]string{}
	for _, id := range res.Differing {
		out[id] = "differs from the upstream definition in " + from + ", which client-diff checks"
	}
	for _, id := range res.Missing {
		out[id] = "not in the upstream definition, new in " + from + ", which client-diff checks"
	}
	// Operations Botpress has since removed: client-diff fails on them
	// unless our spec marks them deprecated, which @botpress/api, older,
	// does not; comparing them here would only report that flag.
	for _, id := range res.Extra {
		out[id] = "removed in " + from + "; client-diff checks that our spec marks it deprecated"
	}
	return out, nil
}

// run prints the report and says whether everything compared matches.
// Operations named in newer are listed with their reason and not compared.
func run(w io.Writer, specPath string, upstreamPaths []string, requireAll bool, newer map[string]string) (bool, error) {
	ours, err := upstream.Load(specPath)
	if err != nil {
		return false, err
	}
	theirs, err := upstream.LoadMerged(upstreamPaths)
	if err != nil {
		return false, err
	}
	stripOurs(ours, theirs)
	stripTheirs(theirs)

	ourOps, theirOps := operations(ours), operations(theirs)
	var missing, extra []op
	for k, o := range theirOps {
		if _, found := ourOps[k]; !found {
			missing = append(missing, o)
		}
	}
	for k, o := range ourOps {
		if _, found := theirOps[k]; !found {
			extra = append(extra, o)
		}
	}
	// Compare only what both have; the rest is reported above.
	for _, o := range missing {
		removeOp(theirs, o)
	}
	for _, o := range extra {
		removeOp(ours, o)
	}

	cfg := diff.NewConfig(diff.WithExcludeElements([]string{
		diff.ExcludeDescriptionOption, diff.ExcludeSummaryOption, diff.ExcludeTitleOption,
		diff.ExcludeExamplesOption, diff.ExcludeExtensionsOption, diff.ExcludeTagsOption,
	}))
	d, err := diff.Get(cfg, theirs, ours)
	if err != nil {
		return false, fmt.Errorf("comparing: %w", err)
	}

	differing := map[string]any{}
	if d != nil && d.PathsDiff != nil {
		for path, pd := range d.PathsDiff.Modified {
			if pd.OperationsDiff == nil {
				continue
			}
			for method, md := range pd.OperationsDiff.Modified {
				if md.Empty() {
					continue
				}
				differing[key(method, path)] = md
			}
		}
	}

	keys := make([]string, 0, len(ourOps))
	for k := range ourOps {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return ourOps[keys[i]].id < ourOps[keys[j]].id })
	matched, compared, skipped := 0, 0, 0
	for _, k := range keys {
		if why, ok := newer[ourOps[k].id]; ok {
			skipped++
			fmt.Fprintf(w, "NEWER %s: %s\n", ourOps[k], why)
			continue
		}
		if _, found := theirOps[k]; !found {
			continue
		}
		compared++
		md, bad := differing[k]
		if !bad {
			matched++
			continue
		}
		out, _ := yaml.Marshal(md)
		fmt.Fprintf(w, "DIFFERS %s\n%s\n", ourOps[k], indent(string(out)))
	}
	sortOps(extra)
	var unknown []op
	for _, o := range extra {
		if _, ok := newer[o.id]; !ok {
			unknown = append(unknown, o)
		}
	}
	for _, o := range unknown {
		fmt.Fprintf(w, "NOT UPSTREAM %s: in our spec, not in the upstream definition\n", o)
	}
	sortOps(missing)
	if requireAll {
		for _, o := range missing {
			fmt.Fprintf(w, "MISSING %s: upstream, not yet in our spec\n", o)
		}
	}
	fmt.Fprintf(w, "\nupstream: %d operations; ours: %d; both: %d; missing from ours: %d; not upstream: %d; newer in the client: %d\n",
		len(theirOps), len(ourOps), compared, len(missing), len(extra), skipped)
	fmt.Fprintf(w, "%d of %d operations compared match upstream\n", matched, compared)
	ok := matched == compared && len(unknown) == 0
	if requireAll && len(missing) > 0 {
		ok = false
	}
	return ok, nil
}

func key(method, path string) string { return strings.ToUpper(method) + " " + path }

func operations(doc *openapi3.T) map[string]op {
	out := map[string]op{}
	for path, item := range doc.Paths.Map() {
		for method, o := range item.Operations() {
			out[key(method, path)] = op{strings.ToUpper(method), path, o.OperationID}
		}
	}
	return out
}

func removeOp(doc *openapi3.T, o op) {
	item := doc.Paths.Value(o.path)
	if item == nil {
		return
	}
	item.SetOperation(o.method, nil)
	if len(item.Operations()) == 0 {
		doc.Paths.Delete(o.path)
	}
}

// stripOurs removes what our spec adds on purpose: security, error
// responses, and the scope headers that upstream does not declare for the
// operation (where upstream declares one, as billing does x-workspace-id,
// it is compared like any parameter).
func stripOurs(doc, theirs *openapi3.T) {
	doc.Security = nil
	for path, item := range doc.Paths.Map() {
		for method, o := range item.Operations() {
			o.Security = nil
			declared := map[string]bool{}
			if ui := theirs.Paths.Value(path); ui != nil {
				if uo := ui.GetOperation(method); uo != nil {
					for _, p := range uo.Parameters {
						if p.Value != nil && p.Value.In == openapi3.ParameterInHeader {
							declared[strings.ToLower(p.Value.Name)] = true
						}
					}
				}
			}
			var params openapi3.Parameters
			for _, p := range o.Parameters {
				if p.Value != nil && p.Value.In == openapi3.ParameterInHeader {
					name := strings.ToLower(p.Value.Name)
					if scopeHeaders[name] && !declared[name] {
						continue
					}
				}
				params = append(params, p)
			}
			o.Parameters = params
			upstream.KeepSuccess(o)
		}
	}
}

// stripTheirs removes upstream's default responses.
func stripTheirs(doc *openapi3.T) {
	for _, item := range doc.Paths.Map() {
		for _, o := range item.Operations() {
			upstream.KeepSuccess(o)
		}
	}
}

func sortOps(ops []op) {
	sort.Slice(ops, func(i, j int) bool { return ops[i].id < ops[j].id })
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "    " + l
	}
	return strings.Join(lines, "\n")
}
