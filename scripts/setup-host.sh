#!/usr/bin/env bash
# Installs and starts what homedock's tests need on a Debian machine, as root:
#   - Docker Engine (Debian's docker.io), dockerd started if it isn't answering;
#   - Docker Compose v2, built from the Go module proxy through the wrapper module in
#     scripts/compose (Compose's own go.mod has exclude lines, so `go install` refuses
#     it) and cached by version, so a second run on the same machine skips the build;
#   - dash, busybox-static and bash, the shells the seeder is tested under; shellcheck,
#     strace and setpriv for the seeder tests; gcc and a static libc for a probe binary;
#     Debian's chromium for the browser test, debootstrap for the Jupyter test image;
#   - caddy, whose `caddy validate` checks the rendered front door config; curl, which
#     talks to the real Caddy in the Caddyfile tests; openssl, which makes the test OpenID
#     Connect provider's CA and certificate;
#   - actionlint (pinned), which checks the CI example workflow: built with `go install`
#     from the Go module proxy and cached by version, like Compose;
#   - the kernel setting the front door needs, fs.protected_symlinks = 1;
#   - OpenTofu, only where the deploy suite runs (HOMEDOCK_PROVIDER_MIRROR is set): one
#     of its scenarios deploys with tofu. Built with `go install` from the Go module proxy.
# Safe to run again: it only does what is missing. With --check it changes nothing
# (any user may run it): it prints what is missing on one line and exits 1, or exits 0.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${HOMEDOCK_CACHE:-/var/cache/homedock}
plugin_dir=/usr/local/lib/docker/cli-plugins
log=/var/log/homedock-dockerd.log

say() { printf 'setup-host: %s\n' "$*"; }

missing=()
for pkg in docker.io busybox-static dash bash shellcheck strace util-linux gcc libc6-dev chromium debootstrap caddy curl openssl; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
tofu_version=v1.6.2
actionlint_version=v1.7.12
needs_tofu=false
[ -n "${HOMEDOCK_PROVIDER_MIRROR:-}" ] && ! command -v tofu >/dev/null && needs_tofu=true

if [ "${1:-}" = --check ]; then
  $needs_tofu && missing+=("OpenTofu (tofu)")
  docker info >/dev/null 2>&1 || missing+=("a Docker engine this user can reach")
  docker compose version >/dev/null 2>&1 || missing+=("Docker Compose")
  [ "$(actionlint -version 2>/dev/null | head -n 1)" = "$actionlint_version" ] || missing+=("actionlint $actionlint_version")
  [ "$(cat /proc/sys/fs/protected_symlinks 2>/dev/null)" = 1 ] || missing+=("fs.protected_symlinks = 1")
  if ((${#missing[@]})); then
    list=$(printf '%s, ' "${missing[@]}")
    echo "missing ${list%, }"
    exit 1
  fi
  exit 0
fi

if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

if ! docker info >/dev/null 2>&1; then
  say "starting dockerd (log: $log)"
  nohup dockerd >"$log" 2>&1 &
  for _ in $(seq 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  if ! docker info >/dev/null 2>&1; then
    tail -n 30 "$log" >&2
    say "dockerd did not come up" >&2
    exit 1
  fi
fi

version=$(awk '$1 == "require" && $2 == "github.com/docker/compose/v2" { print $3 }' "$here/compose/go.mod")
key=$(cat "$here/compose/go.mod" "$here/compose/go.sum" | sha256sum | cut -c1-16)
cached=$cache/docker-compose-$version-$key
if [ ! -x "$cached" ]; then
  say "building Docker Compose $version (a few minutes, once per machine)"
  mkdir -p "$cache"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  cp "$here/compose/go.mod" "$here/compose/go.sum" "$here/compose/tools.go" "$work/"
  (cd "$work" && go build -mod=mod -trimpath \
    -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$version" \
    -o "$cached.partial" github.com/docker/compose/v2/cmd)
  mv "$cached.partial" "$cached"
fi
install -D -m 755 "$cached" "$plugin_dir/docker-compose"

actionlint=$cache/actionlint-$actionlint_version
if [ ! -x "$actionlint" ]; then
  say "building actionlint $actionlint_version (once per machine)"
  bin=$(mktemp -d)
  GOBIN=$bin go install -trimpath -ldflags "-s -w" "github.com/rhysd/actionlint/cmd/actionlint@$actionlint_version"
  mkdir -p "$cache"
  mv "$bin/actionlint" "$actionlint"
  rm -rf "$bin"
fi
install -D -m 755 "$actionlint" /usr/local/bin/actionlint

# The front door's proxy starts only where the kernel refuses it a link a user puts in
# a socket directory (see README, "The front door"). Debian sets it through procps'
# /usr/lib/sysctl.d/protect-links.conf; a machine without that file may not.
if [ "$(cat /proc/sys/fs/protected_symlinks)" != 1 ]; then
  say "setting fs.protected_symlinks = 1"
  sysctl -q -w fs.protected_symlinks=1
  printf 'fs.protected_symlinks = 1\n' >/etc/sysctl.d/60-homedock-protected-links.conf
fi

if $needs_tofu; then
  say "building OpenTofu $tofu_version (a few minutes, once per machine)"
  GOBIN=/usr/local/bin go install "github.com/opentofu/opentofu/cmd/tofu@$tofu_version"
fi
say "$(docker compose version)"
say "actionlint $(actionlint -version | head -n 1)"
say "$(docker version --format 'Docker Engine {{.Server.Version}}')"
