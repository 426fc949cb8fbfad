#!/usr/bin/env node
// Runs the TypeScript CLI through tsx: no build step, as with `npm start`.
require("tsx/cjs");
require("../src/cli/cli.ts")
  .run(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
