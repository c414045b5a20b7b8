// A service whose CPU goes, by construction, mostly to two functions: hashing (checksum) and JSON encoding
// (encodeOrders). Run it, load it, and fetch a CPU profile from /debug/pprof/profile.
//
// Two more paths plant what Go's other profiles show: /ledger takes one global lock for the whole of its work
// (recordVisit holds it while it hashes: the mutex profile), /snapshot allocates 4 MiB per request and drops it
// (snapshot: the allocs profile).
package main

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
	"sync"
)

type line struct {
	Product  int    `json:"product"`
	Quantity int    `json:"quantity"`
	Note     string `json:"note"`
}

type order struct {
	ID    int    `json:"id"`
	Lines []line `json:"lines"`
}

// checksum hashes the payload many times: about two thirds of a request's CPU.
func checksum(payload []byte) [32]byte {
	sum := sha256.Sum256(payload)
	for i := 0; i < 2000; i++ {
		sum = sha256.Sum256(sum[:])
	}
	return sum
}

// encodeOrders marshals a list of orders: most of the rest.
func encodeOrders(n int) []byte {
	orders := make([]order, n)
	for i := range orders {
		orders[i] = order{ID: i, Lines: []line{{i, 2, "two of them"}, {i + 1, 1, "one"}}}
	}
	body, _ := json.Marshal(orders)
	return body
}

func handle(w http.ResponseWriter, r *http.Request) {
	body := encodeOrders(200)
	sum := checksum(body)
	w.Header().Set("X-Checksum", fmt.Sprintf("%x", sum[:4]))
	w.Write(body)
}

var (
	ledgerMu sync.Mutex
	ledger   = map[byte]int{}
)

// recordVisit holds the one ledger lock while it hashes the payload: concurrent requests wait for each other.
func recordVisit(payload []byte) int {
	ledgerMu.Lock()
	defer ledgerMu.Unlock()
	sum := checksum(payload)
	ledger[sum[0]]++
	return ledger[sum[0]]
}

// snapshot copies 4 MiB per request, touches it and throws it away.
func snapshot() int {
	buf := make([]byte, 4<<20)
	for i := 0; i < len(buf); i += 4096 {
		buf[i] = byte(i)
	}
	return int(buf[len(buf)-4096])
}

func main() {
	runtime.SetMutexProfileFraction(1)
	http.HandleFunc("/orders", handle)
	http.HandleFunc("/ledger", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%d\n", recordVisit([]byte(r.URL.RawQuery)))
	})
	http.HandleFunc("/snapshot", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%d\n", snapshot())
	})
	addr := "127.0.0.1:" + os.Args[1]
	http.ListenAndServe(addr, nil)
}
