package client_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/internal/testutil"
)

// A success answer that lacks a required top-level field, or has it null,
// is malformed, not a zero value.
func TestMissingRequiredFieldIsMalformed(t *testing.T) {
	for _, body := range []string{`{}`, `{"conversation":null}`, `{"other":1}`} {
		s := newServer(t, func(w http.ResponseWriter, r *http.Request) { reply(w, 200, body) })
		_, err := newClient(t, s).GetConversation(context.Background(), "conv_1")
		require.ErrorIs(t, err, client.ErrMalformedResponse, body)
		assert.ErrorIs(t, err, bperrors.ErrMalformedResponse)
		assert.Contains(t, err.Error(), `"conversation"`)
		testutil.OnePrefix(t, err)
	}
	// A list answer without its list.
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) { reply(w, 200, `{"meta":{}}`) })
	_, err := newClient(t, s).ListConversations(context.Background(), nil)
	require.ErrorIs(t, err, client.ErrMalformedResponse)
	// A complete answer passes; an empty list is a list.
	s = newServer(t, func(w http.ResponseWriter, r *http.Request) { reply(w, 200, `{"conversations":[],"meta":{}}`) })
	_, err = newClient(t, s).ListConversations(context.Background(), nil)
	require.NoError(t, err)
}
