package bptest

// Seed data for tables, files, the workspace's integrations, plugins and
// interfaces, and its billing plan (see SeedData).

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/oapi-codegen/nullable"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

// TableSeed is a table of a bot and its rows. Name and Schema are required;
// the schema is taken as createTable takes it (a JSON schema, or an object
// of columns). Left out: id, tags (none), factor (1), frozen and
// isComputeEnabled (false), keyColumn (none), createdAt and updatedAt
// (now).
type TableSeed struct {
	ID               string            `json:"id,omitempty"`
	Name             string            `json:"name"`
	Schema           map[string]any    `json:"schema"`
	Tags             map[string]string `json:"tags,omitempty"`
	Factor           *float64          `json:"factor,omitempty"`
	Frozen           *bool             `json:"frozen,omitempty"`
	KeyColumn        string            `json:"keyColumn,omitempty"`
	IsComputeEnabled *bool             `json:"isComputeEnabled,omitempty"`
	CreatedAt        time.Time         `json:"createdAt,omitzero"`
	UpdatedAt        time.Time         `json:"updatedAt,omitzero"`
	// Rows are the table's rows: their columns, checked against the
	// schema as createTableRows checks them (a column the schema does not
	// declare is an error here), and optionally id (by default the next
	// one), createdAt and updatedAt (ISO 8601; now by default).
	Rows []map[string]any `json:"rows,omitempty"`
}

// FileSeed is a file of a bot, loaded as already uploaded. Key is
// required; the content is Content (text) or ContentBase64 (any bytes).
// Left out: id, contentType (from the key's extension, as upsertFile does),
// tags, metadata, createdAt and updatedAt (now). A file with Index set is
// loaded with its indexing done: its status is indexing_completed with
// Passages, or, when there are none, the passages indexing makes (one per
// paragraph of a text file), or indexing_failed when its content cannot be
// indexed (see indexing.go).
type FileSeed struct {
	ID            string            `json:"id,omitempty"`
	Key           string            `json:"key"`
	Content       string            `json:"content,omitempty"`
	ContentBase64 string            `json:"contentBase64,omitempty"`
	ContentType   string            `json:"contentType,omitempty"`
	Tags          map[string]string `json:"tags,omitempty"`
	Metadata      map[string]any    `json:"metadata,omitempty"`
	Index         bool              `json:"index,omitempty"`
	Passages      []gen.FilePassage `json:"passages,omitempty"`
	CreatedAt     time.Time         `json:"createdAt,omitzero"`
	UpdatedAt     time.Time         `json:"updatedAt,omitzero"`
}

// BillingSeed is a workspace's subscription: a plan of the catalogue
// (listPlans) and its interval, month (the default) or year, for which
// the plan must be sold. The current period starts at the first of the
// month (or year) of now.
type BillingSeed struct {
	Plan     string              `json:"plan"`
	Interval gen.BillingInterval `json:"interval,omitempty"`
}

// loadTables adds the seeded tables of a bot.
func (st *state) loadTables(b *botState, seeds []TableSeed, now time.Time) error {
	ts := b.tables
	for i, s := range seeds {
		if s.Name == "" {
			return fmt.Errorf("table %d: a name is required", i)
		}
		if _, taken := ts.tblByName(s.Name); taken {
			return fmt.Errorf("table %s: given twice", s.Name)
		}
		if s.Schema == nil {
			return fmt.Errorf("table %s: a schema is required", s.Name)
		}
		key := nullable.NewNullNullable[string]()
		if s.KeyColumn != "" {
			key = nullable.NewNullableWithValue(s.KeyColumn)
		}
		t, err := st.tblCreate(ts, tblSpec{
			name: s.Name, schema: s.Schema, factor: s.Factor, frozen: s.Frozen,
			keyColumn: key, tags: s.Tags, compute: s.IsComputeEnabled,
		})
		if err != nil {
			return fmt.Errorf("table %s: %w", s.Name, err)
		}
		if s.KeyColumn != "" {
			if _, ok := t.table.Schema.Properties[s.KeyColumn]; !ok {
				ts.tables.remove(t.table.ID)
				return fmt.Errorf("table %s: key column %q is not a column of its schema", s.Name, s.KeyColumn)
			}
		}
		if s.ID != "" && s.ID != t.table.ID {
			if _, taken := ts.tables.get(s.ID); taken {
				ts.tables.remove(t.table.ID)
				return fmt.Errorf("table %s: ID %s given twice", s.Name, s.ID)
			}
			ts.tables.remove(t.table.ID)
			_, seq := st.ids.next("table")
			t.table.ID = s.ID
			ts.tables.add(s.ID, seq, t)
		}
		st.ids.observe(t.table.ID)
		created, updated := now, now
		if !s.CreatedAt.IsZero() {
			created = s.CreatedAt.UTC()
		}
		if !s.UpdatedAt.IsZero() {
			updated = s.UpdatedAt.UTC()
		}
		t.table.CreatedAt, t.table.UpdatedAt = &created, &updated
		if err := st.loadRows(t, s.Rows, now); err != nil {
			return fmt.Errorf("table %s: %w", s.Name, err)
		}
	}
	return nil
}

