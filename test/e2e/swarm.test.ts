// homedock on the test Swarm (scripts/swarm-rig.sh), the path CI proves Swarm on: the
// node baseline checked before anything is created (a node without it, a node without
// its label: refused by name), then `homedock swarm deploy` (the check, the stack file,
// `docker stack deploy`) of four users on three nodes: each workspace on its user's
// node, as its uid:gid, with its home and the shared data, NoNewPrivs 1, CapEff 0, its
// pids limit; no workspace reaches another's port, on its node or across nodes; a second
// deploy changes no task; a worker lost: its workspace down, the others untouched, its
// user moved by a config change and a deploy, files there. Every byte of every home is
// kept throughout. One rig for the whole file.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { homedock } from "../helpers/cli";
import { busyboxImage, eventually, requireDocker, scenarioRoot, uniqueName } from "../helpers/docker";
import { removeAfterAll, type SwarmNode, swarmRig, type SwarmRig } from "../helpers/swarm";
import { snapshot } from "../helpers/trees";
import {
  bridgeAddress as bridgeAddressOf,
  fetchFrom as fetchFromTask,
  homeRootOf,
  makeHomes,
  nodeAddress as nodeAddressOf,
  taskContainer,
  userDataOf,
  webConfig,
} from "../helpers/swarm-web";
import { loadConfig } from "../../src/model/load";
import { deployLockName } from "../../src/swarm/deploy-lock";

const HOST = "hdsw";
const USERS = [
  { name: "alice", uid: 2101, node: "node-1" },
  { name: "bob", uid: 2102, node: "node-2" },
  { name: "carol", uid: 2103, node: "node-3" },
  // placed by homedock (node-1, beside alice: two workspaces on one node)
  { name: "dave", uid: 2104 },
] as const;
type User = (typeof USERS)[number]["name"];

let rig: SwarmRig;
let image: string;
let scratch: string;
let config: string;
let stackFile: string;
/** Where each user's workspace runs, as the config says (dave's: homedock's choice). */
let nodeOf: Record<User, SwarmNode>;
/** The user data made before any deploy: every byte of it must stay. */
let before: ReturnType<typeof snapshot>;

const manager = (...args: string[]) => rig.docker("node-1", ...args);
const env = () => ({ env: { DOCKER_HOST: rig.socket("node-1") }, cwd: scratch });
const homeRoot = () => homeRootOf(rig);
const service = (user: User) => `${HOST}_${user}--web`;
const userData = () => userDataOf(rig);

function writeConfig(nodes: readonly string[], pins: Partial<Record<User, string>> = {}): void {
  const users = USERS.map((u) => ({ ...u, node: pins[u.name] ?? ("node" in u ? u.node : undefined) }));
  // Dollars a stack file must keep literal: docker stack deploy interpolates.
  writeFileSync(config, webConfig(rig, HOST, nodes, image, ["memory: 64m", "pidsLimit: 50", 'env: { PRICE: "$5 ${HOME}" }'], users));
}

/** The running tasks of the stack: by user, task id and node. */
async function tasks(): Promise<Record<string, { id: string; node: string }>> {
  const out = await manager("stack", "ps", HOST, "--filter", "desired-state=running", "--format", "{{.Name}} {{.ID}} {{.Node}} {{.CurrentState}}");
  const running: Record<string, { id: string; node: string }> = {};
  for (const line of out.trim().split("\n")) {
    const [name, id, node, state] = line.split(" ");
    if (state === "Running") running[name.slice(`${HOST}_`.length).replace(/--web\.1$/, "")] = { id, node };
  }
  return running;
}

/** The container of a user's running workspace, on its node. */
const container = (user: User, node: SwarmNode = nodeOf[user]) => taskContainer(rig, node, service(user));

const exec = async (user: User, ...cmd: string[]) => rig.dockerStatus(nodeOf[user], "exec", await container(user), ...cmd);

