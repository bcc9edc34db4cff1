package transport

import (
	"context"
	"errors"
	"testing"
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
