package bptest

// Table export and import, done at once and recorded as finished jobs
// that getTableJobs lists.
//
// exportTable writes the table's rows into a new file of the bot, key
// "tables/<table name>/<job ID>.csv" (or .json; .gz added when compressed,
// as by default), and answers a completed export job whose outputFileId
// names it; getFile gives its url, served by this server like any file's
// content. format csv (the default) is a header line (id, createdAt,
// updatedAt, then the columns in schema order) and one line per row, by
// ID: text as is, numbers in their shortest form, booleans as true or
// false, objects and arrays as JSON, null as an empty cell. format json is
// {"schema": <the table's schema>, "rows": [<rows as getTableRow answers
// them>]}.
//
// importTable reads what fileId names: a file of the bot (ID or key) whose
// content was uploaded, or the url of a file's content on this server (as
// getFile answers it). A URL of another host is refused with 400: bptest
// never reaches the network. The content may be gzipped. It is read as
// JSON when it starts with [ or { (an array of row objects, or an object
// whose rows holds them, as exportTable writes it), as CSV otherwise (a
// header line of column names, then one line per row; a cell is read as
// its column's type says, and an empty one leaves the column unset). The
// rows' id, createdAt and updatedAt are ignored: they are added after the
// table's rows, with new IDs; properties that match no column are dropped.
// Each row is checked as createTableRows checks it (tablecheck.go), and
// the import is all or nothing: when the content cannot be read, or any
// row is refused, no row is stored and the job fails. The API's job has
// no field for why; Server.TableJobErrors tells it.
//
// With WithTableJobsHeld, the work is still done at once, but answers
// show every job started from then on in_progress (progress 0.5, no
// output file) until Server.CompleteTableJob releases it, with its
// outcome: a test can watch a program wait for a job.

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oapi-codegen/nullable"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

func (h *server) ExportTable(ctx context.Context, req gen.ExportTableRequestObject) (gen.ExportTableResponseObject, error) {
	format := gen.ExportTableParamsFormatCsv
	if req.Params.Format != nil {
		format = *req.Params.Format
	}
	st, t, unlock, err := h.tblGet(ctx, req.Table)
	if err != nil {
		return nil, err
	}
	defer unlock()
	data, contentType := tblCSV(t), "text/csv"
	if format == gen.ExportTableParamsFormatJSON {
		data, contentType = tblJSON(t), "application/json"
	}
	job := st.tblRecordJob(ctx, t, gen.TableJobTypeExport, gen.TableJobStatusCompleted)
	key := fmt.Sprintf("tables/%s/%s.%s", t.table.Name, job.ID, format)
	if req.Params.Compress == nil || *req.Params.Compress {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(data) // writes to memory do not fail
		_ = zw.Close()
		data, contentType, key = buf.Bytes(), "application/gzip", key+".gz"
	}
	f := st.fileWrite(h.s, botOf(ctx), key, contentType, data)
	job.OutputFileID = nullable.NewNullableWithValue(f.ID)
	return gen.ExportTable200JSONResponse{Job: admAs[gen.ExportTableResponse_Job](t.jobView(*job))}, nil
}

// tblColumns lists a table's columns in schema order.
func tblColumns(schema gen.Table_Schema) []string {
	cols := sortedKeys(schema.Properties)
	slices.SortStableFunc(cols, func(a, b string) int {
		return schema.Properties[a].XZui.Index - schema.Properties[b].XZui.Index
	})
	return cols
}

func tblCSV(t *tableEntry) []byte {
	cols := tblColumns(t.table.Schema)
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(append([]string{"id", "createdAt", "updatedAt"}, cols...))
	at := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.Format(time.RFC3339Nano)
	}
	for _, r := range t.rows.order {
		line := []string{tblRowKey(r.v.ID), at(r.v.CreatedAt), at(r.v.UpdatedAt)}
		for _, c := range cols {
			line = append(line, tblCell(r.v.AdditionalProperties[c]))
		}
		_ = w.Write(line)
	}
	w.Flush() // a bytes.Buffer takes every write
	return buf.Bytes()
}

// tblCell writes a value as a CSV cell.
func tblCell(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	b, _ := json.Marshal(v) // stored values came from JSON
	return string(b)
}

