#!/usr/bin/env node
// The `homedock` command. The package ships no sources and runs its compiled
// JavaScript; a clone runs its TypeScript sources through tsx (a devDependency), so
// `npx homedock` there is never older than the checkout, built or not.
"use strict";
const { spawnSync } = require("node:child_process");
const { existsSync } = require("node:fs");
const path = require("node:path");
const { pathToFileURL } = require("node:url");

const root = path.join(__dirname, "..");
const sources = path.join(root, "src", "cli", "cli.ts");
const compiled = path.join(root, "dist", "src", "cli", "cli.js");

/** tsx's loader (its require and import hooks both), or undefined (no sources, or a clone installed without devDependencies). */
function tsxLoader() {
  if (!existsSync(sources)) return undefined;
  try {
    return pathToFileURL(require.resolve("tsx")).href;
  } catch {
    return undefined;
  }
}

const tsx = tsxLoader();
if (tsx !== undefined) {
  // node with tsx's loader, which loads the sources' lazy imports too (its require hook
  // alone does not). Not tsx's own command: at Ctrl-C that kills its child outright when
  // the child does not answer within 60 ms, and homedock does not while it waits for
  // Terraform, which it lets stop and write its state. Ctrl-C signals the whole process
  // group: this process waits for the command, as a shell does.
  const ignore = () => undefined;
  process.on("SIGINT", ignore);
  const child = spawnSync(process.execPath, ["--import", tsx, sources, ...process.argv.slice(2)], { stdio: "inherit" });
  process.removeListener("SIGINT", ignore);
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
