// What the front door costs a request. One host from homedock's Compose output: the
// proxy (Debian's caddy 2.6.2, TLS internal), its login (oauth2-proxy: the session check
// and the sign-in) and 50 users with one classic Notebook workspace each (real Jupyter
// servers on unix sockets), all on this machine. Side by side in one run, alternating:
//   1. latency: GET <prefix>api/status, one request at a time over one kept-alive
//      connection, through the front door (HTTPS + the session check of the user's
//      cookie + proxy to the socket) against the same request on the workspace's socket
//      directly (HTTP, root);
//   2. load: 50 users at once, each loading their file list (GET <prefix>api/contents)
//      over their own kept-alive connection, through the door against the sockets;
//   3. the first login: 50 users signing in at once (POST /oauth2/sign_in), each a
//      bcrypt check in the sign-in container; the session cookie it sets is what 1 and 2
//      send.
// As root, with the images of scripts/build-*-image.sh:
//   npm run bench:frontdoor [-- pairs rounds]
import { execFileSync, spawnSync } from "node:child_process";
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { hashSync } from "bcryptjs";
import { BCRYPT_COST } from "../src/cli/passwd";
import { writePassword } from "../src/output/secrets";
import { type Door, freePort, proxyRootCa, signIn } from "../test/helpers/front-door";

const PAIRS = Number(process.argv[2] ?? 2000);
const ROUNDS = Number(process.argv[3] ?? 20);
const USERS = 50;
const repo = path.resolve(__dirname, "..");
const dir = mkdtempSync(path.join(tmpdir(), "homedock-bench-frontdoor-"));
const NAME = `hdfd${process.pid.toString(36)}`;
const file = path.join(dir, "out", "docker-compose.yml");
const users = Array.from({ length: USERS }, (_, i) => ({ name: `u${String(i).padStart(2, "0")}`, uid: 3100 + i, password: `pw-${i}-${process.pid}` }));

function homedock(args: string[]): void {
  execFileSync(`${repo}/node_modules/.bin/tsx`, [`${repo}/src/cli/cli.ts`, ...args], { cwd: dir, stdio: ["ignore", "ignore", "inherit"] });
}

interface Target {
  /** Sends GET `route`; resolves with the status, rejects on a transport error. */
  get(route: string): Promise<number>;
}

/** Through the door with a signed-in user's session cookie. */
function through(port: number, ca: string, cookie: string): Target {
  const agent = new HttpsAgent({ keepAlive: true, maxSockets: 1, ca, servername: "localhost" });
  const headers = { Host: `localhost:${port}`, Cookie: cookie };
  return { get: (route) => send(httpsRequest, { agent, host: "127.0.0.1", port, path: route, headers }) };
}

function direct(socketPath: string): Target {
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  return { get: (route) => send(httpRequest, { agent, socketPath, path: route, headers: { Host: "localhost" } }) };
}

function send(req: typeof httpRequest, options: object): Promise<number> {
  return new Promise((resolve, reject) => {
    req(options, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    })
      .on("error", reject)
      .end();
  });
}

/** Milliseconds one `get` takes; throws unless it answers 200. */
async function timed(target: Target, route: string): Promise<number> {
  const start = process.hrtime.bigint();
  const status = await target.get(route);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (status !== 200) throw new Error(`GET ${route}: ${status}`);
  return ms;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function stats(samples: number[]): { median: number; p99: number; n: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), n: sorted.length };
}

const f = (ms: number) => ms.toFixed(2);

