package bptest

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// listenConversation over a WebSocket, as Botpress's newer Chat API serves
// it beside the SSE stream (x-botpress-websocket in api/chat.yaml): a GET
// upgrade request on the same path, the user key in the query string as
// ?x-user-key=<key> (a browser cannot set headers on a WebSocket), not in
// the header. Each text frame the server sends holds one signal as bare
// JSON, {"type": ..., "data": ...}; after every stretch of silence as long
// as the keep-alive interval (WithChatKeepAlive, 30 s by default) it sends
// a text frame holding the bare word ping.
//
// Everything else is as for the SSE stream (chat_stream.go): the same
// checks (the key, 401 without a valid one; the caller a participant, 403
// or 404 otherwise), the same signals from the same hub, the same faults
// (Fault.Chat on listenConversation before the upgrade; Fault.DropStreamAfter,
// Fault.Deltas and Fault.DropStreamAfterDeltas after it), DropChatStreams
// (the connection is closed without a close frame, as a network failure
// would), and ChatStreams counts WebSocket
// streams too. A stream that ends (its user removed, the server closing)
// sends the signals it holds, then a close frame with status 1000.

// chatWSReadLimit bounds a message from the client, which has nothing to
// say on this stream.
const chatWSReadLimit = 1 << 10

// isChatWebSocket reports whether r asks for a WebSocket (an upgrade
// request).
func isChatWebSocket(r *http.Request) bool {
	return r.Method == http.MethodGet &&
		strings.EqualFold(r.Header.Get("Upgrade"), "websocket") &&
		headerHasToken(r.Header, "Connection", "upgrade")
}

// headerHasToken reports whether a comma-separated header holds token,
// without regard to case.
func headerHasToken(h http.Header, key, token string) bool {
	for _, v := range h.Values(key) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// chatUserKeyOf returns the user key of a Chat request of operation op: the
// x-user-key header, or, on a WebSocket upgrade of listenConversation, the
// x-user-key query parameter (and only it, as the Chat API reads it).
func chatUserKeyOf(r *http.Request, op string) string {
	if op == "listenConversation" && isChatWebSocket(r) {
		return r.URL.Query().Get("x-user-key")
	}
	return r.Header.Get("x-user-key")
}

// maskUserKeyQuery returns a raw query with the value of x-user-key (the
// key of a Chat WebSocket) masked, for the request log.
func maskUserKeyQuery(raw string) string {
	if !strings.Contains(raw, "x-user-key=") {
		return raw
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return "[a query with a user key]"
	}
	if q.Has("x-user-key") {
		q.Set("x-user-key", "[user key]")
	}
	return q.Encode()
}

// chatListenWebSocket serves an open stream st over a WebSocket: it
// upgrades the connection, then writes the stream's signals and keep-alives
// until the stream ends, the client goes away or a fault drops it. The
// upgrade failing (a request that is not a valid WebSocket handshake) is
// answered by websocket.Accept.
func (s *Server) chatListenWebSocket(c *chatCall, st *chatStream) {
	// The connection outlives the server's read and write timeouts: they
	// are cleared before it is taken over, and each write has a deadline of
	// its own (Timeouts.StreamWrite).
	rc := http.NewResponseController(c.w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	// Any origin: the Chat API is called from browsers of every site.
	ws, err := websocket.Accept(c.w, c.r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	defer ws.CloseNow()
	ws.SetReadLimit(chatWSReadLimit)
	// Reads (and answers pings and the close handshake) until the client
	// closes or drops the connection; a data message closes it.
	gone := ws.CloseRead(context.Background())

	writeTimeout := s.settings.timeouts.StreamWrite
	send := func(data []byte) bool {
		ctx, cancel := context.Background(), context.CancelFunc(func() {})
		if writeTimeout > 0 {
			ctx, cancel = context.WithTimeout(ctx, writeTimeout)
		}
		defer cancel()
		return ws.Write(ctx, websocket.MessageText, data) == nil
	}
	// Ended, it is closed normally; dropped or gone, by CloseNow (deferred):
	// no close frame. The delta faults apply as for SSE (chat_stream.go).
	if s.pumpChatStream(c, st, send, gone.Done()) == streamEnded {
		_ = ws.Close(websocket.StatusNormalClosure, "")
	}
}
