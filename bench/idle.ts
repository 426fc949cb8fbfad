// What idleTimeout saves and what a wake costs, on real Notebook servers behind the front
// door (the project's Notebook 6 test image, through Compose): 50 users with two
// environments each (100 workspaces), 10 of them with one busy kernel in one environment
// and the rest idle. The same host twice in one run: without idleTimeout, and with
// idleTimeout 10 once the idle servers have stopped; the resident memory of every
// container of the host (docker stats), side by side. Then, on the second host, the time
// from a page load to Jupyter's page, as a browser gets it (the starting page, reloaded
// as often as it says, until Jupyter answers): 20 users one after another (median, p95),
// and 20 at once. Everything it creates is removed at the end.
// Targets (issue 26): at least 4x less memory; a median wake within 3 s.
//   npm run bench:idle
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type WebSocket from "ws";
import { call, type Door, freePort, origin, proxyRootCa, signIn } from "../test/helpers/front-door";
import { openSocket, runCode } from "../test/helpers/kernel";
import { FRONT_DOOR_IMAGES, requireFrontDoorImages } from "../test/helpers/docker";

const USERS = 50;
const BUSY = 10;
const IDLE = 10;
const WAKES = 20;
const repo = path.resolve(__dirname, "..");
const cli = [path.join(repo, "node_modules/.bin/tsx"), path.join(repo, "src/cli/cli.ts")];
const password = (u: number) => `bench-password-${u}`;
/** User u's session on `host` (signed in once, on the sign-in page), as a request's Cookie header; `more` is added to it. */
const auth = (host: Host, u: number, more?: string) => ({ Cookie: more === undefined ? host.cookies[u] : `${host.cookies[u]}; ${more}` });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Host {
  readonly name: string;
  readonly dir: string;
  readonly compose: string;
  readonly door: Door;
  /** Each user's session cookie, by user number. */
  readonly cookies: string[];
}

