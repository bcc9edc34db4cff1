package bptest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	"github.com/botpress-go/sdk/client/where"
	"github.com/botpress-go/sdk/gen"
)

func tblPtr[T any](v T) *T { return &v }

// tblContactsSchema is a JSON schema as the official client sends it.
func tblContactsSchema() map[string]any {
	return map[string]any{
		"type": "object",
		"properties": map[string]any{
			"name":  map[string]any{"type": "string", "x-zui": map[string]any{"searchable": true}},
			"age":   map[string]any{"type": "integer"},
			"email": map[string]any{"type": "string", "format": "email"},
			"vip":   map[string]any{"type": "boolean"},
		},
		"required": []any{"name"},
	}
}

// tblPeopleSchema has a column of every kind, as an object of columns.
func tblPeopleSchema() map[string]any {
	return map[string]any{
		"name":    map[string]any{"type": "string", "x-zui": map[string]any{"searchable": true}},
		"age":     "number",
		"email":   "string",
		"vip":     "boolean",
		"team":    "string",
		"tags":    map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
		"address": map[string]any{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}},
		"active":  "boolean",
		"note":    "string",
		"extra":   "array",
	}
}

func tblCreate(t *testing.T, c *client.Client, name string, tags map[string]string) gen.Table {
	t.Helper()
	return tblCreateWith(t, c, name, tblContactsSchema(), tags)
}

func tblCreateWith(t *testing.T, c *client.Client, name string, schema map[string]any, tags map[string]string) gen.Table {
	t.Helper()
	res, err := c.CreateTable(context.Background(), gen.CreateTableJSONRequestBody{Name: name, Schema: schema, Tags: tags})
	require.NoError(t, err)
	return res.Table
}

func tblInsert(t *testing.T, c *client.Client, table string, rows ...map[string]any) []gen.Row {
	t.Helper()
	res, err := c.CreateTableRows(context.Background(), table, gen.CreateTableRowsJSONRequestBody{Rows: rows})
	require.NoError(t, err)
	require.Empty(t, res.Errors)
	return res.Rows
}

// tblFind runs findTableRows and returns the row IDs.
func tblFind(t *testing.T, c *client.Client, table string, body gen.FindTableRowsJSONRequestBody) []int {
	t.Helper()
	res, err := c.FindTableRows(context.Background(), table, body)
	require.NoError(t, err)
	return tblIDs(res.Rows)
}

func tblIDs(rows []gen.Row) []int {
	ids := []int{}
	for _, r := range rows {
		ids = append(ids, int(r.ID))
	}
	return ids
}

func TestTablesCreateGetList(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()

	tb := tblCreate(t, c, "ContactsTable", map[string]string{"team": "crm"})
	assert.Equal(t, "ContactsTable", tb.Name)
	assert.NotEmpty(t, tb.ID)
	assert.Len(t, tb.Schema.Properties, 4)
	assert.Equal(t, gen.TableColumnTypeNumber, tb.Schema.Properties["age"].Type, "integer is a number column")
	assert.Nil(t, tb.Schema.Properties["email"].Format, "only date-time formats are kept")
	assert.Equal(t, true, *tb.Schema.Properties["name"].XZui.Searchable)
	indexes := map[int]bool{}
	for _, p := range tb.Schema.Properties {
		indexes[p.XZui.Index] = true
	}
	assert.Len(t, indexes, 4, "each column has its own x-zui index")
	assert.Equal(t, []string{"name"}, tb.Schema.Required)
	assert.EqualValues(t, 1, *tb.Factor)

	_, err := c.CreateTable(ctx, gen.CreateTableJSONRequestBody{Name: "ContactsTable", Schema: map[string]any{}})
	fileStatus(t, err, 409, "AlreadyExists")

	tblInsert(t, c, "ContactsTable", map[string]any{"name": "a"}, map[string]any{"name": "b"})
	byName, err := c.GetTable(ctx, "ContactsTable")
	require.NoError(t, err)
	assert.Equal(t, tb.ID, byName.Table.ID)
	assert.EqualValues(t, 2, byName.Rows)
	byID, err := c.GetTable(ctx, tb.ID)
	require.NoError(t, err)
	assert.Equal(t, "ContactsTable", byID.Table.Name)
	_, err = c.GetTable(ctx, "NoSuchTable")
	fileStatus(t, err, 404, "ResourceNotFound")

	tblCreate(t, c, "OrdersTable", map[string]string{"team": "shop"})
	tblCreate(t, c, "LeadsTable", map[string]string{"team": "crm"})
	all, err := c.ListTables(ctx, nil)
	require.NoError(t, err)
	var names []string
	for _, x := range all.Tables {
		names = append(names, x.Name)
	}
	assert.Equal(t, []string{"ContactsTable", "OrdersTable", "LeadsTable"}, names)
	crm, err := c.ListTables(ctx, &gen.ListTablesParams{Tags: map[string]string{"team": "crm"}})
	require.NoError(t, err)
	require.Len(t, crm.Tables, 2)
	assert.Equal(t, "LeadsTable", crm.Tables[1].Name)
}

