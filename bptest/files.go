package bptest

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/oapi-codegen/nullable"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

// Files: upsert (with the server as the storage host of the content, see
// storage.go), get and delete by ID or key, list (tags, ids, indexed, sort),
// update metadata, copy (to the same bot or another), tag keys and values,
// passages (set, list; text files that ask for indexing get one passage per
// paragraph when their indexing completes: see indexing.go for its steps),
// a word-count search over passages, and knowledge bases.
//
// The tags filter of listFiles, searchFiles and listKnowledgeBases is read
// from the query as the official client sends it: tags.K=V (repeated: any
// of the values) and tags.K.not=V (repeated: none of the values; files
// without the tag pass).
//
// Not modelled: expiry (expiresAt is kept but files never expire), access
// checks on storage (any GET of a file's url serves the content), owners
// other than the bot.

// fileState holds the files of one bot and their content.
type fileState struct {
	files *collection[*fileEntry]
	// tagKeys and tagValues remember every tag key, and key/value pair,
	// ever set on a file, in the order first seen; listFileTags and
	// listFileTagValues page over those still in use.
	tagKeys   *collection[string]
	tagValues *collection[string] // keyed by fileTagPair
	kbs       *collection[gen.KnowledgeBase]
}

// fileEntry is a file record and the bytes uploaded for it.
type fileEntry struct {
	file     gen.File
	content  []byte
	uploaded bool
	passages []gen.FilePassage
	// indexing is the progress of its indexing once its content has
	// arrived, nil before and after (indexing.go); forceIndexing the
	// outcome a fault forces on it ("" for none).
	indexing      *fileIndexing
	forceIndexing string
	// sig signs the upload URL last handed out; a PUT must carry it.
	sig string
}

func newFileState() *fileState {
	return &fileState{
		files:     newCollection[*fileEntry](),
		tagKeys:   newCollection[string](),
		tagValues: newCollection[string](),
		kbs:       newCollection[gen.KnowledgeBase](),
	}
}

// storeContent keeps the bytes PUT to a file's upload URL.
func (st *state) storeContent(bot, fileID, sig string, data []byte, contentType string) error {
	b, ok := st.bots[bot]
	if !ok {
		return notFound("bot", bot)
	}
	f, ok := b.files.files.get(fileID)
	if !ok {
		return notFound("file", fileID)
	}
	if sig == "" || sig != f.sig {
		return errorf(http.StatusForbidden, "Forbidden", "the upload URL of file %q is not the one last handed out", fileID)
	}
	f.content, f.uploaded = data, true
	f.file.Status = gen.FileStatusUploadCompleted
	f.file.Size = nullable.NewNullableWithValue(int64(len(data)))
	if contentType != "" {
		f.file.ContentType = contentType
	}
	if f.file.Index {
		st.startIndexing(f)
	}
	f.file.UpdatedAt = instant(st.now())
	return nil
}

// content returns the bytes uploaded for a file.
func (st *state) content(bot, fileID string) ([]byte, string, error) {
	b, ok := st.bots[bot]
	if !ok {
		return nil, "", notFound("bot", bot)
	}
	f, ok := b.files.files.get(fileID)
	if !ok || !f.uploaded {
		return nil, "", errorf(http.StatusNotFound, "ResourceNotFound", "no content uploaded for file %q", fileID)
	}
	return f.content, f.file.ContentType, nil
}

func itoa(n int) string { return strconv.Itoa(n) }

// fileFind returns a file by ID, or else by key.
func (fs *fileState) fileFind(idOrKey string) (*fileEntry, bool) {
	if f, ok := fs.files.get(idOrKey); ok {
		return f, true
	}
	return fs.fileByKey(idOrKey)
}

func (fs *fileState) fileByKey(key string) (*fileEntry, bool) {
	return fs.files.find(func(f *fileEntry) bool { return f.file.Key == key })
}

// fileRemember records the tags of a file for listFileTags and
// listFileTagValues.
func (st *state) fileRemember(fs *fileState, tags map[string]string) {
	for _, k := range sortedKeys(tags) {
		if _, ok := fs.tagKeys.get(k); !ok {
			_, seq := st.ids.next("ftag")
			fs.tagKeys.add(k, seq, k)
		}
		pair := fileTagPair(k, tags[k])
		if _, ok := fs.tagValues.get(pair); !ok {
			_, seq := st.ids.next("ftag")
			fs.tagValues.add(pair, seq, tags[k])
		}
	}
}

