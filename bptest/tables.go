package bptest

// Tables: create (409 on a taken name), get and get-or-create (by name or
// ID), list (by tags), update, rename a column, delete, duplicate; rows:
// create, get, find, update, upsert, delete; jobs: list.
//
// The server does at once what the API leaves to a background job, and
// records the job, finished, for getTableJobs to list (newest first): a
// duplicateTable that copies rows (a duplicate_table job of the copy), a
// deleteTableRows by filter (a delete_rows job of the table), and
// exportTable and importTable (tables_jobs.go). Their answers carry the
// job.
//
// A table's schema may be given as a JSON schema ({"type": "object",
// "properties": {...}}) or as an object of columns ({"name": {"type":
// "string"}} or {"name": "string"}); it is answered in the API's shape, each
// column with its x-zui index. "integer" becomes "number"; a column without
// a valid type is refused (400 InvalidJsonSchema), and so is a schema of
// more than 20 columns (400 InvalidPayload). Rows are checked against the
// schema, one by one (see tablecheck.go): a row with a value of the wrong
// type, outside a column's enum or pattern, a null where the column is not
// nullable, or without a required column is refused and named in the
// answer's errors, while the other rows of the call are stored; properties
// that match no column are not stored, and a warning names them. Rows get
// the numeric IDs 1, 2, 3 ... in their table, and come back as the spec's
// Row (id, computed, createdAt, updatedAt) plus their columns.
//
// Row filters (findTableRows, deleteTableRows) support this subset of the
// API's MongoDB-like language:
//
//	{"col": value}                      equal ($eq)
//	{"col": {"$eq": v}}, "$ne"          equal, not equal (a missing column is null)
//	"$gt", "$gte", "$lt", "$lte"        numbers, strings, ISO 8601 dates (as times), booleans
//	"$in": [v...], "$nin": [v...]       one of, none of
//	"$exists": true|false               has a non-null value, or not
//	"$regex": "re", "$options": "i"     Go (RE2) regular expression over text; options i, m, s
//	{"col": {"$not": {op...}}}          negates a column's operators
//	{"$and": [f...]}, {"$or": [f...]}, {"$not": f}
//
// Several columns or operators in one object must all match. A column may
// be id, createdAt, updatedAt, a column of the table's schema, or a dotted
// path into one (address.city); any other answers 400 InvalidQuery naming
// it. Against an array column, $eq, $ne, $in,
// $nin and $regex test its elements. Any other operator answers 400
// InvalidQuery naming it. findTableRows also takes search (a
// case-insensitive substring of any text column; matches get similarity
// 1), orderBy (id, createdAt, updatedAt or a column; nulls last ascending)
// with orderDirection, select (columns or dotted paths), limit and offset;
// group is ignored with a warning.

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oapi-codegen/nullable"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

// tableState holds the tables of one bot and their rows.
type tableState struct {
	tables *collection[*tableEntry]
}

// tableEntry is a table and its rows, by row ID, and the background jobs
// that worked on it, oldest first.
type tableEntry struct {
	table  gen.Table
	rows   *collection[gen.Row]
	nextID int
	jobs   []gen.TableJob
	// jobErrors says why a failed job failed (gen.TableJob has no field
	// for it), by job ID.
	jobErrors map[string][]string
	// held are the jobs that WithTableJobsHeld keeps in_progress until
	// Server.CompleteTableJob, by job ID.
	held map[string]bool
}

func newTableState() *tableState {
	return &tableState{tables: newCollection[*tableEntry]()}
}

// Stored rows, schemas and tags are never changed in place: an update
// stores new maps, so answers encoded after the lock is released never see
// a write.

// tblFind returns a table by ID, or else by name.
func (ts *tableState) tblFind(nameOrID string) (*tableEntry, bool) {
	if t, ok := ts.tables.get(nameOrID); ok {
		return t, true
	}
	return ts.tblByName(nameOrID)
}

func (ts *tableState) tblByName(name string) (*tableEntry, bool) {
	return ts.tables.find(func(t *tableEntry) bool { return t.table.Name == name })
}

// tblGet finds the table a request names, or answers 404.
func (h *server) tblGet(ctx context.Context, nameOrID string) (*state, *tableEntry, func(), error) {
	st, unlock := h.lock()
	t, ok := st.bot(botOf(ctx)).tables.tblFind(nameOrID)
	if !ok {
		unlock()
		return nil, nil, nil, notFound("table", nameOrID)
	}
	return st, t, unlock, nil
}

// tblSpec is what creating a table takes.
type tblSpec struct {
	name      string
	schema    map[string]any
	factor    *float64
	frozen    *bool
	keyColumn nullable.Nullable[string]
	tags      map[string]string
	compute   *bool
}

func (st *state) tblCreate(ts *tableState, s tblSpec) (*tableEntry, error) {
	schema, err := tblSchema(s.schema)
	if err != nil {
		return nil, err
	}
	id, seq := st.ids.next("table")
	now := st.now().UTC()
	t := gen.Table{
		ID: id, Name: s.name, Schema: schema, Tags: mergeTags(nil, s.tags),
		Factor: ptr(1.0), Frozen: ptr(false), IsComputeEnabled: ptr(false),
		KeyColumn: s.keyColumn, CreatedAt: &now, UpdatedAt: &now,
	}
	if s.factor != nil {
		t.Factor = ptr(*s.factor)
	}
	if s.frozen != nil {
		t.Frozen = ptr(*s.frozen)
	}
	if s.compute != nil {
		t.IsComputeEnabled = ptr(*s.compute)
	}
	e := &tableEntry{table: t, rows: newCollection[gen.Row](), nextID: 1}
	ts.tables.add(id, seq, e)
	return e, nil
}

