package bptest_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	"github.com/botpress-go/sdk/gen"
)

// waitIndexed polls getFile, as a program waiting for indexing would,
// until the file's indexing has ended, and returns the file.
func waitIndexed(t *testing.T, c *client.Client, id string) gen.File {
	t.Helper()
	for range 10 {
		got, err := c.GetFile(context.Background(), id)
		require.NoError(t, err)
		switch got.File.Status {
		case gen.FileStatusIndexingCompleted, gen.FileStatusIndexingFailed:
			return got.File
		}
	}
	t.Fatalf("file %s: indexing did not end after 10 reads", id)
	return gen.File{}
}

func indexStatus(t *testing.T, c *client.Client, id string) gen.FileStatus {
	t.Helper()
	got, err := c.GetFile(context.Background(), id)
	require.NoError(t, err)
	return got.File.Status
}

func searchKeys(t *testing.T, c *client.Client, query string) []string {
	t.Helper()
	res, err := c.SearchFiles(context.Background(), &gen.SearchFilesParams{Query: query})
	require.NoError(t, err)
	var keys []string
	for _, p := range res.Passages {
		keys = append(keys, p.File.Key)
	}
	return keys
}

func passageCount(t *testing.T, c *client.Client, id string) int {
	t.Helper()
	page, err := c.ListFilePassages(context.Background(), id, nil)
	require.NoError(t, err)
	return len(page.Passages)
}

func indexedUpload(t *testing.T, c *client.Client, key, contentType string, data []byte) *gen.UpsertFileResponse_File {
	t.Helper()
	body := gen.UpsertFileJSONRequestBody{Key: key, Index: filePtr(true)}
	if contentType != "" {
		body.ContentType = &contentType
	}
	f, err := c.UploadFile(context.Background(), body, client.FileFromBytes(data))
	require.NoError(t, err)
	return f
}

// TestIndexingStepsOnReads: by default each getFile (or listFiles) answer
// moves an indexed file one step: upload_completed, indexing_pending, then
// indexing_completed; search and passages see it only then.
func TestIndexingStepsOnReads(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()

	rec, err := c.UpsertFile(ctx, gen.UpsertFileJSONRequestBody{Key: "faq.txt", Size: 10, Index: filePtr(true)})
	require.NoError(t, err)
	assert.Equal(t, gen.FileStatusUploadPending, rec.File.Status)
	assert.Equal(t, gen.FileStatusUploadPending, indexStatus(t, c, rec.File.ID), "no content, no indexing")
	assert.Equal(t, gen.FileStatusUploadPending, indexStatus(t, c, rec.File.ID))

	f := indexedUpload(t, c, "faq.txt", "text/plain", []byte("Refunds within 30 days.\n\nShipping takes two days."))
	indexedUpload(t, c, "plain.txt", "", []byte("refunds"))
	notIndexed, err := c.UploadFile(ctx, gen.UpsertFileJSONRequestBody{Key: "raw.txt"}, client.FileFromBytes([]byte("refunds")))
	require.NoError(t, err)

	assert.Equal(t, gen.FileStatusUploadCompleted, indexStatus(t, c, f.ID))
	assert.Empty(t, searchKeys(t, c, "refunds"), "nothing is searched before indexing completes")
	assert.Zero(t, passageCount(t, c, f.ID))
	assert.Equal(t, gen.FileStatusIndexingPending, indexStatus(t, c, f.ID))
	assert.Empty(t, searchKeys(t, c, "refunds"))
	assert.Zero(t, passageCount(t, c, f.ID))
	got, err := c.GetFile(ctx, f.ID)
	require.NoError(t, err)
	assert.Equal(t, gen.FileStatusIndexingCompleted, got.File.Status)
	require.NotNil(t, got.File.IndexingStack)
	assert.Equal(t, gen.FileIndexingStackV2, *got.File.IndexingStack)
	assert.Nil(t, got.File.FailedStatusReason)
	assert.Equal(t, gen.FileStatusIndexingCompleted, indexStatus(t, c, f.ID), "the outcome stays")
	assert.Equal(t, []string{"faq.txt"}, searchKeys(t, c, "refunds"), "plain.txt was not read yet")
	assert.Equal(t, 2, passageCount(t, c, f.ID))

	// listFiles moves the files it shows too: plain.txt, never read, is
	// shown upload_completed, indexing_pending, then indexing_completed.
	for range 3 {
		_, err := c.ListFiles(ctx, nil)
		require.NoError(t, err)
	}
	assert.ElementsMatch(t, []string{"faq.txt", "plain.txt"}, searchKeys(t, c, "refunds"))

	// A file without index stays upload_completed.
	for range 3 {
		assert.Equal(t, gen.FileStatusUploadCompleted, indexStatus(t, c, notIndexed.ID))
	}

	// New content starts over.
	indexedUpload(t, c, "faq.txt", "text/plain", []byte("Only shipping now."))
	assert.Equal(t, gen.FileStatusUploadCompleted, indexStatus(t, c, f.ID))
	assert.NotContains(t, searchKeys(t, c, "refunds"), "faq.txt")
	assert.Equal(t, gen.FileStatusIndexingCompleted, waitIndexed(t, c, f.ID).Status)
	assert.Equal(t, []string{"faq.txt"}, searchKeys(t, c, "shipping"))
}

