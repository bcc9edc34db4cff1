package bptest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/botpress-go/sdk/api"
)

// The Chat API: the user's side of a bot, which a person's app calls with a
// user key (api/chat.yaml). The server serves it beside the main API, under
// ChatURL: http://127.0.0.1:port/chat/<webhook ID>, the base URL a Chat
// client takes in place of https://chat.botpress.cloud/<webhook ID>. It acts
// on the server's first bot (Server.BotID) and shares its state with the
// runtime API: a Chat user is a user of the bot, a Chat conversation a
// conversation of the bot on the Chat integration's channel, and a message
// sent through either API is seen through both. See chat_ops.go for what
// each operation does, chat_stream.go for listenConversation and
// chat_bot.go for the scripted bot.

// Defaults of the Chat API.
const (
	// DefaultChatWebhookID is the webhook ID of the server's Chat
	// integration: the last segment of ChatURL.
	DefaultChatWebhookID = "bptest-chat-webhook"
	// DefaultChatEncryptionKey is the secret the server signs and checks
	// user keys with when no WithChatEncryptionKey is given.
	DefaultChatEncryptionKey = "bptest-chat-encryption-key"
	// DefaultChatKeepAlive is how long a listenConversation stream stays
	// silent before the server sends a keep-alive, as the Chat API does.
	DefaultChatKeepAlive = 30 * time.Second
)

// chatPrefix is where the Chat API is served: chatPrefix + webhook ID + path.
const chatPrefix = "/chat/"

// WithChatWebhookID sets the webhook ID of the server's Chat integration,
// the last segment of ChatURL. Default: DefaultChatWebhookID.
func WithChatWebhookID(id string) Option { return func(s *settings) { s.chatWebhookID = id } }

// WithChatEncryptionKey configures the Chat integration with an encryption
// key of your own, as a bot's owner can: the user keys the server accepts
// are HS256 JSON Web Tokens {"id": "<user ID>"} signed with key, which a
// client signs itself and brings to getOrCreateUser, and createUser is
// refused (401 Unauthorized) as the integration refuses it in that mode.
// Without it the integration issues the keys itself (createUser answers
// one), signing them with DefaultChatEncryptionKey, which a test can sign
// keys with too (see ChatUserKey).
func WithChatEncryptionKey(key string) Option {
	return func(s *settings) { s.chatKey, s.chatOwnKey = key, true }
}

// WithChatKeepAlive sets how long a listenConversation stream stays silent
// before the server sends a keep-alive (data: ping). Default:
// DefaultChatKeepAlive, as the Chat API; a test of keep-alives passes a
// short one.
func WithChatKeepAlive(d time.Duration) Option { return func(s *settings) { s.chatKeepAlive = d } }

// chatSpecIndex is what the server reads from the Chat API's embedded spec,
// parsed once per process.
type chatSpecIndex struct {
	doc    *openapi3.T
	router routers.Router
	signal *openapi3.Schema // one event's data on a listenConversation stream
}

var parsedChatSpec = sync.OnceValues(func() (chatSpecIndex, error) {
	doc, err := openapi3.NewLoader().LoadFromData(api.Chat)
	if err != nil {
		return chatSpecIndex{}, fmt.Errorf("bptest: loading the Chat API spec: %w", err)
	}
	doc.Servers = nil // route on paths alone
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return chatSpecIndex{}, fmt.Errorf("bptest: routing the Chat API spec: %w", err)
	}
	ref := doc.Components.Schemas["Signal"]
	if ref == nil || ref.Value == nil {
		return chatSpecIndex{}, errors.New("bptest: the Chat API spec has no Signal schema")
	}
	return chatSpecIndex{doc: doc, router: router, signal: ref.Value}, nil
})

// ChatURL returns the base URL of the server's Chat API, webhook ID
// included, such as http://127.0.0.1:41234/chat/bptest-chat-webhook: what a
// Chat client takes as its API URL (apiUrl in @botpress/chat).
func (s *Server) ChatURL() string { return s.URL + chatPrefix + s.settings.chatWebhookID }

// ChatWebhookID returns the webhook ID of the server's Chat integration.
func (s *Server) ChatWebhookID() string { return s.settings.chatWebhookID }

// ChatEncryptionKey returns the secret the server signs and checks user keys
// with: the key of WithChatEncryptionKey, or DefaultChatEncryptionKey.
func (s *Server) ChatEncryptionKey() string { return s.settings.chatKey }

// ChatUserKey returns a user key for the Chat user with this ID, signed as
// the server signs them: what createUser would answer, or what a client
// holding the encryption key signs itself. The user need not exist yet
// (getOrCreateUser creates it).
func (s *Server) ChatUserKey(userID string) string {
	return signUserKey(s.settings.chatKey, userID, s.state.now())
}

// chatCall is one Chat API request, checked, as a handler gets it.
type chatCall struct {
	w      *recorder
	r      *http.Request
	op     string
	params map[string]string // path parameters, unescaped
	body   []byte
	user   string // the user the key names (a Chat user ID); "" for createUser
	// dropStreamAfter, for listenConversation, drops the stream after that
	// many signals (Fault.DropStreamAfter); 0 for never.
	dropStreamAfter int
	// stream holds what the faults do to a listenConversation stream
	// (Fault.Deltas, Fault.DropStreamAfterDeltas).
	stream streamFaults
}

// decode reads the JSON body into v.
func (c *chatCall) decode(v any) error {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		return invalidPayload("reading the body: %v", err)
	}
	return nil
}

