// crossgo-cache-relay: the GOCACHEPROG that crossgo build gives go. It answers the gets whose
// entries are in the local tier itself, in microseconds, and relays every other request (misses,
// puts, close) to the crossgo process that started the build, over a unix socket, where
// crossgo's cache core (src/cache/core.ts) serves them from the remote store. The protocol is
// cmd/go/internal/cacheprog: JSON requests, each put followed by its body as a JSON string.
//
// Usage: crossgo-cache-relay DIR SOCKET. DIR holds a/<aa>/<actionID> (entry JSON) and
// o/<oo>/<outputID> (bytes), written by crossgo under temporary names and renamed into place.
package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

type request struct {
	ID        int64
	Command   string
	ActionID  []byte `json:",omitempty"`
	OutputID  []byte `json:",omitempty"`
	BodySize  int64  `json:",omitempty"`
	RelayHits int64  `json:",omitempty"`
}

type response struct {
	ID       int64
	OutputID []byte
	Size     int64
	Time     time.Time
	DiskPath string
}

type entry struct {
	OutputID string `json:"outputID"`
	Size     int64  `json:"size"`
	Time     string `json:"time"`
}

func main() {
	if len(os.Args) != 3 {
		fail("usage: crossgo-cache-relay DIR SOCKET")
	}
	dir := os.Args[1]
	conn, err := net.Dial("unix", os.Args[2])
	if err != nil {
		fail(err.Error())
	}
	var mu sync.Mutex
	stdout := bufio.NewWriter(os.Stdout)
	emit := func(line []byte) {
		mu.Lock()
		stdout.Write(line)
		stdout.Flush()
		mu.Unlock()
	}
	done := make(chan struct{})
	go func() {
		r := bufio.NewReaderSize(conn, 64<<10)
		for {
			line, err := r.ReadBytes('\n')
			if len(line) > 0 {
				emit(line)
			}
			if err != nil {
				break
			}
		}
		close(done)
	}()

	server := bufio.NewWriterSize(conn, 64<<10)
	dec := json.NewDecoder(bufio.NewReaderSize(os.Stdin, 64<<10))
	var hits int64
	for {
		var req request
		if err := dec.Decode(&req); err != nil {
			if err != io.EOF {
				fail("reading go's requests: " + err.Error())
			}
			break
		}
		if req.Command == "get" {
			if line, ok := localHit(dir, req); ok {
				hits++
				emit(line)
				continue
			}
		}
		var body json.RawMessage
		if req.Command == "put" && req.BodySize > 0 {
			if err := dec.Decode(&body); err != nil {
				fail("reading a put body: " + err.Error())
			}
		}
		if req.Command == "close" {
			req.RelayHits = hits
		}
		line, _ := json.Marshal(req)
		server.Write(append(line, '\n'))
		if body != nil {
			server.Write(append(body, '\n'))
		}
		// A get waits for its answer: send it now. Puts and close too; only a burst of gets
		// answered locally never reaches the socket.
		if err := server.Flush(); err != nil {
			fail("crossgo's cache went away: " + err.Error())
		}
	}
	conn.(*net.UnixConn).CloseWrite()
	<-done
}

// localHit answers a get from DIR when its entry and an object of the entry's size are there.
func localHit(dir string, req request) ([]byte, bool) {
	if len(req.ActionID) != 32 {
		return nil, false
	}
	id := hex.EncodeToString(req.ActionID)
	data, err := os.ReadFile(filepath.Join(dir, "a", id[:2], id))
	if err != nil || len(data) > 4096 {
		return nil, false
	}
	var e entry
	if json.Unmarshal(data, &e) != nil || len(e.OutputID) != 64 || e.Size < 0 {
		return nil, false
	}
	out, err := hex.DecodeString(e.OutputID)
	if err != nil || hex.EncodeToString(out) != e.OutputID {
		return nil, false
	}
	object := filepath.Join(dir, "o", e.OutputID[:2], e.OutputID)
	info, err := os.Stat(object)
	if err != nil || !info.Mode().IsRegular() || info.Size() != e.Size {
		return nil, false
	}
	t, err := time.Parse(time.RFC3339Nano, e.Time)
	if err != nil {
		return nil, false
	}
	line, err := json.Marshal(response{ID: req.ID, OutputID: out, Size: e.Size, Time: t, DiskPath: object})
	if err != nil {
		return nil, false
	}
	return append(line, '\n'), true
}

func fail(why string) {
	os.Stderr.WriteString("crossgo-cache-relay: " + why + "\n")
	os.Exit(1)
}
