package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	"github.com/botpress-go/sdk/client/where"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
)

// bodyServer is a test server whose handler gets each request's body; it
// counts the requests it gets.
type bodyServer struct {
	*httptest.Server
	calls atomic.Int32
}

func newBodyServer(t *testing.T, handle func(w http.ResponseWriter, body []byte)) *bodyServer {
	t.Helper()
	s := &bodyServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.calls.Add(1)
		body, err := io.ReadAll(r.Body)
		if err != nil {
			reply(w, http.StatusBadRequest, `{"type":"InvalidPayload","message":"unreadable body"}`)
			return
		}
		handle(w, body)
	}))
	t.Cleanup(s.Close)
	return s
}

// client returns a client of s, as newClient does.
func (s *bodyServer) client(t *testing.T, opts ...client.Option) *client.Client {
	t.Helper()
	c, err := client.New(append([]client.Option{
		client.WithToken(testToken), client.WithBaseURL(s.URL), client.WithBotID("bot_1"),
		client.WithRetryDelay(time.Millisecond, 5*time.Millisecond),
	}, opts...)...)
	require.NoError(t, err)
	return c
}

// numbered returns n rows {"n": i}.
func numbered(n int) []map[string]any {
	rows := make([]map[string]any, n)
	for i := range rows {
		rows[i] = map[string]any{"n": i}
	}
	return rows
}

// echoRows answers a createTableRows body: every row stored, with the ID
// n+1, unless refuse gives a message for its n (then it goes into errors,
// as "row <position in the call>: <message>").
func echoRows(t *testing.T, body []byte, refuse func(n int) string) string {
	t.Helper()
	var in struct {
		Rows []map[string]any `json:"rows"`
	}
	require.NoError(t, json.Unmarshal(body, &in))
	out := struct {
		Rows   []map[string]any `json:"rows"`
		Errors []string         `json:"errors,omitempty"`
	}{Rows: []map[string]any{}}
	for i, r := range in.Rows {
		n := int(r["n"].(float64))
		if refuse != nil {
			if msg := refuse(n); msg != "" {
				out.Errors = append(out.Errors, fmt.Sprintf("row %d: %s", i, msg))
				continue
			}
		}
		out.Rows = append(out.Rows, map[string]any{"id": n + 1, "computed": map[string]any{}, "n": n})
	}
	b, err := json.Marshal(out)
	require.NoError(t, err)
	return string(b)
}

// firstN reads the n of the first row of a createTableRows body.
func firstN(body []byte) int {
	var in struct {
		Rows []struct {
			N int `json:"n"`
		} `json:"rows"`
	}
	_ = json.Unmarshal(body, &in)
	if len(in.Rows) == 0 {
		return -1
	}
	return in.Rows[0].N
}

func TestInsertRowsBatches(t *testing.T) {
	var mu sync.Mutex
	var bodies [][]byte
	bs := newBodyServer(t, func(w http.ResponseWriter, body []byte) {
		mu.Lock()
		bodies = append(bodies, body)
		mu.Unlock()
		reply(w, http.StatusOK, echoRows(t, body, nil))
	})
	c := bs.client(t, client.WithRowsInFlight(2))
	res, err := c.InsertRows(context.Background(), "LeadsTable", numbered(2500))
	require.NoError(t, err)

	require.Len(t, bodies, 3, "2,500 rows go in calls of 1,000")
	var sizes []int
	for _, b := range bodies {
		var body gen.CreateTableRowsJSONRequestBody
		require.NoError(t, json.Unmarshal(b, &body))
		sizes = append(sizes, len(body.Rows))
	}
	sort.Ints(sizes)
	assert.Equal(t, []int{500, 1000, 1000}, sizes)
	require.Len(t, res.Rows, 2500)
	for i, row := range res.Rows {
		require.Equal(t, int64(i+1), row.ID, "in the order of the input")
	}
	assert.Empty(t, res.Errors)
}