func TestTablesSchemaForms(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()

	// An object of columns, with the short form "column": "type".
	res, err := c.CreateTable(ctx, gen.CreateTableJSONRequestBody{Name: "ShortTable", Schema: map[string]any{
		"title": "string",
		"when":  map[string]any{"type": "string", "format": "date-time"},
		"tags":  map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
		"meta":  map[string]any{"type": "object", "properties": map[string]any{"x": map[string]any{"type": "integer"}}},
		"maybe": map[string]any{"type": []any{"number", "null"}},
	}})
	require.NoError(t, err)
	props := res.Table.Schema.Properties
	assert.Equal(t, gen.TableColumnTypeString, props["title"].Type)
	assert.EqualValues(t, "date-time", *props["when"].Format)
	assert.EqualValues(t, "string", props["tags"].Items.Type)
	assert.EqualValues(t, "number", props["meta"].Properties["x"].Type)
	assert.Equal(t, gen.TableColumnTypeNumber, props["maybe"].Type)
	assert.True(t, *props["maybe"].Nullable)

	_, err = c.CreateTable(ctx, gen.CreateTableJSONRequestBody{Name: "BadTable", Schema: map[string]any{"x": map[string]any{"type": "date"}}})
	fileStatus(t, err, 400, "InvalidJsonSchema")
	_, err = c.CreateTable(ctx, gen.CreateTableJSONRequestBody{Name: "BadTable", Schema: map[string]any{"properties": map[string]any{"x": map[string]any{}}}})
	fileStatus(t, err, 400, "InvalidJsonSchema")
}

func TestTablesGetOrCreate(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	body := gen.GetOrCreateTableJSONRequestBody{Schema: tblContactsSchema(), Tags: map[string]string{"a": "b"}}

	first, err := c.GetOrCreateTable(ctx, "PeopleTable", body)
	require.NoError(t, err)
	assert.True(t, first.Created)
	assert.Equal(t, "PeopleTable", first.Table.Name)
	tblInsert(t, c, "PeopleTable", map[string]any{"name": "x"})

	second, err := c.GetOrCreateTable(ctx, "PeopleTable", body)
	require.NoError(t, err)
	assert.False(t, second.Created)
	assert.Equal(t, first.Table.ID, second.Table.ID)
	assert.EqualValues(t, 1, second.Rows)

	byID, err := c.GetOrCreateTable(ctx, first.Table.ID, body)
	require.NoError(t, err)
	assert.False(t, byID.Created)

	list, err := c.ListTables(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, list.Tables, 1)
}

func TestTablesUpdateRenameDelete(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	tb := tblCreate(t, c, "ContactsTable", map[string]string{"a": "1", "b": "2"})
	tblCreate(t, c, "OtherTable", nil)
	tblInsert(t, c, tb.ID, map[string]any{"name": "Ada", "age": 36}, map[string]any{"name": "Bob", "age": 20})

	up, err := c.UpdateTable(ctx, "ContactsTable", gen.UpdateTableJSONRequestBody{
		Name: tblPtr("PeopleTable"), Tags: map[string]string{"a": "", "c": "3"}, Factor: tblPtr(2.0),
		Schema:           map[string]any{"name": "string", "age": "number", "city": "string"},
		IsComputeEnabled: tblPtr(true),
	})
	require.NoError(t, err)
	assert.Equal(t, tb.ID, up.Table.ID)
	assert.Equal(t, "PeopleTable", up.Table.Name)
	assert.Equal(t, map[string]string{"b": "2", "c": "3"}, up.Table.Tags)
	assert.EqualValues(t, 2, *up.Table.Factor)
	assert.True(t, *up.Table.IsComputeEnabled)
	assert.Contains(t, up.Table.Schema.Properties, "city")
	assert.NotContains(t, up.Table.Schema.Properties, "email")
	_, err = c.GetTable(ctx, "ContactsTable")
	fileStatus(t, err, 404, "")

	_, err = c.UpdateTable(ctx, tb.ID, gen.UpdateTableJSONRequestBody{Name: tblPtr("OtherTable")})
	fileStatus(t, err, 409, "AlreadyExists")
	_, err = c.UpdateTable(ctx, tb.ID, gen.UpdateTableJSONRequestBody{Factor: tblPtr(1.0)})
	fileStatus(t, err, 400, "InvalidPayload")
	_, err = c.UpdateTable(ctx, "Nope", gen.UpdateTableJSONRequestBody{})
	fileStatus(t, err, 404, "ResourceNotFound")

	// Renaming a column renames it in the schema and in every row.
	ren, err := c.RenameTableColumn(ctx, "PeopleTable", gen.RenameTableColumnJSONRequestBody{Name: "age", NewName: "years"})
	require.NoError(t, err)
	assert.Contains(t, ren.Table.Schema.Properties, "years")
	assert.NotContains(t, ren.Table.Schema.Properties, "age")
	row, err := c.GetTableRow(ctx, "PeopleTable", &gen.GetTableRowParams{ID: 1})
	require.NoError(t, err)
	assert.Equal(t, json.Number("36"), row.Row.AdditionalProperties["years"])
	assert.NotContains(t, row.Row.AdditionalProperties, "age")
	assert.Equal(t, "Ada", row.Row.AdditionalProperties["name"])
	_, err = c.RenameTableColumn(ctx, "PeopleTable", gen.RenameTableColumnJSONRequestBody{Name: "nope", NewName: "x"})
	fileStatus(t, err, 404, "")
	_, err = c.RenameTableColumn(ctx, "PeopleTable", gen.RenameTableColumnJSONRequestBody{Name: "years", NewName: "city"})
	fileStatus(t, err, 409, "AlreadyExists")

	// A frozen table keeps its name and schema.
	_, err = c.UpdateTable(ctx, "OtherTable", gen.UpdateTableJSONRequestBody{Frozen: tblPtr(true)})
	require.NoError(t, err)
	_, err = c.UpdateTable(ctx, "OtherTable", gen.UpdateTableJSONRequestBody{Name: tblPtr("ThawedTable")})
	fileStatus(t, err, 409, "ResourceLockedConflict")
	_, err = c.UpdateTable(ctx, "OtherTable", gen.UpdateTableJSONRequestBody{Tags: map[string]string{"ok": "yes"}})
	require.NoError(t, err, "tags still change")

	require.NoError(t, c.DeleteTable(ctx, "PeopleTable"))
	_, err = c.GetTable(ctx, tb.ID)
	fileStatus(t, err, 404, "ResourceNotFound")
	fileStatus(t, c.DeleteTable(ctx, tb.ID), 404, "ResourceNotFound")
	_, err = c.FindTableRows(ctx, tb.ID, gen.FindTableRowsJSONRequestBody{})
	fileStatus(t, err, 404, "")
}

