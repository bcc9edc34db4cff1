// Command api-compat checks that the module's Go API stays compatible with its latest release, as
// the semver policy of CONTRIBUTING.md ("Versions and compatibility") says.
//
// Usage, from the repository root (CI and `make api-compat` run it so):
//
//	go -C scripts run ./api-compat [-repo DIR] [-base TAG] [-version X.Y.Z]
//
// It compares the exported API of every package of the module (internal ones left out) at the
// latest v* tag (-base, by default the highest by semver) with the work tree, using
// golang.org/x/exp/cmd/apidiff (a tool of the scripts module, pinned in scripts/go.mod). With no
// v* tag yet it says so and passes.
//
// The version being prepared is internal/version.Version ("0.2.0-dev" prepares 0.2.0), or
// -version (what `make release VERSION=...` passes). Incompatible changes (a removed name, a
// changed signature or type ...) fail the check unless
//
//   - the version being prepared has a higher major number than the tag, or
//   - it is not a patch release and CHANGELOG.md's section for it (## [Unreleased], or
//     ## [X.Y.Z]) names each changed name on a line marked **Breaking**: `pkg.Name`, `Name`, or
//     `pkg.*` for every change of a package (a regeneration that follows Botpress).
//
// Compatible changes are listed, for the record.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/mod/semver"
)

func main() {
	ok, err := run(os.Args[1:], os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "api-compat:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

// run returns whether the check passes; an error is a failure to check at all.
func run(args []string, w io.Writer) (bool, error) {
	fs := flag.NewFlagSet("api-compat", flag.ContinueOnError)
	repo := fs.String("repo", "", "the repository (default: the git top level of the working directory's parent)")
	base := fs.String("base", "", "the release to compare with (default: the highest v* tag)")
	version := fs.String("version", "", "the version being prepared, X.Y.Z (default: internal/version.Version)")
	apidiff := fs.String("apidiff", "", "the apidiff binary (default: built from the scripts module)")
	if err := fs.Parse(args); err != nil {
		return false, err
	}
	if *repo == "" {
		// Run as `go -C scripts run ./api-compat`: the repository is the parent of scripts/.
		top, err := output("", "git", "rev-parse", "--show-toplevel")
		if err != nil {
			return false, err
		}
		*repo = top
	}
	if *base == "" {
		tag, err := latestTag(*repo)
		if err != nil {
			return false, err
		}
		if tag == "" {
			fmt.Fprintln(w, "api-compat: no v* tag yet: no release to compare the Go API with; passes")
			return true, nil
		}
		*base = tag
	}
	if *version == "" {
		v, err := moduleVersion(*repo)
		if err != nil {
			return false, err
		}
		*version = v
	}
	target := "v" + strings.TrimPrefix(*version, "v")
	if !semver.IsValid(target) {
		return false, fmt.Errorf("version %q is not a semantic version", *version)
	}
	target = strings.SplitN(target, "-", 2)[0] // 0.2.0-dev prepares 0.2.0
	if !semver.IsValid(*base) {
		return false, fmt.Errorf("base %q is not a semantic version tag", *base)
	}
	if semver.Compare(target, *base) <= 0 {
		return false, fmt.Errorf("the version being prepared (%s, from internal/version.Version or -version) is not after %s: bump it", target, *base)
	}

	modPath, err := modulePath(*repo)
	if err != nil {
		return false, err
	}
	tmp, err := os.MkdirTemp("", "api-compat-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(tmp)

	bin := *apidiff
	if bin == "" {
		bin = filepath.Join(tmp, "apidiff")
		if _, err := output(filepath.Join(*repo, "scripts"), "go", "build", "-o", bin, "golang.org/x/exp/cmd/apidiff"); err != nil {
			return false, fmt.Errorf("building apidiff: %w", err)
		}
	}

	// The release's tree, from git archive: the repository is left as it is.
	old := filepath.Join(tmp, "old")
	if err := os.Mkdir(old, 0o755); err != nil {
		return false, err
	}
	if err := shell(*repo, fmt.Sprintf("git archive %s | tar -x -C %s", quote(*base), quote(old))); err != nil {
		return false, fmt.Errorf("extracting %s: %w", *base, err)
	}
	oldExport, newExport := filepath.Join(tmp, "old.export"), filepath.Join(tmp, "new.export")
	if _, err := output(old, bin, "-m", "-w", oldExport, modPath); err != nil {
		return false, fmt.Errorf("the API of %s: %w", *base, err)
	}
	if _, err := output(*repo, bin, "-m", "-w", newExport, modPath); err != nil {
		return false, fmt.Errorf("the API of the work tree: %w", err)
	}
	report, err := output("", bin, "-m", oldExport, newExport)
	if err != nil {
		return false, fmt.Errorf("apidiff: %w", err)
	}
	breaking := incompatible(report)

	fmt.Fprintf(w, "api-compat: the Go API of %s against %s, preparing %s\n", modPath, *base, target)
	if strings.TrimSpace(report) == "" {
		fmt.Fprintln(w, "api-compat: no change to the exported API")
		return true, nil
	}
	fmt.Fprint(w, indent(report))
	if len(breaking) == 0 {
		fmt.Fprintln(w, "api-compat: compatible changes only")
		return true, nil
	}
	if semver.Major(target) != semver.Major(*base) {
		fmt.Fprintf(w, "api-compat: %d incompatible changes, allowed by the major version %s\n", len(breaking), semver.Major(target))
		return true, nil
	}
	if semver.MajorMinor(target) == semver.MajorMinor(*base) {
		fmt.Fprintf(w, "api-compat: FAIL: %d incompatible changes in a patch release (%s after %s): a patch release keeps the API\n", len(breaking), target, *base)
		return false, nil
	}
	section, err := changelogSection(filepath.Join(*repo, "CHANGELOG.md"), strings.TrimPrefix(target, "v"))
	if err != nil {
		return false, err
	}
	var missing []change
	for _, c := range breaking {
		if !c.named(section) {
			missing = append(missing, c)
		}
	}
	if len(missing) == 0 {
		fmt.Fprintf(w, "api-compat: %d incompatible changes, each named in a **Breaking** entry of CHANGELOG.md\n", len(breaking))
		return true, nil
	}
	fmt.Fprintf(w, "api-compat: FAIL: %d incompatible changes that CHANGELOG.md's section for %s does not name on a **Breaking** line (`pkg.Name`, `Name` or `pkg.*`), without a major version bump:\n", len(missing), target)
	for _, c := range missing {
		if c.pkg == "" {
			fmt.Fprintf(w, "  %s: %s\n", c.name, c.what)
		} else {
			fmt.Fprintf(w, "  %s.%s: %s\n", c.pkg, c.name, c.what)
		}
	}
	return false, nil
}

// change is one incompatible change apidiff reports.
type change struct {
	pkg  string // the package's path inside the module: client, client/where ("" for the root)
	name string // the changed name: Foo, or Foo.Bar
	what string
}

// pkgName is the package's name as the docs write it: the last element of its path ("" for the
// module's root package).
func (c change) pkgName() string { return c.pkg[strings.LastIndex(c.pkg, "/")+1:] }

// named reports whether a **Breaking** line of section names the change.
func (c change) named(section string) bool {
	top := strings.SplitN(c.name, ".", 2)[0]
	if top == "" {
		return false
	}
	p := c.pkgName()
	if p == "errors" {
		p = "bperrors" // the name the docs import it as
	}
	for _, l := range strings.Split(section, "\n") {
		if !strings.Contains(l, "**Breaking**") {
			continue
		}
		wants := []string{c.name, top}
		if p != "" {
			wants = append(wants, p+"."+c.name, p+"."+top, p+".*")
		}
		for _, want := range wants {
			if regexp.MustCompile(`(^|[^\w.])` + regexp.QuoteMeta(want) + `($|[^\w])`).MatchString(l) {
				return true
			}
		}
	}
	return false
}

// incompatible parses apidiff's module report: "Incompatible changes:" then lines
// "- ./pkg/path.Name: what" (./.Name for the module's root package), then "Compatible changes:".
func incompatible(report string) []change {
	var out []change
	inIncompatible := false
	sc := bufio.NewScanner(strings.NewReader(report))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(l, "Incompatible changes:"):
			inIncompatible = true
		case strings.HasPrefix(l, "Compatible changes:"):
			inIncompatible = false
		case strings.HasPrefix(l, "- ") && inIncompatible:
			full, what, _ := strings.Cut(strings.TrimPrefix(l, "- "), ": ")
			full = strings.TrimPrefix(full, "./")
			slash := strings.LastIndex(full, "/")
			dot := strings.Index(full[slash+1:], ".")
			c := change{name: full, what: what}
			if dot >= 0 {
				c.pkg, c.name = full[:slash+1+dot], full[slash+1+dot+1:]
			}
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].pkg < out[j].pkg })
	return out
}

