// The stack file: the same model and ContainerSpecs as the Compose file, for `docker
// stack deploy` on a Swarm (compose file format 3.9). Pure: model in, YAML text out.
import { createHash } from "node:crypto";
import { type ContainerSpec, LABEL_HOST, SEEDER_SCRIPT, secretKey, workspaceContainer } from "../container/container";
import { doorNetworks, doorServices, type SecretFile } from "../container/swarm-door";
import { LOGIN_FILES } from "../container/login";
import { yamlScalar } from "../config/yaml-scalar";
import { WORKSPACE_RUNTIME_DIR } from "../model/front-door";
import type { HostModel } from "../model/model";
import { placementConstraint, RESTART_CONDITION, swarmServiceName } from "../model/swarm";
import { CADDYFILE_DIR } from "./secret-paths";
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

/**
 * A service's mounts in the order `docker service update` leaves them: by source, then
 * target, bytewise (docker/cli's byMountSource; a tmpfs has no source). The docker CLI
 * sorts a service's mounts so on every update, `--force` included (homedock restart, or
 * an admin's by hand); in any other order the next stack deploy would differ from the
 * service's spec, and restart its task.
 */
function swarmMountOrder(mounts: readonly { source: string; target: string; entry: Record<string, unknown> }[]): Record<string, unknown>[] {
  const bytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
  return [...mounts].sort((a, b) => (a.source === b.source ? bytes(a.target, b.target) : bytes(a.source, b.source))).map((m) => m.entry);
}

/**
 * `m`, a bind of a service on a Swarm, which never creates a missing bind source (a
 * missing home fails its task, naming the path). A workspace's socket directory is made
 * by its node's setup job (src/swarm/door-setup.ts) before the services are deployed.
 * @throws Error for a bind whose source would have to be made with its container
 */
export function swarmBind<M extends ContainerSpec["mounts"][number]>(spec: ContainerSpec, m: M): M {
  const made = m.target === WORKSPACE_RUNTIME_DIR && m.createSource !== true;
  if ((m.composeVolume !== undefined && !made) || m.createSource === true) throw new Error(`${spec.name}: ${m.source} must exist before its service`);
  return m;
}

/** What a front door's service has that a workspace's does not. */
interface DoorParts {
  /** Its files as Swarm secrets, by the name the stack file declares each under. */
  readonly secrets: readonly SecretFile[];
}

/** One service on its node: a workspace's (its secrets' `key`), or the front door's (`door`). */
function stackService(spec: ContainerSpec, node: string, key: string | undefined, door?: DoorParts): Record<string, unknown> {
  const s: Record<string, unknown> = {};
  // No container_name (Swarm names a service's containers), no group_add (the config
  // refuses supplementary gids on a Swarm), no restart or security_opt (ignored by
  // docker stack deploy: deploy.restart_policy and the node baseline say them).
  putContainer(s, spec, key);
  for (const m of spec.mounts) swarmBind(spec, m);
  put(
    s,
    "volumes",
    swarmMountOrder([
      ...spec.mounts.map((m) => ({ source: m.source, target: m.target, entry: longBind(m) })),
      ...spec.volumes.map((v) => ({ source: v.name, target: v.target, entry: { type: "volume", source: v.name, target: v.target, read_only: v.readOnly } })),
      ...Object.entries(spec.tmpfs).map(([target, options]) => ({ source: "", target, entry: tmpfsMount(target, options) })),
    ]),
  );
  // Host mode: published on the service's node alone, without the routing mesh (which
  // needs IPVS, and would answer on every node).
  put(s, "ports", spec.ports.length > 0 ? spec.ports.map((p) => ({ target: p.internal, published: p.external, protocol: "tcp", mode: "host" })) : undefined);
  put(s, "secrets", door === undefined ? undefined : door.secrets.map((f) => ({ source: f.file, target: f.target, mode: 0o400 })));
  put(s, "read_only", spec.readOnlyRoot || undefined);
  put(s, "init", spec.init);
  put(s, "cap_add", spec.capAdd.length > 0 ? [...spec.capAdd] : undefined);
  put(s, "cap_drop", [...spec.capDrop]);
  put(s, "networks", spec.network === undefined || door === undefined ? [STACK_NETWORK] : [spec.network, ...(spec.extraNetworks ?? [])]);
  const limits: Record<string, unknown> = {};
  put(limits, "cpus", spec.nanoCpus === undefined ? undefined : providerCpus(spec.nanoCpus));
  // Memory alone: a service cannot hold swap to it (the node baseline does).
  put(limits, "memory", spec.memoryMiB === undefined ? undefined : `${spec.memoryMiB}m`);
  // The cgroup's pids limit, as in the Compose file (from file format 3.9).
  put(limits, "pids", spec.pidsLimit);
  s.deploy = {
    // By name, without a virtual IP: the nodes' kernels need not have IPVS, and a front
    // door's service is one task.
    ...(door === undefined ? {} : { endpoint_mode: "dnsrr" }),
    replicas: 1,
    labels: Object.fromEntries(Object.entries(spec.labels).map(([k, v]) => [k, literal(v)])),
    placement: { constraints: [placementConstraint(node)] },
    resources: { limits },
    restart_policy: { condition: RESTART_CONDITION[spec.restart] },
  };
  return s;
}