func TestTablesDuplicate(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	src := tblCreateWith(t, c, "SrcTable", tblPeopleSchema(), map[string]string{"k": "v"})
	tblInsert(t, c, "SrcTable", map[string]any{"name": "a"}, map[string]any{"name": "b", "extra": []any{1.0}})

	dup, err := c.DuplicateTable(ctx, src.ID, gen.DuplicateTableJSONRequestBody{TableName: tblPtr("DupTable"), Factor: tblPtr(3.0)})
	require.NoError(t, err)
	assert.NotEqual(t, src.ID, dup.Table.ID)
	assert.Equal(t, "DupTable", dup.Table.Name)
	assert.EqualValues(t, 2, dup.Rows)
	assert.EqualValues(t, 3, *dup.Table.Factor)
	assert.Equal(t, src.Schema, dup.Table.Schema)
	// The copy of the rows is a duplicate_table job of the copy, done at once.
	require.NotNil(t, dup.Job, "copying rows answers a job")
	assert.Equal(t, "completed", dup.Job.Status)
	jobs, err := c.GetTableJobs(ctx, dup.Table.ID)
	require.NoError(t, err)
	require.Len(t, jobs.Jobs, 1)
	job := jobs.Jobs[0]
	assert.Equal(t, dup.Job.ID, job.ID)
	assert.Equal(t, gen.TableJobTypeDuplicateTable, job.Type)
	assert.Equal(t, gen.TableJobStatusCompleted, job.Status)
	assert.Equal(t, dup.Table.ID, job.TableID)
	assert.Equal(t, srv.BotID, job.BotID)
	assert.True(t, job.InputFileID.IsNull())
	assert.True(t, job.OutputFileID.IsNull())
	jobs, err = c.GetTableJobs(ctx, "SrcTable")
	require.NoError(t, err)
	assert.Empty(t, jobs.Jobs, "the source has no job")
	res, err := c.FindTableRows(ctx, "DupTable", gen.FindTableRowsJSONRequestBody{})
	require.NoError(t, err)
	require.Len(t, res.Rows, 2)
	assert.Equal(t, []any{json.Number("1")}, res.Rows[1].AdditionalProperties["extra"])
	// The copy is independent of its source.
	tblInsert(t, c, "DupTable", map[string]any{"name": "c"})
	assert.Equal(t, []int{1, 2, 3}, tblFind(t, c, "DupTable", gen.FindTableRowsJSONRequestBody{}))
	assert.Equal(t, []int{1, 2}, tblFind(t, c, "SrcTable", gen.FindTableRowsJSONRequestBody{}))

	schemaOnly, err := c.DuplicateTable(ctx, src.ID, gen.DuplicateTableJSONRequestBody{SchemaOnly: tblPtr(true)})
	require.NoError(t, err)
	assert.Equal(t, "SrcTableCopy", schemaOnly.Table.Name)
	assert.EqualValues(t, 2, schemaOnly.Rows, "rows counts the source's rows")
	assert.Nil(t, schemaOnly.Job, "no row to copy, no job")
	assert.Empty(t, tblFind(t, c, "SrcTableCopy", gen.FindTableRowsJSONRequestBody{}))
	jobs, err = c.GetTableJobs(ctx, schemaOnly.Table.ID)
	require.NoError(t, err)
	assert.Empty(t, jobs.Jobs)
	_, err = c.GetTableJobs(ctx, "table_missing")
	fileStatus(t, err, 404, "ResourceNotFound")

	_, err = c.DuplicateTable(ctx, src.ID, gen.DuplicateTableJSONRequestBody{TableName: tblPtr("DupTable")})
	fileStatus(t, err, 409, "AlreadyExists")
	_, err = c.DuplicateTable(ctx, "table_missing", gen.DuplicateTableJSONRequestBody{})
	fileStatus(t, err, 404, "ResourceNotFound")
}