// tblSchema reads a schema as createTable and updateTable take it and
// writes it in the shape the API answers.
func tblSchema(in map[string]any) (gen.Table_Schema, error) {
	out := gen.Table_Schema{
		Type: gen.TableSchemaTypeObject, AdditionalProperties: true,
		Properties: map[string]gen.Table_Schema_Properties{},
	}
	cols := in
	if p, ok := in["properties"].(map[string]any); ok {
		cols = p
		if s, ok := in["$schema"].(string); ok {
			out.Schema = ptr(s)
		}
		if req, ok := in["required"].([]any); ok {
			for _, r := range req {
				if s, ok := r.(string); ok {
					out.Required = append(out.Required, s)
				}
			}
		}
	} else if in["type"] == "object" {
		cols = nil // a JSON schema without columns
	}
	if len(cols) > tblMaxColumns {
		return out, tblTooWide(len(cols))
	}
	used := map[int]bool{}
	defs := map[string]map[string]any{}
	names := sortedKeys(cols)
	for _, name := range names {
		def, err := tblColumn(name, cols[name])
		if err != nil {
			return out, err
		}
		defs[name] = def
		if z, ok := def["x-zui"].(map[string]any); ok {
			if i, ok := z["index"].(float64); ok && i == float64(int(i)) && !used[int(i)] {
				used[int(i)] = true
				continue
			}
			delete(z, "index")
		}
	}
	next := 0
	for _, name := range names {
		def := defs[name]
		z, _ := def["x-zui"].(map[string]any)
		if z == nil {
			z = map[string]any{}
			def["x-zui"] = z
		}
		if _, ok := z["index"]; !ok {
			for used[next] {
				next++
			}
			z["index"] = next
			used[next] = true
		}
		var p gen.Table_Schema_Properties
		b, err := json.Marshal(def)
		if err == nil {
			err = json.Unmarshal(b, &p)
		}
		if err != nil {
			return out, errorf(http.StatusBadRequest, "InvalidJsonSchema", "column %q: %v", name, err)
		}
		out.Properties[name] = p
	}
	return out, nil
}

// tblColumn checks and trims one column definition to what the API
// answers.
func tblColumn(name string, v any) (map[string]any, error) {
	bad := func(format string, args ...any) error {
		return errorf(http.StatusBadRequest, "InvalidJsonSchema", "column %q: %s", name, fmt.Sprintf(format, args...))
	}
	var in map[string]any
	switch v := v.(type) {
	case string:
		in = map[string]any{"type": v}
	case map[string]any:
		in = v
	default:
		return nil, bad("want a column definition object")
	}
	def := map[string]any{}
	typ, nullable, err := tblType(in["type"])
	if err != nil {
		return nil, bad("%v", err)
	}
	def["type"] = typ
	if nullable {
		def["nullable"] = true
	}
	for _, k := range []string{"description", "pattern", "nullable"} {
		if x, ok := in[k]; ok {
			def[k] = x
		}
	}
	if in["format"] == "date-time" {
		def["format"] = "date-time"
	}
	if e, ok := in["enum"].([]any); ok {
		var vals []any
		for _, x := range e {
			if s, ok := x.(string); ok {
				vals = append(vals, s)
			}
		}
		def["enum"] = vals
	}
	sub := func(x any) (map[string]any, error) {
		m, ok := x.(map[string]any)
		if !ok {
			return nil, bad("want an object")
		}
		t, _, err := tblType(m["type"])
		if err != nil {
			return nil, bad("%v", err)
		}
		c := make(map[string]any, len(m))
		for k, v := range m {
			c[k] = v
		}
		c["type"] = t
		return c, nil
	}
	if x, ok := in["items"]; ok {
		if def["items"], err = sub(x); err != nil {
			return nil, err
		}
	}
	if ps, ok := in["properties"].(map[string]any); ok {
		props := map[string]any{}
		for k, x := range ps {
			if props[k], err = sub(x); err != nil {
				return nil, err
			}
		}
		def["properties"] = props
	}
	z := map[string]any{}
	if in, ok := in["x-zui"].(map[string]any); ok {
		for _, k := range []string{"index", "id", "searchable", "hidden", "order", "width", "schemaId", "computed", "typings"} {
			if x, ok := in[k]; ok {
				z[k] = x
			}
		}
	}
	def["x-zui"] = z
	return def, nil
}

// tblType reads a column type: a name, or a list of names with "null".
func tblType(v any) (string, bool, error) {
	nullable := false
	if list, ok := v.([]any); ok {
		v = nil
		for _, x := range list {
			if x == "null" {
				nullable = true
			} else if v == nil {
				v = x
			}
		}
		if v == nil && nullable {
			v = "null"
		}
	}
	s, ok := v.(string)
	if !ok {
		return "", false, fmt.Errorf("a type is required (string, number, boolean, object, array or null)")
	}
	if s == "integer" {
		s = "number"
	}
	if !gen.TableColumnType(s).Valid() {
		return "", false, fmt.Errorf("type %q is not one of string, number, boolean, object, array, null", s)
	}
	return s, nullable, nil
}

func tblCounts(t *tableEntry) int { return len(t.rows.order) }

