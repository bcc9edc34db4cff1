// Package version holds the SDK's version, which packages client and chat send in their
// User-Agent and export as client.Version.
//
// Version is the module's version without the leading "v": the version being prepared between two
// releases ("0.1.0-dev"), and the tagged one in the commit a release tags (`make release
// VERSION=0.1.0` checks that they agree; CONTRIBUTING.md, "Cutting a release").
package version

import (
	"runtime"
	"strings"
)

// Version is the version of the module github.com/botpress-go/sdk.
const Version = "0.1.0-dev"

// userAgent is computed once: the Go version does not change while a program runs.
var userAgent = "botpress-go/" + Version + " go/" + goVersion(runtime.Version())

// UserAgent returns the default User-Agent: "botpress-go/<version> go/<go version>", for example
// "botpress-go/0.1.0 go/1.25.3".
func UserAgent() string { return userAgent }

// goVersion turns runtime.Version's "go1.25.3" into "1.25.3"; a development toolchain's
// "devel go1.26-abcdef Tue ..." becomes "devel", so that the header stays one token.
func goVersion(v string) string {
	v = strings.TrimPrefix(v, "go")
	if i := strings.IndexAny(v, " \t"); i >= 0 {
		v = v[:i]
	}
	if v == "" {
		return "unknown"
	}
	return v
}
