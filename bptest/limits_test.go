package bptest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/gen"
)

// padded is the JSON text js followed by whitespace up to size bytes: a
// valid body of exactly that size, that the test does not hold.
func padded(js string, size int64) io.Reader {
	return io.MultiReader(strings.NewReader(js), &repeated{b: ' ', n: size - int64(len(js))})
}

// limDo sends a body of the given length and returns the status and the
// decoded answer (nil when the server refused the body before its end).
func limDo(t *testing.T, srv *bptest.Server, method, url string, header map[string]string, body io.Reader, length int64) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	require.NoError(t, err)
	req.ContentLength = length
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+srv.Token)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

// requireTooLarge checks a 413 in the API's error shape naming the limit.
func requireTooLarge(t *testing.T, status int, body map[string]any, limit string) {
	t.Helper()
	require.Equal(t, http.StatusRequestEntityTooLarge, status, "%v", body)
	assert.Equal(t, "PayloadTooLarge", body["type"])
	assert.EqualValues(t, 413, body["code"])
	assert.Contains(t, body["message"], limit)
}

func TestBodyLimitsByArea(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	_, err := c.CreateTable(context.Background(), gen.CreateTableJSONRequestBody{Name: "T", Schema: map[string]any{"type": "object", "properties": map[string]any{"n": map[string]any{"type": "number"}}}})
	require.NoError(t, err)
	bot := map[string]string{"x-bot-id": srv.BotID}
	ws := map[string]string{"x-workspace-id": srv.WorkspaceID}
	for _, tc := range []struct {
		name, method, path, body string
		header                   map[string]string
		limit                    int64
		named                    string
	}{
		{"runtime", "POST", "/v1/chat/users", `{"tags":{}}`, bot, bptest.DefaultLimits.RuntimeBody, "runtime body limit"},
		{"files", "PUT", "/v1/files", `{"key":"a.txt","size":1}`, bot, bptest.DefaultLimits.RuntimeBody, "Files body limit"},
		{"tables", "POST", "/v1/tables/T/rows", `{"rows":[{"n":1}]}`, bot, bptest.DefaultLimits.TablesBody, "tables body limit"},
		{"admin", "PUT", "/v1/admin/bots/" + srv.BotID, `{}`, ws, bptest.DefaultLimits.AdminBody, "admin body limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := limDo(t, srv, tc.method, srv.URL+tc.path, tc.header, padded(tc.body, tc.limit), tc.limit)
			require.Less(t, status, 300, "a body of exactly the limit: %v", body)
			// Over by one byte, with its length announced: refused before it is read.
			status, body = limDo(t, srv, tc.method, srv.URL+tc.path, tc.header, padded(tc.body, tc.limit+1), tc.limit+1)
			requireTooLarge(t, status, body, tc.named)
			assert.Contains(t, body["message"], fmt.Sprint(tc.limit))
			// Chunked (no length): cut as it passes the limit.
			status, body = limDo(t, srv, tc.method, srv.URL+tc.path, tc.header, padded(tc.body, tc.limit+1), -1)
			if status != 0 {
				requireTooLarge(t, status, body, tc.named)
			}
		})
	}

	// The Chat API is a runtime area too.
	ann, _ := newChatUser(t, srv, `{}`)
	conv := ann.newConversation(`{}`)
	js := `{"conversationId":"` + conv.ID + `","payload":{"type":"text","text":"hi"}}`
	limit := bptest.DefaultLimits.RuntimeBody
	status, body := limDo(t, srv, "POST", srv.ChatURL()+"/messages", map[string]string{"x-user-key": ann.key}, padded(js, limit), limit)
	require.Equal(t, 201, status, "%v", body)
	status, body = limDo(t, srv, "POST", srv.ChatURL()+"/messages", map[string]string{"x-user-key": ann.key}, padded(js, limit+1), limit+1)
	requireTooLarge(t, status, body, "Chat API body limit")

	// A file's content (the PUT to its uploadUrl) is not a JSON body: the
	// 1 MB limit does not apply to it.
	big := strings.Repeat("x", 3<<20)
	f := fileUpload(t, c, "big.txt", []byte(big), nil)
	got, err := c.GetFile(context.Background(), f.ID)
	require.NoError(t, err)
	assert.EqualValues(t, len(big), got.File.Size.MustGet())
}

