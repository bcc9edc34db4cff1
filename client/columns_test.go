package client_test

import (
	"context"
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	"github.com/botpress-go/sdk/gen"
)

// Columns keeps a row's user columns and leaves out what the API sets:
// the fixed fields and the values of computed columns.
func TestColumns(t *testing.T) {
	tags := []any{"vip"}
	rows := []gen.Row{
		{ID: 7, Computed: map[string]gen.Row_Computed{"summary": {}}, Stale: []string{"summary"},
			AdditionalProperties: map[string]any{"name": "Ada", "tags": tags, "summary": "a mathematician", "note": nil}},
		{ID: 8},
	}
	cols := client.Columns(rows...)
	require.Len(t, cols, 2)
	assert.Equal(t, map[string]any{"name": "Ada", "tags": tags, "note": nil}, cols[0])
	assert.Equal(t, map[string]any{}, cols[1])
	assert.Empty(t, client.Columns())
	cols[0]["name"] = "Grace"
	assert.Equal(t, "Ada", rows[0].AdditionalProperties["name"], "a new map per row")
}

// The table migration a user writes: read every row of one table and
// write them to another, with no copying by hand.
func TestColumnsMigrateTable(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	schema := func() map[string]any {
		return map[string]any{"type": "object", "properties": map[string]any{
			"name": map[string]any{"type": "string"}, "visits": map[string]any{"type": "number"},
			"tags": map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
		}}
	}
	_, err := c.CreateTable(ctx, gen.CreateTableJSONRequestBody{Name: "OldTable", Schema: schema()})
	require.NoError(t, err)
	// The new table takes the old one's schema as GetTable answers it.
	old, err := c.GetTable(ctx, "OldTable")
	require.NoError(t, err)
	newSchema, err := client.TableSchema(old.Table.Schema)
	require.NoError(t, err)
	made, err := c.GetOrCreateTable(ctx, "NewTable", gen.GetOrCreateTableBody{Schema: newSchema})
	require.NoError(t, err)
	assert.Equal(t, old.Table.Schema, made.Table.Schema, "the same columns")
	in := make([]map[string]any, 250)
	for i := range in {
		in[i] = map[string]any{"name": "row", "visits": i, "tags": []string{"a", "b"}}
	}
	_, err = c.InsertRows(ctx, "OldTable", in)
	require.NoError(t, err)

	var rows []gen.Row
	for row, err := range c.AllTableRows(ctx, "OldTable", gen.FindTableRowsBody{}) {
		require.NoError(t, err)
		rows = append(rows, row)
	}
	res, err := c.InsertRows(ctx, "NewTable", client.Columns(rows...))
	require.NoError(t, err)
	require.Len(t, res.Rows, len(rows))

	var moved []gen.Row
	for row, err := range c.AllTableRows(ctx, "NewTable", gen.FindTableRowsBody{}) {
		require.NoError(t, err)
		moved = append(moved, row)
	}
	require.Len(t, moved, 250)
	assert.Equal(t, client.Columns(rows...), client.Columns(moved...), "the same columns, in the same order")
	assert.Empty(t, srv.ResponseViolations())
}

// A row's numbers stay exact until decoded into their field's type:
// 9007199254740993 (2^53+1) does not survive a float64.
func TestDecodeRowExactIntegers(t *testing.T) {
	var row gen.Row
	require.NoError(t, json.Unmarshal([]byte(`{"id":1,"big":9007199254740993,"list":[9007199254740995],"price":12.5}`), &row))
	assert.Equal(t, json.Number("9007199254740993"), row.AdditionalProperties["big"])
	type item struct {
		Big   int64   `json:"big"`
		List  []int64 `json:"list"`
		Price float64 `json:"price"`
	}
	got, err := client.DecodeRow[item](row)
	require.NoError(t, err)
	assert.Equal(t, item{Big: 9007199254740993, List: []int64{9007199254740995}, Price: 12.5}, got)
	out, err := json.Marshal(client.Columns(row)[0])
	require.NoError(t, err)
	assert.JSONEq(t, `{"big":9007199254740993,"list":[9007199254740995],"price":12.5}`, string(out))
	assert.Contains(t, string(out), "9007199254740993", "written back exactly")
}

// TableSchema refuses only what JSON cannot carry.
func TestTableSchemaBad(t *testing.T) {
	nan := math.NaN()
	_, err := client.TableSchema(gen.Table_Schema{Properties: map[string]gen.Table_Schema_Properties{
		"a": {Type: gen.TableColumnTypeString, XZui: gen.Table_Schema_Properties_XZui{Order: &nan}},
	}})
	assert.ErrorIs(t, err, client.ErrInvalidArgument)
}