func TestTableRowsCreateGetUpdate(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	tblCreateWith(t, c, "ContactsTable", tblPeopleSchema(), nil)

	created, err := c.CreateTableRows(ctx, "ContactsTable", gen.CreateTableRowsJSONRequestBody{Rows: []map[string]any{
		{"name": "Ada", "age": 36, "address": map[string]any{"city": "London", "geo": []any{51.5, -0.1}}, "undeclared": true, "note": nil},
		{"name": "Grace", "id": 99, "computed": "ignored", "other": 1},
		{"name": "Linus"},
	}})
	require.NoError(t, err)
	require.Empty(t, created.Errors)
	assert.Equal(t, []string{`not stored: "other", "undeclared", not column(s) of the table`}, created.Warnings)
	rows := created.Rows
	assert.Equal(t, []int{1, 2, 3}, tblIDs(rows))
	ada := rows[0]
	assert.NotNil(t, ada.CreatedAt)
	assert.NotNil(t, ada.UpdatedAt)
	assert.NotNil(t, ada.Computed)
	assert.Equal(t, map[string]any{
		"name": "Ada", "age": json.Number("36"), "address": map[string]any{"city": "London", "geo": []any{json.Number("51.5"), json.Number("-0.1")}}, "note": nil,
	}, ada.AdditionalProperties, "the columns of the schema are kept, the other properties are not")
	assert.Equal(t, map[string]any{"name": "Grace"}, rows[1].AdditionalProperties, "id and computed are the row's own fields")

	got, err := c.GetTableRow(ctx, "ContactsTable", &gen.GetTableRowParams{ID: 1})
	require.NoError(t, err)
	assert.Equal(t, ada.AdditionalProperties, got.Row.AdditionalProperties)
	_, err = c.GetTableRow(ctx, "ContactsTable", &gen.GetTableRowParams{ID: 42})
	fileStatus(t, err, 404, "ResourceNotFound")
	_, err = c.GetTableRow(ctx, "NoTable", &gen.GetTableRowParams{ID: 1})
	fileStatus(t, err, 404, "ResourceNotFound")

	var r1, r9 gen.UpdateTableRowsBody_Rows
	r1.ID = 1
	r1.Set("age", 37)
	r1.Set("note", "updated")
	r9.ID = 9
	r9.Set("age", 1)
	up, err := c.UpdateTableRows(ctx, "ContactsTable", gen.UpdateTableRowsJSONRequestBody{Rows: []gen.UpdateTableRowsBody_Rows{r1, r9}})
	require.NoError(t, err)
	require.Len(t, up.Rows, 1)
	assert.Equal(t, []string{"row 1: no row with id 9"}, up.Errors, "the unknown row is reported, the other changed")
	assert.Equal(t, json.Number("37"), up.Rows[0].AdditionalProperties["age"])
	assert.Equal(t, "updated", up.Rows[0].AdditionalProperties["note"])
	assert.Equal(t, "London", up.Rows[0].AdditionalProperties["address"].(map[string]any)["city"], "columns not sent are kept")
	assert.True(t, up.Rows[0].UpdatedAt.After(*ada.CreatedAt) || up.Rows[0].UpdatedAt.Equal(*ada.CreatedAt))

	// New rows keep counting after deletions.
	del, err := c.DeleteTableRows(ctx, "ContactsTable", gen.DeleteTableRowsJSONRequestBody{IDs: []int64{3}})
	require.NoError(t, err)
	assert.EqualValues(t, 1, del.DeletedRows)
	assert.Equal(t, []int{4}, tblIDs(tblInsert(t, c, "ContactsTable", map[string]any{"name": "Linus"})))
}

func TestTableRowsUpsert(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	tblCreate(t, c, "ContactsTable", nil)
	tblInsert(t, c, "ContactsTable", map[string]any{"name": "Ada", "email": "ada@x"}, map[string]any{"name": "Grace", "email": "grace@x"})

	row := func(id *int64, cols map[string]any) gen.UpsertTableRowsBody_Rows {
		r := gen.UpsertTableRowsBody_Rows{ID: id}
		for k, v := range cols {
			r.Set(k, v)
		}
		return r
	}
	// By id (the default key column).
	res, err := c.UpsertTableRows(ctx, "ContactsTable", gen.UpsertTableRowsJSONRequestBody{Rows: []gen.UpsertTableRowsBody_Rows{
		row(tblPtr[int64](2), map[string]any{"vip": true}),
		row(nil, map[string]any{"name": "Linus"}),
	}})
	require.NoError(t, err)
	assert.Equal(t, []int{2}, tblIDs(res.Updated))
	assert.Equal(t, "Grace", res.Updated[0].AdditionalProperties["name"])
	assert.Equal(t, true, res.Updated[0].AdditionalProperties["vip"])
	assert.Equal(t, []int{3}, tblIDs(res.Inserted))

	// By another column.
	res, err = c.UpsertTableRows(ctx, "ContactsTable", gen.UpsertTableRowsJSONRequestBody{KeyColumn: tblPtr("email"), Rows: []gen.UpsertTableRowsBody_Rows{
		row(nil, map[string]any{"email": "ada@x", "age": 36}),
		row(nil, map[string]any{"email": "new@x", "name": "New"}),
	}})
	require.NoError(t, err)
	assert.Equal(t, []int{1}, tblIDs(res.Updated))
	assert.Equal(t, json.Number("36"), res.Updated[0].AdditionalProperties["age"])
	assert.Equal(t, "Ada", res.Updated[0].AdditionalProperties["name"])
	assert.Equal(t, []int{4}, tblIDs(res.Inserted))
	assert.Equal(t, []int{1, 2, 3, 4}, tblFind(t, c, "ContactsTable", gen.FindTableRowsJSONRequestBody{}))
}

