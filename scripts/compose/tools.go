//go:build tools

// Package tools pins Docker Compose's command as a dependency of this wrapper module,
// so `go build github.com/docker/compose/v2/cmd` resolves it from go.mod and go.sum.
package tools

import _ "github.com/docker/compose/v2/cmd"
