#!/usr/bin/env node
// The `homedock` command. The package ships no sources and runs its compiled
// JavaScript; a clone runs its TypeScript sources through tsx (a devDependency), so
// `npx homedock` there is never older than the checkout, built or not.
"use strict";
const { spawnSync } = require("node:child_process");
const { existsSync } = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..");
const sources = path.join(root, "src", "cli", "cli.ts");
const compiled = path.join(root, "dist", "src", "cli", "cli.js");

/** tsx's own command, or undefined (no sources, or a clone installed without devDependencies). */
function tsxCli() {
  if (!existsSync(sources)) return undefined;
  try {
    return require.resolve("tsx/cli");
  } catch {
    return undefined;
  }
}

const tsx = tsxCli();
if (tsx !== undefined) {
  // tsx's own command: it loads the sources' lazy imports, which its require hook alone does not.
  const child = spawnSync(process.execPath, [tsx, sources, ...process.argv.slice(2)], { stdio: "inherit" });
  if (child.error) throw child.error;
  if (child.signal) process.kill(process.pid, child.signal);
  process.exitCode = child.status ?? 1;
} else if (existsSync(compiled)) {
  require(compiled)
    .run(process.argv)
    .then((code) => {
      process.exitCode = code;
    });
} else {
  console.error(`homedock: found neither tsx to run ${sources} nor ${compiled}: run npm ci (or npm run build)`);
  process.exitCode = 1;
}
