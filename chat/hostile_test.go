package chat_test

// Tests of issue 18 (items 4 to 6) on the Chat API's paths.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/chat"
)

// onePrefix checks that err's message says "botpress:" once, at its start.
func onePrefix(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err)
	msg := err.Error()
	assert.True(t, strings.HasPrefix(msg, "botpress: "), "no prefix: %s", msg)
	assert.Equal(t, 1, strings.Count(msg, "botpress:"), "repeated prefix: %s", msg)
}

func TestConnectErrorHasOnePrefix(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		_, _ = w.Write([]byte(`{"type":"InvalidPayload","message":"no"}`))
	}))
	t.Cleanup(s.Close)
	_, err := chat.Connect(context.Background(), "", chat.WithBaseURL(s.URL), chat.WithMaxRetries(0))
	onePrefix(t, err)
	assert.Equal(t, "botpress: connect: createUser: 400 InvalidPayload: no", err.Error())
}
