// Command spec-breaking fails when api/openapi.yaml breaks clients of an
// earlier version of itself, unless info.version got a major bump, or the
// spec moved to newer Botpress definitions.
//
// Usage, from the repository root:
//
//	go -C scripts run ./spec-breaking [REF]
//
// REF is a git ref holding the earlier spec: by default the latest tag
// named v*. CI passes the parent commit. The earlier spec is read with
// `git archive REF api`, so that its own split files come with it. Breaking
// changes are oasdiff's (removed operations, parameters that became
// required, narrowed types, removed answer properties ...); each is
// printed, and they fail the check unless the major number of info.version
// grew since REF, or info.version (the version of Botpress's definitions the
// spec follows) grew: Botpress changes its API within a major version, and
// the spec follows it; client-diff checks that each such change is
// Botpress's.
package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/oasdiff/checker"
	"github.com/oasdiff/oasdiff/diff"
	"github.com/oasdiff/oasdiff/load"
)

func main() {
	ok, err := run(os.Args[1:], os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "spec-breaking:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

func run(args []string, w io.Writer) (bool, error) {
	root, err := gitOutput("rev-parse", "--show-toplevel")
	if err != nil {
		return false, err
	}
	ref := ""
	if len(args) > 0 {
		ref = args[0]
	} else if ref, err = gitOutput("describe", "--tags", "--abbrev=0", "--match", "v*"); err != nil {
		return false, errors.New("no release tag (v*) to compare with: pass a git ref")
	}
	tmp, err := os.MkdirTemp("", "spec-breaking-*")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(tmp)
	if err := extract(root, ref, tmp); err != nil {
		return false, err
	}
	base, err := loadSpec(filepath.Join(tmp, "api", "openapi.yaml"))
	if err != nil {
		return false, fmt.Errorf("the spec at %s: %w", ref, err)
	}
	head, err := loadSpec(filepath.Join(root, "api", "openapi.yaml"))
	if err != nil {
		return false, err
	}
	d, sources, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(), base, head)
	if err != nil {
		return false, err
	}
	changes := checker.CheckBackwardCompatibility(checker.NewConfig(checker.GetAllChecks()), d, sources)
	l := checker.NewDefaultLocalizer()
	breaking := 0
	for _, c := range changes {
		if c.GetLevel() != checker.ERR {
			continue
		}
		breaking++
		fmt.Fprintf(w, "BREAKING %s %s: %s\n", c.GetOperation(), c.GetPath(), c.GetUncolorizedText(l))
	}
	from, to := base.Spec.Info.Version, head.Spec.Info.Version
	bumped := major(to) > major(from)
	fmt.Fprintf(w, "spec-breaking: %d breaking change(s) since %s; info.version %s → %s\n", breaking, ref, from, to)
	switch {
	case breaking == 0 || bumped:
	case newer(to, from):
		fmt.Fprintf(w, "spec-breaking: the breaking changes follow Botpress's definitions %s → %s (client-diff checks them)\n", from, to)
	default:
		fmt.Fprintln(w, "spec-breaking: breaking changes need a major bump of info.version, or newer Botpress definitions")
		return false, nil
	}
	return true, nil
}

func gitOutput(args ...string) (string, error) {
	out, err := exec.Command("git", args...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("git %s: %s", strings.Join(args, " "), strings.TrimSpace(string(ee.Stderr)))
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// extract writes the api/ folder of ref into dir.
func extract(root, ref, dir string) error {
	cmd := exec.Command("git", "-C", root, "archive", "--format=tar", ref, "api")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("git archive %s api: %s", ref, strings.TrimSpace(stderr.String()))
	}
	tr := tar.NewReader(&out)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		path := filepath.Join(dir, filepath.FromSlash(h.Name))
		if !strings.HasPrefix(path, filepath.Clean(dir)+string(os.PathSeparator)) {
			return fmt.Errorf("unexpected path %q in the archive", h.Name)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
	}
}

func loadSpec(path string) (*load.SpecInfo, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = true
	return load.NewSpecInfo(loader, load.NewSource(path))
}

// major reads the major number of a version such as 1.70.2; -1 when it
// has none.
func major(v string) int {
	n, err := strconv.Atoi(strings.SplitN(strings.TrimPrefix(v, "v"), ".", 2)[0])
	if err != nil {
		return -1
	}
	return n
}

// newer reports whether version a (x.y.z) is above b.
func newer(a, b string) bool {
	pa, pb := strings.Split(strings.TrimPrefix(a, "v"), "."), strings.Split(strings.TrimPrefix(b, "v"), ".")
	for i := 0; i < 3; i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			return x > y
		}
	}
	return false
}
