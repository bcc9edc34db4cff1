// Package difftest helps the tests of chat-diff and client-diff: it runs
// their extract scripts (node, with the repository's TypeScript compiler)
// and checks their reports.
package difftest

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Run runs `node script pkgDir` from the test's directory, with the
// repository's node_modules/typescript; it skips the test when node or
// node_modules (npm ci) is missing, as CI has both. It returns what the
// script printed and its error.
func Run(t *testing.T, script, pkgDir string) (stdout []byte, stderr string, err error) {
	t.Helper()
	node, lookErr := exec.LookPath("node")
	if lookErr != nil {
		t.Skip("node is not installed")
	}
	tsDir, absErr := filepath.Abs(filepath.Join("..", "..", "node_modules", "typescript"))
	if absErr != nil {
		t.Fatal(absErr)
	}
	if _, statErr := os.Stat(tsDir); statErr != nil {
		t.Skip("node_modules/typescript is missing: run npm ci")
	}
	cmd := exec.Command(node, script, pkgDir, tsDir)
	var errBuf bytes.Buffer
	cmd.Stderr = &errBuf
	stdout, err = cmd.Output()
	return stdout, errBuf.String(), err
}

// Check runs the script on pkgDir and fails the test unless it prints the
// JSON held in wantFile (compared as JSON values).
func Check(t *testing.T, script, pkgDir, wantFile string) {
	t.Helper()
	out, stderr, err := Run(t, script, pkgDir)
	if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, stderr)
	}
	var got, want any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(wantFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	g, _ := json.MarshalIndent(got, "", "  ")
	w, _ := json.MarshalIndent(want, "", "  ")
	if !bytes.Equal(g, w) {
		t.Errorf("%s read something else than %s:\n%s", script, wantFile, g)
	}
}

// Contains fails the test for each line that the report out lacks.
func Contains(t *testing.T, out string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(out, l) {
			t.Errorf("the report lacks %q:\n%s", l, out)
		}
	}
}