func TestInsertRowsInFlightBound(t *testing.T) {
	const calls, inFlight = 10, 3
	arrived := make(chan chan struct{}) // each request hands over the channel that releases it
	var cur, peak atomic.Int32
	s := newBodyServer(t, func(w http.ResponseWriter, body []byte) {
		n := cur.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		release := make(chan struct{})
		arrived <- release
		<-release
		cur.Add(-1)
		reply(w, http.StatusOK, echoRows(t, body, nil))
	})
	c := s.client(t, client.WithRowsInFlight(inFlight), client.WithRowsPerCall(10))

	type result struct {
		res *gen.CreateTableRowsResponse
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := c.InsertRows(context.Background(), "T", numbered(calls*10))
		done <- result{res, err}
	}()
	// Let inFlight requests arrive, then release the newest first, so that
	// answers come back out of order; each release lets one more start.
	var held []chan struct{}
	for range inFlight {
		held = append(held, <-arrived)
	}
	for started := inFlight; len(held) > 0; {
		last := held[len(held)-1]
		held = held[:len(held)-1]
		close(last)
		if started < calls {
			held = append(held, <-arrived)
			started++
		}
	}
	r := <-done
	require.NoError(t, r.err)
	assert.EqualValues(t, inFlight, peak.Load(), "never more than %d calls at once", inFlight)
	require.Len(t, r.res.Rows, calls*10)
	for i, row := range r.res.Rows {
		require.Equal(t, int64(i+1), row.ID, "in the order of the input, whatever the order of the answers")
	}
}

func TestInsertRowsRefusedAgainstBptest(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	_, err := c.CreateTable(ctx, gen.CreateTableJSONRequestBody{Name: "LeadsTable", Schema: map[string]any{
		"type": "object", "required": []any{"name"},
		"properties": map[string]any{"name": map[string]any{"type": "string"}, "n": map[string]any{"type": "number"}},
	}})
	require.NoError(t, err)
	rows := make([]map[string]any, 2500)
	for i := range rows {
		rows[i] = map[string]any{"name": fmt.Sprint("lead ", i), "n": i}
	}
	rows[17]["n"] = "seventeen"
	delete(rows[1203], "name")
	rows[2499]["name"] = 2499

	res, err := c.InsertRows(ctx, "LeadsTable", rows)
	var refused *client.RowsError
	require.ErrorAs(t, err, &refused)
	var batchErr *client.BatchError
	assert.False(t, errors.As(err, &batchErr), "every call was answered")
	assert.Equal(t, "createTableRows", refused.Operation)
	assert.Equal(t, 2500, refused.Total)
	assert.Equal(t, 2497, refused.Stored)
	require.Len(t, refused.Refused, 3)
	assert.Equal(t, client.RefusedRow{Index: 17, Batch: client.Span{Start: 0, End: 1000}, Message: `column "n" wants a number, got a string`}, refused.Refused[0])
	assert.Equal(t, client.RefusedRow{Index: 1203, Batch: client.Span{Start: 1000, End: 2000}, Message: `column "name" is required`}, refused.Refused[1])
	assert.Equal(t, 2499, refused.Refused[2].Index)
	assert.Equal(t, `botpress: createTableRows: 3 of 2,500 rows refused: row 17: column "n" wants a number, got a string; `+
		`row 1203: column "name" is required; row 2499: column "name" wants a string, got a number`, err.Error())

	require.Len(t, res.Rows, 2497, "the other rows went in")
	prev := -1.0
	for _, row := range res.Rows {
		n, err := row.AdditionalProperties["n"].(json.Number).Float64()
		require.NoError(t, err)
		require.Greater(t, n, prev, "in the order of the input")
		prev = n
	}
	assert.Len(t, res.Errors, 3, "the API's messages, as written")

	// What went in can be found.
	got, err := client.Collect(c.AllTableRows(ctx, "LeadsTable", gen.FindTableRowsJSONRequestBody{Filter: where.Gte("n", 2490).Map()}), 0)
	require.NoError(t, err)
	assert.Len(t, got, 9)
}

