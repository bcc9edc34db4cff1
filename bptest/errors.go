package bptest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
)

// apiError is an error answer in the API's shape. Handlers return it as
// their error; the pipeline writes it.
type apiError struct {
	status int
	typ    string
	msg    string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.typ, e.msg) }

func errorf(status int, typ, format string, args ...any) *apiError {
	return &apiError{status: status, typ: typ, msg: fmt.Sprintf(format, args...)}
}

func notFound(kind, id string) *apiError {
	return errorf(http.StatusNotFound, "ResourceNotFound", "%s %q not found", kind, id)
}

func invalidPayload(format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, "InvalidPayload", format, args...)
}

func alreadyExists(kind, id string) *apiError {
	return errorf(http.StatusConflict, "AlreadyExists", "%s %q already exists", kind, id)
}

// writeError writes an error answer in the live shape
// {id, code, type, message}.
func writeError(w http.ResponseWriter, e *apiError) { writeErrorWithStatus(w, e.status, e) }

// writeErrorWithStatus writes an error body with another HTTP status.
func writeErrorWithStatus(w http.ResponseWriter, status int, e *apiError) {
	body, _ := json.Marshal(map[string]any{
		"id":      fmt.Sprintf("err_bptest_%016x", rand.Uint64()),
		"code":    e.status,
		"type":    e.typ,
		"message": e.msg,
	})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
