// Package bptest is an in-memory Botpress Cloud API for tests: a real HTTP
// server on 127.0.0.1, routed and validated from the same api/openapi.yaml
// the SDK is generated from, that keeps state per bot.
//
//	func TestMyService(t *testing.T) {
//		srv := bptest.Start(t)           // closed when the test ends
//		c := srv.Client()                // a *client.Client for it
//		user, err := c.GetOrCreateUser(t.Context(), gen.GetOrCreateUserBody{})
//		...
//	}
//
// Every request is checked against the spec: a body, parameter or header
// that breaks it gets a 400 in the API's error shape, a missing or wrong
// token a 401, an unknown ID a 404. Users, conversations, participants,
// messages, events, states, tags, tasks, workflows, files (indexed in
// steps a test can watch: indexing.go), tables and rows,
// bots, workspaces, members, the account, audit records, public profiles
// and handles (see audit.go), API keys, personal access tokens (whose
// values authenticate), shareable IDs, preferences, allowlists and webchat
// codes (admin_keys.go) and billing (plans, subscriptions, trials,
// credit, invoices, quotas and usage: see billing.go) are stateful; so are
// what Botpress records while bots run (issues, action runs, task
// activities, logs: see observed.go) and usage activity
// (usage_activity.go), loaded as seed data (SeedData, Server.Seed) or, for
// usage, counted by the server; every other operation answers a
// schema-valid example, marked with ExampleHeader and logged, or refused
// with 501 in strict mode (WithStrict). Lists paginate with opaque
// tokens. Faults (429 with Retry-After, 5xx, latency, dropped connections)
// can be injected per operation or by probability, to test retry paths, and
// a rate limit (see RateLimit) answers like the API's: RateLimit-* headers
// on every answer, 429 RateLimited over the limit.
//
// A workspace-scoped call without x-workspace-id gets 400, as from
// Botpress Cloud (WithLenientScope relaxes it). Bodies are bounded before
// they are read, by Cloud's documented limits of each area of the API, as
// are message payloads and table rows (Limits; WithLimits and WithoutLimits
// relax them), large bodies are admitted a few at a time, and timeouts
// (WithTimeouts) cut clients that stall.
//
// The server speaks the Chat API too, the user's side of the first bot,
// under ChatURL, on the same state: user keys, the 21 operations, the
// listenConversation event stream, and a bot scripted with OnMessage whose
// replies the users see (chat.go).
package bptest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"golang.org/x/sync/semaphore"

	"github.com/botpress-go/sdk/api"
	gen "github.com/botpress-go/sdk/bptest/internal/server"
	"github.com/botpress-go/sdk/client"
)

// Defaults of a Server.
const (
	DefaultToken       = "bp_pat_bptest"
	DefaultBotID       = "bot_bptest00000000000000000000"
	DefaultWorkspaceID = "wkspace_bptest0000000000000000"
	DefaultPageSize    = 20
	DefaultMaxPageSize = 100
	DefaultMaxBodySize = 100 << 20
)

// Default timeouts of a Server (see Timeouts).
const (
	DefaultReadHeaderTimeout  = 10 * time.Second
	DefaultReadTimeout        = time.Minute
	DefaultWriteTimeout       = time.Minute
	DefaultIdleTimeout        = 2 * time.Minute
	DefaultStreamWriteTimeout = 10 * time.Second
)

// Timeouts bound how long the server waits on a client, so that a client
// that stalls (slow headers, a slow body, an idle keep-alive connection, a
// stream it stops reading) cannot hold a connection and its goroutines
// for ever. A zero field keeps its default; a negative one turns that
// timeout off.
type Timeouts struct {
	// ReadHeader bounds the reading of a request's headers. Default:
	// DefaultReadHeaderTimeout, 10 s.
	ReadHeader time.Duration
	// Read bounds the reading of a whole request, body included: a body
	// still arriving after it is cut, and its request gets 408
	// OperationTimeout if an answer can still be written. Default:
	// DefaultReadTimeout, 1 min.
	Read time.Duration
	// Write bounds the writing of an answer, from the end of the request's
	// headers. listenConversation streams are exempt: they are bounded by
	// StreamWrite instead. Default: DefaultWriteTimeout, 1 min.
	Write time.Duration
	// Idle bounds how long a keep-alive connection waits for its next
	// request. Default: DefaultIdleTimeout, 2 min.
	Idle time.Duration
	// StreamWrite bounds each write of a listenConversation stream: a
	// client that stops reading is cut as soon as a write cannot go out
	// within it, and the stream's goroutines end. Default:
	// DefaultStreamWriteTimeout, 10 s.
	StreamWrite time.Duration
}

