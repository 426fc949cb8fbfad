// `homedock status` of a Swarm's workspaces, from what a manager says: each workspace's
// service found by its Docker name, its current task judged with its node's state (a
// node that is down makes its users' workspaces down, whatever the task last said), and
// the table with a NODE column; then the reads through a stand-in manager.
import { describe, expect, it } from "vitest";
import { buildModel } from "../../../src/model/model";
import type { DockerAsync, Ran } from "../../../src/docker/docker-cli";
import type { SwarmNodeState } from "../../../src/docker/swarm-nodes";
import { formatStatusTable } from "../../../src/workspaces/status";
import { parseTaskInspect, readSwarmWorkspaces, swarmWorkspaceStatus, type TaskFacts } from "../../../src/workspaces/swarm-status";
import { swarmCourseConfig } from "../../helpers/synth";

const model = buildModel(swarmCourseConfig());
const node = (label: string, state = "ready"): SwarmNodeState => ({ id: `id-${label}`, hostname: `h-${label}`, label, state, availability: "active" });
const NODES = [node("node-1"), node("node-2"), node("node-3")];
let tasksMade = 0;
/** A task; each made a second after the one before (createdMs), unless told. */
const task = (service: string, state: string, extra: Partial<TaskFacts> = {}): TaskFacts => ({
  id: `t${++tasksMade}`,
  service,
  nodeId: "n",
  desiredState: "running",
  state,
  timestamp: "2026-12-05T01:00:00.000000000Z",
  createdMs: Date.parse("2026-12-05T00:00:00Z") + 1000 * tasksMade,
  version: tasksMade,
  error: null,
  containerId: null,
  ...extra,
});
/** Every workspace's service, by its Docker name. */
const services = new Set(model.workspaces.map((ws) => `${model.name}_${ws.user.name}--${ws.environment.name}`));
const nameOf = (user: string, env: string) => `${model.name}_${user}--${env}`;

