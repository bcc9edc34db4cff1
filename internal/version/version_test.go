package version

import (
	"regexp"
	"runtime"
	"testing"
)

func TestUserAgent(t *testing.T) {
	want := "botpress-go/" + Version + " go/" + runtime.Version()[len("go"):]
	if regexp.MustCompile(`^go\d`).MatchString(runtime.Version()) && UserAgent() != want {
		t.Errorf("UserAgent() = %q, want %q", UserAgent(), want)
	}
	if !regexp.MustCompile(`^botpress-go/\S+ go/\S+$`).MatchString(UserAgent()) {
		t.Errorf("UserAgent() = %q: not botpress-go/<version> go/<go version>", UserAgent())
	}
}

func TestVersionIsSemver(t *testing.T) {
	// semver.org's grammar, without the leading v (the tag has it, the constant does not).
	re := regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?$`)
	if !re.MatchString(Version) {
		t.Errorf("Version %q is not a semantic version without its v", Version)
	}
}

func TestGoVersion(t *testing.T) {
	for in, want := range map[string]string{
		"go1.25.3":                           "1.25.3",
		"go1.26rc1":                          "1.26rc1",
		"devel go1.27-abcdef Tue Jan 1 2026": "devel",
		"":                                   "unknown",
	} {
		if got := goVersion(in); got != want {
			t.Errorf("goVersion(%q) = %q, want %q", in, got, want)
		}
	}
}
