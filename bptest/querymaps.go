package bptest

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

// Map query parameters. A few operations take an object in the query: the
// tags filter of the list operations (tags) and the interfaces of
// getDereferencedPlugin and getDereferencedPublicPluginById, the last two
// required. The API reads such a map from one dotted key per entry,
// name.KEY=VALUE (tags.channel=web, interfaces.tracker=intver_...), which is
// what package client writes (internal/transport/query.go). Neither
// kin-openapi nor the generated server reads them that way: for a style
// form, explode true object kin-openapi only finds a parameter by the
// names of its schema's properties, and a map (additionalProperties only)
// has none, so a required one was always "missing"; the generated wrapper
// binds a map from a key named after the parameter, which the API never
// sends, and fails a required one the same way.
//
// So the pipeline reads them itself: queryMapIndex.read collects the dotted
// keys of each object-typed query parameter, answers 400 InvalidQuery when
// a required one has no entry (or when the parameter comes undotted, or an
// entry is repeated), checks the map against the parameter's schema, and
// hands kin-openapi a route without these parameters for the rest. The
// maps travel in the request's context: fillQueryMaps puts them in the
// Params of each operation's request object, and the operations with a
// required map are served by requiredMapWrappers instead of the generated
// wrapper, which would refuse them.

// queryMapIndex holds, for each operation with object-typed query
// parameters, those parameters and the route kin-openapi validates the
// others with.
type queryMapIndex map[*openapi3.Operation]*queryMapOp

type queryMapOp struct {
	params   []*openapi3.Parameter
	op       *openapi3.Operation // the operation without them
	pathItem *openapi3.PathItem  // its path item without them
}

// isQueryMap reports whether p is an object-typed query parameter.
func isQueryMap(p *openapi3.Parameter) bool {
	return p != nil && p.In == openapi3.ParameterInQuery && p.Schema != nil && p.Schema.Value != nil &&
		p.Schema.Value.Type.Is(openapi3.TypeObject)
}

// newQueryMapIndex finds the object-typed query parameters of every
// operation of doc, its own or its path's.
func newQueryMapIndex(doc *openapi3.T) queryMapIndex {
	ix := queryMapIndex{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			var maps []*openapi3.Parameter
			for _, p := range op.Parameters {
				if isQueryMap(p.Value) {
					maps = append(maps, p.Value)
				}
			}
			for _, p := range item.Parameters {
				if isQueryMap(p.Value) && op.Parameters.GetByInAndName(p.Value.In, p.Value.Name) == nil {
					maps = append(maps, p.Value)
				}
			}
			if len(maps) == 0 {
				continue
			}
			without := func(ps openapi3.Parameters) openapi3.Parameters {
				return slices.DeleteFunc(slices.Clone(ps), func(p *openapi3.ParameterRef) bool {
					return slices.Contains(maps, p.Value)
				})
			}
			shadowOp, shadowItem := *op, *item
			shadowOp.Parameters, shadowItem.Parameters = without(op.Parameters), without(item.Parameters)
			ix[op] = &queryMapOp{params: maps, op: &shadowOp, pathItem: &shadowItem}
		}
	}
	return ix
}

// read reads the map query parameters of a request from their dotted keys
// and checks them; then it points input at the route kin-openapi is to
// validate the rest of the request with. It answers the maps by parameter
// name (only those the request has), or a *openapi3filter.RequestError.
func (ix queryMapIndex) read(input *openapi3filter.RequestValidationInput) (map[string]map[string]string, error) {
	mo := ix[input.Route.Operation]
	if mo == nil {
		return nil, nil
	}
	q := input.Request.URL.Query()
	out := map[string]map[string]string{}
	for _, p := range mo.params {
		fail := func(reason string, err error) error {
			return &openapi3filter.RequestError{Input: input, Parameter: p, Reason: reason, Err: err}
		}
		if q.Has(p.Name) {
			return nil, fail(fmt.Sprintf("it is a map: send one key per entry, %s.KEY=VALUE", p.Name), nil)
		}
		m := map[string]string{}
		for k, vs := range q {
			key, ok := strings.CutPrefix(k, p.Name+".")
			if !ok {
				continue
			}
			if len(vs) > 1 {
				return nil, fail(fmt.Sprintf("%s is given %d times", k, len(vs)), nil)
			}
			m[key] = vs[0]
		}
		if len(m) == 0 {
			if p.Required {
				return nil, fail(openapi3filter.ErrInvalidRequired.Error(), openapi3filter.ErrInvalidRequired)
			}
			continue
		}
		obj := make(map[string]any, len(m))
		for k, v := range m {
			obj[k] = v
		}
		if err := p.Schema.Value.VisitJSON(obj); err != nil {
			return nil, fail("", err)
		}
		out[p.Name] = m
	}
	route := *input.Route
	route.Operation, route.PathItem = mo.op, mo.pathItem
	input.Route = &route
	return out, nil
}

// fillQueryMaps is a strict middleware: it sets the map fields of a
// request object's Params (form tag name, type map[string]string) from the
// maps the pipeline read.
func fillQueryMaps(f gen.StrictHandlerFunc, _ string) gen.StrictHandlerFunc {
	return func(ctx context.Context, w http.ResponseWriter, r *http.Request, request any) (any, error) {
		if maps, _ := ctx.Value(queryMapsKey).(map[string]map[string]string); len(maps) > 0 {
			request = withQueryMaps(request, maps)
		}
		return f(ctx, w, r, request)
	}
}

// withQueryMaps returns a copy of a request object whose Params hold maps.
func withQueryMaps(request any, maps map[string]map[string]string) any {
	v := reflect.New(reflect.TypeOf(request)).Elem()
	v.Set(reflect.ValueOf(request))
	params := v.FieldByName("Params")
	if params.Kind() != reflect.Struct {
		return request
	}
	for i := range params.NumField() {
		f := params.Type().Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("form"), ",")
		m, ok := maps[name]
		if !ok {
			continue
		}
		mv := reflect.ValueOf(m)
		if !mv.Type().ConvertibleTo(f.Type) {
			panic(fmt.Sprintf("bptest: query map %s cannot go in %s.Params.%s of type %s", name, v.Type(), f.Name, f.Type))
		}
		params.Field(i).Set(mv.Convert(f.Type))
	}
	return v.Interface()
}

// requiredMapWrapper serves an operation with a required map query
// parameter in place of the generated wrapper, which refuses it (see the
// top of this file). It binds the operation's other parameters, named in
// binds with the map's, for a test to check that none is left out; the
// map itself comes in by fillQueryMaps.
type requiredMapWrapper struct {
	binds []string
	serve func(si gen.ServerInterface) http.HandlerFunc
}

// requiredMapWrappers are the wrappers, by the pattern of their operation.
var requiredMapWrappers = map[string]requiredMapWrapper{
	"GET /v1/admin/plugins/{id}/dereferenced": {
		binds: []string{"id", "interfaces", "x-workspace-id"},
		serve: func(si gen.ServerInterface) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				var p gen.GetDereferencedPluginParams
				if ws := r.Header.Get("x-workspace-id"); ws != "" {
					p.XWorkspaceID = &ws
				}
				si.GetDereferencedPlugin(w, r, r.PathValue("id"), p)
			}
		},
	},
	"GET /v1/admin/hub/plugins/{id}/dereferenced": {
		binds: []string{"id", "interfaces"},
		serve: func(si gen.ServerInterface) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				si.GetDereferencedPublicPluginByID(w, r, r.PathValue("id"), gen.GetDereferencedPublicPluginByIDParams{})
			}
		},
	},
}
