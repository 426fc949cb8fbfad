// `homedock status` on a host of 100 real Jupyter workspaces behind a front door (the
// project's Notebook 6 test image, brought up through Compose), where the command also
// asks every server for its last activity and kernels (one request each: on its socket
// where status runs on the Docker host as root, else inside its container), against `docker stats --no-stream` of the same
// 100 alone. The command as installed (compiled: `npm run build` first); the sides
// alternate, median of RUNS after a warm-up. Everything it creates is removed at the end;
// the homes it made are removed with its directory. Target (issue 25): under 3 s.
//   npm run build && npm run bench:status-jupyter [-- runs]
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { freePort } from "../test/helpers/front-door";
import { alternate, printFigures, timed } from "./side-by-side";
import { FRONT_DOOR_IMAGES, requireFrontDoorImages } from "../test/helpers/docker";

const RUNS = Number(process.argv[2] ?? 5);
const WORKSPACES = 100;
const repo = path.resolve(__dirname, "..");
const host = `hdbj${process.pid.toString(36)}`;
const dir = mkdtempSync(path.join(tmpdir(), "homedock-bench-status-jupyter-"));
const config = path.join(dir, "homedock.yaml");
const compose = path.join(dir, "docker-compose.yml");
const cli = path.join(repo, "dist/src/cli/cli.js");

interface Row {
  readonly state: string;
  readonly kernels: number | null;
}

/** `homedock status --json`'s workspaces. */
function status(): Row[] {
  const r = spawnSync("node", [cli, "status", "--json", "-c", config], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`homedock status: ${r.status}\n${r.stderr}`);
  return JSON.parse(r.stdout).workspaces;
}

/** Every server answered its status. */
function allAnswered(argv: string[], stdout: string): void {
  if (!argv.includes("--json")) return;
  const rows: Row[] = JSON.parse(stdout).workspaces;
  const answered = rows.filter((w) => w.kernels !== null).length;
  if (answered !== WORKSPACES) throw new Error(`only ${answered} of ${WORKSPACES} servers answered`);
}

async function main(): Promise<void> {
  requireFrontDoorImages(["proxy", "login", "limiter", "notebook"]);
  mkdirSync(path.join(dir, "home"));
  mkdirSync(path.join(dir, "run"));
  const [https, http] = [await freePort(), await freePort()];
  writeFileSync(
    config,
    `host: {name: ${host}, homeRoot: ${dir}/home, sharedMounts: []}\n` +
      `frontDoor: {site: localhost, listen: [127.0.0.1], httpsPort: ${https}, httpPort: ${http}, tls: internal, image: "${FRONT_DOOR_IMAGES.proxy}", runtimeRoot: ${dir}/run, login: {image: "${FRONT_DOOR_IMAGES.login}", failedSignIns: {image: "${FRONT_DOOR_IMAGES.limiter}"}}}\n` +
      `environments: [{name: py, image: "${FRONT_DOOR_IMAGES.notebook}", command: [python3, -m, notebook], jupyter: notebook, memory: 256m}]\n` +
      `users:\n${Array.from({ length: WORKSPACES }, (_, i) => `  - {name: u${i}, uid: ${5000 + i}, gid: ${5000 + i}}\n`).join("")}`,
  );
  execFileSync("node", [cli, "compose", "-c", config, "-o", compose], { stdio: "ignore" });
  const up = Date.now();
  execFileSync("docker", ["compose", "-f", compose, "up", "-d"], { stdio: "ignore", maxBuffer: 1 << 26 });
  // Every server listening and answering its status before the timing starts.
  for (;;) {
    const rows = status();
    if (rows.length === WORKSPACES && rows.every((w) => w.state === "running" && w.kernels !== null)) break;
    if (Date.now() - up > 900_000) throw new Error(`after 15 minutes, ${rows.filter((w) => w.kernels !== null).length} of ${WORKSPACES} servers answer`);
    await new Promise((r) => setTimeout(r, 5000));
  }
  console.log(`${WORKSPACES} Notebook servers up and answering in ${((Date.now() - up) / 1000).toFixed(0)} s`);
  // A hundred servers starting are the load (load average 40 on 2 cores): the timing starts once they have settled.
  const settle = Number(process.env.HOMEDOCK_BENCH_SETTLE ?? 90);
  await new Promise((r) => setTimeout(r, settle * 1000));
  console.log(`then ${settle} s for the load of their start to settle: load average ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`);
  const ids = execFileSync("docker", ["ps", "-q", "--no-trunc", "--filter", `label=homedock.host=${host}`, "--filter", "label=homedock.role=workspace"], {
    encoding: "utf8",
  })
    .split("\n")
    .filter(Boolean);
  const sides: Record<string, string[]> = {
    "homedock status --json (installed: node, compiled), 100 servers asked": ["node", cli, "status", "--json", "-c", config],
    "docker stats --no-stream of the same 100": ["docker", "stats", "--no-stream", "--no-trunc", "--format", "{{json .}}", ...ids],
  };
  printFigures(
    `host ${host}, ${RUNS} runs`,
    alternate(sides, RUNS, (argv) => timed(argv, allAnswered)),
  );
}

function cleanUp(): void {
  spawnSync("docker", ["compose", "-f", compose, "down", "-v", "--remove-orphans"], { stdio: "ignore" });
  rmSync(dir, { recursive: true, force: true });
}

void main().finally(cleanUp);
