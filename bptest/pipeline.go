package bptest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// ctxKey keys the values serve puts in a request's context.
type ctxKey int

const (
	botKey ctxKey = iota
	workspaceKey
	queryKey
	queryMapsKey
	indexingFaultKey // the indexing outcome a fault forces (faults.go)
)

// botOf returns the bot a request acts on (its x-bot-id).
func botOf(ctx context.Context) string { s, _ := ctx.Value(botKey).(string); return s }

// workspaceOf returns the workspace a request acts on (its x-workspace-id,
// or the server's workspace).
func workspaceOf(ctx context.Context) string { s, _ := ctx.Value(workspaceKey).(string); return s }

// serve runs a request through the checks the real API makes, then the
// operation's handler (a request of the Chat API goes to serveChat):
// faults → file storage → rate limit (429) → route (404/405) → token (401) →
// size, by the limit of the operation's area (413, limits.go) →
// content type (415) → a body where the operation takes one (400) → map
// query parameters read from their dotted keys (400, querymaps.go) → spec
// validation of the rest (400) → a message payload's size (413, limits.go) →
// message payloads of a standard type (400, payloads.go)
// → workspace scope (400 without x-workspace-id, unless WithLenientScope) → bot scope → handler, with
// the answer checked against the spec.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p) // a dropped connection, on purpose
			}
			writeError(rec, errorf(http.StatusInternalServerError, "Internal", "bptest: %v", p))
		}
		if l := s.settings.logger; l != nil {
			attrs := []slog.Attr{slog.String("method", r.Method), slog.String("path", r.URL.Path)}
			if r.URL.RawQuery != "" {
				attrs = append(attrs, slog.String("query", maskUserKeyQuery(r.URL.RawQuery)))
			}
			attrs = append(attrs, slog.Int("status", rec.status), slog.Duration("duration", time.Since(start)))
			l.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
		}
	}()
	if strings.HasPrefix(r.URL.Path, chatPrefix) {
		s.serveChat(rec, r)
		return
	}
	done, _, forceIndexing := s.applyFaults(rec, r, false, func() string {
		if route, _, err := s.findRoute(r); err == nil {
			return route.Operation.OperationID
		}
		return ""
	})
	if done {
		return
	}
	if strings.HasPrefix(r.URL.Path, storagePrefix) {
		s.serveStorage(rec, r)
		return
	}
	if s.applyRateLimit(rec) {
		return
	}
	route, pathParams, err := s.findRoute(r)
	if err != nil {
		if s.pathExists(r) {
			writeError(rec, errorf(http.StatusMethodNotAllowed, "MethodNotFound", "%s is not allowed on %s", r.Method, r.URL.Path))
			return
		}
		writeError(rec, errorf(http.StatusNotFound, "ResourceNotFound", "no operation at %s %s", r.Method, r.URL.Path))
		return
	}
	if !s.authorized(r.Header.Get("Authorization")) {
		writeError(rec, errorf(http.StatusUnauthorized, "Unauthorized", "missing or invalid bearer token"))
		return
	}
	s.mu.Lock()
	gone := s.state.admin.deleted
	s.mu.Unlock()
	if gone {
		writeError(rec, errorf(http.StatusUnauthorized, "Unauthorized", "the account of this token was deleted (deleteAccount)"))
		return
	}
	limit := s.bodyLimitOf(r.URL.Path, false)
	release, bodyErr := s.admitBody(rec, r, limit.n)
	if bodyErr != nil {
		writeError(rec, bodyErr)
		return
	}
	defer release()
	body, bodyErr := s.readBody(rec, r, limit)
	if bodyErr != nil {
		writeError(rec, bodyErr)
		return
	}
	if len(body) > 0 {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt != "application/json" {
			writeError(rec, errorf(http.StatusUnsupportedMediaType, "UnsupportedMediaType", "content type %q is not application/json", r.Header.Get("Content-Type")))
			return
		}
	}
	if len(bytes.TrimSpace(body)) == 0 && route.Operation.RequestBody != nil {
		writeError(rec, invalidPayload("%s needs a JSON body", route.Operation.OperationID))
		return
	}
	input := &openapi3filter.RequestValidationInput{
		Request: r, PathParams: pathParams, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	qmaps, err := s.spec.queryMaps.read(input)
	if err != nil {
		writeError(rec, validationError(err))
		return
	}
	value, err := validateRequest(r, input, body)
	if err != nil {
		writeError(rec, validationError(err))
		return
	}
	if err := s.checkMessagePayload(route.Operation.OperationID, body); err != nil {
		writeError(rec, err)
		return
	}
	if schema := s.spec.payloadOps[route.Operation.OperationID]; schema != nil && value != nil {
		if err := s.spec.payloads.checkBody(schema, value); err != nil {
			writeError(rec, err)
			return
		}
	}
	// The handler decodes the bytes as sent: oapi-codegen's binding of an
	// already decoded value (runtime.BindJSONValue) would lose the order of
	// raw JSON members.
	r.Body = io.NopCloser(bytes.NewReader(body))

	ctx := context.WithValue(r.Context(), queryKey, r.URL.Query())
	ctx = context.WithValue(ctx, queryMapsKey, qmaps)
	if forceIndexing != "" {
		ctx = context.WithValue(ctx, indexingFaultKey, forceIndexing)
	}
	ws := r.Header.Get("x-workspace-id")
	if ws == "" && declares(route.Operation, "x-workspace-id") && !s.settings.lenientScope {
		// As Cloud: a workspace-scoped call names its workspace.
		writeError(rec, invalidPayload("%s acts on a workspace: set the x-workspace-id header", route.Operation.OperationID))
		return
	}
	if ws == "" {
		ws = s.WorkspaceID
	}
	ctx = context.WithValue(ctx, workspaceKey, ws)
	if declares(route.Operation, "x-bot-id") {
		bot := r.Header.Get("x-bot-id")
		if bot == "" {
			writeError(rec, invalidPayload("%s acts on a bot: set the x-bot-id header", route.Operation.OperationID))
			return
		}
		s.mu.Lock()
		_, known := s.state.bots[bot]
		s.mu.Unlock()
		if !known {
			writeError(rec, notFound("bot", bot))
			return
		}
		ctx = context.WithValue(ctx, botKey, bot)
	}
	handle := s.ops[route.Method+" "+route.Path]
	if handle == nil {
		writeError(rec, errorf(http.StatusInternalServerError, "Internal", "bptest: no handler for %s %s", route.Method, route.Path))
		return
	}
	r = r.WithContext(ctx)
	for name, value := range pathParams {
		r.SetPathValue(name, value)
	}
	rec.capture = s.settings.validate
	handle(rec, r)
	if rec.capture {
		s.checkResponse(input, rec)
	}
}

