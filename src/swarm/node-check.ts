// `homedock swarm check` through the Docker API of a manager (DOCKER_HOST, ssh://
// included): the nodes as the manager has them, then on each node the config names a
// job of one task that prints what that node's dockerd gives a container
// (node-baseline.sh), read back with `docker service logs`, then removed.
import { randomBytes } from "node:crypto";
import type { HostModel } from "../model/model";
import { ROLE } from "../container/container";
import { rootScript } from "../container/common";
import { type DockerAsync, dockerCliAsync } from "../docker/docker-cli";
import { readSwarmNodes, type SwarmNodeState } from "../docker/swarm-nodes";
import { judgeProbe, type NodeFindings, planNodeCheck, type ProbeResult } from "./baseline";
import { CHECK_TIMEOUT_MS, jobArgs, runJobs, unfinished } from "./node-jobs";

const SCRIPT = rootScript("node-baseline.sh");

/**
 * `docker service create` arguments of the job that reads `node`'s baseline. The least
 * it needs: root (to read a daemon.json of mode 0600, root's) without a single
 * capability, a read-only root filesystem, nothing of the node but daemon.json
 * (read-only; never /etc/docker, which holds the engine's key), one task that is never
 * restarted, the one-shots' limits. It can see its own processes, the node's
 * /proc/meminfo and that file; it is on the node's bridge as a workspace is (Swarm has no
 * network "none" for a service), and runs only the script given.
 */
export function probeServiceArgs(name: string, host: string, node: SwarmNodeState, image: string): string[] {
  return [
    ...jobArgs(name, host, ROLE.nodeCheck, `node.id==${node.id}`, []),
    "--mount",
    "type=bind,source=/etc/docker/daemon.json,target=/homedock/daemon.json,readonly",
    "--entrypoint",
    "/bin/sh",
    image,
    "-c",
    SCRIPT,
    "node-baseline",
  ];
}

/** What the check found on every node the config names, in config order. */
export interface NodeCheck {
  /** One line per problem, naming the node and the setting: the deploy is refused while there is one. */
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
  /** One line per node that has the baseline. */
  readonly ok: readonly string[];
  /** The image the jobs ran. */
  readonly image: string;
}

/**
 * Checks every node of `model`'s swarm section through `docker` (a manager's API).
 * @throws HostUnreadableError when the manager does not answer or cannot list nodes
 */
export async function checkNodes(model: HostModel, image: string, docker: DockerAsync = dockerCliAsync, timeoutMs = CHECK_TIMEOUT_MS): Promise<NodeCheck> {
  const configNodes = model.swarm?.nodes ?? [];
  const nodes = await readSwarmNodes(docker);
  const plan = planNodeCheck(configNodes, nodes);
  const run = randomBytes(4).toString("hex");
  const jobs = new Map([...plan.probe].map(([name, node], i) => [name, probeServiceArgs(`homedock-check-${run}-${i}`, model.name, node, image)]));
  const results = await runJobs(jobs, docker, timeoutMs, (state) => (state === "complete" ? "untilEnd" : "none"));
  const found = new Map<string, NodeFindings>();
  for (const [name, job] of results) {
    const result: ProbeResult = !job.created
      ? { failed: `docker service create: ${job.error}` }
      : job.state === "complete"
        ? job.logError === undefined
          ? { output: job.output }
          : { failed: job.logError }
        : {
            failed: unfinished(job, timeoutMs),
          };
    found.set(name, judgeProbe(name, result));
  }
  const problems = [...plan.problems];
  const warnings: string[] = [];
  const ok: string[] = [];
  for (const name of configNodes) {
    const f = found.get(name);
    if (f === undefined) continue;
    problems.push(...f.problems);
    warnings.push(...f.warnings);
    if (f.problems.length === 0) ok.push(`${name} (${plan.probe.get(name)!.hostname}): ready, ${f.seen}`);
  }
  // In config order: the plan's problems and the jobs' are of different nodes.
  const order = (line: string) => configNodes.findIndex((n) => line.startsWith(`${n}: `));
  problems.sort((a, b) => order(a) - order(b));
  return { problems, warnings, ok, image };
}