func tblJSON(t *tableEntry) []byte {
	out := struct {
		Schema gen.Table_Schema `json:"schema"`
		Rows   []gen.Row        `json:"rows"`
	}{t.table.Schema, []gen.Row{}}
	for _, r := range t.rows.order {
		out.Rows = append(out.Rows, r.v)
	}
	b, err := json.Marshal(out)
	if err != nil {
		panic(fmt.Sprintf("bptest: exporting table %q: %v", t.table.Name, err))
	}
	return b
}

func (h *server) ImportTable(ctx context.Context, req gen.ImportTableRequestObject) (gen.ImportTableResponseObject, error) {
	if req.Body == nil || req.Body.FileID == "" {
		return nil, invalidPayload("fileId is required")
	}
	st, t, unlock, err := h.tblGet(ctx, req.Table)
	if err != nil {
		return nil, err
	}
	defer unlock()
	fileID, data, err := h.tblImportSource(st, botOf(ctx), req.Body.FileID)
	if err != nil {
		return nil, err
	}
	errs := st.tblImport(t, data)
	status := gen.TableJobStatusCompleted
	if len(errs) > 0 {
		status = gen.TableJobStatusFailed
	}
	job := st.tblRecordJob(ctx, t, gen.TableJobTypeImport, status)
	job.InputFileID = nullable.NewNullableWithValue(fileID)
	if len(errs) > 0 {
		if t.jobErrors == nil {
			t.jobErrors = map[string][]string{}
		}
		t.jobErrors[job.ID] = errs
	}
	return gen.ImportTable200JSONResponse{Job: admAs[gen.ImportTableResponse_Job](t.jobView(*job))}, nil
}

// tblImportSource returns the ID and content of the file an import names:
// a file of the bot, by ID or key, or the url of a file's content on this
// server.
func (h *server) tblImportSource(st *state, bot, ref string) (string, []byte, error) {
	if !strings.HasPrefix(ref, "http://") && !strings.HasPrefix(ref, "https://") {
		f, ok := st.bot(bot).files.fileFind(ref)
		if !ok {
			return "", nil, notFound("file", ref)
		}
		if !f.uploaded {
			return "", nil, invalidPayload("file %q has no content yet: upload it before importing it", ref)
		}
		return f.file.ID, f.content, nil
	}
	u, err := url.Parse(ref)
	if err != nil {
		return "", nil, invalidPayload("fileId: %v", err)
	}
	own, _ := url.Parse(h.s.URL)
	if u.Host != own.Host {
		return "", nil, invalidPayload("fileId %q: bptest imports only files it serves itself (at %s); it never reaches the network", ref, own.Host)
	}
	owner, id, ok := strings.Cut(strings.TrimPrefix(u.Path, storagePrefix), "/")
	if !ok || !strings.HasPrefix(u.Path, storagePrefix) {
		return "", nil, invalidPayload("fileId %q: not the url of a file's content", ref)
	}
	data, _, err := st.content(owner, id)
	if err != nil {
		return "", nil, err
	}
	return id, data, nil
}

// tblImport adds the rows of an import's content to a table, all or none,
// and returns why it did not: one line per refused row (counted from 1), or
// why the content could not be read.
func (st *state) tblImport(t *tableEntry, data []byte) []string {
	rows, err := tblReadRows(t.table.Schema, data)
	if err != nil {
		return []string{err.Error()}
	}
	check := newTblRowCheck(t, st.srv.settings.limits.TableRow)
	var errs, added []string
	nextID := t.nextID
	for i, in := range rows {
		cols, err := check.columns(in)
		if err == nil {
			err = check.complete(cols)
		}
		if err == nil {
			err = tblKeyTaken(t, cols, -1)
		}
		if err != nil {
			errs = append(errs, fmt.Sprintf("row %d: %v", i+1, err))
			continue
		}
		added = append(added, tblRowKey(st.tblInsert(t, cols).ID))
	}
	if len(errs) > 0 {
		for _, k := range added {
			t.rows.remove(k)
		}
		t.nextID = nextID
	}
	return errs
}

// tblReadRows reads the rows of an import's content: JSON or CSV, gzipped
// or not.
func tblReadRows(schema gen.Table_Schema, data []byte) ([]map[string]any, error) {
	if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err == nil {
			data, err = io.ReadAll(zr)
		}
		if err != nil {
			return nil, fmt.Errorf("gzip: %v", err)
		}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && (trimmed[0] == '[' || trimmed[0] == '{') {
		return tblReadJSON(trimmed)
	}
	return tblReadCSV(schema, data)
}

