// Package gen holds the models, the low-level client and the server
// interfaces that oapi-codegen generates from api/openapi.yaml. Do not edit
// it by hand: change the spec or the oapi-codegen*.yaml files and run
// `go generate ./...`.
//
// Most programs use package client, which wraps these types with
// authentication, retries, typed errors and page walkers. The server side
// (ServerInterface, StrictServerInterface, HandlerWithOptions) is what
// package bptest implements.
package gen

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config ../oapi-codegen.yaml ../api/openapi.bundle.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config ../oapi-codegen-server.yaml ../api/openapi.bundle.yaml
