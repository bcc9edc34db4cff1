package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
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

// waitSpy is a RoundTripper that counts the requests to each path and
// lets a test wait until a path has been requested n times: no sleeps.
type waitSpy struct {
	mu     sync.Mutex
	counts map[string]int
	wake   chan struct{} // closed and replaced at every request
}

func newWaitSpy() *waitSpy {
	return &waitSpy{counts: map[string]int{}, wake: make(chan struct{})}
}

func (s *waitSpy) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	s.counts[r.Method+" "+r.URL.Path]++
	close(s.wake)
	s.wake = make(chan struct{})
	s.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func (s *waitSpy) count(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[key]
}

// await blocks until key ("GET /v1/files") has been requested n times.
func (s *waitSpy) await(t *testing.T, key string, n int) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		s.mu.Lock()
		got, wake := s.counts[key], s.wake
		s.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-wake:
		case <-timeout:
			t.Fatalf("%s requested %d times, want %d", key, got, n)
		}
	}
}

func (s *waitSpy) client(srv *bptest.Server, opts ...client.Option) *client.Client {
	base := []client.Option{
		client.WithHTTPClient(&http.Client{Transport: s}),
		client.WithPollInterval(time.Millisecond, 4*time.Millisecond),
	}
	return srv.Client(append(base, opts...)...)
}

const listFilesKey = "GET /v1/files"

// upload stores a file for the wait tests and returns its ID.
func waitUpload(t *testing.T, c *client.Client, key, contentType, content string, index bool) string {
	t.Helper()
	f, err := c.UploadFile(context.Background(), gen.UpsertFileJSONRequestBody{
		Key: key, ContentType: &contentType, Index: &index,
	}, client.FileFromBytes([]byte(content)))
	require.NoError(t, err)
	return f.ID
}

// waitResult is what a wait run in the background gave.
type waitResult[T any] struct {
	v   T
	err error
}

// goWait runs wait in the background; its result comes on the channel.
func goWait[T any](wait func() (T, error)) <-chan waitResult[T] {
	done := make(chan waitResult[T], 1)
	go func() {
		v, err := wait()
		done <- waitResult[T]{v, err}
	}()
	return done
}

// notReturned fails the test if the wait of done has already returned.
func notReturned[T any](t *testing.T, done <-chan waitResult[T], what string) {
	t.Helper()
	select {
	case r := <-done:
		t.Fatalf("the wait returned before %s: %v", what, r.err)
	default:
	}
}

// startIndexingHeld starts bptest with the files' indexing held: it takes
// an hour, on a clock that stands still, until CompleteIndexing ends it.
func startIndexingHeld(t *testing.T) *bptest.Server {
	clock := bptest.NewClock(time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC))
	return bptest.Start(t, bptest.WithIndexingDelay(time.Hour), bptest.WithClock(clock.Now))
}

// TestWaitFileIndexedDrivenByTest holds the files' indexing (bptest's clock
// stands still), sees the client poll, then ends each indexing with
// CompleteIndexing: the wait returns once all have ended, with the failed
// ones named and why.
func TestWaitFileIndexedDrivenByTest(t *testing.T) {
	srv := startIndexingHeld(t)
	spy := newWaitSpy()
	c := spy.client(srv)
	good := waitUpload(t, c, "guide.md", "text/markdown", "# Guide\n\nHello.\n\nWorld.", true)
	bad := waitUpload(t, c, "broken.txt", "text/plain", "\xff\xfe not UTF-8", true)
	image := waitUpload(t, c, "logo.png", "image/png", "\x89PNG", true)

	done := goWait(func() ([]gen.ListedFile, error) {
		return c.WaitFileIndexed(context.Background(), []string{good, bad, image, good})
	})
	spy.await(t, listFilesKey, 2)
	notReturned(t, done, "any indexing ended")
	for _, id := range []string{good, bad, image} {
		require.NoError(t, srv.CompleteIndexing(id))
	}
	r := <-done
	require.Len(t, r.v, 4)
	assert.Equal(t, gen.FileStatusIndexingCompleted, r.v[0].Status)
	assert.Equal(t, "guide.md", r.v[0].Key)
	assert.Equal(t, r.v[0], r.v[3])
	assert.Equal(t, gen.FileStatusIndexingFailed, r.v[1].Status)
	assert.Equal(t, gen.FileStatusIndexingFailed, r.v[2].Status)

	require.ErrorIs(t, r.err, client.ErrIndexingFailed)
	var ie *client.IndexingError
	require.ErrorAs(t, r.err, &ie)
	require.Len(t, ie.Failed, 2)
	assert.Equal(t, bad, ie.Failed[0].ID)
	assert.Equal(t, "broken.txt", ie.Failed[0].Key)
	assert.Equal(t, gen.FileStatusIndexingFailed, ie.Failed[0].Status)
	assert.Contains(t, ie.Failed[0].Reason, "not valid UTF-8")
	assert.Equal(t, image, ie.Failed[1].ID)
	assert.Contains(t, ie.Failed[1].Reason, "image/png cannot be indexed")
	msg := r.err.Error()
	assert.True(t, strings.HasPrefix(msg, "botpress: waitFileIndexed: 2 files not indexed: "), msg)
	assert.Contains(t, msg, `"broken.txt" (`+bad+`): indexing_failed: the content is not valid UTF-8`)
	assert.Equal(t, 1, strings.Count(msg, "botpress:"), msg)
}

