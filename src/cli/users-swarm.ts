// `homedock users check` on a Swarm, through a manager (DOCKER_HOST, ssh:// included):
// the config's users against every node's accounts and homes, each node read by a job
// of one task (host-accounts.sh, as on one host: passwd, group and the homes' parents
// read-only, DAC_READ_SEARCH alone), then removed. Homes are on storage every node
// mounts, with the same uids everywhere: what differs on a node is found there.
import { randomBytes } from "node:crypto";
import type { HostModel } from "../model/model";
import { ROLE } from "../container/common";
import { type DockerAsync, HostUnreadableError } from "../docker/docker-cli";
import { readSwarmNodes, type SwarmNodeState } from "../docker/swarm-nodes";
import { planNodeCheck } from "../swarm/baseline";
import { CHECK_TIMEOUT_MS, ENDED, jobArgs, runJobs } from "../swarm/node-jobs";
import { compareWithHost, type Finding, type HostSnapshot } from "../users/check";
import { accountsProbeArgs, configHomes, homeParents, missingMount, parseSnapshot, scriptError } from "../users/host-snapshot";

/** What every node said: its snapshot, or one line naming it and why it could not be read. */
export interface NodesRead {
  readonly read: ReadonlyMap<string, HostSnapshot>;
  readonly problems: readonly string[];
}

/**
 * Reads every node of `model`'s swarm section with `image` (which each node must have:
 * nothing is pulled). A directory of homes missing on a node is read again without it
 * (its homes are then missing there).
 * @throws HostUnreadableError when the manager does not answer or cannot list nodes
 */
export async function readNodes(model: HostModel, image: string, docker: DockerAsync, timeoutMs = CHECK_TIMEOUT_MS): Promise<NodesRead> {
  const plan = planNodeCheck(model.swarm!.nodes, await readSwarmNodes(docker));
  const homes = configHomes(model);
  const mounts = new Map([...plan.probe.keys()].map((name) => [name, homeParents(homes)]));
  const read = new Map<string, HostSnapshot>();
  const problems = [...plan.problems];
  const run = randomBytes(4).toString("hex");
  let pending = new Map(plan.probe);
  // Each round takes one missing directory off a node's mounts: it ends.
  for (let round = 0; pending.size > 0; round++) {
    const jobs = new Map(
      [...pending].map(([name, node], i) => [
        name,
        [
          ...jobArgs(`homedock-users-${run}-${round}-${i}`, model.name, ROLE.usersCheck, `node.id==${node.id}`, ["CAP_DAC_READ_SEARCH"]),
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
      const why =
        scriptError(job.output) ??
        (ENDED.has(job.state) ? `task ${job.state}: ${job.err}` : `no result within ${timeoutMs / 1000} s (task ${job.state || "not scheduled"})`);
      problems.push(`${name}: the accounts and homes could not be read with ${image}: ${why}`);
    }
    pending = again;
  }
  return { read, problems };
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
