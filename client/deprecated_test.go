package client_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/api"
)

// TestDeprecatedOperations checks that client/operations.gen.go marks, with
// a Go "Deprecated: " paragraph, the method, the walker and the page iterator
// of every operation the spec marks deprecated, and those of no other
// operation. Tools (gopls, staticcheck, pkg.go.dev) read that paragraph.
func TestDeprecatedOperations(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	require.NoError(t, err)
	deprecated := map[string]bool{}
	pageable := map[string]bool{}
	all := map[string]bool{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			all[op.OperationID] = true
			if op.Deprecated {
				deprecated[op.OperationID] = true
			}
			for _, p := range op.Parameters {
				if p.Value != nil && p.Value.In == "query" && p.Value.Name == "nextToken" {
					pageable[op.OperationID] = true
				}
			}
		}
	}
	require.NotEmpty(t, deprecated, "the spec marks no operation deprecated; the test would check nothing")

	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "operations.gen.go", nil, parser.ParseComments)
	require.NoError(t, err)

	// Each function of the file is tied to its spec operation by what it
	// calls: a method builds operation{name: "<id>"}, a page iterator calls
	// pages(ctx, c, opts, "<id>", ...), a walker calls
	// itemsOf(ctx, "<id>", c.<X>Pages(...)).
	type fn struct {
		name, kind string
		deprecated bool
	}
	byOp := map[string][]fn{}
	pagesOp := map[string]string{} // page iterator name → operation
	var walkers []*ast.FuncDecl
	for _, decl := range file.Decls {
		d, ok := decl.(*ast.FuncDecl)
		if !ok || d.Recv == nil {
			continue
		}
		dep := hasDeprecatedParagraph(d.Doc)
		if id, ok := operationName(d); ok {
			byOp[id] = append(byOp[id], fn{d.Name.Name, "method", dep})
		} else if id, ok := pagesOperation(d); ok {
			byOp[id] = append(byOp[id], fn{d.Name.Name, "page iterator", dep})
			pagesOp[d.Name.Name] = id
		} else {
			walkers = append(walkers, d)
		}
	}
	for _, d := range walkers {
		id, ok := pagesOp[walkerTarget(d)]
		require.True(t, ok, "%s: neither a method, a page iterator nor a walker", d.Name.Name)
		byOp[id] = append(byOp[id], fn{d.Name.Name, "walker", hasDeprecatedParagraph(d.Doc)})
	}

	ids := make([]string, 0, len(all))
	for id := range all {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		fns := byOp[id]
		want := 1
		if pageable[id] {
			want = 3
		}
		assert.Len(t, fns, want, "%s: its generated functions", id)
		for _, f := range fns {
			if deprecated[id] {
				assert.True(t, f.deprecated, "%s is deprecated in the spec: its %s %s needs a Deprecated paragraph", id, f.kind, f.name)
			} else {
				assert.False(t, f.deprecated, "%s is not deprecated in the spec: its %s %s has a Deprecated paragraph", id, f.kind, f.name)
			}
		}
	}
	for id := range byOp {
		assert.True(t, all[id], "%s: generated, not in the spec", id)
	}
}

// hasDeprecatedParagraph reports whether a doc comment holds a paragraph
// starting "Deprecated: ", Go's convention.
func hasDeprecatedParagraph(doc *ast.CommentGroup) bool {
	if doc == nil {
		return false
	}
	for _, para := range strings.Split(doc.Text(), "\n\n") {
		if strings.HasPrefix(strings.TrimSpace(para), "Deprecated: ") {
			return true
		}
	}
	return false
}

// operationName finds operation{name: "<id>", ...} in a method's body.
func operationName(d *ast.FuncDecl) (string, bool) {
	var id string
	ast.Inspect(d.Body, func(n ast.Node) bool {
		lit, ok := n.(*ast.CompositeLit)
		if !ok || id != "" {
			return id == ""
		}
		if typ, ok := lit.Type.(*ast.Ident); !ok || typ.Name != "operation" {
			return true
		}
		for _, e := range lit.Elts {
			kv, ok := e.(*ast.KeyValueExpr)
			if !ok {
				continue
			}
			if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "name" {
				if s, ok := kv.Value.(*ast.BasicLit); ok {
					id, _ = strconv.Unquote(s.Value)
				}
			}
		}
		return false
	})
	// A page iterator builds an operation too, to report missing params;
	// it is told apart by its call to pages.
	if _, isPages := pagesOperation(d); isPages {
		return "", false
	}
	return id, id != ""
}

// pagesOperation finds pages(ctx, c, opts, "<id>", ...) in a page iterator's body.
func pagesOperation(d *ast.FuncDecl) (string, bool) {
	var id string
	ast.Inspect(d.Body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || id != "" {
			return id == ""
		}
		if f, ok := call.Fun.(*ast.Ident); ok && f.Name == "pages" && len(call.Args) > 3 {
			if s, ok := call.Args[3].(*ast.BasicLit); ok {
				id, _ = strconv.Unquote(s.Value)
			}
		}
		return true
	})
	return id, id != ""
}

// walkerTarget finds c.<X>Pages in itemsOf(ctx, "<id>", c.<X>Pages(...)).
func walkerTarget(d *ast.FuncDecl) string {
	var name string
	ast.Inspect(d.Body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || name != "" {
			return name == ""
		}
		if sel, ok := call.Fun.(*ast.SelectorExpr); ok && strings.HasSuffix(sel.Sel.Name, "Pages") {
			name = sel.Sel.Name
			return false
		}
		return true
	})
	return name
}
