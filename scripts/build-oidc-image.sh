#!/usr/bin/env bash
# Builds the login's test identity provider: Dex, a real OpenID Connect provider,
# pinned and built from the Go module proxy (CGO_ENABLED=0: memory storage, no sqlite)
# into a root filesystem like the login image's (CA certificates, /etc/passwd, /tmp, no
# shell), with Dex's web templates at /srv/dex/web (frontend.dir; the binary also
# embeds them). Run it as `dex serve CONFIG`. Imported as homedock-test/oidc:<recipe>
# and :current. As root; prints the image tag. --check: see scripts/lib/rootfs-image.sh.
#
# Dex's tags (v2.x) don't resolve as module versions: its go.mod says module
# github.com/dexidp/dex, with no /v2. The pin is the pseudo-version of the commit
# tagged v2.45.1. Its go.mod replaces github.com/dexidp/dex/api/v2 with ./api/v2, so
# `go install dex@version` refuses it; the build goes through a throwaway wrapper
# module that requires Dex (a dependency's replace is ignored: api/v2 comes from the
# proxy, at the version Dex's go.mod requires).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib/rootfs-image.sh
. "$here/lib/rootfs-image.sh"
# shellcheck source=scripts/lib/go-build.sh
. "$here/lib/go-build.sh"

dex_tag=v2.45.1
dex_version=v0.0.0-20260303133905-11d2eeb52b42

fill_root() {
  go_env
  say "building Dex $dex_tag ($dex_version) from the Go module proxy (a few minutes, once per recipe)"
  local work=$1/tmp/build
  mkdir -p "$work"
  printf 'module homedock-test/oidc\n\ngo 1.25.0\n' >"$work/go.mod"
  (cd "$work" && go get "github.com/dexidp/dex/cmd/dex@$dex_version" &&
    go build -trimpath -ldflags "-s -w -X main.version=$dex_tag" -o "$1/bin/dex" github.com/dexidp/dex/cmd/dex) >&2
  rm -rf "$work"
  base_files "$1"
  install -d -m 755 "$1/srv/dex" "$1/var/dex" "$1/etc/dex"
  cp -R "$(go env GOMODCACHE)/github.com/dexidp/dex@$dex_version/web" "$1/srv/dex/web"
  chmod -R u+w,go-w "$1/srv/dex/web"
  "$1/bin/dex" version >&2
}

rootfs_image oidc "$(cat "$0" "$here/lib/rootfs-image.sh" "$here/lib/go-build.sh" | sha256sum | cut -c1-12)" "${1:-}" \
  --change 'USER 65532:65532' \
  --change 'WORKDIR /srv/dex' \
  --change 'ENTRYPOINT ["/bin/dex"]' \
  --change 'CMD ["serve", "/etc/dex/config.yaml"]'
