package transport

import (
	"errors"
	"fmt"
	"strings"
)

// Prefix starts the message of every error the SDK returns, once.
const Prefix = "botpress: "

// Errorf is fmt.Errorf for the SDK's errors: the message of an error among
// args loses its leading "botpress: ", so that however deep the wrapping,
// a message says "botpress: " once, at its start (when format starts with
// it). The result wraps the same errors fmt.Errorf would (%w), and nothing
// else.
func Errorf(format string, args ...any) error {
	trimmed := false
	for i, a := range args {
		if e, ok := a.(error); ok && e != nil && strings.HasPrefix(e.Error(), Prefix) {
			if !trimmed {
				args = append([]any(nil), args...) // never write to the caller's
				trimmed = true
			}
			args[i] = unprefixed{e}
		}
	}
	err := fmt.Errorf(format, args...)
	if !trimmed {
		return err
	}
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		w := &wrappedAll{msg: err.Error()}
		for _, e := range u.Unwrap() {
			w.errs = append(w.errs, original(e))
		}
		return w
	case interface{ Unwrap() error }:
		return &wrapped{msg: err.Error(), err: original(u.Unwrap())}
	}
	return errors.New(err.Error())
}

// Trim returns the message of err without its leading "botpress: ".
func Trim(err error) string { return strings.TrimPrefix(err.Error(), Prefix) }

// unprefixed shows an error without its prefix, while Errorf formats.
type unprefixed struct{ err error }

func (u unprefixed) Error() string { return Trim(u.err) }

func original(e error) error {
	if u, ok := e.(unprefixed); ok {
		return u.err
	}
	return e
}

// wrapped is an error made by Errorf with one %w: its message, and the
// error it wraps.
type wrapped struct {
	msg string
	err error
}

func (w *wrapped) Error() string { return w.msg }

// Unwrap returns the error wrapped with %w.
func (w *wrapped) Unwrap() error { return w.err }

// wrappedAll is an error made by Errorf with several %w.
type wrappedAll struct {
	msg  string
	errs []error
}

func (w *wrappedAll) Error() string { return w.msg }

// Unwrap returns the errors wrapped with %w.
func (w *wrappedAll) Unwrap() []error { return w.errs }
