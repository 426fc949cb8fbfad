#!/usr/bin/env bash
# Builds the test image with a real Jupyter Notebook server, from Debian's packages
# only: a debootstrap'd bookworm root with python3-notebook, and /home/jovyan seeded
# with a welcome notebook. Imported as homedock-test/jupyter:<recipe> and :current.
# The root filesystem's tarball is cached by the hash of this recipe, so a second run
# on the same machine imports it (or finds the image) instead of building it again.
# As root; prints the image tag. With --check it changes nothing (any user may run it):
# it prints what is missing on one line and exits 1, or exits 0.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${HOMEDOCK_CACHE:-/var/cache/homedock}
recipe=$(cat "$0" "$here/jupyter/welcome.ipynb" | sha256sum | cut -c1-12)
tag=homedock-test/jupyter:$recipe
tarball=$cache/jupyter-rootfs-$recipe.tar

say() { printf 'build-jupyter-image: %s\n' "$*" >&2; }

if [ "${1:-}" = --check ]; then
  current=$(docker image inspect -f '{{.Id}}' homedock-test/jupyter:current 2>/dev/null || true)
  if [ -z "$current" ] || [ "$current" != "$(docker image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)" ]; then
    echo "missing the Jupyter test image $tag"
    exit 1
  fi
  exit 0
fi

if docker image inspect "$tag" >/dev/null 2>&1; then
  docker tag "$tag" homedock-test/jupyter:current
  echo "$tag"
  exit 0
fi

if [ ! -f "$tarball" ]; then
  command -v debootstrap >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap; } >&2
  root=$(mktemp -d)
  cleanup() {
    umount "$root/proc" 2>/dev/null || true
    rm -rf "$root"
  }
  trap cleanup EXIT
  say "debootstrap of bookworm with python3-notebook (a few minutes, once per recipe)"
  # --include can leave packages unconfigured (python3-zmq and what needs it); the
  # apt-get -f install below configures them, and the import check proves it worked.
  debootstrap --variant=minbase --include=python3-notebook bookworm "$root" >&2 || say "debootstrap left packages unconfigured; configuring them"
  mount -t proc proc "$root/proc"
  chroot "$root" sh -c 'DEBIAN_FRONTEND=noninteractive apt-get -f install -y -q && dpkg --configure -a && apt-get clean' >&2
  umount "$root/proc"
  chroot "$root" python3 -c 'import notebook, ipykernel' >&2
  rm -rf "$root/var/lib/apt/lists/"* "$root/var/cache/apt/"*
  install -d -m 755 "$root/home/jovyan"
  install -m 644 "$here/jupyter/welcome.ipynb" "$root/home/jovyan/welcome.ipynb"
  mkdir -p "$cache"
  tar -C "$root" -cf "$tarball.partial" .
  mv "$tarball.partial" "$tarball"
fi

say "importing $tarball"
docker import --change 'CMD ["jupyter", "notebook"]' "$tarball" "$tag" >/dev/null
docker tag "$tag" homedock-test/jupyter:current
echo "$tag"
