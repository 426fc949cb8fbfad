// The front door across the nodes of the test Swarm (scripts/swarm-rig.sh), deployed by
// `homedock swarm deploy` from the stack file: users on different nodes sign in at the
// entry proxy (node-1), over HTTP and on the page in Chromium, and reach their own
// workspace's Jupyter through their node's proxy (a cell run in a notebook), and not
// with another's password or session; a node's proxy answers only a
// client with the entry's certificate, and nothing else reaches it (not a workspace, not
// the host); adding a user restarts no workspace and no node proxy; a worker stopped: its
// users get the page that says so, the others keep working. Every byte of every home is
// kept. One rig for the whole file.
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { homedock } from "../helpers/cli";
import { eventually, requireDocker, requireFrontDoorImages, scenarioRoot, uniqueName } from "../helpers/docker";
import { call, type Door, testUser, type TestUser } from "../helpers/front-door";
import { swarmRig, type SwarmNode, type SwarmRig } from "../helpers/swarm";
import { cellsInChromium, DOOR_RIG_IMAGES, doorHomeRoot, DoorUsers, entryDoor, makeDoorHome, serviceContainer, swarmDoorJson } from "../helpers/swarm-door";
import { snapshot } from "../helpers/trees";
import { openSocket, runCode } from "../helpers/kernel";
import type WebSocket from "ws";
import { parse } from "yaml";

const HOST = "hddoor";
const PORT = 8443;
const RUNTIME_ROOT = "/var/lib/homedock-door";
const alice = testUser("alice", 2201);
const bob = testUser("bob", 2202);
const carol = testUser("carol", 2203);
const dave = testUser("dave", 2204);
/** Where each user's workspace runs: carol beside alice, dave (added later) beside bob. */
const NODE: Record<string, SwarmNode> = { alice: "node-2", bob: "node-3", carol: "node-2", dave: "node-3" };

let rig: SwarmRig;
let scratch: string;
let config: string;
let stackFile: string;
let door: Door;
let before: ReturnType<typeof snapshot>;
const users = new DoorUsers(() => door);
const { sessions } = users;
/** The kernels the tests started, by user. */
const kernels = new Map<string, string>();
/** The kernel WebSockets the tests opened: closed at the end. */
const sockets: WebSocket[] = [];

/** A WebSocket to `u`'s kernel through node-1's address, named as the site for TLS (ws passes servername on to tls.connect). */
async function kernelSocket(u: TestUser): Promise<WebSocket> {
  const options: WebSocket.ClientOptions & { servername: string } = {
    ca: door.ca,
    servername: "localhost",
    headers: { ...sessions.auth(u), Host: `localhost:${PORT}` },
    origin: `https://localhost:${PORT}`,
  };
  const ws = await openSocket(`wss://${door.via!.host}:${PORT}/user/${u.name}/py/api/kernels/${kernels.get(u.name)}/channels`, options);
  if (typeof ws === "number") throw new Error(`${u.name}'s kernel WebSocket refused: ${ws}`);
  sockets.push(ws);
  return ws;
}

const manager = (...args: string[]) => rig.docker("node-1", ...args);
const env = () => ({ env: { DOCKER_HOST: rig.socket("node-1") }, cwd: scratch });
const homeRoot = () => doorHomeRoot(rig);
const userData = () =>
  snapshot(homeRoot(), (rel) => rel.includes("/.homedock") || rel.includes("/.local/") || rel.includes("/.jupyter") || rel.includes("/.ipython"));

function writeConfig(users: readonly TestUser[]): void {
  writeFileSync(config, swarmDoorJson(rig, HOST, PORT, RUNTIME_ROOT, users, NODE));
}

const makeHome = (u: TestUser) => makeDoorHome(rig, u);

async function passwd(u: TestUser): Promise<void> {
  const r = await homedock(["passwd", u.name, "-c", config, "-d", scratch, "--stdin"], { cwd: scratch, input: `${u.password}\n` });
  expect(r.status, r.stderr).toBe(0);
}

async function deploy(): Promise<void> {
  const r = await homedock(["swarm", "deploy", "-c", config, "-o", stackFile], env());
  expect(r.status, r.stdout + r.stderr).toBe(0);
}

