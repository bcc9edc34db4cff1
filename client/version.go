package client

import "github.com/botpress-go/sdk/internal/version"

// Version is the version of this SDK (the module github.com/botpress-go/sdk), without the leading
// "v" of its tag: "0.1.0", or "0.1.0-dev" between releases. Clients send it in their User-Agent.
const Version = version.Version

// DefaultUserAgent returns the User-Agent that clients of this package and of package chat send
// unless WithUserAgent says otherwise: "botpress-go/<version> go/<go version>", for example
// "botpress-go/0.1.0 go/1.25.3".
func DefaultUserAgent() string { return version.UserAgent() }
