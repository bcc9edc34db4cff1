// Command benchserver serves package benchserver's minimal API on a local
// address, for benchmarks of clients written in other languages.
//
//	go run ./internal/cmd/benchserver -addr 127.0.0.1:0 -pages 500 -page-size 20
//
// It prints its URL on the first line of standard output.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"

	"github.com/botpress-go/sdk/internal/benchserver"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	pages := flag.Int("pages", 500, "pages of the message walk")
	pageSize := flag.Int("page-size", 20, "messages per page")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	fmt.Println(base)
	log.Fatal(http.Serve(ln, benchserver.New(*pages, *pageSize).Handler(base)))
}
