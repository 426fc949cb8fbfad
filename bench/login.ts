// What the sign-in login (oauth2-proxy behind Caddy's forward_auth) costs against the basic
// auth it replaced, side by side in one run, on one Compose host from homedock: the proxy
// (Debian's caddy 2.6.2, TLS internal), the login's session check and sign-in, and one
// user, alice, with one classic Notebook workspace (a real Jupyter server on its unix
// socket). Beside it, "today's basic auth": a second Caddy of the same image and limits,
// mounting the same socket tree read-only, with the Caddyfile homedock rendered before the
// login (3c26cda: `basicauth { alice <hash> }` in her handle, the same bcrypt hash).
//   1. latency: GET /user/alice/py/api/status one at a time over a kept-alive HTTPS
//      connection (as a browser keeps one), alternating between the doors in blocks after
//      a warm-up: the sign-in door with alice's session cookie, the basic-auth door with
//      her right password (Caddy caches a successful check: today's steady state).
//      Target (issue): no more than 1 ms added at the median.
//   2. a flood of wrong passwords from 8 clients at once, as fast as each gets answers,
//      every password a new one (Caddy caches failed checks too): "before", GETs with
//      `Authorization: Basic alice:<wrong>` to the basic-auth door (a bcrypt each, in the
//      proxy); "after", POST /oauth2/sign_in to the new door (a bcrypt each, in the
//      sign-in container under its own CPU limit, until the limiter in front of it has
//      counted failedSignIns.perUser of them: from then on it answers 429 itself, after
//      its tarpit, without a bcrypt; the statuses say how many of each). Meanwhile alice makes the same GET one
//      at a time through the flooded door; her median against the same door's idle
//      median, measured just before. Target (issue): within 2x of an idle door. Beside
//      her, on their own connections, two probes that tell where the time goes: a path
//      Caddy answers itself (TLS and routing only, no login) and her server's socket
//      directly.
// As root, with the test images (scripts/test-host.sh), on a machine of its own if the
// numbers are to mean anything. It creates containers, a network, volumes and a directory
// of its own, and removes them at the end, also on failure.
//   npm run bench:login [-- requests floodSeconds repeats]
import { ACCESS_LOG } from "../src/render/caddyfile";
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { basicAuth, type Door, freePort, origin, proxyRootCa, signIn, signInForm } from "../test/helpers/front-door";
import { FRONT_DOOR_IMAGES, requireFrontDoorImages } from "../test/helpers/docker";

const REQUESTS = Number(process.argv[2] ?? 400);
const FLOOD_SECONDS = Number(process.argv[3] ?? 20);
const REPEATS = Number(process.argv[4] ?? 2);
const BLOCK = 20;
const FLOOD_CLIENTS = 8;
const IDLE_REQUESTS = 200;
const REST_MS = 10_000;
const USER = "alice";
const UID = 3870;
const ROUTE = `/user/${USER}/py/api/status`;

