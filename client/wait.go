package client

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/botpress-go/sdk/gen"
	"github.com/botpress-go/sdk/internal/transport"
)

// Work the API does in the background after a call has answered (the
// indexing of an uploaded file, a table's import or export) is awaited by
// polling: WaitFileIndexed and WaitTableJob look, wait, and look again,
// each wait twice as long as the one before (WithPollInterval), until the
// work has ended or the context does. Every look is an ordinary call: it
// is paced by WithRateLimit, and a 429 or a 5xx answer is retried as any
// call's is (Retry-After honoured); an error that remains after the
// retries ends the wait, and is returned as the call gave it.

// Defaults of WithPollInterval.
const (
	DefaultPollInterval    = 500 * time.Millisecond
	DefaultMaxPollInterval = 10 * time.Second
)

// maxFileIDsPerList is the most IDs listFiles filters by in one call.
const maxFileIDsPerList = 50

// ErrIndexingFailed is matched (errors.Is) by the *IndexingError of
// WaitFileIndexed.
var ErrIndexingFailed = errors.New("botpress: indexing failed")

// ErrTableJobFailed is matched (errors.Is) by the *TableJobError of
// WaitTableJob.
var ErrTableJobFailed = errors.New("botpress: table job failed")

// FileIndexingFailure is one file that WaitFileIndexed saw end without
// being indexed.
type FileIndexingFailure struct {
	ID  string
	Key string // "" when the file was not found
	// Status is the file's status: indexing_failed or upload_failed, or
	// another one for a file that will never be indexed (see Reason); ""
	// when the file was not found.
	Status gen.FileStatus
	// Reason is the file's failedStatusReason, or what the client saw:
	// "no such file", or that indexing was not asked for.
	Reason string
}

// IndexingError is the error of WaitFileIndexed when files ended without
// being indexed. It matches ErrIndexingFailed.
type IndexingError struct {
	// Failed are those files, in the order they were asked for.
	Failed []FileIndexingFailure
}

// maxFailuresShown bounds how many failures IndexingError.Error names.
const maxFailuresShown = 10

// Error reads like `botpress: waitFileIndexed: 2 files not indexed:
// "a.pdf" (file_1): indexing_failed: <reason>; ...`, naming the first ten.
func (e *IndexingError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "botpress: waitFileIndexed: %d %s not indexed: ", len(e.Failed), plural(len(e.Failed), "file", "files"))
	for i, f := range e.Failed {
		if i == maxFailuresShown {
			fmt.Fprintf(&b, "; and %d more", len(e.Failed)-i)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		if f.Key != "" {
			fmt.Fprintf(&b, "%q (%s)", f.Key, f.ID)
		} else {
			b.WriteString(f.ID)
		}
		if f.Status != "" {
			fmt.Fprintf(&b, ": %s", f.Status)
		}
		fmt.Fprintf(&b, ": %s", f.Reason)
	}
	return b.String()
}

// Is reports whether target is ErrIndexingFailed.
func (e *IndexingError) Is(target error) bool { return target == ErrIndexingFailed }

// WaitFileIndexed waits until each of the files ids (their IDs, as
// UploadFile and upsertFile return them) has been indexed for search, or
// has failed, and returns the files as last seen, in the order of ids.
//
// It looks with listFiles, filtered by up to 50 IDs a call, and waits
// between looks as WithPollInterval sets (see the note at the top of
// wait.go). A file that reaches indexing_completed is done; one that
// reaches indexing_failed or upload_failed, that was not set to be indexed
// (upsertFile's index false), or that is not found, fails: once every file
// is done or failed, the error is an *IndexingError naming each failure
// with its reason (the file's failedStatusReason), nil when none failed.
// When ctx ends first, the error wraps ctx's error and names the files
// still pending (joined with the *IndexingError when files have failed
// by then).
func (c *Client) WaitFileIndexed(ctx context.Context, ids []string, opts ...Option) ([]gen.ListedFile, error) {
	const op = "waitFileIndexed"
	if ctx == nil {
		return nil, transport.Errorf("botpress: %s: nil context", op)
	}
	cfg, err := c.with(opts)
	if err != nil {
		return nil, transport.Errorf("botpress: %s: %w", op, transport.Unprefix(err))
	}
	for i, id := range ids {
		if id == "" {
			return nil, transport.Missing(op, fmt.Sprintf("ids[%d]", i))
		}
	}
	latest := make(map[string]gen.ListedFile, len(ids))
	failures := make(map[string]FileIndexingFailure)
	var pending []string
	for _, id := range ids {
		if _, dup := latest[id]; !dup {
			latest[id] = gen.ListedFile{ID: id}
			pending = append(pending, id)
		}
	}
	result := func() []gen.ListedFile {
		out := make([]gen.ListedFile, len(ids))
		for i, id := range ids {
			out[i] = latest[id]
		}
		return out
	}
	failed := func() *IndexingError {
		var e IndexingError
		named := make(map[string]bool, len(failures))
		for _, id := range ids {
			if f, ok := failures[id]; ok && !named[id] {
				named[id] = true
				e.Failed = append(e.Failed, f)
			}
		}
		if len(e.Failed) == 0 {
			return nil
		}
		return &e
	}
	stillPending := func(cause error) error {
		var names []string
		for i, id := range pending {
			if i == maxFailuresShown {
				names = append(names, fmt.Sprintf("and %d more", len(pending)-i))
				break
			}
			names = append(names, fmt.Sprintf("%s (%s)", id, latest[id].Status))
		}
		err := transport.Errorf("botpress: %s: %d %s still pending: %s: %w", op, len(pending), plural(len(pending), "file", "files"), strings.Join(names, ", "), cause)
		if f := failed(); f != nil {
			return errors.Join(f, err)
		}
		return err
	}
	wait := newPoll(&cfg)
	for len(pending) > 0 {
		seen := make(map[string]bool, len(pending))
		for chunk := range slices.Chunk(pending, maxFileIDsPerList) {
			for f, err := range c.AllFiles(ctx, &gen.ListFilesParams{IDs: chunk}, opts...) {
				if err != nil {
					if ctx.Err() != nil {
						return result(), stillPending(context.Cause(ctx))
					}
					return result(), err
				}
				if _, asked := latest[f.ID]; asked {
					latest[f.ID], seen[f.ID] = f, true
				}
			}
		}
		next := pending[:0:0]
		for _, id := range pending {
			f := latest[id]
			switch {
			case !seen[id]:
				failures[id] = FileIndexingFailure{ID: id, Reason: "no such file"}
			case f.Status == gen.FileStatusIndexingCompleted:
			case f.Status == gen.FileStatusIndexingFailed, f.Status == gen.FileStatusUploadFailed:
				reason := "no reason given"
				if f.FailedStatusReason != nil && *f.FailedStatusReason != "" {
					reason = *f.FailedStatusReason
				}
				failures[id] = FileIndexingFailure{ID: id, Key: f.Key, Status: f.Status, Reason: reason}
			case !f.Index:
				failures[id] = FileIndexingFailure{ID: id, Key: f.Key, Status: f.Status, Reason: "indexing was not asked for (upsertFile's index was false)"}
			default:
				next = append(next, id)
			}
		}
		pending = next
		if len(pending) == 0 {
			break
		}
		if err := wait.sleep(ctx); err != nil {
			return result(), stillPending(err)
		}
	}
	if f := failed(); f != nil {
		return result(), f
	}
	return result(), nil
}

