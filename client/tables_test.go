package client_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/client/where"
	"github.com/botpress-go/sdk/gen"
)

// ftRowFull has the fixed fields of a row and user columns of every JSON
// type. The timestamps carry milliseconds, as the API writes them, so that
// they come back identical from a time.Time.
const ftRowFull = `{
	"id": 1,
	"computed": {"summary": {"status": "computed", "updatedAt": "2024-05-06T07:08:10.512Z", "updatedBy": "bot"}},
	"createdAt": "2024-05-06T07:08:09.123Z",
	"updatedAt": "2024-05-07T10:11:12.456Z",
	"stale": ["summary"],
	"name": "Ada Lovelace",
	"score": 42.5,
	"visits": 7,
	"balance": -3,
	"active": true,
	"archived": false,
	"address": {"city": "Paris", "zip": "75001", "geo": {"lat": 48.86, "lng": 2.35}, "tags": ["home"]},
	"labels": ["vip", "early", 3, null, {"k": "v"}],
	"note": null,
	"empty": "",
	"emptyList": [],
	"emptyObject": {}
}`

// ftRowPlain has only the fixed fields and one column.
const ftRowPlain = `{
	"id": 2,
	"computed": {},
	"createdAt": "2024-05-08T00:00:00.001Z",
	"updatedAt": "2024-05-08T00:00:00.002Z",
	"name": "Grace Hopper"
}`

func TestTableRowsKeepEveryColumn(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, `{"rows":[`+ftRowFull+`,`+ftRowPlain+`],"hasMore":false,"limit":2,"offset":0}`)
	})
	c := newClient(t, s)
	res, err := c.FindTableRows(context.Background(), "contacts", gen.FindTableRowsJSONRequestBody{})
	require.NoError(t, err)
	require.Len(t, res.Rows, 2)

	row := res.Rows[0]
	assert.Equal(t, int64(1), row.ID)
	require.NotNil(t, row.CreatedAt)
	assert.True(t, row.CreatedAt.Equal(time.Date(2024, 5, 6, 7, 8, 9, 123e6, time.UTC)), "createdAt %v", row.CreatedAt)
	require.NotNil(t, row.UpdatedAt)
	assert.True(t, row.UpdatedAt.Equal(time.Date(2024, 5, 7, 10, 11, 12, 456e6, time.UTC)), "updatedAt %v", row.UpdatedAt)
	require.Contains(t, row.Computed, "summary")
	assert.Equal(t, "computed", row.Computed["summary"].Status)
	assert.Equal(t, []string{"summary"}, row.Stale)

	want := map[string]any{
		"name":     "Ada Lovelace",
		"score":    json.Number("42.5"),
		"visits":   json.Number("7"),
		"balance":  json.Number("-3"),
		"active":   true,
		"archived": false,
		"address": map[string]any{
			"city": "Paris", "zip": "75001",
			"geo":  map[string]any{"lat": json.Number("48.86"), "lng": json.Number("2.35")},
			"tags": []any{"home"},
		},
		"labels":      []any{"vip", "early", json.Number("3"), nil, map[string]any{"k": "v"}},
		"note":        nil,
		"empty":       "",
		"emptyList":   []any{},
		"emptyObject": map[string]any{},
	}
	assert.Equal(t, want, row.AdditionalProperties)
	for k, v := range want {
		got, ok := row.Get(k)
		assert.True(t, ok, "column %q is missing", k)
		assert.Equal(t, v, got, "column %q", k)
	}
	for _, k := range []string{"id", "computed", "createdAt", "updatedAt", "stale"} {
		_, ok := row.Get(k)
		assert.False(t, ok, "fixed field %q must not be repeated among the columns", k)
	}
	_, ok := row.Get("nope")
	assert.False(t, ok)

	out, err := json.Marshal(row)
	require.NoError(t, err)
	assert.JSONEq(t, ftRowFull, string(out), "a row must marshal back to every column")
	out, err = json.Marshal(&row)
	require.NoError(t, err)
	assert.JSONEq(t, ftRowFull, string(out))

	plain := res.Rows[1]
	assert.Equal(t, int64(2), plain.ID)
	assert.Equal(t, map[string]any{"name": "Grace Hopper"}, plain.AdditionalProperties)
	out, err = json.Marshal(res.Rows)
	require.NoError(t, err)
	assert.JSONEq(t, `[`+ftRowFull+`,`+ftRowPlain+`]`, string(out))

	// A column changed or added with Set is marshalled too.
	plain.Set("visits", 3)
	out, err = json.Marshal(plain)
	require.NoError(t, err)
	var back map[string]any
	require.NoError(t, json.Unmarshal(out, &back))
	assert.Equal(t, 3.0, back["visits"])
	assert.Equal(t, "Grace Hopper", back["name"])
}

