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
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/chat"
	"github.com/botpress-go/sdk/chat/chatgen"
	"github.com/botpress-go/sdk/client"
	"github.com/botpress-go/sdk/internal/testutil"
	"github.com/botpress-go/sdk/message"
)

// hostileChat is a Chat API that never lets a walk of Listen end:
// listMessages always answers a full page of fresh messages, all created at
// the same instant (so that no walk finds one old enough to stop at), with
// the token of yet another page; listParticipants pages forever too. Its
// listen stream stays open, silent, unless stream replaces it.
type hostileChat struct {
	srv      *httptest.Server
	pageSize int
	pad      int // bytes of text in each message

	lists        atomic.Int32 // listMessages answered
	participants atomic.Int32 // listParticipants answered
	streams      atomic.Int32 // streams opened

	// onList, when set, runs before listMessages call n (from 1) is
	// answered, on the server's goroutine.
	onList func(n int)
	// endlessBody makes listMessages answer a body that never ends.
	endlessBody bool
	// stream replaces the silent stream when set.
	stream func(w http.ResponseWriter, r *http.Request)
	// lastPage, when positive, makes page lastPage the last one, so that
	// a walk can end (for the participants test).
	lastPage int
	// sameToken makes every page name the same next page.
	sameToken bool
}

var hostileTime = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func newHostileChat(t *testing.T) *hostileChat {
	h := &hostileChat{pageSize: 20}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hostileChat) client(t *testing.T) *chat.Client {
	t.Helper()
	c, err := chat.New("", chat.WithBaseURL(h.srv.URL), chat.WithUserKey(chat.SignUserKey(fkUser, "fake-secret")),
		chat.WithRetryDelay(time.Millisecond, 2*time.Millisecond))
	require.NoError(t, err)
	return c
}

