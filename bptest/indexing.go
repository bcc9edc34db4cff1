package bptest

import (
	"fmt"
	"mime"
	"strings"
	"time"
	"unicode/utf8"

	gen "github.com/botpress-go/sdk/bptest/internal/server"
)

// The indexing of a file whose upsertFile asked for it (index: true) runs
// as in Botpress Cloud, in steps that a test can watch: upload_pending
// until the content arrives, then upload_completed, then
// indexing_pending, and then indexing_completed (with the file's passages)
// or indexing_failed (with failedStatusReason). searchFiles and
// listFilePassages see a file only once its indexing has completed.
//
// What moves a file to its next step:
//
//   - By default, reads: a step lasts until a getFile or listFiles answer
//     has shown it; the next such answer shows the next step. A program
//     that polls getFile until the status is no longer pending sees
//     upload_completed, indexing_pending and then the outcome, on its
//     third read, without waiting; a test sees each status in turn, and
//     what it saw last is what searchFiles and listFilePassages go by.
//   - With WithIndexingDelay(d), the server's clock (WithClock) instead:
//     each step lasts d, so the outcome comes 2d after the content
//     arrived. With a Clock that a test moves with Advance, a file stays
//     at its step, whatever is read, until the test moves the clock.
//   - Server.CompleteIndexing ends a file's indexing at once, in either
//     mode.
//
// The outcome (indexingOutcome): text (text/*, application/json,
// application/xml, and types ending in +json or +xml) is indexed into one
// passage per paragraph when it is valid UTF-8, and fails otherwise; the
// documents Cloud indexes and bptest cannot read (PDF, Word, RTF ...)
// complete with no passages (setFilePassages gives them some); any other
// content type (images, audio, video, archives, application/octet-stream)
// fails, as bptest has nothing to index in it. A fault overrides the rule:
// Fault{Operation: "upsertFile", Indexing: IndexingFailed} (or
// IndexingCompleted) decides the outcome of the file that upsertFile
// makes.

// The outcomes a Fault can force on indexing (Fault.Indexing).
const (
	IndexingCompleted = "completed"
	IndexingFailed    = "failed"
)

// WithIndexingDelay makes indexing advance on the server's clock (see
// WithClock) instead of on reads: a file asking for indexing stays
// upload_completed for d after its content arrives, then indexing_pending
// for d, and then completes or fails. Zero (the default) moves it one
// step per getFile or listFiles answer that shows it (a step lasts until
// an answer has shown it). Server.CompleteIndexing ends it at once either
// way.
func WithIndexingDelay(d time.Duration) Option {
	return func(s *settings) { s.indexingDelay = d }
}

// fileIndexing is the progress of a file's indexing, from the arrival of
// its content to its outcome.
type fileIndexing struct {
	pending bool      // indexing_pending; upload_completed before
	since   time.Time // when the current step began (WithIndexingDelay)
	shown   bool      // an answer has shown the current step (reads move it)
}

// startIndexing begins the indexing of a file whose content has arrived.
func (st *state) startIndexing(e *fileEntry) {
	e.passages = nil
	e.file.IndexingStack = nil
	e.file.FailedStatusReason = nil
	e.file.Status = gen.FileStatusUploadCompleted
	e.indexing = &fileIndexing{since: st.now()}
}

// stepIndexing moves a file's indexing one step forward.
func (st *state) stepIndexing(e *fileEntry) {
	ix := e.indexing
	if ix == nil {
		return
	}
	if ix.pending {
		st.finishIndexing(e)
		return
	}
	ix.pending, ix.shown = true, false
	ix.since = ix.since.Add(st.srv.settings.indexingDelay)
	e.file.Status = gen.FileStatusIndexingPending
	e.file.UpdatedAt = instant(st.now())
}

// finishIndexing ends a file's indexing with its outcome.
func (st *state) finishIndexing(e *fileEntry) {
	e.indexing = nil
	passages, reason := indexingOutcome(e)
	e.file.UpdatedAt = instant(st.now())
	if reason != "" {
		e.passages = nil
		e.file.Status = gen.FileStatusIndexingFailed
		e.file.FailedStatusReason = ptr(reason)
		return
	}
	e.passages = nil
	for i, p := range passages {
		e.passages = append(e.passages, filePassage(e.file.ID, i, p, nil, nil))
	}
	e.file.Status = gen.FileStatusIndexingCompleted
	e.file.IndexingStack = ptr(gen.FileIndexingStackV2)
}

// indexingOutcome returns the passages of a file's content, or why it
// cannot be indexed.
func indexingOutcome(e *fileEntry) (passages []string, failed string) {
	switch e.forceIndexing {
	case IndexingFailed:
		return nil, "indexing failed (fault injected by bptest)"
	case IndexingCompleted:
		if fileIsText(e.file.ContentType) && utf8.Valid(e.content) {
			return fileParagraphs(string(e.content)), ""
		}
		return nil, ""
	}
	switch {
	case fileIsText(e.file.ContentType):
		if !utf8.Valid(e.content) {
			return nil, fmt.Sprintf("the content is not valid UTF-8 text, as its content type %s says", e.file.ContentType)
		}
		return fileParagraphs(string(e.content)), ""
	case fileIsDocument(e.file.ContentType):
		return nil, ""
	}
	return nil, fmt.Sprintf("content of type %s cannot be indexed", e.file.ContentType)
}

// fileIsText reports whether bptest reads a content type as text.
func fileIsText(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	return strings.HasPrefix(mt, "text/") || mt == "application/json" || mt == "application/xml" ||
		strings.HasSuffix(mt, "+json") || strings.HasSuffix(mt, "+xml")
}

// fileIsDocument reports whether a content type is a document that Cloud
// indexes and bptest cannot read.
func fileIsDocument(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case "application/pdf", "application/msword", "application/rtf",
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		"application/vnd.oasis.opendocument.text", "application/epub+zip":
		return true
	}
	return false
}

// settleIndexing moves, under WithIndexingDelay, the indexing of a bot's
// files to where the server's clock has got to.
func (st *state) settleIndexing(fs *fileState) {
	d := st.srv.settings.indexingDelay
	if d <= 0 {
		return
	}
	now := st.now()
	for _, r := range fs.files.order {
		for e := r.v; e.indexing != nil && !now.Before(e.indexing.since.Add(d)); {
			st.stepIndexing(e)
		}
	}
}

// readIndexing is called, unless WithIndexingDelay is set, before an
// answer shows a file: a step already shown gives way to the next, which
// this answer shows.
func (st *state) readIndexing(e *fileEntry) {
	if st.srv.settings.indexingDelay > 0 || e.indexing == nil {
		return
	}
	if e.indexing.shown {
		st.stepIndexing(e)
	}
	if e.indexing != nil {
		e.indexing.shown = true
	}
}

// CompleteIndexing ends the indexing of a file (of any bot, by ID) at
// once: it completes, or fails, as its content (or a fault) decides. A
// file whose indexing has already ended is left as it is; an unknown file
// is an error.
func (s *Server) CompleteIndexing(fileID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.state.bots {
		if e, ok := b.files.files.get(fileID); ok {
			if e.indexing != nil {
				s.state.finishIndexing(e)
			}
			return nil
		}
	}
	return fmt.Errorf("bptest: CompleteIndexing: %w", notFound("file", fileID))
}
