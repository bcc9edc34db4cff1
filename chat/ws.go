package chat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/botpress-go/sdk/internal/transport"
)

// ErrNotWebSocket is wrapped by the error of a WebSocket request (see
// WithWebSocket) whose answer is not a WebSocket: a success other than the
// switch of protocols, a handshake that breaks the protocol, or a redirect
// to another origin, which the user key is never sent to. Listen does not
// reconnect after it.
var ErrNotWebSocket = errors.New("answer is not a WebSocket")

// queryUserKey is the query parameter that carries the user key of a
// WebSocket request: a browser cannot set headers on a WebSocket, so the
// Chat API reads the key there.
const queryUserKey = "x-user-key"

// WithWebSocket makes Listen (and ListenConversation and SendAndWait)
// listen over a WebSocket instead of server-sent events, as Botpress's
// newer Chat API offers: the same path with the scheme ws or wss, the user
// key in the query string (?x-user-key=), each text frame one signal as
// bare JSON, and a keep-alive frame (the bare word ping) every 30 s.
//
// Everything else is as over SSE: the same typed signals, the watchdog
// (WithWatchdog: any frame, a keep-alive or a WebSocket ping, keeps the
// connection alive), the reconnections with backoff, the recovery of missed
// messages with listMessages, each message delivered once, a frame bounded
// by WithMaxSignalSize (a larger one drops the connection with
// ErrSignalTooLarge), the wait for the handshake's answer bounded by
// WithTimeout, and the same errors: a refused handshake (401, 403, 404 ...)
// is the same *errors.APIError as over SSE. A connection closed by the
// server with status 1000 or 1001 ends like an SSE stream the server
// closed; Listen reconnects.
//
// Although the key is in the URL, it appears in no error and no log: the
// query is masked. A redirect of the handshake is followed only within the
// origin (scheme, host and port) of the API URL, with the key; one to
// another origin is not followed, and the error wraps ErrNotWebSocket.
// Compression is not offered.
func WithWebSocket() ListenOption {
	return func(lo *listenOptions) { lo.websocket = true }
}

// wsConn is one open WebSocket of a listen, read on the consumer's
// goroutine as conn reads an SSE stream: no goroutine of its own, the
// watchdog armed only while each waits for a frame.
type wsConn struct {
	ctx      context.Context // the connection's: its cause says why a read failed
	cancel   context.CancelCauseFunc
	ws       *websocket.Conn
	max      int
	buf      []byte // a frame's bytes, kept between frames while small
	watchdog *time.Timer
	wait     time.Duration
	logger   *slog.Logger
	key      string // masked in errors
	alive    atomic.Bool
	closed   bool
}

// openWebSocket opens the WebSocket of op, as openStream opens its SSE
// stream: the request of cfg with the key in the query in place of the
// header, its other headers, the handshake bounded by cfg's timeout. A
// refused handshake is an *errors.APIError.
func openWebSocket(ctx context.Context, cfg *config, op operation, build transport.Builder, lo *listenOptions) (*wsConn, error) {
	connCtx, cancel := context.WithCancelCause(ctx)
	req, err := cfg.request(connCtx, op, build)
	if err != nil {
		cancel(nil)
		return nil, err
	}
	wc := &wsConn{ctx: connCtx, cancel: cancel, max: lo.maxSignal, wait: lo.watchdog, logger: cfg.Logger, key: cfg.userKey}
	u := *req.URL
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	}
	if cfg.userKey != "" {
		q := u.Query()
		q.Set(queryUserKey, cfg.userKey)
		u.RawQuery = q.Encode()
	}
	header := req.Header.Clone()
	header.Del(HeaderUserKey)
	header.Del("Accept")
	dialCtx, dialCancel := connCtx, context.CancelFunc(func() {})
	if cfg.Timeout > 0 {
		dialCtx, dialCancel = context.WithTimeoutCause(connCtx, cfg.Timeout, errConnectTimeout)
	}
	ws, resp, err := websocket.Dial(dialCtx, u.String(), &websocket.DialOptions{
		HTTPClient: wsHTTPClient(cfg.HTTPClient, cfg.userKey),
		HTTPHeader: header,
		OnPingReceived: func(context.Context, []byte) bool {
			wc.touch()
			return true
		},
	})
	timedOut := errors.Is(context.Cause(dialCtx), errConnectTimeout)
	dialCancel()
	if err != nil {
		cancel(nil)
		return nil, wc.dialError(cfg, op, req, resp, err, timedOut)
	}
	ws.SetReadLimit(int64(wc.max) + 1) // wsConn.next stops at max first
	wc.ws = ws
	return wc, nil
}

