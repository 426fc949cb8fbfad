// `homedock swarm check` through the Docker API of a manager (DOCKER_HOST, ssh://
// included): the nodes as the manager has them, then on each node the config names a
// job of one task that prints what that node's dockerd gives a container
// (node-baseline.sh), read back with `docker service logs`, then removed.
import { randomBytes } from "node:crypto";
import type { HostModel } from "../model/model";
import { LABEL_HOST, LABEL_ROLE, ROLE } from "../container/container";
import { ONE_SHOT_LIMITS, rootScript } from "../container/common";
import { answered, type DockerAsync, dockerCliAsync } from "../docker/docker-cli";
import { readSwarmNodes, type SwarmNodeState } from "../docker/swarm-nodes";
import { judgeProbe, type NodeFindings, planNodeCheck, type ProbeResult } from "./baseline";

const SCRIPT = rootScript("node-baseline.sh");

/** The limits every one-shot homedock runs has, as `docker service create` says them. */
const LIMIT_FLAGS = {
  "--limit-memory": `${ONE_SHOT_LIMITS.memoryMiB}m`,
  "--limit-cpu": String(ONE_SHOT_LIMITS.nanoCpus / 1e9),
  "--limit-pids": String(ONE_SHOT_LIMITS.pidsLimit),
};

/** How long a node's job may take, an image pull included. */
export const CHECK_TIMEOUT_MS = 120_000;

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

/**
 * The start of `docker service create` for a job of one task of homedock's on one node
 * (`constraint`), before its mounts and command: labelled with its role and host, never
 * restarted, root with a read-only root filesystem and no capability but `capAdd`, the
 * one-shots' limits.
 */
export function jobArgs(name: string, host: string, role: string, constraint: string, capAdd: readonly string[]): string[] {
  return [
    "service",
    "create",
    "--detach",
    "--quiet",
    "--no-resolve-image",
    "--name",
    name,
    "--label",
    `${LABEL_ROLE}=${role}`,
    "--label",
    `${LABEL_HOST}=${host}`,
    "--container-label",
    `${LABEL_ROLE}=${role}`,
    "--mode",
    "replicated-job",
    "--restart-condition",
    "none",
    "--constraint",
    constraint,
    "--read-only",
    "--user",
    "0:0",
    "--cap-drop",
    "ALL",
    ...capAdd.flatMap((cap) => ["--cap-add", cap]),
    // The one-shots' limits.
    ...Object.entries(LIMIT_FLAGS).flatMap(([flag, value]) => [flag, value]),
  ];
}

/** A task's end: complete, or the states a task that will not run again ends in. */
export const ENDED = new Set(["complete", "failed", "rejected", "shutdown", "orphaned", "remove"]);

interface TaskState {
  readonly ServiceID: string;
  readonly Status?: { readonly State?: string; readonly Err?: string; readonly Message?: string };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for each job's task to end; by service id, its state and error. */
export async function waitForJobs(ids: readonly string[], docker: DockerAsync, timeoutMs: number): Promise<Map<string, { state: string; err: string }>> {
  const until = Date.now() + timeoutMs;
  let last = new Map<string, { state: string; err: string }>();
  for (;;) {
    const tasks = answered(await docker(["service", "ps", "-q", "--no-trunc", ...ids]), "docker service ps")
      .stdout.split("\n")
      .filter((t) => t !== "");
    if (tasks.length > 0) {
      const states = JSON.parse(answered(await docker(["inspect", "--type", "task", ...tasks]), "docker inspect").stdout) as TaskState[];
      last = new Map(states.map((t) => [t.ServiceID, { state: t.Status?.State ?? "", err: t.Status?.Err ?? t.Status?.Message ?? "" }]));
    }
    if (ids.every((id) => ENDED.has(last.get(id)?.state ?? ""))) return last;
    if (Date.now() > until) return last;
    await sleep(500);
  }
}

/** The output of a job that completed; retried a moment while its last line has not arrived. */
async function jobOutput(id: string, docker: DockerAsync): Promise<string> {
  let output = "";
  for (let i = 0; i < 10; i++) {
    output = answered(await docker(["service", "logs", "--raw", "--no-trunc", id]), "docker service logs").stdout;
    if (/^@@homedock end$/m.test(output)) break;
    await sleep(300);
  }
  return output;
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
  const found = new Map<string, NodeFindings>();
  const run = randomBytes(4).toString("hex");
  const services = new Map<string, string>();
  try {
    // One job per node, side by side.
    await Promise.all(
      [...plan.probe].map(async ([name, node], i) => {
        const r = await docker(probeServiceArgs(`homedock-check-${run}-${i}`, model.name, node, image));
        if (r.status === 0) services.set(name, r.stdout.trim());
        else found.set(name, judgeProbe(name, { failed: `docker service create: ${r.stderr.trim().split("\n").pop() ?? ""}` }));
      }),
    );
    const ended = services.size === 0 ? new Map<string, { state: string; err: string }>() : await waitForJobs([...services.values()], docker, timeoutMs);
    await Promise.all(
      [...services].map(async ([name, id]) => {
        const task = ended.get(id);
        const result: ProbeResult =
          task?.state === "complete"
            ? { output: await jobOutput(id, docker) }
            : {
                failed:
                  task === undefined || !ENDED.has(task.state)
                    ? `no result within ${timeoutMs / 1000} s (task ${task?.state || "not scheduled"})`
                    : `task ${task.state}: ${task.err}`,
              };
        found.set(name, judgeProbe(name, result));
      }),
    );
  } finally {
    if (services.size > 0) await docker(["service", "rm", ...services.values()]);
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