// TestWaitFileIndexedSteps lets bptest move indexing a step per read, as
// Cloud's takes a while: 120 files, more than a listFiles call filters by,
// done on the third look, with one listFiles call per 50 files per look.
func TestWaitFileIndexedSteps(t *testing.T) {
	srv := bptest.Start(t, bptest.WithPageSize(20))
	spy := newWaitSpy()
	c := spy.client(srv)
	ids := make([]string, 120)
	for i := range ids {
		ids[i] = waitUpload(t, c, fmt.Sprintf("doc-%03d.txt", i), "text/plain", fmt.Sprintf("Document %d.", i), true)
	}
	before := spy.count(listFilesKey)
	files, err := c.WaitFileIndexed(context.Background(), ids)
	require.NoError(t, err)
	require.Len(t, files, len(ids))
	for i, f := range files {
		assert.Equal(t, ids[i], f.ID)
		assert.Equal(t, gen.FileStatusIndexingCompleted, f.Status, f.Key)
	}
	// 3 looks; each look asks for 50, 50 and 20 IDs, pages of 20: 3+3+1.
	assert.Equal(t, 3*7, spy.count(listFilesKey)-before)
}

// TestWaitFileIndexedNotIndexable: a file not set to be indexed and an
// unknown ID fail at the first look, with their reasons; no IDs return at
// once; an empty ID is refused before anything is sent.
func TestWaitFileIndexedNotIndexable(t *testing.T) {
	srv := bptest.Start(t)
	spy := newWaitSpy()
	c := spy.client(srv)
	plain := waitUpload(t, c, "plain.txt", "text/plain", "not indexed", false)
	_, err := c.WaitFileIndexed(context.Background(), []string{plain, "file_missing"})
	var ie *client.IndexingError
	require.ErrorAs(t, err, &ie)
	require.Len(t, ie.Failed, 2)
	assert.Contains(t, ie.Failed[0].Reason, "indexing was not asked for")
	assert.Equal(t, client.FileIndexingFailure{ID: "file_missing", Reason: "no such file"}, ie.Failed[1])
	assert.Equal(t, 1, spy.count(listFilesKey))

	files, err := c.WaitFileIndexed(context.Background(), nil)
	require.NoError(t, err)
	assert.Empty(t, files)
	_, err = c.WaitFileIndexed(context.Background(), []string{plain, ""})
	require.ErrorIs(t, err, client.ErrMissingArgument)
	assert.Contains(t, err.Error(), "ids[1]")
	assert.Equal(t, 1, spy.count(listFilesKey))
}