func TestRowsErrorMessages(t *testing.T) {
	// Messages in other shapes, and ones that name no row.
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, `{"rows":[{"id":1,"computed":{}}],"errors":["rows[2]: bad","Row #1 - worse","something else","row 9: out of the call"]}`)
	})
	c := newClient(t, s)
	_, err := c.InsertRows(context.Background(), "T", numbered(3))
	var refused *client.RowsError
	require.ErrorAs(t, err, &refused)
	all := client.Span{Start: 0, End: 3}
	assert.Equal(t, []client.RefusedRow{
		{Index: 2, Batch: all, Message: "bad"},
		{Index: 1, Batch: all, Message: "- worse"},
		{Index: -1, Batch: all, Message: "something else"},
		{Index: -1, Batch: all, Message: "row 9: out of the call"},
	}, refused.Refused)
	assert.Equal(t, "botpress: createTableRows: 2 of 3 rows refused: row 2: bad; row 1: - worse; rows 0 to 2: something else; and 1 more", err.Error())

	// Rows missing from the answer without a word are refused too.
	s = newServer(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, `{"rows":[{"id":1,"computed":{}}]}`)
	})
	_, err = newClient(t, s).InsertRows(context.Background(), "T", numbered(3))
	require.ErrorAs(t, err, &refused)
	require.Len(t, refused.Refused, 1)
	assert.Equal(t, -1, refused.Refused[0].Index)
	assert.Contains(t, err.Error(), "2 of 3 rows refused")
}

func TestInsertRowsFailingBatch(t *testing.T) {
	var mu sync.Mutex
	var firsts []int
	s := newBodyServer(t, func(w http.ResponseWriter, b []byte) {
		mu.Lock()
		firsts = append(firsts, firstN(b))
		mu.Unlock()
		if firstN(b) == 1000 {
			reply(w, http.StatusServiceUnavailable, `{"id":"err_1","code":503,"type":"Internal","message":"try later"}`)
			return
		}
		reply(w, http.StatusOK, echoRows(t, b, func(n int) string {
			if n == 5 {
				return "no"
			}
			return ""
		}))
	})
	c := s.client(t, client.WithRowsInFlight(1))
	res, err := c.InsertRows(context.Background(), "T", numbered(2500))
	var batchErr *client.BatchError
	require.ErrorAs(t, err, &batchErr)
	var apiErr *bperrors.APIError
	require.ErrorAs(t, err, &apiErr, "the failure is reachable")
	assert.Equal(t, 503, apiErr.StatusCode)
	assert.ErrorIs(t, err, bperrors.ErrInternal)
	var refused *client.RowsError
	assert.False(t, errors.As(err, &refused), "a cut-short write is not a RowsError")

	assert.Equal(t, []client.Span{{Start: 1000, End: 2000}}, batchErr.Failed)
	assert.Equal(t, []client.Span{{Start: 2000, End: 2500}}, batchErr.NotSent)
	require.Len(t, batchErr.Refused, 1)
	assert.Equal(t, 5, batchErr.Refused[0].Index)
	assert.Equal(t, 2500, batchErr.Total)
	assert.Contains(t, err.Error(), "try later")
	assert.Contains(t, err.Error(), "rows 1000 to 1999 failed; 500 rows not sent; 1 refused: row 5: no")
	assert.Equal(t, []int{0, 1000}, firsts, "no call after the failure (a POST is not retried)")
	assert.Len(t, res.Rows, 999, "what the first call stored")
}

