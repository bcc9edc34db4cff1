package bptest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	"github.com/botpress-go/sdk/gen"
)

// filePageSizes walks a list by its tokens and returns the size of each
// page.
func filePageSizes(t *testing.T, list func(token *string) (int, *string, error)) []int {
	t.Helper()
	var sizes []int
	var token *string
	for {
		n, next, err := list(token)
		require.NoError(t, err)
		sizes = append(sizes, n)
		if token = next; token == nil {
			return sizes
		}
	}
}

// TestFilesListsPageSize: the file lists answer pages of the size a call
// asks for (pageSize), capped by WithMaxPageSize, and the server's own
// size when the call names none.
func TestFilesListsPageSize(t *testing.T) {
	ctx := context.Background()
	srv := bptest.Start(t, bptest.WithPageSize(2), bptest.WithMaxPageSize(4))
	c := srv.Client()
	var paragraphs []string
	for i := range 5 {
		fileUpload(t, c, fmt.Sprintf("f%d", i), []byte("x"), map[string]string{fmt.Sprintf("k%d", i): "v", "shared": fmt.Sprint(i)})
		_, err := c.CreateKnowledgeBase(ctx, gen.CreateKnowledgeBaseJSONRequestBody{Name: fmt.Sprintf("kb%d", i)})
		require.NoError(t, err)
		paragraphs = append(paragraphs, fmt.Sprintf("Paragraph %d.", i))
	}
	doc, err := c.UploadFile(ctx, gen.UpsertFileJSONRequestBody{Key: "doc.txt", Index: filePtr(true)},
		client.FileFromBytes([]byte(strings.Join(paragraphs, "\n\n"))))
	require.NoError(t, err)
	require.NoError(t, srv.CompleteIndexing(doc.ID))
	// 6 files, 6 tag keys (k0..k4, shared), 5 values of shared, 5
	// passages, 5 knowledge bases.
	for _, tc := range []struct {
		size              *int
		six, five         []int
		passagesWithLimit []int // pageSize and limit 1: pageSize wins
	}{
		{nil, []int{2, 2, 2}, []int{2, 2, 1}, []int{1, 1, 1, 1, 1}},
		{filePtr(1), []int{1, 1, 1, 1, 1, 1}, []int{1, 1, 1, 1, 1}, []int{1, 1, 1, 1, 1}},
		{filePtr(3), []int{3, 3}, []int{3, 2}, []int{3, 2}},
		{filePtr(50), []int{4, 2}, []int{4, 1}, []int{4, 1}},
	} {
		name := fmt.Sprintf("pageSize %v", tc.size)
		if tc.size != nil {
			name = fmt.Sprintf("pageSize %d", *tc.size)
		}
		assert.Equal(t, tc.six, filePageSizes(t, func(tok *string) (int, *string, error) {
			p, err := c.ListFiles(ctx, &gen.ListFilesParams{NextToken: tok, PageSize: tc.size})
			if err != nil {
				return 0, nil, err
			}
			return len(p.Files), p.Meta.NextToken, nil
		}), "listFiles, %s", name)
		assert.Equal(t, tc.six, filePageSizes(t, func(tok *string) (int, *string, error) {
			p, err := c.ListFileTags(ctx, &gen.ListFileTagsParams{NextToken: tok, PageSize: tc.size})
			if err != nil {
				return 0, nil, err
			}
			return len(p.Tags), p.Meta.NextToken, nil
		}), "listFileTags, %s", name)
		assert.Equal(t, tc.five, filePageSizes(t, func(tok *string) (int, *string, error) {
			p, err := c.ListFileTagValues(ctx, "shared", &gen.ListFileTagValuesParams{NextToken: tok, PageSize: tc.size})
			if err != nil {
				return 0, nil, err
			}
			return len(p.Values), p.Meta.NextToken, nil
		}), "listFileTagValues, %s", name)
		assert.Equal(t, tc.five, filePageSizes(t, func(tok *string) (int, *string, error) {
			p, err := c.ListFilePassages(ctx, doc.ID, &gen.ListFilePassagesParams{NextToken: tok, PageSize: tc.size})
			if err != nil {
				return 0, nil, err
			}
			return len(p.Passages), p.Meta.NextToken, nil
		}), "listFilePassages, %s", name)
		assert.Equal(t, tc.passagesWithLimit, filePageSizes(t, func(tok *string) (int, *string, error) {
			p, err := c.ListFilePassages(ctx, doc.ID, &gen.ListFilePassagesParams{NextToken: tok, PageSize: tc.size, Limit: filePtr(1)})
			if err != nil {
				return 0, nil, err
			}
			return len(p.Passages), p.Meta.NextToken, nil
		}), "listFilePassages with limit 1, %s", name)
		assert.Equal(t, tc.five, filePageSizes(t, func(tok *string) (int, *string, error) {
			p, err := c.ListKnowledgeBases(ctx, &gen.ListKnowledgeBasesParams{NextToken: tok, PageSize: tc.size})
			if err != nil {
				return 0, nil, err
			}
			return len(p.KnowledgeBases), p.Meta.NextToken, nil
		}), "listKnowledgeBases, %s", name)
	}

	// A walker asks every page for the same size.
	var keys []string
	for f, err := range c.AllFiles(ctx, &gen.ListFilesParams{PageSize: filePtr(4)}) {
		require.NoError(t, err)
		keys = append(keys, f.Key)
	}
	assert.Len(t, keys, 6)
}