// TestWaitFileIndexedContextEnds: the context ends while files are still
// pending; the error wraps the context's and names them.
func TestWaitFileIndexedContextEnds(t *testing.T) {
	srv := startIndexingHeld(t)
	spy := newWaitSpy()
	c := spy.client(srv)
	id := waitUpload(t, c, "slow.txt", "text/plain", "slow", true)
	ctx, cancel := context.WithCancel(context.Background())
	done := goWait(func() ([]gen.ListedFile, error) { return c.WaitFileIndexed(ctx, []string{id}) })
	spy.await(t, listFilesKey, 2) // the first look has been answered
	cancel()
	r := <-done
	require.ErrorIs(t, r.err, context.Canceled)
	assert.NotErrorIs(t, r.err, client.ErrIndexingFailed)
	assert.Contains(t, r.err.Error(), "1 file still pending: "+id+" (upload_completed)")
	require.Len(t, r.v, 1)
	assert.Equal(t, gen.FileStatusUploadCompleted, r.v[0].Status)
}

// TestWaitFileIndexedRateLimited: a look answered 429 with Retry-After is
// retried as any call is, and the wait goes on.
func TestWaitFileIndexedRateLimited(t *testing.T) {
	srv := bptest.Start(t)
	spy := newWaitSpy()
	c := spy.client(srv, client.WithMaxRetryAfter(2*time.Second))
	id := waitUpload(t, c, "a.txt", "text/plain", "A.", true)
	srv.InjectFault(bptest.Fault{Operation: "listFiles", Status: http.StatusTooManyRequests, RetryAfter: time.Millisecond, Times: 2})
	files, err := c.WaitFileIndexed(context.Background(), []string{id})
	require.NoError(t, err)
	assert.Equal(t, gen.FileStatusIndexingCompleted, files[0].Status)
	assert.Equal(t, 2, srv.FaultHits())
	assert.Equal(t, 3+2, spy.count(listFilesKey))

	// Retries exhausted: the call's error, as the call gave it.
	srv.InjectFault(bptest.Fault{Operation: "listFiles", Status: http.StatusTooManyRequests, RetryAfter: time.Millisecond})
	_, err = c.WaitFileIndexed(context.Background(), []string{id}, client.WithMaxRetries(1))
	var apiErr *bperrors.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusTooManyRequests, apiErr.StatusCode)
	assert.Contains(t, err.Error(), "listFiles")
}

// startTableJobsHeld starts bptest with its table jobs held
// (WithTableJobsHeld) and a client watched by a waitSpy, and makes the
// table of waitTable.
func startTableJobsHeld(t *testing.T) (*bptest.Server, *waitSpy, *client.Client, string) {
	srv := bptest.Start(t, bptest.WithTableJobsHeld())
	spy := newWaitSpy()
	c := spy.client(srv)
	return srv, spy, c, waitTable(t, c)
}

// waitTable makes a table with two rows for the table job tests.
func waitTable(t *testing.T, c *client.Client) string {
	t.Helper()
	ctx := context.Background()
	_, err := c.CreateTable(ctx, gen.CreateTableJSONRequestBody{Name: "LeadsTable", Schema: map[string]any{
		"type": "object", "properties": map[string]any{"name": map[string]any{"type": "string"}, "n": map[string]any{"type": "number"}},
	}})
	require.NoError(t, err)
	_, err = c.InsertRows(ctx, "LeadsTable", []map[string]any{{"name": "Ada", "n": 1}, {"name": "Grace", "n": 2}})
	require.NoError(t, err)
	return "LeadsTable"
}

// TestWaitTableJobExport holds an export in progress (WithTableJobsHeld),
// sees the client poll, releases it: the wait returns the completed job
// with its output file.
func TestWaitTableJobExport(t *testing.T) {
	srv, spy, c, table := startTableJobsHeld(t)
	ctx := context.Background()
	exp, err := c.ExportTable(ctx, table, nil)
	require.NoError(t, err)
	assert.Equal(t, string(gen.TableJobStatusInProgress), string(exp.Job.Status))
	assert.True(t, exp.Job.OutputFileID.IsNull())

	jobsKey := "GET /v1/tables/" + table + "/jobs"
	done := goWait(func() (*gen.TableJob, error) { return c.WaitTableJob(ctx, table, exp.Job.ID) })
	spy.await(t, jobsKey, 2)
	notReturned(t, done, "the job ended")
	require.NoError(t, srv.CompleteTableJob(exp.Job.ID))
	r := <-done
	require.NoError(t, r.err)
	assert.Equal(t, gen.TableJobStatusCompleted, r.v.Status)
	out, err := r.v.OutputFileID.Get()
	require.NoError(t, err)
	var sb strings.Builder
	_, err = c.DownloadFile(ctx, out, &sb)
	require.NoError(t, err)
	assert.NotEmpty(t, sb.String())

	// A job already ended: one look.
	before := spy.count(jobsKey)
	job, err := c.WaitTableJob(ctx, table, exp.Job.ID)
	require.NoError(t, err)
	assert.Equal(t, exp.Job.ID, job.ID)
	assert.Equal(t, before+1, spy.count(jobsKey))
}

