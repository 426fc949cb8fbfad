// homedock status on a Swarm, the nodes' part, without Docker: a job per node with
// running workspaces (its containers named, nobody, the cgroup file system read-only),
// its log read back into each row's memory and CPU; a node whose job fails is named in
// a warning and its rows keep none. Every call recorded, every job removed.
import { describe, expect, it } from "vitest";
import { buildModel } from "../../../src/model/model";
import type { DockerAsync, Ran } from "../../../src/docker/docker-cli";
import { withNodeUsage } from "../../../src/cli/status-swarm";
import type { WorkspaceStatus } from "../../../src/workspaces/status";
import { swarmCourseConfig } from "../../helpers/synth";
import { servicePs } from "../../helpers/swarm-manager";

const model = buildModel({ ...swarmCourseConfig(), host: { ...swarmCourseConfig().host, initImage: "busybox:test" } });
const row = (user: string, node: string, state: WorkspaceStatus["state"] = "running"): WorkspaceStatus => ({
  user,
  environment: "python-course",
  container: `course_${user}--python-course`,
  node,
  state,
  dockerState: state,
  since: null,
  memoryBytes: null,
  memoryLimitBytes: null,
  cpuPercent: null,
  jupyter: true,
  lastActivity: null,
  kernels: null,
  jupyterError: null,
});

/** A node's log: the node's CPU time `ticks` then `ticks + 200` (2 CPUs, 1 s), each container at `mib` MiB and `cpuMs` of CPU between. */
const log = (containers: Record<string, { mib: number; cpuMs: number }>) =>
  [1000, 1200]
    .flatMap((ticks, i) => [
      "@@homedock sample",
      "@@homedock cpus 2",
      "@@homedock file /proc/stat",
      `cpu  ${ticks} 0 0 0 0 0 0`,
      ...Object.entries(containers).flatMap(([id, c]) => [
        `@@homedock container ${id} 2 /g/docker/${id}`,
        `@@homedock file /g/docker/${id}/memory.current`,
        String(c.mib * 2 ** 20),
        `@@homedock file /g/docker/${id}/memory.stat`,
        "inactive_file 0",
        `@@homedock file /g/docker/${id}/cpu.stat`,
        `usage_usec ${i * c.cpuMs * 1000}`,
      ]),
    ])
    .concat("@@homedock end", "")
    .join("\n");

function manager(logs: Record<string, string | undefined>) {
  const calls: string[][] = [];
  const jobs = new Map<string, { node: string; args: readonly string[] }>();
  const ok = (stdout: string): Ran => ({ status: 0, stdout, stderr: "" });
  const docker: DockerAsync = (args) => {
    calls.push([...args]);
    const [a, b] = args;
    if (a === "service" && b === "create") {
      const id = `job${jobs.size + 1}`;
      jobs.set(id, { node: args[args.indexOf("--constraint") + 1].split("==")[1], args });
      return Promise.resolve(ok(`${id}\n`));
    }
    if (a === "service" && b === "ps") return Promise.resolve(servicePs(args));
    if (a === "inspect") {
      const states = args.slice(3).map((t) => {
        const id = t.slice("task-".length);
        const out = logs[jobs.get(id)!.node];
        return { ServiceID: id, Status: out === undefined ? { State: "rejected", Err: "no such image" } : { State: "complete", Message: "finished" } };
      });
      return Promise.resolve(ok(JSON.stringify(states)));
    }
    if (a === "service" && b === "logs") return Promise.resolve(ok(logs[jobs.get(args.at(-1)!)!.node] ?? ""));
    if (a === "service" && b === "rm") return Promise.resolve(ok(""));
    return Promise.resolve({ status: 1, stdout: "", stderr: `unexpected: ${args.join(" ")}` });
  };
  return { docker, calls, jobs };
}

describe("homedock status on a Swarm: each node's part", () => {
  it("runs one job per node with running workspaces, as nobody with the cgroups read-only, and puts its figures in their rows", async () => {
    const rows = [row("alice", "node-1"), row("carol", "node-1"), row("bob", "node-3"), row("dave", "node-2", "stopped")];
    const running = [
      { service: "course_alice--python-course", node: "node-1", containerId: "ca" },
      { service: "course_carol--python-course", node: "node-1", containerId: "cc" },
      { service: "course_bob--python-course", node: "node-3", containerId: "cb" },
    ];
    const m = manager({ "node-1": log({ ca: { mib: 70, cpuMs: 500 }, cc: { mib: 64, cpuMs: 0 } }), "node-3": log({ cb: { mib: 100, cpuMs: 2000 } }) });
    const { rows: after, warnings } = await withNodeUsage(model, rows, running, m.docker, 5_000);
    expect(warnings).toEqual([]);
    expect(after.map((r) => [r.user, r.memoryBytes, r.cpuPercent])).toEqual([
      ["alice", 70 * 2 ** 20, 50],
      ["carol", 64 * 2 ** 20, 0],
      ["bob", 100 * 2 ** 20, 200],
      ["dave", null, null],
    ]);
    const jobs = [...m.jobs.values()];
    expect(jobs.map((j) => [j.node, j.args.slice(-3)])).toEqual([
      ["node-1", ["1", "ca", "cc"]],
      ["node-3", ["/homedock/cgroup", "1", "cb"]],
    ]);
    const args = jobs[0].args;
    expect(args.slice(args.indexOf("--user"), args.indexOf("--user") + 2)).toEqual(["--user", "65534:65534"]);
    expect(args.filter((a) => a.startsWith("type=bind"))).toEqual(["type=bind,source=/sys/fs/cgroup,target=/homedock/cgroup,readonly"]);
    expect(args).not.toContain("--cap-add");
    expect(m.calls.filter((c) => c[1] === "rm")).toEqual([["service", "rm", "job1", "job2"]]);
  });

  it("names a node whose job failed, and leaves its rows without figures", async () => {
    const rows = [row("alice", "node-1"), row("bob", "node-3")];
    const running = [
      { service: "course_alice--python-course", node: "node-1", containerId: "ca" },
      { service: "course_bob--python-course", node: "node-3", containerId: "cb" },
    ];
    const m = manager({ "node-1": log({ ca: { mib: 70, cpuMs: 0 } }), "node-3": undefined });
    const { rows: after, warnings } = await withNodeUsage(model, rows, running, m.docker, 5_000);
    expect(warnings).toEqual(["node-3: memory and CPU not read with busybox:test: task rejected: no such image"]);
    expect(after.map((r) => [r.user, r.memoryBytes])).toEqual([
      ["alice", 70 * 2 ** 20],
      ["bob", null],
    ]);
  });

  it("runs no job where nothing runs", async () => {
    const m = manager({});
    expect(await withNodeUsage(model, [row("alice", "node-1", "stopped")], [], m.docker)).toEqual({ rows: [row("alice", "node-1", "stopped")], warnings: [] });
    expect(m.calls).toEqual([]);
  });
});