func (h *server) CreateTable(ctx context.Context, req gen.CreateTableRequestObject) (gen.CreateTableResponseObject, error) {
	b := req.Body
	if b == nil {
		return nil, invalidPayload("a body is required")
	}
	st, unlock := h.lock()
	defer unlock()
	ts := st.bot(botOf(ctx)).tables
	if _, taken := ts.tblByName(b.Name); taken {
		return nil, alreadyExists("table", b.Name)
	}
	t, err := st.tblCreate(ts, tblSpec{
		name: b.Name, schema: b.Schema, factor: b.Factor, frozen: b.Frozen,
		keyColumn: b.KeyColumn, tags: b.Tags, compute: b.IsComputeEnabled,
	})
	if err != nil {
		return nil, err
	}
	return gen.CreateTable200JSONResponse{Table: t.table}, nil
}

func (h *server) GetTable(ctx context.Context, req gen.GetTableRequestObject) (gen.GetTableResponseObject, error) {
	_, t, unlock, err := h.tblGet(ctx, req.Table)
	if err != nil {
		return nil, err
	}
	defer unlock()
	return gen.GetTable200JSONResponse{Table: t.table, Rows: tblCounts(t)}, nil
}

func (h *server) GetOrCreateTable(ctx context.Context, req gen.GetOrCreateTableRequestObject) (gen.GetOrCreateTableResponseObject, error) {
	b := req.Body
	if b == nil {
		return nil, invalidPayload("a body is required")
	}
	st, unlock := h.lock()
	defer unlock()
	ts := st.bot(botOf(ctx)).tables
	if t, ok := ts.tblFind(req.Table); ok {
		return gen.GetOrCreateTable200JSONResponse{Table: t.table, Rows: tblCounts(t)}, nil
	}
	t, err := st.tblCreate(ts, tblSpec{
		name: req.Table, schema: b.Schema, factor: b.Factor, frozen: b.Frozen,
		keyColumn: b.KeyColumn, tags: b.Tags, compute: b.IsComputeEnabled,
	})
	if err != nil {
		return nil, err
	}
	return gen.GetOrCreateTable200JSONResponse{Table: t.table, Created: true}, nil
}

func (h *server) ListTables(ctx context.Context, req gen.ListTablesRequestObject) (gen.ListTablesResponseObject, error) {
	tags := req.Params.Tags
	st, unlock := h.lock()
	defer unlock()
	tables := []gen.Table{}
	for _, r := range st.bot(botOf(ctx)).tables.tables.filter(func(t *tableEntry) bool { return matchTags(t.table.Tags, tags) }) {
		tables = append(tables, r.v.table)
	}
	return gen.ListTables200JSONResponse{Tables: tables}, nil
}

// tblLocked answers the change of a frozen table's name or schema.
func tblLocked(t *tableEntry) error {
	return errorf(http.StatusConflict, "ResourceLockedConflict", "table %q is frozen: its name and schema cannot change", t.table.Name)
}

func (h *server) UpdateTable(ctx context.Context, req gen.UpdateTableRequestObject) (gen.UpdateTableResponseObject, error) {
	b := req.Body
	if b == nil {
		return nil, invalidPayload("a body is required")
	}
	st, t, unlock, err := h.tblGet(ctx, req.Table)
	if err != nil {
		return nil, err
	}
	defer unlock()
	ts := st.bot(botOf(ctx)).tables
	tb := t.table
	frozen := tb.Frozen != nil && *tb.Frozen
	if b.Name != nil && *b.Name != tb.Name {
		if frozen {
			return nil, tblLocked(t)
		}
		if _, taken := ts.tblByName(*b.Name); taken {
			return nil, alreadyExists("table", *b.Name)
		}
		tb.Name = *b.Name
	}
	if b.Schema != nil {
		if frozen {
			return nil, tblLocked(t)
		}
		if tb.Schema, err = tblSchema(b.Schema); err != nil {
			return nil, err
		}
	}
	if b.Frozen != nil {
		if frozen && !*b.Frozen {
			return nil, tblLocked(t)
		}
		tb.Frozen = ptr(*b.Frozen)
	}
	if b.Factor != nil {
		if tb.Factor != nil && *b.Factor < *tb.Factor {
			return nil, invalidPayload("factor can be raised, not lowered (from %v to %v)", *tb.Factor, *b.Factor)
		}
		tb.Factor = ptr(*b.Factor)
	}
	if b.KeyColumn.IsSpecified() {
		tb.KeyColumn = b.KeyColumn
	}
	if b.Tags != nil {
		tb.Tags = mergeTags(tb.Tags, b.Tags)
	}
	if b.IsComputeEnabled != nil {
		tb.IsComputeEnabled = ptr(*b.IsComputeEnabled)
	}
	now := st.now().UTC()
	tb.UpdatedAt = &now
	t.table = tb
	return gen.UpdateTable200JSONResponse{Table: tb}, nil
}

