package chat_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/chat"
	"github.com/botpress-go/sdk/chat/chatgen"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/internal/testutil"
	"github.com/botpress-go/sdk/message"
)

// Listen over a WebSocket (chat.WithWebSocket): against bptest, and against
// hostile servers that speak the protocol by hand.

// Exactly once over WebSocket against bptest while its streams are
// dropped, every few signals by a fault and by the test while messages are
// being sent: each message is delivered once, the bot's marked IsBot.
func TestListenWebSocketAgainstBptestDrops(t *testing.T) {
	ctx := guard(t)
	srv, c := bpStart(t)
	remove := srv.InjectFault(bptest.Fault{Chat: true, Operation: "listenConversation", DropStreamAfter: 3})
	defer remove()
	const conv, sends = "ws-drops", 30
	_, err := c.CreateConversation(ctx, chatgen.CreateConversationBody{ID: chat.Ptr(conv)})
	require.NoError(t, err)

	listenThroughDrops(t, ctx, srv, c, c, conv, sends, func(i int) bool { return i%5 == 2 }, chat.WithWebSocket())
}

// SendAndWait and ListenConversation over WebSocket against bptest.
func TestWebSocketSendAndWaitAgainstBptest(t *testing.T) {
	ctx := guard(t)
	srv, c := bpStart(t)
	_, err := c.CreateConversation(ctx, chatgen.CreateConversationBody{ID: chat.Ptr("ws")})
	require.NoError(t, err)
	reply, err := c.SendAndWait(ctx, "ws", message.Text("ping me"), chat.WithWebSocket())
	require.NoError(t, err)
	assert.Equal(t, srv.BotID, reply.UserID)
	waitFor(t, ctx, func() bool { return srv.ChatStreams() == 0 }) // SendAndWait's, closed

	lctx, stop := context.WithCancel(ctx)
	defer stop()
	first := make(chan chat.Signal, 1)
	go func() {
		for s, err := range c.ListenConversation(lctx, "ws", chat.WithWebSocket()) {
			if err != nil {
				t.Error(err)
				break
			}
			first <- s
			break
		}
		close(first)
	}()
	waitFor(t, ctx, func() bool { return srv.ChatStreams() == 1 })
	_, err = c.CreateMessage(ctx, chatgen.CreateMessageBody{ConversationID: "ws", Payload: message.Text("hi")})
	require.NoError(t, err)
	s, ok := <-first
	require.True(t, ok)
	m, isMsg := s.(*chat.MessageCreated)
	require.True(t, isMsg, "%T", s)
	assert.Equal(t, "hi", text(m.Message))
}

// A server that stops sending (no keep-alives) is caught by the watchdog,
// and Listen reconnects.
func TestListenWebSocketWatchdog(t *testing.T) {
	ctx := guard(t)
	srv, c := bpStart(t, bptest.WithChatKeepAlive(time.Hour))
	_, err := c.CreateConversation(ctx, chatgen.CreateConversationBody{ID: chat.Ptr("quiet")})
	require.NoError(t, err)
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	silent := make(chan error, 1)
	for _, err := range c.Listen(lctx, "quiet", fast(chat.WithWebSocket(), chat.WithWatchdog(20*time.Millisecond),
		chat.WithOnReconnect(func(err error) {
			select {
			case silent <- err:
			default:
			}
			stop()
		}))...) {
		require.NoError(t, err)
	}
	err = <-silent
	assert.ErrorIs(t, err, chat.ErrStreamSilent)
	noReaderLeft(t)
	_ = srv
}

