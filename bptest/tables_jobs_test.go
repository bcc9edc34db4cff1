package bptest_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	"github.com/botpress-go/sdk/gen"
)

// tblDownload downloads a file, gunzipped when it is.
func tblDownload(t *testing.T, c *client.Client, fileID string) []byte {
	t.Helper()
	var buf bytes.Buffer
	_, err := c.DownloadFile(context.Background(), fileID, &buf)
	require.NoError(t, err)
	if !bytes.HasPrefix(buf.Bytes(), []byte{0x1f, 0x8b}) {
		return buf.Bytes()
	}
	zr, err := gzip.NewReader(&buf)
	require.NoError(t, err)
	data, err := io.ReadAll(zr)
	require.NoError(t, err)
	return data
}

func tblGzip(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(data)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// tblColumnsOf returns the rows' columns, without the rows' own fields.
func tblColumnsOf(rows []gen.Row) []map[string]any {
	out := []map[string]any{}
	for _, r := range rows {
		out = append(out, r.AdditionalProperties)
	}
	return out
}

func TestTableExport(t *testing.T) {
	clock := bptest.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	srv := bptest.Start(t, bptest.WithClock(clock.Now))
	c := srv.Client()
	ctx := context.Background()
	tbl := tblCreateWith(t, c, "People", map[string]any{
		"name": "string", "age": "number", "vip": "boolean", "tags": "array",
	}, nil)
	tblInsert(t, c, "People",
		map[string]any{"name": "Ada", "age": 36.0, "vip": true, "tags": []any{"a", "b"}},
		map[string]any{"name": `Lin, "Bo"`, "age": 1.5},
	)

	// Default: CSV, gzipped.
	res, err := c.ExportTable(ctx, "People", nil)
	require.NoError(t, err)
	job := res.Job
	assert.Equal(t, gen.TableJobTypeExport, job.Type)
	assert.Equal(t, gen.TableJobStatusCompleted, job.Status)
	assert.Equal(t, tbl.ID, job.TableID)
	assert.Equal(t, srv.BotID, job.BotID)
	assert.True(t, job.InputFileID.IsNull())
	fileID, err := job.OutputFileID.Get()
	require.NoError(t, err, "a finished export names its file")
	f, err := c.GetFile(ctx, fileID)
	require.NoError(t, err)
	assert.Equal(t, "tables/People/"+job.ID+".csv.gz", f.File.Key)
	assert.Equal(t, "application/gzip", f.File.ContentType)
	assert.Equal(t, gen.FileStatusUploadCompleted, f.File.Status)
	assert.True(t, strings.HasPrefix(f.File.URL, srv.URL), "served by the server itself")
	at := "2026-03-01T12:00:00Z"
	assert.Equal(t, "id,createdAt,updatedAt,age,name,tags,vip\n"+
		"1,"+at+","+at+`,36,Ada,"[""a"",""b""]",true`+"\n"+
		"2,"+at+","+at+`,1.5,"Lin, ""Bo""",,`+"\n",
		string(tblDownload(t, c, fileID)))

	// JSON, plain: the schema and the rows as the API answers them.
	clock.Advance(time.Second)
	res2, err := c.ExportTable(ctx, tbl.ID, &gen.ExportTableParams{
		Format: tblPtr(gen.ExportTableParamsFormatJSON), Compress: tblPtr(false),
	})
	require.NoError(t, err)
	fileID2, err := res2.Job.OutputFileID.Get()
	require.NoError(t, err)
	f, err = c.GetFile(ctx, fileID2)
	require.NoError(t, err)
	assert.Equal(t, "tables/People/"+res2.Job.ID+".json", f.File.Key)
	assert.Equal(t, "application/json", f.File.ContentType)
	var got struct {
		Schema gen.Table_Schema `json:"schema"`
		Rows   []gen.Row        `json:"rows"`
	}
	require.NoError(t, json.Unmarshal(tblDownload(t, c, fileID2), &got))
	assert.Equal(t, tbl.Schema, got.Schema)
	rows, err := c.FindTableRows(ctx, "People", gen.FindTableRowsJSONRequestBody{})
	require.NoError(t, err)
	assert.Equal(t, rows.Rows, got.Rows)

	// getTableJobs lists both, newest first.
	jobs, err := c.GetTableJobs(ctx, "People")
	require.NoError(t, err)
	require.Len(t, jobs.Jobs, 2)
	assert.Equal(t, []string{res2.Job.ID, job.ID}, []string{jobs.Jobs[0].ID, jobs.Jobs[1].ID})
	assert.Equal(t, fileID2, jobs.Jobs[0].OutputFileID.MustGet())

	_, err = c.ExportTable(ctx, "Missing", nil)
	fileStatus(t, err, 404, "ResourceNotFound")
}

func TestTableImport(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	tbl := tblCreate(t, c, "Contacts", nil) // name (required), age, email, vip
	tblInsert(t, c, "Contacts", map[string]any{"name": "Old"})

	// CSV: cells read as their column's type; an empty cell leaves the
	// column unset; unknown columns and the row's own fields are dropped.
	csvFile := fileUpload(t, c, "contacts.csv", []byte("id,name,age,vip,nickname\n"+
		"7,Ada,36,true,ad\n"+
		"8,\"Lin, Bo\",,false,\n"), nil)
	res, err := c.ImportTable(ctx, "Contacts", gen.ImportTableBody{FileID: csvFile.ID})
	require.NoError(t, err)
	assert.Equal(t, gen.TableJobTypeImport, res.Job.Type)
	assert.Equal(t, gen.TableJobStatusCompleted, res.Job.Status)
	assert.Equal(t, tbl.ID, res.Job.TableID)
	assert.Equal(t, csvFile.ID, res.Job.InputFileID.MustGet())
	assert.True(t, res.Job.OutputFileID.IsNull())
	assert.Nil(t, srv.TableJobErrors(res.Job.ID))
	rows, err := c.FindTableRows(ctx, "Contacts", gen.FindTableRowsJSONRequestBody{})
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2, 3}, tblIDs(rows.Rows), "added after the table's rows, with new IDs")
	assert.Equal(t, []map[string]any{
		{"name": "Old"},
		{"name": "Ada", "age": json.Number("36"), "vip": true},
		{"name": "Lin, Bo", "vip": false},
	}, tblColumnsOf(rows.Rows))

	// JSON, gzipped, named by its url on this server.
	jsonFile := fileUpload(t, c, "more.json.gz", tblGzip(t, []byte(`[{"name": "Cy", "email": "cy@example.com"}]`)), nil)
	got, err := c.GetFile(ctx, jsonFile.ID)
	require.NoError(t, err)
	res, err = c.ImportTable(ctx, "Contacts", gen.ImportTableBody{FileID: got.File.URL})
	require.NoError(t, err)
	assert.Equal(t, gen.TableJobStatusCompleted, res.Job.Status)
	assert.Equal(t, jsonFile.ID, res.Job.InputFileID.MustGet())
	rows, err = c.FindTableRows(ctx, "Contacts", gen.FindTableRowsJSONRequestBody{Filter: map[string]any{"name": "Cy"}})
	require.NoError(t, err)
	assert.Equal(t, []map[string]any{{"name": "Cy", "email": "cy@example.com"}}, tblColumnsOf(rows.Rows))

	// An export imports into a table of the same schema.
	exp, err := c.ExportTable(ctx, "Contacts", &gen.ExportTableParams{Format: tblPtr(gen.ExportTableParamsFormatJSON)})
	require.NoError(t, err)
	tblCreate(t, c, "Copy", nil)
	res, err = c.ImportTable(ctx, "Copy", gen.ImportTableBody{FileID: exp.Job.OutputFileID.MustGet()})
	require.NoError(t, err)
	assert.Equal(t, gen.TableJobStatusCompleted, res.Job.Status)
	all, err := c.FindTableRows(ctx, "Contacts", gen.FindTableRowsJSONRequestBody{})
	require.NoError(t, err)
	copied, err := c.FindTableRows(ctx, "Copy", gen.FindTableRowsJSONRequestBody{})
	require.NoError(t, err)
	assert.Equal(t, tblColumnsOf(all.Rows), tblColumnsOf(copied.Rows))
	// The CSV export too.
	exp, err = c.ExportTable(ctx, "Contacts", nil)
	require.NoError(t, err)
	tblCreate(t, c, "CopyCSV", nil)
	res, err = c.ImportTable(ctx, "CopyCSV", gen.ImportTableBody{FileID: exp.Job.OutputFileID.MustGet()})
	require.NoError(t, err)
	assert.Equal(t, gen.TableJobStatusCompleted, res.Job.Status)
	copied, err = c.FindTableRows(ctx, "CopyCSV", gen.FindTableRowsJSONRequestBody{})
	require.NoError(t, err)
	assert.Equal(t, tblColumnsOf(all.Rows), tblColumnsOf(copied.Rows))
}