func TestTableRowsKeyColumnIsUnique(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	var body gen.CreateTableJSONRequestBody
	body.Name, body.Schema = "KeyedTable", map[string]any{"sku": "string"}
	body.KeyColumn.Set("sku")
	res, err := c.CreateTable(ctx, body)
	require.NoError(t, err)
	key, err := res.Table.KeyColumn.Get()
	require.NoError(t, err)
	assert.Equal(t, "sku", key)

	created, err := c.CreateTableRows(ctx, "KeyedTable", gen.CreateTableRowsJSONRequestBody{Rows: []map[string]any{{"sku": "a"}, {"sku": "a"}, {"sku": "b"}}})
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2}, tblIDs(created.Rows))
	assert.Len(t, created.Errors, 1)
}

func TestTableRowsDelete(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	tblCreateWith(t, c, "T", map[string]any{"n": "number"}, nil)
	for i := range 6 {
		tblInsert(t, c, "T", map[string]any{"n": i})
	}
	del, err := c.DeleteTableRows(ctx, "T", gen.DeleteTableRowsJSONRequestBody{IDs: []int64{1, 2, 77}})
	require.NoError(t, err)
	assert.EqualValues(t, 2, del.DeletedRows, "unknown IDs are skipped")
	assert.Nil(t, del.Job, "a deletion by ID is no job")
	del, err = c.DeleteTableRows(ctx, "T", gen.DeleteTableRowsJSONRequestBody{Filter: where.Gte("n", 4).Map()})
	require.NoError(t, err)
	assert.EqualValues(t, 2, del.DeletedRows)
	assert.Equal(t, []int{3, 4}, tblFind(t, c, "T", gen.FindTableRowsJSONRequestBody{}))
	// A deletion by filter is a delete_rows job, done at once.
	require.NotNil(t, del.Job)
	assert.Equal(t, "completed", del.Job.Status)
	jobs, err := c.GetTableJobs(ctx, "T")
	require.NoError(t, err)
	require.Len(t, jobs.Jobs, 1)
	assert.Equal(t, del.Job.ID, jobs.Jobs[0].ID)
	assert.Equal(t, gen.TableJobTypeDeleteRows, jobs.Jobs[0].Type)
	assert.Equal(t, gen.TableJobStatusCompleted, jobs.Jobs[0].Status)
	first := del.Job.ID
	del, err = c.DeleteTableRows(ctx, "T", gen.DeleteTableRowsJSONRequestBody{Filter: where.Gte("n", 100).Map()})
	require.NoError(t, err)
	assert.EqualValues(t, 0, del.DeletedRows)
	require.NotNil(t, del.Job, "a filter that matches nothing is a job too")
	jobs, err = c.GetTableJobs(ctx, "T")
	require.NoError(t, err)
	require.Len(t, jobs.Jobs, 2)
	assert.Equal(t, []string{del.Job.ID, first}, []string{jobs.Jobs[0].ID, jobs.Jobs[1].ID}, "newest first")

	_, err = c.DeleteTableRows(ctx, "T", gen.DeleteTableRowsJSONRequestBody{})
	fileStatus(t, err, 400, "InvalidPayload")
	_, err = c.DeleteTableRows(ctx, "T", gen.DeleteTableRowsJSONRequestBody{Filter: map[string]any{"n": map[string]any{"$near": 1}}})
	fileStatus(t, err, 400, "InvalidQuery")

	del, err = c.DeleteTableRows(ctx, "T", gen.DeleteTableRowsJSONRequestBody{DeleteAllRows: tblPtr(true)})
	require.NoError(t, err)
	assert.EqualValues(t, 2, del.DeletedRows)
	assert.Empty(t, tblFind(t, c, "T", gen.FindTableRowsJSONRequestBody{}))
	got, err := c.GetTable(ctx, "T")
	require.NoError(t, err)
	assert.EqualValues(t, 0, got.Rows)
}

// tblPeople fills a table for the find tests: IDs 1 to 6.
func tblPeople(t *testing.T, c *client.Client) {
	tblCreateWith(t, c, "PeopleTable", tblPeopleSchema(), nil)
	tblInsert(t, c, "PeopleTable",
		map[string]any{"name": "Ada Lovelace", "age": 36, "team": "math", "tags": []any{"vip", "early"}, "address": map[string]any{"city": "London"}},
		map[string]any{"name": "Grace Hopper", "age": 85, "team": "navy", "tags": []any{"vip"}, "address": map[string]any{"city": "New York"}},
		map[string]any{"name": "Alan Turing", "age": 41, "team": "math", "address": map[string]any{"city": "London"}},
		map[string]any{"name": "Linus", "age": 28, "team": "kernel", "email": nil},
		map[string]any{"name": "ada the cat", "age": 3, "team": "pets", "email": "cat@x"},
		map[string]any{"name": "Nameless", "team": "math", "active": false},
	)
}

