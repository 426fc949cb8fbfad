#!/usr/bin/env bash
# The public API against its reports in api/ (api-extractor, one report per entry point
# of package.json's "exports"): `npm test` runs it and fails when the declarations the
# package publishes differ from the reports, when a public member has no doc comment, or
# when a public signature names a type its entry point does not export.
# `npm run api:update` (--local) writes the reports anew, to commit with the change.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf .cache/api
tsc -p tsconfig.build.json --emitDeclarationOnly --outDir .cache/api
for config in api/api-extractor.json api/api-extractor.constructs.json; do
  api-extractor run --config "$config" "$@"
done
