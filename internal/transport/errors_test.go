package transport

import (
	"bytes"
	"context"
	"errors"
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