func (h *server) RenameTableColumn(ctx context.Context, req gen.RenameTableColumnRequestObject) (gen.RenameTableColumnResponseObject, error) {
	b := req.Body
	if b == nil {
		return nil, invalidPayload("a body is required")
	}
	st, t, unlock, err := h.tblGet(ctx, req.Table)
	if err != nil {
		return nil, err
	}
	defer unlock()
	tb := t.table
	if tb.Frozen != nil && *tb.Frozen {
		return nil, tblLocked(t)
	}
	col, ok := tb.Schema.Properties[b.Name]
	if !ok {
		return nil, notFound("column", b.Name)
	}
	if b.NewName == b.Name {
		return gen.RenameTableColumn200JSONResponse{Table: tb}, nil
	}
	if _, taken := tb.Schema.Properties[b.NewName]; taken || tblReserved[b.NewName] {
		return nil, alreadyExists("column", b.NewName)
	}
	props := make(map[string]gen.Table_Schema_Properties, len(tb.Schema.Properties))
	for k, v := range tb.Schema.Properties {
		props[k] = v
	}
	delete(props, b.Name)
	props[b.NewName] = col
	tb.Schema.Properties = props
	if tb.Schema.Required != nil {
		req := slices.Clone(tb.Schema.Required)
		for i, r := range req {
			if r == b.Name {
				req[i] = b.NewName
			}
		}
		tb.Schema.Required = req
	}
	if k, err := tb.KeyColumn.Get(); err == nil && k == b.Name {
		tb.KeyColumn = nullable.NewNullableWithValue(b.NewName)
	}
	now := st.now().UTC()
	tb.UpdatedAt = &now
	t.table = tb
	for _, r := range t.rows.order {
		v, ok := r.v.AdditionalProperties[b.Name]
		if !ok {
			continue
		}
		row := r.v
		cols := tblClone(row.AdditionalProperties)
		delete(cols, b.Name)
		cols[b.NewName] = v
		row.AdditionalProperties = cols
		r.v = row
	}
	return gen.RenameTableColumn200JSONResponse{Table: tb}, nil
}

func (h *server) DeleteTable(ctx context.Context, req gen.DeleteTableRequestObject) (gen.DeleteTableResponseObject, error) {
	st, t, unlock, err := h.tblGet(ctx, req.Table)
	if err != nil {
		return nil, err
	}
	defer unlock()
	st.bot(botOf(ctx)).tables.tables.remove(t.table.ID)
	return gen.DeleteTable200JSONResponse{}, nil
}

// DuplicateTable copies a table (found by ID or name) with its rows, IDs
// and times, or with its schema alone. The copy is named tableName, or the
// source's name followed by "Copy".
func (h *server) DuplicateTable(ctx context.Context, req gen.DuplicateTableRequestObject) (gen.DuplicateTableResponseObject, error) {
	var b gen.DuplicateTableJSONRequestBody
	if req.Body != nil {
		b = *req.Body
	}
	st, src, unlock, err := h.tblGet(ctx, req.SourceTableID)
	if err != nil {
		return nil, err
	}
	defer unlock()
	ts := st.bot(botOf(ctx)).tables
	name := src.table.Name + "Copy"
	if b.TableName != nil && *b.TableName != "" {
		name = *b.TableName
	}
	if _, taken := ts.tblByName(name); taken {
		return nil, alreadyExists("table", name)
	}
	id, seq := st.ids.next("table")
	now := st.now().UTC()
	tb := src.table
	tb.ID, tb.Name, tb.CreatedAt, tb.UpdatedAt = id, name, &now, &now
	if b.Factor != nil {
		tb.Factor = ptr(*b.Factor)
	}
	t := &tableEntry{table: tb, rows: newCollection[gen.Row](), nextID: 1}
	out := gen.DuplicateTable200JSONResponse{Table: tb, Rows: tblCounts(src)}
	if b.SchemaOnly == nil || !*b.SchemaOnly {
		for _, r := range src.rows.order {
			t.rows.add(tblRowKey(r.v.ID), r.seq, r.v)
		}
		t.nextID = src.nextID
		out.Job = st.tblJob(ctx, t, gen.TableJobTypeDuplicateTable)
	}
	ts.tables.add(id, seq, t)
	return out, nil
}

// tblJob records a background job on a table, done at once, and returns
// what a call that started it answers.
func (st *state) tblJob(ctx context.Context, t *tableEntry, typ gen.TableJobType) *gen.TableJobHandle {
	j := st.tblRecordJob(ctx, t, typ, gen.TableJobStatusCompleted)
	return &gen.TableJobHandle{ID: j.ID, Status: string(t.jobView(*j).Status)}
}

// tblRecordJob records a finished job on a table, without files, and
// returns it to be completed before the table's next job.
func (st *state) tblRecordJob(ctx context.Context, t *tableEntry, typ gen.TableJobType, status gen.TableJobStatus) *gen.TableJob {
	id, _ := st.ids.next("job")
	now := st.now().UTC()
	t.jobs = append(t.jobs, gen.TableJob{
		ID: id, BotID: botOf(ctx), TableID: t.table.ID, Type: typ, Status: status,
		InputFileID: nullable.NewNullNullable[string](), OutputFileID: nullable.NewNullNullable[string](),
		CreatedAt: now, UpdatedAt: now,
	})
	if st.srv.settings.holdTableJobs {
		if t.held == nil {
			t.held = map[string]bool{}
		}
		t.held[id] = true
	}
	return &t.jobs[len(t.jobs)-1]
}

// jobView is a job as answers show it: a job that WithTableJobsHeld holds
// is in_progress, halfway, with no output file yet.
func (t *tableEntry) jobView(j gen.TableJob) gen.TableJob {
	if t.held[j.ID] {
		j.Status = gen.TableJobStatusInProgress
		j.Progress = ptr(0.5)
		j.OutputFileID = nullable.NewNullNullable[string]()
	}
	return j
}

// GetTableJobs lists the jobs recorded on a table, newest first.
func (h *server) GetTableJobs(ctx context.Context, req gen.GetTableJobsRequestObject) (gen.GetTableJobsResponseObject, error) {
	_, t, unlock, err := h.tblGet(ctx, req.Table)
	if err != nil {
		return nil, err
	}
	defer unlock()
	jobs := make([]gen.TableJob, 0, len(t.jobs))
	for i := len(t.jobs) - 1; i >= 0; i-- {
		jobs = append(jobs, t.jobView(t.jobs[i]))
	}
	if jobs == nil {
		jobs = []gen.TableJob{}
	}
	return gen.GetTableJobs200JSONResponse{Jobs: jobs}, nil
}