function homedock(dir: string, args: string[], input?: string): void {
  const r = spawnSync(cli[0], [cli[1], ...args], { cwd: dir, input, encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`homedock ${args[0]}: ${r.stderr}`);
}

/**
 * A host of USERS users in two Notebook environments, up through Compose, every server
 * having answered once, and the first BUSY users' py each with a busy kernel, started
 * as soon as that server answers (with idleTimeout, an idle one soon stops).
 */
async function bringUp(label: string, idleTimeout: number | undefined, kernels: WebSocket[]): Promise<Host> {
  const name = `hdbi${label}${process.pid.toString(36)}`;
  const dir = mkdtempSync(path.join(tmpdir(), `homedock-bench-idle-${label}-`));
  mkdirSync(path.join(dir, "home"));
  mkdirSync(path.join(dir, "run"));
  const [https, http] = [await freePort(), await freePort()];
  const env = (e: string) => ({ name: e, image: FRONT_DOOR_IMAGES.notebook, command: ["python3", "-m", "notebook"], jupyter: "notebook", memory: "256m" });
  writeFileSync(
    path.join(dir, "homedock.yaml"),
    JSON.stringify({
      host: { name, homeRoot: `${dir}/home`, sharedMounts: [], ...(idleTimeout === undefined ? {} : { defaults: { idleTimeout } }) },
      frontDoor: {
        site: "localhost",
        listen: ["127.0.0.1"],
        httpsPort: https,
        httpPort: http,
        tls: "internal",
        image: FRONT_DOOR_IMAGES.proxy,
        runtimeRoot: `${dir}/run`,
        login: { image: FRONT_DOOR_IMAGES.login, failedSignIns: { image: FRONT_DOOR_IMAGES.limiter } },
      },
      environments: [env("py"), env("stats")],
      users: Array.from({ length: USERS }, (_, i) => ({ name: `u${i}`, uid: 5200 + i, gid: 5200 + i })),
    }),
  );
  homedock(
    dir,
    ["passwd", "--from-csv", "-", "-c", "homedock.yaml", "-d", dir],
    `user,password\n${Array.from({ length: USERS }, (_, i) => `u${i},${password(i)}`).join("\n")}\n`,
  );
  const compose = path.join(dir, "docker-compose.yml");
  homedock(dir, ["compose", "-c", "homedock.yaml", "-o", compose]);
  const t0 = Date.now();
  execFileSync("docker", ["compose", "-f", compose, "up", "-d"], { stdio: "ignore", maxBuffer: 1 << 26 });
  const door: Door = { site: "localhost", port: https, ca: await proxyRootCa(`${name}-frontdoor`) };
  const host: Host = { name, dir, compose, door, cookies: [] };
  hosts.push(host);
  // With idleTimeout, a server may stop before it is asked (a loaded machine answers
  // slowly): one that ran and ended itself counts as up.
  const endedItself = (u: number, e: string) => {
    const [running, code, started] = execFileSync(
      "docker",
      ["inspect", "--format", "{{.State.Running}} {{.State.ExitCode}} {{.State.StartedAt}}", `${name}-u${u}.${e}`],
      { encoding: "utf8" },
    )
      .trim()
      .split(" ");
    return running === "false" && code === "0" && !started.startsWith("0001");
  };
  const answered = async (u: number, e: string) => {
    const busy = u < BUSY && e === "py";
    while ((await call(door, "GET", `/user/u${u}/${e}/api/status`, auth(host, u)).catch(() => undefined))?.status !== 200) {
      if (Date.now() - t0 > 900_000) throw new Error(`u${u}'s ${e} does not answer after 15 minutes`);
      if (idleTimeout !== undefined && !busy && endedItself(u, e)) return;
      await sleep(1000);
    }
    if (busy) kernels.push(await busyKernel(host, u));
  };
  // Every user signs in once, as on the sign-in page (a bcrypt check each, in the sign-in
  // container, one after another; retried while the login is still starting), and their
  // servers are asked as soon as they have a session: the busy users first.
  const waits: Promise<void>[] = [];
  for (let u = 0; u < USERS; u++) {
    for (;;) {
      const cookie = await signIn(door, `u${u}`, password(u)).catch(() => undefined);
      if (cookie !== undefined) {
        host.cookies.push(cookie);
        break;
      }
      if (Date.now() - t0 > 900_000) throw new Error(`u${u} could not sign in after 15 minutes`);
      await sleep(1000);
    }
    for (const e of ["py", "stats"]) {
      const waiting = answered(u, e);
      waiting.catch(() => undefined); // awaited below, with the others
      waits.push(waiting);
    }
  }
  await Promise.all(waits);
  console.log(`${label}: ${USERS * 2} Notebook servers up and answering in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return host;
}

/** One kernel for user u in py, kept busy (a loop of sleeps) until its socket closes. */
async function busyKernel(host: Host, u: number): Promise<WebSocket> {
  const door = host.door;
  const tree = await call(door, "GET", `/user/u${u}/py/tree`, auth(host, u));
  const xsrf = /_xsrf=([^;]+)/.exec(String(tree.headers["set-cookie"]))![1];
  // The _xsrf cookie goes in the same Cookie header as the session's.
  const own = { ...auth(host, u, `_xsrf=${xsrf}`), Origin: origin(door), "Content-Type": "application/json", "X-XSRFToken": xsrf };
  const created = await call(door, "POST", `/user/u${u}/py/api/kernels`, own, '{"name":"python3"}');
  if (created.status !== 201) throw new Error(`u${u}: kernel refused (${created.status})`);
  const ws = await openSocket(`wss://${door.site}:${door.port}/user/u${u}/py/api/kernels/${JSON.parse(created.body).id}/channels`, {
    ca: door.ca,
    headers: auth(host, u),
    origin: origin(door),
  });
  if (typeof ws === "number") throw new Error(`u${u}: kernel socket refused (${ws})`);
  await runCode(ws, "print('ready')");
  runCode(ws, "import time\nwhile True: time.sleep(1)", 7200).catch(() => undefined);
  return ws;
}

/** The host's running containers and the memory they hold, as docker stats says. */
function memory(host: Host): { running: number; mib: number } {
  const ids = execFileSync("docker", ["ps", "-q", "--filter", `label=homedock.host=${host.name}`], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean);
  const out = execFileSync("docker", ["stats", "--no-stream", "--format", "{{.MemUsage}}", ...ids], { encoding: "utf8" });
  const units: Record<string, number> = { B: 1 / 2 ** 20, KiB: 1 / 1024, MiB: 1, GiB: 1024 };
  const mib = out
    .split("\n")
    .filter(Boolean)
    .reduce((sum, line) => {
      const m = /^([\d.]+)(\w+)/.exec(line.split(" / ")[0])!;
      return sum + Number(m[1]) * units[m[2]];
    }, 0);
  return { running: ids.length, mib };
}

