package upstream

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/botpress-go/sdk/scripts/internal/tsdiff"
)

// scopeHeaders are set by a client's configuration, not per call: the
// package's operation types leave them out, and so does the comparison.
var clientScopeHeaders = map[string]bool{
	"x-bot-id": true, "x-workspace-id": true, "x-integration-id": true, "x-integration-alias": true, "x-user-id": true,
}

// ClientResult is the outcome of one comparison with @botpress/client.
type ClientResult struct {
	OK bool
	// Differing, Missing and Extra name operations: those of both that
	// differ, the package's that ours lacks, ours that the package lacks
	// (deprecated or not).
	Differing, Missing, Extra []string
}

// CompareClient writes the report of our spec against the package to w:
// whether they agree but for the known differences, and which operations
// differ, are missing or are ours alone.
func CompareClient(w io.Writer, doc *openapi3.T, pkg *Client, known []tsdiff.Known, verbose bool) (ClientResult, error) {
	var res ClientResult
	r := tsdiff.NewReport(known)
	ours := tsdiff.OurOperations(doc)
	if doc.Info.Version != pkg.APIVersion {
		r.Fail("DIFFERS info.version: %s in our spec, but %s@%s was built from definitions %s",
			doc.Info.Version, pkg.Package, pkg.Version, pkg.APIVersion)
	}
	matched, compared, deprecated := 0, 0, 0
	for _, name := range slices.Sorted(maps.Keys(ours)) {
		o := ours[name]
		p, ok := pkg.Operations[name]
		if !ok {
			res.Extra = append(res.Extra, name)
			if o.Op.Deprecated {
				deprecated++
				r.Lines = append(r.Lines, fmt.Sprintf("DEPRECATED %s: not in %s@%s (Botpress removed it), deprecated in our spec", o, pkg.Package, pkg.Version))
				continue
			}
			r.Fail("NOT IN PACKAGE %s: in our spec, not in %s@%s; mark it deprecated if Botpress removed it", o, pkg.Package, pkg.Version)
			continue
		}
		compared++
		diffs, err := compareOperation(o, p)
		if err != nil {
			return res, fmt.Errorf("%s: %w", name, err)
		}
		if r.Record(name, o.String(), diffs) {
			matched++
		} else {
			res.Differing = append(res.Differing, name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(pkg.Operations)) {
		if _, ok := ours[name]; !ok {
			p := pkg.Operations[name]
			res.Missing = append(res.Missing, name)
			r.Fail("MISSING %s (%s %s): in %s@%s, not in our spec", name, p.Method, p.Path, pkg.Package, pkg.Version)
		}
	}
	knownCount := r.Write(w, "scripts/client-diff/known.yaml", verbose)
	fmt.Fprintf(w, "\n%s@%s (definitions %s): %d operations; ours: %d (%d deprecated); both: %d\n",
		pkg.Package, pkg.Version, pkg.APIVersion, len(pkg.Operations), len(ours), deprecated, compared)
	fmt.Fprintf(w, "%d of %d operations of %s@%s match ours field by field (%d known differences)\n",
		matched, len(pkg.Operations), pkg.Package, pkg.Version, knownCount)
	res.OK = !r.Bad && matched == len(pkg.Operations)
	return res, nil
}

// compareOperation lists how our operation differs from the package's.
func compareOperation(o tsdiff.OurOp, p *tsdiff.Operation) ([]tsdiff.Difference, error) {
	out, req, err := tsdiff.CompareRequest(o, p)
	if err != nil {
		return nil, err
	}
	out = append(out, tsdiff.DiffSchemas("headers", "", withoutScope(tsdiff.OrEmpty(p.Headers)), withoutScope(req.Header))...)
	answer, err := tsdiff.CompareAnswer(tsdiff.Success(o.Op), p)
	if err != nil {
		return nil, err
	}
	return append(out, answer...), nil
}

// withoutScope is the headers of s but the scope headers.
func withoutScope(s *tsdiff.Schema) *tsdiff.Schema {
	out := &tsdiff.Schema{Type: "object", Properties: map[string]*tsdiff.Schema{}}
	for name, h := range s.Properties {
		if !clientScopeHeaders[name] {
			out.Properties[name] = h
			if slices.Contains(s.Required, name) {
				out.Required = append(out.Required, name)
			}
		}
	}
	return out
}

// ClientPackage is the npm package of Botpress's official TypeScript client.
const ClientPackage = "@botpress/client"

// ClientFile is what scripts/client-fetch writes in build/upstream/client-<version>/.
const ClientFile = "client-package.json"

// Client is what scripts/client-diff/extract.cjs reads in @botpress/client.
type Client struct {
	Package string `json:"package"`
	Version string `json:"version"`
	// APIVersion is the version of the definitions the package was built from.
	APIVersion string                       `json:"apiVersion"`
	Operations map[string]*tsdiff.Operation `json:"operations"`
}

// LoadClient reads a client-package.json.
func LoadClient(path string) (*Client, error) {
	var c Client
	if err := tsdiff.ReadJSON(path, &c); err != nil {
		return nil, err
	}
	if len(c.Operations) == 0 {
		return nil, fmt.Errorf("%s: no operations", path)
	}
	return &c, nil
}

// ClientVersion is info.x-botpress-client-package of the spec at path: the
// @botpress/client release it follows.
func ClientVersion(path string) (string, error) {
	return infoField(path, "x-botpress-client-package")
}

// EnsureClient returns the description of @botpress/client at version in
// the cache, running scripts/client-fetch first when the cache does not
// hold it. The script's one-line failure becomes the error.
func EnsureClient(ctx context.Context, root, version string) (string, error) {
	path := filepath.Join(CacheDir(root), "client-"+version, ClientFile)
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if err := runScript(ctx, root, "client-fetch", version, os.Stderr); err != nil {
		return "", err
	}
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("client-fetch %s wrote no %s (was %s a tag rather than a version?)", version, path, version)
	}
	return path, nil
}
