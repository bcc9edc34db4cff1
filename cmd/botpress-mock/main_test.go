package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/internal/testutil"
)

func TestRun(t *testing.T) {
	seed := filepath.Join(t.TempDir(), "seed.json")
	dumpFile := filepath.Join(t.TempDir(), "dump.json")
	require.NoError(t, os.WriteFile(seed, []byte(`{"bots":{"bot_cli000000000000000000000000":{"users":[{"id":"user_cli00000000000000000000000","tags":{}}],
		"issues":[{"id":"issue_cli","code":"timeout","title":"t","description":"d"}]}}}`), 0o600))

	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var logs testutil.SyncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-token", "tok", "-bot", "bot_cli000000000000000000000000",
			"-page-size", "5", "-seed-data", seed, "-rate-limit", "100", "-dump", dumpFile}, pw, &logs)
		pw.Close()
	}()
	env := map[string]string{}
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			env[k] = v
		}
		if len(env) == 4 {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	require.Contains(t, env, "BP_API_URL")
	assert.Equal(t, "tok", env["BP_TOKEN"])

	req, _ := http.NewRequest("GET", env["BP_API_URL"]+"/v1/chat/users/user_cli00000000000000000000000", nil)
	req.Header.Set("Authorization", "Bearer tok")
	req.Header.Set("x-bot-id", env["BP_BOT_ID"])
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode, "seed data is loaded")
	assert.Equal(t, "100", resp.Header.Get("RateLimit-Limit"), "-rate-limit")
	assert.Equal(t, "99", resp.Header.Get("RateLimit-Remaining"))

	req, _ = http.NewRequest("GET", env["BP_API_URL"]+"/v1/admin/bots/"+env["BP_BOT_ID"]+"/issues/issue_cli", nil)
	req.Header.Set("Authorization", "Bearer tok")
	req.Header.Set("x-workspace-id", env["BP_WORKSPACE_ID"])
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode, "a seeded issue")
	assert.Contains(t, string(body), `"code":"timeout"`)

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("botpress-mock did not stop")
	}
	assert.Contains(t, logs.String(), "path=/v1/chat/users/user_cli00000000000000000000000")
	assert.Contains(t, logs.String(), "status=200")

	// -dump wrote the state on the way out, as seed data.
	d, err := bptest.ReadSeedData(dumpFile)
	require.NoError(t, err)
	bot := d.Bots["bot_cli000000000000000000000000"]
	require.Len(t, bot.Users, 1)
	assert.Equal(t, "user_cli00000000000000000000000", bot.Users[0].ID)
	require.Len(t, bot.Issues, 1)
	assert.Equal(t, "timeout", bot.Issues[0].Code)
}

func TestRunBadFlags(t *testing.T) {
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"-page-size", "0"}, io.Discard, &stderr)
	assert.Error(t, err)
	err = run(context.Background(), []string{"-seed-data", "/does/not/exist.json"}, io.Discard, &stderr)
	assert.Error(t, err)
	err = run(context.Background(), []string{"-rate-limit", "10", "-rate-window", "0s"}, io.Discard, &stderr)
	assert.Error(t, err)
}

// startMock runs botpress-mock with args until the test ends, and returns
// the settings lines it printed on stdout (up to BP_CHAT_WEBHOOK_ID, the
// last), and its log.
func startMock(t *testing.T, args ...string) (lines []string, logs *testutil.SyncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	logs = &testutil.SyncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), pw, logs)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(5 * time.Second):
			t.Error("botpress-mock did not stop")
		}
	})
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "BP_") {
			lines = append(lines, sc.Text())
		}
		if strings.Contains(sc.Text(), "BP_CHAT_WEBHOOK_ID=") {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	require.Len(t, lines, 7, "settings printed")
	return lines, logs
}

// mockEnv reads settings lines (NAME=value, or export NAME='value') into a map.
func mockEnv(lines []string) map[string]string {
	env := map[string]string{}
	for _, l := range lines {
		k, v, _ := strings.Cut(strings.TrimPrefix(l, "export "), "=")
		env[k] = strings.Trim(v, "'")
	}
	return env
}

