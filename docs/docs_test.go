// Package docs_test checks the Markdown of README.md, CONTRIBUTING.md and docs/*.md: every ```go
// block type-checks, and every relative link and anchor points at something that exists.
//
// How a ```go block is checked (CONTRIBUTING.md, "Code blocks in the docs", says the same):
//
//   - a block that starts with a package clause is a complete file and is checked as it is;
//   - a block of declarations (func, type, var, const) is checked as a file of its own;
//   - any other block is a list of statements, checked as the body of a function that returns an
//     error (so `return err` works); the variables it declares at its top level count as used;
//   - single-line `import` lines at the top of a partial block are hoisted to the file's imports,
//     and the imports a partial block needs (fmt, gen, client, bperrors ...) are added for it;
//   - a partial block may use the names of fragmentEnv without declaring them (ctx, c, srv ...);
//   - a block whose info string is "go fragment" is not checked: keep those few.
//
// The blocks are written as one package each under testdata/ (removed afterwards) and checked
// with `go vet`, so they see this module's packages as a user's program would.
package docs_test

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// knownImports maps the package names a partial block may use to their import paths.
var knownImports = map[string]string{
	"bytes":    "bytes",
	"context":  "context",
	"errors":   "errors",
	"fmt":      "fmt",
	"http":     "net/http",
	"httptest": "net/http/httptest",
	"io":       "io",
	"iter":     "iter",
	"json":     "encoding/json",
	"log":      "log",
	"os":       "os",
	"slog":     "log/slog",
	"strings":  "strings",
	"testing":  "testing",
	"time":     "time",

	"client":   "github.com/botpress-go/sdk/client",
	"where":    "github.com/botpress-go/sdk/client/where",
	"gen":      "github.com/botpress-go/sdk/gen",
	"message":  "github.com/botpress-go/sdk/message",
	"bperrors": "github.com/botpress-go/sdk/errors",
	"chat":     "github.com/botpress-go/sdk/chat",
	"chatgen":  "github.com/botpress-go/sdk/chat/chatgen",
	"bptest":   "github.com/botpress-go/sdk/bptest",
	"require":  "github.com/stretchr/testify/require",
	"assert":   "github.com/stretchr/testify/assert",
}

// fragmentEnv is what a partial block may use without declaring it: the context, the client, the
// test and the test server of the surrounding program, and a few IDs. Each name maps to its
// declaration.
var fragmentEnv = map[string]string{
	"ctx":    "var ctx context.Context",
	"c":      "var c *client.Client",
	"t":      "var t *testing.T",
	"srv":    "var srv *bptest.Server",
	"id":     "var id string",
	"convID": "var convID string",
	"userID": "var userID string",
}

// fileEnv adds to, or overrides, fragmentEnv for the blocks of one file.
var fileEnv = map[string]map[string]string{
	// The guide's client is a Chat client.
	"docs/chat.md": {"c": "var c *chat.Client"},
	// The guide's record type, declared by its first block.
	"docs/tables.md": {"Lead": "type Lead struct{ Email, Stage string }"},
}

type block struct {
	file string // relative to the repository's root
	line int    // the line of the block's first code line
	info string // the fence's info string
	src  string
}

// docFiles lists the Markdown files checked, relative to the repository's root.
func docFiles(t *testing.T) []string {
	t.Helper()
	files := []string{"README.md", "CONTRIBUTING.md", "CHANGELOG.md", "SECURITY.md"}
	more, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range more {
		files = append(files, "docs/"+m)
	}
	var out []string
	for _, f := range files {
		if _, err := os.Stat(filepath.Join("..", f)); err == nil {
			out = append(out, f)
		}
	}
	return out
}