// loadRows adds seeded rows to a table, checked as createTableRows checks
// them.
func (st *state) loadRows(t *tableEntry, rows []map[string]any, now time.Time) error {
	check := newTblRowCheck(t, st.srv.settings.limits.TableRow)
	for i, in := range rows {
		id := int64(t.nextID)
		if v, ok := in["id"]; ok {
			f, ok := v.(float64)
			if !ok || f < 1 || f != float64(int64(f)) {
				return fmt.Errorf("row %d: id %v is not a positive integer", i, v)
			}
			if id = int64(f); id < int64(t.nextID) {
				return fmt.Errorf("row %d: id %d is not above the ids of the rows before it", i, id)
			}
		}
		stamp := func(key string) (time.Time, error) {
			v, ok := in[key]
			if !ok {
				return now, nil
			}
			s, _ := v.(string)
			tm, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return tm, fmt.Errorf("row %d: %s %v is not an ISO 8601 date-time", i, key, v)
			}
			return tm.UTC(), nil
		}
		created, err := stamp("createdAt")
		if err != nil {
			return err
		}
		updated, err := stamp("updatedAt")
		if err != nil {
			return err
		}
		cols, err := check.columns(in)
		if err == nil && len(check.unknown) > 0 {
			err = fmt.Errorf("%s", check.warnings()[0])
		}
		if err == nil {
			err = check.complete(cols)
		}
		if err == nil {
			err = tblKeyTaken(t, cols, -1)
		}
		if err != nil {
			return fmt.Errorf("row %d: %w", i, err)
		}
		row := gen.Row{ID: id, Computed: map[string]gen.Row_Computed{}, CreatedAt: &created, UpdatedAt: &updated, AdditionalProperties: cols}
		t.rows.add(tblRowKey(id), id, row)
		t.nextID = max(t.nextID, int(id)+1)
	}
	return nil
}

