#!/usr/bin/env bash
# Builds the front door's test image from Debian's packages only: a debootstrap'd
# bookworm root with caddy (2.6.2), imported as homedock-test/caddy:<recipe> and
# :current. Caddy keeps its certificates under /data and its autosave under /config,
# as the official caddy image does, so the same volume layout works for both.
# As root; prints the image tag. --check: see scripts/lib/rootfs-image.sh.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib/rootfs-image.sh
. "$here/lib/rootfs-image.sh"

fill_root() {
  need_debootstrap
  say "debootstrap of bookworm with caddy (about a minute, once per recipe)"
  debootstrap --variant=minbase --include=caddy,ca-certificates bookworm "$1" >&2
  chroot "$1" caddy version >&2
  install -d -m 755 "$1/data" "$1/config"
}

rootfs_image caddy "$(cat "$0" "$here/lib/rootfs-image.sh" | sha256sum | cut -c1-12)" "${1:-}" \
  --change 'ENV XDG_DATA_HOME=/data XDG_CONFIG_HOME=/config' \
  --change 'ENTRYPOINT ["caddy"]' \
  --change 'CMD ["run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]'
