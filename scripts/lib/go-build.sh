# shellcheck shell=bash
# Sourced by the image scripts that build a Go program from the Go module proxy
# (build-login-image.sh, build-oidc-image.sh), after rootfs-image.sh. go_env puts
# Go's module and build caches under the cache dir, so a build needs no HOME (CI may
# have none) and the next recipe's build downloads nothing again; -modcacherw keeps
# that cache removable with rm -rf. CGO_ENABLED=0: the images have no libc.
go_env() {
  command -v go >/dev/null || { say "needs Go (the go command) on PATH"; exit 1; }
  local gopath=${cache:?go-build.sh is sourced after rootfs-image.sh}/go
  export GOPATH=$gopath GOMODCACHE=$gopath/pkg/mod GOCACHE=$gopath/build
  export GOFLAGS='-mod=mod -modcacherw -buildvcs=false' GO111MODULE=on CGO_ENABLED=0
  mkdir -p "$GOPATH"
}

# base_files DIR: what a program needs in a root filesystem without a distribution:
# the host's CA certificates (Debian's ca-certificates, installed if missing), an
# /etc/passwd and /etc/group with root, nobody and distroless's nonroot (65532), /tmp.
base_files() {
  local bundle=/etc/ssl/certs/ca-certificates.crt
  [ -s "$bundle" ] || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ca-certificates; } >&2
  install -D -m 644 "$bundle" "$1$bundle"
  install -d -m 755 "$1/etc" "$1/bin"
  printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
    'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >"$1/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' 'nonroot:x:65532:' >"$1/etc/group"
  install -d -m 1777 "$1/tmp"
}
