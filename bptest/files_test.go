package bptest_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	bperrors "github.com/botpress-go/sdk/errors"
	"github.com/botpress-go/sdk/gen"
)

// fileStatus asserts that err is an API error with this status.
func fileStatus(t *testing.T, err error, status int, typ string) {
	t.Helper()
	var apiErr *bperrors.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, status, apiErr.StatusCode, apiErr.Message)
	if typ != "" {
		assert.Equal(t, typ, apiErr.Type, apiErr.Message)
	}
}

func fileUpload(t *testing.T, c *client.Client, key string, data []byte, tags map[string]string, opts ...client.Option) *gen.UpsertFileResponse_File {
	t.Helper()
	f, err := c.UploadFile(context.Background(), gen.UpsertFileJSONRequestBody{Key: key, Tags: tags}, client.FileFromBytes(data), opts...)
	require.NoError(t, err)
	return f
}

func fileDownload(t *testing.T, c *client.Client, idOrKey string, opts ...client.Option) []byte {
	t.Helper()
	var buf bytes.Buffer
	_, err := c.DownloadFile(context.Background(), idOrKey, &buf, opts...)
	require.NoError(t, err)
	return buf.Bytes()
}

func fileKeys(t *testing.T, c *client.Client, params *gen.ListFilesParams) []string {
	t.Helper()
	var keys []string
	for f, err := range c.AllFiles(context.Background(), params) {
		require.NoError(t, err)
		keys = append(keys, f.Key)
	}
	return keys
}

func TestFilesUploadAndDownload(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	data := []byte("hello, storage\n")

	f, err := c.UploadFile(ctx, gen.UpsertFileJSONRequestBody{Key: "greeting.txt", Tags: map[string]string{"kind": "doc"}}, client.FileFromBytes(data))
	require.NoError(t, err)
	assert.Equal(t, "greeting.txt", f.Key)
	assert.Equal(t, srv.BotID, f.BotID)
	assert.Equal(t, gen.FileStatusUploadPending, f.Status, "the upsert answers before the content arrives")
	assert.Contains(t, f.UploadURL, "?sig=")
	assert.Equal(t, "text/plain; charset=utf-8", f.ContentType, "guessed from the key")

	got, err := c.GetFile(ctx, f.ID)
	require.NoError(t, err)
	assert.Equal(t, gen.FileStatusUploadCompleted, got.File.Status)
	size, err := got.File.Size.Get()
	require.NoError(t, err)
	assert.EqualValues(t, len(data), size)
	assert.Equal(t, map[string]string{"kind": "doc"}, got.File.Tags)
	assert.Equal(t, gen.FileOwnerTypeBot, got.File.Owner.Type)

	assert.Equal(t, data, fileDownload(t, c, f.ID), "by ID")
	assert.Equal(t, data, fileDownload(t, c, "greeting.txt"), "by key")

	byKey, err := c.GetFile(ctx, "greeting.txt")
	require.NoError(t, err)
	assert.Equal(t, f.ID, byKey.File.ID)

	_, err = c.GetFile(ctx, "file_missing")
	fileStatus(t, err, 404, "ResourceNotFound")
}

