// Package chat calls the Botpress Chat API: the user's side of a bot, which
// a person's app (a web chat, a mobile app, a bridge to another service)
// calls to talk to a bot through the bot's Chat integration, at
// https://chat.botpress.cloud/{webhookId}.
//
// A Client has one typed method per operation of api/chat.yaml (generated
// into operations.gen.go), walkers for the list operations
// (AllConversations, AllMessages, AllParticipants and their *Pages forms),
// and, on top of them:
//
//   - Connect, which gets or creates the user and returns a client acting
//     as that user (every call but CreateUser sends the user's key);
//
//   - Listen, the signals of a conversation as they happen, over a stream
//     that it watches, reconnects and backfills, so that no message is lost
//     or delivered twice;
//
//   - SendAndWait, which sends a message and returns the bot's answer, and
//     SendAndStream, which also shows a streamed answer's text as it grows;
//
//   - WithWebSocket, which makes Listen use the WebSocket form of the stream;
//
//   - Assemble and Assembler, which join the pieces of streamed replies and
//     deliver each final message once;
//
//   - NewWebhookHandler, an http.Handler that receives the signals the Chat
//     integration posts to its webhookUrl, for every conversation at once.
//
// A user's first words with a bot (Example shows it whole, errors checked):
//
//	c, err := chat.Connect(ctx, "your-webhook-id") // a new user
//	conv, err := c.CreateConversation(ctx, chatgen.CreateConversationBody{})
//	reply, err := c.SendAndWait(ctx, conv.Conversation.ID, message.Text("Hi"))
//
// The models live in package chat/chatgen; message payloads are package
// message's. Errors are those of package client: an error answer, or a
// success answer whose body is an error object, is an *errors.APIError
// (errors.Is(err, bperrors.ErrResourceNotFound)). The HTTP machinery
// (timeouts, retries with backoff and Retry-After, logging) is package
// client's too, and so are the options that tune it.
package chat

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/botpress-go/sdk/chat/chatgen"
	"github.com/botpress-go/sdk/internal/transport"
)

// DefaultHost is where the Chat API lives: a client's API URL is the host
// followed by the webhook ID. The other defaults (timeout, retries, user
// agent) are package client's.
const DefaultHost = "https://chat.botpress.cloud"

// Environment variables read by New when neither its webhookID argument
// nor WithBaseURL says where the API is.
const (
	// EnvAPIURL is the full API URL, webhook ID included
	// (https://chat.botpress.cloud/<webhook ID>, or a proxy's).
	EnvAPIURL = "BP_CHAT_API_URL"
	// EnvWebhookID is the webhook ID of the bot's Chat integration.
	EnvWebhookID = "BP_CHAT_WEBHOOK_ID"
)

// HeaderUserKey is the header that carries the user key.
const HeaderUserKey = "x-user-key"

// Page is one page of a list operation, as its page iterator yields it
// (ListMessagesPages ...): its Items, the Token it was fetched with and the
// NextToken of the page after it ("" on the last page). It is the same type
// as client.Page.
type Page[T any] = transport.Page[T]

// Collect gathers the items of a walk into a slice, stopping after limit
// items when limit > 0. It returns the items gathered so far with the
// first error.
func Collect[T any](seq iter.Seq2[T, error], limit int) ([]T, error) {
	return transport.Collect(seq, limit)
}

// Client calls the Chat API of one bot, as one user (the user key it
// sends) or as none (only CreateUser needs none). It is safe for concurrent
// use.
type Client struct {
	cfg  config
	user *chatgen.User // the user Connect got or created; nil from New
}

// config is everything an Option can set. A call works on a copy of the
// client's config with the call's options applied. How requests are sent is
// the embedded transport.Config, package client's machinery.
type config struct {
	transport.Config
	baseURL       string
	key           string // from WithUserKey
	encryptionKey string
	userID        string

	// Derived by validate.
	endpoint  *transport.Endpoint // baseURL resolved as a directory
	userKey   string              // key, else signed from encryptionKey and userID
	signedFor string              // the userID and encryptionKey userKey was signed from
}

