#!/usr/bin/env bash
# `npm run build` (prepack runs it): dist/, compiled as the sources are laid out, with
# the shell scripts beside it for a reader of the package; the code reads none of them:
# they are in it (src/container/scripts.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf dist
tsc -p tsconfig.build.json
find src -name '*.sh' | while read -r script; do install -D -m 644 "$script" "dist/$script"; done