func TestFilesUpsertWithoutContent(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()

	rec, err := c.UpsertFile(ctx, gen.UpsertFileJSONRequestBody{Key: "later.bin", Size: 3})
	require.NoError(t, err)
	assert.Equal(t, gen.FileStatusUploadPending, rec.File.Status)
	assert.True(t, rec.File.Size.IsNull(), "size is null until the upload completes")
	assert.Equal(t, "application/octet-stream", rec.File.ContentType)

	var buf bytes.Buffer
	_, err = c.DownloadFile(ctx, rec.File.ID, &buf)
	fileStatus(t, err, 404, "ResourceNotFound")

	// The same key replaces the record: same ID, new fields, no content.
	first := fileUpload(t, c, "later.bin", []byte{1, 2, 3}, map[string]string{"v": "1"})
	assert.Equal(t, rec.File.ID, first.ID)
	assert.Equal(t, []byte{1, 2, 3}, fileDownload(t, c, "later.bin"))
	again, err := c.UpsertFile(ctx, gen.UpsertFileJSONRequestBody{Key: "later.bin", Size: 1, Tags: map[string]string{"v": "2"}})
	require.NoError(t, err)
	assert.Equal(t, rec.File.ID, again.File.ID)
	assert.Equal(t, rec.File.CreatedAt, again.File.CreatedAt)
	assert.Equal(t, map[string]string{"v": "2"}, again.File.Tags)
	_, err = c.DownloadFile(ctx, "later.bin", &buf)
	fileStatus(t, err, 404, "")

	list, err := c.ListFiles(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, list.Files, 1, "one record per key")
}

func TestFilesFromPath(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "report.json")
	data := []byte(`{"total": 42}`)
	require.NoError(t, os.WriteFile(path, data, 0o600))

	f, err := c.UploadFile(ctx, gen.UpsertFileJSONRequestBody{Key: "report.json"}, client.FileFromPath(path))
	require.NoError(t, err)
	assert.Equal(t, "application/json", f.ContentType)
	assert.Equal(t, data, fileDownload(t, c, "report.json"))

	got, err := c.GetFile(ctx, f.ID)
	require.NoError(t, err)
	assert.Equal(t, "application/json", got.File.ContentType)
}

func TestFilesPublicContent(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	data := []byte("<svg/>")

	f, err := c.UploadFile(ctx, gen.UpsertFileJSONRequestBody{
		Key:                                "logo.svg",
		AccessPolicies:                     []gen.FileAccessPolicy{"public_content"},
		PublicContentImmediatelyAccessible: filePtr(true),
	}, client.FileFromBytes(data))
	require.NoError(t, err)
	assert.Equal(t, []gen.FileAccessPolicy{"public_content"}, f.AccessPolicies)

	got, err := c.GetFile(ctx, "logo.svg")
	require.NoError(t, err)
	assert.Equal(t, []gen.FileAccessPolicy{"public_content"}, got.File.AccessPolicies)
	// The url is a lasting address that needs no token.
	var buf bytes.Buffer
	_, err = c.DownloadURL(ctx, got.File.URL, &buf)
	require.NoError(t, err)
	assert.Equal(t, data, buf.Bytes())
}