func TestInsertRowsFailureStopsNewCalls(t *testing.T) {
	// With calls in flight, a failure lets them end, and no call starts
	// once it is known. Calls that take a slot freed before the client has
	// read the failure may still start: how many depends on scheduling, so
	// this test checks what holds whatever it is, and that the write
	// stopped well before its 100th call. With one call in flight,
	// TestInsertRowsFailingBatch pins it exactly.
	const inFlight, batches = 3, 100
	arrived := make(chan int, batches)
	fail := make(chan struct{})    // closed once the first calls have all arrived
	release := make(chan struct{}) // closed to let the other calls answer
	s := newBodyServer(t, func(w http.ResponseWriter, body []byte) {
		n := firstN(body)
		arrived <- n
		if n == 0 {
			// The failure waits for the other first calls: answered at
			// once, it could stop the client before they start.
			<-fail
			reply(w, http.StatusBadRequest, `{"id":"err_1","code":400,"type":"InvalidPayload","message":"bad batch"}`)
			return
		}
		<-release
		reply(w, http.StatusOK, echoRows(t, body, nil))
	})
	c := s.client(t, client.WithRowsInFlight(inFlight), client.WithRowsPerCall(10))
	done := make(chan error, 1)
	var res *gen.CreateTableRowsResponse
	go func() {
		var err error
		res, err = c.InsertRows(context.Background(), "T", numbered(batches*10))
		done <- err
	}()
	seen := map[int]bool{}
	for range inFlight {
		seen[<-arrived] = true
	}
	assert.Equal(t, map[int]bool{0: true, 10: true, 20: true}, seen, "the first calls, at once")
	close(fail)
	close(release)
	err := <-done
	close(arrived)
	for n := range arrived {
		seen[n] = true
	}

	var batchErr *client.BatchError
	require.ErrorAs(t, err, &batchErr)
	assert.ErrorIs(t, err, bperrors.ErrInvalidPayload)
	assert.Equal(t, []client.Span{{Start: 0, End: 10}}, batchErr.Failed)
	assert.Len(t, res.Rows, 10*(len(seen)-1), "every other call that started stored its rows")
	require.Len(t, batchErr.NotSent, batches-len(seen), "the calls not started are not sent")
	for i, sp := range batchErr.NotSent {
		assert.Equal(t, client.Span{Start: 10 * (len(seen) + i), End: 10 * (len(seen) + i + 1)}, sp)
	}
	assert.NotEmpty(t, batchErr.NotSent, "the write stopped")
}

func TestInsertRowsCancelled(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) { reply(w, 200, `{"rows":[]}`) })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := newClient(t, s).InsertRows(ctx, "T", numbered(1500))
	assert.ErrorIs(t, err, context.Canceled)
	var batchErr *client.BatchError
	require.ErrorAs(t, err, &batchErr)
	assert.Equal(t, []client.Span{{Start: 0, End: 1000}, {Start: 1000, End: 1500}}, batchErr.NotSent)
	assert.Empty(t, s.requests())
	assert.Empty(t, res.Rows)
}

// bulkRecord is a typed record, as a program importing rows has them.
type bulkRecord struct {
	ID     int64     `json:"id,omitempty"`
	Email  string    `json:"email"`
	Score  float64   `json:"score"`
	Tags   []string  `json:"tags,omitempty"`
	Joined time.Time `json:"joined"`
}

