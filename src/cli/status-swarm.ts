// `homedock status` on a Swarm: what each node's engine holds of its running workspaces
// (memory, CPU), read by a job of one task on each such node through the manager
// (src/swarm/node-usage.ts), parsed as on one host (src/workspaces/node-usage.ts).
import { randomBytes } from "node:crypto";
import type { HostModel } from "../model/model";
import type { DockerAsync } from "../docker/docker-cli";
import { runJobs, unfinished } from "../swarm/node-jobs";
import { usageJobArgs } from "../swarm/node-usage";
import { parseNodeUsage } from "../workspaces/node-usage";
import type { RunningTask } from "../workspaces/swarm-status";
import type { ContainerUsage, WorkspaceStatus } from "../workspaces/status";

/** How long status waits for the nodes' jobs: two samples a second apart, and the scheduling. */
export const USAGE_TIMEOUT_MS = 30_000;

/**
 * `rows` with the memory and CPU of each running workspace, read on its node; where a
 * node's job did not complete, its rows keep none and a warning names the node and why.
 * The job's image is the one the node check runs: `host.initImage`, else the first
 * environment's (never pulled).
 */
export async function withNodeUsage(
  model: HostModel,
  rows: readonly WorkspaceStatus[],
  running: readonly RunningTask[],
  docker: DockerAsync,
  timeoutMs = USAGE_TIMEOUT_MS,
): Promise<{ rows: WorkspaceStatus[]; warnings: string[] }> {
  const ids = new Map<string, string[]>();
  for (const t of running) ids.set(t.node, [...(ids.get(t.node) ?? []), t.containerId]);
  if (ids.size === 0) return { rows: [...rows], warnings: [] };
  const image = model.initImage ?? model.environments[0].image;
  const run = randomBytes(4).toString("hex");
  const jobs = new Map([...ids].map(([node, containers], i) => [node, usageJobArgs(`homedock-usage-${run}-${i}`, model.name, node, image, containers)]));
  const results = await runJobs(jobs, docker, timeoutMs, (state) => (state === "complete" ? "untilEnd" : "once"));
  const usage = new Map<string, ContainerUsage>();
  const warnings: string[] = [];
  for (const [node, job] of results) {
    let why: string;
    if (!job.created) why = `docker service create: ${job.error}`;
    else if (job.state === "complete") {
      try {
        for (const [id, u] of parseNodeUsage(job.output)) usage.set(id, u);
        continue;
      } catch (err) {
        why = job.logError ?? (err as Error).message;
      }
    } else why = unfinished(job, timeoutMs);
    warnings.push(`${node}: memory and CPU not read with ${image}: ${why}`);
  }
  const byService = new Map(running.map((t) => [t.service, usage.get(t.containerId)]));
  return {
    rows: rows.map((row) => {
      const u = byService.get(row.container);
      return u === undefined ? row : { ...row, memoryBytes: u.memoryBytes ?? null, cpuPercent: u.cpuPercent ?? null };
    }),
    warnings,
  };
}