func readDoc(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var fence = regexp.MustCompile("^(\\s*)(```+|~~~+)\\s*(.*)$")

// codeBlocks returns the fenced blocks of a Markdown text (all of them, any language).
func codeBlocks(name, text string) []block {
	var out []block
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		m := fence.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		indent, marker, info := m[1], m[2], strings.TrimSpace(m[3])
		var body []string
		j := i + 1
		for ; j < len(lines); j++ {
			if strings.HasPrefix(strings.TrimSpace(lines[j]), marker) && strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(lines[j]), marker[:1])) == "" {
				break
			}
			body = append(body, strings.TrimPrefix(lines[j], indent))
		}
		out = append(out, block{file: name, line: i + 2, info: info, src: strings.Join(body, "\n") + "\n"})
		i = j
	}
	return out
}

// goBlocks returns the ```go blocks of the checked files, those marked fragment left out.
func goBlocks(t *testing.T) (checked []block, fragments int) {
	for _, f := range docFiles(t) {
		for _, b := range codeBlocks(f, readDoc(t, f)) {
			fields := strings.Fields(b.info)
			if len(fields) == 0 || fields[0] != "go" {
				continue
			}
			if len(fields) > 1 && fields[1] == "fragment" {
				fragments++
				continue
			}
			checked = append(checked, b)
		}
	}
	return checked, fragments
}

// wrapped is a block made into a Go file: src, and the line of src where the block's first line is.
type wrapped struct {
	src    string
	offset int // src line = block line + offset
}

var importLine = regexp.MustCompile(`^import\s+(?:([A-Za-z_][A-Za-z0-9_]*|\.)\s+)?("[^"]+")\s*$`)

// wrap turns a block into a Go file (see the package doc).
func wrap(b block) (wrapped, error) {
	fset := token.NewFileSet()
	if f, err := parser.ParseFile(fset, "block.go", b.src, parser.ParseComments); err == nil && f.Name != nil {
		return wrapped{src: b.src}, nil // a complete file
	}

	// Hoist the single-line imports at the top of the block (blank lines and comments may sit
	// among them); they keep their lines as blank ones so that positions still match.
	lines := strings.Split(b.src, "\n")
	imports := map[string]string{} // path -> name ("" for the default)
	for i, l := range lines {
		s := strings.TrimSpace(l)
		if s == "" || strings.HasPrefix(s, "//") {
			continue
		}
		m := importLine.FindStringSubmatch(s)
		if m == nil {
			break
		}
		path, _ := strconv.Unquote(m[2])
		imports[path] = m[1]
		lines[i] = ""
	}
	body := strings.Join(lines, "\n")

	var src string
	var offset int
	asDecls := "package p\n\n" + body
	if _, err := parser.ParseFile(token.NewFileSet(), "block.go", asDecls, 0); err == nil {
		src, offset = asDecls, 2
	} else {
		src, offset = "package p\n\nfunc _() error {\n"+body+"\n}\n", 3
	}
	f, err := parser.ParseFile(fset, "block.go", src, parser.ParseComments)
	if err != nil {
		return wrapped{}, err
	}

	// What the block declares at the function's top level counts as used, and a function that
	// does not end with a return gets one.
	var tail []string
	if offset == 3 {
		fn := f.Decls[0].(*ast.FuncDecl)
		for _, st := range fn.Body.List {
			switch st := st.(type) {
			case *ast.AssignStmt:
				if st.Tok == token.DEFINE {
					for _, l := range st.Lhs {
						if id, ok := l.(*ast.Ident); ok && id.Name != "_" {
							tail = append(tail, "_ = "+id.Name)
						}
					}
				}
			case *ast.DeclStmt:
				if gd, ok := st.Decl.(*ast.GenDecl); ok && gd.Tok == token.VAR {
					for _, sp := range gd.Specs {
						for _, n := range sp.(*ast.ValueSpec).Names {
							if n.Name != "_" {
								tail = append(tail, "_ = "+n.Name)
							}
						}
					}
				}
			}
		}
		n := len(fn.Body.List)
		if n == 0 {
			tail = append(tail, "return nil")
		} else if _, ok := fn.Body.List[n-1].(*ast.ReturnStmt); !ok {
			tail = append(tail, "return nil")
		}
	}

	// The names the block uses but does not declare: imports it needs, and fragmentEnv.
	unresolved := map[string]bool{}
	for _, id := range f.Unresolved {
		unresolved[id.Name] = true
	}
	declared := map[string]bool{}
	for _, name := range imports {
		if name != "" {
			declared[name] = true
		}
	}
	for path, name := range imports {
		if name == "" {
			declared[path[strings.LastIndex(path, "/")+1:]] = true
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if x, ok := sel.X.(*ast.Ident); ok && unresolved[x.Name] && !declared[x.Name] {
				if path, ok := knownImports[x.Name]; ok {
					name := ""
					if path[strings.LastIndex(path, "/")+1:] != x.Name {
						name = x.Name
					}
					imports[path] = name
					declared[x.Name] = true
				}
			}
		}
		return true
	})
	envDecls := map[string]string{}
	for name, decl := range fragmentEnv {
		envDecls[name] = decl
	}
	for name, decl := range fileEnv[b.file] {
		envDecls[name] = decl
	}
	var env []string
	for name, decl := range envDecls {
		if unresolved[name] && !declared[name] {
			env = append(env, decl)
			for pkg, path := range knownImports {
				if strings.Contains(decl, pkg+".") {
					if _, ok := imports[path]; !ok {
						imports[path] = ""
						if path[strings.LastIndex(path, "/")+1:] != pkg {
							imports[path] = pkg
						}
					}
				}
			}
		}
	}
	sort.Strings(env)

	// Put it together: the block's lines stay where they were (offset), the additions go after.
	head := "package p\n\n"
	body2 := src[len("package p\n\n"):]
	if len(tail) > 0 {
		body2 = strings.TrimSuffix(body2, "\n}\n") + "\n" + strings.Join(tail, "\n") + "\n}\n"
	}
	// Imports must come first: they, and the env, go on the package clause's line, separated
	// by semicolons, so that the block keeps its line numbers.
	var parts []string
	if len(imports) > 0 {
		paths := make([]string, 0, len(imports))
		for p := range imports {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		var specs []string
		for _, p := range paths {
			specs = append(specs, strings.TrimSpace(imports[p]+" "+strconv.Quote(p)))
		}
		parts = append(parts, "import ("+strings.Join(specs, "; ")+")")
	}
	parts = append(parts, env...)
	if len(parts) > 0 {
		head = "package p; " + strings.Join(parts, "; ") + "\n\n"
	}
	return wrapped{src: head + body2, offset: offset}, nil
}

