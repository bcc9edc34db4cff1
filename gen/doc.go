// Package gen holds the models that oapi-codegen generates from
// api/openapi.yaml: request bodies, parameters, answers and resources. Do
// not edit it by hand: change the spec or the oapi-codegen*.yaml files and
// run `go generate ./...`.
//
// Package client calls the API with these types, adding authentication,
// retries, typed errors and page walkers. gen holds nothing else, so that
// a program using the client compiles only the models: the server
// bindings that package bptest implements are generated into
// bptest/internal/server, with these models as aliases.
//
// Message payloads are typed with package message: the request bodies that
// carry one take a message.Payload, and fill an empty message type from it
// (message_bodies.gen.go, from templates/message-bodies.tmpl); a Message
// answer keeps its payload as message.Raw, which message.Decode turns into
// a Go value.
package gen

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config ../oapi-codegen.yaml ../api/openapi.bundle.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config ../oapi-codegen-message-bodies.yaml ../api/openapi.bundle.yaml
//go:generate go -C ../bptest/internal/server run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config oapi-codegen.yaml ../../../api/openapi.bundle.yaml
//go:generate go -C ../scripts run ./aliases -pkg server -import github.com/botpress-go/sdk/gen ../gen ../bptest/internal/server/models.gen.go
