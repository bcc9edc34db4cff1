// Package gen holds the models and the low-level client that oapi-codegen
// generates from api/openapi.yaml. Do not edit it by hand: change the spec or
// oapi-codegen.yaml and run `go generate ./...`.
//
// Most programs use package client, which wraps these types with
// authentication, retries, typed errors and page walkers.
package gen

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config ../oapi-codegen.yaml ../api/openapi.bundle.yaml