func tblReadJSON(data []byte) ([]map[string]any, error) {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("JSON: %v", err)
	}
	list, ok := v.([]any)
	if m, isObject := v.(map[string]any); isObject {
		list, ok = m["rows"].([]any)
	}
	if !ok {
		return nil, errors.New("JSON: want an array of rows, or an object with rows")
	}
	rows := make([]map[string]any, 0, len(list))
	for i, x := range list {
		m, ok := x.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("row %d: want an object, got %s", i+1, tblKind(x))
		}
		rows = append(rows, m)
	}
	return rows, nil
}

func tblReadCSV(schema gen.Table_Schema, data []byte) ([]map[string]any, error) {
	lines, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("CSV: %v", err)
	}
	if len(lines) == 0 {
		return nil, errors.New("CSV: no header line")
	}
	head := lines[0]
	rows := make([]map[string]any, 0, len(lines)-1)
	for _, line := range lines[1:] {
		row := map[string]any{}
		for j, cell := range line {
			if cell != "" {
				row[head[j]] = tblParseCell(schema.Properties[head[j]].Type, cell)
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// tblParseCell reads a CSV cell as its column's type says; a cell that is
// not of that type stays text, for the row check to refuse.
func tblParseCell(typ gen.TableColumnType, cell string) any {
	switch typ {
	case gen.TableColumnTypeNumber:
		if f, err := strconv.ParseFloat(cell, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
	case gen.TableColumnTypeBoolean:
		if b, err := strconv.ParseBool(cell); err == nil {
			return b
		}
	case gen.TableColumnTypeObject, gen.TableColumnTypeArray:
		var v any
		if json.Unmarshal([]byte(cell), &v) == nil {
			return v
		}
	}
	return cell
}

// fileWrite stores a file the server writes itself, its content uploaded.
func (st *state) fileWrite(s *Server, bot, key, contentType string, data []byte) gen.File {
	now := instant(st.now())
	id, seq := st.ids.next("file")
	f := gen.File{
		ID: id, BotID: bot, Key: key, URL: s.storageURL(bot, id),
		Size: nullable.NewNullableWithValue(int64(len(data))), ContentType: contentType,
		Tags: map[string]string{}, Metadata: map[string]any{}, CreatedAt: now, UpdatedAt: now,
		AccessPolicies: []gen.FileAccessPolicy{}, Status: gen.FileStatusUploadCompleted,
		Owner: gen.File_Owner{Type: gen.FileOwnerTypeBot, ID: ptr(bot)},
	}
	st.bot(bot).files.files.add(id, seq, &fileEntry{file: f, content: data, uploaded: true})
	return f
}

// TableJobErrors says why a table job failed: for an import, one line per
// refused row ("row 2: column \"age\" wants a number, got a string", rows
// counted from 1 in the file), or why its file could not be read. It is
// nil for a job that did not fail, or that the server does not hold.
func (s *Server) TableJobErrors(jobID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.state.bots {
		for _, r := range b.tables.tables.order {
			if errs, ok := r.v.jobErrors[jobID]; ok {
				return slices.Clone(errs)
			}
		}
	}
	return nil
}

// WithTableJobsHeld holds table jobs: exportTable, importTable,
// deleteTableRows by filter and duplicateTable still do their work at
// once, but their answers and getTableJobs show the job in_progress until
// Server.CompleteTableJob releases it, completed or failed as the work
// went. Off by default: jobs are shown finished at once.
func WithTableJobsHeld() Option {
	return func(s *settings) { s.holdTableJobs = true }
}

// CompleteTableJob releases a job held by WithTableJobsHeld (of any bot,
// by ID): answers show it as it ended, completed or failed. A job not held
// is left as it is; an unknown job is an error.
func (s *Server) CompleteTableJob(jobID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.state.bots {
		for _, r := range b.tables.tables.order {
			t := r.v
			for i := range t.jobs {
				if t.jobs[i].ID != jobID {
					continue
				}
				if t.held[jobID] {
					delete(t.held, jobID)
					t.jobs[i].UpdatedAt = s.state.now().UTC()
				}
				return nil
			}
		}
	}
	return fmt.Errorf("bptest: CompleteTableJob: %w", notFound("table job", jobID))
}
