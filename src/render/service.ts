// Maps a workspace's ContainerSpec to docker_service arguments (provider 4.5.0): the
// Terraform rendering of a Swarm, beside the stack file's. Pure: spec in, arguments out.
import type { ServiceConfig } from "@cdktf/provider-docker/lib/service";
import { type ContainerSpec, SEEDER_SCRIPT } from "../container/container";
import { placementConstraint, RESTART_CONDITION } from "../model/swarm";
import { serviceTmpfsTarget } from "./stack";
import { literal, type ResourceMeta } from "./terraform";

/**
 * What a service's restart policy says beside its condition: `docker stack deploy`'s
 * own (Swarm's defaults: 5 s between restarts, no window, no limit on attempts).
 * Written out, since the provider reads back what Docker holds and an unset field
 * would then differ from it.
 */
export const SERVICE_RESTART = { delay: "5s", window: "0s", maxAttempts: 0 } as const;

/**
 * The shell's process limit, RLIMIT_NPROC, before the seeder: provider 4.5.0 has no
 * pids limit for a service. RLIMIT_NPROC counts the processes of the workspace's uid
 * on its node (a user's workspaces on one node share it), and the kernel never holds
 * root to it, which is why a root workspace is refused on a Swarm's Terraform path.
 * `-u` in bash and busybox, `-p` in dash; a shell that can set neither does not start
 * the server.
 */
export function processLimitPrefix(pidsLimit: number): string {
  return `ulimit -u ${pidsLimit} 2>/dev/null || ulimit -p ${pidsLimit} || exit 125\n`;
}

/** Terraform expressions that stand in for parts of a workspace's service. */
export interface ServiceExpressions {
  /** The expression of each of the spec's secrets (never its value). */
  readonly secret: (name: string) => string;
  /** The seeder script, where the plan holds one shared copy of it. */
  readonly seeder?: string;
}

/**
 * docker_service arguments for a workspace's spec: service `name`, one replica on
 * `node` (its node label), `image` as the config names it (each node has or pulls it).
 * No network: a service given none is on its node's default bridge, as the stack
 * file's external `bridge` says. `init` is not in the bindings (3.6.2): see
 * SERVICE_INIT.
 */
export function serviceConfig(spec: ContainerSpec, name: string, node: string, expressions: ServiceExpressions, meta: ResourceMeta = {}): ServiceConfig {
  const { secret, seeder } = expressions;
  if (spec.pidsLimit === undefined) throw new Error(`${spec.name}: a workspace's service needs a process limit`);
  if (/^0(:|$)/.test(spec.user)) throw new Error(`${spec.name}: runs as root, whom RLIMIT_NPROC does not hold`);
  if (spec.secretFiles.length > 0 || spec.volumes.length > 0 || spec.ports.length > 0) {
    throw new Error(`${spec.name}: secret files, volumes and ports cannot be said for a workspace's service`);
  }
  const labels = Object.entries(spec.labels).map(([label, value]) => ({ label, value: literal(value) }));
  const [shell, flag, script, ...rest] = spec.entrypoint;
  if (script !== SEEDER_SCRIPT) throw new Error(`${spec.name}: expected the seeder as entrypoint`);
  return {
    name,
    // On the service too: what names its user and environment, for `docker service ls`.
    labels,
    mode: { replicated: { replicas: 1 } },
    taskSpec: {
      containerSpec: {
        image: literal(spec.image),
        // A service's command is the container's entrypoint, its args the command.
        command: [shell, flag, `${processLimitPrefix(spec.pidsLimit)}${seeder ?? literal(SEEDER_SCRIPT)}`, ...rest.map(literal)],
        args: spec.command.map(literal),
        dir: literal(spec.workingDir),
        env: {
          ...Object.fromEntries(Object.entries(spec.env).map(([k, v]) => [k, literal(v)])),
          ...Object.fromEntries(spec.secrets.map((s) => [s, secret(s)])),
        },
        user: spec.user,
        groups: spec.groupAdd.length > 0 ? [...spec.groupAdd] : undefined,
        labels,
        mounts: [
          // Swarm never creates a missing bind source: a missing home fails its task, naming the path.
          ...spec.mounts.map((m) => {
            if (m.composeVolume !== undefined || m.createSource === true) throw new Error(`${spec.name}: ${m.source} must exist before its service`);
            return { type: "bind", source: literal(m.source), target: literal(m.target), readOnly: m.readOnly };
          }),
          ...Object.entries(spec.tmpfs).map(([target, options]) => ({ type: "tmpfs", target: literal(serviceTmpfsTarget(target, options)) })),
        ],
        readOnly: spec.readOnlyRoot || undefined,
        capAdd: spec.capAdd.length > 0 ? [...spec.capAdd] : undefined,
        capDrop: [...spec.capDrop],
      },
      resources: {
        limits: {
          nanoCpus: spec.nanoCpus,
          // Memory alone: a service cannot hold swap to it (the node baseline does).
          memoryBytes: spec.memoryMiB === undefined ? undefined : spec.memoryMiB * 1024 * 1024,
        },
      },
      restartPolicy: { condition: RESTART_CONDITION[spec.restart], ...SERVICE_RESTART },
      placement: { constraints: [placementConstraint(node)] },
    },
    dependsOn: meta.dependsOn,
    lifecycle: meta.lifecycle,
    provider: meta.provider,
  };
}

/**
 * `init` as an override of the service's arguments: the bindings (3.6.2) do not have
 * it; provider 4.5.0 does, and sends it to any engine of API 1.37 or later.
 */
export const SERVICE_INIT = "task_spec.container_spec.init";
