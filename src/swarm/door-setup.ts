// On a Swarm with a front door, before the stack is deployed: on each node, a job of one
// task (src/container/root/door-setup.sh) makes the host's socket tree below the front
// door's runtime root and each socket directory of the node's workspaces, as the home
// one-shot does on one host; Swarm never creates a missing bind source, and the node's
// proxy and workspaces bind them. Run by `homedock swarm deploy`, then removed.
import { randomBytes } from "node:crypto";
import type { HostModel } from "../model/model";
import { ROLE } from "../container/common";
import { doorSetupCommand, SETUP_RUNTIME_MOUNT } from "../container/swarm-door";
import { NODE_LABEL } from "../model/swarm";
import { bindMountArgs, type DockerAsync } from "../docker/docker-cli";
import { CHECK_TIMEOUT_MS, jobArgs, runJobs } from "./node-jobs";

/**
 * `docker service create` arguments of `node`'s setup job. The least it needs: root with
 * CAP_CHOWN alone (the socket directories are root's), a read-only root filesystem,
 * nothing of the node but the front door's runtime root, one task that is never
 * restarted, a one-shot's limits.
 */
export function doorSetupArgs(name: string, host: HostModel, node: string, image: string): string[] {
  const [entrypoint, ...args] = doorSetupCommand(host, node);
  return [
    ...jobArgs(name, host.name, ROLE.doorSetup, `node.labels.${NODE_LABEL}==${node}`, ["CAP_CHOWN"]),
    ...bindMountArgs(host.frontDoor!.runtimeRoot, SETUP_RUNTIME_MOUNT),
    "--entrypoint",
    entrypoint,
    image,
    ...args,
  ];
}

/** Why a node's job did not complete, in the admin's words. */
function problem(host: HostModel, node: string, state: string, err: string, log: string): string {
  const root = host.frontDoor!.runtimeRoot;
  if (/bind source path does not exist/.test(err)) {
    return `${node}: the front door's runtime root ${root} does not exist on the node: expected a directory of root's there (mkdir -m 0755 ${root} on ${node})`;
  }
  const said = log.trim().split("\n").pop() ?? "";
  return `${node}: the socket directories could not be made (task ${state || "not scheduled"}${err ? `: ${err}` : ""})${said ? `: ${said}` : ""}`;
}

/**
 * Runs every node's setup job through `docker` (a manager's API), side by side, and
 * removes them. One line per node whose job did not complete, naming the node; none: done.
 */
export async function setUpDoors(host: HostModel, image: string, docker: DockerAsync, timeoutMs = CHECK_TIMEOUT_MS): Promise<string[]> {
  const run = randomBytes(4).toString("hex");
  const jobs = new Map(host.swarm!.nodes.map((node, i) => [node, doorSetupArgs(`homedock-door-${run}-${i}`, host, node, image)]));
  const results = await runJobs(jobs, docker, timeoutMs, (state) => (state === "complete" ? "none" : "once"));
  const problems: string[] = [];
  for (const [node, job] of results) {
    if (!job.created) problems.push(`${node}: docker service create: ${job.error}`);
    else if (job.state !== "complete") problems.push(problem(host, node, job.state, job.err, job.output));
  }
  return problems;
}
