// Maps a workspace's ContainerSpec, or a service of the front door across nodes, to
// docker_service arguments (provider 4.5.0): the Terraform rendering of a Swarm, beside
// the stack file's. Pure: spec in, arguments out.
import type { ServiceConfig, ServiceEndpointSpec, ServiceTaskSpecContainerSpecSecrets } from "@cdktf/provider-docker/lib/service";
import type { DoorService } from "../container/swarm-door";
import { type ContainerSpec, SEEDER_SCRIPT } from "../container/container";
import { placementConstraint, RESTART_CONDITION } from "../model/swarm";
import { serviceTmpfsTarget, swarmBind } from "./stack";
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
  const [shell, flag, script, ...rest] = spec.entrypoint;
  if (script !== SEEDER_SCRIPT) throw new Error(`${spec.name}: expected the seeder as entrypoint`);
  const env = Object.fromEntries(Object.entries(spec.env).map(([k, v]) => [k, literal(v)]));
  for (const s of spec.secrets) env[s] = secret(s);
  return serviceOf(
    spec,
    name,
    node,
    [shell, flag, `${processLimitPrefix(spec.pidsLimit)}${seeder ?? literal(SEEDER_SCRIPT)}`, ...rest.map(literal)],
    env,
    {},
    meta,
  );
}

/** A docker_secret of the front door's, as a service refers to it: Terraform expressions of its id and name. */
export interface SecretRef {
  readonly id: string;
  readonly name: string;
}

/**
 * docker_service arguments for a service of the front door across nodes (the entry
 * proxy, a node's proxy, the login's), from the same spec and secrets the stack file
 * has: one replica on `door.node`, found by name (endpoint mode dnsrr, no virtual IP),
 * its ports in host mode, each file a secret of root's, mode 0400, where the stack file
 * puts it. Its networks are set by an override (see doorNetworks): the bindings (3.6.2)
 * have only `name`, which provider 4.5.0 does not read back.
 */
export function doorServiceConfig(door: DoorService, name: string, secret: (file: string) => SecretRef, meta: ResourceMeta = {}): ServiceConfig {
  const { spec } = door;
  if (spec.secrets.length > 0 || spec.secretFiles.length > 0) throw new Error(`${spec.name}: a front door's service takes its files as Swarm secrets`);
  const env = Object.fromEntries(Object.entries(spec.env).map(([k, v]) => [k, literal(v)]));
  const secrets = door.secrets.map((f) => {
    const ref = secret(f.file);
    return { secretId: ref.id, secretName: ref.name, fileName: f.target, fileUid: "0", fileGid: "0", fileMode: 0o400 };
  });
  return serviceOf(
    spec,
    name,
    door.node,
    spec.entrypoint.map(literal),
    env,
    {
      secrets,
      endpointSpec: {
        mode: "dnsrr",
        // Host mode: published on the service's node alone, without the routing mesh.
        ports:
          spec.ports.length > 0
            ? spec.ports.map((p) => ({ targetPort: p.internal, publishedPort: p.external, protocol: "tcp", publishMode: "host" }))
            : undefined,
      },
    },
    meta,
  );
}

/**
 * A front door service's networks, as `task_spec.networks_advanced` (an override: see
 * doorServiceConfig): each by its docker_network's id, with the service's name in the
 * stack file as its alias there, as `docker stack deploy` gives it (the proxies reach
 * each other, and check each other's certificates, by that name).
 */
export function doorNetworks(door: DoorService, networkId: (name: string) => string): { readonly id: string; readonly aliases: string[] }[] {
  if (door.spec.network === undefined) throw new Error(`${door.spec.name}: a front door's service needs its networks`);
  return [door.spec.network, ...(door.spec.extraNetworks ?? [])].map((n) => ({ id: networkId(n), aliases: [door.service] }));
}

/** What a service of either kind has: its container spec, limits, restart and placement; `command` is the container's entrypoint. */
function serviceOf(
  spec: ContainerSpec,
  name: string,
  node: string,
  command: string[],
  env: Record<string, string>,
  door: { readonly secrets?: ServiceTaskSpecContainerSpecSecrets[]; readonly endpointSpec?: ServiceEndpointSpec },
  meta: ResourceMeta,
): ServiceConfig {
  const labels = Object.entries(spec.labels).map(([label, value]) => ({ label, value: literal(value) }));
  return {
    name,
    // On the service too: what names its user and environment (or its part of the front door), for `docker service ls`.
    labels,
    mode: { replicated: { replicas: 1 } },
    endpointSpec: door.endpointSpec,
    taskSpec: {
      containerSpec: {
        image: literal(spec.image),
        // A service's command is the container's entrypoint, its args the command.
        command,
        args: spec.command.map(literal),
        dir: literal(spec.workingDir),
        env,
        user: spec.user,
        groups: spec.groupAdd.length > 0 ? [...spec.groupAdd] : undefined,
        labels,
        mounts: [
          ...spec.mounts
            .map((m) => swarmBind(spec, m))
            .map((m) => ({ type: "bind", source: literal(m.source), target: literal(m.target), readOnly: m.readOnly })),
          // A named volume on the service's node, made there by Swarm (the entry proxy's data).
          ...spec.volumes.map((v) => ({ type: "volume", source: literal(v.name), target: literal(v.target), readOnly: v.readOnly })),
          ...Object.entries(spec.tmpfs).map(([target, options]) => ({ type: "tmpfs", target: literal(serviceTmpfsTarget(target, options)) })),
        ],
        readOnly: spec.readOnlyRoot || undefined,
        capAdd: spec.capAdd.length > 0 ? [...spec.capAdd] : undefined,
        capDrop: [...spec.capDrop],
        secrets: door.secrets,
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

/** A front door service's networks as an override of its arguments: see doorNetworks. */
export const SERVICE_NETWORKS = "task_spec.networks_advanced";