func TestFilesCopy(t *testing.T) {
	other := "bot_other000000000000000000000"
	srv := bptest.Start(t)
	srv.AddBot(other)
	c := srv.Client()
	ctx := context.Background()
	data := []byte("original content")
	src := fileUpload(t, c, "a.txt", data, map[string]string{"team": "ops"})

	// In the same bot.
	cp, err := c.CopyFile(ctx, "a.txt", "b.txt", nil, gen.CopyFileJSONRequestBody{})
	require.NoError(t, err)
	assert.NotEqual(t, src.ID, cp.File.ID)
	assert.Equal(t, "b.txt", cp.File.Key)
	assert.Equal(t, map[string]string{"team": "ops"}, cp.File.Tags)
	assert.Equal(t, gen.FileStatusUploadCompleted, cp.File.Status)
	assert.Equal(t, data, fileDownload(t, c, "b.txt"))

	// To another bot.
	toOther := &gen.CopyFileParams{XDestinationBotID: &other}
	cp2, err := c.CopyFile(ctx, src.ID, "copied.txt", toOther, gen.CopyFileJSONRequestBody{})
	require.NoError(t, err)
	assert.Equal(t, other, cp2.File.BotID)
	oc := srv.Client(client.WithBotID(other))
	assert.Equal(t, data, fileDownload(t, oc, "copied.txt"))
	_, err = c.GetFile(ctx, "copied.txt")
	fileStatus(t, err, 404, "")

	// A taken key: 409 unless overwrite.
	fileUpload(t, oc, "taken.txt", []byte("old"), nil)
	_, err = c.CopyFile(ctx, "a.txt", "taken.txt", toOther, gen.CopyFileJSONRequestBody{})
	fileStatus(t, err, 409, "AlreadyExists")
	_, err = c.CopyFile(ctx, "a.txt", "taken.txt", toOther, gen.CopyFileJSONRequestBody{Overwrite: filePtr(false)})
	fileStatus(t, err, 409, "AlreadyExists")
	over, err := c.CopyFile(ctx, "a.txt", "taken.txt", toOther, gen.CopyFileJSONRequestBody{Overwrite: filePtr(true)})
	require.NoError(t, err)
	assert.Equal(t, data, fileDownload(t, oc, "taken.txt"))
	got, err := oc.GetFile(ctx, "taken.txt")
	require.NoError(t, err)
	assert.Equal(t, over.File.ID, got.File.ID)
	assert.Len(t, fileKeys(t, oc, nil), 2, "copied.txt and taken.txt, once each")

	// Unknown destination bot, unknown source.
	nobody := "bot_nobody00000000000000000000"
	_, err = c.CopyFile(ctx, "a.txt", "x.txt", &gen.CopyFileParams{XDestinationBotID: &nobody}, gen.CopyFileJSONRequestBody{})
	fileStatus(t, err, 404, "ResourceNotFound")
	_, err = c.CopyFile(ctx, "missing.txt", "x.txt", nil, gen.CopyFileJSONRequestBody{})
	fileStatus(t, err, 404, "ResourceNotFound")
}

func TestFilesDelete(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	f := fileUpload(t, c, "gone.txt", []byte("bye"), nil)
	keep := fileUpload(t, c, "kept.txt", []byte("stay"), nil)

	require.NoError(t, c.DeleteFile(ctx, f.ID))
	_, err := c.GetFile(ctx, f.ID)
	fileStatus(t, err, 404, "ResourceNotFound")
	var buf bytes.Buffer
	_, err = c.DownloadURL(ctx, f.URL, &buf)
	fileStatus(t, err, 404, "")
	fileStatus(t, c.DeleteFile(ctx, f.ID), 404, "ResourceNotFound")

	require.NoError(t, c.DeleteFile(ctx, "kept.txt"), "by key")
	_, err = c.GetFile(ctx, keep.ID)
	fileStatus(t, err, 404, "")
	assert.Empty(t, fileKeys(t, c, nil))
}