// A refused handshake is the same *errors.APIError as over SSE, and the
// key, in the URL's query, appears in no error.
func TestListenWebSocketErrors(t *testing.T) {
	ctx := guard(t)
	srv, c := bpStart(t)
	_, err := c.CreateConversation(ctx, chatgen.CreateConversationBody{ID: chat.Ptr("mine")})
	require.NoError(t, err)
	wrongKey := "wrong-" + c.UserKey()[6:] // well-formed, badly signed
	other, err := chat.Connect(ctx, "", chat.WithBaseURL(srv.ChatURL()))
	require.NoError(t, err)
	for _, tc := range []struct {
		name   string
		conv   string
		opts   []chat.Option
		status int
		key    string
	}{
		{"wrong key", "mine", []chat.Option{chat.WithUserKey(wrongKey)}, 401, wrongKey},
		{"not a participant", "mine", []chat.Option{chat.WithUserKey(other.UserKey())}, 403, other.UserKey()},
		{"no such conversation", "nope", nil, 404, c.UserKey()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var errs [2]error
			for i, ws := range []bool{false, true} {
				// No first look: the handshake is the first request.
				opts := fast(chat.WithCallOptions(tc.opts...), noFirstLook)
				if ws {
					opts = append(opts, chat.WithWebSocket())
				}
				n := 0
				for _, err := range c.Listen(ctx, tc.conv, opts...) {
					n++
					errs[i] = err
				}
				assert.Equal(t, 1, n, "one error, then the end")
			}
			sse, ws := errs[0], errs[1]
			var sseErr, wsErr *bperrors.APIError
			require.ErrorAs(t, sse, &sseErr)
			require.ErrorAs(t, ws, &wsErr)
			assert.Equal(t, tc.status, wsErr.StatusCode)
			assert.Equal(t, sseErr.StatusCode, wsErr.StatusCode)
			assert.Equal(t, sseErr.Type, wsErr.Type)
			assert.Equal(t, "listenConversation", wsErr.Operation)
			assert.Equal(t, sseErr.Operation, wsErr.Operation)
			assert.Equal(t, sseErr.Message, wsErr.Message)
			assert.Equal(t, sseErr.Path, wsErr.Path)
			assertNoKey(t, tc.key, ws)
		})
	}
}

// assertNoKey checks that neither the key nor its escaped form is in err.
func assertNoKey(t *testing.T, key string, err error, more ...string) {
	t.Helper()
	for _, s := range append([]string{fmt.Sprint(err), fmt.Sprintf("%+v", err)}, more...) {
		for _, k := range []string{key, url.QueryEscape(key)} {
			assert.NotContains(t, s, k, "the user key leaked")
		}
	}
}

// hostileKey is the user key of the hostile tests.
const hostileKey = "hostile-user-key-0123456789+/="

// wsHandshake answers a WebSocket upgrade by hand, for the hostile
// servers, and returns the hijacked connection.
func wsHandshake(t *testing.T, w http.ResponseWriter, r *http.Request) (net.Conn, *bufio.ReadWriter) {
	t.Helper()
	h := sha1.Sum([]byte(r.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Error(err)
		return nil, nil
	}
	fmt.Fprintf(rw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
		base64.StdEncoding.EncodeToString(h[:]))
	rw.Flush()
	return conn, rw
}

// wsHandler answers the upgrade with wsHandshake, hands the connection to
// f and closes it once f returns.
func wsHandler(t *testing.T, f func(conn net.Conn, rw *bufio.ReadWriter)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, rw := wsHandshake(t, w, r)
		if conn == nil {
			return
		}
		defer conn.Close()
		f(conn, rw)
	}
}

// wsFrameHeader is the header of an unmasked frame from the server.
func wsFrameHeader(fin bool, opcode byte, n uint64) []byte {
	b0 := opcode
	if fin {
		b0 |= 0x80
	}
	switch {
	case n < 126:
		return []byte{b0, byte(n)}
	case n < 1<<16:
		return binary.BigEndian.AppendUint16([]byte{b0, 126}, uint16(n))
	default:
		return binary.BigEndian.AppendUint64([]byte{b0, 127}, n)
	}
}

// wsFrame is a whole unmasked frame.
func wsFrame(opcode byte, payload []byte) []byte {
	return append(wsFrameHeader(true, opcode, uint64(len(payload))), payload...)
}

// noFirstLook starts Listen without its first call to listMessages, which
// the hostile servers do not answer: their handshake fails before the
// recovery's.
var noFirstLook = chat.WithResumeAfterTime(time.Unix(0, 0))

// hostileServer serves f on 127.0.0.1; the client listens to conversation
// c of it, as a user whose key is hostileKey.
func hostileServer(t *testing.T, f http.HandlerFunc) (*httptest.Server, *chat.Client) {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := chat.New("", chat.WithBaseURL(srv.URL+"/hook"), chat.WithUserKey(hostileKey))
	require.NoError(t, err)
	return srv, c
}

// listenOnce runs ListenConversation over WebSocket and returns the
// signals and the error it yielded.
func listenOnce(ctx context.Context, c *chat.Client, opts ...chat.ListenOption) ([]chat.Signal, error) {
	var got []chat.Signal
	for s, err := range c.ListenConversation(ctx, "c", append(opts, chat.WithWebSocket())...) {
		if err != nil {
			return got, err
		}
		got = append(got, s)
	}
	return got, nil
}

