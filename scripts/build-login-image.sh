#!/usr/bin/env bash
# Builds the login's test image: oauth2-proxy, pinned, built with `go install` from the
# Go module proxy (CGO_ENABLED=0, a static binary) into a root filesystem with nothing
# else but CA certificates, /etc/passwd and /etc/group, and /tmp: no shell, like the
# official distroless image (quay.io/oauth2-proxy/oauth2-proxy), and like it run as
# nonroot (65532). Imported as homedock-test/oauth2-proxy:<recipe> and :current.
# As root; prints the image tag. --check: see scripts/lib/rootfs-image.sh.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib/rootfs-image.sh
. "$here/lib/rootfs-image.sh"
# shellcheck source=scripts/lib/go-build.sh
. "$here/lib/go-build.sh"

login_version=v7.15.6
login_module=github.com/oauth2-proxy/oauth2-proxy/v7

fill_root() {
  go_env
  say "building oauth2-proxy $login_version from the Go module proxy (a few minutes, once per recipe)"
  GOBIN=$1/bin go install -trimpath \
    -ldflags "-s -w -X $login_module/pkg/version.VERSION=$login_version" "$login_module@$login_version" >&2
  base_files "$1"
  "$1/bin/oauth2-proxy" --version >&2
}

rootfs_image oauth2-proxy "$(cat "$0" "$here/lib/rootfs-image.sh" "$here/lib/go-build.sh" | sha256sum | cut -c1-12)" "${1:-}" \
  --change 'USER 65532:65532' \
  --change 'ENTRYPOINT ["/bin/oauth2-proxy"]'