// withDefaults fills the zero fields with the defaults, and turns the
// negative ones into 0 (no timeout), as http.Server reads them.
func (t Timeouts) withDefaults() Timeouts {
	pick := func(v, def time.Duration) time.Duration {
		switch {
		case v == 0:
			return def
		case v < 0:
			return 0
		}
		return v
	}
	return Timeouts{
		ReadHeader:  pick(t.ReadHeader, DefaultReadHeaderTimeout),
		Read:        pick(t.Read, DefaultReadTimeout),
		Write:       pick(t.Write, DefaultWriteTimeout),
		Idle:        pick(t.Idle, DefaultIdleTimeout),
		StreamWrite: pick(t.StreamWrite, DefaultStreamWriteTimeout),
	}
}

// WithTimeouts sets the server's timeouts; zero fields keep their
// defaults (see Timeouts).
func WithTimeouts(t Timeouts) Option { return func(s *settings) { s.timeouts = t } }

// Option configures a Server.
type Option func(*settings)

type settings struct {
	addr         string
	token        string
	botIDs       []string
	workspaceID  string
	pageSize     int
	maxPageSize  int
	maxBody      int64
	limits       Limits
	seed         uint64
	logger       *slog.Logger
	validate     bool
	seedData     *SeedData
	clock        func() time.Time
	rateLimit    RateLimit
	timeouts     Timeouts
	strict       bool
	lenientScope bool
	// indexingDelay moves indexing on the clock when positive (indexing.go).
	indexingDelay time.Duration
	// holdTableJobs shows table jobs in_progress until CompleteTableJob
	// (tables_jobs.go).
	holdTableJobs bool

	chatWebhookID string
	chatKey       string
	chatOwnKey    bool // chatKey is the bot owner's (WithChatEncryptionKey)
	chatKeepAlive time.Duration
	chatWebhook   ChatWebhook
	h2c           bool
}

// WithUnencryptedHTTP2 makes the server speak HTTP/2 without TLS (h2c,
// with prior knowledge) beside HTTP/1.1, on the same address: a client
// whose transport is set for unencrypted HTTP/2 (http.Transport.Protocols)
// then carries many requests, and many Chat API streams, over one
// connection, as it would over TLS with a server that offers HTTP/2.
// Faults that drop a connection cannot do it over HTTP/2: they reset the
// request's stream instead.
func WithUnencryptedHTTP2() Option { return func(s *settings) { s.h2c = true } }

// WithAddr sets the address to listen on. Default: 127.0.0.1:0, a free port.
func WithAddr(addr string) Option { return func(s *settings) { s.addr = addr } }

// WithToken sets the bearer token the server accepts. Default: DefaultToken.
func WithToken(token string) Option { return func(s *settings) { s.token = token } }

// WithBotID sets the server's bots: the first is the one Client acts on.
// Default: DefaultBotID. More bots can be added with AddBot or createBot.
func WithBotID(ids ...string) Option { return func(s *settings) { s.botIDs = ids } }

// WithWorkspaceID sets the ID of the server's workspace. Default: DefaultWorkspaceID.
func WithWorkspaceID(id string) Option { return func(s *settings) { s.workspaceID = id } }

// WithPageSize sets how many items a list answers per page when the call
// sets no pageSize. Default: 20.
func WithPageSize(n int) Option { return func(s *settings) { s.pageSize = n } }

// WithMaxPageSize sets the most items a list answers per page, whatever
// pageSize a call asks for. Botpress caps page sizes without publishing the
// limit; the default, DefaultMaxPageSize, is ours.
func WithMaxPageSize(n int) Option { return func(s *settings) { s.maxPageSize = n } }