func TestBodyLimitsWithinTheOuterCap(t *testing.T) {
	// WithMaxBodySize stays the outer cap, and names itself.
	srv := bptest.Start(t, bptest.WithMaxBodySize(1000))
	status, body := limDo(t, srv, "POST", srv.URL+"/v1/chat/users", map[string]string{"x-bot-id": srv.BotID}, padded(`{"tags":{}}`, 1001), 1001)
	requireTooLarge(t, status, body, "WithMaxBodySize")

	// A relaxed limit falls back to it.
	srv = bptest.Start(t, bptest.WithLimits(bptest.Limits{RuntimeBody: -1}), bptest.WithMaxBodySize(2<<20))
	status, body = limDo(t, srv, "POST", srv.URL+"/v1/chat/users", map[string]string{"x-bot-id": srv.BotID}, padded(`{"tags":{}}`, 2<<20), 2<<20)
	require.Less(t, status, 300, "%v", body)
	status, body = limDo(t, srv, "POST", srv.URL+"/v1/chat/users", map[string]string{"x-bot-id": srv.BotID}, padded(`{"tags":{}}`, 2<<20+1), 2<<20+1)
	requireTooLarge(t, status, body, "WithMaxBodySize")

	// Set limits replace the defaults.
	srv = bptest.Start(t, bptest.WithLimits(bptest.Limits{RuntimeBody: 2 << 20}))
	status, body = limDo(t, srv, "POST", srv.URL+"/v1/chat/users", map[string]string{"x-bot-id": srv.BotID}, padded(`{"tags":{}}`, 2<<20), 2<<20)
	require.Less(t, status, 300, "%v", body)
}

func TestMessagePayloadLimit(t *testing.T) {
	limit := bptest.DefaultLimits.MessagePayload
	text := func(payloadSize int64, overhead int) string { return strings.Repeat("x", int(payloadSize)-overhead) }
	srv := bptest.Start(t)
	c := srv.Client()
	user := rtUser(t, c, nil)
	conv := rtConv(t, c, "channel", nil)
	bot := map[string]string{"x-bot-id": srv.BotID}
	// The payload {"text":"..."} is 11 bytes and its text.
	send := func(path string, size int64) (int, map[string]any) {
		js := `{"conversationId":"` + conv.ID + `","userId":"` + user.ID + `","type":"text","tags":{},"payload":{"text":"` + text(size, 11) + `"}}`
		return limDo(t, srv, "POST", srv.URL+path, bot, strings.NewReader(js), int64(len(js)))
	}
	status, body := send("/v1/chat/messages", limit)
	require.Less(t, status, 300, "%v", body)
	status, body = send("/v1/chat/messages", limit+1)
	requireTooLarge(t, status, body, "message payload limit")
	status, body = send("/v1/chat/messages/get-or-create", limit+1)
	requireTooLarge(t, status, body, "message payload limit")

	// updateMessage.
	msgID := func() string {
		res, err := c.ListMessages(context.Background(), nil)
		require.NoError(t, err)
		return res.Messages[0].ID
	}()
	update := func(size int64) (int, map[string]any) {
		js := `{"tags":{},"payload":{"text":"` + text(size, 11) + `"}}`
		return limDo(t, srv, "PUT", srv.URL+"/v1/chat/messages/"+msgID, bot, strings.NewReader(js), int64(len(js)))
	}
	status, body = update(limit)
	require.Less(t, status, 300, "%v", body)
	status, body = update(limit + 1)
	requireTooLarge(t, status, body, "message payload limit")

	// The Chat API's createMessage: {"type":"text","text":"..."} is 25 bytes and its text.
	ann, _ := newChatUser(t, srv, `{}`)
	chatConv := ann.newConversation(`{}`)
	chatSend := func(size int64) chatAnswer {
		return ann.call("POST", "/messages", `{"conversationId":"`+chatConv.ID+`","payload":{"type":"text","text":"`+text(size, 25)+`"}}`)
	}
	a := chatSend(limit)
	require.Equal(t, 201, a.status, "%s", a.body)
	a = chatSend(limit + 1)
	require.Equal(t, 413, a.status, "%s", a.body)
	assert.Equal(t, "PayloadTooLarge", a.errorType(t))
	assert.Contains(t, string(a.body), "message payload limit")

	// Relaxed.
	srv = bptest.Start(t, bptest.WithLimits(bptest.Limits{MessagePayload: -1}))
	c = srv.Client()
	user, conv = rtUser(t, c, nil), rtConv(t, c, "channel", nil)
	bot = map[string]string{"x-bot-id": srv.BotID}
	status, body = send("/v1/chat/messages", 4*limit)
	require.Less(t, status, 300, "%v", body)
}

