// `homedock users check` on a Swarm, through a manager (DOCKER_HOST, ssh:// included):
// the config's users against every node's accounts and homes, each node read by a job
// of one task (host-accounts.sh, as on one host: passwd, group and the homes' parents
// read-only, DAC_READ_SEARCH alone), then removed. Homes are on storage every node
// mounts, with the same uids everywhere: what differs on a node is found there.
import { randomBytes } from "node:crypto";
import type { HostModel } from "../model/model";
import { LABEL_HOST, LABEL_ROLE, ROLE } from "../container/common";
import { type DockerAsync, HostUnreadableError } from "../docker/docker-cli";
import { readSwarmNodes, type SwarmNodeState } from "../docker/swarm-nodes";
import { planNodeCheck } from "../swarm/baseline";
import { CHECK_TIMEOUT_MS, jobArgs, runJobs, unfinished } from "../swarm/node-jobs";
import { compareWithHost, type Finding, type HostSnapshot } from "../users/check";
import { accountsProbeArgs, configHomes, homeParents, missingMount, parseSnapshot, scriptError } from "../users/host-snapshot";

/** What every node said: its snapshot, or one line naming it and why it could not be read. */
export interface NodesRead {
  readonly read: ReadonlyMap<string, HostSnapshot>;
  readonly problems: readonly string[];
  /** What was left behind (a network Docker would not remove yet), to say. */
  readonly warnings: readonly string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `work` with an internal overlay of its own (no way out of the Swarm), for jobs
 * that see what they must not be able to send anywhere; removed after, retried while
 * the jobs' tasks still hold it, else named in `warnings`.
 * @throws HostUnreadableError when the manager does not make it
 */
async function withInternalNetwork<T>(host: string, name: string, docker: DockerAsync, warnings: string[], work: () => Promise<T>): Promise<T> {
  const made = await docker([
    "network",
    "create",
    "--driver",
    "overlay",
    "--internal",
    "--label",
    `${LABEL_HOST}=${host}`,
    "--label",
    `${LABEL_ROLE}=${ROLE.usersCheck}`,
    name,
  ]);
  if (made.status !== 0) throw new HostUnreadableError(`docker network create ${name}: ${made.error?.message ?? made.stderr.trim()}`);
  try {
    return await work();
  } finally {
    let last = "";
    for (let i = 0; i < 40; i++) {
      const r = await docker(["network", "rm", name]);
      last = r.status === 0 ? "" : (r.error?.message ?? r.stderr.trim());
      if (last === "") break;
      await sleep(250);
    }
    if (last !== "") warnings.push(`the check's network ${name} is left (${last}): docker network rm ${name}`);
  }
}

/**
 * Reads every node of `model`'s swarm section with `image`. Swarm's agent tries to pull
 * a task's image at its start where a registry has it (as for every service; the node's
 * own copy is used where none answers): name one pinned by digest to be sure what runs.
 * The jobs are on an internal overlay of their own. A directory of homes missing on a
 * node is read again without it (its homes are then missing there).
 * @throws HostUnreadableError when the manager does not answer or cannot list nodes
 */
export async function readNodes(model: HostModel, image: string, docker: DockerAsync, timeoutMs = CHECK_TIMEOUT_MS): Promise<NodesRead> {
  const plan = planNodeCheck(model.swarm!.nodes, await readSwarmNodes(docker));
  const homes = configHomes(model);
  const mounts = new Map([...plan.probe.keys()].map((name) => [name, homeParents(homes)]));
  const read = new Map<string, HostSnapshot>();
  const problems = [...plan.problems];
  const run = randomBytes(4).toString("hex");
  const network = `homedock-users-${run}`;
  const warnings: string[] = [];
  if (plan.probe.size > 0) await withInternalNetwork(model.name, network, docker, warnings, () => readRounds(new Map(plan.probe)));
  // In config order, whichever round read each.
  const ordered = new Map(model.swarm!.nodes.filter((n) => read.has(n)).map((n) => [n, read.get(n)!]));
  return { read: ordered, problems, warnings };

  async function readRounds(first: Map<string, SwarmNodeState>): Promise<void> {
    let pending = first;
    // Each round takes one missing directory off a node's mounts: it ends.
    for (let round = 0; pending.size > 0; round++) {
      const jobs = new Map(
        [...pending].map(([name, node], i) => [
          name,
          [
            ...jobArgs(`homedock-users-${run}-${round}-${i}`, model.name, ROLE.usersCheck, `node.id==${node.id}`, ["CAP_DAC_READ_SEARCH"]),
            // Root that can read every home: on a network with no way out (Swarm has no "none" for a service).
            "--network",
            network,
            ...accountsProbeArgs(image, mounts.get(name)!, homes),
          ],
        ]),
      );
      const results = await runJobs(jobs, docker, timeoutMs, (state) => (state === "complete" ? "untilEnd" : "once"));
      const again = new Map<string, SwarmNodeState>();
      for (const [name, job] of results) {
        if (!job.created) {
          problems.push(`${name}: docker service create: ${job.error}`);
          continue;
        }
        if (job.state === "complete") {
          // A log without its last line was cut: what it lacks would read as homes missing.
          if (!/^@@homedock end$/m.test(job.output)) {
            problems.push(`${name}: the job's output was cut before its end${job.logError === undefined ? "" : ` (${job.logError})`}`);
            continue;
          }
          try {
            read.set(name, parseSnapshot(job.output, name));
          } catch (err) {
            if (!(err instanceof HostUnreadableError)) throw err;
            problems.push(err.message);
          }
          continue;
        }
        const gone = missingMount(job.err, mounts.get(name)!);
        if (gone !== undefined) {
          mounts.set(
            name,
            mounts.get(name)!.filter((m) => m !== gone),
          );
          again.set(name, pending.get(name)!);
          continue;
        }
        const why = scriptError(job.output) ?? unfinished(job, timeoutMs);
        problems.push(`${name}: the accounts and homes could not be read with ${image}: ${why}`);
      }
      pending = again;
    }
  }
}

/** A finding of one node, said with its node. */
export interface NodeFinding extends Finding {
  readonly node: string;
}

/**
 * The config's users against each node read, in config order of the nodes. A user is
 * checked on every node (any node may become theirs by a move); on a node that is not
 * theirs, what would be an error is a warning, since no workspace of theirs runs there yet.
 */
export function compareWithNodes(model: HostModel, nodes: NodesRead): NodeFinding[] {
  const nodeOf = new Map(model.users.map((u) => [u.name, u.node]));
  return model.swarm!.nodes.flatMap((node) => {
    const snapshot = nodes.read.get(node);
    if (snapshot === undefined) return [];
    return compareWithHost(model, snapshot).map((f): NodeFinding => {
      const elsewhere = f.user !== undefined && nodeOf.get(f.user) !== node && f.severity === "error";
      return {
        ...f,
        node,
        severity: elsewhere ? "warning" : f.severity,
        message: `${node}: ${f.message}${elsewhere ? ` (not ${f.user}'s node: would be an error if ${f.user} moved here)` : ""}`,
      };
    });
  });
}
