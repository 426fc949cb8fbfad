// homedock users check on a Swarm without Docker: a stand-in manager of three nodes,
// each job's log as host-accounts.sh prints it on that node; what is read, retried,
// judged per node and removed, every call recorded.
import { describe, expect, it } from "vitest";
import { buildModel } from "../../../src/model/model";
import type { DockerAsync, Ran } from "../../../src/docker/docker-cli";
import { compareWithNodes, readNodes } from "../../../src/cli/users-swarm";
import { swarmCourseConfig } from "../../helpers/synth";
import { servicePs, threeNodes } from "../../helpers/swarm-manager";

const model = buildModel({ ...swarmCourseConfig(), host: { ...swarmCourseConfig().host, initImage: "busybox:test" } });
const PASSWD = [
  "root:x:0:0:root:/root:/bin/sh",
  "alice:x:1001:1001::/home/alice:/bin/sh",
  "bob:x:1002:1002::/home/bob:/bin/sh",
  "carol:x:1003:1003::/srv/home/carol:/bin/sh",
].join("\n");
const GROUP = "alice:x:1001:\nbob:x:1002:\ncarol:x:1003:\nstats:x:2000:alice\n";
const HOMES = ["/home/alice\t1001 1001 directory", "/home/bob\t1002 1002 directory", "/srv/home/carol\t1003 1003 directory"];

/** What host-accounts.sh prints. */
const accounts = (passwd: string, homes: readonly string[], group = GROUP) =>
  `@@homedock passwd\n${passwd}\n\n@@homedock group\n${group}\n\n@@homedock homes\n${homes.join("\n")}\n@@homedock end\n`;

interface NodeSays {
  /** The job's log, where it completes. */
  readonly output?: string;
  /** Where it fails: the task's error while `/srv/home` is mounted (a directory the node lacks). */
  readonly lacks?: string;
  /** Never scheduled. */
  readonly stuck?: boolean;
  /** docker service logs fails for its job. */
  readonly logsFail?: boolean;
}

/** A manager of node-1..3 (ids n1..n3), n3 down where told; each node's job says what `says` gives. */
function manager(says: Record<string, NodeSays>, node3Down = false) {
  const calls: string[][] = [];
  const jobs = new Map<string, { node: string; args: readonly string[] }>();
  const ok = (stdout: string): Ran => ({ status: 0, stdout, stderr: "" });
  const state = (id: string) => {
    const { node, args } = jobs.get(id)!;
    const s = says[node];
    if (s.stuck) return { State: "pending" };
    const lacked = s.lacks !== undefined && args.some((a) => a.includes(`source=${s.lacks},`));
    return lacked
      ? { State: "rejected", Err: `invalid mount config for type "bind": bind source path does not exist: ${s.lacks}` }
      : s.output === undefined
        ? { State: "failed", Err: "task: non-zero exit (3)", Message: "started" }
        : // As Docker says a job that ran to its end: no error, "finished".
          { State: "complete", Message: "finished" };
  };
  const docker: DockerAsync = (args) => {
    calls.push([...args]);
    const [a, b] = args;
    if (a === "node" && b === "ls") return Promise.resolve(ok("n1\nn2\nn3\n"));
    if (a === "node" && b === "inspect") return Promise.resolve(threeNodes(node3Down ? [3] : []));
    if (a === "service" && b === "create") {
      const id = `job${jobs.size + 1}`;
      const node = `node-${args[args.indexOf("--constraint") + 1].slice("node.id==n".length)}`;
      jobs.set(id, { node, args });
      return Promise.resolve(ok(`${id}\n`));
    }
    if (a === "service" && b === "ps") return Promise.resolve(servicePs(args));
    if (a === "inspect") return Promise.resolve(ok(JSON.stringify(args.slice(3).map((t) => ({ ServiceID: t.slice(5), Status: state(t.slice(5)) })))));
    if (a === "service" && b === "logs") {
      const s = says[jobs.get(args.at(-1)!)!.node];
      if (s.logsFail)
        return Promise.resolve({ status: 1, stdout: "", stderr: "Error response from daemon: configured logging driver does not support reading\n" });
      return Promise.resolve(ok(s.output ?? "@@homedock error: the image has no stat or cat\n"));
    }
    if (a === "service" && b === "rm") return Promise.resolve(ok(""));
    if (a === "network" && (b === "create" || b === "rm")) return Promise.resolve(ok(`${args.at(-1)}\n`));
    return Promise.resolve({ status: 1, stdout: "", stderr: `unexpected: ${args.join(" ")}` });
  };
  return { docker, calls, jobs };
}