// New returns a Client for the Chat API of the bot whose Chat integration
// has webhookID. The API URL is, first found: WithBaseURL's;
// https://chat.botpress.cloud/ followed by webhookID; $BP_CHAT_API_URL;
// https://chat.botpress.cloud/ followed by $BP_CHAT_WEBHOOK_ID. New fails
// when none is set, or when an option is invalid.
//
// The user the client acts as is given by WithUserKey, or by
// WithEncryptionKey and WithUserID (New signs the key); without either, the
// client can only call CreateUser. Connect also makes sure the user exists.
func New(webhookID string, opts ...Option) (*Client, error) {
	cfg := config{Config: transport.Defaults()}
	transport.Apply(&cfg, opts)
	if cfg.Idempotent {
		return nil, errors.New("botpress: WithIdempotent applies to one call; pass it to the call, not to New")
	}
	if cfg.baseURL == "" {
		base, err := apiURL(webhookID)
		if err != nil {
			return nil, err
		}
		cfg.baseURL = base
	}
	if cfg.encryptionKey != "" && cfg.userID == "" && cfg.key == "" {
		return nil, transport.Errorf("botpress: WithEncryptionKey needs WithUserID: the ID of the user to sign a key for, of your choosing: %w", transport.ErrMissingArgument)
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	cfg.HTTPClient = transport.GuardRedirects(cfg.HTTPClient, HeaderUserKey)
	cfg.StatusInBody = statusInBody
	return &Client{cfg: cfg}, nil
}

// apiURL is the API URL New uses when WithBaseURL is not given.
func apiURL(webhookID string) (string, error) {
	if webhookID == "" {
		if u := os.Getenv(EnvAPIURL); u != "" {
			return u, nil
		}
		webhookID = os.Getenv(EnvWebhookID)
	}
	if webhookID == "" {
		return "", transport.Errorf("botpress: no webhook ID: pass the Chat integration's to chat.New, or set %s (or %s, or use chat.WithBaseURL)", EnvWebhookID, EnvAPIURL)
	}
	if webhookID == "." || webhookID == ".." {
		return "", transport.Errorf("botpress: webhook ID %q: %w", webhookID, transport.ErrInvalidArgument)
	}
	return DefaultHost + "/" + url.PathEscape(webhookID), nil
}

// validate reports the first invalid setting, and derives the endpoint
// and the user key.
func (cfg *config) validate() error {
	if cfg.Err != nil {
		return cfg.Err
	}
	var err error
	if cfg.baseURL, cfg.endpoint, err = transport.ResolveBase(cfg.baseURL); err != nil {
		return err
	}
	switch {
	case cfg.key != "":
		cfg.userKey = cfg.key
	case cfg.encryptionKey != "" && cfg.userID != "":
		// Signed once: a call's options leave the key as it is, unless
		// they change what it is signed from.
		if cfg.userKey == "" || cfg.signedFor != cfg.userID+"\x00"+cfg.encryptionKey {
			cfg.userKey = SignUserKey(cfg.userID, cfg.encryptionKey)
			cfg.signedFor = cfg.userID + "\x00" + cfg.encryptionKey
		}
	default:
		cfg.userKey = ""
	}
	cfg.Secret = cfg.userKey
	return cfg.CheckHeaders(transport.Named{What: "user key", Value: cfg.userKey})
}

// with returns the config for one call: the client's, with opts applied.
func (c *Client) with(opts []Option) (config, error) {
	if len(opts) == 0 {
		return c.cfg, nil
	}
	cfg := c.cfg
	transport.Apply(&cfg, opts)
	if err := cfg.validate(); err != nil {
		return cfg, err
	}
	if cfg.HTTPClient != c.cfg.HTTPClient {
		cfg.HTTPClient = transport.GuardRedirects(cfg.HTTPClient, HeaderUserKey)
	}
	return cfg, nil
}

// BaseURL returns the API URL the client calls, webhook ID included.
func (c *Client) BaseURL() string { return c.cfg.baseURL }

// UserKey returns the user key the client sends; "" when it has none.
func (c *Client) UserKey() string { return c.cfg.userKey }

// UserID returns the ID of the user the client acts as: the user Connect
// got or created, else the ID the user key names (its claim id); "" when
// the client has no key or the key is not a token this package can read.
func (c *Client) UserID() string {
	if c.user != nil {
		return c.user.ID
	}
	return userIDOfKey(c.cfg.userKey)
}

// User returns the user as Connect got or created it; nil for a client
// made by New.
func (c *Client) User() *chatgen.User {
	if c.user == nil {
		return nil
	}
	u := *c.user
	return &u
}

// userIDOfKey reads, without checking the signature, the claim id of a
// user key; "" when key is not a JSON Web Token with a string id.
func userIDOfKey(key string) string {
	parts := strings.Split(key, ".")
	if len(parts) != 3 {
		return ""
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var claims struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(raw, &claims) != nil {
		return ""
	}
	return claims.ID
}

// Ptr returns a pointer to v, for the optional fields of request bodies:
// chatgen.CreateUserBody{Name: chat.Ptr("Ada")}.
func Ptr[T any](v T) *T { return &v }
