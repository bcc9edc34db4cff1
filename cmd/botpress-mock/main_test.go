package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestRun(t *testing.T) {
	seed := filepath.Join(t.TempDir(), "seed.json")
	require.NoError(t, os.WriteFile(seed, []byte(`{"bots":{"bot_cli000000000000000000000000":{"users":[{"id":"user_cli00000000000000000000000","tags":{}}]}}}`), 0o600))

	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var logs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-token", "tok", "-bot", "bot_cli000000000000000000000000",
			"-page-size", "5", "-seed-data", seed, "-rate-limit", "100"}, pw, &logs)
		pw.Close()
	}()
	env := map[string]string{}
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			env[k] = v
		}
		if len(env) == 4 {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	require.Contains(t, env, "BP_API_URL")
	assert.Equal(t, "tok", env["BP_TOKEN"])

	req, _ := http.NewRequest("GET", env["BP_API_URL"]+"/v1/chat/users/user_cli00000000000000000000000", nil)
	req.Header.Set("Authorization", "Bearer tok")
	req.Header.Set("x-bot-id", env["BP_BOT_ID"])
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode, "seed data is loaded")
	assert.Equal(t, "100", resp.Header.Get("RateLimit-Limit"), "-rate-limit")
	assert.Equal(t, "99", resp.Header.Get("RateLimit-Remaining"))

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("botpress-mock did not stop")
	}
	assert.Contains(t, logs.String(), "path=/v1/chat/users/user_cli00000000000000000000000")
	assert.Contains(t, logs.String(), "status=200")
}

func TestRunBadFlags(t *testing.T) {
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"-page-size", "0"}, io.Discard, &stderr)
	assert.Error(t, err)
	err = run(context.Background(), []string{"-seed-data", "/does/not/exist.json"}, io.Discard, &stderr)
	assert.Error(t, err)
	err = run(context.Background(), []string{"-rate-limit", "10", "-rate-window", "0s"}, io.Discard, &stderr)
	assert.Error(t, err)
}