// TableJobError is the error of WaitTableJob for a job that failed. It
// matches ErrTableJobFailed. The API's job carries no reason.
type TableJobError struct {
	Table string
	Job   gen.TableJob
}

// Error reads like `botpress: waitTableJob: import job job_1 on table
// t_1 failed`.
func (e *TableJobError) Error() string {
	return fmt.Sprintf("botpress: waitTableJob: %s job %s on table %s failed (the API gives no reason)", e.Job.Type, e.Job.ID, e.Table)
}

// Is reports whether target is ErrTableJobFailed.
func (e *TableJobError) Is(target error) bool { return target == ErrTableJobFailed }

// WaitTableJob waits until the background job jobID of table (the job
// that exportTable, importTable, deleteTableRows or duplicateTable
// started) has ended, and returns it as last seen: for a completed export,
// its OutputFileID names the file written. It looks with getTableJobs and
// waits between looks as WithPollInterval sets (see the note at the top of
// wait.go). A failed job gives a *TableJobError; a job that getTableJobs
// does not list (it lists a table's latest jobs) an error; when ctx ends
// first, an error that wraps ctx's error and says where the job stood.
func (c *Client) WaitTableJob(ctx context.Context, table, jobID string, opts ...Option) (*gen.TableJob, error) {
	const op = "waitTableJob"
	if ctx == nil {
		return nil, transport.Errorf("botpress: %s: nil context", op)
	}
	cfg, err := c.with(opts)
	if err != nil {
		return nil, transport.Errorf("botpress: %s: %w", op, transport.Unprefix(err))
	}
	if err := transport.CheckPath(op, "table", table); err != nil {
		return nil, err
	}
	if jobID == "" {
		return nil, transport.Missing(op, "jobID")
	}
	var last *gen.TableJob
	stillRunning := func(cause error) error {
		if last == nil {
			return transport.Errorf("botpress: %s: job %s on table %s: %w", op, jobID, table, cause)
		}
		progress := ""
		if last.Progress != nil {
			progress = fmt.Sprintf(", progress %v", *last.Progress)
		}
		return transport.Errorf("botpress: %s: %s job %s on table %s still %s%s: %w", op, last.Type, jobID, table, last.Status, progress, cause)
	}
	wait := newPoll(&cfg)
	for {
		res, err := c.GetTableJobs(ctx, table, opts...)
		if err != nil {
			if ctx.Err() != nil {
				return last, stillRunning(context.Cause(ctx))
			}
			return last, err
		}
		i := slices.IndexFunc(res.Jobs, func(j gen.TableJob) bool { return j.ID == jobID })
		if i < 0 {
			return last, transport.Errorf("botpress: %s: job %s is not among the latest jobs of table %s", op, jobID, table)
		}
		job := res.Jobs[i]
		last = &job
		switch job.Status {
		case gen.TableJobStatusCompleted:
			return last, nil
		case gen.TableJobStatusFailed:
			return last, &TableJobError{Table: table, Job: job}
		}
		if err := wait.sleep(ctx); err != nil {
			return last, stillRunning(err)
		}
	}
}

// poll is the wait between two looks of WaitFileIndexed or WaitTableJob.
type poll struct {
	next, max time.Duration
}

func newPoll(cfg *config) *poll {
	p := &poll{next: cfg.pollFirst, max: cfg.pollMax}
	if p.next <= 0 {
		p.next, p.max = DefaultPollInterval, DefaultMaxPollInterval
	}
	return p
}

// sleep waits for the next interval, doubling the one after, or returns
// the cause of ctx's end.
func (p *poll) sleep(ctx context.Context) error {
	t := time.NewTimer(p.next)
	defer t.Stop()
	p.next = min(2*p.next, p.max)
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// plural returns one when n is 1, many otherwise.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
