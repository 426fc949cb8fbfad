// The test Swarm itself (scripts/swarm-rig.sh), before anything of homedock runs on it:
// three nodes with their labels, the shared homes seen alike from the host and a node,
// a stack file of format 3.9 with a pids limit, an overlay across nodes, the node
// baseline in daemon.json reaching task containers, a node without it, a worker lost.
import { chownSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { busyboxImage, docker, eventually, requireDocker, scenarioRoot, uniqueName } from "../helpers/docker";
import { SWARM_NODES, swarmRig, type SwarmNode, type SwarmRig, type SwarmWorker } from "../helpers/swarm";

const JUPYTER = "homedock-test/jupyter:current";
// busybox httpd answers "pong" on 8080; nc's output says whether a client reached it.
const SERVE = "mkdir -p /tmp/w && echo pong > /tmp/w/index.html && exec httpd -f -p 8080 -h /tmp/w";

let rig: SwarmRig;
let probe: string;
let scratch: string;

const manager = (...args: string[]) => rig.docker("node-1", ...args);

/** Creates a one-replica service pinned to `node` and waits until its task runs. */
async function service(name: string, node: SwarmNode, args: string[], command: string): Promise<void> {
  await manager(
    "service",
    "create",
    "--detach=false",
    "--quiet",
    "--name",
    name,
    "--constraint",
    `node.labels.homedock.node==${node}`,
    ...args,
    probe,
    "sh",
    "-c",
    command,
  );
}

/** The container of a service's running task on `node`. */
async function taskContainer(node: SwarmNode, service: string): Promise<string> {
  const ids = (await rig.docker(node, "ps", "-q", "--filter", `label=com.docker.swarm.service.name=${service}`)).trim().split("\n");
  expect(ids).toHaveLength(1);
  return ids[0];
}

/** The networks a container is on, with its address on each. */
async function networks(node: SwarmNode, container: string): Promise<Record<string, string>> {
  const json = await rig.docker(node, "inspect", "-f", "{{json .NetworkSettings.Networks}}", container);
  return Object.fromEntries(Object.entries(JSON.parse(json) as Record<string, { IPAddress: string }>).map(([k, v]) => [k, v.IPAddress]));
}

/** What `from` (a container on `node`) gets from http://address:8080/: "pong", or nc's complaint. */
async function fetchFrom(node: SwarmNode, from: string, address: string): Promise<string> {
  const r = await rig.dockerStatus(node, "exec", from, "sh", "-c", `printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${address} 8080 | tail -n 1`);
  return r.stdout.trim() || r.stderr.trim();
}

/** A server and a client task on `node`'s default bridge (no network named): what the client gets from the server. */
async function neighbours(node: SwarmWorker, prefix: string): Promise<{ noNewPrivs: string; reply: string; own: string }> {
  await service(`${prefix}-server`, node, ["--user", "2001:2001"], SERVE);
  await service(`${prefix}-client`, node, ["--user", "2002:2002"], "exec sleep 600");
  const server = await taskContainer(node, `${prefix}-server`);
  const client = await taskContainer(node, `${prefix}-client`);
  const serverNets = await networks(node, server);
  expect(Object.keys(serverNets)).toEqual(["bridge"]);
  expect(Object.keys(await networks(node, client))).toEqual(["bridge"]);
  const status = await rig.docker(node, "exec", client, "cat", "/proc/self/status");
  return {
    noNewPrivs: /^NoNewPrivs:\s*(\d)/m.exec(status)?.[1] ?? "",
    reply: await fetchFrom(node, client, serverNets.bridge),
    // the server answers itself: it listens, whatever the client gets
    own: await fetchFrom(node, server, "127.0.0.1"),
  };
}

beforeAll(async () => {
  requireDocker();
  if ((await docker("image", "ls", "-q", JUPYTER)).trim() === "") throw new Error(`${JUPYTER} is missing: run scripts/test-host.sh (as root), which builds it`);
  probe = busyboxImage("swarm-probe", { "welcome.txt": "hello from the image\n" });
  scratch = scenarioRoot("swarm-rig");
  rig = swarmRig(uniqueName("homedock-swarm-"));
  await rig.up([probe, JUPYTER]);
}, 900_000);

afterAll(async () => {
  if (rig) await rig.down();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}, 300_000);

describe("the test swarm", () => {
  it("has three Ready nodes, node-1 the leader, each labelled homedock.node with its name", async () => {
    const nodes = (await manager("node", "ls", "--format", "{{.Hostname}} {{.Status}} {{.ManagerStatus}}"))
      .trim()
      .split("\n")
      .map((line) => line.trimEnd())
      .sort();
    expect(nodes).toEqual(["node-1 Ready Leader", "node-2 Ready", "node-3 Ready"]);
    for (const node of SWARM_NODES) {
      expect(JSON.parse(await manager("node", "inspect", "-f", "{{json .Spec.Labels}}", node))).toEqual({ "homedock.node": node });
      expect((await rig.docker(node, "version", "-f", "{{.Server.Version}} {{.Server.APIVersion}}")).trim()).toBe("20.10.24+dfsg1 1.41");
    }
  });

  it("carries the images into every node, the same image there as here", async () => {
    for (const image of [probe, JUPYTER]) {
      const id = (await docker("image", "inspect", "-f", "{{.Id}}", image)).trim();
      for (const node of SWARM_NODES) expect((await rig.docker(node, "image", "inspect", "-f", "{{.Id}}", image)).trim()).toBe(id);
    }
  });

  it("runs a service pinned to node-2 there, as its uid, on the homes the host sees", async () => {
    const home = path.join(rig.homes, "alice");
    mkdirSync(home);
    chownSync(home, 2001, 2001);
    writeFileSync(path.join(home, "from-host.txt"), "written on the host\n");
    await service(
      "pinned",
      "node-2",
      ["--user", "2001:2001", "--mount", `type=bind,source=${home},target=${home}`],
      `cp ${home}/from-host.txt ${home}/seen.txt && id -u > ${home}/from-task.txt && exec sleep 600`,
    );
    expect((await manager("service", "ps", "--filter", "desired-state=running", "--format", "{{.Node}}", "pinned")).trim()).toBe("node-2");
    expect((await rig.docker("node-2", "exec", await taskContainer("node-2", "pinned"), "id", "-u")).trim()).toBe("2001");
    await eventually("the task's files in the shared home", async () => statSync(path.join(home, "from-task.txt"), { throwIfNoEntry: false })?.size === 5);
    expect(readFileSync(path.join(home, "seen.txt"), "utf8")).toBe("written on the host\n");
    expect(readFileSync(path.join(home, "from-task.txt"), "utf8")).toBe("2001\n");
    for (const file of ["seen.txt", "from-task.txt"]) expect(statSync(path.join(home, file))).toMatchObject({ uid: 2001, gid: 2001 });
    await manager("service", "rm", "pinned");
  });

  it("deploys a stack file of format 3.9 with a pids limit, and a second deploy changes no task", async () => {
    const file = path.join(scratch, "stack.yml");
    writeFileSync(
      file,
      [
        'version: "3.9"',
        "services:",
        "  app:",
        `    image: ${probe}`,
        '    command: ["sleep", "600"]',
        '    user: "2001:2001"',
        "    deploy:",
        "      replicas: 2",
        "      placement:",
        '        constraints: ["node.labels.homedock.node==node-3"]',
        "      resources:",
        "        limits: { pids: 64, memory: 64M }",
        "",
      ].join("\n"),
    );
    await manager("stack", "deploy", "-c", file, "rigstack");
    const running = async () =>
      (await manager("stack", "ps", "rigstack", "--filter", "desired-state=running", "--format", "{{.ID}} {{.Node}} {{.CurrentState}}"))
        .trim()
        .split("\n")
        .sort();
    await eventually("the stack's two tasks running on node-3", async () => (await running()).filter((t) => / node-3 Running /.test(t)).length === 2, 60);
    const tasks = (await running()).map((t) => t.split(" ")[0]);
    const ids = (await rig.docker("node-3", "ps", "-q", "--filter", "label=com.docker.stack.namespace=rigstack")).trim().split("\n");
    expect(ids).toHaveLength(2);
    for (const id of ids) {
      expect((await rig.docker("node-3", "exec", id, "cat", "/sys/fs/cgroup/pids/pids.max")).trim()).toBe("64");
      expect((await rig.docker("node-3", "exec", id, "id", "-u")).trim()).toBe("2001");
    }
    await manager("stack", "deploy", "-c", file, "rigstack");
    await new Promise((r) => setTimeout(r, 3000));
    expect((await running()).map((t) => t.split(" ")[0])).toEqual(tasks);
    // docker stack rm does not wait for the tasks to stop, and the stack's network cannot
    // go while one that is stopping still holds it ("in use by task"): again until all is gone.
    await eventually("the stack removed, its network with it", async () => (await rig.dockerStatus("node-1", "stack", "rm", "rigstack")).status === 0);
  });

  it("carries an overlay network across nodes (by DNS round robin: this kernel may lack IPVS for a virtual IP)", async () => {
    await manager("network", "create", "--driver", "overlay", "rigoverlay");
    const overlay = ["--network", "rigoverlay", "--endpoint-mode", "dnsrr"];
    await service("far-server", "node-2", [...overlay, "--user", "2001:2001"], SERVE);
    await service("far-client", "node-3", [...overlay, "--user", "2002:2002"], "exec sleep 600");
    expect(await fetchFrom("node-3", await taskContainer("node-3", "far-client"), "far-server")).toBe("pong");
    await manager("service", "rm", "far-server", "far-client");
    await eventually("the overlay free of tasks", async () => (await rig.dockerStatus("node-1", "network", "rm", "rigoverlay")).status === 0);
  });

  it("with the node baseline, a task gets no-new-privileges unasked and cannot reach its neighbour on the bridge", async () => {
    const { noNewPrivs, reply, own } = await neighbours("node-2", "base");
    expect(noNewPrivs).toBe("1");
    expect(own).toBe("pong");
    expect(reply).toBe("nc: timed out");
    await manager("service", "rm", "base-server", "base-client");
  });

  it("starts a node without the baseline: there tasks lack no-new-privileges and reach each other", async () => {
    await rig.baseline("node-3", false);
    try {
      expect(JSON.parse(await rig.docker("node-3", "network", "inspect", "-f", "{{json .Options}}", "bridge"))).toMatchObject({
        "com.docker.network.bridge.enable_icc": "true",
      });
      const { noNewPrivs, reply, own } = await neighbours("node-3", "bare");
      expect(noNewPrivs).toBe("0");
      expect(own).toBe("pong");
      expect(reply).toBe("pong");
      await manager("service", "rm", "bare-server", "bare-client");
    } finally {
      await rig.baseline("node-3", true);
    }
    expect(JSON.parse(await rig.docker("node-3", "network", "inspect", "-f", "{{json .Options}}", "bridge"))).toMatchObject({
      "com.docker.network.bridge.enable_icc": "false",
    });
  });

  it("marks a killed worker Down within a minute, and Ready again once started", async () => {
    const state = async () => (await manager("node", "inspect", "-f", "{{.Status.State}}", "node-3")).trim();
    expect(await state()).toBe("ready");
    const killed = Date.now();
    await rig.stop("node-3");
    await eventually("node-3 Down", async () => (await state()) === "down", 60);
    const seconds = (Date.now() - killed) / 1000;
    expect(seconds).toBeLessThan(60);
    await rig.start("node-3");
    expect(await state()).toBe("ready");
  });
});
