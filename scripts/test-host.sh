#!/usr/bin/env bash
# Makes the machine ready for `npm test` (its pretest): Docker, Compose, the shells
# and tools, the Jupyter test image. As root it runs setup-host.sh and
# build-jupyter-image.sh, which do only what is missing; as anyone else it checks,
# and says in one line what to run when something is missing.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)

if [ "$(id -u)" -eq 0 ]; then
  bash "$here/setup-host.sh"
  bash "$here/build-jupyter-image.sh" >/dev/null
elif ! missing=$(bash "$here/setup-host.sh" --check && bash "$here/build-jupyter-image.sh" --check); then
  echo "npm test: $missing; as root, run: bash scripts/setup-host.sh && bash scripts/build-jupyter-image.sh" >&2
  exit 1
fi