// chatPoster returns a func that POSTs body to the mock's Chat API at
// path, as the user of key (none if empty), requires the status want
// (unless want is 0) and returns the decoded JSON reply.
func chatPoster(t *testing.T, env map[string]string, want int) func(path, key, body string) map[string]any {
	return func(path, key, body string) map[string]any {
		req, _ := http.NewRequest("POST", env["BP_CHAT_API_URL"]+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("x-user-key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		if want != 0 {
			require.Equal(t, want, resp.StatusCode)
		}
		var out map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		return out
	}
}

// chatSession creates a Chat user and a conversation of theirs with post.
func chatSession(post func(path, key, body string) map[string]any) (key, conv string) {
	key = post("/users", "", `{}`)["key"].(string)
	conv = post("/conversations", key, `{}`)["conversation"].(map[string]any)["id"].(string)
	return key, conv
}

// chatListen opens the SSE stream of conv as the user of key; the body
// is closed when the test ends.
func chatListen(t *testing.T, env map[string]string, key, conv string) *http.Response {
	req, _ := http.NewRequest("GET", env["BP_CHAT_API_URL"]+"/conversations/"+conv+"/listen", nil)
	req.Header.Set("x-user-key", key)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	require.Equal(t, 200, resp.StatusCode)
	return resp
}

func TestRunHelp(t *testing.T) {
	var stderr bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-h"}, io.Discard, &stderr), "-h is not an error")
	assert.Contains(t, stderr.String(), "-fault")
	assert.Contains(t, stderr.String(), "-env")
	assert.Contains(t, stderr.String(), "-chat-stream")
	assert.Contains(t, stderr.String(), "drop-stream-after-deltas")
	assert.Error(t, run(context.Background(), []string{"stray"}, io.Discard, &stderr))
}

func TestRunEnv(t *testing.T) {
	lines, _ := startMock(t, "-env", "-token", "it's")
	script := strings.Join(lines, "\n") + "\nprintf '%s|%s|%s|%s' \"$BP_API_URL\" \"$BP_TOKEN\" \"$BP_BOT_ID\" \"$BP_WORKSPACE_ID\"\n"
	for _, l := range lines {
		assert.True(t, strings.HasPrefix(l, "export BP_"), l)
	}
	out, err := exec.Command("sh", "-c", script).Output()
	require.NoError(t, err, "a shell evaluates the lines")
	got := strings.Split(string(out), "|")
	require.Len(t, got, 4)
	assert.True(t, strings.HasPrefix(got[0], "http://127.0.0.1:"), got[0])
	assert.Equal(t, "it's", got[1], "quoted for the shell")
	assert.Equal(t, bptest.DefaultBotID, got[2])
	assert.Equal(t, bptest.DefaultWorkspaceID, got[3])
}

func TestRunFaultsAndQueryLog(t *testing.T) {
	lines, logs := startMock(t, "-fault", "op=listUsers,status=429,times=2,retry-after=2s")
	env := mockEnv(lines)
	get := func() *http.Response {
		req, _ := http.NewRequest("GET", env["BP_API_URL"]+"/v1/chat/users?tags.k=v", nil)
		req.Header.Set("Authorization", "Bearer "+env["BP_TOKEN"])
		req.Header.Set("x-bot-id", env["BP_BOT_ID"])
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	for range 2 {
		resp := get()
		assert.Equal(t, 429, resp.StatusCode)
		assert.Equal(t, "2", resp.Header.Get("Retry-After"))
	}
	assert.Equal(t, 200, get().StatusCode, "times=2: the third request goes through")
	assert.Contains(t, logs.String(), `query="tags.k=v"`)
}

func TestParseFault(t *testing.T) {
	f, err := parseFault("op=getUser,status=503,times=2,rate=0.5,latency=10ms,retry-after=1s")
	require.NoError(t, err)
	assert.Equal(t, bptest.Fault{Operation: "getUser", Status: 503, Times: 2, Rate: 0.5,
		Latency: 10 * time.Millisecond, RetryAfter: time.Second}, f)
	f, err = parseFault("drop")
	require.NoError(t, err)
	assert.True(t, f.Drop)
	f, err = parseFault("chat,op=listenConversation,drop-stream-after=2")
	require.NoError(t, err)
	assert.Equal(t, bptest.Fault{Chat: true, Operation: "listenConversation", DropStreamAfter: 2}, f)
	f, err = parseFault("chat,op=listenConversation,deltas=reorder")
	require.NoError(t, err)
	assert.Equal(t, bptest.Fault{Chat: true, Operation: "listenConversation", Deltas: bptest.DeltasReorder}, f)
	f, err = parseFault("chat,drop-stream-after-deltas=3,times=1")
	require.NoError(t, err)
	assert.Equal(t, bptest.Fault{Chat: true, DropStreamAfterDeltas: 3, Times: 1}, f)
	f, err = parseFault("chat,op=getUser,status=403,error-in-200")
	require.NoError(t, err)
	assert.Equal(t, bptest.Fault{Chat: true, Operation: "getUser", Status: 403, ErrorIn200: true}, f)
	f, err = parseFault("op=upsertFile,indexing=failed,times=1")
	require.NoError(t, err)
	assert.Equal(t, bptest.Fault{Operation: "upsertFile", Indexing: bptest.IndexingFailed, Times: 1}, f)
	f, err = parseFault("indexing=completed")
	require.NoError(t, err)
	assert.Equal(t, bptest.Fault{Indexing: bptest.IndexingCompleted}, f)
	for _, bad := range []string{"", "op=getUser", "indexing=maybe", "op=getFile,indexing=failed", "chat,indexing=failed", "status=abc", "status=42", "rate=2", "times=-1",
		"latency=soon", "colour=red", "status", "drop=maybe", "chat", "chat=maybe,drop", "drop-stream-after=-1,drop",
		"chat,deltas=shuffle", "chat,drop-stream-after-deltas=-1", "chat,deltas"} {
		_, err := parseFault(bad)
		assert.Error(t, err, bad)
	}
}

func TestRunChat(t *testing.T) {
	lines, logs := startMock(t, "-chat-webhook", "hook-1", "-chat-keep-alive", "1m")
	env := mockEnv(lines)
	assert.Equal(t, "hook-1", env["BP_CHAT_WEBHOOK_ID"])
	assert.Equal(t, env["BP_API_URL"]+"/chat/hook-1", env["BP_CHAT_API_URL"])
	assert.Equal(t, bptest.DefaultChatEncryptionKey, env["BP_CHAT_ENCRYPTION_KEY"])

	post := chatPoster(t, env, 201)
	key, conv := chatSession(post)

	// Listen, send, and read the echo off the stream.
	resp := chatListen(t, env, key, conv)
	post("/messages", key, `{"conversationId":"`+conv+`","payload":{"type":"text","text":"marco"}}`)
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if strings.Contains(sc.Text(), `"isBot":true`) {
			assert.Contains(t, sc.Text(), `"text":"marco"`, "-bot-reply echo by default")
			break
		}
	}
	require.NoError(t, sc.Err())
	assert.Contains(t, logs.String(), "path=/chat/hook-1/messages")

	// The same over a WebSocket, the key in the query, which the log masks.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	wsURL := "ws" + strings.TrimPrefix(env["BP_CHAT_API_URL"], "http") + "/conversations/" + conv + "/listen?x-user-key=" + url.QueryEscape(key)
	ws, _, err := websocket.Dial(ctx, wsURL, nil)
	require.NoError(t, err)
	defer ws.CloseNow()
	post("/messages", key, `{"conversationId":"`+conv+`","payload":{"type":"text","text":"polo"}}`)
	for {
		_, data, err := ws.Read(ctx)
		require.NoError(t, err)
		if strings.Contains(string(data), `"isBot":true`) {
			assert.Contains(t, string(data), `"text":"polo"`)
			break
		}
	}
	// Its request is logged once it ends.
	ws.CloseNow()
	for !strings.Contains(logs.String(), "x-user-key=") {
		require.NoError(t, ctx.Err(), "the WebSocket request was never logged")
		runtime.Gosched()
	}
	assert.Contains(t, logs.String(), "x-user-key=%5Buser+key%5D")
	assert.NotContains(t, logs.String(), url.QueryEscape(key), "the key is masked in the log")
}

func TestRunChatFlags(t *testing.T) {
	var stderr bytes.Buffer
	assert.Error(t, run(context.Background(), []string{"-bot-reply", "sing"}, io.Discard, &stderr))
	assert.Error(t, run(context.Background(), []string{"-chat-keep-alive", "0s"}, io.Discard, &stderr))

	lines, _ := startMock(t, "-env", "-chat-encryption-key", "s3cret", "-bot-reply", "none")
	env := mockEnv(lines)
	assert.Equal(t, "s3cret", env["BP_CHAT_ENCRYPTION_KEY"])
	req, _ := http.NewRequest("POST", env["BP_CHAT_API_URL"]+"/users", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 401, resp.StatusCode, "with your own key, createUser is refused")
}

// -chat-webhook-url and -chat-webhook-secret: every signal is POSTed,
// with the secret, to the URL and its trailing slash.
func TestRunChatWebhook(t *testing.T) {
	got := make(chan string, 10)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- r.URL.Path + " " + r.Header.Get("x-secret-key") + " " + string(body)
	}))
	defer hook.Close()
	var stderr bytes.Buffer
	assert.Error(t, run(context.Background(), []string{"-chat-webhook-url", "nowhere"}, io.Discard, &stderr))
	assert.Error(t, run(context.Background(), []string{"-chat-webhook-url", hook.URL, "-chat-webhook-deltas", "shuffle"}, io.Discard, &stderr))
	assert.Error(t, run(context.Background(), []string{"-chat-webhook-url", hook.URL, "-chat-webhook-drop-after-deltas", "-1"}, io.Discard, &stderr))

	lines, _ := startMock(t, "-chat-webhook-url", hook.URL+"/hook", "-chat-webhook-secret", "s3cret", "-chat-webhook-timeout", "5s", "-bot-reply", "none")
	env := mockEnv(lines)
	post := chatPoster(t, env, 0)
	key, conv := chatSession(post)
	post("/messages", key, `{"conversationId":"`+conv+`","payload":{"type":"text","text":"marco"}}`)
	delivery := <-got
	assert.True(t, strings.HasPrefix(delivery, "/hook/ s3cret {"), delivery)
	assert.Contains(t, delivery, `"type":"message_created"`)
	assert.Contains(t, delivery, `"text":"marco"`)
}

