package chat_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/chat"
	"github.com/botpress-go/sdk/chat/chatgen"
	"github.com/botpress-go/sdk/message"
)

// fakeChat is a small Chat API for the listener's tests: one conversation,
// its messages (listMessages serves them newest first, a few a page), its
// participants, createMessage, and a listen stream per connection that
// carries the signals broadcast while it is open. A test can make streams
// close after some signals (dropAfter), replace the stream handler, and wait
// for connections and disconnections.
type fakeChat struct {
	errorf func(format string, args ...any)
	srv    *httptest.Server

	mu           sync.Mutex
	clock        time.Time
	seq          int
	messages     []chatgen.Message // in creation order
	participants []string
	subs         map[chan string]struct{}
	dropAfter    int                                          // a stream closes after that many signals; 0: never
	onCreate     func(f *fakeChat, m chatgen.Message)         // called, unlocked, after a user's createMessage
	listen       func(w http.ResponseWriter, r *http.Request) // replaces the stream handler when set
	listCalls    int
	failLists    int // the next that many listMessages calls answer 503

	connected chan struct{} // one value per stream opened
	closed    chan struct{} // one value per stream the client closed
	listed    chan struct{} // one value per listMessages answered
}

const (
	fkUser     = "user_1"
	fkBot      = "bot_user"
	fkConv     = "conv_1"
	fkPageSize = 3
)

func newFakeChat(t testing.TB) *fakeChat {
	f := startFakeChat(t.Errorf)
	t.Cleanup(f.srv.Close)
	return f
}

// startFakeChat starts a fakeChat that reports its troubles with errorf;
// the caller closes f.srv.
func startFakeChat(errorf func(format string, args ...any)) *fakeChat {
	f := &fakeChat{
		errorf:       errorf,
		clock:        time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		participants: []string{fkUser},
		subs:         map[chan string]struct{}{},
		connected:    make(chan struct{}, 1000),
		closed:       make(chan struct{}, 1000),
		listed:       make(chan struct{}, 1000),
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

// client returns a chat client of the fake's user, with fast retries.
func (f *fakeChat) client(t testing.TB, opts ...chat.Option) *chat.Client {
	t.Helper()
	base := []chat.Option{
		chat.WithBaseURL(f.srv.URL),
		chat.WithUserKey(chat.SignUserKey(fkUser, "fake-secret")),
		chat.WithRetryDelay(time.Millisecond, 2*time.Millisecond),
	}
	c, err := chat.New("", append(base, opts...)...)
	require.NoError(t, err)
	return c
}

// say creates a message of author, as if sent now, and broadcasts it.
func (f *fakeChat) say(author, text string) chatgen.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sayLocked(author, text)
}

func (f *fakeChat) sayLocked(author, text string) chatgen.Message {
	f.seq++
	f.clock = f.clock.Add(time.Millisecond)
	m := chatgen.Message{
		ID: fmt.Sprintf("msg_%03d", f.seq), ConversationID: fkConv, CreatedAt: f.clock,
		UserID: author, Payload: &message.TextPayload{Text: text},
	}
	f.messages = append(f.messages, m)
	data, err := json.Marshal(chatgen.SignalMessageCreatedData{
		ID: m.ID, ConversationID: m.ConversationID, CreatedAt: m.CreatedAt, UserID: m.UserID, Payload: m.Payload,
		IsBot: author != fkUser && author != "user_2",
	})
	if err != nil {
		panic(err)
	}
	f.broadcastLocked(`{"type":"message_created","data":` + string(data) + `}`)
	return m
}

// broadcast sends a signal's JSON to every open stream.
func (f *fakeChat) broadcast(signal string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.broadcastLocked(signal)
}

func (f *fakeChat) broadcastLocked(signal string) {
	for ch := range f.subs {
		select {
		case ch <- signal:
		default:
			f.errorf("fakeChat: a stream's queue is full")
		}
	}
}

func (f *fakeChat) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/users" && r.Header.Get(chat.HeaderUserKey) == "" {
		fkReply(w, 401, `{"code":401,"type":"Unauthorized","message":"no user key"}`)
		return
	}
	switch {
	case r.Method == "POST" && r.URL.Path == "/users":
		fkReply(w, 201, `{"user":{"id":"`+fkUser+`","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z"},"key":"`+chat.SignUserKey(fkUser, "fake-secret")+`"}`)
	case r.Method == "POST" && r.URL.Path == "/conversations":
		fkReply(w, 201, `{"conversation":{"id":"`+fkConv+`","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z"}}`)
	case r.Method == "GET" && r.URL.Path == "/conversations/"+fkConv+"/listen":
		f.mu.Lock()
		h := f.listen
		f.mu.Unlock()
		if h == nil {
			h = f.stream
		}
		h(w, r)
	case r.Method == "GET" && r.URL.Path == "/conversations/"+fkConv+"/messages":
		f.listMessages(w, r)
	case r.Method == "GET" && r.URL.Path == "/conversations/"+fkConv+"/participants":
		f.mu.Lock()
		var users []string
		for _, p := range f.participants {
			users = append(users, fmt.Sprintf(`{"id":%q,"createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z"}`, p))
		}
		f.mu.Unlock()
		fkReply(w, 200, `{"participants":[`+strings.Join(users, ",")+`],"meta":{}}`)
	case r.Method == "POST" && r.URL.Path == "/messages":
		var body chatgen.CreateMessageBody
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.ConversationID != fkConv {
			fkReply(w, 400, `{"code":400,"type":"InvalidPayload","message":"bad body"}`)
			return
		}
		text := ""
		if p, ok := body.Payload.(*message.TextPayload); ok {
			text = p.Text
		}
		m := f.say(fkUser, text)
		f.mu.Lock()
		hook := f.onCreate
		f.mu.Unlock()
		if hook != nil {
			hook(f, m)
		}
		out, _ := json.Marshal(chatgen.CreateMessageResponse{Message: m})
		fkReply(w, 201, string(out))
	default:
		fkReply(w, 404, `{"code":404,"type":"ResourceNotFound","message":"no such route"}`)
	}
}