function workspacesRunning(host: Host): number {
  return execFileSync("docker", ["ps", "-q", "--filter", `label=homedock.host=${host.name}`, "--filter", "label=homedock.role=workspace"], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean).length;
}

/** From a page load to Jupyter's page, as a browser gets it: the starting page reloaded as often as it says. */
async function wake(host: Host, u: number): Promise<number> {
  const door = host.door;
  const t0 = Date.now();
  const load = { ...auth(host, u), "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document", Accept: "text/html" };
  for (;;) {
    const r = await call(door, "GET", `/user/u${u}/stats/tree`, load);
    const refresh = /http-equiv="refresh" content="(\d+)"/.exec(r.body);
    if (refresh === null) {
      if (r.status !== 200) throw new Error(`u${u}: ${r.status} ${r.body.slice(0, 200)}`);
      return (Date.now() - t0) / 1000;
    }
    if (Date.now() - t0 > 120_000) throw new Error(`u${u}: still starting after 2 minutes`);
    await sleep(Number(refresh[1]) * 1000);
  }
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)];
const hosts: Host[] = [];

async function main(): Promise<void> {
  requireFrontDoorImages(["proxy", "login", "limiter", "notebook"]);
  const figures: [string, { running: number; mib: number }][] = [];
  for (const [label, idle] of [
    ["always", undefined],
    ["idle", IDLE],
  ] as const) {
    const kernels: WebSocket[] = [];
    const host = await bringUp(label, idle, kernels);
    if (idle !== undefined) {
      const t0 = Date.now();
      while (workspacesRunning(host) > BUSY) {
        if (Date.now() - t0 > 600_000) throw new Error(`${workspacesRunning(host)} workspaces still run after 10 minutes`);
        await sleep(5000);
      }
      console.log(`idle: all but the ${BUSY} busy servers stopped ${((Date.now() - t0) / 1000).toFixed(0)} s after the kernels started`);
    } else {
      await sleep(30_000);
    }
    figures.push([label === "always" ? "without idleTimeout" : `idleTimeout ${IDLE}, idle servers stopped`, memory(host)]);
    if (idle !== undefined) {
      const one: number[] = [];
      for (let u = BUSY; u < BUSY + WAKES; u++) one.push(await wake(host, u));
      const all = await Promise.all(Array.from({ length: WAKES }, (_, i) => wake(host, BUSY + WAKES + i)));
      const line = (what: string, xs: number[]) =>
        `${what}: median ${quantile(xs, 0.5).toFixed(2)} s, p95 ${quantile(xs, 0.95).toFixed(2)} s, max ${Math.max(...xs).toFixed(2)} s`;
      console.log(line(`wake, page load to Jupyter's page, ${WAKES} users one after another`, one));
      console.log(line(`wake, ${WAKES} users at once`, all));
    }
    for (const ws of kernels) ws.terminate();
    spawnSync("docker", ["compose", "-f", host.compose, "down", "-v", "--remove-orphans"], { stdio: "ignore" });
  }
  console.log(`${USERS} users x 2 Notebook environments, ${BUSY} with a busy kernel; resident memory of the host's running containers (docker stats):`);
  for (const [what, m] of figures) console.log(`  ${what}: ${m.running} containers running, ${m.mib.toFixed(0)} MiB`);
  console.log(`  ${(figures[0][1].mib / figures[1][1].mib).toFixed(1)}x less with idleTimeout`);
}

function cleanUp(): void {
  for (const host of hosts) {
    spawnSync("docker", ["compose", "-f", host.compose, "down", "-v", "--remove-orphans"], { stdio: "ignore" });
    rmSync(host.dir, { recursive: true, force: true });
  }
}

void main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => {
    cleanUp();
    // A busy kernel's runCode keeps a two-hour timer: the run ends here, not when it fires.
    process.exit();
  });
