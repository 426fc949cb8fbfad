// `homedock deploy` of a config with a swarm section on the test Swarm
// (scripts/swarm-rig.sh), with real Terraform and the real kreuzwerker/docker 4.5.0 from
// the filesystem mirror HOMEDOCK_PROVIDER_MIRROR names (skipped without it, with one line
// naming it, as the single host's deploy suite is): a node without the baseline refused
// before anything is created; then one docker_service per workspace, converged on three
// nodes, each task as its uid:gid with NoNewPrivs 1, CapEff 0 and its process limit; the
// next plan empty; a user moved by a config change, named in the review, their files
// there; no workspace's port reached from another, on its node or across nodes; a user
// removed and the host destroyed, every home kept. One rig for the file.
import { execFile } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { busyboxImage, eventually, providerMirrorConfig, requireDocker, scenarioRoot, uniqueName } from "../helpers/docker";
import { removeAfterAll, type SwarmNode, swarmRig, type SwarmRig } from "../helpers/swarm";
import { snapshot } from "../helpers/trees";
import { bridgeAddress, fetchFrom, homeRootOf, makeHomes, nodeAddress, taskContainer, userDataOf, webConfig } from "../helpers/swarm-web";
import { loadConfig } from "../../src/model/load";

const run = promisify(execFile);
const repo = path.resolve(__dirname, "../..");
const mirror = process.env.HOMEDOCK_PROVIDER_MIRROR;
if (!mirror) console.log("swarm deploy e2e skipped: set HOMEDOCK_PROVIDER_MIRROR to a Terraform filesystem mirror holding kreuzwerker/docker 4.5.0");

const HOST = "hdtf";
const PIDS = 50;
const USERS = [
  { name: "alice", uid: 2201, node: "node-1" },
  { name: "bob", uid: 2202, node: "node-2" },
  { name: "carol", uid: 2203, node: "node-3" },
] as const;
type User = (typeof USERS)[number]["name"];

let rig: SwarmRig;
let image: string;
let dir: string;
let nodeOf: Record<User, SwarmNode>;
let before: ReturnType<typeof snapshot>;

const manager = (...args: string[]) => rig.docker("node-1", ...args);
const homeRoot = () => homeRootOf(rig);
const service = (user: User) => `${HOST}_${user}--web`;
const userData = () => userDataOf(rig);

function writeConfig(users: readonly User[], pins: Partial<Record<User, SwarmNode>> = {}): void {
  const listed = USERS.filter((u) => users.includes(u.name)).map((u) => ({ ...u, node: pins[u.name] ?? u.node }));
  writeFileSync(
    path.join(dir, "homedock.yaml"),
    webConfig(rig, HOST, ["node-1", "node-2", "node-3"], image, ["memory: 64m", "cpus: 0.5", `pidsLimit: ${PIDS}`, "readOnlyRoot: true"], listed),
  );
}

