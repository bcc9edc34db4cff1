package bptest_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/message"
)

// failsafe only keeps a broken test from hanging: every wait below ends on
// an event (an answer, the end of a connection) long before it.
const failsafe = 30 * time.Second

// rawConn opens a TCP connection to the server, with the failsafe deadline.
func rawConn(t *testing.T, srv *bptest.Server) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	require.NoError(t, conn.SetDeadline(time.Now().Add(failsafe)))
	return conn
}

// closedByServer reads conn until the server closes it, and fails if the
// failsafe deadline came first.
func closedByServer(t *testing.T, conn net.Conn, r io.Reader) {
	t.Helper()
	_, err := io.Copy(io.Discard, r)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server did not close the connection: %v", err)
	}
}

func TestSlowBodyIsCutAfterTheReadTimeout(t *testing.T) {
	srv := bptest.Start(t, bptest.WithTimeouts(bptest.Timeouts{Read: 100 * time.Millisecond}))
	conn := rawConn(t, srv)
	// Headers promising 1000 bytes, then one byte, then nothing.
	_, err := fmt.Fprintf(conn, "POST /v1/chat/users HTTP/1.1\r\nHost: bptest\r\nAuthorization: Bearer %s\r\nx-bot-id: %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", srv.Token, srv.BotID)
	require.NoError(t, err)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	assert.Equal(t, http.StatusRequestTimeout, resp.StatusCode, "%s", body)
	assert.Contains(t, string(body), "OperationTimeout")
	closedByServer(t, conn, br)
}

func TestIdleKeepAliveConnectionIsClosed(t *testing.T) {
	srv := bptest.Start(t, bptest.WithTimeouts(bptest.Timeouts{Idle: 100 * time.Millisecond}))
	conn := rawConn(t, srv)
	_, err := fmt.Fprintf(conn, "GET /v1/chat/users HTTP/1.1\r\nHost: bptest\r\nAuthorization: Bearer %s\r\nx-bot-id: %s\r\n\r\n", srv.Token, srv.BotID)
	require.NoError(t, err)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	require.Equal(t, 200, resp.StatusCode)
	assert.False(t, resp.Close, "a keep-alive connection")
	// No second request: the server closes the connection when it has
	// been idle for the idle timeout.
	closedByServer(t, conn, br)
}

func TestSlowHeadersAreCut(t *testing.T) {
	srv := bptest.Start(t, bptest.WithTimeouts(bptest.Timeouts{ReadHeader: 100 * time.Millisecond}))
	conn := rawConn(t, srv)
	_, err := fmt.Fprintf(conn, "GET /v1/chat/users HTTP/1.1\r\nHost: bptest\r\n")
	require.NoError(t, err)
	closedByServer(t, conn, conn)
}

func TestChatStreamWhoseReaderStopsIsClosed(t *testing.T) {
	srv := bptest.Start(t, bptest.WithTimeouts(bptest.Timeouts{StreamWrite: 50 * time.Millisecond}))
	ann, _ := newChatUser(t, srv, `{}`)
	conv := ann.newConversation(`{"id":"room"}`)

	conn := rawConn(t, srv)
	// Never read until the end: once the kernel's buffers are full, the
	// server's writes block.
	path := strings.TrimPrefix(srv.ChatURL(), srv.URL) + "/conversations/" + conv.ID + "/listen"
	_, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: bptest\r\nx-user-key: %s\r\nAccept: text/event-stream\r\n\r\n", path, ann.key)
	require.NoError(t, err)

	// Send messages until the stream's handler, blocked on a client that
	// does not read, gives up: each one is a signal to write.
	text := strings.Repeat("x", 16<<10)
	started, ended := false, false
	for i := 0; i < 5000 && !ended; i++ {
		ann.send(conv.ID, message.Text(text))
		running := bptest.ChatListenersRunning(srv)
		started = started || running > 0
		ended = started && running == 0
	}
	require.True(t, ended, "the stream of a client that stopped reading is still written to")
	assert.Equal(t, 0, srv.ChatStreams())
	// Its connection is closed: what the client reads now ends.
	closedByServer(t, conn, conn)
}

func TestChatStreamOutlivesTheReadAndWriteTimeouts(t *testing.T) {
	timeout := 50 * time.Millisecond
	srv := bptest.Start(t, bptest.WithChatKeepAlive(10*time.Millisecond),
		bptest.WithTimeouts(bptest.Timeouts{Read: timeout, Write: timeout}))
	ann, _ := newChatUser(t, srv, `{}`)
	conv := ann.newConversation(`{"id":"room"}`)
	stream := listenChat(t, ann, conv.ID)
	// Keep-alives until both timeouts have passed, with margin.
	opened := time.Now()
	for time.Since(opened) < 4*timeout {
		lines, ok, err := stream.frame()
		require.True(t, ok, "the stream ended: %v", err)
		require.Equal(t, []string{"event: message", "data: ping"}, lines)
	}
	ann.send(conv.ID, message.Text("still here"))
	assert.Equal(t, "message_created", stream.signal(t).Type)
}