func TestTableRowsFilters(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	tblPeople(t, c)
	find := func(f map[string]any) []int {
		t.Helper()
		return tblFind(t, c, "PeopleTable", gen.FindTableRowsJSONRequestBody{Filter: f})
	}
	cases := []struct {
		name   string
		filter where.Filter
		want   []int
	}{
		{"eq", where.Eq("team", "math"), []int{1, 3, 6}},
		{"bare value", where.Raw(map[string]any{"team": "navy"}), []int{2}},
		{"two columns", where.Raw(map[string]any{"team": "math", "age": 41}), []int{3}},
		{"ne (missing counts)", where.Ne("team", "math"), []int{2, 4, 5}},
		{"gt", where.Gt("age", 36), []int{2, 3}},
		{"gte", where.Gte("age", 36), []int{1, 2, 3}},
		{"lt", where.Lt("age", 28), []int{5}},
		{"lte", where.Lte("age", 28), []int{4, 5}},
		{"range on one column", where.Raw(map[string]any{"age": map[string]any{"$gte": 28, "$lt": 41}}), []int{1, 4}},
		{"strings compare", where.Lt("name", "B"), []int{1, 3}},
		{"in", where.In("team", "navy", "kernel"), []int{2, 4}},
		{"nin", where.Nin("team", "math", "pets"), []int{2, 4}},
		{"exists", where.Exists("email", true), []int{5}},
		{"not exists (null is absent)", where.Exists("age", false), []int{6}},
		{"eq null", where.Eq("email", nil), []int{1, 2, 3, 4, 6}},
		{"regex", where.Regex("name", "^ada", ""), []int{5}},
		{"regex i", where.Regex("name", "^ada", "i"), []int{1, 5}},
		{"array holds", where.Eq("tags", "early"), []int{1}},
		{"array in", where.In("tags", "vip"), []int{1, 2}},
		{"bool", where.Eq("active", false), []int{6}},
		{"dotted path", where.Eq("address.city", "London"), []int{1, 3}},
		{"id", where.In("id", 2, 4), []int{2, 4}},
		{"and", where.And(where.Eq("team", "math"), where.Gt("age", 40)), []int{3}},
		{"or", where.Or(where.Eq("team", "navy"), where.Lt("age", 10)), []int{2, 5}},
		{"not", where.Not(where.Eq("team", "math")), []int{2, 4, 5}},
		{"nested", where.Or(where.And(where.Eq("team", "math"), where.Exists("age", true)), where.Regex("name", "LINUS", "i")), []int{1, 3, 4}},
		{"column $not", where.Raw(map[string]any{"age": map[string]any{"$not": map[string]any{"$gt": 30}}}), []int{4, 5, 6}},
		{"empty matches all", where.Filter{}, []int{1, 2, 3, 4, 5, 6}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, find(tc.filter.Map()), tc.filter.String())
		})
	}

	// Dates compare as times.
	first, err := c.GetTableRow(context.Background(), "PeopleTable", &gen.GetTableRowParams{ID: 1})
	require.NoError(t, err)
	assert.Len(t, find(where.Gte("createdAt", first.Row.CreatedAt.Format("2006-01-02T15:04:05.000Z07:00")).Map()), 6)
	assert.Empty(t, find(where.Lt("createdAt", "2000-01-01T00:00:00Z").Map()))

	for _, bad := range []struct {
		filter map[string]any
		names  string
	}{
		{map[string]any{"age": map[string]any{"$near": 3}}, "$near"},
		{map[string]any{"$nor": []any{}}, "$nor"},
		{map[string]any{"$and": []any{map[string]any{"age": map[string]any{"$size": 1}}}}, "$size"},
		{map[string]any{"team": map[string]any{"$in": "math"}}, "$in"},
		{map[string]any{"name": map[string]any{"$regex": "("}}, "$regex"},
		{map[string]any{"name": map[string]any{"$regex": "a", "$options": "x"}}, "$options"},
		{map[string]any{"name": map[string]any{"$options": "i"}}, "$options"},
	} {
		_, err := c.FindTableRows(context.Background(), "PeopleTable", gen.FindTableRowsJSONRequestBody{Filter: bad.filter})
		fileStatus(t, err, 400, "InvalidQuery")
		assert.ErrorContains(t, err, bad.names)
	}
}

func TestTableRowsFindOptions(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	tblPeople(t, c)
	find := func(body gen.FindTableRowsJSONRequestBody) []int {
		t.Helper()
		return tblFind(t, c, "PeopleTable", body)
	}
	asc, desc := gen.SortDirectionAsc, gen.SortDirectionDesc

	assert.Equal(t, []int{5, 4, 1, 3, 2, 6}, find(gen.FindTableRowsJSONRequestBody{OrderBy: tblPtr("age")}), "nulls last ascending")
	assert.Equal(t, []int{6, 2, 3, 1, 4, 5}, find(gen.FindTableRowsJSONRequestBody{OrderBy: tblPtr("age"), OrderDirection: &desc}))
	assert.Equal(t, []int{6, 5, 4, 3, 2, 1}, find(gen.FindTableRowsJSONRequestBody{OrderDirection: &desc}), "by id")
	assert.Equal(t, []int{4, 1, 3, 6, 2, 5}, find(gen.FindTableRowsJSONRequestBody{OrderBy: tblPtr("team"), OrderDirection: &asc}), "ties by id")
	assert.Equal(t, []int{1, 2, 3, 4, 5, 6}, find(gen.FindTableRowsJSONRequestBody{OrderBy: tblPtr("createdAt")}))

	// Pages with limit and offset.
	var seen []int
	for offset := 0; ; offset += 4 {
		res, err := c.FindTableRows(ctx, "PeopleTable", gen.FindTableRowsJSONRequestBody{Limit: tblPtr(4), Offset: tblPtr(offset)})
		require.NoError(t, err)
		assert.Equal(t, 4, res.Limit)
		assert.Equal(t, offset, res.Offset)
		seen = append(seen, tblIDs(res.Rows)...)
		if !res.HasMore {
			break
		}
	}
	assert.Equal(t, []int{1, 2, 3, 4, 5, 6}, seen)
	res, err := c.FindTableRows(ctx, "PeopleTable", gen.FindTableRowsJSONRequestBody{Offset: tblPtr(10)})
	require.NoError(t, err)
	assert.Empty(t, res.Rows)
	assert.False(t, res.HasMore)
	assert.Equal(t, 100, res.Limit, "the default")

	// Search: a case-insensitive substring of a text column.
	res, err = c.FindTableRows(ctx, "PeopleTable", gen.FindTableRowsJSONRequestBody{Search: tblPtr("ADA")})
	require.NoError(t, err)
	assert.Equal(t, []int{1, 5}, tblIDs(res.Rows))
	require.NotNil(t, res.Rows[0].Similarity)

	// Select keeps the named columns and the row's own fields.
	res, err = c.FindTableRows(ctx, "PeopleTable", gen.FindTableRowsJSONRequestBody{
		Select: []string{"name", "address.city"}, Filter: where.Eq("id", 1).Map(),
	})
	require.NoError(t, err)
	require.Len(t, res.Rows, 1)
	assert.Equal(t, map[string]any{"name": "Ada Lovelace", "address": map[string]any{"city": "London"}}, res.Rows[0].AdditionalProperties)
	assert.EqualValues(t, 1, res.Rows[0].ID)
	assert.NotNil(t, res.Rows[0].CreatedAt)

	res, err = c.FindTableRows(ctx, "PeopleTable", gen.FindTableRowsJSONRequestBody{Group: map[string]any{"team": "key"}})
	require.NoError(t, err)
	assert.NotEmpty(t, res.Warnings, "group is not modelled")
}

