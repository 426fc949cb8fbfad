// The job that makes the front door's socket directories on each Swarm node, against a
// stand-in manager: its arguments (the least it needs), every node's job removed after,
// and a node where it could not run named with what to do.
import { describe, expect, it } from "vitest";
import { servicePs } from "../../helpers/swarm-manager";
import type { DockerAsync, Ran } from "../../../src/docker/docker-cli";
import { buildModel } from "../../../src/model/model";
import { doorSetupArgs, setUpDoors } from "../../../src/swarm/door-setup";

const model = buildModel({
  host: { name: "lab", createHomes: false },
  frontDoor: { site: "lab.example.org" },
  swarm: { nodes: [{ name: "node-1" }, { name: "node-2" }, { name: "node-3" }] },
  environments: [{ name: "py", image: "lab/py:1", command: ["jupyter", "notebook"], jupyter: "notebook" }],
  users: [
    { name: "alice", uid: 3001, gid: 3001, node: "node-2" },
    { name: "bob", uid: 3002, gid: 3002, node: "node-3" },
  ],
});

/** A manager whose jobs complete, but node-3's, rejected for `err`; every call recorded. */
function manager(err: string): { docker: DockerAsync; calls: string[][] } {
  const calls: string[][] = [];
  const ok = (stdout: string): Ran => ({ status: 0, stdout, stderr: "" });
  const docker: DockerAsync = (args) => {
    calls.push([...args]);
    const [a, b] = args;
    if (a === "service" && b === "create") return Promise.resolve(ok(`job-${args[args.indexOf("--constraint") + 1].split("==")[1]}\n`));
    if (a === "service" && b === "ps") return Promise.resolve(servicePs(args));
    if (a === "inspect") {
      const tasks = args.slice(3).map((t) => {
        const id = t.slice("task-".length);
        return { ServiceID: id, Status: id === "job-node-3" ? { State: "rejected", Err: err } : { State: "complete", Message: "finished" } };
      });
      return Promise.resolve(ok(JSON.stringify(tasks)));
    }
    if (a === "service" && (b === "logs" || b === "rm")) return Promise.resolve(ok(""));
    return Promise.resolve({ status: 1, stdout: "", stderr: `unexpected: ${args.join(" ")}` });
  };
  return { docker, calls };
}

describe("the front door's setup job on each node", () => {
  it("runs as root with CAP_CHOWN alone, read-only, on its node, seeing nothing of it but the runtime root", () => {
    const args = doorSetupArgs("j", model, "node-2", "x/init:1");
    const flag = (name: string) => args.flatMap((a, i) => (a === name ? [args[i + 1]] : []));
    expect(flag("--constraint")).toEqual(["node.labels.homedock.node==node-2"]);
    expect([flag("--user"), flag("--cap-drop"), flag("--cap-add"), args.includes("--read-only")]).toEqual([["0:0"], ["ALL"], ["CAP_CHOWN"], true]);
    expect(flag("--mount")).toEqual(["type=bind,source=/var/lib/homedock,target=/homedock/runtime"]);
    expect([flag("--mode"), flag("--restart-condition"), flag("--limit-memory")]).toEqual([["replicated-job"], ["none"], ["64m"]]);
    // node-2's users only, after the host's tree.
    const rest = args.slice(args.indexOf("x/init:1") + 1);
    expect(rest.slice(2, 7)).toEqual(["homedock-door-setup", "/homedock/runtime", "lab", "alice", "--"]);
    expect(rest.slice(-7)).toEqual(["alice", "-", "-", "3001:3001", "/homedock/runtime/lab/alice", "1", "py"]);
  });

  it("binds a runtime root with a ',' or a '\"' as one source: a config cannot add a second source= that docker would take instead", () => {
    const hostile = buildModel({
      host: { name: "lab", createHomes: false },
      frontDoor: { site: "lab.example.org", runtimeRoot: '/srv/hd,source=/usr/x"y' },
      swarm: { nodes: [{ name: "node-1" }] },
      environments: [{ name: "py", image: "lab/py:1", command: ["jupyter", "notebook"], jupyter: "notebook" }],
      users: [{ name: "alice", uid: 3001, gid: 3001 }],
    });
    const args = doorSetupArgs("j", hostile, "node-1", "x/init:1");
    // docker reads --mount as one CSV record: a quoted field keeps its commas, "" is one quote.
    expect(args[args.indexOf("--mount") + 1]).toBe('type=bind,"source=/srv/hd,source=/usr/x""y",target=/homedock/runtime');
  });

  it("names a node without the runtime root, and what to do; removes every job", async () => {
    const { docker, calls } = manager('invalid mount config for type "bind": bind source path does not exist: /var/lib/homedock');
    expect(await setUpDoors(model, "x/init:1", docker, 5_000)).toEqual([
      "node-3: the front door's runtime root /var/lib/homedock does not exist on the node: expected a directory of root's there (mkdir -m 0755 /var/lib/homedock on node-3)",
    ]);
    expect(calls.filter((c) => c[1] === "rm")).toEqual([["service", "rm", "job-node-1", "job-node-2", "job-node-3"]]);
  });

  it("names a node whose job failed otherwise, with the task's error", async () => {
    const { docker } = manager("task: non-zero exit (1)");
    expect(await setUpDoors(model, "x/init:1", docker, 5_000)).toEqual([
      "node-3: the socket directories could not be made (task rejected: task: non-zero exit (1))",
    ]);
  });
});