describe("the status of a Swarm's workspaces", () => {
  it("is one row per declared workspace, on its user's node, as its current task says", () => {
    const tasks = [...services.values()].map((id) => task(id, "running"));
    const rows = swarmWorkspaceStatus(model, NODES, services, tasks);
    expect(rows.map((r) => [r.user, r.environment, r.node, r.state])).toEqual(
      model.workspaces.map((ws) => [ws.user.name, ws.environment.name, ws.user.node, "running"]),
    );
    expect(rows.every((r) => r.since === "2026-12-05T01:00:00.000000000Z" && r.memoryBytes === null && r.cpuPercent === null)).toBe(true);
  });

  it("says down, and why, for the workspaces of a node that is down, though their task last said running; the others are untouched", () => {
    const tasks = [...services.values()].map((id) => task(id, "running"));
    const rows = swarmWorkspaceStatus(model, [node("node-1"), node("node-2"), node("node-3", "down")], services, tasks);
    for (const r of rows) {
      if (r.node === "node-3") expect([r.state, r.reason], r.user).toEqual(["down", "its node node-3 is down"]);
      else expect([r.state, r.reason], r.user).toEqual(["running", undefined]);
    }
    expect(rows.some((r) => r.node === "node-3")).toBe(true);
  });

  it("takes the newest task meant to run, by when it was made (not when it last changed state)", () => {
    const [ws] = model.workspaces;
    const id = nameOf(ws.user.name, ws.environment.name);
    const older = task(id, "running", { desiredState: "shutdown", timestamp: "2026-12-05T01:00:09Z" });
    // Made after the old one, though the old one changed state (stopped) later.
    const starting = task(id, "starting", { timestamp: "2026-12-05T01:00:01Z" });
    expect(swarmWorkspaceStatus(model, NODES, services, [older, starting])[0].state).toBe("starting");
    const running = task(id, "running", { timestamp: "2026-12-05T01:00:00.5Z" });
    expect(swarmWorkspaceStatus(model, NODES, services, [older, starting, running])[0]).toMatchObject({ state: "running", since: "2026-12-05T01:00:00.5Z" });
    expect(swarmWorkspaceStatus(model, NODES, services, [task(id, "shutdown", { desiredState: "shutdown" })])[0].state).toBe("stopped");
  });

  it("says a crash loop as down with its error: the failed task shut down, its replacement ready, waiting out the restart delay", () => {
    const [ws] = model.workspaces;
    const id = nameOf(ws.user.name, ws.environment.name);
    const failed = task(id, "rejected", {
      desiredState: "shutdown",
      error: 'invalid mount config for type "bind": bind source path does not exist: /srv/home/alice',
    });
    const next = task(id, "assigned", { desiredState: "ready" });
    expect(swarmWorkspaceStatus(model, NODES, services, [failed, next])[0]).toMatchObject({
      state: "down",
      reason: 'task rejected: invalid mount config for type "bind": bind source path does not exist: /srv/home/alice',
    });
    // Once one runs again, it is running.
    const again = swarmWorkspaceStatus(model, NODES, services, [failed, next, task(id, "running")])[0];
    expect([again.state, again.reason]).toEqual(["running", undefined]);
  });

  it("says down for a drained node, and for a node that is down though its service has no task; a service with none on a ready node is stopped", () => {
    const [ws] = model.workspaces;
    const id = nameOf(ws.user.name, ws.environment.name);
    const drained = NODES.map((n) => (n.label === ws.user.node ? { ...n, availability: "drain" } : n));
    const pending = task(id, "pending", { error: "no suitable node (scheduling constraints not satisfied on 3 nodes)" });
    expect(swarmWorkspaceStatus(model, drained, services, [pending])[0]).toMatchObject({ state: "down", reason: `its node ${ws.user.node} is drained` });
    const down = NODES.map((n) => (n.label === ws.user.node ? { ...n, state: "down" } : n));
    expect(swarmWorkspaceStatus(model, down, services, [])[0]).toMatchObject({ state: "down", reason: `its node ${ws.user.node} is down` });
    expect(swarmWorkspaceStatus(model, NODES, services, [])[0]).toMatchObject({ state: "stopped", reason: "no task (scaled to 0?)" });
    // Pending on a ready node: starting, with the scheduler's word.
    expect(swarmWorkspaceStatus(model, NODES, services, [pending])[0]).toMatchObject({ state: "starting", reason: pending.error });
  });

  it("says missing for a workspace without its service, and down for a node no node's label names", () => {
    const without = new Set([...services].slice(1));
    const rows = swarmWorkspaceStatus(
      model,
      NODES.slice(0, 2),
      without,
      [...without.values()].map((id) => task(id, "running")),
    );
    expect(rows[0].state).toBe("missing");
    const onNode3 = rows.filter((r) => r.node === "node-3" && r !== rows[0]);
    expect(onNode3.length).toBeGreaterThan(0);
    for (const r of onNode3) expect([r.state, r.reason]).toEqual(["down", "no node has the label of node-3"]);
  });

  it("prints a NODE column and the Swarm's states in the total", () => {
    const tasks = [...services.values()].map((id) => task(id, "running"));
    const rows = swarmWorkspaceStatus(model, [node("node-1"), node("node-2"), node("node-3", "down")], services, tasks);
    const table = formatStatusTable(model.name, rows, Date.parse("2026-12-05T01:05:00Z")).split("\n");
    expect(table[0]).toMatch(/^USER +ENVIRONMENT +NODE +STATE +SINCE +MEMORY/);
    const bob = table.find((l) => l.startsWith("bob "))!;
    expect(bob).toMatch(/ node-3 +down \(its node node-3 is down\) +2026-12-05 01:00Z \(5m ago\)/);
    const down = rows.filter((r) => r.state === "down").length;
    expect(table.at(-1)).toBe(`host ${model.name}: ${rows.length} workspaces: ${rows.length - down} running, 0 stopped, ${down} down, 0 missing`);
  });

  it("reads tasks from docker inspect's JSON, and refuses anything else", () => {
    const json = JSON.stringify([
      {
        ID: "t1",
        ServiceID: "s1",
        NodeID: "n1",
        DesiredState: "running",
        CreatedAt: "2026-12-05T00:58:00.123456789Z",
        Version: { Index: 42 },
        Status: { State: "running", Timestamp: "2026-12-05T01:00:00Z", Err: "", ContainerStatus: { ContainerID: "c1" } },
      },
      {
        ID: "t2",
        ServiceID: "s1",
        NodeID: "n1",
        DesiredState: "shutdown",
        Status: { State: "failed", Timestamp: "2026-12-05T00:59:00Z", Err: "no suitable node" },
      },
    ]);
    const serviceOf = new Map([
      ["t1", "lab_a--py"],
      ["t2", "lab_a--py"],
    ]);
    expect(parseTaskInspect(json, serviceOf)).toEqual([
      {
        id: "t1",
        service: "lab_a--py",
        nodeId: "n1",
        desiredState: "running",
        state: "running",
        timestamp: "2026-12-05T01:00:00Z",
        createdMs: Date.parse("2026-12-05T00:58:00.123Z"),
        version: 42,
        error: null,
        containerId: "c1",
      },
      {
        id: "t2",
        service: "lab_a--py",
        nodeId: "n1",
        desiredState: "shutdown",
        state: "failed",
        timestamp: "2026-12-05T00:59:00Z",
        createdMs: NaN,
        version: 0,
        error: "no suitable node",
        containerId: null,
      },
    ]);
    expect(() => parseTaskInspect("Error: No such object", serviceOf)).toThrow('docker inspect of tasks: expected a JSON array, got "Error: No such object"');
  });

  it("asks a manager for the nodes, the host's services (no other), their tasks, and judges them", async () => {
    const calls: string[] = [];
    const ok = (stdout: string): Ran => ({ status: 0, stdout, stderr: "" });
    const [alice] = model.workspaces;
    const aliceService = nameOf(alice.user.name, alice.environment.name);
    const docker: DockerAsync = (args) => {
      calls.push(args.join(" "));
      const call = args.join(" ");
      if (call === "node ls -q") return Promise.resolve(ok("id-node-1\nid-node-2\nid-node-3\n"));
      if (call === "node inspect id-node-1 id-node-2 id-node-3")
        return Promise.resolve(
          ok(
            JSON.stringify(
              NODES.map((n) => ({
                ID: n.id,
                Description: { Hostname: n.hostname },
                Spec: { Labels: { "homedock.node": n.label }, Availability: "active" },
                Status: { State: n.state },
              })),
            ),
          ),
        );
      // Only the host's services, by its label.
      if (call === `service ls --filter label=homedock.host=${model.name} --format {{.Name}}`) return Promise.resolve(ok(`${aliceService}\n`));
      // Every task of the service, its history too, each named <service>.<slot>.
      if (call === `service ps --no-trunc --format {{.ID}} {{.Name}} ${aliceService}`)
        return Promise.resolve(ok(`t1 ${aliceService}.1\nt0 ${aliceService}.1\n`));
      // t0 reaped since docker service ps: docker fails, and prints the others.
      if (call === "inspect --type task t1 t0")
        return Promise.resolve({
          status: 1,
          stdout: JSON.stringify([
            {
              ID: "t1",
              ServiceID: "full-id",
              DesiredState: "running",
              CreatedAt: "2026-12-05T00:59:00Z",
              Status: { State: "running", Timestamp: "2026-12-05T01:00:00Z", ContainerStatus: { ContainerID: "c-alice" } },
            },
          ]),
          stderr: "Error: No such task: t0\n",
        });
      return Promise.resolve({ status: 1, stdout: "", stderr: `unexpected: ${call}` });
    };
    const { rows, running } = await readSwarmWorkspaces(model, docker);
    expect(rows[0]).toMatchObject({ user: alice.user.name, state: "running", node: alice.user.node });
    expect(rows.slice(1).every((r) => r.state === "missing")).toBe(true);
    // The running task's container, on its node: what that node's job reads the memory and CPU of.
    expect(running).toEqual([{ service: aliceService, node: alice.user.node, containerId: "c-alice" }]);
    expect(calls).toHaveLength(5);
  });

  it("says a manager that does not answer as the Docker host unreadable", async () => {
    const docker: DockerAsync = () => Promise.resolve({ status: 1, stdout: "", stderr: "Error response from daemon: This node is not a swarm manager.\n" });
    await expect(readSwarmWorkspaces(model, docker)).rejects.toThrow(
      "docker node ls (on a Swarm manager) failed: Error response from daemon: This node is not a swarm manager.",
    );
  });
});