func fileTagPair(k, v string) string { return k + "\x00" + v }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// fileAs converts a file to one of the response types that repeat its
// fields.
func fileAs[T any](f gen.File) T {
	var out T
	b, err := json.Marshal(f)
	if err == nil {
		err = json.Unmarshal(b, &out)
	}
	if err != nil {
		panic(fmt.Sprintf("bptest: converting a file: %v", err))
	}
	return out
}

// fileMetadata reads a metadata value of a request: an object, or nothing.
func fileMetadata(v any) (map[string]any, error) {
	out := map[string]any{}
	if v == nil {
		return out, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, invalidPayload("metadata must be an object")
	}
	maps.Copy(out, m)
	return out, nil
}

func fileContentType(given *string, key string) string {
	if given != nil && *given != "" {
		return *given
	}
	if t := mime.TypeByExtension(path.Ext(key)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// fileParagraphs splits text on blank lines.
func fileParagraphs(text string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func filePassage(fileID string, i int, content string, subtype *gen.FilePassageMetaSubtype, page *int) gen.FilePassage {
	if subtype == nil {
		subtype = ptr(gen.FilePassageMetaSubtypeParagraph)
	}
	return gen.FilePassage{
		ID:      fmt.Sprintf("%s-%d", fileID, i),
		Content: content,
		Meta: gen.FilePassage_Meta{
			Type: ptr(gen.FilePassageMetaTypeChunk), Subtype: subtype, Position: ptr(i), PageNumber: page,
		},
	}
}

func (h *server) UpsertFile(ctx context.Context, req gen.UpsertFileRequestObject) (gen.UpsertFileResponseObject, error) {
	body := req.Body
	if body == nil {
		return nil, invalidPayload("a body is required")
	}
	if body.Key == "" {
		return nil, invalidPayload("key must not be empty")
	}
	meta, err := fileMetadata(body.Metadata)
	if err != nil {
		return nil, err
	}
	force, _ := ctx.Value(indexingFaultKey).(string)
	st, unlock := h.lock()
	defer unlock()
	bot := botOf(ctx)
	fs := st.bot(bot).files
	now := instant(st.now())
	f := gen.File{
		BotID:          bot,
		Key:            body.Key,
		Size:           nullable.NewNullNullable[int64](),
		ContentType:    fileContentType(body.ContentType, body.Key),
		Tags:           mergeTags(nil, body.Tags),
		Metadata:       meta,
		CreatedAt:      now,
		UpdatedAt:      now,
		AccessPolicies: []gen.FileAccessPolicy{},
		Index:          body.Index != nil && *body.Index,
		Status:         gen.FileStatusUploadPending,
		Owner:          gen.File_Owner{Type: gen.FileOwnerTypeBot, ID: ptr(bot)},
	}
	for _, p := range body.AccessPolicies {
		f.AccessPolicies = append(f.AccessPolicies, gen.FileAccessPolicy(p))
	}
	if body.ExpiresAt != nil {
		f.ExpiresAt = ptr(instant(*body.ExpiresAt))
	}
	// The same key replaces the record, keeping its ID and creation time
	// and dropping its content.
	if old, ok := fs.fileByKey(body.Key); ok {
		f.ID, f.CreatedAt = old.file.ID, old.file.CreatedAt
		f.URL = h.s.storageURL(bot, f.ID)
		fs.files.put(f.ID, &fileEntry{file: f, forceIndexing: force})
	} else {
		id, seq := st.ids.next("file")
		f.ID, f.URL = id, h.s.storageURL(bot, id)
		fs.files.add(id, seq, &fileEntry{file: f, forceIndexing: force})
	}
	st.fileRemember(fs, f.Tags)
	out := fileAs[gen.UpsertFileResponse_File](f)
	sig := strconv.FormatUint(st.ids.rng.Uint64(), 16)
	if e, ok := fs.files.get(f.ID); ok {
		e.sig = sig
	}
	out.UploadURL = f.URL + "?sig=" + sig
	return gen.UpsertFile200JSONResponse{File: out}, nil
}

func (h *server) GetFile(ctx context.Context, req gen.GetFileRequestObject) (gen.GetFileResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	fs := st.bot(botOf(ctx)).files
	st.settleIndexing(fs)
	f, ok := fs.fileFind(req.ID)
	if !ok {
		return nil, notFound("file", req.ID)
	}
	st.readIndexing(f)
	return gen.GetFile200JSONResponse{File: f.file}, nil
}

func (h *server) DeleteFile(ctx context.Context, req gen.DeleteFileRequestObject) (gen.DeleteFileResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	fs := st.bot(botOf(ctx)).files
	f, ok := fs.fileFind(req.ID)
	if !ok {
		return nil, notFound("file", req.ID)
	}
	fs.files.remove(f.file.ID)
	return gen.DeleteFile200JSONResponse{}, nil
}

func (h *server) ListFiles(ctx context.Context, req gen.ListFilesRequestObject) (gen.ListFilesResponseObject, error) {
	match := fileTagFilter(ctx)
	st, unlock := h.lock()
	defer unlock()
	p := req.Params
	fs := st.bot(botOf(ctx)).files
	st.settleIndexing(fs)
	recs := fs.files.filter(func(f *fileEntry) bool {
		if len(p.IDs) > 0 && !slices.Contains(p.IDs, f.file.ID) {
			return false
		}
		if p.Indexed != nil && f.file.Index != *p.Indexed {
			return false
		}
		return match(f.file.Tags)
	})
	if p.SortField != nil {
		cmp := fileSortKey(*p.SortField)
		recs = slices.Clone(recs)
		slices.SortStableFunc(recs, func(a, b *record[*fileEntry]) int { return cmp(a.v.file, b.v.file) })
	}
	desc := p.SortDirection != nil && *p.SortDirection == gen.SortDirectionDesc
	page, next, err := paginate(recs, p.NextToken, st.pageSizeOf(p.PageSize), desc)
	if err != nil {
		return nil, err
	}
	files := make([]gen.ListedFile, len(page))
	for i, f := range page {
		st.readIndexing(f)
		files[i] = fileAs[gen.ListedFile](f.file)
	}
	return gen.ListFiles200JSONResponse{Files: files, Meta: gen.PageMeta{NextToken: next}}, nil
}

// fileSortKey compares two files on a sortField of listFiles.
func fileSortKey(field gen.ListFilesParamsSortField) func(a, b gen.File) int {
	switch field {
	case gen.ListFilesParamsSortFieldKey:
		return func(a, b gen.File) int { return strings.Compare(a.Key, b.Key) }
	case gen.ListFilesParamsSortFieldSize:
		size := func(f gen.File) int64 {
			if v, err := f.Size.Get(); err == nil {
				return v
			}
			return -1
		}
		return func(a, b gen.File) int { return cmp.Compare(size(a), size(b)) }
	case gen.ListFilesParamsSortFieldStatus:
		return func(a, b gen.File) int { return strings.Compare(string(a.Status), string(b.Status)) }
	case gen.ListFilesParamsSortFieldUpdatedAt:
		return func(a, b gen.File) int { return a.UpdatedAt.Compare(b.UpdatedAt) }
	}
	return func(a, b gen.File) int { return a.CreatedAt.Compare(b.CreatedAt) }
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// fileTagFilter reads the tags filter of listFiles and searchFiles from
// the query: tags.K=V (any of the repeated values), tags.K.not=V (none of
// them).
func fileTagFilter(ctx context.Context) func(map[string]string) bool {
	q, _ := ctx.Value(queryKey).(url.Values)
	anyOf, noneOf := map[string][]string{}, map[string][]string{}
	for k, vs := range q {
		rest, ok := strings.CutPrefix(k, "tags.")
		if !ok {
			continue
		}
		if key, ok := strings.CutSuffix(rest, ".not"); ok {
			noneOf[key] = append(noneOf[key], vs...)
		} else {
			anyOf[rest] = append(anyOf[rest], vs...)
		}
	}
	return func(tags map[string]string) bool {
		for k, vs := range anyOf {
			v, ok := tags[k]
			if !ok || !slices.Contains(vs, v) {
				return false
			}
		}
		for k, vs := range noneOf {
			if v, ok := tags[k]; ok && slices.Contains(vs, v) {
				return false
			}
		}
		return true
	}
}

func (h *server) UpdateFileMetadata(ctx context.Context, req gen.UpdateFileMetadataRequestObject) (gen.UpdateFileMetadataResponseObject, error) {
	body := req.Body
	if body == nil {
		return nil, invalidPayload("a body is required")
	}
	var meta map[string]any
	if body.Metadata != nil {
		m, ok := body.Metadata.(map[string]any)
		if !ok {
			return nil, invalidPayload("metadata must be an object")
		}
		meta = m
	}
	st, unlock := h.lock()
	defer unlock()
	fs := st.bot(botOf(ctx)).files
	st.settleIndexing(fs)
	e, ok := fs.fileFind(req.ID)
	if !ok {
		return nil, notFound("file", req.ID)
	}
	f := e.file
	if body.Tags != nil {
		// Merged: null (or "") removes a tag.
		tags := make(map[string]string, len(f.Tags)+len(body.Tags))
		for k, v := range f.Tags {
			tags[k] = v
		}
		for k, v := range body.Tags {
			if v == nil || *v == "" {
				delete(tags, k)
			} else {
				tags[k] = *v
			}
		}
		f.Tags = tags
	}
	if meta != nil {
		// Merged: null removes a key.
		m := make(map[string]any, len(f.Metadata)+len(meta))
		maps.Copy(m, f.Metadata)
		for k, v := range meta {
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		f.Metadata = m
	}
	if body.AccessPolicies != nil {
		f.AccessPolicies = make([]gen.FileAccessPolicy, 0, len(body.AccessPolicies))
		for _, p := range body.AccessPolicies {
			f.AccessPolicies = append(f.AccessPolicies, gen.FileAccessPolicy(p))
		}
	}
	if body.ExpiresAt.IsSpecified() {
		if body.ExpiresAt.IsNull() {
			f.ExpiresAt = nil
		} else {
			f.ExpiresAt = ptr(instant(body.ExpiresAt.MustGet()))
		}
	}
	f.UpdatedAt = instant(st.now())
	e.file = f
	st.fileRemember(fs, f.Tags)
	return gen.UpdateFileMetadata200JSONResponse{File: f}, nil
}

func (h *server) CopyFile(ctx context.Context, req gen.CopyFileRequestObject) (gen.CopyFileResponseObject, error) {
	if req.DestinationKey == "" {
		return nil, invalidPayload("destinationKey must not be empty")
	}
	overwrite := req.Body != nil && req.Body.Overwrite != nil && *req.Body.Overwrite
	st, unlock := h.lock()
	defer unlock()
	srcBot := botOf(ctx)
	st.settleIndexing(st.bot(srcBot).files)
	src, ok := st.bot(srcBot).files.fileFind(req.IDOrKey)
	if !ok {
		return nil, notFound("file", req.IDOrKey)
	}
	dstBot := srcBot
	if d := req.Params.XDestinationBotID; d != nil && *d != "" {
		dstBot = *d
	}
	db, ok := st.bots[dstBot]
	if !ok {
		return nil, notFound("bot", dstBot)
	}
	dfs := db.files
	old, taken := dfs.fileByKey(req.DestinationKey)
	if taken && !overwrite {
		return nil, alreadyExists("file", req.DestinationKey)
	}
	if taken && old == src {
		return gen.CopyFile200JSONResponse{File: src.file}, nil
	}
	now := instant(st.now())
	f := src.file
	f.BotID, f.Key, f.CreatedAt, f.UpdatedAt = dstBot, req.DestinationKey, now, now
	f.Owner = gen.File_Owner{Type: gen.FileOwnerTypeBot, ID: ptr(dstBot)}
	// The copy goes on with the source's indexing where it is.
	e := &fileEntry{content: src.content, uploaded: src.uploaded, forceIndexing: src.forceIndexing}
	if src.indexing != nil {
		e.indexing = ptr(*src.indexing)
	}
	var seq int64
	if taken {
		f.ID, f.CreatedAt = old.file.ID, old.file.CreatedAt
	} else {
		f.ID, seq = st.ids.next("file")
	}
	f.URL = h.s.storageURL(dstBot, f.ID)
	for i, p := range src.passages {
		e.passages = append(e.passages, filePassage(f.ID, i, p.Content, p.Meta.Subtype, p.Meta.PageNumber))
	}
	e.file = f
	if taken {
		dfs.files.put(f.ID, e)
	} else {
		dfs.files.add(f.ID, seq, e)
	}
	st.fileRemember(dfs, f.Tags)
	return gen.CopyFile200JSONResponse{File: f}, nil
}

func (h *server) ListFileTags(ctx context.Context, req gen.ListFileTagsRequestObject) (gen.ListFileTagsResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	fs := st.bot(botOf(ctx)).files
	inUse := map[string]bool{}
	for _, r := range fs.files.order {
		for k := range r.v.file.Tags {
			inUse[k] = true
		}
	}
	recs := fs.tagKeys.filter(func(k string) bool { return inUse[k] })
	tags, next, err := paginate(recs, req.Params.NextToken, st.pageSizeOf(req.Params.PageSize), false)
	if err != nil {
		return nil, err
	}
	return gen.ListFileTags200JSONResponse{Tags: tags, Meta: gen.PageMeta{NextToken: next}}, nil
}

func (h *server) ListFileTagValues(ctx context.Context, req gen.ListFileTagValuesRequestObject) (gen.ListFileTagValuesResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	fs := st.bot(botOf(ctx)).files
	inUse := map[string]bool{}
	for _, r := range fs.files.order {
		if v, ok := r.v.file.Tags[req.Tag]; ok {
			inUse[v] = true
		}
	}
	var recs []*record[string]
	for _, r := range fs.tagValues.order {
		if inUse[r.v] && fs.tagValues.byID[fileTagPair(req.Tag, r.v)] == r {
			recs = append(recs, r)
		}
	}
	values, next, err := paginate(recs, req.Params.NextToken, st.pageSizeOf(req.Params.PageSize), false)
	if err != nil {
		return nil, err
	}
	return gen.ListFileTagValues200JSONResponse{Values: values, Meta: gen.PageMeta{NextToken: next}}, nil
}

func (h *server) SetFilePassages(ctx context.Context, req gen.SetFilePassagesRequestObject) (gen.SetFilePassagesResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	e, ok := st.bot(botOf(ctx)).files.fileFind(req.ID)
	if !ok {
		return nil, notFound("file", req.ID)
	}
	passages := make([]gen.FilePassage, 0, len(req.Body.Passages))
	for i, p := range req.Body.Passages {
		var sub *gen.FilePassageMetaSubtype
		if p.Type != nil {
			sub = ptr(gen.FilePassageMetaSubtype(*p.Type))
		}
		passages = append(passages, filePassage(e.file.ID, i, p.Content, sub, p.PageNumber))
	}
	e.passages = passages
	e.indexing = nil // the passages given are the outcome
	e.file.FailedStatusReason = nil
	e.file.Status = gen.FileStatusIndexingCompleted
	e.file.IndexingStack = ptr(gen.FileIndexingStackV2)
	e.file.UpdatedAt = instant(st.now())
	return gen.SetFilePassages200JSONResponse{}, nil
}

func (h *server) ListFilePassages(ctx context.Context, req gen.ListFilePassagesRequestObject) (gen.ListFilePassagesResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	fs := st.bot(botOf(ctx)).files
	st.settleIndexing(fs)
	e, ok := fs.fileFind(req.ID)
	if !ok {
		return nil, notFound("file", req.ID)
	}
	// pageSize, when given, wins over the older limit.
	size := st.pageSizeOf(req.Params.PageSize)
	if l := req.Params.Limit; l != nil && *l >= 1 && req.Params.PageSize == nil {
		size = min(int(*l), 200)
	}
	// Only a file whose indexing completed has passages to list.
	var recs []*record[gen.FilePassage]
	if e.file.Status == gen.FileStatusIndexingCompleted {
		for i, p := range e.passages {
			recs = append(recs, &record[gen.FilePassage]{seq: int64(i), v: p})
		}
	}
	passages, next, err := paginate(recs, req.Params.NextToken, size, false)
	if err != nil {
		return nil, err
	}
	return gen.ListFilePassages200JSONResponse{Passages: passages, Meta: gen.PageMeta{NextToken: next}}, nil
}

// SearchFiles scores each passage of the matching files whose indexing
// completed by how many of the query's words it contains
// (case-insensitive) and answers the best ones.
func (h *server) SearchFiles(ctx context.Context, req gen.SearchFilesRequestObject) (gen.SearchFilesResponseObject, error) {
	match := fileTagFilter(ctx)
	words := strings.Fields(strings.ToLower(req.Params.Query))
	limit := 20
	if l := req.Params.Limit; l != nil && *l >= 1 {
		limit = *l
	}
	st, unlock := h.lock()
	defer unlock()
	type hit struct {
		p     gen.FileSearchPassage
		score float64
	}
	var hits []hit
	fs := st.bot(botOf(ctx)).files
	st.settleIndexing(fs)
	for _, r := range fs.files.order {
		f := r.v
		// Only files whose indexing completed are searched.
		if f.file.Status != gen.FileStatusIndexingCompleted || !match(f.file.Tags) {
			continue
		}
		for _, p := range f.passages {
			text := strings.ToLower(p.Content)
			n := 0
			for _, w := range words {
				if strings.Contains(text, w) {
					n++
				}
			}
			if n == 0 {
				continue
			}
			score := float64(n) / float64(len(words))
			var meta gen.FileSearchPassage_Meta
			b, _ := json.Marshal(p.Meta)
			_ = json.Unmarshal(b, &meta)
			hits = append(hits, hit{score: score, p: gen.FileSearchPassage{
				Content: p.Content, Score: score, Meta: meta,
				File: gen.FileSearchPassage_File{
					ID: f.file.ID, Key: f.file.Key, ContentType: f.file.ContentType, Metadata: f.file.Metadata,
					Tags: f.file.Tags, CreatedAt: f.file.CreatedAt, UpdatedAt: f.file.UpdatedAt,
				},
			}})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return compareFloat(b.score, a.score) })
	out := make([]gen.FileSearchPassage, 0, min(limit, len(hits)))
	for _, x := range hits[:min(limit, len(hits))] {
		out = append(out, x.p)
	}
	return gen.SearchFiles200JSONResponse{Passages: out}, nil
}

func (h *server) CreateKnowledgeBase(ctx context.Context, req gen.CreateKnowledgeBaseRequestObject) (gen.CreateKnowledgeBaseResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	fs := st.bot(botOf(ctx)).files
	id, seq := st.ids.next("kb")
	kb := gen.KnowledgeBase{ID: id, Name: req.Body.Name, Tags: mergeTags(nil, req.Body.Tags), CreatedAt: instant(st.now())}
	fs.kbs.add(id, seq, kb)
	return gen.CreateKnowledgeBase200JSONResponse{KnowledgeBase: gen.CreateKnowledgeBaseResponse_KnowledgeBase{
		ID: kb.ID, Name: kb.Name, Tags: kb.Tags,
	}}, nil
}

func (h *server) ListKnowledgeBases(ctx context.Context, req gen.ListKnowledgeBasesRequestObject) (gen.ListKnowledgeBasesResponseObject, error) {
	match := fileTagFilter(ctx)
	st, unlock := h.lock()
	defer unlock()
	recs := st.bot(botOf(ctx)).files.kbs.filter(func(kb gen.KnowledgeBase) bool { return match(kb.Tags) })
	kbs, next, err := paginate(recs, req.Params.NextToken, st.pageSizeOf(req.Params.PageSize), false)
	if err != nil {
		return nil, err
	}
	return gen.ListKnowledgeBases200JSONResponse{KnowledgeBases: kbs, Meta: gen.PageMeta{NextToken: next}}, nil
}

func (h *server) UpdateKnowledgeBase(ctx context.Context, req gen.UpdateKnowledgeBaseRequestObject) (gen.UpdateKnowledgeBaseResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	kbs := st.bot(botOf(ctx)).files.kbs
	kb, ok := kbs.get(req.ID)
	if !ok {
		return nil, notFound("knowledge base", req.ID)
	}
	kb.Name = req.Body.Name
	update := map[string]string{}
	for k, v := range req.Body.Tags {
		if v == nil {
			update[k] = ""
		} else {
			update[k] = *v
		}
	}
	kb.Tags = mergeTags(kb.Tags, update)
	kbs.put(kb.ID, kb)
	return gen.UpdateKnowledgeBase200JSONResponse{KnowledgeBase: gen.UpdateKnowledgeBaseResponse_KnowledgeBase{
		ID: kb.ID, Name: kb.Name, Tags: kb.Tags,
	}}, nil
}

func (h *server) DeleteKnowledgeBase(ctx context.Context, req gen.DeleteKnowledgeBaseRequestObject) (gen.DeleteKnowledgeBaseResponseObject, error) {
	st, unlock := h.lock()
	defer unlock()
	if !st.bot(botOf(ctx)).files.kbs.remove(req.ID) {
		return nil, notFound("knowledge base", req.ID)
	}
	return gen.DeleteKnowledgeBase200JSONResponse{}, nil
}
