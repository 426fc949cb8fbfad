// `homedock status` on a host of 100 running workspaces (busybox containers made from the
// model's own specs: its names, labels and memory limits, command `sleep`), against
// `docker stats --no-stream` of the same 100 alone (what status used before it read the
// local engine's stats itself; CPU needs two samples, taken at the engine's stats
// collector's cycles, a second apart). The command as installed (compiled, `npm run build`
// first) and from the sources through tsx; all sides alternate, median of RUNS after a
// warm-up. Everything it creates is removed at the end. Target (issue 25): under 3 s.
//   npm run bench:status [-- runs]
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { loadConfig } from "../src/model/load";
import { workspaceContainer } from "../src/container/container";
import { busyboxImage } from "../test/helpers/docker";
import { alternate, printFigures, timed } from "./side-by-side";

const RUNS = Number(process.argv[2] ?? 5);
const WORKSPACES = 100;
const repo = path.resolve(__dirname, "..");
const host = `hdbs${process.pid.toString(36)}`;
const dir = mkdtempSync(path.join(tmpdir(), "homedock-bench-status-"));
const config = path.join(dir, "homedock.yaml");
const image = busyboxImage("status", { "index.html": "hello\n" });

function docker(args: string[]): string {
  return execFileSync("docker", args, { encoding: "utf8", maxBuffer: 1 << 26 });
}

/** A status of every workspace, running. */
function allRunning(argv: string[], stdout: string): void {
  if (argv.includes("status") && !stdout.includes(`${WORKSPACES} workspaces: ${WORKSPACES} running`)) throw new Error(`unexpected status:\n${stdout}`);
}

async function main(): Promise<void> {
  writeFileSync(
    config,
    `host: {name: ${host}, homeRoot: ${dir}/home, sharedMounts: []}\n` +
      `environments: [{name: py, image: "${image}", command: [sleep, "100000"], memory: 32m}]\n` +
      `users:\n${Array.from({ length: WORKSPACES }, (_, i) => `  - {name: u${i}, uid: ${4000 + i}, gid: ${4000 + i}}\n`).join("")}`,
  );
  const model = loadConfig(config);
  // 10 `docker run` at a time: the containers the command reads, not what it costs to make them.
  const runs = model.workspaces.map((ws) => {
    const spec = workspaceContainer(model, ws);
    return [
      "run",
      "-d",
      "--init",
      "--name",
      spec.name,
      "--memory",
      `${spec.memoryMiB}m`,
      ...Object.entries(spec.labels).flatMap(([k, v]) => ["--label", `${k}=${v}`]),
      image,
      "sleep",
      "100000",
    ];
  });
  for (let i = 0; i < runs.length; i += 10) await Promise.all(runs.slice(i, i + 10).map((args) => promisify(execFile)("docker", args)));
  const ids = docker(["ps", "-q", "--no-trunc", "--filter", `label=homedock.host=${host}`])
    .split("\n")
    .filter(Boolean);
  if (ids.length !== WORKSPACES) throw new Error(`${ids.length} containers running, not ${WORKSPACES}`);

  const sides: Record<string, string[]> = {
    "homedock status (installed: node, compiled)": ["node", path.join(repo, "dist/src/cli/cli.js"), "status", "-c", config],
    "homedock status (sources: tsx)": [path.join(repo, "node_modules/.bin/tsx"), path.join(repo, "src/cli/cli.ts"), "status", "-c", config],
    "docker stats --no-stream of the same 100": ["docker", "stats", "--no-stream", "--no-trunc", "--format", "{{json .}}", ...ids],
  };
  printFigures(
    `${WORKSPACES} running workspaces of host ${host}, ${RUNS} runs`,
    alternate(sides, RUNS, (argv) => timed(argv, allRunning)),
  );
}

function cleanUp(): void {
  const left = spawnSync("docker", ["ps", "-a", "-q", "--filter", `label=homedock.host=${host}`], { encoding: "utf8" })
    .stdout.split("\n")
    .filter(Boolean);
  if (left.length > 0) spawnSync("docker", ["rm", "-f", ...left], { stdio: "ignore" });
  rmSync(dir, { recursive: true, force: true });
}

void main().finally(cleanUp);