func TestTableRowLimit(t *testing.T) {
	limit := bptest.DefaultLimits.TableRow
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	tblCreate(t, c, "Contacts", nil)
	// The row {"name":"..."} is 11 bytes and its name.
	row := func(size int64) map[string]any { return map[string]any{"name": strings.Repeat("x", int(size)-11)} }
	tooBig := fmt.Sprintf("row 1: row of %d bytes is larger than the table row limit of %d bytes", limit+1, limit)

	// Rows are refused one by one, as other row errors are.
	res, err := c.CreateTableRows(ctx, "Contacts", gen.CreateTableRowsJSONRequestBody{Rows: []map[string]any{row(limit), row(limit + 1)}})
	require.NoError(t, err)
	require.Len(t, res.Rows, 1)
	assert.Equal(t, []string{tooBig}, res.Errors)
	id := res.Rows[0].ID

	// An update is checked as the row would be stored.
	up, err := c.UpdateTableRows(ctx, "Contacts", gen.UpdateTableRowsJSONRequestBody{Rows: []gen.UpdateTableRowsBody_Rows{
		{ID: id, AdditionalProperties: map[string]any{"age": 1}},
		{ID: id, AdditionalProperties: row(limit + 1)},
	}})
	require.NoError(t, err)
	assert.Len(t, up.Rows, 0, "with age, the row passes the limit")
	require.Len(t, up.Errors, 2)
	assert.Contains(t, up.Errors[0], "row 0: row of ")
	assert.Equal(t, tooBig, up.Errors[1])

	ups, err := c.UpsertTableRows(ctx, "Contacts", gen.UpsertTableRowsJSONRequestBody{Rows: []gen.UpsertTableRowsBody_Rows{
		{AdditionalProperties: row(limit)},
		{AdditionalProperties: row(limit + 1)},
	}})
	require.NoError(t, err)
	assert.Len(t, ups.Inserted, 1)
	assert.Equal(t, []string{tooBig}, ups.Errors)

	// An import fails, naming the row (counted from 1).
	data, err := json.Marshal([]map[string]any{row(limit), row(limit + 1)})
	require.NoError(t, err)
	f := fileUpload(t, c, "rows.json", data, nil)
	imp, err := c.ImportTable(ctx, "Contacts", gen.ImportTableBody{FileID: f.ID})
	require.NoError(t, err)
	assert.Equal(t, gen.TableJobStatusFailed, imp.Job.Status)
	assert.Equal(t, []string{fmt.Sprintf("row 2: row of %d bytes is larger than the table row limit of %d bytes", limit+1, limit)}, srv.TableJobErrors(imp.Job.ID))

	// Relaxed.
	srv = bptest.Start(t, bptest.WithoutLimits())
	c = srv.Client()
	tblCreate(t, c, "Contacts", nil)
	tblInsert(t, c, "Contacts", row(16*limit))
}