func (h *hostileChat) serve(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/conversations/" + fkConv + "/listen":
		h.streams.Add(1)
		if h.stream != nil {
			h.stream(w, r)
			return
		}
		fkStreamHeader(w)
		<-r.Context().Done()
	case "/conversations/" + fkConv + "/messages":
		n := int(h.lists.Add(1))
		if h.onList != nil {
			h.onList(n)
		}
		if h.endlessBody {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"messages":[`)
			item := []byte(`{"id":"x","conversationId":"c","userId":"u","createdAt":"2026-01-01T00:00:00Z","payload":{"type":"text","text":"t"}},`)
			for {
				if _, err := w.Write(item); err != nil {
					return
				}
			}
		}
		page, _ := strconv.Atoi(r.URL.Query().Get("nextToken"))
		res := chatgen.ListMessagesResponse{}
		for i := range h.pageSize {
			res.Messages = append(res.Messages, chatgen.Message{
				ID: fmt.Sprintf("msg_%d_%d", page, i), ConversationID: fkConv, UserID: fkBot, CreatedAt: hostileTime,
				Payload: message.Text(strings.Repeat("x", h.pad)),
			})
		}
		if h.lastPage <= 0 || page+1 < h.lastPage {
			res.Meta.NextToken = chat.Ptr(strconv.Itoa(page + 1))
		}
		if h.sameToken {
			res.Meta.NextToken = chat.Ptr("1")
		}
		out, err := json.Marshal(res)
		if err != nil {
			panic(err)
		}
		fkReply(w, 200, string(out))
	case "/conversations/" + fkConv + "/participants":
		page, _ := strconv.Atoi(r.URL.Query().Get("nextToken"))
		h.participants.Add(1)
		fkReply(w, 200, fmt.Sprintf(`{"participants":[{"id":"user_p%d","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z"}],"meta":{"nextToken":"%d"}}`, page, page+1))
	default:
		fkReply(w, 404, `{"code":404,"type":"ResourceNotFound","message":"no such route"}`)
	}
}

// listenErrs runs Listen to its end and returns what it yielded.
func listenErrs(t *testing.T, c *chat.Client, opts ...chat.ListenOption) (signals int, errs []error) {
	t.Helper()
	for s, err := range c.Listen(guard(t), fkConv, fast(opts...)...) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		require.NotNil(t, s)
		signals++
	}
	return signals, errs
}

// A server that never stops paging: every walk of Listen (the first look,
// the recovery under WithHistory, the search for WithResumeAfterID's
// message) reads no more than its bound, then Listen ends with an error
// that names the bound and the option; it delivers nothing it cannot
// deliver exactly once, and leaves nothing running.
func TestListenEndlessPaging(t *testing.T) {
	for _, tc := range []struct {
		name      string
		opts      []chat.ListenOption
		lists     int32    // listMessages calls made
		streams   int32    // streams opened
		errHas    []string // in the error
		pageSize  int
		pad       int
		startHere bool
	}{
		{
			name:    "first look, pages",
			opts:    []chat.ListenOption{chat.WithRecoveryLimit(50, 1_000_000)},
			lists:   50,
			errHas:  []string{"the first look would read more than 50 pages of listMessages", "chat.WithRecoveryLimit"},
			streams: 0, // the first look comes before the stream
		},
		{
			name:    "history, messages",
			opts:    []chat.ListenOption{chat.WithHistory(), chat.WithRecoveryLimit(1_000_000, 500)},
			lists:   26, // 25 pages of 20, and the one holding message 501
			errHas:  []string{"a recovery would read more than 500 messages of listMessages without reaching the beginning of the conversation", "chat.WithRecoveryLimit"},
			streams: 1,
		},
		{
			name:    "history, default bounds",
			opts:    []chat.ListenOption{chat.WithHistory()},
			lists:   chat.DefaultRecoveryMessages/20 + 1,
			errHas:  []string{fmt.Sprintf("more than %d messages", chat.DefaultRecoveryMessages)},
			streams: 1,
		},
		{
			name:    "resume after an ID",
			opts:    []chat.ListenOption{chat.WithResumeAfterID("msg_never"), chat.WithRecoveryLimit(30, 1_000_000)},
			lists:   30,
			errHas:  []string{`without reaching message "msg_never"`, "more than 30 pages"},
			streams: 1,
		},
		{
			name:     "history, bytes",
			opts:     []chat.ListenOption{chat.WithHistory(), chat.WithRecoveryBytes(1 << 20)},
			pageSize: 10, pad: 10 << 10, // about 100 KiB a page
			lists:   11, // ten pages, and the one cut short
			errHas:  []string{"more than 1048576 bytes of listMessages", "chat.WithRecoveryBytes"},
			streams: 1,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHostileChat(t)
			if tc.pageSize > 0 {
				h.pageSize, h.pad = tc.pageSize, tc.pad
			}
			signals, errs := listenErrs(t, h.client(t), tc.opts...)
			assert.Zero(t, signals, "nothing delivered: the walk never ended")
			require.Len(t, errs, 1)
			assert.ErrorIs(t, errs[0], chat.ErrRecoveryLimit)
			for _, s := range tc.errHas {
				assert.ErrorContains(t, errs[0], s)
			}
			assert.Equal(t, tc.lists, h.lists.Load(), "listMessages calls")
			assert.Equal(t, tc.streams, h.streams.Load(), "streams: the error is not retried")
			noReaderLeft(t)
		})
	}
}

// A server that hands back the same page token ends Listen at once (it
// used to be retried with each reconnection, forever).
func TestListenRepeatedToken(t *testing.T) {
	h := newHostileChat(t)
	h.sameToken = true
	_, errs := listenErrs(t, h.client(t), chat.WithHistory())
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], client.ErrRepeatedToken)
	assert.EqualValues(t, 2, h.lists.Load())
	assert.EqualValues(t, 1, h.streams.Load())
	noReaderLeft(t)
}

// A listMessages answer that never ends is read no further than the bytes
// bound allows.
func TestListenEndlessPage(t *testing.T) {
	h := newHostileChat(t)
	h.endlessBody = true
	_, errs := listenErrs(t, h.client(t), chat.WithRecoveryBytes(256<<10))
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], chat.ErrRecoveryLimit)
	assert.ErrorContains(t, errs[0], "more than 262144 bytes")
	assert.EqualValues(t, 1, h.lists.Load(), "not retried")
	noReaderLeft(t)
}

// A stream that sends one endless line is dropped once the line passes
// WithMaxSignalSize, each time; such streams do not reset the backoff, so
// WithMaxReconnects ends Listen, with ErrSignalTooLarge.
func TestListenEndlessSignal(t *testing.T) {
	h := newHostileChat(t)
	h.lastPage = 1 // an honest conversation of one page
	h.stream = func(w http.ResponseWriter, r *http.Request) {
		fkStreamHeader(w)
		io.WriteString(w, "data: ")
		chunk := []byte(strings.Repeat("x", 4096))
		for {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}
	var reasons []error
	_, errs := listenErrs(t, h.client(t), chat.WithMaxSignalSize(64<<10), chat.WithMaxReconnects(2),
		chat.WithOnReconnect(func(err error) { reasons = append(reasons, err) }))
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], chat.ErrSignalTooLarge)
	assert.ErrorContains(t, errs[0], "gave up after 2 reconnections")
	assert.ErrorContains(t, errs[0], "a line over 65536 bytes (chat.WithMaxSignalSize)")
	require.Len(t, reasons, 2)
	for _, err := range reasons {
		assert.ErrorIs(t, err, chat.ErrSignalTooLarge)
	}
	assert.EqualValues(t, 3, h.streams.Load())
	noReaderLeft(t)
}

// listParticipants paging forever does not hold a recovery: it is read to
// the pages bound, then the messages are delivered with their authors
// guessed.
func TestListenEndlessParticipants(t *testing.T) {
	h := newHostileChat(t)
	h.lastPage, h.pageSize = 1, 3
	c := h.client(t)
	var got []string
	for s, err := range c.Listen(guard(t), fkConv, fast(chat.WithHistory(), chat.WithRecoveryLimit(7, 100))...) {
		require.NoError(t, err)
		m := s.(*chat.MessageCreated)
		got = append(got, fmt.Sprintf("%s bot=%v", m.Message.ID, m.IsBot))
		if len(got) == 3 {
			break
		}
	}
	assert.Equal(t, []string{"msg_0_2 bot=true", "msg_0_1 bot=true", "msg_0_0 bot=true"}, got, "oldest first")
	assert.EqualValues(t, 7, h.participants.Load(), "listParticipants read to the pages bound")
	noReaderLeft(t)
}

// Under a server that never stops paging, with the default bounds, the heap
// Listen holds at its peak (the recovery of WithHistory about to give up,
// holding 10,000 messages of about 500 bytes) stays under a fixed bound,
// and is given back once Listen ends. Before the bounds, this grew by
// hundreds of MiB until the process ran out.
func TestListenEndlessPagingHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 10,000 messages")
	}
	h := newHostileChat(t)
	h.pageSize, h.pad = 100, 400
	last := int32(chat.DefaultRecoveryMessages/h.pageSize + 1)
	var peak atomic.Uint64
	h.onList = func(n int) {
		if int32(n) == last {
			peak.Store(testutil.HeapInUse())
		}
	}
	base := testutil.HeapInUse()
	_, errs := listenErrs(t, h.client(t), chat.WithHistory())
	after := testutil.HeapInUse()
	require.Len(t, errs, 1)
	require.ErrorIs(t, errs[0], chat.ErrRecoveryLimit)
	require.Equal(t, last, h.lists.Load())
	grew := int64(peak.Load()) - int64(base)
	t.Logf("heap: %d KiB before, %+d KiB at the peak, %+d KiB after", base>>10, grew>>10, (int64(after)-int64(base))>>10)
	assert.Less(t, grew, int64(64<<20), "peak heap growth")
	assert.Less(t, int64(after)-int64(base), int64(4<<20), "heap kept after Listen ended")
	noReaderLeft(t)
}

// A walk's bounds are options, checked.
func TestRecoveryLimitOptions(t *testing.T) {
	c := newHostileChat(t).client(t)
	for _, opt := range []chat.ListenOption{
		chat.WithRecoveryLimit(0, 10), chat.WithRecoveryLimit(10, 0), chat.WithRecoveryBytes(0), chat.WithResumeAfterID(""),
	} {
		_, errs := listenErrs(t, c, opt)
		require.Len(t, errs, 1)
		assert.ErrorContains(t, errs[0], "botpress: listenConversation: ")
	}
	_, err := c.SendAndWait(context.Background(), fkConv, message.Text("hi"), chat.WithRecoveryLimit(-1, 1))
	assert.ErrorContains(t, err, "invalid recovery limit")
}
