// The stack file: the same model and ContainerSpecs as the Compose file, for `docker
// stack deploy` on a Swarm (compose file format 3.9). Pure: model in, YAML text out.
import { type ContainerSpec, SEEDER_SCRIPT, secretKey, workspaceContainer } from "../container/container";
import { yamlScalar } from "../config/yaml-scalar";
import type { HostModel } from "../model/model";
import { placementConstraint, RESTART_CONDITION, swarmServiceName } from "../model/swarm";
import { literal, longBind, put, putContainer, renderServices, SEEDER_KEY } from "./compose";
import { providerCpus } from "./terraform";

/**
 * The network every workspace joins: each node's default bridge (docker0), not the
 * stack's default overlay, which would put every workspace of every node on one
 * network. On docker0, with "icc": false in each node's daemon.json (the node
 * baseline), no container reaches another's ports, on the same node or, docker0 being
 * each node's own, on another; each goes out through the node's NAT as on one host.
 * `docker stack deploy` takes it as it is: a predefined network is on every node.
 */
export const STACK_NETWORK = "bridge";

/**
 * A tmpfs's target, where it can be a service's mount of type tmpfs: the stack file's
 * `tmpfs` key is ignored by `docker stack deploy`, and a service's tmpfs mount takes no
 * options but a size and a mode. Only the options Docker gives such a mount anyway
 * (nosuid, nodev, and a tmpfs's own mode 1777) can be kept.
 */
export function serviceTmpfsTarget(target: string, options: string): string {
  if (options !== "rw,nosuid,nodev,mode=1777") throw new Error(`service: tmpfs ${target}: options ${options} cannot be said for a service`);
  return target;
}

function tmpfsMount(target: string, options: string): Record<string, unknown> {
  return { type: "tmpfs", target: literal(serviceTmpfsTarget(target, options)) };
}

/** One workspace's service, on its user's node. */
function stackService(spec: ContainerSpec, node: string, key: string): Record<string, unknown> {
  const s: Record<string, unknown> = {};
  // No container_name (Swarm names a service's containers), no group_add (the config
  // refuses supplementary gids on a Swarm), no restart or security_opt (ignored by
  // docker stack deploy: deploy.restart_policy and the node baseline say them).
  putContainer(s, spec, key);
  put(s, "volumes", [
    // Swarm never creates a missing bind source: a missing home fails its task, naming the path.
    ...spec.mounts.map((m) => {
      if (m.composeVolume !== undefined || m.createSource === true) throw new Error(`stack file: ${spec.name}: ${m.source} must exist before its container`);
      return longBind(m);
    }),
    ...Object.entries(spec.tmpfs).map(([target, options]) => tmpfsMount(target, options)),
  ]);
  put(s, "read_only", spec.readOnlyRoot || undefined);
  put(s, "init", spec.init);
  put(s, "cap_add", spec.capAdd.length > 0 ? [...spec.capAdd] : undefined);
  put(s, "cap_drop", [...spec.capDrop]);
  put(s, "networks", [STACK_NETWORK]);
  const limits: Record<string, unknown> = {};
  put(limits, "cpus", spec.nanoCpus === undefined ? undefined : providerCpus(spec.nanoCpus));
  // Memory alone: a service cannot hold swap to it (the node baseline does).
  put(limits, "memory", spec.memoryMiB === undefined ? undefined : `${spec.memoryMiB}m`);
  // The cgroup's pids limit, as in the Compose file (from file format 3.9).
  put(limits, "pids", spec.pidsLimit);
  s.deploy = {
    replicas: 1,
    labels: Object.fromEntries(Object.entries(spec.labels).map(([k, v]) => [k, literal(v)])),
    placement: { constraints: [placementConstraint(node)] },
    resources: { limits },
    restart_policy: { condition: RESTART_CONDITION[spec.restart] },
  };
  return s;
}

/** The stack file's services: one per workspace, by user, then environment, in config order. */
function* stackServices(host: HostModel): Generator<readonly [string, Record<string, unknown>]> {
  for (const ws of host.workspaces) {
    yield [swarmServiceName(ws.user.name, ws.environment.name), stackService(workspaceContainer(host, ws), ws.user.node!, secretKey(ws))];
  }
}

/** The file format: 3.9 is the first with a pids limit (deploy.resources.limits.pids). */
const VERSION = "3.9";

/** The one network, declared as the node's own: the stack creates none. */
const NETWORKS = { [STACK_NETWORK]: { external: true, name: STACK_NETWORK } };

/** The stack file as plain data: what `renderStack` writes. */
export function stackFile(host: HostModel): Record<string, unknown> {
  return {
    version: VERSION,
    ...(host.workspaces.length > 0 ? { [SEEDER_KEY]: literal(SEEDER_SCRIPT) } : {}),
    services: Object.fromEntries(stackServices(host)),
    networks: NETWORKS,
  };
}

/**
 * Renders a host with a swarm section as a stack file for `docker stack deploy`, whose
 * stack name must be the host's: one service per workspace, one replica on its user's
 * node (the node label homedock.node), with the same user, mounts, seeder, environment,
 * labels and limits as the workspace's container on one host. The same model gives the
 * same bytes.
 * @throws Error for a model without a swarm section
 */
export function renderStack(host: HostModel): string {
  if (host.swarm === undefined) throw new Error(`renderStack: host ${host.name} has no swarm section`);
  return renderServices(`version: ${yamlScalar(VERSION)}`, host.workspaces.length > 0, stackServices(host), (none) => ({
    ...(none ? { services: {} } : {}),
    networks: NETWORKS,
  }));
}
