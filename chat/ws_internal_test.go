package chat

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A WebSocket ping, with no frame of data, keeps the connection alive: it
// is answered, and it touches the connection as a frame does (touch is what
// resets the watchdog, and what makes a connection count as one that got
// through). Checked on the events, not on time: the server pings, waits for
// the pong, then closes.
func TestWebSocketPingTouches(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pinged := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			pinged <- err
			return
		}
		defer ws.CloseNow()
		closed := ws.CloseRead(ctx) // reads the pong
		err = ws.Ping(ctx)
		pinged <- err
		if err == nil {
			ws.Close(websocket.StatusNormalClosure, "")
		}
		<-closed.Done()
	}))
	defer srv.Close()
	c, err := New("", WithBaseURL(srv.URL+"/hook"), WithUserKey("some-user-key"))
	require.NoError(t, err)
	op, build, err := listenConversationRequest("c")
	require.NoError(t, err)
	lo, cfg, err := c.listenSetup(ctx, op, []ListenOption{WithWebSocket(), WithWatchdog(0)})
	require.NoError(t, err)
	cn, err := openListen(ctx, &cfg, op, build, &lo, "")
	require.NoError(t, err)
	defer cn.close()
	assert.False(t, cn.gotThrough(), "nothing came yet")
	err = cn.each(ctx, func(Signal) bool {
		t.Error("no signal was sent")
		return true
	})
	assert.Equal(t, io.EOF, err, "a close 1000 is the end of the stream")
	require.NoError(t, <-pinged, "the ping was answered")
	assert.True(t, cn.gotThrough(), "the ping alone touched the connection")
}
