// homedock swarm check without Docker: the nodes the manager lists, what a node's job
// printed, judged; and the whole check against a stand-in manager, recorded.
import { describe, expect, it } from "vitest";
import { buildModel } from "../../../src/model/model";
import type { ConfigInput } from "../../../src/config/schema";
import { judgeProbe, planNodeCheck } from "../../../src/swarm/baseline";
import { parseNodeInspect, type SwarmNodeState } from "../../../src/docker/swarm-nodes";
import { checkNodes, probeServiceArgs } from "../../../src/swarm/node-check";
import { type DockerAsync, HostUnreadableError } from "../../../src/docker/docker-cli";
import { BASELINE, jobOutput as output, STATUS_OK, standInManager as manager } from "../../helpers/swarm-manager";

const node = (label: string | undefined, extra: Partial<SwarmNodeState> = {}): SwarmNodeState => ({
  id: `id-${label ?? "x"}`,
  hostname: `host-${label ?? "x"}`,
  ...(label === undefined ? {} : { label }),
  state: "ready",
  availability: "active",
  ...extra,
});

describe("the nodes as the manager has them", () => {
  it("reads docker node inspect's id, hostname, homedock.node label, state and availability", () => {
    const json = JSON.stringify([
      {
        ID: "a1",
        Description: { Hostname: "m1" },
        Spec: { Labels: { "homedock.node": "node-1", other: "x" }, Availability: "active" },
        Status: { State: "ready" },
      },
      { ID: "b2", Description: { Hostname: "w2" }, Spec: { Labels: {}, Availability: "drain" }, Status: { State: "down" } },
    ]);
    expect(parseNodeInspect(json)).toEqual([
      { id: "a1", hostname: "m1", label: "node-1", state: "ready", availability: "active" },
      { id: "b2", hostname: "w2", state: "down", availability: "drain" },
    ]);
  });

  it("says the manager cannot be read when node inspect prints something else", () => {
    expect(() => parseNodeInspect("Error: no such node")).toThrow(HostUnreadableError);
    expect(() => parseNodeInspect("{}")).toThrow('docker node inspect: expected a JSON array, got "{}"');
  });

  it("probes each configured node found once, Ready and active; names every other one with what is wrong", () => {
    const nodes = [
      node("node-1"),
      node("node-2", { state: "down" }),
      node("node-3", { availability: "drain" }),
      node("twin"),
      node("twin", { id: "id-twin2", hostname: "host-twin2" }),
      node(undefined),
    ];
    const plan = planNodeCheck(["node-1", "node-2", "node-3", "node-4", "twin"], nodes);
    expect([...plan.probe.keys()]).toEqual(["node-1"]);
    expect(plan.probe.get("node-1")!.id).toBe("id-node-1");
    expect(plan.problems).toEqual([
      "node-2: state down (host-node-2): expected ready; its workspaces cannot run there",
      "node-3: availability drain (host-node-3): expected active (docker node update --availability active host-node-3)",
      "node-4: no node of the Swarm has the label homedock.node=node-4: expected one (on a manager: docker node update --label-add homedock.node=node-4 <node>)",
      "twin: the label homedock.node=twin is on 2 nodes (host-twin, host-twin2): expected one",
    ]);
  });
});

