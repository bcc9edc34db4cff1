package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// apidiffBin builds apidiff once for the tests.
func apidiffBin(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "apidiff")
	cmd := exec.Command("go", "build", "-o", bin, "golang.org/x/exp/cmd/apidiff")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building apidiff: %v\n%s", err, out)
	}
	return bin
}

// tinyRepo makes a git repository holding a tiny module, in the layout the check reads (go.mod,
// internal/version/version.go, CHANGELOG.md), with one commit.
func tinyRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	git(t, dir, "init", "-q")
	git(t, dir, "config", "user.email", "test@example.com")
	git(t, dir, "config", "user.name", "test")
	commit(t, dir, files, "first")
	return dir
}

func commit(t *testing.T, dir string, files map[string]string, msg string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if text == "" {
			os.Remove(p)
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", msg)
}

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

const (
	goMod     = "module example.com/tiny\n\ngo 1.25\n"
	pkgBoth   = "// Package p is tiny.\npackage p\n\n// Foo is kept.\nfunc Foo() {}\n\n// Bar is removed later.\nfunc Bar() {}\n"
	pkgFoo    = "// Package p is tiny.\npackage p\n\n// Foo is kept.\nfunc Foo() {}\n"
	pkgAdded  = pkgBoth + "\n// Baz is new.\nfunc Baz() {}\n"
	changelog = "# Changelog\n\n## [Unreleased]\n\n### Added\n\n### Removed\n\n## [1.0.0]\n\n### Added\n\n- `p.Foo`, `p.Bar`.\n"
)

func version(v string) string {
	return "// Package version is the module's version.\npackage version\n\n// Version is it.\nconst Version = \"" + v + "\"\n"
}

func runCheck(t *testing.T, bin, repo string, extra ...string) (bool, string) {
	t.Helper()
	var out strings.Builder
	ok, err := run(append([]string{"-repo", repo, "-apidiff", bin}, extra...), &out)
	if err != nil {
		t.Fatalf("api-compat: %v\n%s", err, out.String())
	}
	return ok, out.String()
}

func TestNoTagPasses(t *testing.T) {
	repo := tinyRepo(t, map[string]string{"go.mod": goMod, "p/p.go": pkgBoth, "internal/version/version.go": version("0.1.0-dev"), "CHANGELOG.md": changelog})
	var out strings.Builder
	ok, err := run([]string{"-repo", repo, "-apidiff", "/nonexistent"}, &out)
	if err != nil || !ok || !strings.Contains(out.String(), "no v* tag yet") {
		t.Fatalf("ok %v, err %v, output:\n%s", ok, err, out.String())
	}
}

func TestCompatibility(t *testing.T) {
	if testing.Short() {
		t.Skip("builds apidiff")
	}
	bin := apidiffBin(t)
	repo := tinyRepo(t, map[string]string{"go.mod": goMod, "p/p.go": pkgBoth, "internal/version/version.go": version("1.0.0"), "CHANGELOG.md": changelog})
	git(t, repo, "tag", "v1.0.0")

	// An added name is compatible.
	commit(t, repo, map[string]string{"p/p.go": pkgAdded, "internal/version/version.go": version("1.1.0-dev")}, "add Baz")
	if ok, out := runCheck(t, bin, repo); !ok || !strings.Contains(out, "compatible changes only") {
		t.Fatalf("an added name fails the check:\n%s", out)
	}

	// A removed exported name fails, and the output names it.
	commit(t, repo, map[string]string{"p/p.go": pkgFoo}, "remove Bar")
	ok, out := runCheck(t, bin, repo)
	t.Log(out)
	if ok || !strings.Contains(out, "FAIL") || !strings.Contains(out, "\n  p.Bar: removed") {
		t.Fatalf("removing p.Bar passes the check, or the report does not name it:\n%s", out)
	}

	// In a patch release it fails whatever the CHANGELOG says.
	commit(t, repo, map[string]string{"CHANGELOG.md": strings.Replace(changelog, "### Removed\n", "### Removed\n\n- **Breaking**: `p.Bar`, which Botpress dropped.\n", 1)}, "changelog")
	if ok, out := runCheck(t, bin, repo, "-version", "1.0.1"); ok || !strings.Contains(out, "patch release") {
		t.Fatalf("a breaking change in a patch release passes:\n%s", out)
	}

	// In a minor release, a **Breaking** CHANGELOG entry that names it lets it through.
	if ok, out := runCheck(t, bin, repo); !ok {
		t.Fatalf("a breaking change named in the CHANGELOG fails:\n%s", out)
	}

	// A line that names it without **Breaking** does not.
	commit(t, repo, map[string]string{"CHANGELOG.md": strings.Replace(changelog, "### Removed\n", "### Removed\n\n- `p.Bar`, which Botpress dropped.\n", 1)}, "changelog without Breaking")
	if ok, out := runCheck(t, bin, repo); ok {
		t.Fatalf("a CHANGELOG line without **Breaking** lets a breaking change through:\n%s", out)
	}

	// A major bump allows it.
	if ok, out := runCheck(t, bin, repo, "-version", "2.0.0"); !ok || !strings.Contains(out, "allowed by the major version") {
		t.Fatalf("a major bump does not allow a breaking change:\n%s", out)
	}

	// A version not after the tag is an error: bump it.
	var w strings.Builder
	if _, err := run([]string{"-repo", repo, "-apidiff", bin, "-version", "1.0.0"}, &w); err == nil {
		t.Fatal("preparing the tagged version itself is not an error")
	}
}

func TestIncompatibleParsing(t *testing.T) {
	report := "Incompatible changes:\n- ./a.Bar: removed\n- ./a.T.F: changed from int to string\n- ./c/b.X: removed\n- ./.Root: removed\nCompatible changes:\n- ./a.Baz: added\n"
	got := incompatible(report)
	want := []change{{"", "Root", "removed"}, {"a", "Bar", "removed"}, {"a", "T.F", "changed from int to string"}, {"c/b", "X", "removed"}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("change %d: got %v, want %v", i, got[i], want[i])
		}
	}
	section := "- **Breaking**: `a.T` changed; all of `b.*` follows Botpress; `Root` is gone.\n- `a.Bar` (not marked)\n"
	for _, c := range got {
		if c.named(section) != (c.name != "Bar") {
			t.Errorf("%v named: %v", c, c.named(section))
		}
	}
}
