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
import { answered, bindMountArgs, type DockerAsync } from "../docker/docker-cli";
import { CHECK_TIMEOUT_MS, ENDED, jobArgs, waitForJobs } from "./node-check";

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
  const jobs = new Map<string, string>();
  const problems: string[] = [];
  try {
    for (const [i, node] of host.swarm!.nodes.entries()) {
      const r = await docker(doorSetupArgs(`homedock-door-${run}-${i}`, host, node, image));
      if (r.status === 0) jobs.set(node, r.stdout.trim());
      else problems.push(`${node}: docker service create: ${r.stderr.trim().split("\n").pop() ?? ""}`);
    }
    const ended = jobs.size === 0 ? new Map<string, { state: string; err: string }>() : await waitForJobs([...jobs.values()], docker, timeoutMs);
    for (const [node, id] of jobs) {
      const task = ended.get(id);
      if (task?.state === "complete") continue;
      const log =
        task !== undefined && ENDED.has(task.state) ? answered(await docker(["service", "logs", "--raw", "--no-trunc", id]), "docker service logs").stdout : "";
      problems.push(problem(host, node, task?.state ?? "", task?.err ?? "", log));
    }
  } finally {
    if (jobs.size > 0) await docker(["service", "rm", ...jobs.values()]);
  }
  return problems;
}
