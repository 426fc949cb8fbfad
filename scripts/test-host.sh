#!/usr/bin/env bash
# Makes the machine ready for `npm test` (its pretest): Docker, Compose, the shells
# and tools, the test images (Jupyter, JupyterLab, the front door's proxy, the login's
# oauth2-proxy, the sign-in's limiter (HAProxy) and its test OpenID Connect provider, Dex,
# the test Swarm's node). As root it runs setup-host.sh and the image scripts, which do
# only what is missing; as anyone else it checks, and says in one line what to run when
# something is missing.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
images=(build-jupyter-image.sh build-jupyterlab-image.sh build-proxy-image.sh build-login-image.sh build-limiter-image.sh build-oidc-image.sh build-swarm-node-image.sh)

if [ "$(id -u)" -eq 0 ]; then
  bash "$here/setup-host.sh"
  for script in "${images[@]}"; do bash "$here/$script" >/dev/null; done
else
  missing=()
  line=$(bash "$here/setup-host.sh" --check) || missing+=("$line")
  for script in "${images[@]}"; do
    line=$(bash "$here/$script" --check) || missing+=("$line")
  done
  if ((${#missing[@]})); then
    (IFS=','; echo "npm test: ${missing[*]}; as root, run: bash scripts/test-host.sh" >&2)
    exit 1
  fi
fi