describe("a node's job, judged", () => {
  it("passes a node whose containers get NoNewPrivs 1 unasked and whose daemon.json has icc false", () => {
    expect(judgeProbe("node-2", { output: output(STATUS_OK, BASELINE) })).toEqual({
      problems: [],
      warnings: [],
      seen: 'NoNewPrivs 1, "icc": false in /etc/docker/daemon.json, no swap',
    });
  });

  it("refuses a node without no-new-privileges in effect, naming the node and the setting, whatever daemon.json says", () => {
    // daemon.json changed, dockerd not restarted: what the containers get is what counts
    const { problems } = judgeProbe("node-3", { output: output(STATUS_OK.replace("NoNewPrivs:\t1", "NoNewPrivs:\t0"), BASELINE) });
    expect(problems).toEqual([
      'node-3: no-new-privileges: got NoNewPrivs 0 in a task container; expected 1: "no-new-privileges": true in /etc/docker/daemon.json, then restart dockerd',
    ]);
  });

  it.each([
    ['{ "no-new-privileges": true }', "got no icc"],
    ['{ "no-new-privileges": true, "icc": true }', "got true"],
    ['{ "no-new-privileges": true, "icc": "false" }', 'got "false"'],
    ["[]", "got no icc"],
  ])("refuses daemon.json %s: icc %s", (daemon, got) => {
    const { problems } = judgeProbe("node-3", { output: output(STATUS_OK, daemon) });
    expect(problems).toEqual([
      `node-3: icc: ${got} in /etc/docker/daemon.json; expected "icc": false (without it, workspaces on this node reach each other's ports), then restart dockerd`,
    ]);
  });

  it("refuses a daemon.json that is not JSON, and one that does not exist (Swarm rejects the job's mount)", () => {
    expect(judgeProbe("n", { output: output(STATUS_OK, "{ icc: false") }).problems).toEqual([
      expect.stringMatching(/^n: \/etc\/docker\/daemon.json: not JSON \(.+\): expected an object with "icc": false$/),
    ]);
    const failed = 'task rejected: invalid mount config for type "bind": bind source path does not exist: /etc/docker/daemon.json';
    expect(judgeProbe("n", { failed }).problems).toEqual([
      'n: /etc/docker/daemon.json: does not exist: expected one with "no-new-privileges": true and "icc": false',
    ]);
  });

  it("refuses a node whose job failed or whose output was cut, saying so, never passing it", () => {
    expect(judgeProbe("n", { failed: "no result within 120 s (task preparing)" }).problems).toEqual([
      "n: the check could not run there: no result within 120 s (task preparing)",
    ]);
    const cut = output(STATUS_OK, BASELINE).replace("@@homedock end\n", "");
    expect(judgeProbe("n", { output: cut }).problems).toEqual([expect.stringMatching(/^n: the check's output was cut short: /)]);
    expect(judgeProbe("n", { output: "" }).problems).toHaveLength(1);
  });

  it("warns of swap, which a service cannot hold to its memory limit, without refusing", () => {
    const f = judgeProbe("n", { output: output(STATUS_OK, BASELINE, "MemTotal: 1 kB\nSwapTotal:     2097152 kB\n") });
    expect(f.problems).toEqual([]);
    expect(f.warnings).toEqual(["n: has 2.0 GiB of swap: a workspace may swap as much again as its memory limit (a service cannot hold swap to it)"]);
  });
});

describe("the job on a node", () => {
  it("is one task pinned by node id, never restarted, root without a capability, read-only, limited, seeing daemon.json alone and read-only", () => {
    const args = probeServiceArgs("homedock-check-ab-0", "lab", node("node-2"), "x/py:1");
    const flag = (name: string) => args.flatMap((a, i) => (a === name ? [args[i + 1]] : []));
    expect(flag("--mode")).toEqual(["replicated-job"]);
    expect(flag("--restart-condition")).toEqual(["none"]);
    expect(flag("--constraint")).toEqual(["node.id==id-node-2"]);
    expect(flag("--user")).toEqual(["0:0"]);
    expect(flag("--cap-drop")).toEqual(["ALL"]);
    expect(flag("--cap-add")).toEqual([]);
    expect(args).toContain("--read-only");
    expect(flag("--mount")).toEqual(["type=bind,source=/etc/docker/daemon.json,target=/homedock/daemon.json,readonly"]);
    expect(flag("--limit-memory")).toEqual(["64m"]);
    expect(flag("--limit-pids")).toEqual(["64"]);
    expect(flag("--limit-cpu")).toEqual(["0.5"]);
    expect(flag("--entrypoint")).toEqual(["/bin/sh"]);
    expect(args.slice(args.indexOf("x/py:1") + 1, args.indexOf("x/py:1") + 2)).toEqual(["-c"]);
    expect(args.at(-1)).toBe("node-baseline");
  });
});

function swarmModel(nodes = ["node-1", "node-2", "node-3"]) {
  const config: ConfigInput = {
    host: { name: "lab", createHomes: false },
    swarm: { nodes: nodes.map((name) => ({ name })) },
    environments: [{ name: "py", image: "x/py:1", command: ["sleep", "1"] }],
    users: [{ name: "alice", uid: 1001, gid: 1001 }],
  };
  return buildModel(config);
}

describe("the check against a manager", () => {
  it("refuses node-3 by name and setting, passes the others, and removes every job it made", async () => {
    const { docker, calls } = manager();
    const result = await checkNodes(swarmModel(), "x/py:1", docker);
    expect(result.ok).toEqual([
      'node-1 (h1): ready, NoNewPrivs 1, "icc": false in /etc/docker/daemon.json, no swap',
      'node-2 (h2): ready, NoNewPrivs 1, "icc": false in /etc/docker/daemon.json, no swap',
    ]);
    expect(result.problems).toEqual([
      expect.stringMatching(/^node-3: no-new-privileges: got NoNewPrivs 0/),
      expect.stringMatching(/^node-3: icc: got true in/),
    ]);
    const created = calls.filter((c) => c[0] === "service" && c[1] === "create").map((c) => c[c.indexOf("--constraint") + 1]);
    expect(created.sort()).toEqual(["node.id==n1", "node.id==n2", "node.id==n3"]);
    expect(calls.filter((c) => c[0] === "service" && c[1] === "rm").map((c) => c.slice(2).sort())).toEqual([["svc-n1", "svc-n2", "svc-n3"]]);
  });

  it("runs no job on a node the config does not name, nor on a configured node that is missing (said first, in config order)", async () => {
    const { docker, calls } = manager();
    const result = await checkNodes(swarmModel(["node-9", "node-1"]), "x/py:1", docker);
    expect(result.problems).toEqual([expect.stringMatching(/^node-9: no node of the Swarm has the label homedock.node=node-9/)]);
    expect(calls.filter((c) => c[1] === "create").map((c) => c[c.indexOf("--constraint") + 1])).toEqual(["node.id==n1"]);
  });

  it("says the manager cannot be read when docker node ls fails (a worker, or no Swarm)", async () => {
    const docker: DockerAsync = () => Promise.resolve({ status: 1, stdout: "", stderr: "Error response from daemon: This node is not a swarm manager." });
    await expect(checkNodes(swarmModel(), "x/py:1", docker)).rejects.toThrow(HostUnreadableError);
    await expect(checkNodes(swarmModel(), "x/py:1", docker)).rejects.toThrow(
      "docker node ls (on a Swarm manager) failed: Error response from daemon: This node is not a swarm manager.",
    );
  });
});