func TestRunLimitFlags(t *testing.T) {
	post := func(env map[string]string, size int) int {
		body := `{"tags":{}}` + strings.Repeat(" ", size-11) // valid JSON of size bytes
		req, _ := http.NewRequest("POST", env["BP_API_URL"]+"/v1/chat/users", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+env["BP_TOKEN"])
		req.Header.Set("x-bot-id", env["BP_BOT_ID"])
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	// Cloud's 1 MB runtime limit by default.
	lines, _ := startMock(t)
	env := mockEnv(lines)
	assert.Equal(t, 201, post(env, 1<<20))
	assert.Equal(t, 413, post(env, 1<<20+1))
	// Relaxed by its flag, or all at once.
	lines, _ = startMock(t, "-limit-runtime-body", "2000000")
	env = mockEnv(lines)
	assert.Equal(t, 201, post(env, 2000000))
	assert.Equal(t, 413, post(env, 2000001))
	lines, _ = startMock(t, "-no-limits")
	assert.Equal(t, 201, post(mockEnv(lines), 2000001))
}

// -chat-stream: the echo of a text is streamed word by word, then comes
// whole; -fault deltas=repeat sends each word twice.
func TestRunChatStream(t *testing.T) {
	var stderr bytes.Buffer
	assert.ErrorContains(t, run(context.Background(), []string{"-chat-stream", "-bot-reply", "none"}, io.Discard, &stderr), "-bot-reply echo")
	assert.Error(t, run(context.Background(), []string{"-chat-stream", "-chat-stream-interval", "-1s"}, io.Discard, &stderr))

	lines, _ := startMock(t, "-chat-stream", "-fault", "chat,op=listenConversation,deltas=repeat")
	env := mockEnv(lines)
	post := chatPoster(t, env, 201)
	key, conv := chatSession(post)
	resp := chatListen(t, env, key, conv)
	post("/messages", key, `{"conversationId":"`+conv+`","payload":{"type":"text","text":"marco polo"}}`)
	var got []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok || data == "ping" {
			continue
		}
		var sig struct {
			Type string `json:"type"`
			Data struct {
				Delta string `json:"delta"`
				IsBot bool   `json:"isBot"`
			} `json:"data"`
		}
		require.NoError(t, json.Unmarshal([]byte(data), &sig))
		got = append(got, sig.Type+" "+sig.Data.Delta)
		if sig.Type == "message_created" && sig.Data.IsBot {
			break
		}
	}
	require.NoError(t, sc.Err())
	assert.Equal(t, []string{"message_created ", "message_stream_delta marco ", "message_stream_delta marco ",
		"message_stream_delta polo", "message_stream_delta polo", "message_stream_complete ", "message_created "}, got)
}