// authorized reports whether an Authorization header carries a token the
// server accepts: its own (WithToken), or a personal access token made
// with createPersonalAccessToken and not deleted since.
func (s *Server) authorized(header string) bool {
	token, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || token == "" {
		return false
	}
	return token == s.Token || s.patAccepted(token)
}

// opMux collects the generated handlers by their pattern, "METHOD /path/{param}".
// The server routes with the spec's router (kin-openapi), which accepts
// every path the spec declares, and then looks the handler up here; Go's
// ServeMux would refuse some of the spec's paths as overlapping.
type opMux map[string]http.HandlerFunc

// HandleFunc records a handler; the generated HandlerWithOptions calls it.
func (m opMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) { m[pattern] = h }

// ServeHTTP is not used: serve dispatches through the spec's router.
func (m opMux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	writeError(w, errorf(http.StatusNotFound, "ResourceNotFound", "no operation at %s %s", r.Method, r.URL.Path))
}

// findRoute matches a request with the spec's operations on its escaped
// path, so that a parameter holding a slash (a file key such as
// docs%2Fa.txt) stays one segment, and returns the parameters unescaped.
func (s *Server) findRoute(r *http.Request) (*routers.Route, map[string]string, error) {
	probe := r
	if r.URL.RawPath != "" {
		u := *r.URL
		u.Path, u.RawPath = r.URL.EscapedPath(), ""
		probe = r.Clone(r.Context())
		probe.URL = &u
	}
	route, params, err := s.router.FindRoute(probe)
	if err != nil {
		return nil, nil, err
	}
	for k, v := range params {
		if u, err := url.PathUnescape(v); err == nil {
			params[k] = u
		}
	}
	return route, params, nil
}

// pathExists reports whether some other method has an operation at the
// request's path, which makes a 405 rather than a 404.
func (s *Server) pathExists(r *http.Request) bool {
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, _, err := s.findRoute(probe); err == nil {
			return true
		}
	}
	return false
}

// declares reports whether an operation declares a header parameter.
func declares(op *openapi3.Operation, header string) bool {
	for _, p := range op.Parameters {
		if p.Value != nil && p.Value.In == openapi3.ParameterInHeader && strings.EqualFold(p.Value.Name, header) {
			return true
		}
	}
	return false
}

// validationError turns a spec violation into the API's error: InvalidQuery
// for a query parameter, InvalidPayload for the rest.
func validationError(err error) *apiError {
	// kin-openapi follows the first line with the schema and the value.
	msg, _, _ := strings.Cut(err.Error(), "\n")
	var re *openapi3filter.RequestError
	if errors.As(err, &re) && re.Parameter != nil && re.Parameter.In == openapi3.ParameterInQuery {
		return errorf(http.StatusBadRequest, "InvalidQuery", "%s", msg)
	}
	return invalidPayload("%s", msg)
}

// checkResponse validates a captured answer against the spec and records
// what does not match.
func (s *Server) checkResponse(input *openapi3filter.RequestValidationInput, rec *recorder) {
	err := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: input,
		Status:                 rec.status,
		Header:                 rec.Header(),
		Body:                   io.NopCloser(bytes.NewReader(rec.body.Bytes())),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	})
	if err != nil {
		s.recordViolation(fmt.Sprintf("%s %s → %d: %v", input.Request.Method, input.Request.URL.Path, rec.status, err))
	}
}

// recorder remembers the status of an answer and, when capture is on, a
// copy of its body.
type recorder struct {
	http.ResponseWriter
	status  int
	wrote   bool
	capture bool
	body    bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	if r.capture {
		r.body.Write(b)
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap gives http.ResponseController the underlying writer (for Hijack).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