func TestWebSocketHostileServers(t *testing.T) {
	const limit = 64 << 10
	filler := bytes.Repeat([]byte("a"), 32<<10)
	// writeUntilFails writes chunk after chunk until the client is gone,
	// and counts what it wrote.
	writeUntilFails := func(conn net.Conn, chunk func() []byte, wrote *atomic.Int64) {
		for {
			n, err := conn.Write(chunk())
			wrote.Add(int64(n))
			if err != nil {
				return
			}
		}
	}

	t.Run("endless message", func(t *testing.T) {
		// Continuation frames without end: the message never finishes.
		var wrote atomic.Int64
		_, c := hostileServer(t, wsHandler(t, func(conn net.Conn, _ *bufio.ReadWriter) {
			first := true
			writeUntilFails(conn, func() []byte {
				op := byte(0) // continuation
				if first {
					op, first = 1, false
				}
				return append(wsFrameHeader(false, op, uint64(len(filler))), filler...)
			}, &wrote)
		}))
		_, err := listenOnce(guard(t), c, chat.WithMaxSignalSize(limit))
		require.ErrorIs(t, err, chat.ErrSignalTooLarge)
		assertNoKey(t, hostileKey, err)
	})

	t.Run("huge frame", func(t *testing.T) {
		// One frame that claims a terabyte, and sends it.
		var wrote atomic.Int64
		_, c := hostileServer(t, wsHandler(t, func(conn net.Conn, _ *bufio.ReadWriter) {
			if _, err := conn.Write(wsFrameHeader(true, 1, 1<<40)); err != nil {
				return
			}
			writeUntilFails(conn, func() []byte { return filler }, &wrote)
		}))
		_, err := listenOnce(guard(t), c, chat.WithMaxSignalSize(limit))
		require.ErrorIs(t, err, chat.ErrSignalTooLarge)
	})

	t.Run("never-answering upgrade", func(t *testing.T) {
		// The handshake's answer never comes: WithTimeout bounds the wait.
		seen := make(chan struct{}, 1)
		_, c := hostileServer(t, func(w http.ResponseWriter, r *http.Request) {
			seen <- struct{}{}
			<-r.Context().Done()
		})
		_, err := listenOnce(guard(t), c, chat.WithCallOptions(chat.WithTimeout(50*time.Millisecond)))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "no answer within the timeout")
		assertNoKey(t, hostileKey, err)
		<-seen
	})

	t.Run("redirect to another origin", func(t *testing.T) {
		// Another port of the same host is another origin: not followed,
		// and Listen does not reconnect.
		var elsewhere atomic.Int64
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
		defer other.Close()
		_, c := hostileServer(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+r.URL.Path+"?x-user-key="+url.QueryEscape(r.URL.Query().Get("x-user-key")), http.StatusTemporaryRedirect)
		})
		n := 0
		var err error
		for _, e := range c.Listen(guard(t), "c", fast(chat.WithWebSocket(), noFirstLook)...) {
			n++
			err = e
		}
		assert.Equal(t, 1, n)
		require.ErrorIs(t, err, chat.ErrNotWebSocket)
		assert.Zero(t, elsewhere.Load(), "nothing sent to the other origin")
		assertNoKey(t, hostileKey, err)
	})

	t.Run("redirect within the origin", func(t *testing.T) {
		// Followed, with the key.
		_, c := hostileServer(t, func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasPrefix(r.URL.Path, "/moved/") {
				http.Redirect(w, r, "/moved"+r.URL.Path, http.StatusTemporaryRedirect)
				return
			}
			if r.URL.Query().Get("x-user-key") != hostileKey {
				http.Error(w, `{"code":401,"type":"Unauthorized","message":"no key"}`, http.StatusUnauthorized)
				return
			}
			wsHandler(t, func(conn net.Conn, _ *bufio.ReadWriter) {
				conn.Write(wsFrame(1, []byte(`{"type":"participant_added","data":{"conversationId":"c","participantId":"bob"}}`)))
				conn.Write(wsFrame(8, binary.BigEndian.AppendUint16(nil, 1000)))
				io.Copy(io.Discard, conn)
			})(w, r)
		})
		got, err := listenOnce(guard(t), c)
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.IsType(t, &chat.ParticipantAdded{}, got[0])
	})

	t.Run("not a WebSocket", func(t *testing.T) {
		for name, h := range map[string]http.HandlerFunc{
			"200 JSON": func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"conversations":[]}`))
			},
			"101 with a wrong accept": func(w http.ResponseWriter, r *http.Request) {
				conn, rw, err := http.NewResponseController(w).Hijack()
				if err != nil {
					return
				}
				defer conn.Close()
				rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: nope\r\n\r\n")
				rw.Flush()
			},
		} {
			_, c := hostileServer(t, h)
			n := 0
			var err error
			for _, e := range c.Listen(guard(t), "c", fast(chat.WithWebSocket(), noFirstLook)...) {
				n++
				err = e
			}
			assert.Equal(t, 1, n, name)
			assert.ErrorIs(t, err, chat.ErrNotWebSocket, name)
			assertNoKey(t, hostileKey, err)
		}
	})

	t.Run("error in a 200", func(t *testing.T) {
		_, c := hostileServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"code":403,"type":"Forbidden","message":"key ` + r.URL.Query().Get("x-user-key") + ` refused (` + r.URL.RawQuery + `)"}`))
		})
		_, err := listenOnce(guard(t), c)
		var apiErr *bperrors.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, 403, apiErr.StatusCode)
		assertNoKey(t, hostileKey, err, apiErr.Message, string(apiErr.Body))
	})

	t.Run("pings answered", func(t *testing.T) {
		// WebSocket pings, each sent once the previous one was answered,
		// then a signal and a close 1001 (going away): the pings are
		// answered, never yielded, and the signal comes. That a ping
		// resets the watchdog is TestWebSocketPingTouches'.
		var pongs atomic.Int64
		_, c := hostileServer(t, wsHandler(t, func(conn net.Conn, rw *bufio.ReadWriter) {
			for range 20 {
				if _, err := conn.Write(wsFrame(9, []byte("p"))); err != nil {
					return
				}
				// The pong: two header bytes, a 4-byte mask, the payload.
				var pong [7]byte
				if _, err := io.ReadFull(rw, pong[:]); err != nil || pong[0] != 0x8A {
					t.Errorf("no pong: %v %x", err, pong)
					return
				}
				pongs.Add(1)
			}
			conn.Write(wsFrame(1, []byte(`{"type":"participant_added","data":{"conversationId":"c","participantId":"bob"}}`)))
			conn.Write(wsFrame(8, binary.BigEndian.AppendUint16(nil, 1001)))
			io.Copy(io.Discard, conn)
		}))
		got, err := listenOnce(guard(t), c, chat.WithWatchdog(0))
		require.NoError(t, err, "ended as the server closed it, going away")
		assert.Len(t, got, 1)
		assert.Equal(t, int64(20), pongs.Load())
	})

	t.Run("close with an error status", func(t *testing.T) {
		_, c := hostileServer(t, wsHandler(t, func(conn net.Conn, _ *bufio.ReadWriter) {
			conn.Write(wsFrame(1, []byte("ping")))
			conn.Write(wsFrame(1, []byte("not json")))
			conn.Write(wsFrame(2, []byte{0, 1, 2}))
			conn.Write(wsFrame(8, append(binary.BigEndian.AppendUint16(nil, 1011), "overloaded"...)))
			io.Copy(io.Discard, conn)
		}))
		got, err := listenOnce(guard(t), c)
		assert.Empty(t, got, "keep-alive, bad JSON and binary frames skipped")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "1011")
	})
}

// The key is in no log record either, whatever fails.
func TestWebSocketKeyNotLogged(t *testing.T) {
	var logs testutil.SyncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// A closed server: the connection is refused.
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	_, c := hostileServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"code":503,"type":"Internal","message":"busy"}`, http.StatusServiceUnavailable)
	})
	refused, err := chat.New("", chat.WithBaseURL(closedURL+"/hook"), chat.WithUserKey(hostileKey))
	require.NoError(t, err)
	var reasons []error
	for _, cl := range []*chat.Client{c, refused} {
		for _, err := range cl.Listen(guard(t), "c", fast(chat.WithWebSocket(), chat.WithMaxReconnects(2), noFirstLook,
			chat.WithCallOptions(chat.WithLogger(logger)),
			chat.WithOnReconnect(func(err error) { reasons = append(reasons, err) }))...) {
			require.Error(t, err)
			reasons = append(reasons, err)
		}
	}
	require.NotEmpty(t, reasons)
	require.NotEmpty(t, logs.String())
	for _, err := range reasons {
		assertNoKey(t, hostileKey, err)
	}
	assertNoKey(t, hostileKey, nil, logs.String())
	assert.Contains(t, reasons[len(reasons)-1].Error(), "refused")
}