/** What `from`'s workspace gets from address:8080: "pong <uid of the server>", or nc's complaint. */
const fetchFrom = async (from: User, address: string) => fetchFromTask(rig, nodeOf[from], await container(from), address);
const bridgeAddress = async (user: User) => bridgeAddressOf(rig, nodeOf[user], await container(user));

/** Until every workspace the config places runs, on its node. */
async function converged(): Promise<Record<string, { id: string; node: string }>> {
  await eventually(
    "every workspace running on its user's node",
    async () => {
      const t = await tasks();
      return USERS.every((u) => t[u.name]?.node === nodeOf[u.name]);
    },
    90,
  );
  return tasks();
}

beforeAll(async () => {
  requireDocker();
  image = busyboxImage("swarm-web", { "welcome.txt": "hello from the image\n" });
  scratch = scenarioRoot("swarm");
  config = path.join(scratch, "swarm.yaml");
  stackFile = path.join(scratch, "stack.yml");
  rig = swarmRig(uniqueName("hdsw-"));
  await rig.up([image]);
  makeHomes(rig, USERS);
  writeConfig(["node-1", "node-2", "node-3"]);
  const model = loadConfig(config);
  nodeOf = Object.fromEntries(model.users.map((u) => [u.name, u.node])) as Record<User, SwarmNode>;
  before = userData();
}, 900_000);

removeAfterAll(
  () => rig,
  () => scratch,
);

/** Every file of every home as it was before the first deploy (the seeder only adds). */
function homesKept(): void {
  const now = userData();
  for (const [rel, node] of before) expect(now.get(rel), rel).toEqual(node);
}

