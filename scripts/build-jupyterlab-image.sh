#!/usr/bin/env bash
# Builds the JupyterLab 4 test image: a debootstrap'd bookworm root with python3-venv,
# JupyterLab and ipykernel from PyPI in /opt/jupyterlab (pinned in
# scripts/jupyterlab/requirements.txt), and /home/jovyan seeded with a welcome notebook.
# Debian packages no JupyterLab; this image exercises what classic Notebook does not:
# the Lab frontend, which sends its own Authorization header. Imported as
# homedock-test/jupyterlab:<recipe> and :current. As root; prints the image tag. --check:
# see scripts/lib/rootfs-image.sh.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib/rootfs-image.sh
. "$here/lib/rootfs-image.sh"

fill_root() {
  need_debootstrap
  say "debootstrap of bookworm with python3-venv, then JupyterLab from PyPI (a few minutes, once per recipe)"
  debootstrap --variant=minbase --include=python3-venv bookworm "$1" >&2
  install -m 644 "$here/jupyterlab/requirements.txt" "$1/tmp/requirements.txt"
  # pip in the root trusts what pip on this machine trusts (a site may add its own CA).
  local cert=${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}
  local pip_cert=()
  if [ -f "$cert" ]; then
    install -m 644 "$cert" "$1/tmp/pip-ca.crt"
    pip_cert=(--cert /tmp/pip-ca.crt)
  fi
  chroot "$1" env -i PATH=/usr/bin:/bin HOME=/root python3 -m venv /opt/jupyterlab
  chroot "$1" env -i PATH=/usr/bin:/bin HOME=/root PIP_DISABLE_PIP_VERSION_CHECK=1 \
    /opt/jupyterlab/bin/pip install -q --no-cache-dir "${pip_cert[@]}" -r /tmp/requirements.txt >&2
  chroot "$1" /opt/jupyterlab/bin/jupyter lab --version >&2
  rm -f "$1/tmp/requirements.txt" "$1/tmp/pip-ca.crt"
  install -d -m 755 "$1/home/jovyan"
  install -m 644 "$here/jupyter/welcome.ipynb" "$1/home/jovyan/welcome.ipynb"
}

rootfs_image jupyterlab "$(cat "$0" "$here/lib/rootfs-image.sh" "$here/jupyterlab/requirements.txt" "$here/jupyter/welcome.ipynb" | sha256sum | cut -c1-12)" "${1:-}" \
  --change 'ENV PATH=/opt/jupyterlab/bin:/usr/local/bin:/usr/bin:/bin' \
  --change 'CMD ["jupyter", "lab"]'