func TestTableFindRowsFilterWire(t *testing.T) {
	cases := []struct {
		name   string
		filter where.Filter
		want   string
	}{
		{
			name:   "and",
			filter: where.And(where.Eq("status", "open"), where.Gte("priority", 2)),
			want:   `{"$and":[{"status":{"$eq":"open"}},{"priority":{"$gte":2}}]}`,
		},
		{
			name: "nested",
			filter: where.Or(
				where.In("team", "sales", "support"),
				where.Not(where.Exists("closedAt", true)),
				where.And(where.Regex("title", "^bug", "i"), where.Lt("age", 3.5), where.Ne("owner", nil)),
			),
			want: `{"$or":[
				{"team":{"$in":["sales","support"]}},
				{"$not":{"closedAt":{"$exists":true}}},
				{"$and":[{"title":{"$regex":"^bug","$options":"i"}},{"age":{"$lt":3.5}},{"owner":{"$ne":null}}]}
			]}`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				reply(w, http.StatusOK, `{"rows":[],"hasMore":false,"limit":10,"offset":0}`)
			})
			c := newClient(t, s)
			body := gen.FindTableRowsJSONRequestBody{
				Filter:         tc.filter.Map(),
				Limit:          ftPtr(10),
				OrderBy:        ftPtr("priority"),
				OrderDirection: ftPtr(gen.SortDirectionDesc),
			}
			res, err := c.FindTableRows(context.Background(), "tickets", body)
			require.NoError(t, err)
			assert.Empty(t, res.Rows)

			req := s.last(t)
			assert.Equal(t, http.MethodPost, req.Method)
			assert.Equal(t, "/v1/tables/tickets/rows/find", req.Path)
			assert.Equal(t, "Bearer "+testToken, req.Header.Get("Authorization"))
			assert.Equal(t, "bot_1", req.Header.Get("x-bot-id"))
			assert.Contains(t, req.Header.Get("Content-Type"), "application/json")
			assert.JSONEq(t, `{"filter":`+tc.want+`,"limit":10,"orderBy":"priority","orderDirection":"desc"}`, string(req.Body))
			assert.JSONEq(t, tc.want, tc.filter.String())
		})
	}
}

func TestTableCreateRowsSendsAllKeys(t *testing.T) {
	const answer = `{"rows":[
		{"id":1,"computed":{},"createdAt":"2024-05-06T07:08:09.123Z","updatedAt":"2024-05-06T07:08:09.123Z",
		 "name":"Ada","score":42.5,"active":true,"archived":false,"address":{"city":"Paris"},"labels":["a","b"],"note":null,"empty":""},
		{"id":2,"computed":{},"createdAt":"2024-05-06T07:08:09.123Z","updatedAt":"2024-05-06T07:08:09.123Z",
		 "name":"Grace","visits":0}
	]}`
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, answer)
	})
	c := newClient(t, s)
	rows := []map[string]any{
		{
			"name": "Ada", "score": 42.5, "active": true, "archived": false,
			"address": map[string]any{"city": "Paris"}, "labels": []any{"a", "b"},
			"note": nil, "empty": "",
		},
		{"name": "Grace", "visits": 0},
	}
	res, err := c.CreateTableRows(context.Background(), "contacts",
		gen.CreateTableRowsJSONRequestBody{Rows: rows, WaitComputed: ftPtr(true)})
	require.NoError(t, err)

	req := s.last(t)
	assert.Equal(t, http.MethodPost, req.Method)
	assert.Equal(t, "/v1/tables/contacts/rows", req.Path)
	assert.JSONEq(t, `{"rows":[
		{"name":"Ada","score":42.5,"active":true,"archived":false,"address":{"city":"Paris"},"labels":["a","b"],"note":null,"empty":""},
		{"name":"Grace","visits":0}
	],"waitComputed":true}`, string(req.Body), "every key of every row is sent, false, zero, empty and null included")

	require.Len(t, res.Rows, 2)
	assert.Equal(t, int64(1), res.Rows[0].ID)
	for _, k := range []string{"name", "score", "active", "archived", "address", "labels", "note", "empty"} {
		_, ok := res.Rows[0].Get(k)
		assert.True(t, ok, "column %q of the answer", k)
	}
	v, ok := res.Rows[1].Get("visits")
	assert.True(t, ok)
	assert.Equal(t, json.Number("0"), v)
}
