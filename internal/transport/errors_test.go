package transport

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/url"
	"testing"
	"testing/iotest"
)

func TestErrorfOnePrefix(t *testing.T) {
	inner := errors.New("botpress: getUser: 404 Not Found")
	err := Errorf("botpress: connect: %w", Errorf("botpress: step: %w", inner))
	if got, want := err.Error(), "botpress: connect: step: getUser: 404 Not Found"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if !errors.Is(err, inner) {
		t.Fatal("the chain lost the inner error")
	}
	if errors.Unwrap(errors.Unwrap(err)) != inner {
		t.Fatal("one %w is one layer")
	}
	two := Errorf("botpress: x: %w: %w", context.Canceled, inner)
	if two.Error() != "botpress: x: context canceled: getUser: 404 Not Found" || !errors.Is(two, inner) || !errors.Is(two, context.Canceled) {
		t.Fatalf("two: %v", two)
	}
	plain := Errorf("botpress: x: %v", 3)
	if plain.Error() != "botpress: x: 3" {
		t.Fatal(plain)
	}
}

// readBody gives back what it read, whatever the announced size, up to
// max+1 bytes.
func TestReadBody(t *testing.T) {
	for _, n := range []int{0, 1, 511, 512, 513, 4096, maxSizeHint - 1, maxSizeHint, maxSizeHint + 1, 3*maxSizeHint + 7} {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(i * 7)
		}
		for _, size := range []int64{-1, int64(n), int64(n) / 2, int64(n) * 2} {
			for _, max := range []int{n, n - 1, n + 10, 100 << 20} {
				if max < 0 {
					continue
				}
				got, err := readBody(iotest.HalfReader(bytes.NewReader(data)), size, max)
				if err != nil {
					t.Fatal(err)
				}
				want := data[:min(n, max+1)]
				if !bytes.Equal(got, want) {
					t.Fatalf("n %d size %d max %d: got %d bytes, want %d", n, size, max, len(got), len(want))
				}
			}
		}
	}
}

// A dial error or a DNS failure says the request never left; a read
// error after sending does not.
func TestNeverSent(t *testing.T) {
	dns := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}}}
	refused := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}}
	bareDNS := &net.DNSError{Err: "no such host", Name: "x"}
	read := &url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset")}}
	for _, err := range []error{dns, refused, bareDNS} {
		if !NeverSent(err) {
			t.Errorf("%v: never sent", err)
		}
	}
	if NeverSent(read) || NeverSent(context.DeadlineExceeded) {
		t.Error("a read error or a timeout may follow a request that was sent")
	}
	// retryWait retries them for a POST (not repeatable).
	cfg := Defaults()
	if _, again := cfg.retryWait(0, false, true, result{}, dns); !again {
		t.Error("a POST that never left is retried")
	}
	if _, again := cfg.retryWait(0, false, true, result{}, read); again {
		t.Error("a POST that may have been applied is not retried")
	}
}