/** `homedock <args>` in the project directory, against the manager, with the provider from the mirror. */
async function homedock(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { TF_CLI_CONFIG_FILE: _, HOMEDOCK_CONFIG: __, ...rest } = process.env;
  const env = {
    ...rest,
    DOCKER_HOST: rig.socket("node-1"),
    TF_CLI_CONFIG_FILE: path.join(dir, "cli.tfrc"),
    HOMEDOCK_CONFIG: path.join(dir, "homedock.yaml"),
    CHECKPOINT_DISABLE: "1",
    TF_IN_AUTOMATION: "1",
    FORCE_COLOR: "0",
  };
  try {
    const { stdout, stderr } = await run(`${repo}/node_modules/.bin/tsx`, [`${repo}/src/cli/cli.ts`, ...args], { cwd: dir, env, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/** The running task of each of the host's services: its id and node. */
async function tasks(): Promise<Partial<Record<User, { id: string; node: string }>>> {
  const names = (await manager("service", "ls", "--filter", `label=homedock.host=${HOST}`, "--format", "{{.Name}}")).trim().split("\n").filter(Boolean);
  const running: Partial<Record<User, { id: string; node: string }>> = {};
  for (const name of names) {
    const out = await manager("service", "ps", name, "--filter", "desired-state=running", "--format", "{{.ID}} {{.Node}} {{.CurrentState}}");
    for (const line of out.trim().split("\n").filter(Boolean)) {
      const [id, node, state] = line.split(" ");
      if (state === "Running") running[name.slice(`${HOST}_`.length).replace(/--web$/, "") as User] = { id, node };
    }
  }
  return running;
}

async function converged(users: readonly User[]): Promise<Partial<Record<User, { id: string; node: string }>>> {
  await eventually(
    "every workspace running on its user's node",
    async () => {
      const t = await tasks();
      return users.every((u) => t[u]?.node === nodeOf[u]) && Object.keys(t).length === users.length;
    },
    90,
  );
  return tasks();
}

const container = (user: User) => taskContainer(rig, nodeOf[user], service(user));

const exec = async (user: User, ...cmd: string[]) => rig.dockerStatus(nodeOf[user], "exec", await container(user), ...cmd);

function homesKept(): void {
  const now = userData();
  for (const [rel, node] of before) expect(now.get(rel), rel).toEqual(node);
}

beforeAll(async () => {
  if (!mirror) return;
  requireDocker();
  image = busyboxImage("swarm-web", { "welcome.txt": "hello from the image\n" });
  dir = scenarioRoot("swarm-deploy");
  writeFileSync(path.join(dir, "cli.tfrc"), providerMirrorConfig(mirror));
  rig = swarmRig(uniqueName("hdtf-"));
  await rig.up([image]);
  makeHomes(rig, USERS);
  writeConfig(USERS.map((u) => u.name));
  nodeOf = Object.fromEntries(loadConfig(path.join(dir, "homedock.yaml")).users.map((u) => [u.name, u.node])) as Record<User, SwarmNode>;
  before = userData();
}, 900_000);

removeAfterAll(
  () => rig,
  () => dir,
);

// Terraform, the node check and Swarm's scheduling take minutes on a busy machine.
describe.skipIf(!mirror)("homedock deploy (Terraform, docker_service) on a 3-node Swarm", () => {
  it("refuses a node without the baseline, naming node and setting, before Terraform runs or anything is created", async () => {
    await rig.baseline("node-3", false);
    try {
      const r = await homedock("deploy", "--auto-approve");
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('homedock deploy: node-3: no-new-privileges: got NoNewPrivs 0 in a task container; expected 1: "no-new-privileges": true');
      expect(r.stderr).toContain("homedock deploy: node-3: icc: got no icc in /etc/docker/daemon.json");
      expect((await manager("service", "ls", "-q")).trim()).toBe("");
      expect(existsSync(path.join(dir, "cdktf.out"))).toBe(false);
    } finally {
      await rig.baseline("node-3", true);
    }
  }, 600_000);

  it("converges: one service per workspace on its user's node, as the user, NoNewPrivs 1, CapEff 0, its process limit, the homes kept", async () => {
    const r = await homedock("deploy", "--auto-approve");
    expect(r.stderr).not.toMatch(/homedock deploy:/);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(r.stdout).toMatch(/^host hdtf: the node baseline holds on 3 nodes/m);
    const running = await converged(USERS.map((u) => u.name));
    expect(new Set(Object.values(running).map((t) => t.node))).toEqual(new Set(["node-1", "node-2", "node-3"]));
    for (const u of USERS) {
      const home = path.join(homeRoot(), u.name);
      expect((await exec(u.name, "id", "-u")).stdout.trim(), u.name).toBe(String(u.uid));
      expect((await exec(u.name, "id", "-g")).stdout.trim(), u.name).toBe(String(u.uid));
      const status = (await exec(u.name, "cat", "/proc/self/status")).stdout;
      expect(/^NoNewPrivs:\s*(\d)/m.exec(status)?.[1], u.name).toBe("1");
      expect(/^CapEff:\s*(\S+)/m.exec(status)?.[1], u.name).toBe("0000000000000000");
      // The server runs under the seeder's shell's RLIMIT_NPROC, and init is PID 1.
      const limits = (await exec(u.name, "sh", "-c", "cat /proc/$(pidof httpd)/limits")).stdout;
      expect(/^Max processes\s+(\d+)\s+(\d+)/m.exec(limits)?.slice(1), u.name).toEqual([String(PIDS), String(PIDS)]);
      expect((await exec(u.name, "cat", "/proc/1/comm")).stdout.trim(), u.name).toBe("docker-init");
      // No network given: the node's default bridge, as the stack file's external "bridge" says.
      const networks = await rig.docker(
        nodeOf[u.name],
        "inspect",
        "-f",
        "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}",
        await container(u.name),
      );
      expect(networks.trim(), u.name).toBe("bridge");
      expect((await exec(u.name, "cat", `${home}/notes.txt`)).stdout).toBe(`${u.name}'s notes\n`);
      expect((await exec(u.name, "cat", "/srv/data/dataset.csv")).stdout).toBe("a,b\n1,2\n");
      expect((await exec(u.name, "sh", "-c", "echo x > /srv/data/mine")).status, u.name).not.toBe(0);
      // A read-only root, and a private /tmp where the server writes.
      expect((await exec(u.name, "sh", "-c", "echo x > /etc/mine")).status, u.name).not.toBe(0);
      expect((await exec(u.name, "sh", "-c", "printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc -w 3 127.0.0.1 8080 | tail -n 1")).stdout.trim()).toBe(
        `pong ${u.uid}`,
      );
    }
    homesKept();
  }, 600_000);

  it("plans nothing right after the deploy", async () => {
    const r = await homedock("plan");
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(r.stdout).toContain("Nothing changes.");
    expect(r.stdout).toMatch(/\*\*0 workspaces replaced, 0 removed, 0 added, 0 updated in place, 3 unchanged\.\*\*/);
  }, 600_000);

  it("moves a user by a config change: the review names the move, the deploy runs it, their files are there, no one else restarts", async () => {
    const first = await tasks();
    writeConfig(
      USERS.map((u) => u.name),
      { carol: "node-2" },
    );
    const review = await homedock("plan");
    expect(review.code, review.stderr.slice(-3000)).toBe(0);
    expect(review.stdout).toContain("- carol's web moves from node-3 to node-2");
    const applied = await homedock("deploy", "--saved-plan");
    expect(applied.code, applied.stderr.slice(-3000)).toBe(0);
    nodeOf.carol = "node-2";
    const moved = await converged(USERS.map((u) => u.name));
    expect(moved.carol?.node).toBe("node-2");
    for (const u of ["alice", "bob"] as const) expect(moved[u], u).toEqual(first[u]);
    expect((await exec("carol", "cat", path.join(homeRoot(), "carol/notes.txt"))).stdout).toBe("carol's notes\n");
    expect((await homedock("plan")).stdout).toContain("Nothing changes.");
    homesKept();
  }, 600_000);

  it("keeps each workspace's port from every other: carol beside bob on node-2, and alice from node-1", async () => {
    const address = async (user: User) => bridgeAddress(rig, nodeOf[user], await container(user));
    const from = async (user: User, to: string) => fetchFrom(rig, nodeOf[user], await container(user), to);
    // Each serves "pong <its uid>": its own port answers it, so whose server answers is known.
    for (const u of USERS) expect(await from(u.name, "127.0.0.1"), u.name).toBe(`pong ${u.uid}`);
    // On node-2's bridge, with icc off: neither reaches the other.
    expect(await from("bob", await address("carol"))).toBe("nc: timed out");
    expect(await from("carol", await address("bob"))).toBe("nc: timed out");
    // Across nodes: bob's task address is on node-2's own bridge (from node-1 a local
    // address, maybe alice's own), and node-2's address publishes nothing.
    expect(await from("alice", await address("bob"))).not.toBe("pong 2202");
    expect(await from("alice", await nodeAddress(rig, "node-2"))).toMatch(/^nc: /);
  }, 120_000);

  it("removes a user's service and keeps the home; destroy removes every service and keeps every home", async () => {
    writeConfig(["alice", "carol"], { carol: "node-2" });
    const r = await homedock("deploy", "--auto-approve");
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    await converged(["alice", "carol"]);
    expect((await manager("service", "ls", "--format", "{{.Name}}")).trim().split("\n").sort()).toEqual([service("alice"), service("carol")]);
    homesKept();
    const destroyed = await homedock("destroy", "--auto-approve");
    expect(destroyed.code, destroyed.stderr.slice(-3000)).toBe(0);
    expect((await manager("service", "ls", "-q")).trim()).toBe("");
    homesKept();
  }, 600_000);
});
