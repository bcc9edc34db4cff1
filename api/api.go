// Package api embeds the OpenAPI document of the Botpress Cloud API that
// this SDK is generated from, for tools that validate requests or answers
// against it.
package api

import _ "embed"

// OpenAPI is api/openapi.yaml, byte for byte.
//
//go:embed openapi.yaml
var OpenAPI []byte