// loadFiles adds the seeded files of a bot, uploaded.
func (st *state) loadFiles(b *botState, seeds []FileSeed, now time.Time) error {
	fs := b.files
	for i, s := range seeds {
		if s.Key == "" {
			return fmt.Errorf("file %d: a key is required", i)
		}
		if _, taken := fs.fileByKey(s.Key); taken {
			return fmt.Errorf("file %s: key given twice", s.Key)
		}
		content := []byte(s.Content)
		if s.ContentBase64 != "" {
			if s.Content != "" {
				return fmt.Errorf("file %s: content and contentBase64 are both given", s.Key)
			}
			var err error
			if content, err = base64.StdEncoding.DecodeString(s.ContentBase64); err != nil {
				return fmt.Errorf("file %s: contentBase64: %w", s.Key, err)
			}
		}
		meta, err := fileMetadata(s.Metadata)
		if err != nil {
			return fmt.Errorf("file %s: metadata: %w", s.Key, err)
		}
		id, seq := st.ids.next("file")
		if s.ID != "" {
			if _, taken := fs.files.get(s.ID); taken {
				return fmt.Errorf("file %s: ID %s given twice", s.Key, s.ID)
			}
			id = s.ID
			st.ids.observe(id)
		}
		created, updated := instant(now), instant(now)
		if !s.CreatedAt.IsZero() {
			created = instant(s.CreatedAt)
		}
		if !s.UpdatedAt.IsZero() {
			updated = instant(s.UpdatedAt)
		}
		typ := s.ContentType
		f := gen.File{
			ID: id, BotID: b.id, Key: s.Key, URL: st.srv.storageURL(b.id, id),
			Size:        nullable.NewNullableWithValue(int64(len(content))),
			ContentType: fileContentType(&typ, s.Key), Tags: mergeTags(nil, s.Tags), Metadata: meta,
			CreatedAt: created, UpdatedAt: updated, AccessPolicies: []gen.FileAccessPolicy{},
			Index: s.Index, Status: gen.FileStatusUploadCompleted,
			Owner: gen.File_Owner{Type: gen.FileOwnerTypeBot, ID: ptr(b.id)},
		}
		e := &fileEntry{file: f, content: content, uploaded: true}
		if s.Index {
			if len(s.Passages) > 0 {
				e.passages = slices.Clone(s.Passages)
				e.file.Status = gen.FileStatusIndexingCompleted
				e.file.IndexingStack = ptr(gen.FileIndexingStackV2)
			} else {
				st.finishIndexing(e)
				if e.file.Status == gen.FileStatusIndexingCompleted && fileIsText(e.file.ContentType) && !utf8.Valid(content) {
					return fmt.Errorf("file %s: content is not UTF-8 text", s.Key)
				}
			}
			e.file.UpdatedAt = updated
		} else if len(s.Passages) > 0 {
			return fmt.Errorf("file %s: passages given for a file that is not indexed", s.Key)
		}
		fs.files.add(id, seq, e)
		st.fileRemember(fs, f.Tags)
	}
	return nil
}

// loadDefs adds seeded versions of integrations, plugins or interfaces to
// the server's workspace, each as the JSON its get call answers (or as
// its create body: what is left out gets the defaults a create gives).
func (st *state) loadDefs(d *admDefs, docs []map[string]any, now time.Time) error {
	ws := st.srv.WorkspaceID
	for i, in := range docs {
		in = admClone(in).(map[string]any)
		name, _ := in["name"].(string)
		version, _ := in["version"].(string)
		what := fmt.Sprintf("%s %d (%s@%s)", d.kind.name, i, name, version)
		if name == "" || version == "" {
			return fmt.Errorf("%s: a name and a version are required", what)
		}
		if vis, ok := in["visibility"]; ok && vis != "public" && vis != "private" && vis != "unlisted" {
			return fmt.Errorf("%s: visibility %v is not public, private or unlisted", what, vis)
		}
		if err := d.checkNew(ws, in); err != nil {
			return fmt.Errorf("%s: given twice", what)
		}
		id, seq := st.ids.next(d.kind.prefix)
		if s, ok := in["id"].(string); ok && s != "" {
			if _, taken := d.recs.get(s); taken {
				return fmt.Errorf("%s: ID %s given twice", what, s)
			}
			id = s
			st.ids.observe(id)
		}
		doc := map[string]any{"id": id, "createdAt": timestamp(now), "updatedAt": timestamp(now)}
		for _, k := range []string{"createdAt", "updatedAt"} {
			if s, ok := in[k].(string); ok {
				if s == "" {
					s = timestamp(now)
				} else if _, err := time.Parse(time.RFC3339, s); err != nil {
					return fmt.Errorf("%s: %s: timestamp %q is not an ISO 8601 date-time", what, k, s)
				}
				doc[k] = s
			}
			delete(in, k)
		}
		delete(in, "id")
		d.merge(st, doc, in)
		// The map of every version's JSON object must match the spec.
		if _, err := json.Marshal(doc); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		d.recs.add(id, seq, admDef{workspace: ws, doc: doc})
		if d.kind.signing {
			st.admNewSigning(id)
		}
	}
	return nil
}