// Rows.

// tblReserved are the Row fields a column cannot be named after.
var tblReserved = map[string]bool{"id": true, "createdAt": true, "updatedAt": true, "computed": true, "stale": true, "similarity": true}

func tblRowKey(id int64) string { return strconv.FormatInt(id, 10) }

// tblClone copies a row's columns (one level: values are never changed in
// place).
func tblClone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// tblMerge returns a row's columns with cols written over them.
func tblMerge(stored, cols map[string]any) map[string]any {
	merged := tblClone(stored)
	for k, v := range cols {
		merged[k] = v
	}
	return merged
}

// tblInsert adds a row with the next ID.
func (st *state) tblInsert(t *tableEntry, cols map[string]any) gen.Row {
	now := st.now().UTC()
	id := t.nextID
	t.nextID++
	row := gen.Row{
		ID: int64(id), Computed: map[string]gen.Row_Computed{}, CreatedAt: &now, UpdatedAt: &now,
		AdditionalProperties: cols,
	}
	t.rows.add(tblRowKey(row.ID), int64(id), row)
	return row
}

// tblUpdate writes columns over a row.
func (st *state) tblUpdate(t *tableEntry, row gen.Row, cols map[string]any) gen.Row {
	now := st.now().UTC()
	row.AdditionalProperties, row.UpdatedAt = tblMerge(row.AdditionalProperties, cols), &now
	t.rows.put(tblRowKey(row.ID), row)
	return row
}

// tblKeyTaken refuses the value cols gives the key column of a table that
// has one when another row (than except) already holds it.
func tblKeyTaken(t *tableEntry, cols map[string]any, except int64) error {
	key, err := t.table.KeyColumn.Get()
	if err != nil || key == "" {
		return nil
	}
	v, ok := cols[key]
	if !ok || v == nil {
		return nil
	}
	if _, found := t.rows.find(func(r gen.Row) bool {
		return r.ID != except && tblEqual(r.AdditionalProperties[key], v)
	}); found {
		return fmt.Errorf("key column %q already holds %v", key, v)
	}
	return nil
}

func (h *server) CreateTableRows(ctx context.Context, req gen.CreateTableRowsRequestObject) (gen.CreateTableRowsResponseObject, error) {
	st, t, unlock, err := h.tblGet(ctx, req.Table)
	if err != nil {
		return nil, err
	}
	defer unlock()
	out := gen.CreateTableRowsResponse{Rows: []gen.Row{}}
	check := newTblRowCheck(t, st.srv.settings.limits.TableRow)
	for i, in := range req.Body.Rows {
		cols, err := check.columns(in)
		if err == nil {
			err = check.complete(cols)
		}
		if err == nil {
			err = tblKeyTaken(t, cols, -1)
		}
		if err != nil {
			out.Errors = append(out.Errors, fmt.Sprintf("row %d: %v", i, err))
			continue
		}
		out.Rows = append(out.Rows, st.tblInsert(t, cols))
	}
	out.Warnings = check.warnings()
	return gen.CreateTableRows200JSONResponse(out), nil
}

func (h *server) GetTableRow(ctx context.Context, req gen.GetTableRowRequestObject) (gen.GetTableRowResponseObject, error) {
	_, t, unlock, err := h.tblGet(ctx, req.Table)
	if err != nil {
		return nil, err
	}
	defer unlock()
	row, ok := t.rows.get(tblRowKey(req.Params.ID))
	if !ok {
		return nil, notFound("row", tblRowKey(req.Params.ID))
	}
	return gen.GetTableRow200JSONResponse{Row: row}, nil
}

func (h *server) UpdateTableRows(ctx context.Context, req gen.UpdateTableRowsRequestObject) (gen.UpdateTableRowsResponseObject, error) {
	st, t, unlock, err := h.tblGet(ctx, req.Table)
	if err != nil {
		return nil, err
	}
	defer unlock()
	out := gen.UpdateTableRowsResponse{Rows: []gen.Row{}}
	check := newTblRowCheck(t, st.srv.settings.limits.TableRow)
	for i, in := range req.Body.Rows {
		row, ok := t.rows.get(tblRowKey(in.ID))
		if !ok {
			out.Errors = append(out.Errors, fmt.Sprintf("row %d: no row with id %d", i, in.ID))
			continue
		}
		cols, err := check.columns(in.AdditionalProperties)
		if err == nil {
			err = check.complete(tblMerge(row.AdditionalProperties, cols))
		}
		if err == nil {
			err = tblKeyTaken(t, cols, row.ID)
		}
		if err != nil {
			out.Errors = append(out.Errors, fmt.Sprintf("row %d: %v", i, err))
			continue
		}
		out.Rows = append(out.Rows, st.tblUpdate(t, row, cols))
	}
	out.Warnings = check.warnings()
	return gen.UpdateTableRows200JSONResponse(out), nil
}