func TestFilesList(t *testing.T) {
	srv := bptest.Start(t, bptest.WithPageSize(2))
	c := srv.Client()
	ctx := context.Background()
	ids := map[string]string{}
	for _, f := range []struct {
		key, team, lang string
		size            int
	}{
		{"c.txt", "ops", "en", 3}, {"a.txt", "ops", "fr", 1}, {"e.txt", "sales", "en", 5},
		{"b.txt", "sales", "de", 2}, {"d.txt", "support", "en", 4},
	} {
		up := fileUpload(t, c, f.key, bytes.Repeat([]byte("x"), f.size), map[string]string{"team": f.team, "lang": f.lang})
		ids[f.key] = up.ID
	}
	_, err := c.UpsertFile(ctx, gen.UpsertFileJSONRequestBody{Key: "indexed.txt", Size: 0, Index: filePtr(true)})
	require.NoError(t, err)

	assert.Equal(t, []string{"c.txt", "a.txt", "e.txt", "b.txt", "d.txt", "indexed.txt"}, fileKeys(t, c, nil), "creation order, over 3 pages")

	tags := func(m map[string][]string) *gen.ListFilesParams { return &gen.ListFilesParams{Tags: m} }
	assert.Equal(t, []string{"c.txt", "a.txt"}, fileKeys(t, c, tags(map[string][]string{"team": {"ops"}})))
	assert.Equal(t, []string{"c.txt", "e.txt"}, fileKeys(t, c, tags(map[string][]string{"team": {"ops", "sales"}, "lang": {"en"}})), "a list is any of its values")
	assert.Equal(t, []string{"a.txt", "b.txt", "indexed.txt"}, fileKeys(t, c, tags(map[string][]string{"lang.not": {"en"}})), "not: files without the tag pass")
	assert.Equal(t, []string{"b.txt", "indexed.txt"}, fileKeys(t, c, tags(map[string][]string{"lang.not": {"en", "fr"}})))
	assert.Empty(t, fileKeys(t, c, tags(map[string][]string{"team": {"nobody"}})))

	assert.ElementsMatch(t, []string{"a.txt", "d.txt"}, fileKeys(t, c, &gen.ListFilesParams{IDs: []string{ids["a.txt"], ids["d.txt"]}}))
	assert.Equal(t, []string{"indexed.txt"}, fileKeys(t, c, &gen.ListFilesParams{Indexed: filePtr(true)}))
	assert.Len(t, fileKeys(t, c, &gen.ListFilesParams{Indexed: filePtr(false)}), 5)

	byKey := gen.ListFilesParamsSortFieldKey
	desc := gen.SortDirectionDesc
	assert.Equal(t, []string{"indexed.txt", "e.txt", "d.txt", "c.txt", "b.txt", "a.txt"}, fileKeys(t, c, &gen.ListFilesParams{SortField: &byKey, SortDirection: &desc}))
	bySize := gen.ListFilesParamsSortFieldSize
	assert.Equal(t, []string{"indexed.txt", "a.txt", "b.txt", "c.txt", "d.txt", "e.txt"}, fileKeys(t, c, &gen.ListFilesParams{SortField: &bySize}), "no content (size null) first")

	// A page token survives files created and deleted between pages.
	page, err := c.ListFiles(ctx, nil)
	require.NoError(t, err)
	require.NotNil(t, page.Meta.NextToken)
	require.NoError(t, c.DeleteFile(ctx, "e.txt"))
	fileUpload(t, c, "f.txt", []byte("f"), nil)
	var rest []string
	for f, err := range c.AllFiles(ctx, &gen.ListFilesParams{NextToken: page.Meta.NextToken}) {
		require.NoError(t, err)
		rest = append(rest, f.Key)
	}
	assert.Equal(t, []string{"b.txt", "d.txt", "indexed.txt", "f.txt"}, rest)
}

func TestFilesUpdateMetadata(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	data := []byte("content stays")
	f, err := c.UploadFile(ctx, gen.UpsertFileJSONRequestBody{
		Key: "m.txt", Tags: map[string]string{"a": "1", "b": "2"},
		Metadata: map[string]any{"owner": "ann", "n": 1},
	}, client.FileFromBytes(data))
	require.NoError(t, err)
	assert.Equal(t, "ann", f.Metadata["owner"])

	expiry := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
	var body gen.UpdateFileMetadataJSONRequestBody
	body.Tags = map[string]*string{"a": filePtr("one"), "b": nil, "c": filePtr("3")}
	body.Metadata = map[string]any{"n": nil, "extra": []any{"x"}}
	body.AccessPolicies = []gen.FileAccessPolicy{"integrations"}
	body.ExpiresAt.Set(expiry)
	up, err := c.UpdateFileMetadata(ctx, "m.txt", body)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"a": "one", "c": "3"}, up.File.Tags, "merged; null removes")
	assert.Equal(t, "ann", up.File.Metadata["owner"])
	assert.NotContains(t, up.File.Metadata, "n")
	assert.Equal(t, []any{"x"}, up.File.Metadata["extra"])
	assert.Equal(t, []gen.FileAccessPolicy{"integrations"}, up.File.AccessPolicies)
	require.NotNil(t, up.File.ExpiresAt)
	assert.True(t, up.File.ExpiresAt.Equal(expiry))

	var clear gen.UpdateFileMetadataJSONRequestBody
	clear.ExpiresAt.SetNull()
	up, err = c.UpdateFileMetadata(ctx, f.ID, clear)
	require.NoError(t, err)
	assert.Nil(t, up.File.ExpiresAt)
	assert.Equal(t, map[string]string{"a": "one", "c": "3"}, up.File.Tags, "kept when not sent")
	assert.Equal(t, data, fileDownload(t, c, f.ID))

	_, err = c.UpdateFileMetadata(ctx, "missing", body)
	fileStatus(t, err, 404, "ResourceNotFound")
}