// changelogSection returns the text of CHANGELOG.md's section for version: ## [Unreleased], and
// ## [version] if there is one.
func changelogSection(path, version string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var out strings.Builder
	in := false
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "## ") {
			h := strings.ToLower(l)
			in = strings.HasPrefix(h, "## [unreleased]") || strings.HasPrefix(h, "## ["+version+"]")
			continue
		}
		if in {
			out.WriteString(l + "\n")
		}
	}
	return out.String(), nil
}

// latestTag returns the highest v* tag by semver, or "".
func latestTag(repo string) (string, error) {
	out, err := output(repo, "git", "tag", "--list", "v*")
	if err != nil {
		return "", err
	}
	best := ""
	for _, t := range strings.Fields(out) {
		if semver.IsValid(t) && (best == "" || semver.Compare(t, best) > 0) {
			best = t
		}
	}
	return best, nil
}

var versionConst = regexp.MustCompile(`(?m)^const Version = "([^"]+)"`)

// moduleVersion reads internal/version.Version.
func moduleVersion(repo string) (string, error) {
	b, err := os.ReadFile(filepath.Join(repo, "internal", "version", "version.go"))
	if err != nil {
		return "", err
	}
	m := versionConst.FindSubmatch(b)
	if m == nil {
		return "", errors.New("internal/version/version.go has no `const Version = \"...\"`")
	}
	return string(m[1]), nil
}

func modulePath(repo string) (string, error) {
	b, err := os.ReadFile(filepath.Join(repo, "go.mod"))
	if err != nil {
		return "", err
	}
	m := regexp.MustCompile(`(?m)^module\s+(\S+)`).FindSubmatch(b)
	if m == nil {
		return "", errors.New("go.mod has no module line")
	}
	return string(m[1]), nil
}

func output(dir, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
}

func shell(dir, script string) error {
	cmd := exec.Command("bash", "-o", "pipefail", "-c", script)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w\n%s", err, out)
	}
	return nil
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString("  " + l + "\n")
	}
	return b.String()
}