// loadBilling sets the subscriptions of workspaces.
func (st *state) loadBilling(byWorkspace map[string]BillingSeed) error {
	for _, ws := range slices.Sorted(maps.Keys(byWorkspace)) {
		s := byWorkspace[ws]
		b, err := st.blFor(ws)
		if err != nil {
			return fmt.Errorf("billing of unknown workspace %q", ws)
		}
		p, ok := blFindPlan(s.Plan)
		if !ok {
			return fmt.Errorf("workspace %s: plan %q is not in the catalogue (listPlans)", ws, s.Plan)
		}
		iv := s.Interval
		if iv == "" {
			iv = gen.BillingIntervalMonth
		}
		if !iv.Valid() {
			return fmt.Errorf("workspace %s: interval %q is not month or year", ws, iv)
		}
		if _, sold := p.price(iv); !sold {
			return fmt.Errorf("workspace %s: plan %s is not sold by the %s", ws, s.Plan, iv)
		}
		b.planID, b.interval, b.cancel, b.next = p.id, iv, false, nil
		b.start = blMonth(st.now())
		if iv == gen.BillingIntervalYear {
			b.start = time.Date(b.start.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
		}
		b.end = blAdd(b.start, iv)
	}
	return nil
}

// dumpTables writes a bot's tables in the seed format.
func dumpTables(b *botState) []TableSeed {
	var out []TableSeed
	for _, t := range values(b.tables.tables) {
		var schema map[string]any
		if data, err := json.Marshal(t.table.Schema); err == nil {
			_ = json.Unmarshal(data, &schema)
		}
		s := TableSeed{
			ID: t.table.ID, Name: t.table.Name, Schema: schema, Tags: maps.Clone(t.table.Tags),
			Factor: t.table.Factor, Frozen: t.table.Frozen, IsComputeEnabled: t.table.IsComputeEnabled,
		}
		if key, err := t.table.KeyColumn.Get(); err == nil {
			s.KeyColumn = key
		}
		if t.table.CreatedAt != nil {
			s.CreatedAt = *t.table.CreatedAt
		}
		if t.table.UpdatedAt != nil {
			s.UpdatedAt = *t.table.UpdatedAt
		}
		for _, r := range values(t.rows) {
			row := tblClone(r.AdditionalProperties)
			row["id"] = r.ID
			if r.CreatedAt != nil {
				row["createdAt"] = timestamp(*r.CreatedAt)
			}
			if r.UpdatedAt != nil {
				row["updatedAt"] = timestamp(*r.UpdatedAt)
			}
			s.Rows = append(s.Rows, row)
		}
		out = append(out, s)
	}
	return out
}

// dumpFiles writes a bot's uploaded files in the seed format.
func dumpFiles(b *botState) []FileSeed {
	var out []FileSeed
	for _, e := range values(b.files.files) {
		if !e.uploaded {
			continue
		}
		f := e.file
		s := FileSeed{
			ID: f.ID, Key: f.Key, ContentType: f.ContentType, Tags: maps.Clone(f.Tags), Index: f.Index,
			CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt,
		}
		if len(f.Metadata) > 0 {
			s.Metadata = map[string]any{}
			for k, v := range f.Metadata {
				s.Metadata[k] = v
			}
		}
		if fileIsText(f.ContentType) && utf8.Valid(e.content) {
			s.Content = string(e.content)
		} else {
			s.ContentBase64 = base64.StdEncoding.EncodeToString(e.content)
		}
		if f.Index && f.Status == gen.FileStatusIndexingCompleted && len(e.passages) > 0 {
			s.Passages = slices.Clone(e.passages)
		}
		out = append(out, s)
	}
	return out
}

// dumpDefs writes the versions of d that belong to workspace ws.
func dumpDefs(d *admDefs, ws string) []map[string]any {
	var out []map[string]any
	for _, v := range values(d.recs) {
		if v.workspace == ws {
			out = append(out, admClone(v.doc).(map[string]any))
		}
	}
	return out
}