// TestWaitTableJobImportFails: an import whose file has a refused row
// fails; the wait says so once the job is released.
func TestWaitTableJobImportFails(t *testing.T) {
	srv, spy, c, table := startTableJobsHeld(t)
	ctx := context.Background()
	f, err := c.UploadFile(ctx, gen.UpsertFileJSONRequestBody{Key: "rows.csv", ContentType: client.Ptr("text/csv")},
		client.FileFromBytes([]byte("name,n\nLin,3\nMo,three\n")))
	require.NoError(t, err)
	imp, err := c.ImportTable(ctx, table, gen.ImportTableBody{FileID: f.ID})
	require.NoError(t, err)

	jobsKey := "GET /v1/tables/" + table + "/jobs"
	done := goWait(func() (*gen.TableJob, error) { return c.WaitTableJob(ctx, table, imp.Job.ID) })
	spy.await(t, jobsKey, 1)
	require.NoError(t, srv.CompleteTableJob(imp.Job.ID))
	r := <-done
	require.ErrorIs(t, r.err, client.ErrTableJobFailed)
	var je *client.TableJobError
	require.ErrorAs(t, r.err, &je)
	assert.Equal(t, imp.Job.ID, je.Job.ID)
	assert.Equal(t, gen.TableJobTypeImport, je.Job.Type)
	assert.Equal(t, "botpress: waitTableJob: import job "+imp.Job.ID+" on table "+table+" failed (the API gives no reason)", r.err.Error())
	require.NotNil(t, r.v)
	assert.Equal(t, gen.TableJobStatusFailed, r.v.Status)
	assert.NotEmpty(t, srv.TableJobErrors(imp.Job.ID))
}

// TestWaitTableJobEdges: an unknown job, a context that ends while the job
// runs, arguments missing.
func TestWaitTableJobEdges(t *testing.T) {
	_, spy, c, table := startTableJobsHeld(t)
	ctx := context.Background()

	_, err := c.WaitTableJob(ctx, table, "job_unknown")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "job job_unknown is not among the latest jobs of table "+table)

	_, err = c.WaitTableJob(ctx, "", "job_1")
	require.ErrorIs(t, err, client.ErrMissingArgument)
	_, err = c.WaitTableJob(ctx, table, "")
	require.ErrorIs(t, err, client.ErrMissingArgument)

	exp, err := c.ExportTable(ctx, table, nil)
	require.NoError(t, err)
	jobsKey := "GET /v1/tables/" + table + "/jobs"
	before := spy.count(jobsKey)
	cctx, cancel := context.WithCancel(ctx)
	done := goWait(func() (*gen.TableJob, error) { return c.WaitTableJob(cctx, table, exp.Job.ID) })
	spy.await(t, jobsKey, before+2) // the first look has been answered
	cancel()
	r := <-done
	require.ErrorIs(t, r.err, context.Canceled)
	assert.False(t, errors.Is(r.err, client.ErrTableJobFailed))
	assert.Contains(t, r.err.Error(), "export job "+exp.Job.ID+" on table "+table+" still in_progress, progress 0.5")
	require.NotNil(t, r.v)

	_, err = client.New(client.WithToken("t"), client.WithPollInterval(0, time.Second))
	require.Error(t, err)
	_, err = client.New(client.WithToken("t"), client.WithPollInterval(time.Second, time.Millisecond))
	require.Error(t, err)
}