/** The running task of each service of the stack, by service name (without the stack's prefix). */
async function tasks(): Promise<Record<string, { id: string; node: string }>> {
  const out = await manager("stack", "ps", HOST, "--filter", "desired-state=running", "--format", "{{.Name}} {{.ID}} {{.Node}} {{.CurrentState}}");
  const running: Record<string, { id: string; node: string }> = {};
  for (const line of out.trim().split("\n")) {
    const [name, id, node, state] = line.split(" ");
    if (state === "Running") running[name.slice(`${HOST}_`.length).replace(/\.1$/, "")] = { id, node };
  }
  return running;
}

const contents = (u: TestUser, as?: TestUser) => users.contents(u, as);
const reachable = (list: readonly TestUser[]) => users.reachable(list);

/** The container of a service's running task, on its node. */
const container = (service: string, node: SwarmNode) => serviceContainer(rig, `${HOST}_${service}`, node);

/** The address of a node proxy's task on the proxies' overlay. */
async function doorAddress(node: SwarmNode): Promise<string> {
  const c = await container(`door--${node}`, node);
  return (await rig.docker(node, "inspect", "-f", `{{(index .NetworkSettings.Networks "${HOST}-doors").IPAddress}}`, c)).trim();
}

/** The host's pid of a process in a container of a node (a node's containers are this machine's processes). */
async function hostPid(service: string, node: SwarmNode): Promise<number> {
  const id = await container(service, node);
  const full = (await rig.docker(node, "inspect", "-f", "{{.Id}}", id)).trim();
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cgroup`, "utf8").includes(full)) return Number(pid);
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no process of ${service} on this machine`);
}

/**
 * An HTTPS request to a node proxy at `address`, naming it for TLS as the entry does,
 * run by this machine's node in the network namespace of `pid` (undefined: the host's
 * own): the status and body it answered, or the error the connection ended with.
 */
function toDoor(pid: number | undefined, address: string, node: SwarmNode, withCert: boolean): { status?: number; body?: string; error?: string } {
  const peers = JSON.parse(readFileSync(path.join(scratch, "homedock-secrets", "peers.json"), "utf8"));
  const script = `
    const https = require("node:https");
    const o = JSON.parse(process.argv[1]);
    const req = https.request({ host: o.address, port: 8443, servername: o.name, ca: o.ca, cert: o.cert, key: o.key, path: "/", timeout: 5000 }, (res) => {
      let body = ""; res.on("data", (c) => (body += c)); res.on("end", () => console.log(JSON.stringify({ status: res.statusCode, body })));
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" })));
    req.on("error", (e) => console.log(JSON.stringify({ error: e.code || e.message })));
    req.end();`;
  const o = { address, name: `door--${node}`, ca: peers.ca.cert, ...(withCert ? { cert: peers.entry.cert, key: peers.entry.key } : {}) };
  const cmd =
    pid === undefined
      ? [process.execPath, "-e", script, JSON.stringify(o)]
      : ["nsenter", "-t", String(pid), "-n", process.execPath, "-e", script, JSON.stringify(o)];
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: "utf8", timeout: 20_000 });
  return JSON.parse(r.stdout.trim().split("\n").pop() || `{"error":"no answer: ${r.stderr.trim().slice(0, 100)}"}`);
}

beforeAll(async () => {
  requireDocker();
  requireFrontDoorImages(["proxy", "login", "limiter", "notebook"]);
  scratch = scenarioRoot("swarm-door");
  config = path.join(scratch, "swarm.yaml");
  stackFile = path.join(scratch, "stack.yml");
  rig = swarmRig(uniqueName("hd-swarm-door-"));
  await rig.up(DOOR_RIG_IMAGES());
  for (const u of [alice, bob, carol, dave]) makeHome(u);
  writeConfig([alice, bob, carol]);
  for (const u of [alice, bob, carol]) await passwd(u);
  before = userData();
}, 900_000);

afterAll(async () => {
  for (const ws of sockets) ws.terminate();
  if (rig) await rig.down();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}, 300_000);

