// Package releasetest tests scripts/release (make release) on tiny git repositories made for each
// test, never on the project's own: no test creates a tag in it.
package releasetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const changelog = `# Changelog

## [Unreleased]

### Added

## [0.1.0] - 2026-12-07

### Added

- ` + "`p.Foo`" + `.
`

func version(v string) string {
	return "// Package version is the module's version.\npackage version\n\n// Version is it.\nconst Version = \"" + v + "\"\n"
}

// tinyRepo makes a repository in the layout scripts/release reads, committed.
func tinyRepo(t *testing.T, v, log string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":                      "module example.com/tiny\n\ngo 1.25\n",
		"p/p.go":                      "// Package p is tiny.\npackage p\n\n// Foo is it.\nfunc Foo() {}\n",
		"internal/version/version.go": version(v),
		"CHANGELOG.md":                log,
	}
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{
		{"init", "-q"}, {"config", "user.email", "test@example.com"}, {"config", "user.name", "test"},
		{"add", "-A"}, {"commit", "-q", "-m", "first"},
	} {
		gitOut(t, dir, args...)
	}
	return dir
}

func gitOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// release runs scripts/release in dir with the given environment.
func release(t *testing.T, dir string, env ...string) (string, error) {
	t.Helper()
	script, err := filepath.Abs("../release")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func tags(t *testing.T, dir string) string {
	return strings.TrimSpace(gitOut(t, dir, "tag", "--list"))
}

func TestRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("runs git and go")
	}
	for _, tc := range []struct {
		name, version, changelog string
		env                      []string
		wantErr                  string
		wantTag                  string
	}{
		{name: "no version", version: "0.1.0", changelog: changelog, wantErr: "say which version"},
		{name: "not semver", version: "0.1.0", changelog: changelog, env: []string{"VERSION=1.2"}, wantErr: "not a semantic version"},
		{name: "version constant differs", version: "0.1.0-dev", changelog: changelog, env: []string{"VERSION=0.1.0"}, wantErr: `internal/version.Version is "0.1.0-dev"`},
		{name: "no changelog section", version: "0.2.0", changelog: changelog, env: []string{"VERSION=0.2.0"}, wantErr: "CHANGELOG.md has no section"},
		{name: "undated section", version: "0.1.0", changelog: strings.Replace(changelog, " - 2026-12-07", "", 1), env: []string{"VERSION=0.1.0"}, wantErr: "has no date"},
		{name: "CI fails", version: "0.1.0", changelog: changelog, env: []string{"VERSION=0.1.0", "RELEASE_CI=false"}, wantErr: "CI failed"},
		{name: "dry run", version: "0.1.0", changelog: changelog, env: []string{"VERSION=0.1.0", "RELEASE_CI=true", "DRY_RUN=1"}, wantErr: "", wantTag: ""},
		{name: "tags", version: "0.1.0", changelog: changelog, env: []string{"VERSION=v0.1.0", "RELEASE_CI=true"}, wantTag: "v0.1.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := tinyRepo(t, tc.version, tc.changelog)
			out, err := release(t, dir, tc.env...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(out, tc.wantErr) {
					t.Fatalf("err %v, want a failure saying %q; output:\n%s", err, tc.wantErr, out)
				}
			} else if err != nil {
				t.Fatalf("release failed: %v\n%s", err, out)
			}
			if got := tags(t, dir); got != tc.wantTag {
				t.Fatalf("tags after the run: %q, want %q; output:\n%s", got, tc.wantTag, out)
			}
			if tc.wantTag != "" {
				msg := gitOut(t, dir, "tag", "-n20", "--list", tc.wantTag)
				if !strings.Contains(msg, "p.Foo") {
					t.Errorf("the tag's message is not the CHANGELOG section:\n%s", msg)
				}
			}
		})
	}
}

// TestReleaseRefusesADirtyTreeAndAnExistingTag: the tag names a commit, once.
func TestReleaseRefusesADirtyTreeAndAnExistingTag(t *testing.T) {
	if testing.Short() {
		t.Skip("runs git")
	}
	dir := tinyRepo(t, "0.1.0", changelog)
	if err := os.WriteFile(filepath.Join(dir, "p", "q.go"), []byte("package p\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := release(t, dir, "VERSION=0.1.0", "RELEASE_CI=true"); err == nil || !strings.Contains(out, "uncommitted changes") {
		t.Fatalf("a dirty tree is released: %v\n%s", err, out)
	}
	os.Remove(filepath.Join(dir, "p", "q.go"))
	gitOut(t, dir, "tag", "v0.1.0")
	if out, err := release(t, dir, "VERSION=0.1.0", "RELEASE_CI=true"); err == nil || !strings.Contains(out, "exists already") {
		t.Fatalf("an existing tag is tagged again: %v\n%s", err, out)
	}
}