// TestIndexingOnClock: with WithIndexingDelay, the server's clock moves
// indexing, and reads do not.
func TestIndexingOnClock(t *testing.T) {
	clock := bptest.NewClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	srv := bptest.Start(t, bptest.WithClock(clock.Now), bptest.WithIndexingDelay(time.Minute))
	c := srv.Client()
	f := indexedUpload(t, c, "a.md", "text/markdown", []byte("# Hours\n\nOpen nine to five."))
	for range 5 {
		assert.Equal(t, gen.FileStatusUploadCompleted, indexStatus(t, c, f.ID))
	}
	clock.Advance(time.Minute)
	assert.Equal(t, gen.FileStatusIndexingPending, indexStatus(t, c, f.ID))
	clock.Advance(59 * time.Second)
	assert.Equal(t, gen.FileStatusIndexingPending, indexStatus(t, c, f.ID))
	assert.Empty(t, searchKeys(t, c, "open"))
	clock.Advance(time.Second)
	assert.Equal(t, []string{"a.md"}, searchKeys(t, c, "open"), "search reads the clock too")
	assert.Equal(t, gen.FileStatusIndexingCompleted, indexStatus(t, c, f.ID))

	// Past both steps at once.
	g := indexedUpload(t, c, "b.md", "text/markdown", []byte("closed on sunday"))
	clock.Advance(time.Hour)
	assert.Equal(t, gen.FileStatusIndexingCompleted, indexStatus(t, c, g.ID))

	// CompleteIndexing ends it at once, whatever the clock says.
	h := indexedUpload(t, c, "c.md", "text/markdown", []byte("holidays"))
	assert.Equal(t, gen.FileStatusUploadCompleted, indexStatus(t, c, h.ID))
	require.NoError(t, srv.CompleteIndexing(h.ID))
	assert.Equal(t, gen.FileStatusIndexingCompleted, indexStatus(t, c, h.ID))
	assert.Equal(t, []string{"c.md"}, searchKeys(t, c, "holidays"))
	require.NoError(t, srv.CompleteIndexing(h.ID), "already ended: left as it is")
	assert.Error(t, srv.CompleteIndexing("file_missing"))
}

