package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/botpress-go/sdk/bptest"
	"github.com/botpress-go/sdk/client"
	"github.com/botpress-go/sdk/gen"
)

// A knowledge-base loader: upload the documents with indexing on, wait
// until each is indexed or has failed, and report. Here bptest stands in
// for Botpress Cloud (its indexing takes a few looks, and it cannot index
// an image); against Cloud, client.New() with BP_TOKEN and BP_BOT_ID.
func Example_knowledgeBaseLoader() {
	srv, err := bptest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	c := srv.Client(client.WithPollInterval(time.Millisecond, 10*time.Millisecond))
	ctx := context.Background()

	docs := map[string]string{ // key → content type
		"faq.md":      "text/markdown",
		"returns.txt": "text/plain",
		"logo.png":    "image/png",
	}
	var ids []string
	for _, key := range []string{"faq.md", "returns.txt", "logo.png"} {
		f, err := c.UploadFile(ctx, gen.UpsertFileJSONRequestBody{
			Key:         key,
			ContentType: client.Ptr(docs[key]),
			Index:       client.Ptr(true),
		}, client.FileFromBytes([]byte("Contents of "+key+".")))
		if err != nil {
			log.Fatal(err)
		}
		ids = append(ids, f.ID)
	}

	files, err := c.WaitFileIndexed(ctx, ids)
	var failed *client.IndexingError
	if errors.As(err, &failed) {
		for _, f := range failed.Failed {
			fmt.Printf("not indexed: %s: %s\n", f.Key, f.Reason)
		}
	} else if err != nil {
		log.Fatal(err)
	}
	for _, f := range files {
		fmt.Println(f.Key, f.Status)
	}
	// Output:
	// not indexed: logo.png: content of type image/png cannot be indexed
	// faq.md indexing_completed
	// returns.txt indexing_completed
	// logo.png indexing_failed
}

// Export a table and wait for the file: WaitTableJob returns the job once
// it has ended, with the exported file's ID.
func ExampleClient_WaitTableJob() {
	srv, err := bptest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()
	if _, err := c.CreateTable(ctx, gen.CreateTableJSONRequestBody{Name: "LeadsTable", Schema: map[string]any{
		"type": "object", "properties": map[string]any{"name": map[string]any{"type": "string"}},
	}}); err != nil {
		log.Fatal(err)
	}

	exp, err := c.ExportTable(ctx, "LeadsTable", &gen.ExportTableParams{Compress: client.Ptr(false)})
	if err != nil {
		log.Fatal(err)
	}
	job, err := c.WaitTableJob(ctx, "LeadsTable", exp.Job.ID)
	if err != nil {
		log.Fatal(err)
	}
	fileID, _ := job.OutputFileID.Get()
	fmt.Println(job.Status, fileID != "")
	// Output: completed true
}