// UpsertTableRows updates the rows whose key column (id unless named)
// matches a stored row, and inserts the others with new IDs.
func (h *server) UpsertTableRows(ctx context.Context, req gen.UpsertTableRowsRequestObject) (gen.UpsertTableRowsResponseObject, error) {
	key := "id"
	if req.Body.KeyColumn != nil && *req.Body.KeyColumn != "" {
		key = *req.Body.KeyColumn
	}
	st, t, unlock, err := h.tblGet(ctx, req.Table)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if key != "id" {
		if _, ok := t.table.Schema.Properties[key]; !ok {
			return nil, invalidPayload("keyColumn %q is not a column of table %q", key, t.table.Name)
		}
	}
	out := gen.UpsertTableRowsResponse{Inserted: []gen.Row{}, Updated: []gen.Row{}}
	check := newTblRowCheck(t, st.srv.settings.limits.TableRow)
	for i, in := range req.Body.Rows {
		cols, err := check.columns(in.AdditionalProperties)
		if err != nil {
			out.Errors = append(out.Errors, fmt.Sprintf("row %d: %v", i, err))
			continue
		}
		var (
			row   gen.Row
			found bool
		)
		if key == "id" {
			if in.ID != nil {
				row, found = t.rows.get(tblRowKey(*in.ID))
			}
		} else if v, ok := cols[key]; ok && v != nil {
			row, found = t.rows.find(func(r gen.Row) bool { return tblEqual(r.AdditionalProperties[key], v) })
		}
		except := int64(-1)
		stored := cols
		if found {
			except = row.ID
			stored = tblMerge(row.AdditionalProperties, cols)
		}
		err = check.complete(stored)
		if err == nil {
			err = tblKeyTaken(t, cols, except)
		}
		if err != nil {
			out.Errors = append(out.Errors, fmt.Sprintf("row %d: %v", i, err))
			continue
		}
		if found {
			out.Updated = append(out.Updated, st.tblUpdate(t, row, cols))
		} else {
			out.Inserted = append(out.Inserted, st.tblInsert(t, cols))
		}
	}
	out.Warnings = check.warnings()
	return gen.UpsertTableRows200JSONResponse(out), nil
}

// DeleteTableRows deletes every row (deleteAllRows), or the rows that ids
// or filter pick (either, when both are given). A deletion by filter
// records a delete_rows job, as the API's, run in the background, does.
func (h *server) DeleteTableRows(ctx context.Context, req gen.DeleteTableRowsRequestObject) (gen.DeleteTableRowsResponseObject, error) {
	b := req.Body
	if b == nil {
		return nil, invalidPayload("a body is required")
	}
	all := b.DeleteAllRows != nil && *b.DeleteAllRows
	if !all && len(b.IDs) == 0 && len(b.Filter) == 0 {
		return nil, invalidPayload("say which rows to delete: ids, filter or deleteAllRows")
	}
	st, t, unlock, err := h.tblGet(ctx, req.Table)
	if err != nil {
		return nil, err
	}
	defer unlock()
	var match rowPred
	if !all && len(b.Filter) > 0 {
		if match, err = tblFilter(b.Filter, tblKnownColumn(t.table.Schema)); err != nil {
			return nil, err
		}
	}
	ids := map[string]bool{}
	for _, id := range b.IDs {
		ids[tblRowKey(id)] = true
	}
	doomed := t.rows.filter(func(r gen.Row) bool {
		return all || ids[tblRowKey(r.ID)] || (match != nil && match(tblView(r)))
	})
	for _, r := range doomed {
		t.rows.remove(tblRowKey(r.v.ID))
	}
	out := gen.DeleteTableRows200JSONResponse{DeletedRows: len(doomed)}
	if match != nil {
		out.Job = st.tblJob(ctx, t, gen.TableJobTypeDeleteRows)
	}
	return out, nil
}

func (h *server) FindTableRows(ctx context.Context, req gen.FindTableRowsRequestObject) (gen.FindTableRowsResponseObject, error) {
	var b gen.FindTableRowsJSONRequestBody
	if req.Body != nil {
		b = *req.Body
	}
	limit, offset := 100, 0
	if b.Limit != nil {
		limit = *b.Limit
	}
	if b.Offset != nil {
		offset = *b.Offset
	}
	orderBy := "id"
	if b.OrderBy != nil && *b.OrderBy != "" {
		orderBy = *b.OrderBy
	}
	desc := b.OrderDirection != nil && *b.OrderDirection == gen.SortDirectionDesc
	search := ""
	if b.Search != nil {
		search = strings.ToLower(strings.TrimSpace(*b.Search))
	}
	_, t, unlock, err := h.tblGet(ctx, req.Table)
	if err != nil {
		return nil, err
	}
	defer unlock()
	match, err := tblFilter(b.Filter, tblKnownColumn(t.table.Schema))
	if err != nil {
		return nil, err
	}
	type hit struct {
		row  gen.Row
		view map[string]any
	}
	var hits []hit
	for _, r := range t.rows.order {
		view := tblView(r.v)
		if !match(view) {
			continue
		}
		row := r.v
		if search != "" {
			if !tblSearch(row.AdditionalProperties, search) {
				continue
			}
			row.Similarity = ptr(1.0)
		}
		hits = append(hits, hit{row: row, view: view})
	}
	slices.SortStableFunc(hits, func(a, b hit) int {
		av, aok := tblLookup(a.view, orderBy)
		bv, bok := tblLookup(b.view, orderBy)
		c := tblOrder(av, aok, bv, bok)
		if desc {
			c = -c
		}
		if c == 0 {
			c = cmp.Compare(a.row.ID, b.row.ID)
		}
		return c
	})
	out := gen.FindTableRowsResponse{Rows: []gen.Row{}, Limit: limit, Offset: offset}
	if len(b.Group) > 0 {
		out.Warnings = append(out.Warnings, "bptest ignores group")
	}
	if offset < len(hits) {
		end := min(offset+limit, len(hits))
		for _, x := range hits[offset:end] {
			row := x.row
			if len(b.Select) > 0 {
				row.AdditionalProperties = tblSelect(row.AdditionalProperties, b.Select)
			}
			out.Rows = append(out.Rows, row)
		}
		out.HasMore = end < len(hits)
	}
	return gen.FindTableRows200JSONResponse(out), nil
}