func TestTableRowsConcurrentWrites(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	tblCreateWith(t, c, "BusyTable", map[string]any{"worker": "number", "i": "number", "touched": "boolean"}, nil)
	const workers, each = 20, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rows := make([]map[string]any, each)
			for i := range rows {
				rows[i] = map[string]any{"worker": w, "i": i}
			}
			res, err := c.CreateTableRows(ctx, "BusyTable", gen.CreateTableRowsJSONRequestBody{Rows: rows})
			if err == nil && len(res.Rows) != each {
				err = fmt.Errorf("worker %d: %d rows back", w, len(res.Rows))
			}
			if err == nil {
				var r gen.UpdateTableRowsBody_Rows
				r.ID = res.Rows[0].ID
				r.Set("touched", true)
				_, err = c.UpdateTableRows(ctx, "BusyTable", gen.UpdateTableRowsJSONRequestBody{Rows: []gen.UpdateTableRowsBody_Rows{r}})
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	res, err := c.FindTableRows(ctx, "BusyTable", gen.FindTableRowsJSONRequestBody{Limit: tblPtr(1000)})
	require.NoError(t, err)
	require.Len(t, res.Rows, workers*each)
	perWorker := map[json.Number]int{}
	for i, r := range res.Rows {
		assert.EqualValues(t, i+1, r.ID, "IDs 1..n, each once")
		perWorker[r.AdditionalProperties["worker"].(json.Number)]++
	}
	assert.Len(t, perWorker, workers)
	for _, n := range perWorker {
		assert.Equal(t, each, n)
	}
	assert.Len(t, tblFind(t, c, "BusyTable", gen.FindTableRowsJSONRequestBody{Filter: where.Eq("touched", true).Map()}), workers)
}

func TestTableRowsCheckedAgainstSchema(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	var body gen.CreateTableJSONRequestBody
	body.Name = "StrictTable"
	body.Schema = map[string]any{
		"type": "object",
		"properties": map[string]any{
			"name":    map[string]any{"type": "string"},
			"age":     map[string]any{"type": "number", "nullable": false},
			"status":  map[string]any{"type": "string", "enum": []any{"open", "closed"}},
			"email":   map[string]any{"type": "string", "pattern": "^[^@]+@[^@]+$"},
			"when":    map[string]any{"type": "string", "format": "date-time"},
			"tags":    map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
			"address": map[string]any{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}},
			"code":    map[string]any{"type": "string"},
		},
		"required": []any{"name"},
	}
	body.KeyColumn.Set("code")
	_, err := c.CreateTable(ctx, body)
	require.NoError(t, err)

	res, err := c.CreateTableRows(ctx, "StrictTable", gen.CreateTableRowsJSONRequestBody{Rows: []map[string]any{
		{"name": "ok", "age": 3, "status": "open", "email": "a@b", "when": "2024-05-06T07:08:09.123Z", "tags": []any{"x", nil},
			"address": map[string]any{"city": "Paris", "zip": 75001}, "code": "A"},
		{"name": "bad type", "age": "3"},
		{"name": "bad enum", "status": "pending"},
		{"name": "bad pattern", "email": "nope"},
		{"name": "bad date", "when": "yesterday"},
		{"name": "bad item", "tags": []any{"x", 2}},
		{"name": "bad field", "address": map[string]any{"city": 5}},
		{"name": "null age", "age": nil},
		{"age": 1},
		{"name": nil},
		{"name": 7},
		{"name": "taken key", "code": "A"},
		{"name": "also ok", "status": nil},
	}})
	require.NoError(t, err, "refused rows do not fail the call")
	assert.Equal(t, []int{1, 2}, tblIDs(res.Rows), "the valid rows are stored")
	assert.Equal(t, []string{
		`row 1: column "age" wants a number, got a string`,
		`row 2: column "status" takes one of open, closed, got "pending"`,
		`row 3: column "email" wants text matching ^[^@]+@[^@]+$, got "nope"`,
		`row 4: column "when" wants an ISO 8601 date-time, got "yesterday"`,
		`row 5: column "tags", element 1 wants a string, got a number`,
		`row 6: column "address", field "city" wants a string, got a number`,
		`row 7: column "age" does not take null`,
		`row 8: column "name" is required`,
		`row 9: column "name" is required`,
		`row 10: column "name" wants a string, got a number`,
		`row 11: key column "code" already holds A`,
	}, res.Errors)
	assert.Empty(t, res.Warnings)

	// Updates check the values they write, and the row they leave.
	up := func(id int64, cols map[string]any) gen.UpdateTableRowsBody_Rows {
		r := gen.UpdateTableRowsBody_Rows{ID: id}
		for k, v := range cols {
			r.Set(k, v)
		}
		return r
	}
	upd, err := c.UpdateTableRows(ctx, "StrictTable", gen.UpdateTableRowsJSONRequestBody{Rows: []gen.UpdateTableRowsBody_Rows{
		up(1, map[string]any{"age": 4, "nope": true}),
		up(1, map[string]any{"name": nil}),
		up(2, map[string]any{"age": false}),
	}})
	require.NoError(t, err)
	require.Len(t, upd.Rows, 1)
	assert.Equal(t, json.Number("4"), upd.Rows[0].AdditionalProperties["age"])
	assert.NotContains(t, upd.Rows[0].AdditionalProperties, "nope")
	assert.Equal(t, []string{`row 1: column "name" is required`, `row 2: column "age" wants a number, got a boolean`}, upd.Errors)
	assert.Equal(t, []string{`not stored: "nope", not column(s) of the table`}, upd.Warnings)

	// Upserts too: an insert must be complete, an update only valid.
	ups := func(cols map[string]any) gen.UpsertTableRowsBody_Rows {
		var r gen.UpsertTableRowsBody_Rows
		for k, v := range cols {
			r.Set(k, v)
		}
		return r
	}
	upsRes, err := c.UpsertTableRows(ctx, "StrictTable", gen.UpsertTableRowsJSONRequestBody{KeyColumn: tblPtr("code"), Rows: []gen.UpsertTableRowsBody_Rows{
		ups(map[string]any{"code": "A", "age": 5}),
		ups(map[string]any{"code": "B"}),
		ups(map[string]any{"code": "C", "name": "new"}),
		ups(map[string]any{"code": "D", "name": "new", "tags": "x"}),
	}})
	require.NoError(t, err)
	assert.Equal(t, []int{1}, tblIDs(upsRes.Updated))
	assert.Equal(t, []int{3}, tblIDs(upsRes.Inserted))
	assert.Equal(t, []string{`row 1: column "name" is required`, `row 3: column "tags" wants an array, got a string`}, upsRes.Errors)
	_, err = c.UpsertTableRows(ctx, "StrictTable", gen.UpsertTableRowsJSONRequestBody{KeyColumn: tblPtr("nope"), Rows: []gen.UpsertTableRowsBody_Rows{ups(map[string]any{"name": "x"})}})
	fileStatus(t, err, 400, "InvalidPayload")

	// Filters name columns of the table.
	assert.Equal(t, []int{1}, tblFind(t, c, "StrictTable", gen.FindTableRowsJSONRequestBody{Filter: where.Eq("address.city", "Paris").Map()}))
	for _, f := range []where.Filter{
		where.Eq("nope", 1),
		where.Or(where.Eq("name", "ok"), where.And(where.Gt("ghost.x", 1))),
		where.Not(where.Exists("phantom", true)),
	} {
		_, err := c.FindTableRows(ctx, "StrictTable", gen.FindTableRowsJSONRequestBody{Filter: f.Map()})
		fileStatus(t, err, 400, "InvalidQuery")
		assert.ErrorContains(t, err, "unknown column")
		_, err = c.DeleteTableRows(ctx, "StrictTable", gen.DeleteTableRowsJSONRequestBody{Filter: f.Map()})
		fileStatus(t, err, 400, "InvalidQuery")
	}
	got, err := c.GetTable(ctx, "StrictTable")
	require.NoError(t, err)
	assert.EqualValues(t, 3, got.Rows, "the refused delete deleted nothing")
}

