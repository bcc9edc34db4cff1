package transport_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/chat/chatgen"
	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/internal/transport"
	"github.com/botpress-go/sdk/message"
)

// TestEncodeBodyAsMarshal: EncodeBody gives the bytes json.Marshal gives
// after NilSafe, for bodies it encodes by their own MarshalJSON (message
// bodies of gen and chatgen), HTML-escaped text and nil maps included, and
// for others.
func TestEncodeBodyAsMarshal(t *testing.T) {
	card := &message.CardPayload{Title: "<b>Tom & Jerry</b>"}
	bodies := []any{
		gen.CreateMessageBody{ConversationID: "conv_1", UserID: "user_1", Payload: message.Text("a <b> & \u2028 é")},
		gen.CreateMessageBody{ConversationID: "conv_1", UserID: "user_1", Payload: card, Tags: map[string]string{"k": "<v>"}},
		gen.GetOrCreateMessageBody{Payload: message.Text("x"), Type: "text"},
		chatgen.CreateMessageBody{ConversationID: "conv_1", Payload: message.Text("<hi>")},
		gen.CreateTableRowsBody{},
		gen.CreateTableRowsBody{Rows: []map[string]any{{"name": "<Ada>", "n": 1}}},
		map[string]any{"a": []int(nil)},
	}
	for _, body := range bodies {
		want, err := json.Marshal(transport.NilSafe(body))
		require.NoError(t, err)
		got, err := transport.EncodeBody(body)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(got))
		assert.True(t, json.Valid(got))
	}
	got, err := transport.EncodeBody(gen.CreateMessageBody{Payload: message.Text("x")})
	require.NoError(t, err)
	assert.Contains(t, string(got), `"tags":{}`)
	assert.Contains(t, string(got), `"type":"text"`)
}
