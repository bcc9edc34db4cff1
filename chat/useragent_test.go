package chat_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/chat"
	"github.com/botpress-go/sdk/client"
)

// TestDefaultUserAgent: a Chat client sends "botpress-go/<version> go/<go version>", as
// package client does.
func TestDefaultUserAgent(t *testing.T) {
	t.Parallel()
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case got <- r.Header.Get("User-Agent"):
		default:
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"user":{"id":"u1","createdAt":"2026-01-01T00:00:00.000Z","updatedAt":"2026-01-01T00:00:00.000Z"}}`))
	}))
	t.Cleanup(srv.Close)

	c, err := chat.New("", chat.WithBaseURL(srv.URL), chat.WithUserKey("key"))
	require.NoError(t, err)
	_, _ = c.GetUser(context.Background())
	ua := <-got
	assert.Equal(t, "botpress-go/"+client.Version+" go/"+strings.TrimPrefix(runtime.Version(), "go"), ua)
	assert.Equal(t, client.DefaultUserAgent(), ua)
}
