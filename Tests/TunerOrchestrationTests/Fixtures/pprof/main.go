// A service whose CPU goes, by construction, mostly to two functions: hashing (checksum) and JSON encoding
// (encodeOrders). Run it, load it, and fetch a CPU profile from /debug/pprof/profile.
package main

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	_ "net/http/pprof"
	"os"
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

func main() {
	http.HandleFunc("/orders", handle)
	addr := "127.0.0.1:" + os.Args[1]
	http.ListenAndServe(addr, nil)
}