// listMessages serves the messages newest first, fkPageSize a page; the
// token is the index, from the newest, of the page's first message.
func (f *fakeChat) listMessages(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.listCalls++
	if f.failLists > 0 {
		f.failLists--
		fkReply(w, 503, `{"code":503,"type":"Unknown","message":"busy"}`)
		return
	}
	start, _ := strconv.Atoi(r.URL.Query().Get("nextToken"))
	var page []chatgen.Message
	for i := len(f.messages) - 1 - start; i >= 0 && len(page) < fkPageSize; i-- {
		page = append(page, f.messages[i])
	}
	res := chatgen.ListMessagesResponse{Messages: page}
	if next := start + len(page); next < len(f.messages) {
		res.Meta.NextToken = chat.Ptr(strconv.Itoa(next))
	}
	out, _ := json.Marshal(res)
	f.listed <- struct{}{}
	fkReply(w, 200, string(out))
}

// stream is the listen handler: it registers the stream, answers, and
// writes the signals broadcast, until the client leaves or dropAfter.
func (f *fakeChat) stream(w http.ResponseWriter, r *http.Request) {
	ch := make(chan string, 10_000)
	f.mu.Lock()
	f.subs[ch] = struct{}{}
	drop := f.dropAfter
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.subs, ch)
		f.mu.Unlock()
	}()
	fkStreamHeader(w)
	f.connected <- struct{}{}
	for sent := 0; drop == 0 || sent < drop; sent++ {
		select {
		case s := <-ch:
			if !fkWrite(w, "event: message\ndata: "+s+"\n\n") {
				return
			}
		case <-r.Context().Done():
			f.closed <- struct{}{}
			return
		}
	}
}

func fkStreamHeader(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(200)
	w.(http.Flusher).Flush()
}

func fkWrite(w http.ResponseWriter, s string) bool {
	if _, err := io.WriteString(w, s); err != nil {
		return false
	}
	w.(http.Flusher).Flush()
	return true
}

func fkReply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// wait receives from ch, failing the test if ctx ends first.
func wait[T any](t testing.TB, ctx context.Context, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}
