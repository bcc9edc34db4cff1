package bptest

import (
	"net/http"
	"strings"
)

// storagePrefix is where the server plays the storage host of files:
// upsertFile hands out uploadUrl = URL+storagePrefix+"<bot>/<file ID>?sig=..."
// (a PUT of the content) and the file's url is the same address (a GET). As
// pre-signed storage URLs, they take no bearer token. getBotVersion's url
// is there too: a GET answers the version's saved JSON.
const storagePrefix = "/_bptest/storage/"

// storageURL is the address of a file's content.
func (s *Server) storageURL(bot, fileID string) string {
	return s.URL + storagePrefix + bot + "/" + fileID
}

func (s *Server) serveStorage(w http.ResponseWriter, r *http.Request) {
	bot, fileID, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, storagePrefix), "/")
	if !ok {
		writeError(w, errorf(http.StatusNotFound, "ResourceNotFound", "no object at %s", r.URL.Path))
		return
	}
	switch r.Method {
	case http.MethodPut:
		// A file's content is not a JSON body: only the outer cap bounds it.
		data, bodyErr := s.readBody(w, r, bodyLimit{s.settings.maxBody, "server's body limit (WithMaxBodySize)"})
		if bodyErr != nil {
			writeError(w, bodyErr)
			return
		}
		s.mu.Lock()
		err := s.state.storeContent(bot, fileID, r.URL.Query().Get("sig"), data, r.Header.Get("Content-Type"))
		s.mu.Unlock()
		if err != nil {
			writeError(w, err.(*apiError))
			return
		}
		w.WriteHeader(http.StatusOK)
	case http.MethodGet, http.MethodHead:
		s.mu.Lock()
		var data []byte
		var contentType string
		var err error
		if strings.HasPrefix(fileID, botVersionPrefix+"_") {
			data, contentType, err = s.state.versionContent(bot, fileID)
		} else {
			data, contentType, err = s.state.content(bot, fileID)
		}
		s.mu.Unlock()
		if err != nil {
			writeError(w, err.(*apiError))
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Length", itoa(len(data)))
		if r.Method == http.MethodGet {
			_, _ = w.Write(data)
		}
	default:
		writeError(w, errorf(http.StatusMethodNotAllowed, "MethodNotFound", "%s is not allowed on storage", r.Method))
	}
}
