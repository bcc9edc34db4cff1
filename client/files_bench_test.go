package client_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/client"
	"github.com/botpress-go/sdk/gen"
)

// ftBigFile writes a file of size bytes in 1 MiB pieces and returns its
// path.
func ftBigFile(tb testing.TB, size int64) string {
	tb.Helper()
	return ftWriteFile(tb, filepath.Join(tb.TempDir(), "big.bin"), size)
}

// ftWriteFile writes a file of size bytes at path in 1 MiB pieces and
// returns path.
func ftWriteFile(tb testing.TB, path string, size int64) string {
	tb.Helper()
	f, err := os.Create(path)
	require.NoError(tb, err)
	chunk := ftPattern(1 << 20)
	for left := size; left > 0; left -= int64(len(chunk)) {
		n := min(left, int64(len(chunk)))
		_, err := f.Write(chunk[:n])
		require.NoError(tb, err)
	}
	require.NoError(tb, f.Close())
	return path
}

// ftLargeUpload starts an API server and a storage host that discards
// what it is sent, and returns a client of the API and a counter of the
// bytes storage received.
func ftLargeUpload(tb testing.TB) (*client.Client, *atomic.Int64) {
	tb.Helper()
	var received atomic.Int64
	store := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" || r.Header.Get(client.HeaderBotID) != "" {
			tb.Errorf("storage got credentials")
		}
		n, err := io.Copy(io.Discard, r.Body)
		received.Add(n)
		if err != nil || n != r.ContentLength {
			tb.Errorf("storage read %d of %d bytes: %v", n, r.ContentLength, err)
		}
		w.WriteHeader(http.StatusOK)
	}))
	tb.Cleanup(store.Close)
	uploadURL := store.URL + "/upload/big?X-Amz-Signature=" + ftSignature
	api := newServer(tb, func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, `{"file":{"id":"file_big","botId":"bot_1","key":"big.bin",`+
			`"contentType":"application/octet-stream","size":null,"tags":{},"metadata":{},`+
			`"status":"upload_pending","index":false,"accessPolicies":[],"owner":{"type":"bot"},`+
			`"createdAt":"2024-05-06T07:08:09.123Z","updatedAt":"2024-05-06T07:08:09.123Z",`+
			`"url":"","uploadUrl":"`+uploadURL+`"}}`)
	})
	return newClient(tb, api), &received
}

// BenchmarkUploadFilePath uploads a file from disk:
// BenchmarkUploadFilePath/size=64MiB and /size=200MiB; the 200 MiB one is
// skipped with -short. Bytes allocated per operation must stay far below
// the file size: the file is streamed, never held in memory.
func BenchmarkUploadFilePath(b *testing.B) {
	c, received := ftLargeUpload(b)
	ctx := context.Background()
	body := gen.UpsertFileJSONRequestBody{Key: "big.bin"}
	// Each file is written once, the first time its size runs, and shared
	// by the runs that follow (the benchmark function runs once per b.N
	// tried).
	dir := b.TempDir()
	paths := map[int64]string{}
	for _, size := range []int64{64 << 20, 200 << 20} {
		b.Run(fmt.Sprintf("size=%dMiB", size>>20), func(b *testing.B) {
			if size > 64<<20 && testing.Short() {
				b.Skip("skipping the 200 MiB upload with -short")
			}
			path, ok := paths[size]
			if !ok {
				path = ftWriteFile(b, filepath.Join(dir, fmt.Sprintf("big-%d.bin", size)), size)
				paths[size] = path
			}
			before := received.Load()
			b.ReportAllocs()
			b.SetBytes(size)
			b.ResetTimer()
			for range b.N {
				if _, err := c.UploadFile(ctx, body, client.FileFromPath(path)); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if got, want := received.Load()-before, int64(b.N)*size; got != want {
				b.Fatalf("storage received %d bytes, want %d", got, want)
			}
		})
	}
}

// TestUploadLargeFileBoundedMemory checks that uploading a 32 MiB file
// allocates less than 8 MiB: an allocation bound, not a timing.
func TestUploadLargeFileBoundedMemory(t *testing.T) {
	const size = 32 << 20
	path := ftBigFile(t, size)
	c, received := ftLargeUpload(t)

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := c.UploadFile(context.Background(), gen.UpsertFileJSONRequestBody{Key: "big.bin"}, client.FileFromPath(path))
	runtime.ReadMemStats(&after)
	require.NoError(t, err)

	assert.Equal(t, int64(size), received.Load())
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("uploading %d MiB allocated %d KiB", size>>20, alloc>>10)
	assert.Less(t, alloc, uint64(8<<20), "uploading a %d MiB file allocated %d bytes", size>>20, alloc)
}
