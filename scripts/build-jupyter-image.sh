#!/usr/bin/env bash
# Builds the test image with a real Jupyter Notebook server, from Debian's packages
# only: a debootstrap'd bookworm root with python3-notebook (6.4.12, which listens on a
# unix socket with --NotebookApp.sock), and /home/jovyan seeded with a welcome notebook.
# Imported as homedock-test/jupyter:<recipe> and :current. As root; prints the image tag.
# --check: see scripts/lib/rootfs-image.sh.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib/rootfs-image.sh
. "$here/lib/rootfs-image.sh"

fill_root() {
  need_debootstrap
  say "debootstrap of bookworm with python3-notebook (a few minutes, once per recipe)"
  # --include can leave packages unconfigured (python3-zmq and what needs it); the
  # apt-get -f install below configures them, and the import check proves it worked.
  debootstrap --variant=minbase --include=python3-notebook bookworm "$1" >&2 || say "debootstrap left packages unconfigured; configuring them"
  mount -t proc proc "$1/proc"
  chroot "$1" sh -c 'DEBIAN_FRONTEND=noninteractive apt-get -f install -y -q && dpkg --configure -a && apt-get clean' >&2
  umount "$1/proc"
  chroot "$1" python3 -c 'import notebook, ipykernel' >&2
  install -d -m 755 "$1/home/jovyan"
  install -m 644 "$here/jupyter/welcome.ipynb" "$1/home/jovyan/welcome.ipynb"
}

rootfs_image jupyter "$(cat "$0" "$here/lib/rootfs-image.sh" "$here/jupyter/welcome.ipynb" | sha256sum | cut -c1-12)" "${1:-}" \
  --change 'CMD ["jupyter", "notebook"]'