// chatHandler runs one Chat operation and returns the status and body of
// its answer, or an error (an *apiError for an answer in the API's shape).
// A handler that writes its answer itself (listenConversation) returns
// status 0.
type chatHandler func(ctx context.Context, c *chatCall) (int, any, error)

// serveChat runs a Chat API request through the checks the Chat API makes,
// then its handler: faults → webhook ID (404) → /hello → route (404/405) →
// user key (401) → size (413, the Chat API body limit) → content type (415) →
// a body where the operation takes one (400) → spec validation (400) → a
// message payload's size (413) → handler, with the
// answer checked against the spec.
func (s *Server) serveChat(w *recorder, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.EscapedPath(), chatPrefix)
	hook, sub, _ := strings.Cut(rest, "/")
	sub = "/" + sub
	route, pathParams, routeErr := s.findChatRoute(r, sub)
	op := ""
	if routeErr == nil {
		op = route.Operation.OperationID
	}
	done, sf, _ := s.applyFaults(w, r, true, func() string { return op })
	if done {
		return
	}
	if h, err := url.PathUnescape(hook); err != nil || h != s.settings.chatWebhookID {
		writeError(w, errorf(http.StatusNotFound, "ResourceNotFound", "no Chat integration has the webhook ID %q", hook))
		return
	}
	if (sub == "/hello" || sub == "/hello/") && r.Method == http.MethodGet {
		// The official client calls it once to check the URL.
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "Hello from bptest's Chat API")
		return
	}
	if routeErr != nil {
		if s.chatPathExists(r, sub) {
			writeError(w, errorf(http.StatusMethodNotAllowed, "MethodNotFound", "%s is not allowed on %s", r.Method, sub))
			return
		}
		writeError(w, errorf(http.StatusNotFound, "ResourceNotFound", "no operation at %s %s", r.Method, sub))
		return
	}
	call := &chatCall{w: w, op: op, params: pathParams, dropStreamAfter: sf.dropAfter, stream: sf}
	if op != "createUser" {
		user, err := verifyUserKey(s.settings.chatKey, chatUserKeyOf(r, op), s.state.now())
		if err != nil {
			writeError(w, errorf(http.StatusUnauthorized, "Unauthorized", "%v", err))
			return
		}
		call.user = user
	}
	limit := s.bodyLimitOf(sub, true)
	release, bodyErr := s.admitBody(w, r, limit.n)
	if bodyErr != nil {
		writeError(w, bodyErr)
		return
	}
	defer release()
	body, bodyErr := s.readBody(w, r, limit)
	if bodyErr != nil {
		writeError(w, bodyErr)
		return
	}
	if len(body) > 0 {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt != "application/json" {
			writeError(w, errorf(http.StatusUnsupportedMediaType, "UnsupportedMediaType", "content type %q is not application/json", r.Header.Get("Content-Type")))
			return
		}
	}
	if len(bytes.TrimSpace(body)) == 0 && route.Operation.RequestBody != nil {
		writeError(w, invalidPayload("%s needs a JSON body", op))
		return
	}
	probe := chatProbe(r, sub)
	input := &openapi3filter.RequestValidationInput{
		Request: probe, PathParams: pathParams, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	if _, err := validateRequest(probe, input, body); err != nil {
		writeError(w, validationError(err))
		return
	}
	if err := s.checkMessagePayload(op, body); err != nil {
		writeError(w, err)
		return
	}
	call.body, call.r = body, r
	handle := s.chatHandler(op)
	if handle == nil {
		writeError(w, errorf(http.StatusInternalServerError, "Internal", "bptest: no handler for the Chat operation %s", op))
		return
	}
	w.capture = s.settings.validate && op != "listenConversation"
	status, out, err := handle(r.Context(), call)
	switch {
	case err != nil:
		var e *apiError
		if !errors.As(err, &e) {
			e = errorf(http.StatusInternalServerError, "Internal", "%v", err)
		}
		writeError(w, e)
	case status == 0:
		return // the handler answered (a stream): checked signal by signal
	default:
		data, err := json.Marshal(out)
		if err != nil {
			writeError(w, errorf(http.StatusInternalServerError, "Internal", "bptest: encoding the answer: %v", err))
			break
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(data)
	}
	if w.capture {
		input.Request = probe
		s.checkResponse(input, w)
	}
}

// chatProbe is the request as the Chat spec sees it: its path without the
// prefix and webhook ID.
func chatProbe(r *http.Request, sub string) *http.Request {
	u := *r.URL
	u.RawPath = sub
	if p, err := url.PathUnescape(sub); err == nil {
		u.Path = p
	} else {
		u.Path = sub
	}
	probe := r.Clone(r.Context())
	probe.URL = &u
	return probe
}

// findChatRoute matches a request, at sub (its escaped path under the
// webhook ID), with the Chat spec's operations.
func (s *Server) findChatRoute(r *http.Request, sub string) (*routers.Route, map[string]string, error) {
	u := *r.URL
	u.Path, u.RawPath = sub, ""
	probe := r.Clone(r.Context())
	probe.URL = &u
	route, params, err := s.chatSpec.router.FindRoute(probe)
	if err != nil {
		return nil, nil, err
	}
	for k, v := range params {
		if x, err := url.PathUnescape(v); err == nil {
			params[k] = x
		}
	}
	return route, params, nil
}

// chatPathExists reports whether some other method has a Chat operation at
// sub, which makes a 405 rather than a 404.
func (s *Server) chatPathExists(r *http.Request, sub string) bool {
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, _, err := s.findChatRoute(probe, sub); err == nil {
			return true
		}
	}
	return false
}
