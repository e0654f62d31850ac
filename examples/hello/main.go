// Command hello is crossgo's demo program: it prints what crossgo injected at link time
// and the platform it was built for.
package main

import (
	"fmt"
	"runtime"
)

// Set by crossgo with -ldflags "-X main.version=… -X main.commit=… -X main.date=…".
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

func main() {
	fmt.Printf("hello %s (commit %s, built %s) on %s/%s\n", version, commit, date, runtime.GOOS, runtime.GOARCH)
}