async function main(): Promise<void> {
  const port = await freePort();
  const httpPort = await freePort();
  mkdirSync(path.join(dir, "home"));
  mkdirSync(path.join(dir, "run"));
  mkdirSync(path.dirname(file));
  writeFileSync(
    path.join(dir, "homedock.yaml"),
    JSON.stringify({
      host: { name: NAME, homeRoot: path.join(dir, "home"), sharedMounts: [] },
      frontDoor: {
        site: "localhost",
        listen: ["127.0.0.1"],
        httpsPort: port,
        httpPort,
        tls: "internal",
        image: "homedock-test/caddy:current",
        runtimeRoot: path.join(dir, "run"),
        login: { image: "homedock-test/oauth2-proxy:current", failedSignIns: { image: "homedock-test/haproxy:current" } },
      },
      environments: [{ name: "py", image: "homedock-test/jupyter:current", command: ["python3", "-m", "notebook"], jupyter: "notebook", memory: "256m" }],
      users: users.map((u) => ({ name: u.name, uid: u.uid, gid: u.uid })),
    }),
  );
  console.error(`setting ${USERS} passwords, rendering, docker compose up (${dir})`);
  // What `homedock passwd` stores, at its cost, without 50 CLI starts.
  for (const u of users) writePassword(path.dirname(file), u.name, u.uid, hashSync(u.password, BCRYPT_COST));
  homedock(["compose", "-c", "homedock.yaml", "-o", file]);
  execFileSync("docker", ["compose", "-f", file, "up", "-d", "--wait"], { stdio: "ignore" });
  try {
    const ca = await proxyRootCa(`${NAME}-frontdoor`);
    const prefix = (u: { name: string }) => `/user/${u.name}/py/`;
    const sockets = users.map((u) => direct(path.join(dir, "run", NAME, u.name, "py", "jupyter.sock")));
    // Every server up, seen on its socket (the door needs a session first).
    for (const [i, u] of users.entries()) {
      for (let tries = 0; ; tries++) {
        const ok = await sockets[i].get(`${prefix(u)}api/status`).then(
          (s) => s === 200,
          () => false,
        );
        if (ok) break;
        if (tries > 600) throw new Error(`${u.name}'s server never answered on its socket`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    // 50 servers have just started on 2 vCPUs: let the machine settle before measuring.
    await new Promise((r) => setTimeout(r, 30_000));
    const door: Door = { site: "localhost", port, ca };
    // The sign-in answers once its container is up: one sign-in, retried, before timing the rest.
    for (let tries = 0; ; tries++) {
      const ok = await signIn(door, users[0].name, users[0].password).then(
        () => true,
        () => false,
      );
      if (ok) break;
      if (tries > 120) throw new Error("the sign-in never let the first user in");
      await new Promise((r) => setTimeout(r, 500));
    }
    await new Promise((r) => setTimeout(r, 5_000));

    const cold = Date.now();
    const first: number[] = [];
    const cookies = await Promise.all(
      users.map(async (u) => {
        const start = process.hrtime.bigint();
        const cookie = await signIn(door, u.name, u.password);
        first.push(Number(process.hrtime.bigint() - start) / 1e6);
        return cookie;
      }),
    );
    const coldWall = Date.now() - cold;
    const doors = cookies.map((cookie) => through(port, ca, cookie));

    // Warm both paths, then alternate one door request and one socket request.
    const status = `${prefix(users[0])}api/status`;
    for (let i = 0; i < 200; i++) {
      await timed(doors[0], status);
      await timed(sockets[0], status);
    }
    const viaDoor: number[] = [];
    const viaSocket: number[] = [];
    for (let i = 0; i < PAIRS; i++) {
      viaDoor.push(await timed(doors[0], status));
      viaSocket.push(await timed(sockets[0], status));
    }

    // 50 users at once, each ROUNDS file-list loads in a row; door and socket rounds alternate.
    const load = { door: [] as number[], socket: [] as number[], doorWall: [] as number[], socketWall: [] as number[] };
    for (let round = 0; round < 3; round++) {
      for (const side of ["door", "socket"] as const) {
        const targets = side === "door" ? doors : sockets;
        const start = Date.now();
        await Promise.all(
          users.map(async (u, i) => {
            for (let r = 0; r < ROUNDS; r++) load[side].push(await timed(targets[i], `${prefix(u)}api/contents`));
          }),
        );
        load[side === "door" ? "doorWall" : "socketWall"].push(Date.now() - start);
      }
    }

    const d = stats(viaDoor);
    const s = stats(viaSocket);
    const ld = stats(load.door);
    const ls = stats(load.socket);
    const c = stats(first);
    const wall = (xs: number[]) => stats(xs).median;
    console.log(`GET api/status, one at a time, ${PAIRS} pairs alternating (ms)`);
    console.log("| path | median | p99 |\n| --- | ---: | ---: |");
    console.log(`| front door (HTTPS, session check, proxy) | ${f(d.median)} | ${f(d.p99)} |`);
    console.log(`| the socket directly | ${f(s.median)} | ${f(s.p99)} |`);
    console.log(`| added by the front door | ${f(d.median - s.median)} | ${f(d.p99 - s.p99)} |`);
    console.log(`\n${USERS} users at once, ${ROUNDS} file-list loads each (GET api/contents), 3 rounds per side (ms)`);
    console.log("| path | median | p99 | round wall time (median) |\n| --- | ---: | ---: | ---: |");
    console.log(`| front door | ${f(ld.median)} | ${f(ld.p99)} | ${wall(load.doorWall)} |`);
    console.log(`| the sockets directly | ${f(ls.median)} | ${f(ls.p99)} | ${wall(load.socketWall)} |`);
    console.log(
      `\nfirst sign-in of ${USERS} users at once (POST /oauth2/sign_in, bcrypt in the sign-in container): median ${f(c.median)} ms, p99 ${f(c.p99)} ms, all done in ${coldWall} ms`,
    );
  } finally {
    // Not execFileSync: a failed take-down must not hide why the run failed.
    const down = spawnSync("docker", ["compose", "-f", file, "down", "-v", "--remove-orphans"], { stdio: "ignore" });
    if (down.status === 0) rmSync(dir, { recursive: true, force: true });
    else console.error(`docker compose down failed: ${file} and its containers are left`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