func TestFilesTagsAndValues(t *testing.T) {
	srv := bptest.Start(t, bptest.WithPageSize(2))
	c := srv.Client()
	ctx := context.Background()
	fileUpload(t, c, "1", []byte("1"), map[string]string{"team": "ops", "lang": "en"})
	fileUpload(t, c, "2", []byte("2"), map[string]string{"team": "sales", "tier": "gold"})
	fileUpload(t, c, "3", []byte("3"), map[string]string{"team": "ops", "region": "eu"})
	fileUpload(t, c, "4", []byte("4"), map[string]string{"team": "support"})

	collect := func(seq func(func(string, error) bool)) []string {
		var out []string
		for s, err := range seq {
			require.NoError(t, err)
			out = append(out, s)
		}
		return out
	}
	assert.ElementsMatch(t, []string{"team", "lang", "tier", "region"}, collect(c.AllFileTags(ctx, nil)))
	assert.Equal(t, []string{"ops", "sales", "support"}, collect(c.AllFileTagValues(ctx, "team", nil)), "each value once, in the order first seen")
	assert.Equal(t, []string{"gold"}, collect(c.AllFileTagValues(ctx, "tier", nil)))
	assert.Empty(t, collect(c.AllFileTagValues(ctx, "nothing", nil)))

	// Values and keys no file carries any more are gone.
	require.NoError(t, c.DeleteFile(ctx, "2"))
	assert.NotContains(t, collect(c.AllFileTags(ctx, nil)), "tier")
	assert.Equal(t, []string{"ops", "support"}, collect(c.AllFileTagValues(ctx, "team", nil)))
}

func TestFilesPassagesAndSearch(t *testing.T) {
	srv := bptest.Start(t, bptest.WithPageSize(2))
	c := srv.Client()
	ctx := context.Background()
	text := "Refunds are accepted within 30 days.\n\nShipping takes two days.\n\nContact support for refunds of damaged goods."
	f, err := c.UploadFile(ctx, gen.UpsertFileJSONRequestBody{Key: "faq.txt", Index: filePtr(true), Tags: map[string]string{"kb": "faq"}}, client.FileFromBytes([]byte(text)))
	require.NoError(t, err)
	assert.Equal(t, gen.FileStatusIndexingCompleted, waitIndexed(t, c, f.ID).Status)

	var passages []string
	for p, err := range c.AllFilePassages(ctx, "faq.txt", nil) {
		require.NoError(t, err)
		passages = append(passages, p.Content)
	}
	assert.Equal(t, []string{"Refunds are accepted within 30 days.", "Shipping takes two days.", "Contact support for refunds of damaged goods."}, passages)

	res, err := c.SearchFiles(ctx, &gen.SearchFilesParams{Query: "refunds damaged"})
	require.NoError(t, err)
	require.Len(t, res.Passages, 2)
	assert.Equal(t, "Contact support for refunds of damaged goods.", res.Passages[0].Content, "more words matched first")
	assert.Equal(t, "faq.txt", res.Passages[0].File.Key)
	res, err = c.SearchFiles(ctx, &gen.SearchFilesParams{Query: "refunds", Tags: map[string][]string{"kb": {"other"}}})
	require.NoError(t, err)
	assert.Empty(t, res.Passages)

	para := gen.SetFilePassagesBodyPassagesType("title")
	require.NoError(t, c.SetFilePassages(ctx, f.ID, gen.SetFilePassagesJSONRequestBody{Passages: []gen.SetFilePassagesBody_Passages{
		{Content: "FAQ", Type: &para}, {Content: "Only this now."},
	}}))
	page, err := c.ListFilePassages(ctx, f.ID, nil)
	require.NoError(t, err)
	require.Len(t, page.Passages, 2)
	assert.Equal(t, "FAQ", page.Passages[0].Content)
	assert.EqualValues(t, "title", *page.Passages[0].Meta.Subtype)

	_, err = c.ListFilePassages(ctx, "missing", nil)
	fileStatus(t, err, 404, "")
}

