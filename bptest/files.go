package bptest

import (
	"net/http"
	"strconv"

	"github.com/botpress-go/sdk/gen"
)

// fileState holds the files of one bot and their content.
type fileState struct {
	files *collection[*fileEntry]
}

// fileEntry is a file record and the bytes uploaded for it.
type fileEntry struct {
	file     gen.File
	content  []byte
	uploaded bool
}

func newFileState() *fileState {
	return &fileState{files: newCollection[*fileEntry]()}
}

// storeContent keeps the bytes PUT to a file's upload URL.
func (st *state) storeContent(bot, fileID string, data []byte, contentType string) error {
	b, ok := st.bots[bot]
	if !ok {
		return notFound("bot", bot)
	}
	f, ok := b.files.files.get(fileID)
	if !ok {
		return notFound("file", fileID)
	}
	f.content, f.uploaded = data, true
	f.file.Status = gen.FileStatusUploadCompleted
	if contentType != "" {
		f.file.ContentType = contentType
	}
	f.file.UpdatedAt = timestamp(st.now())
	return nil
}

// content returns the bytes uploaded for a file.
func (st *state) content(bot, fileID string) ([]byte, string, error) {
	b, ok := st.bots[bot]
	if !ok {
		return nil, "", notFound("bot", bot)
	}
	f, ok := b.files.files.get(fileID)
	if !ok || !f.uploaded {
		return nil, "", errorf(http.StatusNotFound, "ResourceNotFound", "no content uploaded for file %q", fileID)
	}
	return f.content, f.file.ContentType, nil
}

func itoa(n int) string { return strconv.Itoa(n) }