const messages = (fs: readonly { severity: string; message: string }[]) => fs.map((f) => `${f.severity}: ${f.message}`);

describe("homedock users check on a Swarm", () => {
  it("reads every node with a job that sees passwd, group and the homes' parents read-only, DAC_READ_SEARCH alone, and removes them", async () => {
    const m = manager({
      "node-1": { output: accounts(PASSWD, HOMES) },
      "node-2": { output: accounts(PASSWD, HOMES) },
      "node-3": { output: accounts(PASSWD, HOMES) },
    });
    const nodes = await readNodes(model, "busybox:test", m.docker, 5_000);
    expect([[...nodes.read.keys()], nodes.problems]).toEqual([["node-1", "node-2", "node-3"], []]);
    expect(compareWithNodes(model, nodes).filter((f) => f.severity === "error")).toEqual([]);
    const job = [...m.jobs.values()][0].args;
    expect(job.slice(0, 2)).toEqual(["service", "create"]);
    for (const flag of ["--read-only", "--no-resolve-image"]) expect(job).toContain(flag);
    expect(job.slice(job.indexOf("--cap-drop"), job.indexOf("--cap-drop") + 4)).toEqual(["--cap-drop", "ALL", "--cap-add", "CAP_DAC_READ_SEARCH"]);
    expect(job.filter((a) => a.startsWith("type=bind"))).toEqual([
      "type=bind,source=/etc/passwd,target=/homedock/etc/passwd,readonly",
      "type=bind,source=/etc/group,target=/homedock/etc/group,readonly",
      "type=bind,source=/home,target=/homedock/root/home,readonly",
      "type=bind,source=/srv/home,target=/homedock/root/srv/home,readonly",
    ]);
    expect(job.slice(job.indexOf("busybox:test"), job.indexOf("busybox:test") + 2)).toEqual(["busybox:test", "-c"]);
    expect(job.slice(-3)).toEqual(["/home/alice", "/home/bob", "/srv/home/carol"]);
    expect(m.calls.filter((c) => c[0] === "service" && c[1] === "rm").flat()).toEqual(["service", "rm", "job1", "job2", "job3"]);
    // Root that can read every home, on an internal overlay of its own (no way out), made first and removed last.
    const network = job[job.indexOf("--network") + 1];
    expect(network).toMatch(/^homedock-users-[0-9a-f]{8}$/);
    const create = m.calls[2];
    expect([create.slice(0, 2), create.at(-1), create.includes("--internal"), create[create.indexOf("--driver") + 1]]).toEqual([
      ["network", "create"],
      network,
      true,
      "overlay",
    ]);
    expect(create.filter((_, k) => create[k - 1] === "--label")).toEqual(["homedock.host=course", "homedock.role=users-check"]);
    expect(m.calls.at(-1)).toEqual(["network", "rm", network]);
    expect(nodes.warnings).toEqual([]);
  });

  it("names each finding's node; on a node that is not the user's, an error is a warning until the user moves there", async () => {
    const bobDiffers = PASSWD.replace("bob:x:1002:1002", "bob:x:2002:2002");
    const m = manager({
      "node-1": { output: accounts(bobDiffers, HOMES) },
      "node-2": { output: accounts(PASSWD, HOMES) },
      "node-3": { output: accounts(bobDiffers, HOMES) },
    });
    const found = compareWithNodes(model, await readNodes(model, "busybox:test", m.docker, 5_000));
    expect(messages(found.filter((f) => f.user === "bob"))).toEqual([
      "warning: node-1: bob: uid 1002 in the config, 2002 on the host (not bob's node: would be an error if bob moved here)",
      "warning: node-1: bob: gid 1002 in the config, 2002 on the host (not bob's node: would be an error if bob moved here)",
      "error: node-3: bob: uid 1002 in the config, 2002 on the host",
      "error: node-3: bob: gid 1002 in the config, 2002 on the host",
    ]);
    expect(found.filter((f) => f.user === "bob").map((f) => f.node)).toEqual(["node-1", "node-1", "node-3", "node-3"]);
  });

  it("reads a node again without a directory of homes it lacks, whose homes are then missing there", async () => {
    const m = manager({
      "node-1": { output: accounts(PASSWD, HOMES) },
      "node-2": { lacks: "/srv/home", output: accounts(PASSWD, [...HOMES.slice(0, 2), "/srv/home/carol\tmissing"]) },
      "node-3": { output: accounts(PASSWD, HOMES) },
    });
    const nodes = await readNodes(model, "busybox:test", m.docker, 5_000);
    expect(nodes.problems).toEqual([]);
    const node2 = [...m.jobs.values()].filter((j) => j.node === "node-2").map((j) => j.args.filter((a) => a.includes("source=/srv/home")).length);
    expect(node2).toEqual([1, 0]);
    expect(messages(compareWithNodes(model, nodes).filter((f) => f.node === "node-2" && f.kind === "home-missing"))).toEqual([
      "warning: node-2: carol: home /srv/home/carol does not exist on the host (createHomes is false: the deploy fails)",
    ]);
  });

  it("says which node could not be read, and why, and reads the others", async () => {
    const m = manager({ "node-1": { stuck: true }, "node-2": {}, "node-3": { output: accounts(PASSWD, HOMES) } }, true);
    const nodes = await readNodes(model, "busybox:test", m.docker, 1_000);
    expect([...nodes.read.keys()]).toEqual([]);
    expect(nodes.problems).toEqual([
      "node-3: state down (h3): expected ready; its workspaces cannot run there",
      "node-1: the accounts and homes could not be read with busybox:test: no result within 1 s (task pending)",
      "node-2: the accounts and homes could not be read with busybox:test: the image has no stat or cat",
    ]);
    expect(m.calls.filter((c) => c[0] === "service" && c[1] === "rm")).toEqual([["service", "rm", "job1", "job2"]]);
  });

  it("takes a log cut before its end for a node not read, never for homes missing; and one node's log Docker cannot give for that node's alone", async () => {
    const cut = accounts(PASSWD, HOMES).replace(/\/srv\/home\/carol\t1003 1003 directory\n@@homedock end\n$/, "/srv/home/ca");
    const m = manager({
      "node-1": { output: cut },
      "node-2": { output: accounts(PASSWD, HOMES), logsFail: true },
      "node-3": { output: accounts(PASSWD, HOMES) },
    });
    const nodes = await readNodes(model, "busybox:test", m.docker, 5_000);
    expect([...nodes.read.keys()]).toEqual(["node-3"]);
    expect(nodes.problems).toEqual([
      "node-1: the job's output was cut before its end",
      "node-2: the job's output was cut before its end (docker service logs: Error response from daemon: configured logging driver does not support reading)",
    ]);
    expect(compareWithNodes(model, nodes).filter((f) => f.kind === "home-missing")).toEqual([]);
    expect(m.calls.filter((c) => c[0] === "service" && c[1] === "rm")).toEqual([["service", "rm", "job1", "job2", "job3"]]);
  });
});