describe("the front door across the nodes of a Swarm", () => {
  it("refuses, by name, a node without the front door's runtime root, before anything is deployed", async () => {
    // node-1 and node-2 have it; node-3 not yet.
    for (const node of ["node-1", "node-2"]) spawnSync("docker", ["exec", `${rig.name}-${node}`, "mkdir", "-m", "0755", RUNTIME_ROOT]);
    const r = await homedock(["swarm", "deploy", "-c", config, "-o", stackFile], env());
    expect(r.status).toBe(3);
    expect(r.stderr.trim()).toBe(
      `homedock swarm deploy: node-3: the front door's runtime root ${RUNTIME_ROOT} does not exist on the node: expected a directory of root's there (mkdir -m 0755 ${RUNTIME_ROOT} on node-3)`,
    );
    expect((await manager("service", "ls", "-q")).trim()).toBe("");
    spawnSync("docker", ["exec", `${rig.name}-node-3`, "mkdir", "-m", "0755", RUNTIME_ROOT]);
  });

  it("deploys the entry proxy on node-1, a proxy on every node and each workspace on its user's node", async () => {
    await deploy();
    door = await entryDoor(rig, HOST, PORT);
    const services = ["frontdoor", "door--node-1", "door--node-2", "door--node-3", "alice--py", "bob--py", "carol--py"];
    let t = await tasks();
    await eventually(
      "every service running",
      async () => {
        t = await tasks();
        return services.every((s) => t[s] !== undefined);
      },
      120,
    );
    expect(Object.fromEntries(services.map((s) => [s, t[s]?.node]))).toEqual({
      frontdoor: "node-1",
      "door--node-1": "node-1",
      "door--node-2": "node-2",
      "door--node-3": "node-3",
      "alice--py": "node-2",
      "bob--py": "node-3",
      "carol--py": "node-2",
    });
  }, 300_000);

  it("signs users of different nodes in at the entry proxy, each reaching their own workspace's Jupyter", async () => {
    await eventually(
      "the sign-in",
      async () =>
        sessions.signIn(alice, bob, carol).then(
          () => true,
          () => false,
        ),
      120,
    );
    await reachable([alice, bob, carol]);
    for (const u of [alice, bob, carol]) {
      const r = await contents(u);
      expect(JSON.parse(r.body).content.map((f: { name: string }) => f.name)).toContain(`${u.name}-notes.txt`);
    }
  }, 300_000);

  it("runs a cell in each user's kernel through both proxies (the WebSocket across the TLS hop), as the user", async () => {
    for (const u of [alice, bob]) {
      const prefix = `/user/${u.name}/py`;
      const tree = await call(door, "GET", `${prefix}/tree`, sessions.auth(u));
      const xsrf = /_xsrf=([^;]+)/.exec(String(tree.headers["set-cookie"]))![1];
      const own = { ...sessions.auth(u, `_xsrf=${xsrf}`), Origin: `https://localhost:${PORT}`, "Content-Type": "application/json", "X-XSRFToken": xsrf };
      const created = await call(door, "POST", `${prefix}/api/kernels`, own, '{"name":"python3"}');
      expect(created.status).toBe(201);
      kernels.set(u.name, JSON.parse(created.body).id);
      const ws = await kernelSocket(u);
      expect((await runCode(ws, "import os; print(os.getuid())")).stdout).toBe(`${u.uid}\n`);
    }
  }, 180_000);

  it("lets users of two nodes sign in on the page in Chromium and run a cell in a notebook, each as themselves", async () => {
    await cellsInChromium(rig, door, [alice, bob]);
  }, 300_000);

  it("refuses another user's password, and another user's session on a route", async () => {
    await users.refusedAcross(alice, bob);
  });

  it("lets a node's proxy answer the entry's certificate alone: refused without it on the overlay, unreachable from the host, its node and a workspace", async () => {
    const address = await doorAddress("node-2");
    const entry = await hostPid("frontdoor", "node-1");
    // From the entry's own network: the real proxy, which answers its certificate...
    expect(toDoor(entry, address, "node-2", true)).toEqual({ status: 404, body: "no such workspace" });
    // ...and refuses a client without one in the TLS handshake.
    expect(toDoor(entry, address, "node-2", false).error).toMatch(
      /^(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED|ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE|ECONNRESET)$/,
    );
    // From the host, even with the certificate: no answer from the proxy (no port is published).
    expect(toDoor(undefined, address, "node-2", true).status).toBeUndefined();
    // From the node itself: a node's proxy has no address on its node's gateway bridge
    // (the proxies' overlay is internal), where the entry has one (its ports come in there).
    const full = async (service: string, node: SwarmNode) => (await rig.docker(node, "inspect", "-f", "{{.Id}}", await container(service, node))).trim();
    const onGatewayBridge = async (node: SwarmNode) =>
      Object.keys(JSON.parse(await rig.docker(node, "network", "inspect", "-f", "{{json .Containers}}", "docker_gwbridge")) ?? {});
    expect(await onGatewayBridge("node-1")).toContain(await full("frontdoor", "node-1"));
    for (const node of ["node-1", "node-2"] as const) expect(await onGatewayBridge(node), node).not.toContain(await full(`door--${node}`, node));
    // From a workspace (alice's, beside the proxy on node-2; bob's on node-3): no answer either.
    for (const [u, node] of [
      [alice, "node-2"],
      [bob, "node-3"],
    ] as const) {
      const pid = await hostPid(`${u.name}--py`, node);
      expect(toDoor(pid, address, "node-2", true).status, `${u.name}'s workspace`).toBeUndefined();
    }
  });

  it("adds a user without restarting any workspace or node proxy", async () => {
    const was = await tasks();
    // A secret of the stack's that no service names (as one from two deploys ago is), and
    // two that are not the stack's: the deploy removes the first alone.
    const content = path.join(scratch, "secret.txt");
    writeFileSync(content, "x\n");
    await manager("secret", "create", "--label", `com.docker.stack.namespace=${HOST}`, `${HOST}-stale`, content);
    await manager("secret", "create", "--label", "com.docker.stack.namespace=another", `${HOST}-another-stacks`, content);
    await manager("secret", "create", `${HOST}-unlabelled`, content);
    makeHome(dave);
    writeConfig([alice, bob, carol, dave]);
    await passwd(dave);
    await deploy();
    await eventually("dave's workspace", async () => (await tasks())["dave--py"]?.node === "node-3", 120);
    const now = await tasks();
    for (const s of ["door--node-1", "door--node-2", "door--node-3", "alice--py", "bob--py", "carol--py"]) expect([s, now[s]?.id]).toEqual([s, was[s].id]);
    await users.newUserSignsIn(dave, async () => (await tasks())["frontdoor-signin"]?.id !== was["frontdoor-signin"].id);
    await reachable([dave]);
    await sessions.signIn(alice, bob, carol);
    await reachable([alice, bob, carol]);
    // The Caddyfile and the password file changed: new secrets. The stack's secrets are
    // exactly those its file names and those the services' previous specs name (what
    // `docker service rollback` returns to); the stale one is gone, the others' are not.
    const named = Object.values<{ name: string }>(parse(readFileSync(stackFile, "utf8")).secrets).map((s) => s.name);
    const ids = (await manager("service", "ls", "--filter", `label=com.docker.stack.namespace=${HOST}`, "-q")).trim().split("\n");
    const previous = await manager(
      "service",
      "inspect",
      "--format",
      "{{with .PreviousSpec}}{{range .TaskTemplate.ContainerSpec.Secrets}}{{println .SecretName}}{{end}}{{end}}",
      ...ids,
    );
    const rollback = previous.split("\n").filter((l) => l !== "" && !named.includes(l));
    expect(rollback.length).toBeGreaterThan(0);
    const left = await manager("secret", "ls", "--filter", `label=com.docker.stack.namespace=${HOST}`, "--format", "{{.Name}}");
    expect(left.trim().split("\n").sort()).toEqual([...new Set([...named, ...rollback])].sort());
    const all = (await manager("secret", "ls", "--format", "{{.Name}}")).trim().split("\n");
    expect([`${HOST}-stale`, `${HOST}-another-stacks`, `${HOST}-unlabelled`].map((n) => all.includes(n))).toEqual([false, true, true]);
  }, 300_000);

  it("gives the users of a stopped worker the page that says so within a minute; the others keep working", async () => {
    await users.nodeLost(() => rig.stop("node-3"), bob, [alice, carol]);
    const page = await contents(dave);
    expect([page.status, page.headers["content-type"], page.body.includes("node-3")]).toEqual([502, "text/html; charset=utf-8", true]);
    // alice's kernel, started before (and before the entry proxy's restart for dave), runs on.
    const ran = await runCode(await kernelSocket(alice), "print(6 * 7)");
    expect([ran.stdout, ran.executionCount]).toEqual(["42\n", 2]);
  }, 120_000);

  it("keeps every byte of every home", () => {
    const now = userData();
    for (const [rel, node] of before) expect(now.get(rel), rel).toEqual(node);
  });
});