// tblView is what filters and sorting see of a row: its columns, and id,
// createdAt and updatedAt.
func tblView(r gen.Row) map[string]any {
	v := make(map[string]any, len(r.AdditionalProperties)+3)
	for k, x := range r.AdditionalProperties {
		v[k] = x
	}
	v["id"] = float64(r.ID) // as filters read it from JSON
	if r.CreatedAt != nil {
		v["createdAt"] = r.CreatedAt.Format(time.RFC3339Nano)
	}
	if r.UpdatedAt != nil {
		v["updatedAt"] = r.UpdatedAt.Format(time.RFC3339Nano)
	}
	return v
}

// tblLookup reads a column, or a dotted path into object columns.
func tblLookup(view map[string]any, col string) (any, bool) {
	if v, ok := view[col]; ok {
		return v, true
	}
	parts := strings.Split(col, ".")
	var cur any = view
	for _, p := range parts {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[p]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// tblSearch reports whether a text column contains the (lower-case) term.
func tblSearch(cols map[string]any, term string) bool {
	for _, v := range cols {
		if s, ok := v.(string); ok && strings.Contains(strings.ToLower(s), term) {
			return true
		}
	}
	return false
}

// tblSelect keeps the selected columns, or dotted paths, of a row.
func tblSelect(cols map[string]any, sel []string) map[string]any {
	out := map[string]any{}
	for _, col := range sel {
		if tblReserved[col] {
			continue
		}
		v, ok := tblLookup(cols, col)
		if !ok {
			continue
		}
		if _, top := cols[col]; top {
			out[col] = v
			continue
		}
		parts := strings.Split(col, ".")
		m := out
		for _, p := range parts[:len(parts)-1] {
			next, ok := m[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[p] = next
			}
			m = next
		}
		m[parts[len(parts)-1]] = v
	}
	return out
}

// Filters.

// rowPred tells whether a row's view matches a filter.
type rowPred func(view map[string]any) bool

// tblFilter compiles a filter; an empty one matches every row. A column
// that known refuses answers 400 InvalidQuery.
func tblFilter(f map[string]any, known func(string) bool) (rowPred, error) {
	var preds []rowPred
	for _, k := range sortedKeys(f) {
		v := f[k]
		var p rowPred
		var err error
		switch k {
		case "$and", "$or":
			p, err = tblLogical(k, v, known)
		case "$not":
			m, ok := v.(map[string]any)
			if !ok {
				return nil, tblBadFilter("$not takes a filter object")
			}
			var inner rowPred
			if inner, err = tblFilter(m, known); err == nil {
				p = func(view map[string]any) bool { return !inner(view) }
			}
		default:
			if strings.HasPrefix(k, "$") {
				return nil, tblBadFilter("unknown operator %q", k)
			}
			if !known(k) {
				return nil, tblBadFilter("unknown column %q", k)
			}
			p, err = tblColumnFilter(k, v)
		}
		if err != nil {
			return nil, err
		}
		preds = append(preds, p)
	}
	return func(view map[string]any) bool {
		for _, p := range preds {
			if !p(view) {
				return false
			}
		}
		return true
	}, nil
}

func tblBadFilter(format string, args ...any) error {
	return errorf(http.StatusBadRequest, "InvalidQuery", "filter: "+format, args...)
}

func tblLogical(op string, v any, known func(string) bool) (rowPred, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, tblBadFilter("%s takes a list of filters", op)
	}
	var preds []rowPred
	for _, x := range list {
		m, ok := x.(map[string]any)
		if !ok {
			return nil, tblBadFilter("%s takes a list of filter objects", op)
		}
		p, err := tblFilter(m, known)
		if err != nil {
			return nil, err
		}
		preds = append(preds, p)
	}
	and := op == "$and"
	return func(view map[string]any) bool {
		for _, p := range preds {
			if p(view) != and {
				return !and
			}
		}
		return and
	}, nil
}

// tblColumnFilter compiles the condition on one column: a value (equal)
// or an object of operators.
func tblColumnFilter(col string, v any) (rowPred, error) {
	ops, isMap := v.(map[string]any)
	isOps := false
	if isMap {
		n := 0
		for k := range ops {
			if strings.HasPrefix(k, "$") {
				n++
			}
		}
		if n > 0 && n < len(ops) {
			return nil, tblBadFilter("column %q mixes operators and fields", col)
		}
		isOps = n > 0
	}
	if !isOps {
		return func(view map[string]any) bool { x, _ := tblLookup(view, col); return tblMatchEq(x, v) }, nil
	}
	test, err := tblOps(col, ops)
	if err != nil {
		return nil, err
	}
	return func(view map[string]any) bool { x, ok := tblLookup(view, col); return test(x, ok) }, nil
}

// tblOps compiles an object of operators on one column into a test of
// its value (and whether the row has it).
func tblOps(col string, ops map[string]any) (func(x any, present bool) bool, error) {
	var tests []func(any, bool) bool
	if _, ok := ops["$options"]; ok {
		if _, ok := ops["$regex"]; !ok {
			return nil, tblBadFilter("column %q: $options needs $regex", col)
		}
	}
	for _, op := range sortedKeys(ops) {
		arg := ops[op]
		var t func(any, bool) bool
		switch op {
		case "$eq":
			t = func(x any, _ bool) bool { return tblMatchEq(x, arg) }
		case "$ne":
			t = func(x any, _ bool) bool { return !tblMatchEq(x, arg) }
		case "$gt", "$gte", "$lt", "$lte":
			want := map[string]func(int) bool{
				"$gt": func(c int) bool { return c > 0 }, "$gte": func(c int) bool { return c >= 0 },
				"$lt": func(c int) bool { return c < 0 }, "$lte": func(c int) bool { return c <= 0 },
			}[op]
			t = func(x any, _ bool) bool { c, ok := tblCompare(x, arg); return ok && want(c) }
		case "$in", "$nin":
			list, ok := arg.([]any)
			if !ok {
				return nil, tblBadFilter("column %q: %s takes a list", col, op)
			}
			in := func(x any) bool { return slices.ContainsFunc(list, func(v any) bool { return tblMatchEq(x, v) }) }
			if op == "$in" {
				t = func(x any, _ bool) bool { return in(x) }
			} else {
				t = func(x any, _ bool) bool { return !in(x) }
			}
		case "$exists":
			want, ok := arg.(bool)
			if !ok {
				return nil, tblBadFilter("column %q: $exists takes true or false", col)
			}
			t = func(x any, present bool) bool { return (present && x != nil) == want }
		case "$regex":
			re, err := tblRegex(col, arg, ops["$options"])
			if err != nil {
				return nil, err
			}
			t = func(x any, _ bool) bool {
				return tblAny(x, func(v any) bool { s, ok := v.(string); return ok && re.MatchString(s) })
			}
		case "$options":
			continue
		case "$not":
			m, ok := arg.(map[string]any)
			if !ok {
				return nil, tblBadFilter("column %q: $not takes an object of operators", col)
			}
			for k := range m {
				if !strings.HasPrefix(k, "$") {
					return nil, tblBadFilter("column %q: $not takes an object of operators", col)
				}
			}
			inner, err := tblOps(col, m)
			if err != nil {
				return nil, err
			}
			t = func(x any, present bool) bool { return !inner(x, present) }
		default:
			return nil, tblBadFilter("unknown operator %q on column %q", op, col)
		}
		tests = append(tests, t)
	}
	return func(x any, present bool) bool {
		for _, t := range tests {
			if !t(x, present) {
				return false
			}
		}
		return true
	}, nil
}

func tblRegex(col string, pattern, options any) (*regexp.Regexp, error) {
	p, ok := pattern.(string)
	if !ok {
		return nil, tblBadFilter("column %q: $regex takes a string", col)
	}
	flags := ""
	if options != nil {
		o, ok := options.(string)
		if !ok {
			return nil, tblBadFilter("column %q: $options takes a string", col)
		}
		for _, c := range o {
			if !strings.ContainsRune("ims", c) {
				return nil, tblBadFilter("column %q: unknown $options flag %q", col, c)
			}
			if !strings.ContainsRune(flags, c) {
				flags += string(c)
			}
		}
	}
	if flags != "" {
		p = "(?" + flags + ")" + p
	}
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, tblBadFilter("column %q: $regex: %v", col, err)
	}
	return re, nil
}