// WithMaxBodySize sets the largest request body accepted, whatever the
// operation; larger ones get 413 PayloadTooLarge. Default: 100 MiB, as the
// API. It is the outer cap: the limits of each area of the API (Limits,
// WithLimits) are smaller by default, and it alone bounds the content of
// files (the PUT to a file's uploadUrl).
func WithMaxBodySize(n int64) Option { return func(s *settings) { s.maxBody = n } }

// WithSeed makes identifiers and fault probabilities reproducible.
func WithSeed(seed uint64) Option { return func(s *settings) { s.seed = seed } }

// WithLogger logs one line per request (method, path, status, duration).
func WithLogger(l *slog.Logger) Option { return func(s *settings) { s.logger = l } }

// WithResponseValidation turns off (false) the check of every answer
// against the spec. It is on by default; violations are listed by
// ResponseViolations, and fail the test of a server made by Start.
func WithResponseValidation(on bool) Option { return func(s *settings) { s.validate = on } }

// WithClock sets where the server reads the time: creation and update
// instants, state expiries, and so the order of lists sorted by date. A
// test of expiries passes a clock that it moves forward itself instead of
// sleeping. Default: time.Now.
func WithClock(now func() time.Time) Option { return func(s *settings) { s.clock = now } }

// WithStrict refuses, with 501 in the API's error shape naming the
// operation, every operation that bptest answers only with a fixed example
// built from the spec (those the coverage table of docs/testing.md lists as "example"),
// instead of answering it marked with ExampleHeader. A test in strict mode
// is sure that every answer it reads comes from state, seed data or a
// documented rule.
func WithStrict() Option { return func(s *settings) { s.strict = true } }

// WithLenientScope lets a workspace-scoped call (an operation whose spec
// declares x-workspace-id: bots, integrations, workspaces, usage ...)
// without that header act on the server's workspace. By default such a
// call gets 400 InvalidPayload naming the header, as Botpress Cloud
// answers it; Client sets the header, so only hand-made requests notice.
func WithLenientScope() Option { return func(s *settings) { s.lenientScope = true } }

// WithSeedData loads resources into the server before it starts;
// Server.Seed adds more to a running server.
func WithSeedData(d *SeedData) Option { return func(s *settings) { s.seedData = d } }

// specIndex is what the server reads from the embedded spec: parsed once
// per process (parsedSpec), and only read afterwards, by every server.
type specIndex struct {
	doc    *openapi3.T
	router routers.Router
	// payloads are the schemas of the standard message payloads, and
	// payloadOps the operations whose body can carry one (payloads.go).
	payloads   payloadSchemas
	payloadOps map[string]*openapi3.Schema
	// queryMaps are the object-typed query parameters (querymaps.go).
	queryMaps queryMapIndex
}

var parsedSpec = sync.OnceValues(func() (specIndex, error) {
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if err != nil {
		return specIndex{}, fmt.Errorf("bptest: loading the spec: %w", err)
	}
	doc.Servers = nil // route on paths alone, whatever host the server has
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return specIndex{}, fmt.Errorf("bptest: routing the spec: %w", err)
	}
	payloads, err := loadPayloadSchemas()
	if err != nil {
		return specIndex{}, err
	}
	return specIndex{doc: doc, router: router, payloads: payloads, payloadOps: payloadOperations(doc), queryMaps: newQueryMapIndex(doc)}, nil
})

