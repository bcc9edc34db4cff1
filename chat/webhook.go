package chat

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/botpress-go/sdk/internal/transport"
)

// Receiving signals by webhook.
//
// A bot's Chat integration can push every signal of every conversation to
// a URL of the bot owner's choosing, instead of (or besides) the streams
// that Listen reads: in the integration's configuration, webhookUrl is
// that URL and webhookSecret a secret it sends with each delivery. Each
// delivery is an HTTP POST of one signal as JSON, {"type": ..., "data":
// ...}, with the secret in the x-secret-key header (api/chat.yaml,
// x-botpress-webhook). The integration posts to webhookUrl with its
// trailing slashes trimmed and one "/" added (https://example.com/hook
// becomes https://example.com/hook/), counts any 2xx answer as delivered,
// and does not retry: a failed delivery is only logged, in the bot's logs.
// It posts the signals of a conversation as they happen, but each from the
// request that caused it: two deliveries may reach the receiver at once,
// and not always in the order the signals happened.

// Defaults of the webhook handler.
const (
	// DefaultWebhookMaxBody bounds the body of one delivery: 1 MiB, room
	// for the largest message the Chat API accepts (Botpress Cloud caps a
	// request at 1 MB and a message payload at 128 KB). See
	// WithWebhookMaxBody.
	DefaultWebhookMaxBody = 1 << 20
	// DefaultWebhookReadTimeout bounds the time to read the body of one
	// delivery, once its headers are read. See WithWebhookReadTimeout.
	DefaultWebhookReadTimeout = 30 * time.Second
)

// HeaderSecretKey is the header that carries the webhook secret of the
// Chat integration (its webhookSecret) on each delivery.
const HeaderSecretKey = "x-secret-key"

// WebhookOption configures a WebhookHandler.
type WebhookOption func(*webhookOptions)

type webhookOptions struct {
	maxBody     int64
	readTimeout time.Duration
	logger      *slog.Logger
	err         error
}

// WithWebhookMaxBody bounds, in bytes, the body of one delivery: a larger
// one is answered 413 Request Entity Too Large, having read at most n+1
// bytes of it (none when its Content-Length says it is too large).
// Default: DefaultWebhookMaxBody.
func WithWebhookMaxBody(n int64) WebhookOption {
	return func(o *webhookOptions) {
		if n < 1 {
			o.err = fmt.Errorf("invalid webhook body size %d: must be positive", n)
			return
		}
		o.maxBody = n
	}
}

// WithWebhookReadTimeout bounds the time to read the body of one delivery,
// from the moment the handler starts reading it: a sender slower than
// that is answered 408 Request Timeout and its connection closed. The
// handler sets it as the connection's read deadline
// (http.ResponseController), replacing the server's ReadTimeout for the
// body; once the body is read it clears the deadline, so that the time
// the handler's function takes is not bounded by it. 0 turns it off: the
// server's ReadTimeout alone then bounds the body. Default:
// DefaultWebhookReadTimeout.
func WithWebhookReadTimeout(d time.Duration) WebhookOption {
	return func(o *webhookOptions) {
		if d < 0 {
			o.err = fmt.Errorf("invalid webhook read timeout %v: must not be negative", d)
			return
		}
		o.readTimeout = d
	}
}

// WithWebhookLogger logs, at level Warn, each delivery refused (wrong
// secret, bad body, too large or too slow) and each error of the
// handler's function. The secret and the bodies are never logged.
// Default: no logging.
func WithWebhookLogger(l *slog.Logger) WebhookOption {
	return func(o *webhookOptions) { o.logger = l }
}

// WebhookHandler is an http.Handler that receives the signals a bot's Chat
// integration delivers to its webhookUrl, and hands each to a function of
// yours as the same typed value Listen yields (*MessageCreated,
// *EventCreated, ..., *UnknownSignal for a type this package does not
// know). Make one with NewWebhookHandler. It is safe for concurrent use:
// net/http calls it on a goroutine per request, so your function too must
// be safe for concurrent use.
//
// For each request, in this order, it answers:
//
//   - 405 Method Not Allowed (with Allow: POST) to any method but POST;
//   - 401 Unauthorized when the x-secret-key header is missing, repeated,
//     or not the secret (compared in constant time), without reading the
//     body;
//   - 413 Request Entity Too Large when the body is larger than
//     WithWebhookMaxBody allows;
//   - 408 Request Timeout when the body takes longer to come than
//     WithWebhookReadTimeout allows;
//   - 400 Bad Request when the body is not a signal: not JSON, not an
//     object {"type": ..., "data": ...}, or a known type whose data lacks
//     what identifies it (a message_created without an ID ...). A
//     well-formed signal of a type this package does not know is passed
//     on as *UnknownSignal;
//   - 500 Internal Server Error when your function returns an error (its
//     text is not sent, only logged with WithWebhookLogger);
//   - 204 No Content when your function returns nil.
//
// The Chat integration does not retry a delivery that failed, whatever the
// status: a 500 only puts an error line in the bot's logs. A function that
// must not lose a signal stores it (or queues it) before returning nil,
// and an app that must not miss a message recovers with listMessages
// (Client.ListMessages, or Listen with WithResumeAfterID) after an outage.
// A sender that sent no Content-Type is accepted: only the body counts.
// The path of the request is not looked at: mount the handler where
// webhookUrl points (remember the "/" the integration adds).
//
// Memory and time. A request costs at most about twice WithWebhookMaxBody
// (the body, and the decoded signal) while it is handled, and at most
// WithWebhookReadTimeout to read. What comes before the handler runs is
// the server's to bound: serve it with an http.Server whose
// ReadHeaderTimeout is set (a sender that never finishes its headers,
// slowloris, is otherwise held for ever), with an IdleTimeout, and with a
// WriteTimeout above the time your function may take.
//
// To point a Chat integration at it: in Botpress, open the bot's Chat
// integration, set Webhook URL (webhookUrl) to the public HTTPS URL where
// the handler is served and Webhook Secret (webhookSecret) to the secret
// given to NewWebhookHandler, and save.
type WebhookHandler struct {
	secretSum [sha256.Size]byte
	fn        func(context.Context, Signal) error
	opts      webhookOptions
}

