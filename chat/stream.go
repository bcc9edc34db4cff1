package chat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"mime"
	"sync/atomic"
	"time"

	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/internal/transport"
)

// ErrStreamSilent is the error of a stream that sent no byte, not even a
// keep-alive, for longer than the watchdog allows (WithWatchdog): the
// connection is taken for dead and closed. Listen reconnects;
// ListenConversation yields it.
var ErrStreamSilent = errors.New("botpress: the stream stayed silent longer than the watchdog allows")

// ErrNotEventStream is wrapped by the error of a stream request answered
// with a success that is neither an event stream nor an error object.
var ErrNotEventStream = errors.New("answer is not an event stream")

// errConnectTimeout cancels a stream request that got no answer within
// the client's timeout.
var errConnectTimeout = errors.New("no answer within the timeout")

// errStopped is what conn.each returns when its function asked to stop.
var errStopped = errors.New("stopped")

// conn is one open stream, read on the consumer's goroutine: each
// parses the events as they come and hands the signals to its function one
// at a time (a slow consumer slows the reading, and TCP the server). No
// goroutine of its own: a listener costs the memory of its connection and
// of the goroutine that consumes it, nothing more. The watchdog runs only
// while each waits for the stream, not while a signal is being handled: a
// slow consumer is not a dead stream.
type conn struct {
	ctx      context.Context // the request's: its cause says why a read failed
	cancel   context.CancelCauseFunc
	body     io.ReadCloser
	parser   *sseParser
	watchdog *time.Timer // nil when off, or until each starts
	wait     time.Duration
	logger   *slog.Logger
	alive    atomic.Bool
	closed   bool
}

// listenConn is one open connection of a listen: an SSE stream (conn) or
// a WebSocket (wsConn, WithWebSocket).
type listenConn interface {
	// each hands the signals to f until f returns false (errStopped), the
	// connection ends or ctx ends.
	each(ctx context.Context, f func(Signal) bool) error
	// close closes the connection; it may be called more than once.
	close()
	// gotThrough reports whether anything came on the connection.
	gotThrough() bool
	// resumeState is the last event ID and the reconnection time the
	// stream gave, if any.
	resumeState() (lastID string, retry time.Duration)
}

// openListen opens the connection of a listen: a WebSocket under
// WithWebSocket, an SSE stream otherwise.
func openListen(ctx context.Context, cfg *config, op operation, build transport.Builder, lo *listenOptions, lastID string) (listenConn, error) {
	if lo.websocket {
		wc, err := openWebSocket(ctx, cfg, op, build, lo)
		if err != nil {
			return nil, err
		}
		return wc, nil
	}
	cn, err := openStream(ctx, cfg, op, build, lo, lastID)
	if err != nil {
		return nil, err
	}
	return cn, nil
}

// openStream sends the stream request of op and, once the server answers
// with an event stream, returns it, for each to read. The request carries
// the user key and the headers of cfg, Accept: text/event-stream, and
// lastID, when set, as Last-Event-ID. The wait for the answer is bounded by
// cfg's timeout; then, while each reads, the watchdog of lo: a stream
// silent for that long is closed with ErrStreamSilent. An error answer is
// an *errors.APIError.
func openStream(ctx context.Context, cfg *config, op operation, build transport.Builder, lo *listenOptions, lastID string) (*conn, error) {
	connCtx, cancel := context.WithCancelCause(ctx)
	req, err := cfg.request(connCtx, op, build)
	if err != nil {
		cancel(nil)
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Cache-Control", "no-cache")
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	var timer *time.Timer
	if cfg.Timeout > 0 {
		timer = time.AfterFunc(cfg.Timeout, func() { cancel(errConnectTimeout) })
	}
	resp, err := cfg.HTTPClient.Do(req)
	if timer != nil && !timer.Stop() && err == nil {
		// The answer came as the timer fired: its context is gone.
		resp.Body.Close()
		err = errConnectTimeout
	}
	if err != nil {
		if errors.Is(context.Cause(connCtx), errConnectTimeout) {
			err = fmt.Errorf("%w (%v): %w", errConnectTimeout, cfg.Timeout, err)
		}
		cancel(nil)
		return nil, transport.Errorf("botpress: %s: %w", op.name, transport.RedactErr(err))
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); resp.StatusCode/100 != 2 || mt != "text/event-stream" {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, bperrors.MaxBody))
		resp.Body.Close()
		cancel(nil)
		status := resp.StatusCode
		if status/100 == 2 {
			if status = statusInBody(body); status == 0 {
				return nil, transport.Errorf("botpress: %s: %w: %d with Content-Type %q", op.name, ErrNotEventStream, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		}
		return nil, cfg.ErrorOf(op.name, req, status, resp.Header, body)
	}
	cn := &conn{ctx: connCtx, cancel: cancel, body: resp.Body, wait: lo.watchdog, logger: cfg.Logger}
	cn.parser = newSSEParser(readFunc(func(b []byte) (int, error) {
		n, err := resp.Body.Read(b)
		if n > 0 {
			cn.alive.Store(true)
			if cn.watchdog != nil {
				cn.watchdog.Reset(cn.wait)
			}
		}
		return n, err
	}), lo.maxSignal)
	return cn, nil
}

// readFunc is an io.Reader made of a function.
type readFunc func([]byte) (int, error)

func (f readFunc) Read(b []byte) (int, error) { return f(b) }

// each reads the stream and hands its signals to f until f returns false
// (errStopped), the stream ends (its error; io.EOF when the server closed
// it; ErrStreamSilent when the watchdog closed it) or ctx ends (ctx's
// error). It skips the keep-alives (data "ping"), the events not named
// message and the signals it cannot read (logging them).
func (cn *conn) each(ctx context.Context, f func(Signal) bool) error {
	if cn.wait > 0 {
		if cn.watchdog == nil {
			cn.watchdog = time.AfterFunc(cn.wait, func() { cn.cancel(ErrStreamSilent) })
		} else {
			cn.watchdog.Reset(cn.wait)
		}
	}
	for {
		ev, err := cn.parser.next()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if cn.ctx.Err() != nil {
				err = context.Cause(cn.ctx) // ErrStreamSilent
			}
			return err
		}
		if ev.name != "message" || string(ev.data) == "ping" {
			continue
		}
		if err := yieldSignal(ctx, ev.data, cn.logger, cn.watchdog, cn.wait, f); err != nil {
			return err
		}
	}
}

