package bptest_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/api"
	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/internal/testutil"
)

var updateCoverage = flag.Bool("update-coverage", false, "rewrite docs/testing.md's bptest coverage table from the code")

// The table sits between these lines of docs/testing.md.
const (
	coverageBegin = "<!-- bptest-coverage:begin (go test ./bptest -run TestCoverageTable -update-coverage) -->"
	coverageEnd   = "<!-- bptest-coverage:end -->"
	readmePath    = "../docs/testing.md"
)

// cannedOperations returns the operations that bptest answers with a fixed
// example: the methods of canned (canned.gen.go, one per operation of the
// spec, naming it) that no method of *server replaces. It reads the code,
// so an operation made stateful leaves the set as soon as its handler is
// written. all is every operation canned.gen.go answers.
func cannedOperations(t *testing.T) (canned, all map[string]bool) {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	byMethod := map[string]string{} // Go method → operation ID
	overridden := map[string]bool{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || len(fn.Recv.List) != 1 {
				continue
			}
			switch recv := fn.Recv.List[0].Type.(type) {
			case *ast.Ident: // func (c canned) Op(...)
				if recv.Name == "canned" && name == "canned.gen.go" && fn.Name.IsExported() {
					byMethod[fn.Name.Name] = operationNamed(t, fn)
				}
			case *ast.StarExpr: // func (h *server) Op(...)
				if id, ok := recv.X.(*ast.Ident); ok && id.Name == "server" {
					overridden[fn.Name.Name] = true
				}
			}
		}
	}
	require.NotEmpty(t, byMethod, "no canned methods in canned.gen.go")
	canned, all = map[string]bool{}, map[string]bool{}
	for method, op := range byMethod {
		all[op] = true
		if !overridden[method] {
			canned[op] = true
		}
	}
	return canned, all
}

// operationNamed returns the operation ID a canned method passes to
// canned.example: its first string literal.
func operationNamed(t *testing.T, fn *ast.FuncDecl) string {
	var op string
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING && op == "" {
			op, _ = strconv.Unquote(lit.Value)
		}
		return op == ""
	})
	require.NotEmpty(t, op, "canned.%s names no operation", fn.Name.Name)
	return op
}

// specOperations returns the operation IDs of the spec, with their area
// (first tag).
func specOperations(t *testing.T) map[string]string {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	require.NoError(t, err)
	ops := map[string]string{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			area := ""
			if len(op.Tags) > 0 {
				area = op.Tags[0]
			}
			ops[op.OperationID] = area
		}
	}
	return ops
}

var coverageRow = regexp.MustCompile("^\\| ([^|]*) \\| `([A-Za-z0-9]+)` \\| (.+) \\|$")

// readCoverage returns docs/testing.md's table: operation → how it is answered.
func readCoverage(t *testing.T, readme string) (map[string]string, string, string) {
	t.Helper()
	before, rest, ok := strings.Cut(readme, coverageBegin+"\n")
	require.True(t, ok, "docs/testing.md has no line %q", coverageBegin)
	table, after, ok := strings.Cut(rest, coverageEnd)
	require.True(t, ok, "docs/testing.md has no line %q", coverageEnd)
	rows := map[string]string{}
	for _, line := range strings.Split(table, "\n") {
		if m := coverageRow.FindStringSubmatch(line); m != nil {
			rows[m[2]] = strings.TrimSpace(m[3])
		}
	}
	return rows, before, after
}

// TestCoverageTable keeps docs/testing.md's coverage table true: every operation
// of the spec has a row, and exactly the operations the code still answers
// with a fixed example say "example". Run with -update-coverage to rewrite
// the table from the code (rows that stop being examples become "state";
// say "seed" or "rule: ..." by hand where that is what they do).
func TestCoverageTable(t *testing.T) {
	canned, all := cannedOperations(t)
	spec := specOperations(t)
	for op := range spec {
		require.True(t, all[op], "canned.gen.go does not answer %s: run go generate ./...", op)
	}
	raw, err := os.ReadFile(readmePath)
	require.NoError(t, err)
	rows, before, after := readCoverage(t, string(raw))

	want := map[string]string{}
	for op := range spec {
		switch kind, ok := rows[op]; {
		case canned[op]:
			want[op] = "example"
		case ok && kind != "example" && validKind(kind):
			want[op] = kind
		default:
			want[op] = "state"
		}
	}
	if *updateCoverage {
		require.NoError(t, os.WriteFile(readmePath, []byte(before+coverageBegin+"\n"+renderCoverage(spec, want)+coverageEnd+after), 0o644))
		return
	}
	var problems []string
	for op := range spec {
		if _, ok := rows[op]; !ok {
			problems = append(problems, fmt.Sprintf("%s has no row", op))
		}
	}
	for op, kind := range rows {
		switch {
		case spec[op] == "" && !hasOp(spec, op):
			problems = append(problems, fmt.Sprintf("%s is not an operation of the spec", op))
		case canned[op] && kind != "example":
			problems = append(problems, fmt.Sprintf("%s says %q but is answered with a fixed example", op, kind))
		case !canned[op] && kind == "example":
			problems = append(problems, fmt.Sprintf("%s says example but *server answers it", op))
		case !validKind(kind):
			problems = append(problems, fmt.Sprintf("%s says %q: want state, seed, rule: ... or example", op, kind))
		}
	}
	slices.Sort(problems)
	if len(problems) > 0 {
		t.Errorf("docs/testing.md's bptest coverage table is out of date (go test ./bptest -run TestCoverageTable -update-coverage rewrites it):\n%s",
			strings.Join(problems, "\n"))
	}
}

