#!/usr/bin/env bash
# Builds the sign-in limiter's test image from Debian's packages only: a debootstrap'd
# bookworm root with haproxy (2.6.12), imported as homedock-test/haproxy:<recipe> and
# :current. Like the official haproxy image, haproxy is on the PATH and runs as the
# user the container is given.
# As root; prints the image tag. --check: see scripts/lib/rootfs-image.sh.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib/rootfs-image.sh
. "$here/lib/rootfs-image.sh"

fill_root() {
  need_debootstrap
  say "debootstrap of bookworm with haproxy (about a minute, once per recipe)"
  debootstrap --variant=minbase --include=haproxy bookworm "$1" >&2
  chroot "$1" haproxy -v >&2
}

rootfs_image haproxy "$(cat "$0" "$here/lib/rootfs-image.sh" | sha256sum | cut -c1-12)" "${1:-}" \
  --change 'ENTRYPOINT ["haproxy"]' \
  --change 'CMD ["-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]'