func TestTablesAtMost20Columns(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	columns := func(n int) map[string]any {
		m := map[string]any{}
		for i := range n {
			m[fmt.Sprintf("c%02d", i)] = "string"
		}
		return m
	}
	_, err := c.CreateTable(ctx, gen.CreateTableJSONRequestBody{Name: "WideTable", Schema: columns(21)})
	fileStatus(t, err, 400, "InvalidPayload")
	assert.ErrorContains(t, err, "21 columns")
	_, err = c.CreateTable(ctx, gen.CreateTableJSONRequestBody{Name: "WideTable", Schema: map[string]any{"type": "object", "properties": columns(21)}})
	fileStatus(t, err, 400, "InvalidPayload")
	_, err = c.GetOrCreateTable(ctx, "WideTable", gen.GetOrCreateTableJSONRequestBody{Schema: columns(21)})
	fileStatus(t, err, 400, "InvalidPayload")

	_, err = c.CreateTable(ctx, gen.CreateTableJSONRequestBody{Name: "WideTable", Schema: columns(20)})
	require.NoError(t, err)
	_, err = c.UpdateTable(ctx, "WideTable", gen.UpdateTableJSONRequestBody{Schema: columns(21)})
	fileStatus(t, err, 400, "InvalidPayload")
	got, err := c.GetTable(ctx, "WideTable")
	require.NoError(t, err)
	assert.Len(t, got.Table.Schema.Properties, 20)
}