// Server is a running in-memory Botpress API.
type Server struct {
	// URL is the server's base URL, such as http://127.0.0.1:41234.
	URL string
	// Token is the bearer token it accepts, besides the personal access
	// tokens made with createPersonalAccessToken and not deleted.
	Token string
	// BotID is the bot Client acts on; WorkspaceID the workspace.
	BotID, WorkspaceID string

	settings settings
	spec     specIndex
	doc      *openapi3.T
	router   routers.Router
	ops      opMux
	listener net.Listener
	http     *http.Server

	// largeBodies admits large bodies a few at a time (limits.go).
	largeBodies  *semaphore.Weighted
	largeWaiting atomic.Int64 // requests waiting on largeBodies

	limiter    atomic.Pointer[rateLimiter] // nil when requests are not limited
	rlAdmitted atomic.Int64
	rlRefused  atomic.Int64

	// The Chat API (chat.go): its spec, open streams and scripted bot.
	chatSpec chatSpecIndex
	chatHub  *chatHub
	chatBot  *chatBot
	// chatWebhook delivers the Chat API's signals to a URL (chat_webhook.go).
	chatWebhook *chatWebhook
	// chatListening counts the listenConversation handlers running, for
	// the tests that check a stream's goroutine ends.
	chatListening atomic.Int64

	vmu        sync.Mutex // guards violations, apart: signals are checked under mu
	violations []string

	mu       sync.Mutex // guards everything below
	state    *state
	faults   []*faultEntry
	rng      *rand.Rand
	onAction ActionHandler // callAction's script (actions.go)
}

// New starts a server. Close it when done.
func New(opts ...Option) (*Server, error) {
	st := settings{
		addr: "127.0.0.1:0", token: DefaultToken, botIDs: []string{DefaultBotID},
		workspaceID: DefaultWorkspaceID, pageSize: DefaultPageSize, maxPageSize: DefaultMaxPageSize, maxBody: DefaultMaxBodySize,
		seed: uint64(time.Now().UnixNano()), validate: true,
		chatWebhookID: DefaultChatWebhookID, chatKey: DefaultChatEncryptionKey, chatKeepAlive: DefaultChatKeepAlive,
	}
	for _, o := range opts {
		o(&st)
	}
	if len(st.botIDs) == 0 || st.token == "" || st.pageSize < 1 || st.maxPageSize < 1 || st.maxBody < 1 {
		return nil, errors.New("bptest: invalid options: need a token, a bot, a page size and a body size")
	}
	st.limits = st.limits.resolved()
	for _, id := range st.botIDs {
		if err := checkBotID(id); err != nil {
			return nil, err
		}
	}
	if st.chatWebhookID == "" || strings.ContainsAny(st.chatWebhookID, "/?#") || st.chatKey == "" || st.chatKeepAlive <= 0 {
		return nil, errors.New("bptest: invalid Chat options: need a webhook ID without /, ? or #, an encryption key and a positive keep-alive")
	}
	if err := checkChatWebhook(st.chatWebhook); err != nil {
		return nil, err
	}
	spec, err := parsedSpec()
	if err != nil {
		return nil, err
	}
	chatSpec, err := parsedChatSpec()
	if err != nil {
		return nil, err
	}
	doc := spec.doc
	s := &Server{
		Token: st.token, BotID: st.botIDs[0], WorkspaceID: st.workspaceID,
		settings: st, spec: spec, doc: doc, router: spec.router, chatSpec: chatSpec,
		rng:         rand.New(rand.NewPCG(st.seed, st.seed^0x9e3779b97f4a7c15)),
		largeBodies: semaphore.NewWeighted(largeBodyBudget),
	}
	s.chatHub = newChatHub(s)
	s.chatBot = newChatBot(s)
	s.chatWebhook = newChatWebhook(s, st.chatWebhook)
	s.limiter.Store(newRateLimiter(st.rateLimit))
	s.state = newState(s, rand.New(rand.NewPCG(st.seed+1, st.seed)))
	for _, id := range st.botIDs {
		s.state.addBot(id)
	}
	impl := &server{canned: canned{examples: newExamples(doc), srv: s}, s: s}
	strict := gen.NewStrictHandlerWithOptions(impl, []gen.StrictMiddlewareFunc{fillQueryMaps}, gen.StrictHTTPServerOptions{
		RequestErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			writeError(w, invalidPayload("%v", err))
		},
		ResponseErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			var e *apiError
			if !errors.As(err, &e) {
				e = errorf(http.StatusInternalServerError, "Internal", "%v", err)
			}
			writeError(w, e)
		},
	})
	s.ops = opMux{}
	gen.HandlerWithOptions(strict, gen.StdHTTPServerOptions{
		BaseRouter: s.ops,
		ErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			// A query parameter the spec's string type lets through but its
			// Go type refuses (a date-time that is not one) is a bad query.
			var pe *gen.InvalidParamFormatError
			if errors.As(err, &pe) && r.URL.Query().Has(pe.ParamName) {
				writeError(w, errorf(http.StatusBadRequest, "InvalidQuery", "%v", err))
				return
			}
			writeError(w, errorf(http.StatusBadRequest, "InvalidPayload", "%v", err))
		},
	})
	for pattern, wrap := range requiredMapWrappers {
		s.ops[pattern] = wrap.serve(strict)
	}
	ln, err := net.Listen("tcp", st.addr)
	if err != nil {
		return nil, fmt.Errorf("bptest: %w", err)
	}
	s.listener = ln
	s.URL = "http://" + ln.Addr().String()
	// Seed data is loaded once the server has its URL: seeded files are
	// served from it.
	if st.seedData != nil {
		if err := s.state.load(st.seedData); err != nil {
			ln.Close()
			return nil, fmt.Errorf("bptest: seed data: %w", err)
		}
	}
	s.settings.timeouts = st.timeouts.withDefaults()
	to := s.settings.timeouts
	s.http = &http.Server{
		Handler: s, ReadHeaderTimeout: to.ReadHeader, ReadTimeout: to.Read,
		WriteTimeout: to.Write, IdleTimeout: to.Idle,
	}
	if st.h2c {
		s.http.Protocols = new(http.Protocols)
		s.http.Protocols.SetHTTP1(true)
		s.http.Protocols.SetUnencryptedHTTP2(true)
	}
	go func() { _ = s.http.Serve(ln) }()
	return s, nil
}