// dialError is the error of a handshake that failed: the *errors.APIError
// of an error answer, ErrNotWebSocket, or the transport's error, the key
// masked.
func (wc *wsConn) dialError(cfg *config, op operation, req *http.Request, resp *http.Response, err error, timedOut bool) error {
	if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
		var body []byte
		if resp.Body != nil {
			// websocket.Dial kept at most 1 KiB of it.
			body, _ = io.ReadAll(resp.Body)
		}
		status := resp.StatusCode
		if status/100 == 2 {
			if status = statusInBody(body); status == 0 {
				return wc.mask(transport.Errorf("botpress: %s: %w: %d with Content-Type %q", op.name, ErrNotWebSocket, resp.StatusCode, resp.Header.Get("Content-Type")))
			}
		}
		e := cfg.ErrorOf(op.name, req, status, resp.Header, body) // the key masked
		if esc := url.QueryEscape(wc.key); len(wc.key) >= 4 && esc != wc.key {
			// and as the query escaped it, should the server echo the query.
			e.Message = strings.ReplaceAll(e.Message, esc, "[user key]")
			e.Type = strings.ReplaceAll(e.Type, esc, "[user key]")
			e.ID = strings.ReplaceAll(e.ID, esc, "[user key]")
			e.Body = bytes.ReplaceAll(e.Body, []byte(esc), []byte("[user key]"))
		}
		return e
	}
	err = transport.RedactErr(err)
	switch {
	case timedOut:
		err = fmt.Errorf("%w (%v): %w", errConnectTimeout, cfg.Timeout, err)
	case resp != nil && !errors.Is(err, ErrNotWebSocket):
		// 101, but not a WebSocket as the protocol says.
		err = fmt.Errorf("%w: %w", ErrNotWebSocket, err)
	}
	return wc.mask(transport.Errorf("botpress: %s: %w", op.name, err))
}

