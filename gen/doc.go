// Package gen holds the models, the low-level client and the server
// interfaces that oapi-codegen generates from api/openapi.yaml. Do not edit
// it by hand: change the spec or the oapi-codegen*.yaml files and run
// `go generate ./...`.
//
// Most programs use package client, which wraps these types with
// authentication, retries, typed errors and page walkers. The server side
// (ServerInterface, StrictServerInterface, HandlerWithOptions) is what
// package bptest implements.
//
// Message payloads are typed with package message: the request bodies that
// carry one take a message.Payload, and fill an empty message type from it
// (message_bodies.gen.go, from templates/message-bodies.tmpl); a Message
// answer keeps its payload as message.Raw, which message.Decode turns into
// a Go value.
package gen

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config ../oapi-codegen.yaml ../api/openapi.bundle.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config ../oapi-codegen-server.yaml ../api/openapi.bundle.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config ../oapi-codegen-message-bodies.yaml ../api/openapi.bundle.yaml
