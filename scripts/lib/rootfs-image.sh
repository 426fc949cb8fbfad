# shellcheck shell=bash
# Sourced by the scripts/build-*-image.sh scripts: turns a recipe into a test image
# built from a root filesystem (nothing can be pulled), cached twice by the recipe's
# hash: the image homedock-test/<name>:<recipe> (found again on the same engine) and
# the tarball <cache>/<name>-rootfs-<recipe>.tar (imported again on a fresh engine).
# The caller defines `fill_root DIR`, which builds the root filesystem into DIR. With
# --check nothing changes (any user may run it): it prints what is missing on one line
# and exits 1, or exits 0.

cache=${HOMEDOCK_CACHE:-/var/cache/homedock}

say() { printf '%s: %s\n' "$image_name" "$*" >&2; }

need_debootstrap() {
  command -v debootstrap >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap; } >&2
}

# rootfs_image NAME RECIPE MODE [--change ...]: prints the tag; also tags NAME:current.
# MODE is the script's first argument: --check, or empty.
rootfs_image() {
  image_name=$1
  local recipe=$2 mode=$3
  shift 3
  local tag=homedock-test/$image_name:$recipe
  local tarball=$cache/$image_name-rootfs-$recipe.tar
  if [ "$mode" = --check ]; then
    local current
    current=$(docker image inspect -f '{{.Id}}' "homedock-test/$image_name:current" 2>/dev/null || true)
    if [ -z "$current" ] || [ "$current" != "$(docker image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)" ]; then
      echo "missing the $image_name test image $tag"
      exit 1
    fi
    exit 0
  fi
  if docker image inspect "$tag" >/dev/null 2>&1; then
    docker tag "$tag" "homedock-test/$image_name:current"
    echo "$tag"
    return 0
  fi
  if [ ! -f "$tarball" ]; then
    root=$(mktemp -d)
    trap 'umount "$root/proc" 2>/dev/null || true; rm -rf "$root"' EXIT
    fill_root "$root"
    rm -rf "$root/var/lib/apt/lists/"* "$root/var/cache/apt/"*
    mkdir -p "$cache"
    tar -C "$root" -cf "$tarball.partial" .
    mv "$tarball.partial" "$tarball"
  fi
  say "importing $tarball"
  docker import "$@" "$tarball" "$tag" >/dev/null
  docker tag "$tag" "homedock-test/$image_name:current"
  echo "$tag"
}
