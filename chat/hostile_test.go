package chat_test

// Tests of issue 18 (items 4 to 6) on the Chat API's paths.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/chat"
	"github.com/botpress-go/sdk/internal/testutil"
)

func TestConnectErrorHasOnePrefix(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		_, _ = w.Write([]byte(`{"type":"InvalidPayload","message":"no"}`))
	}))
	t.Cleanup(s.Close)
	_, err := chat.Connect(context.Background(), "", chat.WithBaseURL(s.URL), chat.WithMaxRetries(0))
	testutil.OnePrefix(t, err)
	assert.Equal(t, "botpress: connect: createUser: 400 InvalidPayload: no", err.Error())
}

// Chat's walkers stop at once when their context ends, and end after a
// bound of empty pages.
func TestChatWalkers(t *testing.T) {
	var empty atomic.Bool
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("nextToken"))
		var b strings.Builder
		b.WriteString(`{"conversations":[`)
		for i := 0; i < 100 && !empty.Load(); i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":"c%d","createdAt":"2024-01-01T00:00:00.000Z","updatedAt":"2024-01-01T00:00:00.000Z"}`, page*100+i)
		}
		fmt.Fprintf(&b, `],"meta":{"nextToken":"%d"}}`, page+1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(b.String()))
	}))
	t.Cleanup(s.Close)
	c, err := chat.New("", chat.WithBaseURL(s.URL), chat.WithUserKey("key"))
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n, last := testutil.CancelAt(c.AllConversations(ctx, nil), 150, cancel, nil)
	assert.Equal(t, 150, n)
	require.ErrorIs(t, last, context.Canceled)
	testutil.OnePrefix(t, last)

	empty.Store(true)
	last = nil
	for _, err := range c.AllConversations(context.Background(), nil, chat.WithMaxEmptyPages(3)) {
		last = err
	}
	require.ErrorIs(t, last, chat.ErrEmptyPages)
}

// A success answer lacking a required top-level field is malformed.
func TestChatMissingRequiredField(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"conversation":null}`))
	}))
	t.Cleanup(s.Close)
	c, err := chat.New("", chat.WithBaseURL(s.URL), chat.WithUserKey("key"))
	require.NoError(t, err)
	_, err = c.GetConversation(context.Background(), "conv_1")
	require.ErrorIs(t, err, chat.ErrMalformedResponse)
	testutil.OnePrefix(t, err)
}