// NewWebhookHandler returns a handler that passes each signal a Chat
// integration delivers with this secret (its webhookSecret) to fn, with
// the request's context. secret must not be empty: a handler that
// accepted deliveries without one would take anyone's word for what
// happens in a conversation. fn must not be nil. See WebhookHandler for
// the answers, and the options for the bounds.
//
//	h, err := chat.NewWebhookHandler(os.Getenv("CHAT_WEBHOOK_SECRET"),
//		func(ctx context.Context, s chat.Signal) error {
//			if m, ok := s.(*chat.MessageCreated); ok && m.IsBot {
//				fmt.Println(m.Message.ConversationID, m.Message.Payload)
//			}
//			return nil
//		})
func NewWebhookHandler(secret string, fn func(ctx context.Context, s Signal) error, opts ...WebhookOption) (*WebhookHandler, error) {
	if secret == "" {
		return nil, transport.Errorf("botpress: webhook handler: %w: the secret (the integration's webhookSecret) is empty", ErrMissingArgument)
	}
	if fn == nil {
		return nil, transport.Errorf("botpress: webhook handler: %w: the function is nil", ErrMissingArgument)
	}
	o := webhookOptions{maxBody: DefaultWebhookMaxBody, readTimeout: DefaultWebhookReadTimeout}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if o.err != nil {
		return nil, transport.Errorf("botpress: webhook handler: %w", o.err)
	}
	return &WebhookHandler{secretSum: sha256.Sum256([]byte(secret)), fn: fn, opts: o}, nil
}

// ServeHTTP handles one delivery: see WebhookHandler.
func (h *WebhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.refuse(w, r, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	if !h.authorized(r.Header.Values(HeaderSecretKey)) {
		h.refuse(w, r, http.StatusUnauthorized, "missing or wrong "+HeaderSecretKey)
		return
	}
	max := h.opts.maxBody
	if r.ContentLength > max {
		h.refuse(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", max))
		return
	}
	body, status, err := h.readBody(w, r)
	if err != nil {
		h.refuse(w, r, status, err.Error())
		return
	}
	sig, err := decodeSignal(body)
	if err != nil {
		h.refuse(w, r, http.StatusBadRequest, "not a signal: "+err.Error())
		return
	}
	if err := h.fn(r.Context(), sig); err != nil {
		if h.opts.logger != nil {
			h.opts.logger.LogAttrs(r.Context(), slog.LevelWarn, "botpress webhook: the function failed",
				slog.String("type", sig.Type()), slog.String("error", err.Error()))
		}
		http.Error(w, "the receiver failed to handle the signal", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// authorized says whether the request carries the secret, once. The
// hashes of both are compared, in constant time: neither the secret's
// length nor how much of it a guess got right shows in the time taken.
func (h *WebhookHandler) authorized(values []string) bool {
	if len(values) != 1 {
		return false
	}
	sum := sha256.Sum256([]byte(values[0]))
	return subtle.ConstantTimeCompare(sum[:], h.secretSum[:]) == 1
}

// readBody reads the whole body, within the bounds of the options. On
// failure it returns the status to answer.
func (h *WebhookHandler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, int, error) {
	rc := http.NewResponseController(w)
	deadline := h.opts.readTimeout > 0 && rc.SetReadDeadline(time.Now().Add(h.opts.readTimeout)) == nil
	max := h.opts.maxBody
	// MaxBytesReader also makes the server close the connection when the
	// body is too large, instead of reading the rest of it.
	body := http.MaxBytesReader(w, r.Body, max)
	var data []byte
	var err error
	if r.ContentLength >= 0 {
		// ≤ max: checked by the caller. net/http ends the body there.
		data = make([]byte, r.ContentLength)
		_, err = io.ReadFull(body, data)
	} else {
		data, err = io.ReadAll(body)
	}
	if deadline {
		// The body is read: the function's time is not the sender's.
		_ = rc.SetReadDeadline(time.Time{})
	}
	if err == nil {
		return data, 0, nil
	}
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("body larger than %d bytes", max)
	case errors.Is(err, os.ErrDeadlineExceeded):
		w.Header().Set("Connection", "close")
		return nil, http.StatusRequestTimeout, fmt.Errorf("body not read within %v", h.opts.readTimeout)
	default:
		return nil, http.StatusBadRequest, fmt.Errorf("reading the body: %w", err)
	}
}

// refuse answers a delivery that is not handed to the function, and logs
// why.
func (h *WebhookHandler) refuse(w http.ResponseWriter, r *http.Request, status int, why string) {
	if h.opts.logger != nil {
		h.opts.logger.LogAttrs(r.Context(), slog.LevelWarn, "botpress webhook: delivery refused",
			slog.Int("status", status), slog.String("reason", why), slog.String("remote", r.RemoteAddr))
	}
	http.Error(w, http.StatusText(status)+": "+why, status)
}