// TestIndexingFailsUnindexableContent: content bptest cannot index fails
// with a reason and is never searched; documents it cannot read complete
// with no passages.
func TestIndexingFailsUnindexableContent(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	for _, tc := range []struct {
		key, contentType string
		data             []byte
		status           gen.FileStatus
		reason           string
		passages         int
	}{
		{"photo.png", "image/png", []byte("\x89PNG\r\n\x1a\nrefunds"), gen.FileStatusIndexingFailed, "content of type image/png cannot be indexed", 0},
		{"blob", "application/octet-stream", []byte("refunds"), gen.FileStatusIndexingFailed, "content of type application/octet-stream cannot be indexed", 0},
		{"latin1.txt", "text/plain; charset=iso-8859-1", []byte("refunds caf\xe9"), gen.FileStatusIndexingFailed, "not valid UTF-8", 0},
		{"report.pdf", "application/pdf", []byte("%PDF-1.7 refunds"), gen.FileStatusIndexingCompleted, "", 0},
		{"data.json", "application/json", []byte(`{"refunds": true}`), gen.FileStatusIndexingCompleted, "", 1},
		{"page.html", "", []byte("<p>refunds</p>"), gen.FileStatusIndexingCompleted, "", 1},
	} {
		t.Run(tc.key, func(t *testing.T) {
			f := indexedUpload(t, c, tc.key, tc.contentType, tc.data)
			got := waitIndexed(t, c, f.ID)
			assert.Equal(t, tc.status, got.Status)
			if tc.reason != "" {
				require.NotNil(t, got.FailedStatusReason)
				assert.Contains(t, *got.FailedStatusReason, tc.reason)
				assert.Nil(t, got.IndexingStack)
			} else {
				assert.Nil(t, got.FailedStatusReason)
			}
			assert.Equal(t, tc.passages, passageCount(t, c, f.ID))
		})
	}
	assert.ElementsMatch(t, []string{"data.json", "page.html"}, searchKeys(t, c, "refunds"))

	// setFilePassages gives a file its passages, and completes it.
	pdf, err := c.GetFile(context.Background(), "report.pdf")
	require.NoError(t, err)
	require.NoError(t, c.SetFilePassages(context.Background(), pdf.File.ID, gen.SetFilePassagesJSONRequestBody{
		Passages: []gen.SetFilePassagesBody_Passages{{Content: "refunds from the PDF"}},
	}))
	assert.ElementsMatch(t, []string{"data.json", "page.html", "report.pdf"}, searchKeys(t, c, "refunds"))
}

// TestIndexingFault: a fault on upsertFile forces the outcome of the
// file's indexing, either way, and leaves the request itself alone.
func TestIndexingFault(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	srv.InjectFault(bptest.Fault{Operation: "upsertFile", Indexing: bptest.IndexingFailed, Times: 1})

	bad := indexedUpload(t, c, "a.txt", "text/plain", []byte("refunds"))
	got := waitIndexed(t, c, bad.ID)
	assert.Equal(t, gen.FileStatusIndexingFailed, got.Status)
	require.NotNil(t, got.FailedStatusReason)
	assert.Contains(t, *got.FailedStatusReason, "fault")
	assert.Empty(t, searchKeys(t, c, "refunds"))
	assert.Equal(t, 1, srv.FaultHits())

	good := indexedUpload(t, c, "b.txt", "text/plain", []byte("refunds"))
	assert.Equal(t, gen.FileStatusIndexingCompleted, waitIndexed(t, c, good.ID).Status, "the fault hit once")

	// Completed forces success on content the rule would fail; without an
	// operation, the fault hits upsertFile requests only.
	remove := srv.InjectFault(bptest.Fault{Indexing: bptest.IndexingCompleted})
	defer remove()
	before := srv.FaultHits()
	img := indexedUpload(t, c, "c.png", "image/png", []byte("\x89PNG"))
	assert.Equal(t, before+1, srv.FaultHits(), "getFile and the storage PUT are not hit")
	got = waitIndexed(t, c, img.ID)
	assert.Equal(t, gen.FileStatusIndexingCompleted, got.Status)
	assert.Nil(t, got.FailedStatusReason)
	assert.Equal(t, before+1, srv.FaultHits())
}

// TestIndexingCopy: a copy goes on with its source's indexing where it
// is.
func TestIndexingCopy(t *testing.T) {
	srv := bptest.Start(t)
	c := srv.Client()
	ctx := context.Background()
	f := indexedUpload(t, c, "a.txt", "text/plain", []byte("refunds"))
	assert.Equal(t, gen.FileStatusUploadCompleted, indexStatus(t, c, f.ID))
	cp, err := c.CopyFile(ctx, f.ID, "b.txt", nil, gen.CopyFileBody{})
	require.NoError(t, err)
	assert.Equal(t, gen.FileStatusUploadCompleted, cp.File.Status)
	assert.Equal(t, gen.FileStatusIndexingPending, indexStatus(t, c, cp.File.ID), "the source's step was shown")
	assert.Equal(t, gen.FileStatusIndexingCompleted, indexStatus(t, c, cp.File.ID))
	assert.Equal(t, []string{"b.txt"}, searchKeys(t, c, "refunds"))
}