// tblAny applies test to a value, or to the elements of an array.
func tblAny(x any, test func(any) bool) bool {
	if list, ok := x.([]any); ok {
		return slices.ContainsFunc(list, test)
	}
	return test(x)
}

// tblMatchEq is $eq: equal values, or an array holding the operand.
func tblMatchEq(x, want any) bool {
	if tblEqual(x, want) {
		return true
	}
	if _, isList := want.([]any); !isList {
		if list, ok := x.([]any); ok {
			return slices.ContainsFunc(list, func(v any) bool { return tblEqual(v, want) })
		}
	}
	return false
}

// tblEqual compares two JSON values; date-time strings compare as times.
func tblEqual(a, b any) bool {
	if c, ok := tblCompare(a, b); ok {
		return c == 0
	}
	return reflect.DeepEqual(a, b)
}

// tblCompare orders two values of the same kind: numbers, strings (as
// times when both are ISO 8601 date-times) or booleans.
func tblCompare(a, b any) (int, bool) {
	switch a := a.(type) {
	case float64:
		if b, ok := b.(float64); ok {
			return compareFloat(a, b), true
		}
	case string:
		if b, ok := b.(string); ok {
			if tblLooksLikeTime(a) && tblLooksLikeTime(b) {
				ta, errA := time.Parse(time.RFC3339Nano, a)
				tb, errB := time.Parse(time.RFC3339Nano, b)
				if errA == nil && errB == nil {
					return ta.Compare(tb), true
				}
			}
			return strings.Compare(a, b), true
		}
	case bool:
		if b, ok := b.(bool); ok {
			switch {
			case a == b:
				return 0, true
			case !a:
				return -1, true
			}
			return 1, true
		}
	}
	return 0, false
}

// tblLooksLikeTime is a cheap test that s may be an ISO 8601 date-time
// (2006-01-02T15:04:05Z at least), so that comparing other strings does
// not pay for a failed time.Parse.
func tblLooksLikeTime(s string) bool {
	return len(s) >= 20 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == 't')
}

// tblOrder sorts values for orderBy: numbers, then text, then booleans,
// then other values, then null or missing last.
func tblOrder(a any, aok bool, b any, bok bool) int {
	rank := func(v any, ok bool) int {
		switch v.(type) {
		case float64:
			return 0
		case string:
			return 1
		case bool:
			return 2
		case nil:
			return 4
		}
		if !ok {
			return 4
		}
		return 3
	}
	ra, rb := rank(a, aok), rank(b, bok)
	if ra != rb {
		return ra - rb
	}
	c, _ := tblCompare(a, b)
	return c
}