/** The stack file's services: one per workspace, by user, then environment, in config order; then the front door's. */
function* stackServices(host: HostModel): Generator<readonly [string, Record<string, unknown>]> {
  for (const ws of host.workspaces) {
    yield [swarmServiceName(ws.user.name, ws.environment.name), stackService(workspaceContainer(host, ws), ws.user.node!, secretKey(ws))];
  }
  if (host.frontDoor === undefined) return;
  for (const d of doorServices(host)) yield [d.service, stackService(d.spec, d.node, undefined, { secrets: d.secrets })];
}

/**
 * A Swarm secret's name: the host's, then a hash of the file's name and content, then
 * the file's name. A secret cannot change: a changed file is a new secret, which rolls
 * only the services that read it. The hash is keyed with `key`, a random secret of the
 * host's (the session cookie's): the names are in the stack file, which is reviewed, and
 * an unkeyed hash of a weak OpenID Connect client secret could be searched for.
 */
export function secretName(host: string, file: string, content: string, key: string): string {
  const hash = createHash("sha256").update(`${file}\0${key}\0${content}`).digest("hex").slice(0, 16);
  // At most 64 characters, ending in a letter or digit, as Swarm wants them.
  return `${host}-${hash}-${file}`.slice(0, 64).replace(/[^A-Za-z0-9]+$/, "");
}

/** The front door's networks, files and volume in the stack file: what follows the services. */
function doorTail(host: HostModel, files: Readonly<Record<string, string>>): Record<string, unknown> {
  if (host.frontDoor === undefined) return {};
  const used = [...new Set(doorServices(host).flatMap((d) => d.secrets.map((f) => f.file)))].sort();
  const given = (file: string) => {
    const content = files[file];
    if (content === undefined) throw new Error(`renderStack: the front door's file ${file} was not given`);
    return content;
  };
  const key = given(LOGIN_FILES.cookieSecret);
  const secrets: Record<string, unknown> = {};
  for (const file of used) secrets[file] = { file: `./${CADDYFILE_DIR}/${file}`, name: secretName(host.name, file, given(file), key) };
  const data = doorServices(host)[0].spec.volumes[0].name;
  return { secrets, volumes: { [data]: { name: data } } };
}

/** The networks: each node's bridge for the workspaces, and the front door's overlays. */
function networks(host: HostModel): Record<string, unknown> {
  if (host.frontDoor === undefined) return NETWORKS;
  return {
    ...NETWORKS,
    ...Object.fromEntries(
      doorNetworks(host).map((n) => [
        n.name,
        { name: n.name, driver: "overlay", ...(n.internal ? { internal: true } : {}), labels: { [LABEL_HOST]: host.name } },
      ]),
    ),
  };
}

/** The file format: 3.9 is the first with a pids limit (deploy.resources.limits.pids). */
const VERSION = "3.9";

/** The one network, declared as the node's own: the stack creates none. */
const NETWORKS = { [STACK_NETWORK]: { external: true, name: STACK_NETWORK } };

/** The stack file as plain data: what `renderStack` writes. */
export function stackFile(host: HostModel, files: Readonly<Record<string, string>> = {}): Record<string, unknown> {
  return {
    version: VERSION,
    ...(host.workspaces.length > 0 ? { [SEEDER_KEY]: literal(SEEDER_SCRIPT) } : {}),
    services: Object.fromEntries(stackServices(host)),
    networks: networks(host),
    ...doorTail(host, files),
  };
}

/**
 * Renders a host with a swarm section as a stack file for `docker stack deploy`, whose
 * stack name must be the host's: one service per workspace, one replica on its user's
 * node (the node label homedock.node), with the same user, mounts, seeder, environment,
 * labels and limits as the workspace's container on one host. The same model gives the
 * same bytes. With a front door: an entry proxy on the first node, a proxy on each node,
 * the login, their overlays, and their files as Swarm secrets, each named by its
 * content's hash (`files`: the front door's files by name, as written beside the stack file).
 * @throws Error for a model without a swarm section
 */
export function renderStack(host: HostModel, files: Readonly<Record<string, string>> = {}): string {
  if (host.swarm === undefined) throw new Error(`renderStack: host ${host.name} has no swarm section`);
  return renderServices(`version: ${yamlScalar(VERSION)}`, host.workspaces.length > 0, stackServices(host), (none) => ({
    ...(none ? { services: {} } : {}),
    networks: networks(host),
    ...doorTail(host, files),
  }));
}
