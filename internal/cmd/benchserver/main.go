// Command benchserver serves package benchserver's minimal API on a local
// address, for benchmarks: scripts/bench starts it once and points every
// client it compares at it (the Go benchmarks through $BENCH_SERVER_URL).
//
//	go run ./internal/cmd/benchserver -addr 127.0.0.1:0 -pages 500,5000 -page-size 20
//
// It prints its URL on the first line of standard output.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/botpress-go/sdk/internal/benchserver"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	pages := flag.String("pages", "500", "pages of each message walk, comma-separated: the first at /v1/chat/messages, each at /pages/{n}/v1/chat/messages")
	pageSize := flag.Int("page-size", 20, "messages per page")
	flag.Parse()
	var walks []int
	for _, f := range strings.Split(*pages, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			log.Fatalf("-pages %q: want positive integers separated by commas", *pages)
		}
		walks = append(walks, n)
	}
	if *pageSize <= 0 {
		log.Fatalf("-page-size %d: want a positive integer", *pageSize)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	fmt.Println(base)
	log.Fatal(http.Serve(ln, benchserver.New(*pageSize, walks...).Handler(base)))
}