describe("homedock on a 3-node Swarm", () => {
  it("places dave by its stable choice beside alice, so two workspaces share node-1", () => {
    expect(nodeOf).toEqual({ alice: "node-1", bob: "node-2", carol: "node-3", dave: "node-1" });
  });

  it("refuses a node without the baseline, naming it and each setting, before anything is written or created", async () => {
    await rig.baseline("node-3", false);
    try {
      const r = await homedock(["swarm", "deploy", "-c", config, "-o", stackFile], env());
      expect(r.status).toBe(3);
      expect(r.stderr.trim().split("\n")).toEqual([
        'homedock swarm deploy: node-3: no-new-privileges: got NoNewPrivs 0 in a task container; expected 1: "no-new-privileges": true in /etc/docker/daemon.json, then restart dockerd',
        `homedock swarm deploy: node-3: icc: got no icc in /etc/docker/daemon.json; expected "icc": false (without it, workspaces on this node reach each other's ports), then restart dockerd`,
      ]);
      expect(r.stdout).toMatch(/^ok: node-1 \(node-1\): ready, NoNewPrivs 1/m);
      expect(existsSync(stackFile)).toBe(false);
      // nothing of the host's, and no check job left behind
      expect((await manager("service", "ls", "-q")).trim()).toBe("");
    } finally {
      await rig.baseline("node-3", true);
    }
  });

  it("refuses a node that lost its label, by name, and deploys nothing", async () => {
    await manager("node", "update", "--label-rm", "homedock.node", "node-2");
    try {
      const r = await homedock(["swarm", "check", "-c", config], env());
      expect(r.status).toBe(3);
      expect(r.stderr.trim()).toBe(
        "homedock swarm check: node-2: no node of the Swarm has the label homedock.node=node-2: expected one (on a manager: docker node update --label-add homedock.node=node-2 <node>)",
      );
      expect((await manager("service", "ls", "-q")).trim()).toBe("");
    } finally {
      await manager("node", "update", "--label-add", "homedock.node=node-2", "node-2");
    }
  });

  it("checks, writes the stack file and deploys: each workspace on its user's node, as the user, with the home and the shared data", async () => {
    const r = await homedock(["swarm", "deploy", "-c", config, "-o", stackFile], env());
    expect(r.stderr).not.toMatch(/homedock swarm deploy:/);
    // docker stack deploy read every key: nothing ignored as unsupported, nothing deprecated.
    expect(r.stderr).not.toMatch(/Ignoring|deprecated/i);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^host hdsw: the node baseline holds on 3 nodes/m);
    expect(r.stdout).toMatch(/^wrote .*stack\.yml$/m);
    const running = await converged();
    // the stack's services and nothing else: the check's jobs are gone
    expect((await manager("service", "ls", "--format", "{{.Name}}")).trim().split("\n").sort()).toEqual(USERS.map((u) => service(u.name)).sort());
    for (const u of USERS) {
      expect(running[u.name].node, u.name).toBe(nodeOf[u.name]);
      const home = path.join(homeRoot(), u.name);
      expect((await exec(u.name, "id", "-u")).stdout.trim()).toBe(String(u.uid));
      // Nothing interpolated: the value as the config says it.
      expect((await exec(u.name, "sh", "-c", 'printf %s "$PRICE"')).stdout).toBe("$5 ${HOME}");
      expect((await exec(u.name, "id", "-g")).stdout.trim()).toBe(String(u.uid));
      expect((await exec(u.name, "cat", `${home}/notes.txt`)).stdout).toBe(`${u.name}'s notes\n`);
      expect((await exec(u.name, "cat", "/srv/data/dataset.csv")).stdout).toBe("a,b\n1,2\n");
      // the shared data is read-only, the home writable; no other home is there
      expect((await exec(u.name, "sh", "-c", "echo x > /srv/data/mine")).status).not.toBe(0);
      expect((await exec(u.name, "sh", "-c", `echo x > ${home}/web/from-task && rm ${home}/web/from-task`)).status).toBe(0);
      for (const other of USERS.filter((o) => o.name !== u.name)) {
        expect((await exec(u.name, "test", "-e", path.join(homeRoot(), other.name))).status, `${other.name}'s home in ${u.name}'s`).not.toBe(0);
      }
      // seeded: the image's file where the user had none; the user's own kept
      expect(readFileSync(path.join(home, "web/welcome.txt"), "utf8")).toBe("mine, not the image's\n");
    }
    homesKept();
  });

  it("homedock status: every workspace running, on its user's node", async () => {
    const r = await homedock(["status", "-c", config], env());
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^USER +ENVIRONMENT +NODE +STATE +SINCE/);
    for (const u of USERS)
      expect(
        lines.find((l) => l.startsWith(`${u.name} `)),
        u.name,
      ).toMatch(new RegExp(`^${u.name} +web +${nodeOf[u.name]} +running +\\d{4}-`));
    expect(lines.at(-1)).toBe(`host ${HOST}: 4 workspaces: 4 running, 0 stopped, 0 missing`);
    // Each workspace's memory and CPU, read on its node by a job there (the manager's engine has only its own).
    const json = await homedock(["status", "--json", "-c", config], env());
    expect([json.status, json.stderr]).toEqual([0, ""]);
    const rows = (JSON.parse(json.stdout) as { workspaces: { user: string; node: string; memoryBytes: number | null; cpuPercent: number | null }[] })
      .workspaces;
    for (const w of rows) {
      expect([w.user, w.node, typeof w.cpuPercent]).toEqual([w.user, nodeOf[w.user as User], "number"]);
      // A busybox httpd: some hundreds of KiB, below its 64 MiB limit.
      expect(w.memoryBytes, w.user).toBeGreaterThan(0);
      expect(w.memoryBytes!, w.user).toBeLessThan(64 * 2 ** 20);
    }
    expect((await manager("service", "ls", "--filter", "label=homedock.role=node-usage", "-q")).trim()).toBe("");
  });

  it("homedock restart: a new task of the user's workspace, on the same node; no other task touched", async () => {
    const before = await tasks();
    const r = await homedock(["restart", "alice", "-c", config], env());
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(`restarted ${service("alice")} (a new task on node-1)`);
    await eventually("alice's new task running", async () => {
      const now = await tasks();
      return now.alice !== undefined && now.alice.id !== before.alice.id;
    });
    const after = await tasks();
    expect(after.alice.node).toBe(before.alice.node);
    for (const u of ["bob", "carol", "dave"] as const) expect(after[u], u).toEqual(before[u]);
    homesKept();
  });

  it("homedock users check: every node's accounts and homes read through the manager, each finding naming its node", async () => {
    // The accounts as the file server's: on every node, but carol's uid on node-3 (her node) is another, and bob has none on node-1.
    const accounts = (node: SwarmNode, uid: (u: User) => number | undefined) => {
      const users = USERS.filter((u) => uid(u.name) !== undefined);
      const passwd = users.map((u) => `${u.name}:x:${uid(u.name)}:${uid(u.name)}::${homeRoot()}/${u.name}:/bin/sh`).join("\n");
      const group = users.map((u) => `${u.name}:x:${uid(u.name)}:`).join("\n");
      const r = spawnSync("docker", [
        "exec",
        `${rig.name}-${node}`,
        "sh",
        "-c",
        `grep -Ev '^(alice|bob|carol|dave):' /etc/passwd > /tmp/p; printf '%s\\n' "$1" >> /tmp/p; cat /tmp/p > /etc/passwd; grep -Ev '^(alice|bob|carol|dave):' /etc/group > /tmp/g; printf '%s\\n' "$2" >> /tmp/g; cat /tmp/g > /etc/group`,
        "sh",
        passwd,
        group,
      ]);
      expect(r.status, r.stderr?.toString()).toBe(0);
    };
    const uidOf = (u: User) => USERS.find((x) => x.name === u)!.uid;
    const running = await tasks();
    accounts("node-1", (u) => (u === "bob" ? undefined : uidOf(u)));
    accounts("node-2", uidOf);
    accounts("node-3", (u) => (u === "carol" ? 2203 : uidOf(u)));
    const drift = await homedock(["users", "check", "--json", "-c", config], env());
    expect([drift.status, drift.stderr]).toEqual([3, ""]);
    const found = JSON.parse(drift.stdout) as {
      ok: boolean;
      nodes: string[];
      unread: string[];
      findings: { severity: string; node: string; message: string }[];
    };
    expect([found.ok, found.nodes, found.unread]).toEqual([false, ["node-1", "node-2", "node-3"], []]);
    expect(found.findings.map((f) => `${f.severity}: ${f.message}`)).toEqual([
      "warning: node-1: bob: no such account on the host (not bob's node: would be an error if bob moved here)",
      "error: node-3: carol: uid 2103 in the config, 2203 on the host",
      "error: node-3: carol: gid 2103 in the config, 2203 on the host",
    ]);
    accounts("node-3", uidOf);
    const ok = await homedock(["users", "check", "-c", config], env());
    expect([ok.status, ok.stderr], ok.stdout).toEqual([0, ""]);
    expect(ok.stdout.trim().split("\n").at(-1)).toMatch(
      new RegExp(`^host ${HOST}: 4 users checked against 3 nodes of 3 \\(read with .+\\): 0 errors, 1 warning$`),
    );
    // Its jobs are gone, and no task of the stack was touched.
    expect((await manager("service", "ls", "--filter", "label=homedock.role=users-check", "-q")).trim()).toBe("");
    expect((await manager("network", "ls", "--filter", "label=homedock.role=users-check", "-q")).trim()).toBe("");
    expect(await tasks()).toEqual(running);
    homesKept();
  });

  it("runs every task with NoNewPrivs 1 (the node baseline), no capability and its pids limit", async () => {
    for (const u of USERS) {
      const status = (await exec(u.name, "cat", "/proc/self/status")).stdout;
      expect(/^NoNewPrivs:\s*(\d)/m.exec(status)?.[1], u.name).toBe("1");
      expect(/^CapEff:\s*(\S+)/m.exec(status)?.[1], u.name).toBe("0000000000000000");
      expect((await exec(u.name, "cat", "/sys/fs/cgroup/pids/pids.max")).stdout.trim(), u.name).toBe("50");
    }
  });

  it("keeps each workspace's port from every other: on the same node and across nodes", async () => {
    // each serves "pong <its uid>": its own port answers it, so whose server answers is known
    for (const u of USERS) expect(await fetchFrom(u.name, "127.0.0.1"), u.name).toBe(`pong ${u.uid}`);
    // dave beside alice on node-1's bridge: icc off
    expect(await fetchFrom("alice", await bridgeAddress("dave"))).toBe("nc: timed out");
    expect(await fetchFrom("dave", await bridgeAddress("alice"))).toBe("nc: timed out");
    // bob on node-2, from alice on node-1 and carol on node-3: his task's address is on
    // node-2's own bridge (the same subnet on every node: from another node it is a local
    // address, maybe the asker's own), and node-2's address publishes nothing
    const nodeAddress = (node: SwarmNode) => nodeAddressOf(rig, node);
    const bob = await bridgeAddress("bob");
    for (const from of ["alice", "carol"] as const) {
      const node2 = await nodeAddress("node-2");
      expect(await fetchFrom(from, bob), `${from} to bob's task`).not.toBe("pong 2102");
      expect(await fetchFrom(from, node2), `${from} to node-2`).toMatch(/^nc: /);
    }
    expect(await fetchFrom("bob", await bridgeAddress("carol"))).not.toBe("pong 2103");
    expect(await fetchFrom("bob", await nodeAddress("node-3"))).toMatch(/^nc: /);
  });

  it("changes no task when the same stack is deployed again", async () => {
    const first = await tasks();
    const bytes = readFileSync(stackFile);
    const r = await homedock(["swarm", "deploy", "-c", config, "-o", stackFile], env());
    expect(r.status).toBe(0);
    // --resolve-image changed: no unchanged service's image is looked up on a registry
    // again (the rig has none: each lookup would fail and say so, per service)
    expect(r.stderr).not.toMatch(/could not be accessed on a registry/);
    expect(readFileSync(stackFile).equals(bytes)).toBe(true);
    // the file swarm deploy deploys is the one homedock compose renders for review
    const reviewed = path.join(scratch, "reviewed.yml");
    expect((await homedock(["compose", "-c", config, "-o", reviewed], env())).status).toBe(0);
    expect(readFileSync(reviewed).equals(bytes)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 5000));
    expect(await tasks()).toEqual(first);
    homesKept();
  });

  it("deploys one at a time: of two deploys at once one runs and one is refused, a lock left by another refuses a deploy until removed, Ctrl-C releases it, and none is left behind", async () => {
    const lock = deployLockName(HOST);
    const locks = async () => (await manager("config", "ls", "--filter", `label=homedock.host=${HOST}`, "--format", "{{.Name}}")).trim();
    expect(await locks()).toBe("");
    const first = await tasks();
    const bytes = readFileSync(stackFile);
    // Two admins at once, on the real manager: its store lets one create the lock.
    const both = await Promise.all([1, 2].map(() => homedock(["swarm", "deploy", "-c", config, "-o", stackFile], env())));
    expect(both.map((r) => r.status).sort()).toEqual([0, 4]);
    const refused = both.find((r) => r.status === 4)!;
    expect(refused.stderr.trim()).toMatch(
      new RegExp(
        `^homedock swarm deploy: another homedock swarm deploy of ${HOST} is under way \\(.+@.+, process \\d+, since \\d{4}-\\d\\d-\\d\\dT[^)]+\\); nothing deployed\\. If none is .*docker config rm ${lock.replaceAll(".", "\\.")}$`,
      ),
    );
    // The refused one looked at no node and deployed nothing: its output has no check.
    expect(refused.stdout).toBe("");
    expect(await locks()).toBe("");
    // A lock another deploy left (killed outright): refused, naming its holder, until removed.
    const holder = path.join(scratch, "holder.json");
    writeFileSync(holder, '{"by":"bob@admin-2","pid":4242,"since":"2026-12-05T01:00:00.000Z"}\n');
    await manager("config", "create", "--label", `homedock.host=${HOST}`, "--label", "homedock.role=deploy-lock", lock, holder);
    const left = await homedock(["swarm", "deploy", "-c", config, "-o", stackFile], env());
    expect(left.status).toBe(4);
    expect(left.stderr).toContain(`another homedock swarm deploy of ${HOST} is under way (bob@admin-2, process 4242, since 2026-12-05T01:00:00.000Z)`);
    expect(await locks()).toBe(lock);
    await manager("config", "rm", lock);
    // Ctrl-C while it holds the lock: released, exit status 130.
    const stop = new AbortController();
    const interrupted = homedock(["swarm", "deploy", "-c", config, "-o", stackFile], { ...env(), interrupt: stop.signal });
    await eventually("the deploy holding its lock", async () => (await locks()) === lock);
    stop.abort();
    expect((await interrupted).status).toBe(130);
    expect(await locks()).toBe("");
    // A job whose creation was killed mid-call may be left (its id never came back to be removed).
    const jobs = (await manager("service", "ls", "-q", "--filter", `label=homedock.role=node-check`)).trim();
    if (jobs !== "") await manager("service", "rm", ...jobs.split("\n"));
    const after = await homedock(["swarm", "deploy", "-c", config, "-o", stackFile], env());
    expect(after.status).toBe(0);
    expect(await locks()).toBe("");
    expect(readFileSync(stackFile).equals(bytes)).toBe(true);
    expect(await tasks()).toEqual(first);
    homesKept();
  });

  it("loses a worker: its workspace is down, the others run on untouched; its user moved by a config change and a deploy finds every file", async () => {
    const first = await tasks();
    const carolBefore = snapshot(path.join(homeRoot(), "carol"), (rel) => rel.endsWith("/.homedock") || rel.includes("/.homedock/"));
    await rig.stop("node-3");
    await eventually("node-3 Down", async () => (await manager("node", "inspect", "-f", "{{.Status.State}}", "node-3")).trim() === "down", 60);
    // Swarm gives up carol's task; pinned, it has nowhere else to go
    await eventually("carol's workspace down", async () => (await tasks()).carol === undefined, 30);
    const others = await tasks();
    for (const u of ["alice", "bob", "dave"] as const) expect(others[u], u).toEqual(first[u]);
    // homedock status says whose workspace is down, and why; the others run
    const status = await homedock(["status", "-c", config, "--json"], env());
    expect(status.status).toBe(0);
    const rows = (JSON.parse(status.stdout) as { workspaces: { user: string; node: string; state: string; reason?: string }[] }).workspaces;
    expect(rows.map((w) => [w.user, w.node, w.state, w.reason ?? ""])).toEqual(
      USERS.map((u) => [u.name, nodeOf[u.name], ...(u.name === "carol" ? ["down", "its node node-3 is down"] : ["running", ""])]),
    );
    // a node that is down is refused: the deploy must not wait on it
    const refused = await homedock(["swarm", "deploy", "-c", config, "-o", stackFile], env());
    expect(refused.status).toBe(3);
    expect(refused.stderr.trim()).toBe("homedock swarm deploy: node-3: state down (node-3): expected ready; its workspaces cannot run there");
    // the move: node-3 out of the nodes, carol pinned to node-2
    writeConfig(["node-1", "node-2"], { carol: "node-2" });
    nodeOf.carol = "node-2";
    const r = await homedock(["swarm", "deploy", "-c", config, "-o", stackFile], env());
    expect(r.stderr).not.toMatch(/homedock swarm deploy:/);
    expect(r.status).toBe(0);
    const moved = await converged();
    expect(moved.carol.node).toBe("node-2");
    // no one else moved or restarted
    for (const u of ["alice", "bob", "dave"] as const) expect(moved[u], u).toEqual(first[u]);
    expect((await exec("carol", "cat", path.join(homeRoot(), "carol/notes.txt"))).stdout).toBe("carol's notes\n");
    expect(snapshot(path.join(homeRoot(), "carol"), (rel) => rel.endsWith("/.homedock") || rel.includes("/.homedock/"))).toEqual(carolBefore);
    homesKept();
  });
});