// yieldSignal decodes the data of a signal and hands it to f, the
// watchdog (if any) stopped while f runs and rearmed for wait after; data
// that does not decode is logged (if logger is set) and skipped. Both
// transports read their signals through it. It returns errStopped when f
// says stop, ctx's error when ctx ended meanwhile, nil to read on.
func yieldSignal(ctx context.Context, data []byte, logger *slog.Logger, watchdog *time.Timer, wait time.Duration, f func(Signal) bool) error {
	sig, err := decodeSignal(data)
	if err != nil {
		if logger != nil {
			logger.LogAttrs(ctx, slog.LevelWarn, "botpress stream: signal skipped", slog.String("error", err.Error()))
		}
		return nil
	}
	if watchdog != nil {
		watchdog.Stop()
	}
	if !f(sig) {
		return errStopped
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if watchdog != nil {
		watchdog.Reset(wait)
	}
	return nil
}

// gotThrough reports whether a byte of the stream came.
func (cn *conn) gotThrough() bool { return cn.alive.Load() }

// resumeState is the stream's last event ID and reconnection time.
func (cn *conn) resumeState() (string, time.Duration) { return cn.parser.lastID, cn.parser.retry }

// close closes the stream.
func (cn *conn) close() {
	if cn.closed {
		return
	}
	cn.closed = true
	if cn.watchdog != nil {
		cn.watchdog.Stop()
	}
	cn.cancel(context.Canceled)
	cn.body.Close()
}

// stream is ListenConversation: the signals of one connection.
func stream(ctx context.Context, c *Client, op operation, build transport.Builder, opts []ListenOption) iter.Seq2[Signal, error] {
	return func(yield func(Signal, error) bool) {
		lo, cfg, err := c.listenSetup(ctx, op, opts)
		if err != nil {
			yield(nil, err)
			return
		}
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		cn, err := openListen(ctx, &cfg, op, build, &lo, "")
		if err != nil {
			if ctx.Err() == nil {
				yield(nil, err)
			}
			return
		}
		defer cn.close()
		err = cn.each(ctx, func(s Signal) bool { return yield(s, nil) })
		if err == errStopped || errors.Is(err, io.EOF) || ctx.Err() != nil {
			return
		}
		yield(nil, transport.Errorf("botpress: %s: %w", op.name, err))
	}
}

// listenSetup reads the options of a listen and the config of its calls.
func (c *Client) listenSetup(ctx context.Context, op operation, opts []ListenOption) (listenOptions, config, error) {
	if ctx == nil {
		return listenOptions{}, config{}, transport.Errorf("botpress: %s: nil context", op.name)
	}
	lo, err := newListenOptions(opts)
	if err != nil {
		return lo, config{}, transport.Errorf("botpress: %s: %w", op.name, transport.Unprefix(err))
	}
	cfg, err := c.with(lo.call)
	if err != nil {
		return lo, cfg, transport.Errorf("botpress: %s: %w", op.name, transport.Unprefix(err))
	}
	return lo, cfg, nil
}
