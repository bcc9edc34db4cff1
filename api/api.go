// Package api embeds the OpenAPI documents this SDK is generated from, for
// tools that validate requests or answers against them: the Botpress Cloud
// API (OpenAPI) and the Chat API (Chat).
//
// The document is authored as api/openapi.yaml and the area files under
// api/sections/; `go generate` bundles them into api/openapi.bundle.yaml,
// one self-contained file, which is what the code generators read.
package api

import _ "embed"

//go:generate go -C ../scripts run ./bundle ../api/openapi.yaml ../api/openapi.bundle.yaml
//go:generate go -C ../scripts run ./bundle ../api/chat.yaml ../api/chat.bundle.yaml

// OpenAPI is api/openapi.bundle.yaml, byte for byte: the whole document in
// one file, with no external references.
//
//go:embed openapi.bundle.yaml
var OpenAPI []byte

// Messages is api/messages.yaml, byte for byte: the schemas of the payloads
// of the standard message types (text, image, choice, ...), which package
// message is generated from. Each payload schema names its message type in
// the extension x-botpress-message-type.
//
//go:embed messages.yaml
var Messages []byte

// Chat is api/chat.bundle.yaml, byte for byte: the Chat API, the user's side
// of a bot (https://chat.botpress.cloud/{webhookId}), in one file. It is
// authored as api/chat.yaml, which refers to the payload schemas of
// api/messages.yaml and to the error, PageMeta and EmptyResponse schemas of
// api/openapi.yaml; the bundle holds copies of them. Package chat/chatgen is
// generated from it.
//
//go:embed chat.bundle.yaml
var Chat []byte