// TestGoBlocksCompile type-checks every ```go block of the docs with go vet.
func TestGoBlocksCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet")
	}
	blocks, fragments := goBlocks(t)
	t.Logf("%d go blocks, %d marked fragment", len(blocks), fragments)
	if len(blocks) == 0 {
		t.Fatal("no go blocks found")
	}
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	root, err := os.MkdirTemp("testdata", "blocks-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		os.RemoveAll(root)
		os.Remove("testdata") // only if empty
	})

	byDir := map[string]struct {
		b block
		w wrapped
	}{}
	var dirs []string
	for i, b := range blocks {
		w, err := wrap(b)
		if err != nil {
			t.Errorf("%s:%d: go block does not parse: %v", b.file, b.line, err)
			continue
		}
		dir := filepath.Join(root, fmt.Sprintf("b%03d", i))
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "block.go"), []byte(w.src), 0o644); err != nil {
			t.Fatal(err)
		}
		rel := "./" + filepath.ToSlash(dir)
		dirs = append(dirs, rel)
		byDir[filepath.Base(dir)] = struct {
			b block
			w wrapped
		}{b, w}
	}
	if len(dirs) == 0 {
		return
	}
	gobin := "go"
	if g := os.Getenv("GOROOT"); g != "" {
		if _, err := os.Stat(filepath.Join(g, "bin", "go")); err == nil {
			gobin = filepath.Join(g, "bin", "go")
		}
	}
	cmd := exec.Command(gobin, append([]string{"vet", "-unreachable=false"}, dirs...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	if err == nil {
		return
	}
	// Map go vet's positions back to the Markdown.
	pos := regexp.MustCompile(`(?m)(?:^|\s)(\S*?(b\d{3})[/\\]block\.go):(\d+)(?::(\d+))?:\s*(.*)$`)
	matched := false
	for _, m := range pos.FindAllStringSubmatch(out.String(), -1) {
		e, ok := byDir[m[2]]
		if !ok {
			continue
		}
		matched = true
		line, _ := strconv.Atoi(m[3])
		mdLine := e.b.line + line - 1 - e.w.offset
		if line <= e.w.offset {
			mdLine = e.b.line
		}
		t.Errorf("%s:%d: %s", e.b.file, mdLine, m[5])
	}
	if !matched {
		t.Errorf("go vet: %v\n%s", err, out.String())
	}
}

// TestWrap checks the wrapping of partial blocks on small cases.
func TestWrap(t *testing.T) {
	for _, tc := range []struct{ name, src string }{
		{"complete", "package main\n\nfunc main() {}\n"},
		{"statements", "u, err := c.GetUser(ctx, id)\nif err != nil {\n\treturn err\n}\nfmt.Println(u.User.ID)\n"},
		{"declarations", "func TestX(t *testing.T) {\n\tsrv := bptest.Start(t)\n\t_ = srv\n}\n"},
		{"hoisted import", "import bperrors \"github.com/botpress-go/sdk/errors\"\n\n_ = bperrors.ErrRateLimited\n"},
	} {
		w, err := wrap(block{file: "x.md", line: 1, src: tc.src})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if _, err := format.Source([]byte(w.src)); err != nil {
			t.Errorf("%s: wrapped block does not parse: %v\n%s", tc.name, err, w.src)
		}
		// The block's first line sits at line offset+1 of the file.
		got := strings.Split(w.src, "\n")[w.offset]
		want := strings.Split(tc.src, "\n")[0]
		if strings.HasPrefix(want, "import ") {
			want = ""
		}
		if got != want {
			t.Errorf("%s: line %d of the file is %q, want the block's first line %q", tc.name, w.offset+1, got, want)
		}
	}
}

var (
	mdLink  = regexp.MustCompile(`\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	heading = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)
)

// slug is GitHub's anchor for a heading: lower case, punctuation dropped, spaces made hyphens.
func slug(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r > 127:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// anchors returns the anchors of a Markdown text's headings (code blocks left out).
func anchors(text string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	inCode := false
	for _, l := range strings.Split(text, "\n") {
		if fence.MatchString(l) {
			inCode = !inCode
			continue
		}
		if inCode {
			continue
		}
		m := heading.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		s := slug(m[1])
		if n := seen[s]; n > 0 {
			out[fmt.Sprintf("%s-%d", s, n)] = true
		} else {
			out[s] = true
		}
		seen[s]++
	}
	return out
}

// TestLinks checks that every relative link of the docs names a file that exists and, when it has
// an anchor, a heading of that file.
func TestLinks(t *testing.T) {
	files := append(docFiles(t), "BENCHMARKS.md")
	for _, f := range files {
		text := readDoc(t, f)
		inCode := false
		for i, l := range strings.Split(text, "\n") {
			if fence.MatchString(l) {
				inCode = !inCode
				continue
			}
			if inCode {
				continue
			}
			l = regexp.MustCompile("`[^`]*`").ReplaceAllString(l, "")
			for _, m := range mdLink.FindAllStringSubmatch(l, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				path, anchor, _ := strings.Cut(target, "#")
				dest := f
				if path != "" {
					dest = filepath.ToSlash(filepath.Join(filepath.Dir(f), path))
					if _, err := os.Stat(filepath.Join("..", dest)); err != nil {
						t.Errorf("%s:%d: link to %s: no such file", f, i+1, target)
						continue
					}
				}
				if anchor == "" {
					continue
				}
				if !strings.HasSuffix(dest, ".md") {
					continue // a line anchor of a source file (#L10)
				}
				if !anchors(readDoc(t, dest))[anchor] {
					t.Errorf("%s:%d: link to %s: %s has no heading with that anchor", f, i+1, target, dest)
				}
			}
		}
	}
}
