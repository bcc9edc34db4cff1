package bptest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/chat/chatgen"
	"github.com/botpress-go/sdk/message"
)

// chatWS is a listenConversation WebSocket, read frame by frame.
type chatWS struct {
	c   *websocket.Conn
	ctx context.Context
}

// dialChatWS opens the WebSocket of a conversation as u, the key in the
// query string (as Botpress's client sends it), and returns it with the
// status of the handshake's answer.
func dialChatWS(t *testing.T, u chatUser, conv string, header http.Header) (*chatWS, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	wsURL := "ws" + strings.TrimPrefix(u.srv.ChatURL(), "http") + "/conversations/" + conv + "/listen"
	if u.key != "" {
		wsURL += "?x-user-key=" + url.QueryEscape(u.key)
	}
	c, resp, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPHeader: header})
	if err != nil {
		require.NotNil(t, resp, "%v", err)
		return nil, resp.StatusCode
	}
	t.Cleanup(func() { c.CloseNow() })
	return &chatWS{c: c, ctx: ctx}, resp.StatusCode
}

// frame reads the next text frame.
func (w *chatWS) frame() (string, error) {
	typ, data, err := w.c.Read(w.ctx)
	if err == nil && typ != websocket.MessageText {
		return "", errors.New("a binary frame")
	}
	return string(data), err
}

// signal reads the next signal, skipping keep-alives.
func (w *chatWS) signal(t *testing.T) chatSignal {
	t.Helper()
	for {
		data, err := w.frame()
		require.NoError(t, err)
		if data == "ping" {
			continue
		}
		var sig chatSignal
		require.NoError(t, json.Unmarshal([]byte(data), &sig), "one signal as bare JSON: %s", data)
		return sig
	}
}

// end reads past keep-alives to the end of the stream and returns its error.
func (w *chatWS) end(t *testing.T) error {
	t.Helper()
	for {
		data, err := w.frame()
		if err != nil {
			return err
		}
		require.Equal(t, "ping", data, "no signal before the end")
	}
}

func TestChatWebSocketFraming(t *testing.T) {
	srv := bptest.Start(t, bptest.WithChatKeepAlive(time.Millisecond))
	ann, _ := newChatUser(t, srv, `{"id":"ann"}`)
	ann.newConversation(`{"id":"room"}`)
	ws, status := dialChatWS(t, ann, "room", nil)
	require.Equal(t, http.StatusSwitchingProtocols, status)
	assert.Equal(t, 1, srv.ChatStreams())

	data, err := ws.frame()
	require.NoError(t, err)
	assert.Equal(t, "ping", data, "silence: a keep-alive, the bare word")

	m := ann.send("room", message.Text("hi"))
	for data == "ping" {
		data, err = ws.frame()
		require.NoError(t, err)
	}
	var sig chatgen.SignalMessageCreated
	require.NoError(t, json.Unmarshal([]byte(data), &sig), "one signal as bare JSON")
	assert.Equal(t, chatgen.SignalMessageCreatedTypeMessageCreated, sig.Type)
	assert.Equal(t, m.ID, sig.Data.ID)
	assert.Equal(t, message.Text("hi"), sig.Data.Payload)
	assert.Empty(t, srv.ResponseViolations())
}

func TestChatWebSocketChecks(t *testing.T) {
	srv := bptest.Start(t)
	ann, _ := newChatUser(t, srv, `{"id":"ann"}`)
	bob, _ := newChatUser(t, srv, `{"id":"bob"}`)
	ann.newConversation(`{"id":"room"}`)
	for _, tc := range []struct {
		name   string
		u      chatUser
		conv   string
		header http.Header
		status int
	}{
		{"not a participant", bob, "room", nil, 403},
		{"no such conversation", ann, "nope", nil, 404},
		{"bad key", chatUser{t: t, srv: srv, key: "bad"}, "room", nil, 401},
		{"key in the header only", chatUser{t: t, srv: srv}, "room", http.Header{"X-User-Key": {ann.key}}, 401},
	} {
		ws, status := dialChatWS(t, tc.u, tc.conv, tc.header)
		assert.Nil(t, ws, tc.name)
		assert.Equal(t, tc.status, status, tc.name)
	}
	assert.Equal(t, 0, srv.ChatStreams())
}

func TestChatWebSocketEnds(t *testing.T) {
	srv := bptest.Start(t)
	ann, _ := newChatUser(t, srv, `{"id":"ann"}`)
	newChatUser(t, srv, `{"id":"bob"}`)
	ann.newConversation(`{"id":"room"}`)
	ann.call("POST", "/conversations/room/participants", `{"userId":"bob"}`)
	bob := chatUser{t: t, srv: srv, key: srv.ChatUserKey("bob")}
	annWS, _ := dialChatWS(t, ann, "room", nil)
	bobWS, _ := dialChatWS(t, bob, "room", nil)
	require.NotNil(t, annWS)
	require.NotNil(t, bobWS)

	// Removed: Bob's stream ends with a close frame (1000), without the
	// signal; Ann gets it.
	assert.Equal(t, 200, ann.call("DELETE", "/conversations/room/participants/bob", nil).status)
	assert.Equal(t, websocket.StatusNormalClosure, websocket.CloseStatus(bobWS.end(t)))
	assert.Equal(t, "participant_removed", annWS.signal(t).Type)

	// Dropped: no close frame.
	assert.Equal(t, 1, srv.DropChatStreams())
	assert.Equal(t, websocket.StatusCode(-1), websocket.CloseStatus(annWS.end(t)), "dropped, not closed")

	// A fault that drops after one signal, and the server's close.
	srv.InjectFault(bptest.Fault{Chat: true, Operation: "listenConversation", DropStreamAfter: 1, Times: 1})
	annWS, _ = dialChatWS(t, ann, "room", nil)
	require.NotNil(t, annWS)
	ann.send("room", message.Text("one"))
	assert.Equal(t, "message_created", annWS.signal(t).Type)
	assert.Equal(t, websocket.StatusCode(-1), websocket.CloseStatus(annWS.end(t)), "dropped after one signal")

	annWS, _ = dialChatWS(t, ann, "room", nil)
	require.NotNil(t, annWS)
	require.NoError(t, srv.Close())
	assert.Equal(t, websocket.StatusNormalClosure, websocket.CloseStatus(annWS.end(t)))
}

func TestChatWebSocketFaultBeforeUpgrade(t *testing.T) {
	srv := bptest.Start(t)
	ann, _ := newChatUser(t, srv, `{"id":"ann"}`)
	ann.newConversation(`{"id":"room"}`)
	srv.InjectFault(bptest.Fault{Chat: true, Operation: "listenConversation", Status: 503, Times: 1})
	_, status := dialChatWS(t, ann, "room", nil)
	assert.Equal(t, 503, status)
	ws, status := dialChatWS(t, ann, "room", nil)
	assert.NotNil(t, ws)
	assert.Equal(t, http.StatusSwitchingProtocols, status)
}
