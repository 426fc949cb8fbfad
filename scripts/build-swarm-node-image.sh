#!/usr/bin/env bash
# Builds the node of the test Swarm (scripts/swarm-rig.sh) from Debian's packages only:
# a debootstrap'd bookworm root with docker.io (pinned below: Engine 20.10, API 1.41, as
# on the test host) and iptables, and scripts/swarm-node/entrypoint.sh, which readies the
# container for dockerd as moby's hack/dind does and runs it (under tini, with the
# container's arguments). Its /etc/docker/daemon.json says overlay2, which works nested
# where /var/lib/docker is a volume (overlay2 on the container's own overlay does not);
# the rig mounts a daemon.json of its own there. Imported as
# homedock-test/swarm-node:<recipe> and :current. As root; prints the image tag.
# --check: see scripts/lib/rootfs-image.sh.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib/rootfs-image.sh
. "$here/lib/rootfs-image.sh"

docker_version=20.10.24+dfsg1-1+deb12u1+b6

fill_root() {
  need_debootstrap
  say "debootstrap of bookworm with docker.io (a few minutes, once per recipe)"
  debootstrap --variant=minbase --include=docker.io,iptables,iproute2,procps,ca-certificates,xz-utils bookworm "$1" >&2
  local got
  # shellcheck disable=SC2016 # dpkg-query's format, not the shell's
  got=$(chroot "$1" dpkg-query -W -f '${Version}' docker.io)
  if [ "$got" != "$docker_version" ]; then
    say "bookworm now has docker.io $got, not $docker_version: check it and change docker_version"
    exit 1
  fi
  chroot "$1" dockerd --version >&2
  install -m 755 "$here/swarm-node/entrypoint.sh" "$1/usr/local/bin/swarm-node"
  install -d -m 755 "$1/etc/docker"
  printf '{ "storage-driver": "overlay2" }\n' >"$1/etc/docker/daemon.json"
}

rootfs_image swarm-node "$( (cat "$0" "$here/lib/rootfs-image.sh" "$here/swarm-node/entrypoint.sh") | sha256sum | cut -c1-12)" "${1:-}" \
  --change 'VOLUME /var/lib/docker' \
  --change 'ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/swarm-node"]' \
  --change 'CMD ["--host=unix:///var/run/docker.sock"]'