// wsHTTPClient is hc for a WebSocket handshake that carries key in its
// query: a redirect within the origin of the first request is followed,
// with the key; one to another origin is not.
func wsHTTPClient(hc *http.Client, key string) *http.Client {
	c := *hc
	next := hc.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if !sameOrigin(req.URL, via[0].URL) {
			return fmt.Errorf("%w: redirected to another origin (%s), where the user key is not sent", ErrNotWebSocket, req.URL.Host)
		}
		if key != "" {
			q := req.URL.Query()
			q.Set(queryUserKey, key)
			req.URL.RawQuery = q.Encode()
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &c
}

// sameOrigin reports whether a and b have the same scheme (ws as http, wss
// as https), host and port (the scheme's default when none is given).
func sameOrigin(a, b *url.URL) bool {
	origin := func(u *url.URL) string {
		scheme := strings.ToLower(u.Scheme)
		switch scheme {
		case "ws":
			scheme = "http"
		case "wss":
			scheme = "https"
		}
		port := u.Port()
		if port == "" {
			port = map[string]string{"http": "80", "https": "443"}[scheme]
		}
		return scheme + "://" + strings.ToLower(u.Hostname()) + ":" + port
	}
	return origin(a) == origin(b)
}

// maskedError is an error whose message has the user key masked; it wraps
// the error it was made from.
type maskedError struct {
	msg string
	err error
}

func (e *maskedError) Error() string { return e.msg }
func (e *maskedError) Unwrap() error { return e.err }

// mask returns err with the user key, as it is and as a query escapes it,
// masked in its message. A URL error in it was already redacted
// (transport.RedactErr); this covers what a library would write otherwise.
func (wc *wsConn) mask(err error) error {
	if err == nil || len(wc.key) < 4 {
		return err
	}
	msg := err.Error()
	masked := msg
	for _, k := range []string{wc.key, url.QueryEscape(wc.key), url.PathEscape(wc.key)} {
		masked = strings.ReplaceAll(masked, k, "[user key]")
	}
	if masked == msg {
		return err
	}
	return &maskedError{msg: masked, err: err}
}

// touch notes that the connection is alive: a frame, or bytes of one,
// came.
func (wc *wsConn) touch() {
	wc.alive.Store(true)
	if wc.watchdog != nil {
		wc.watchdog.Reset(wc.wait)
	}
}

// each reads the frames and hands their signals to f, as conn.each does:
// until f returns false (errStopped), the connection ends (io.EOF when the
// server closed it with status 1000 or 1001; ErrStreamSilent when the
// watchdog closed it; ErrSignalTooLarge for a frame over the bound) or ctx
// ends. It skips the keep-alives, binary frames and the signals it cannot
// read (logging them).
func (wc *wsConn) each(ctx context.Context, f func(Signal) bool) error {
	if wc.wait > 0 {
		if wc.watchdog == nil {
			wc.watchdog = time.AfterFunc(wc.wait, func() { wc.cancel(ErrStreamSilent) })
		} else {
			wc.watchdog.Reset(wc.wait)
		}
	}
	for {
		data, err := wc.next()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if wc.ctx.Err() != nil {
				return context.Cause(wc.ctx) // ErrStreamSilent
			}
			if errors.Is(err, ErrSignalTooLarge) {
				return err
			}
			if errors.Is(err, websocket.ErrMessageTooBig) {
				return fmt.Errorf("%w: a frame over %d bytes (chat.WithMaxSignalSize)", ErrSignalTooLarge, wc.max)
			}
			switch code := websocket.CloseStatus(err); code {
			case websocket.StatusNormalClosure, websocket.StatusGoingAway:
				return io.EOF
			case -1:
				return wc.mask(err)
			default:
				var ce websocket.CloseError
				errors.As(err, &ce)
				return wc.mask(fmt.Errorf("the server closed the WebSocket with status %d %q", int(code), ce.Reason))
			}
		}
		if data == nil || string(data) == "ping" {
			continue
		}
		if err := yieldSignal(ctx, data, wc.logger, wc.watchdog, wc.wait, f); err != nil {
			return err
		}
	}
}

// wsReadSize is the first size of a frame's buffer, grown as needed up to
// the bound.
const wsReadSize = 512

// next reads the next frame, at most max bytes of it: a text frame's bytes
// (valid until the next call), nil for a binary frame.
func (wc *wsConn) next() ([]byte, error) {
	typ, r, err := wc.ws.Reader(wc.ctx)
	if err != nil {
		return nil, err
	}
	wc.touch()
	buf := wc.buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(max(2*cap(buf), wsReadSize), wc.max+1)-len(buf))
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		if n > 0 {
			buf = buf[:len(buf)+n]
			wc.touch()
		}
		if len(buf) > wc.max {
			return nil, fmt.Errorf("%w: a frame over %d bytes (chat.WithMaxSignalSize)", ErrSignalTooLarge, wc.max)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if cap(buf) <= sseKeep {
		wc.buf = buf
	} else {
		wc.buf = nil // a large frame: not kept for the connection's life
	}
	if typ != websocket.MessageText {
		return nil, nil
	}
	return buf, nil
}

// close closes the connection, without the close handshake: nothing waits
// for the server.
func (wc *wsConn) close() {
	if wc.closed {
		return
	}
	wc.closed = true
	if wc.watchdog != nil {
		wc.watchdog.Stop()
	}
	wc.cancel(context.Canceled)
	_ = wc.ws.CloseNow()
}

// gotThrough reports whether a frame came.
func (wc *wsConn) gotThrough() bool { return wc.alive.Load() }

// resumeState: a WebSocket has no event IDs nor reconnection time.
func (wc *wsConn) resumeState() (string, time.Duration) { return "", 0 }