func TestUpdateAndUpsertRows(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	var body gen.CreateTableJSONRequestBody
	body.Name = "PeopleTable"
	body.Schema = map[string]any{
		"email":  map[string]any{"type": "string", "pattern": "@"},
		"score":  "number",
		"tags":   map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
		"joined": map[string]any{"type": "string", "format": "date-time"},
	}
	body.KeyColumn.Set("email")
	_, err := c.CreateTable(ctx, body)
	require.NoError(t, err)

	joined := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	recs := make([]bulkRecord, 150)
	for i := range recs {
		recs[i] = bulkRecord{Email: fmt.Sprintf("p%d@x", i), Score: float64(i), Joined: joined}
	}
	rows, err := client.RowsOf(recs)
	require.NoError(t, err)
	ins, err := c.InsertRows(ctx, "PeopleTable", rows, client.WithRowsPerCall(40))
	require.NoError(t, err)
	require.Len(t, ins.Rows, 150)

	back, err := client.DecodeRow[bulkRecord](ins.Rows[7])
	require.NoError(t, err)
	assert.Equal(t, bulkRecord{ID: ins.Rows[7].ID, Email: "p7@x", Score: 7, Joined: joined}, back)

	// Update: by id, every row.
	upd := make([]bulkRecord, 120)
	for i := range upd {
		upd[i] = bulkRecord{ID: ins.Rows[i].ID, Email: fmt.Sprintf("p%d@x", i), Score: float64(i) + 0.5, Joined: joined}
	}
	upd[101].Email = "not an address"
	upd[110].ID = 99999
	rows, err = client.RowsOf(upd)
	require.NoError(t, err)
	ures, err := c.UpdateRows(ctx, "PeopleTable", rows, client.WithRowsPerCall(100))
	var refused *client.RowsError
	require.ErrorAs(t, err, &refused)
	assert.Equal(t, "updateTableRows", refused.Operation)
	require.Len(t, refused.Refused, 2)
	assert.Equal(t, 101, refused.Refused[0].Index)
	assert.Contains(t, refused.Refused[0].Message, "wants text matching @")
	assert.Equal(t, client.RefusedRow{Index: 110, Batch: client.Span{Start: 100, End: 120}, Message: "no row with id 99999"}, refused.Refused[1])
	require.Len(t, ures.Rows, 118)
	assert.Equal(t, json.Number("0.5"), ures.Rows[0].AdditionalProperties["score"])

	// Upsert by the key column: 2 updated, 1 inserted, 1 refused.
	up := []bulkRecord{
		{Email: "p1@x", Score: 100, Joined: joined},
		{Email: "new@x", Score: 1, Joined: joined},
		{Email: "p2@x", Score: 200, Joined: joined, Tags: []string{"vip"}},
		{Email: "bad", Joined: joined},
	}
	rows, err = client.RowsOf(up)
	require.NoError(t, err)
	sres, err := c.UpsertRows(ctx, "PeopleTable", "email", rows, client.WithRowsPerCall(2), client.WithIdempotent())
	require.ErrorAs(t, err, &refused)
	assert.Equal(t, "upsertTableRows", refused.Operation)
	require.Len(t, refused.Refused, 1)
	assert.Equal(t, 3, refused.Refused[0].Index, "the second call's row 1 is the input's row 3")
	require.Len(t, sres.Updated, 2)
	assert.Equal(t, json.Number("100"), sres.Updated[0].AdditionalProperties["score"])
	assert.Equal(t, json.Number("200"), sres.Updated[1].AdditionalProperties["score"])
	require.Len(t, sres.Inserted, 1)
	assert.Equal(t, "new@x", sres.Inserted[0].AdditionalProperties["email"])

	// Upsert by id: rows without one are inserted.
	sres, err = c.UpsertRows(ctx, "PeopleTable", "", []map[string]any{
		{"id": ins.Rows[3].ID, "score": 3.5},
		{"email": "other@x"},
	})
	require.NoError(t, err)
	assert.Equal(t, []int64{ins.Rows[3].ID}, []int64{sres.Updated[0].ID})
	assert.Len(t, sres.Inserted, 1)
}

