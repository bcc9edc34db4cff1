package bptest_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
)

// heapPeak samples the process's heap until stop is called, and returns
// the largest HeapInuse and Sys it saw.
func heapPeak() (stop func() (heapInuse, sys uint64)) {
	var inuse, sys atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > inuse.Load() {
				inuse.Store(m.HeapInuse)
			}
			if m.Sys > sys.Load() {
				sys.Store(m.Sys)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() (uint64, uint64) {
		close(done)
		wg.Wait()
		return inuse.Load(), sys.Load()
	}
}

// concurrently sends n requests made by req at once, and returns their
// statuses (0 where the server closed the connection before answering).
func concurrently(t *testing.T, n int, req func(i int) *http.Request) []int {
	t.Helper()
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.DefaultClient.Do(req(i))
			if err != nil {
				return
			}
			defer resp.Body.Close()
			_, _ = io.Copy(io.Discard, resp.Body)
			statuses[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	return statuses
}

// bigBotRequest is a createBot request of size bytes, bot "big-<i>" with
// code of repeated bytes, made as it is read (never held whole).
func bigBotRequest(t *testing.T, srv *bptest.Server, i int, size int64) *http.Request {
	head := fmt.Sprintf(`{"name":"big-%d","code":"`, i)
	body := io.MultiReader(strings.NewReader(head), &repeated{n: size - int64(len(head)) - 2}, strings.NewReader(`"}`))
	req, err := http.NewRequest("POST", srv.URL+"/v1/admin/bots", body)
	require.NoError(t, err)
	req.ContentLength = size
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+srv.Token)
	req.Header.Set("x-workspace-id", srv.WorkspaceID)
	return req
}

func TestTenConcurrentLargeAdminBodiesStayUnderAGiB(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 500 MiB")
	}
	if raceEnabled {
		// Ten times slower, and what it measures is the same.
		t.Skip("sends 500 MiB: about 100 s with the race detector")
	}
	const (
		n    = 10
		size = 50 << 20 // the admin body limit
	)
	srv := bptest.Start(t)
	// createBot with 50 MiB of code: the largest body an admin call takes.
	createBot := func(i int) *http.Request { return bigBotRequest(t, srv, i, size) }
	// What one body costs: its bytes, the value decoded to validate it, the
	// generated handler's decoding (its buffer and its value).
	one := allocated(func() { assert.Equal(t, []int{200}, concurrently(t, 1, createBot)) })
	t.Logf("one body of %d MiB: %d MiB allocated (%.1f×)", size>>20, one>>20, float64(one)/size)

	runtime.GC()
	stop := heapPeak()
	statuses := concurrently(t, n, createBot)
	inuse, sys := stop()
	t.Logf("%d concurrent bodies of %d MiB: heap in use peaked at %d MiB, memory from the OS at %d MiB", n, size>>20, inuse>>20, sys>>20)
	for i, s := range statuses {
		assert.Equal(t, 200, s, "request %d", i)
	}
	assert.Less(t, inuse, uint64(1<<30), "the heap passed 1 GiB")
}

func TestTenConcurrentOversizedRuntimeBodiesAreNotRead(t *testing.T) {
	const (
		n    = 10
		size = 2 << 20
	)
	srv := bptest.Start(t)
	post := func(length int64) func(int) *http.Request {
		return func(int) *http.Request {
			body := io.MultiReader(strings.NewReader(`{"tags":{"a":"`), &repeated{n: size})
			req, err := http.NewRequest("POST", srv.URL+"/v1/chat/users", body)
			require.NoError(t, err)
			req.ContentLength = length
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+srv.Token)
			req.Header.Set("x-bot-id", srv.BotID)
			return req
		}
	}
	// Announced: refused from the headers, not a byte of the body read.
	var statuses []int
	got := allocated(func() { statuses = concurrently(t, n, post(size+14)) })
	t.Logf("%d concurrent announced bodies of 2 MiB: %d bytes allocated", n, got)
	for _, s := range statuses {
		assert.Equal(t, 413, s)
	}
	assert.Less(t, got, uint64(size), "bodies over the limit were read: all ten cost less than one")

	// Chunked: each read up to the 1 MB limit, then cut (read whole, each would
	// cost its 2 MiB and more).
	got = allocated(func() { statuses = concurrently(t, n, post(-1)) })
	t.Logf("%d concurrent chunked bodies of 2 MiB: %d bytes allocated", n, got)
	for _, s := range statuses {
		assert.Contains(t, []int{0, 413}, s)
	}
	assert.Less(t, got, uint64(n*size), "bodies were read past the limit")
}

func TestLargeBodiesWaitTheirTurnAndSmallOnesDoNot(t *testing.T) {
	const size = 40 << 20 // two of them are over the 64 MiB admitted at once
	srv := bptest.Start(t, bptest.WithTimeouts(bptest.Timeouts{Read: 5 * time.Second}))
	head := func(i int) string { return fmt.Sprintf(`{"name":"big-%d","code":"`, i) }

	// The first large body arrives slowly: admitted, it holds its share.
	conn := rawConn(t, srv)
	// Two 40 MiB bodies read and validated under -race on a loaded machine
	// took more than rawConn's 30 s failsafe: this one is longer (it only
	// stops a hung test).
	require.NoError(t, conn.SetDeadline(time.Now().Add(5*time.Minute)))
	_, err := fmt.Fprintf(conn, "POST /v1/admin/bots HTTP/1.1\r\nHost: bptest\r\nAuthorization: Bearer %s\r\nx-workspace-id: %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", srv.Token, srv.WorkspaceID, size, head(0))
	require.NoError(t, err)

	// The second waits, before a byte of it is read.
	second := make(chan int, 1)
	go func() {
		second <- concurrently(t, 1, func(int) *http.Request { return bigBotRequest(t, srv, 1, size) })[0]
	}()
	deadline := time.Now().Add(failsafe)
	for bptest.LargeBodiesWaiting(srv) == 0 {
		require.True(t, time.Now().Before(deadline), "the second large body was not held back")
		runtime.Gosched()
	}

	// A small body does not wait.
	status, body := limDo(t, srv, "POST", srv.URL+"/v1/chat/users", map[string]string{"x-bot-id": srv.BotID}, strings.NewReader(`{"tags":{}}`), 11)
	assert.Equal(t, 201, status, "%v", body)
	assert.EqualValues(t, 1, bptest.LargeBodiesWaiting(srv))

	// The first ends; the second is admitted and answered.
	_, err = io.Copy(conn, io.MultiReader(&repeated{n: size - int64(len(head(0))) - 2}, strings.NewReader(`"}`)))
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, 200, <-second)
}
