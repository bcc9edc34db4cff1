// Package testutil holds the test helpers shared by the SDK's packages.
// Only tests import it.
package testutil

import (
	"bytes"
	"iter"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// OnePrefix checks that err's message says "botpress:" once, at its start.
func OnePrefix(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err)
	msg := err.Error()
	assert.True(t, strings.HasPrefix(msg, "botpress: "), "no prefix: %s", msg)
	assert.Equal(t, 1, strings.Count(msg, "botpress:"), "repeated prefix: %s", msg)
}

// HeapInUse is the live heap after a collection.
func HeapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// SyncBuffer is a bytes.Buffer that goroutines may write while a test
// reads it: a log destination for servers and clients under test.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p to the buffer.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// CancelAt walks seq until it yields an error or ends, calling each (if
// not nil) with every item and its number from 1, and cancel once the
// item numbered at has come. It returns how many items came and the error
// that ended the walk.
func CancelAt[T any](seq iter.Seq2[T, error], at int, cancel func(), each func(n int, item T)) (n int, last error) {
	for item, err := range seq {
		if err != nil {
			return n, err
		}
		n++
		if each != nil {
			each(n, item)
		}
		if n == at {
			cancel()
		}
	}
	return n, nil
}