// allocated returns the bytes the process allocated while f ran.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// repeated is a body of n bytes b, made as it is read: it allocates
// nothing, whatever its size. A zero b is 'x'.
type repeated struct {
	b byte
	n int64
}

func (r *repeated) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.n {
		p = p[:r.n]
	}
	b := r.b
	if b == 0 {
		b = 'x'
	}
	for i := range p {
		p[i] = b
	}
	r.n -= int64(len(p))
	return len(p), nil
}

func TestLargeBodiesAreReadOnceAndBounded(t *testing.T) {
	const limit = 4 << 20
	srv := bptest.Start(t, bptest.WithMaxBodySize(limit), bptest.WithLimits(bptest.Limits{RuntimeBody: -1}), bptest.WithResponseValidation(false))
	post := func(body io.Reader, length int64) int {
		req, err := http.NewRequest("POST", srv.URL+"/v1/chat/states/bot/"+srv.BotID+"/big", body)
		require.NoError(t, err)
		req.ContentLength = length
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+srv.Token)
		req.Header.Set("x-bot-id", srv.BotID)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0 // the server refused the rest of the body
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode
	}

	// A body just under the limit is read once: its bytes, one decoding
	// to validate it, one to hand it to the handler, and the answer that
	// echoes it. Reading it with io.ReadAll and letting kin-openapi read
	// and decode it twice more cost 19 times its size.
	body := []byte(`{"payload":{"d":"` + strings.Repeat("x", limit-64) + `"}}`)
	require.Equal(t, 200, post(bytes.NewReader(body), int64(len(body))))
	n := allocated(func() { require.Equal(t, 200, post(bytes.NewReader(body), int64(len(body)))) })
	t.Logf("a body of %d bytes: %d bytes allocated (%.1f×)", len(body), n, float64(n)/float64(len(body)))
	assert.Less(t, n, uint64(14*len(body)), "a large body is copied too many times")

	// A body announced larger than the limit is refused before it is read.
	n = allocated(func() { assert.Equal(t, 413, post(&repeated{n: 64 << 20}, 64<<20)) })
	assert.Less(t, n, uint64(limit), "a body over the limit was read")

	// A body of unknown length (chunked) is cut at the limit: memory stays
	// near the limit, whatever arrives.
	n = allocated(func() {
		status := post(io.MultiReader(strings.NewReader(`{"payload":{"d":"`), &repeated{n: 64 << 20}), -1)
		assert.Contains(t, []int{0, 413}, status)
	})
	t.Logf("a chunked body of 64 MiB over a limit of %d: %d bytes allocated", limit, n)
	assert.Less(t, n, uint64(3*limit), "a chunked body over the limit was read past it")
}

func TestWorkspaceScopedCallsNeedTheWorkspaceHeader(t *testing.T) {
	listBots := func(srv *bptest.Server, workspace string) (int, map[string]string) {
		header := map[string]string{"Authorization": "Bearer " + srv.Token}
		if workspace != "" {
			header["x-workspace-id"] = workspace
		}
		status, body := coreDo(t, srv, "GET", "/v1/admin/bots", "", "", header)
		out := map[string]string{}
		for k, v := range body {
			out[k] = fmt.Sprint(v)
		}
		return status, out
	}
	srv := bptest.Start(t)
	// As Botpress Cloud answers it, and as a bot-scoped call without x-bot-id.
	status, body := listBots(srv, "")
	assert.Equal(t, 400, status)
	assert.Equal(t, "InvalidPayload", body["type"])
	assert.Contains(t, body["message"], "x-workspace-id")
	assert.Contains(t, body["message"], "listBots")
	status, _ = listBots(srv, srv.WorkspaceID)
	assert.Equal(t, 200, status)
	// Client sets the header.
	_, err := srv.Client().ListBots(t.Context(), nil)
	require.NoError(t, err)
	// Account and Hub calls are not workspace-scoped.
	status, _ = coreDo(t, srv, "GET", "/v1/admin/account/me", "", "", map[string]string{"Authorization": "Bearer " + srv.Token})
	assert.Equal(t, 200, status)

	lenient := bptest.Start(t, bptest.WithLenientScope())
	status, _ = listBots(lenient, "")
	assert.Equal(t, 200, status, "WithLenientScope: the server's workspace")
}