func TestBulkRowsArguments(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, `{"rows":[{"id":1,"computed":{}}],"inserted":[],"updated":[]}`)
	})
	c := newClient(t, s)
	ctx := context.Background()

	// Nothing to write: no call, an empty result.
	res, err := c.InsertRows(ctx, "T", nil)
	require.NoError(t, err)
	require.NotNil(t, res)
	assert.NotNil(t, res.Rows)
	ures, err := c.UpdateRows(ctx, "T", []map[string]any{})
	require.NoError(t, err)
	assert.NotNil(t, ures.Rows)
	sres, err := c.UpsertRows(ctx, "T", "", nil)
	require.NoError(t, err)
	assert.NotNil(t, sres.Inserted)
	assert.Empty(t, s.requests())

	// A nil row is sent as {}.
	_, err = c.InsertRows(ctx, "T", []map[string]any{nil})
	require.NoError(t, err)
	assert.JSONEq(t, `{"rows":[{}]}`, string(s.last(t).Body))

	// Mistakes fail before anything is sent.
	n := len(s.requests())
	_, err = c.InsertRows(ctx, "", numbered(1))
	assert.ErrorIs(t, err, client.ErrMissingArgument)
	var nilCtx context.Context
	_, err = c.InsertRows(nilCtx, "T", numbered(1))
	assert.ErrorContains(t, err, "nil context")
	_, err = c.InsertRows(ctx, "T", numbered(1), client.WithRowsInFlight(0))
	assert.ErrorContains(t, err, "WithRowsInFlight(0)")
	_, err = c.InsertRows(ctx, "T", numbered(1), client.WithRowsPerCall(1001))
	assert.ErrorContains(t, err, "WithRowsPerCall(1001)")
	_, err = c.UpdateRows(ctx, "T", []map[string]any{{"id": 1}, {"name": "no id"}})
	assert.ErrorIs(t, err, client.ErrInvalidArgument)
	assert.ErrorContains(t, err, "row 1")
	_, err = c.UpdateRows(ctx, "T", []map[string]any{{"id": 1.5}})
	assert.ErrorIs(t, err, client.ErrInvalidArgument)
	_, err = c.UpsertRows(ctx, "T", "", []map[string]any{{"id": "7"}})
	assert.ErrorIs(t, err, client.ErrInvalidArgument)
	assert.Len(t, s.requests(), n)

	// IDs in any integer form travel as integers.
	_, err = c.UpdateRows(ctx, "T", []map[string]any{{"id": int32(3)}, {"id": json.Number("4")}, {"id": 5.0}, {"id": uint8(6), "x": 1}})
	var refused *client.RowsError
	require.ErrorAs(t, err, &refused, "the server answered one row of four, without a word")
	assert.JSONEq(t, `{"rows":[{"id":3},{"id":4},{"id":5},{"id":6,"x":1}]}`, string(s.last(t).Body))

	// Errors read without their fields do not panic.
	assert.NotEmpty(t, (&client.BatchError{}).Error())
	assert.NotEmpty(t, (&client.RowsError{}).Error())
}

func TestRowsOf(t *testing.T) {
	type rec struct {
		Name  string `json:"name"`
		Big   int64  `json:"big"`
		Skip  string `json:"-"`
		Empty string `json:"empty,omitempty"`
	}
	rows, err := client.RowsOf([]rec{{Name: "a", Big: 1 << 60, Skip: "x"}})
	require.NoError(t, err)
	assert.Equal(t, []map[string]any{{"name": "a", "big": json.Number("1152921504606846976")}}, rows, "numbers exactly as encoded")

	rows, err = client.RowsOf([]map[string]int{{"a": 1}})
	require.NoError(t, err)
	assert.Equal(t, json.Number("1"), rows[0]["a"])

	_, err = client.RowsOf([]*rec{{Name: "a"}, nil})
	assert.ErrorIs(t, err, client.ErrInvalidArgument)
	assert.ErrorContains(t, err, "item 1")
	_, err = client.RowsOf([]int{1})
	assert.ErrorIs(t, err, client.ErrInvalidArgument)
	_, err = client.RowsOf([]any{func() {}})
	assert.ErrorIs(t, err, client.ErrInvalidArgument)
	rows, err = client.RowsOf[rec](nil)
	require.NoError(t, err)
	assert.Empty(t, rows)

	_, err = client.DecodeRow[int](gen.Row{ID: 3})
	assert.ErrorContains(t, err, "row 3")
}