const repo = path.resolve(__dirname, "..");
const dir = mkdtempSync(path.join(tmpdir(), "homedock-bench-login-"));
const out = path.join(dir, "out");
const composeFile = path.join(out, "docker-compose.yml");
const NAME = `hdlb${process.pid.toString(36)}`;
const BASIC = `${NAME}-basicauth`;
const PASSWORD = `alice-${process.pid}-${Date.now().toString(36)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function homedock(args: string[], input?: string): void {
  const r = spawnSync(path.join(repo, "node_modules/.bin/tsx"), [path.join(repo, "src/cli/cli.ts"), ...args], { cwd: dir, input, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`homedock ${args[0]}: ${r.stderr}`);
}

interface Reply {
  readonly status: number;
  readonly ms: number;
}

/** One client over one kept-alive connection (a browser's, a script's). */
interface Client {
  send(method: string, route: string, headers?: Record<string, string>, body?: string): Promise<Reply>;
  close(): void;
}

function httpsClient(door: Door, fixed: Record<string, string> = {}): Client {
  const agent = new HttpsAgent({ keepAlive: true, maxSockets: 1, ca: door.ca, servername: door.site });
  return {
    send: (method, route, headers = {}, body) =>
      timedRequest(
        httpsRequest,
        {
          agent,
          host: "127.0.0.1",
          port: door.port,
          method,
          path: route,
          headers: { Host: `${door.site}:${door.port}`, ...fixed, ...headers, ...(body === undefined ? {} : { "Content-Length": Buffer.byteLength(body) }) },
        },
        body,
      ),
    close: () => agent.destroy(),
  };
}

/** Plain HTTP on a unix socket (the Jupyter server's own, as root). */
function socketClient(socketPath: string): Client {
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  return {
    send: (method, route, headers = {}) => timedRequest(httpRequest, { agent, socketPath, method, path: route, headers: { Host: "localhost", ...headers } }),
    close: () => agent.destroy(),
  };
}

function timedRequest(req: typeof httpRequest, options: object, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    req(options, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - start) / 1e6 }));
      res.on("error", reject);
    })
      .on("error", reject)
      .end(body);
  });
}

async function ok(client: Client, route = ROUTE): Promise<number> {
  const r = await client.send("GET", route);
  if (r.status !== 200) throw new Error(`GET ${route}: ${r.status}`);
  return r.ms;
}

function quantile(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
const median = (xs: readonly number[]) => quantile(xs, 0.5);
const p90 = (xs: readonly number[]) => quantile(xs, 0.9);
const f = (ms: number) => ms.toFixed(2);

/** The Caddyfile homedock rendered for alice before the login (3c26cda's renderer), with her hash. */
function basicAuthCaddyfile(hash: string): string {
  return `${[
    "{",
    "\tadmin off",
    "\tskip_install_trust",
    "\tauto_https disable_redirects",
    "}",
    "https://localhost {",
    "\ttls internal",
    // The access log as the door has it (the same filter, one field more now).
    ...ACCESS_LOG,
    `\t@user_${USER} path /user/${USER} /user/${USER}/*`,
    `\thandle @user_${USER} {`,
    "\t\tbasicauth {",
    `\t\t\t${USER} ${hash}`,
    "\t\t}",
    `\t\thandle /user/${USER}/py/* {`,
    `\t\t\treverse_proxy unix//run/homedock/${USER}/py/jupyter.sock {`,
    "\t\t\t\theader_up -Authorization",
    "\t\t\t}",
    "\t\t}",
    `\t\thandle /user/${USER}/py {`,
    `\t\t\tredir * /user/${USER}/py/ 308`,
    "\t\t}",
    "\t\thandle {",
    '\t\t\trespond "no such workspace" 404',
    "\t\t}",
    "\t}",
    "\thandle {",
    '\t\trespond "no such workspace" 404',
    "\t}",
    "}",
  ].join("\n")}\n`;
}

/** CPU nanoseconds a container has used, and the time its CFS quota held it back (cgroup v1 or v2); undefined where neither is found. */
function cgroupCpu(container: string): { usage: number; throttled: number; periods: number } | undefined {
  const id = execFileSync("docker", ["inspect", "--format", "{{.Id}}", container], { encoding: "utf8" }).trim();
  const v1 = { acct: `/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.usage`, stat: `/sys/fs/cgroup/cpu/docker/${id}/cpu.stat` };
  const field = (text: string, name: string) => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1] ?? NaN);
  if (existsSync(v1.acct) && existsSync(v1.stat)) {
    const stat = readFileSync(v1.stat, "utf8");
    return { usage: Number(readFileSync(v1.acct, "utf8")), throttled: field(stat, "throttled_time"), periods: field(stat, "nr_throttled") };
  }
  for (const v2 of [`/sys/fs/cgroup/system.slice/docker-${id}.scope/cpu.stat`, `/sys/fs/cgroup/docker/${id}/cpu.stat`]) {
    if (!existsSync(v2)) continue;
    const stat = readFileSync(v2, "utf8");
    return { usage: field(stat, "usage_usec") * 1000, throttled: field(stat, "throttled_usec") * 1000, periods: field(stat, "nr_throttled") };
  }
  return undefined;
}

/** `docker stats --no-stream` CPU % of each container, without blocking the event loop (the flood goes on). */
function dockerStats(containers: readonly string[]): Promise<Record<string, string>> {
  return new Promise((resolve) => {
    execFile("docker", ["stats", "--no-stream", "--format", "{{.Name}} {{.CPUPerc}}", ...containers], { encoding: "utf8" }, (err, stdout) => {
      if (err) return resolve({});
      resolve(
        Object.fromEntries(
          stdout
            .split("\n")
            .filter(Boolean)
            .map((l) => l.split(" ") as [string, string]),
        ),
      );
    });
  });
}

interface Side {
  readonly label: string;
  readonly door: Door;
  /** Alice's own requests: her session cookie, or her right password. */
  readonly alice: Record<string, string>;
  /** A path the proxy answers itself, before any login: TLS and routing only. */
  readonly caddyOnly: string;
  /** One wrong-password attempt on the given client; `n` makes each password new. */
  readonly wrong: (client: Client, n: string) => Promise<Reply>;
  /** The containers whose CPU the flood is watched in. */
  readonly watch: readonly string[];
}

interface FloodResult {
  readonly side: string;
  readonly run: number;
  readonly idle: number[];
  readonly alice: number[];
  readonly caddyOnly: number[];
  readonly socket: number[];
  readonly idleCaddyOnly: number[];
  readonly idleSocket: number[];
  readonly attempts: number;
  readonly statuses: Record<string, number>;
  readonly errors: number;
  readonly seconds: number;
  readonly stats: Record<string, string>;
  readonly cgroup: Record<string, { cpu: number; throttled: number; periods: number } | undefined>;
}

/** Alice's route, a Caddy-only path and the socket, one after another, for as long as `until` says. */
async function probe(side: Side, socket: Client, until: () => boolean, count?: number): Promise<{ door: number[]; caddyOnly: number[]; socket: number[] }> {
  const door = httpsClient(side.door, side.alice);
  const bare = httpsClient(side.door);
  const got = { door: [] as number[], caddyOnly: [] as number[], socket: [] as number[] };
  try {
    // The connections are made (and, on the basic-auth door, her password checked) before timing.
    await ok(door);
    await bare.send("GET", side.caddyOnly);
    for (let i = 0; count === undefined ? !until() : i < count; i++) {
      got.door.push(await ok(door));
      const c = await bare.send("GET", side.caddyOnly);
      if (c.status !== 404) throw new Error(`GET ${side.caddyOnly} on ${side.label}: ${c.status}`);
      got.caddyOnly.push(c.ms);
      got.socket.push(await ok(socket));
    }
  } finally {
    door.close();
    bare.close();
  }
  return got;
}

async function flood(side: Side, socket: Client, run: number): Promise<FloodResult> {
  const idle = await probe(side, socket, () => false, IDLE_REQUESTS);
  const before = Object.fromEntries(side.watch.map((c) => [c, cgroupCpu(c)]));
  const start = process.hrtime.bigint();
  const deadline = Date.now() + FLOOD_SECONDS * 1000;
  const over = () => Date.now() >= deadline;
  const statuses: Record<string, number> = {};
  let attempts = 0;
  let errors = 0;
  const clients = Array.from({ length: FLOOD_CLIENTS }, async (_, c) => {
    const client = httpsClient(side.door);
    try {
      for (let i = 0; !over(); i++) {
        try {
          const r = await side.wrong(client, `${run}-${c}-${i}`);
          statuses[r.status] = (statuses[r.status] ?? 0) + 1;
          if (!over()) attempts++;
        } catch {
          errors++;
        }
      }
    } finally {
      client.close();
    }
  });
  // Alice starts once every flood client has its first attempt in flight; docker stats
  // samples the middle of the flood.
  await sleep(1000);
  const stats = sleep((FLOOD_SECONDS * 1000) / 3).then(() => dockerStats(side.watch));
  const during = await probe(side, socket, over);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const after = Object.fromEntries(side.watch.map((c) => [c, cgroupCpu(c)]));
  await Promise.all(clients);
  const cgroup = Object.fromEntries(
    side.watch.map((c) => {
      const [b, a] = [before[c], after[c]];
      return [
        c,
        b === undefined || a === undefined
          ? undefined
          : { cpu: (a.usage - b.usage) / 1e9 / seconds, throttled: (a.throttled - b.throttled) / 1e9 / seconds, periods: a.periods - b.periods },
      ];
    }),
  );
  return {
    side: side.label,
    run,
    idle: idle.door,
    idleCaddyOnly: idle.caddyOnly,
    idleSocket: idle.socket,
    alice: during.door,
    caddyOnly: during.caddyOnly,
    socket: during.socket,
    attempts,
    statuses,
    errors,
    seconds,
    stats: await stats,
    cgroup,
  };
}

let basicStarted = false;

async function main(): Promise<void> {
  requireFrontDoorImages(["proxy", "login", "limiter", "notebook"]);
  const [https, http, basicPort] = [await freePort(), await freePort(), await freePort()];
  for (const d of ["home", "run", "out", "basic"]) mkdirSync(path.join(dir, d));
  const runtimeRoot = path.join(dir, "run");
  writeFileSync(
    path.join(dir, "homedock.yaml"),
    JSON.stringify({
      host: { name: NAME, homeRoot: path.join(dir, "home"), sharedMounts: [] },
      frontDoor: {
        site: "localhost",
        listen: ["127.0.0.1"],
        httpsPort: https,
        httpPort: http,
        tls: "internal",
        image: FRONT_DOOR_IMAGES.proxy,
        runtimeRoot,
        login: { image: FRONT_DOOR_IMAGES.login, failedSignIns: { image: FRONT_DOOR_IMAGES.limiter } },
      },
      environments: [{ name: "py", image: FRONT_DOOR_IMAGES.notebook, command: ["python3", "-m", "notebook"], jupyter: "notebook", memory: "256m" }],
      users: [{ name: USER, uid: UID, gid: UID }],
    }),
  );
  console.error(`homedock passwd, compose, docker compose up (${dir})`);
  homedock(["passwd", USER, "-c", "homedock.yaml", "-d", out, "--stdin"], `${PASSWORD}\n`);
  homedock(["compose", "-c", "homedock.yaml", "-o", composeFile]);
  execFileSync("docker", ["compose", "-f", composeFile, "up", "-d", "--wait"], { stdio: "ignore" });

  // Today's basic auth: the same image, limits and hardening as the proxy, the same socket tree read-only.
  const entry = JSON.parse(readFileSync(path.join(out, "homedock-secrets", "passwords.json"), "utf8"))[USER] as { hash: string };
  writeFileSync(path.join(dir, "basic", "Caddyfile"), basicAuthCaddyfile(entry.hash));
  basicStarted = true;
  execFileSync(
    "docker",
    [
      "run",
      "-d",
      "--name",
      BASIC,
      "--label",
      `homedock.bench=${NAME}`,
      "--user",
      "0:0",
      "--init",
      "--read-only",
      "--security-opt",
      "no-new-privileges:true",
      "--cap-drop",
      "ALL",
      "--cap-add",
      "DAC_OVERRIDE",
      "--cap-add",
      "NET_BIND_SERVICE",
      "--memory",
      "512m",
      "--memory-swap",
      "512m",
      "--cpus",
      "1",
      "--pids-limit",
      "512",
      "--tmpfs",
      "/tmp:rw,nosuid,nodev,mode=1777",
      "--tmpfs",
      "/config:rw,nosuid,nodev,mode=0700",
      "--tmpfs",
      "/data:rw,nosuid,nodev,mode=0700",
      "-e",
      "XDG_CONFIG_HOME=/config",
      "-e",
      "XDG_DATA_HOME=/data",
      "-v",
      `${path.join(runtimeRoot, NAME)}:/run/homedock:ro`,
      "-v",
      `${path.join(dir, "basic")}:/homedock/config:ro`,
      "-p",
      `127.0.0.1:${basicPort}:443`,
      FRONT_DOOR_IMAGES.proxy,
      "run",
      "--config",
      "/homedock/config/Caddyfile",
      "--adapter",
      "caddyfile",
    ],
    { stdio: "ignore" },
  );

  const door: Door = { site: "localhost", port: https, ca: await proxyRootCa(`${NAME}-frontdoor`) };
  const basicDoor: Door = { site: "localhost", port: basicPort, ca: await proxyRootCa(BASIC) };
  // Alice signs in once (retried while the login starts), then waits for her server.
  let cookie: string;
  for (let t0 = Date.now(); ;) {
    let why: unknown;
    const c = await signIn(door, USER, PASSWORD).catch((err: unknown) => void (why = err));
    if (c !== undefined) {
      cookie = c;
      break;
    }
    if (Date.now() - t0 > 120_000) throw new Error(`alice could not sign in in 2 minutes: ${String(why)}`);
    await sleep(500);
  }
  const sides: Record<"basic" | "login", Side> = {
    basic: {
      label: "before: basic auth (3c26cda)",
      door: basicDoor,
      alice: { Authorization: basicAuth(USER, PASSWORD) },
      caddyOnly: "/nowhere",
      wrong: (client, n) => client.send("GET", ROUTE, { Authorization: basicAuth(USER, `wrong-${n}`) }),
      watch: [BASIC],
    },
    login: {
      label: "after: sign-in and session, with the limit on wrong passwords (HEAD)",
      door,
      alice: { Cookie: cookie },
      caddyOnly: "/oauth2/start",
      wrong: (client, n) =>
        // As the sign-in page posts it: the site's own Origin (a script sets it as easily).
        client.send("POST", "/oauth2/sign_in", { "Content-Type": "application/x-www-form-urlencoded", Origin: origin(door) }, signInForm(USER, `wrong-${n}`)),
      watch: [`${NAME}-frontdoor`, `${NAME}-login`, `${NAME}-signin`, `${NAME}-signin-limit`],
    },
  };
  for (const side of Object.values(sides)) {
    const client = httpsClient(side.door, side.alice);
    for (let t0 = Date.now(); (await client.send("GET", ROUTE).catch(() => undefined))?.status !== 200;) {
      if (Date.now() - t0 > 300_000) throw new Error(`${side.label}: ${ROUTE} does not answer 200 after 5 minutes`);
      await sleep(500);
    }
    client.close();
  }
  // The wrong-password answers, once each, before anything is timed.
  for (const side of Object.values(sides)) {
    const client = httpsClient(side.door);
    const r = await side.wrong(client, "check");
    client.close();
    if (r.status !== 401) throw new Error(`${side.label}: a wrong password answered ${r.status}, not 401`);
  }
  const socket = socketClient(path.join(runtimeRoot, NAME, USER, "py", "jupyter.sock"));
  await sleep(5000);

  // 1. Latency: warm-up, then blocks alternating (which door goes first alternates too).
  const clients = { basic: httpsClient(basicDoor, sides.basic.alice), login: httpsClient(door, sides.login.alice) };
  for (let i = 0; i < 100; i++) {
    await ok(clients.basic);
    await ok(clients.login);
  }
  const latency = { basic: [] as number[], login: [] as number[] };
  for (let b = 0; b < Math.ceil(REQUESTS / BLOCK); b++) {
    for (const which of b % 2 === 0 ? (["basic", "login"] as const) : (["login", "basic"] as const)) {
      for (let i = 0; i < BLOCK; i++) latency[which].push(await ok(clients[which]));
    }
  }
  clients.basic.close();
  clients.login.close();

  // 2. Floods, before and after alternating, a rest between.
  const floods: FloodResult[] = [];
  for (let run = 1; run <= REPEATS; run++) {
    for (const which of ["basic", "login"] as const) {
      await sleep(REST_MS);
      console.error(`flood ${run}: ${sides[which].label}`);
      floods.push(await flood(sides[which], socket, run));
    }
  }
  socket.close();

  // Report.
  const added = median(latency.login) - median(latency.basic);
  console.log(
    `\nMachine: ${cpus().length} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")} at the end.`,
  );
  console.log(
    `\n1. GET ${ROUTE}, one at a time over one kept-alive HTTPS connection, ${latency.basic.length} per door in blocks of ${BLOCK}, alternating, after 100 warm-up pairs (ms)\n`,
  );
  console.log("| door | median | p90 |\n| --- | ---: | ---: |");
  console.log(`| before: basic auth, right password (bcrypt cached) | ${f(median(latency.basic))} | ${f(p90(latency.basic))} |`);
  console.log(`| after: session cookie (forward_auth to the session check) | ${f(median(latency.login))} | ${f(p90(latency.login))} |`);
  console.log(`| added by the login (after - before) | ${f(added)} | ${f(p90(latency.login) - p90(latency.basic))} |`);
  console.log(`\nTarget <= 1 ms added at the median: ${added <= 1 ? "met" : "NOT met"} (${f(added)} ms).`);

  console.log(
    `\n2. ${FLOOD_CLIENTS} clients flooding wrong passwords for ${FLOOD_SECONDS} s, each password new; alice's GET ${ROUTE} one at a time through the flooded door (ms)\n`,
  );
  console.log(
    "| flood | run | wrong passwords answered /s (statuses) | alice idle median | alice median (p90) during | during / idle | Caddy-only path: idle / during median | socket directly: idle / during median | CPU (docker stats) | CPU, cgroup average (throttled s/s) |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |");
  for (const r of floods) {
    const ratio = median(r.alice) / median(r.idle);
    const short = (c: string) => c.replace(`${NAME}-`, "");
    const stats = Object.entries(r.stats)
      .map(([c, v]) => `${short(c)} ${v}`)
      .join(", ");
    const cg = Object.entries(r.cgroup)
      .map(([c, v]) => (v === undefined ? `${short(c)} ?` : `${short(c)} ${(v.cpu * 100).toFixed(0)}% (${v.throttled.toFixed(2)})`))
      .join(", ");
    const codes =
      Object.entries(r.statuses)
        .map(([s, n]) => `${s}: ${n}`)
        .join(", ") + (r.errors > 0 ? `, errors: ${r.errors}` : "");
    console.log(
      `| ${r.side} | ${r.run} | ${(r.attempts / FLOOD_SECONDS).toFixed(2)} (${codes}) | ${f(median(r.idle))} | ${f(median(r.alice))} (${f(p90(r.alice))}), n=${r.alice.length} | ${ratio.toFixed(2)}x | ${f(median(r.idleCaddyOnly))} / ${f(median(r.caddyOnly))} | ${f(median(r.idleSocket))} / ${f(median(r.socket))} | ${stats} | ${cg} |`,
    );
  }
  for (const which of ["basic", "login"] as const) {
    const runs = floods.filter((r) => r.side === sides[which].label);
    const worst = Math.max(...runs.map((r) => median(r.alice) / median(r.idle)));
    console.log(
      `\n${sides[which].label}: alice's median during the flood, worst run ${worst.toFixed(2)}x the idle door's: target within 2x ${worst <= 2 ? "met" : "NOT met"}.`,
    );
  }
}

function cleanUp(): void {
  if (basicStarted) spawnSync("docker", ["rm", "-f", "-v", BASIC], { stdio: "ignore" });
  const down = existsSync(composeFile)
    ? spawnSync("docker", ["compose", "-f", composeFile, "down", "-v", "--remove-orphans"], { stdio: "ignore" })
    : { status: 0 };
  // The socket tree and homes belong to other uids and root: removed as root.
  if (down.status === 0) rmSync(dir, { recursive: true, force: true });
  else console.error(`docker compose down failed: ${composeFile} and its containers are left`);
}

let cleaned = false;
const once = () => {
  if (cleaned) return;
  cleaned = true;
  cleanUp();
};
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    once();
    process.exit(130);
  });
}

void main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(once);
