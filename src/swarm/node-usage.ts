// The job `homedock status` runs on each Swarm node with running workspaces: their
// containers' memory and CPU counters, read from the node's cgroup file system
// (src/container/root/node-usage.sh), two samples a second apart.
import { ROLE, rootScript } from "../container/common";
import { NODE_LABEL } from "../model/swarm";
import { bindMountArgs } from "../docker/docker-cli";
import { jobArgs } from "./node-jobs";

const SCRIPT = rootScript("node-usage.sh");

/** Where the job sees the node's cgroup file system. */
const CGROUP_MOUNT = "/homedock/cgroup";

/**
 * `docker service create` arguments of the job that reads `containers` on `node`. The
 * least it needs: nobody (65534), no capability, a read-only root filesystem, nothing of
 * the node but its cgroup file system read-only (whose counters every user may read),
 * one task that is never restarted, the one-shots' limits.
 */
export function usageJobArgs(name: string, host: string, node: string, image: string, containers: readonly string[]): string[] {
  return [
    ...jobArgs(name, host, ROLE.nodeUsage, `node.labels.${NODE_LABEL}==${node}`, [], "65534:65534"),
    ...bindMountArgs("/sys/fs/cgroup", CGROUP_MOUNT, true),
    "--entrypoint",
    "/bin/sh",
    image,
    "-c",
    SCRIPT,
    "node-usage",
    CGROUP_MOUNT,
    "1",
    ...containers,
  ];
}