func TestTableImportRefused(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	tblCreate(t, c, "Contacts", nil)
	tblInsert(t, c, "Contacts", map[string]any{"name": "Old"})
	jobsBefore := func() []string {
		jobs, err := c.GetTableJobs(ctx, "Contacts")
		require.NoError(t, err)
		ids := []string{}
		for _, j := range jobs.Jobs {
			ids = append(ids, j.ID)
		}
		return ids
	}

	// A refused row fails the job, and no row of the file is stored.
	bad := fileUpload(t, c, "bad.csv", []byte("name,age\nAda,36\nBo,old\n,3\n"), nil)
	res, err := c.ImportTable(ctx, "Contacts", gen.ImportTableBody{FileID: "bad.csv"}) // by key
	require.NoError(t, err)
	failed := res.Job
	assert.Equal(t, gen.TableJobStatusFailed, failed.Status)
	assert.Equal(t, bad.ID, failed.InputFileID.MustGet())
	assert.Equal(t, []string{
		`row 2: column "age" wants a number, got a string`,
		`row 3: column "name" is required`,
	}, srv.TableJobErrors(failed.ID))
	rows, err := c.FindTableRows(ctx, "Contacts", gen.FindTableRowsJSONRequestBody{})
	require.NoError(t, err)
	assert.Equal(t, []map[string]any{{"name": "Old"}}, tblColumnsOf(rows.Rows))
	// The next row still gets the next ID.
	assert.EqualValues(t, 2, tblInsert(t, c, "Contacts", map[string]any{"name": "New"})[0].ID)

	// Content that cannot be read fails the job too.
	broken := fileUpload(t, c, "broken.json", []byte(`[{"name": "Ada"}`), nil)
	res, err = c.ImportTable(ctx, "Contacts", gen.ImportTableBody{FileID: broken.ID})
	require.NoError(t, err)
	assert.Equal(t, gen.TableJobStatusFailed, res.Job.Status)
	errs := srv.TableJobErrors(res.Job.ID)
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0], "JSON: ")

	// Jobs are listed newest first.
	assert.Equal(t, []string{res.Job.ID, failed.ID}, jobsBefore())

	// What the request names must be a file this server holds.
	_, err = c.ImportTable(ctx, "Contacts", gen.ImportTableBody{FileID: "https://example.com/rows.csv"})
	fileStatus(t, err, 400, "InvalidPayload")
	assert.ErrorContains(t, err, "never reaches the network")
	_, err = c.ImportTable(ctx, "Contacts", gen.ImportTableBody{FileID: srv.URL + "/v1/files/" + bad.ID})
	fileStatus(t, err, 400, "InvalidPayload")
	_, err = c.ImportTable(ctx, "Contacts", gen.ImportTableBody{FileID: "file_missing"})
	fileStatus(t, err, 404, "ResourceNotFound")
	pending, err := c.UpsertFile(ctx, gen.UpsertFileJSONRequestBody{Key: "pending.csv"})
	require.NoError(t, err)
	_, err = c.ImportTable(ctx, "Contacts", gen.ImportTableBody{FileID: pending.File.ID})
	fileStatus(t, err, 400, "InvalidPayload")
	_, err = c.ImportTable(ctx, "Missing", gen.ImportTableBody{FileID: bad.ID})
	fileStatus(t, err, 404, "ResourceNotFound")
	assert.Equal(t, []string{res.Job.ID, failed.ID}, jobsBefore(), "refused requests record no job")
}