func TestFilesKnowledgeBases(t *testing.T) {
	srv := bptest.Start(t, bptest.WithPageSize(2))
	c := srv.Client()
	ctx := context.Background()
	var ids []string
	for i := range 3 {
		kb, err := c.CreateKnowledgeBase(ctx, gen.CreateKnowledgeBaseJSONRequestBody{Name: fmt.Sprintf("kb%d", i), Tags: map[string]string{"n": fmt.Sprint(i % 2)}})
		require.NoError(t, err)
		ids = append(ids, kb.KnowledgeBase.ID)
	}
	up, err := c.UpdateKnowledgeBase(ctx, ids[0], gen.UpdateKnowledgeBaseJSONRequestBody{Name: "renamed", Tags: map[string]*string{"n": nil, "x": filePtr("y")}})
	require.NoError(t, err)
	assert.Equal(t, "renamed", up.KnowledgeBase.Name)
	assert.Equal(t, map[string]string{"x": "y"}, up.KnowledgeBase.Tags)

	var names []string
	for kb, err := range c.AllKnowledgeBases(ctx, nil) {
		require.NoError(t, err)
		names = append(names, kb.Name)
	}
	assert.Equal(t, []string{"renamed", "kb1", "kb2"}, names)
	list, err := c.ListKnowledgeBases(ctx, &gen.ListKnowledgeBasesParams{Tags: map[string][]string{"n": {"0"}}})
	require.NoError(t, err)
	require.Len(t, list.KnowledgeBases, 1)
	assert.Equal(t, "kb2", list.KnowledgeBases[0].Name)

	require.NoError(t, c.DeleteKnowledgeBase(ctx, ids[1]))
	fileStatus(t, c.DeleteKnowledgeBase(ctx, ids[1]), 404, "ResourceNotFound")
	_, err = c.UpdateKnowledgeBase(ctx, ids[1], gen.UpdateKnowledgeBaseJSONRequestBody{Name: "x"})
	fileStatus(t, err, 404, "")
}

func TestFilesConcurrentUploads(t *testing.T) {
	srv := bptest.Start(t, bptest.WithPageSize(7))
	c := srv.Client()
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprintf("f%02d.txt", i)
			// Half the goroutines write the same keys twice: one record per key.
			if i%2 == 0 {
				if _, err := c.UploadFile(context.Background(), gen.UpsertFileJSONRequestBody{Key: key}, client.FileFromBytes([]byte("draft"))); err != nil {
					errs <- err
					return
				}
			}
			_, err := c.UploadFile(context.Background(), gen.UpsertFileJSONRequestBody{Key: key, Tags: map[string]string{"i": fmt.Sprint(i)}}, client.FileFromBytes([]byte(key)))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	keys := fileKeys(t, c, nil)
	require.Len(t, keys, n)
	slices.Sort(keys)
	assert.Equal(t, n, len(slices.Compact(keys)))
	for _, k := range keys {
		assert.Equal(t, []byte(k), fileDownload(t, c, k))
	}
}

func filePtr[T any](v T) *T { return &v }