func hasOp(spec map[string]string, op string) bool { _, ok := spec[op]; return ok }

func validKind(kind string) bool {
	return kind == "state" || kind == "seed" || kind == "example" || strings.HasPrefix(kind, "rule: ")
}

// renderCoverage writes the table, by area then operation.
func renderCoverage(spec, kinds map[string]string) string {
	ops := make([]string, 0, len(spec))
	for op := range spec {
		ops = append(ops, op)
	}
	slices.SortFunc(ops, func(a, b string) int {
		if c := strings.Compare(spec[a], spec[b]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	var b strings.Builder
	b.WriteString("| Area | Operation | Answered from |\n|---|---|---|\n")
	for _, op := range ops {
		fmt.Fprintf(&b, "| %s | `%s` | %s |\n", spec[op], op, kinds[op])
	}
	return b.String()
}

// trivialCannedOperation returns a canned operation that a bare GET calls:
// no path or required query parameter, no body, no header but the scope
// ones. Which one depends on what is still canned.
func trivialCannedOperation(t *testing.T) (op, path string) {
	t.Helper()
	canned, _ := cannedOperations(t)
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	require.NoError(t, err)
	var found [][2]string
	for p, item := range doc.Paths.Map() {
		o := item.Get
		if o == nil || !canned[o.OperationID] || strings.Contains(p, "{") || o.RequestBody != nil {
			continue
		}
		simple := true
		for _, param := range append(item.Parameters, o.Parameters...) {
			v := param.Value
			if v.Required && !(v.In == openapi3.ParameterInHeader && (v.Name == "x-bot-id" || v.Name == "x-workspace-id")) {
				simple = false
			}
		}
		if simple {
			found = append(found, [2]string{o.OperationID, p})
		}
	}
	if len(found) == 0 {
		t.Skip("no operation answered with an example is called by a bare GET any more")
	}
	slices.SortFunc(found, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	return found[0][0], found[0][1]
}

func TestExampleAnswersAreMarkedAndRefusedInStrictMode(t *testing.T) {
	op, path := trivialCannedOperation(t)
	get := func(srv *bptest.Server, path string) (*http.Response, map[string]any) {
		req, err := http.NewRequest("GET", srv.URL+path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+srv.Token)
		req.Header.Set("x-bot-id", srv.BotID)
		req.Header.Set("x-workspace-id", srv.WorkspaceID)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var body map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		return resp, body
	}

	var logs testutil.SyncBuffer
	srv := bptest.Start(t, bptest.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	resp, _ := get(srv, path)
	assert.Less(t, resp.StatusCode, 300, op)
	assert.Equal(t, "true", resp.Header.Get(bptest.ExampleHeader), "%s answers an example: it says so", op)
	assert.Contains(t, logs.String(), `msg="example answer" operation=`+op)
	// An answer from state carries no mark.
	resp, _ = get(srv, "/v1/chat/users")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Empty(t, resp.Header.Get(bptest.ExampleHeader))

	strict := bptest.Start(t, bptest.WithStrict())
	resp, body := get(strict, path)
	assert.Equal(t, http.StatusNotImplemented, resp.StatusCode)
	assert.Empty(t, resp.Header.Get(bptest.ExampleHeader))
	assert.Equal(t, "Unknown", body["type"])
	assert.Contains(t, body["message"], op)
	resp, _ = get(strict, "/v1/chat/users")
	assert.Equal(t, 200, resp.StatusCode, "strict mode answers what comes from state")
}