// Start starts a server for a test or benchmark: it fails tb if the server
// cannot start, closes it when tb ends, and then fails tb if any answer
// broke the spec.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s, err := New(opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		s.Close()
		for _, v := range s.ResponseViolations() {
			tb.Errorf("bptest: an answer broke the spec: %s", v)
		}
	})
	return s
}

// Client returns a client for the server: its URL, token, bot and
// workspace, fast retries, and then opts.
func (s *Server) Client(opts ...client.Option) *client.Client {
	base := []client.Option{
		client.WithBaseURL(s.URL), client.WithToken(s.Token),
		client.WithBotID(s.BotID), client.WithWorkspaceID(s.WorkspaceID),
		client.WithRetryDelay(5*time.Millisecond, 50*time.Millisecond),
	}
	c, err := client.New(append(base, opts...)...)
	if err != nil {
		// Only an invalid option from the caller can get here.
		panic(fmt.Sprintf("bptest: Client: %v", err))
	}
	return c
}

// Close stops the server and closes its connections. It ends the Chat
// API's streams and stops its scripted bot first.
func (s *Server) Close() error {
	s.chatBot.stop()
	s.chatHub.close()
	s.chatWebhook.close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.http.Shutdown(ctx); err != nil {
		return s.http.Close()
	}
	return nil
}

// AddBot adds a bot that runtime, file and table calls can name in x-bot-id.
func (s *Server) AddBot(id string) error {
	if err := checkBotID(id); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.addBot(id)
	return nil
}

// checkBotID refuses IDs that the spec's answers could not carry: bot IDs
// are 28 to 36 characters long.
func checkBotID(id string) error {
	if len(id) < 28 || len(id) > 36 {
		return fmt.Errorf("bptest: bot ID %q must be 28 to 36 characters long, as the API's are", id)
	}
	return nil
}

// ResponseViolations lists the answers that did not match the spec.
func (s *Server) ResponseViolations() []string {
	s.vmu.Lock()
	defer s.vmu.Unlock()
	return append([]string(nil), s.violations...)
}

// server implements gen.StrictServerInterface: canned answers for every
// operation, replaced by stateful ones in the other files of this package.
type server struct {
	canned
	s *Server
}

// lock takes the server's lock and returns the state; call the returned
// function to release it.
func (h *server) lock() (*state, func()) {
	h.s.mu.Lock()
	return h.s.state, h.s.mu.Unlock
}

// ServeHTTP serves the API; see pipeline.go.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.serve(w, r) }

// Clock is a clock for WithClock that stands still until Advance moves it
// forward. It is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock reading start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
