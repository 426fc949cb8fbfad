// The Compose renderer: the same model and ContainerSpecs as the Terraform
// constructs, as a docker-compose.yml. Pure: model in, YAML text out.
import { createHash } from "node:crypto";
import { dump } from "js-yaml";
import {
  type BindMount,
  type ContainerSpec,
  homeGroups,
  homesContainer,
  LABEL_HOST,
  LABEL_USER,
  SEEDER_SCRIPT,
  secretKey,
  workspaceContainer,
} from "../container/container";
import { frontDoorSetupContainer, loginEgressNetwork, loginNetwork, proxyContainer } from "../container/front-door-containers";
import { dockerFilterContainer, idleWorkspaces } from "../container/docker-filter";
import { loginContainers } from "../container/login";
import type { HostModel } from "../model/model";
import { workspacesOf } from "../model/workspaces";
import { NETWORK_OPTIONS } from "../container/network";
import { CADDYFILE_DIR, secretsEnvFile } from "./secret-paths";
import { yamlScalar } from "../config/yaml-scalar";

/** Compose (and `docker stack deploy`) interpolates "$VAR" everywhere; "$$" is a literal "$". */
export function literal(value: string): string {
  if (value === SEEDER_SCRIPT) return SEEDER_LITERAL;
  return value.includes("$") ? value.replace(/\$/g, "$$$$") : value;
}
/** Escaped once: it is in every workspace's entrypoint. */
const SEEDER_LITERAL = SEEDER_SCRIPT.replace(/\$/g, "$$$$");

/** The extension key that holds the seeder, which every workspace's entrypoint names by anchor. */
export const SEEDER_KEY = "x-homedock-seeder";

/** Sets `key` unless the value is undefined: a service holds only keys with values. */
export function put(service: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) service[key] = value;
}

/**
 * The keys a Compose file and a stack file write alike for a container, from its image
 * to its labels, in the order an admin reads them; `key`: its secrets' (a workspace's).
 */
export function putContainer(s: Record<string, unknown>, spec: ContainerSpec, key: string | undefined): void {
  put(s, "image", spec.image);
  put(s, "user", spec.user);
  put(s, "group_add", spec.groupAdd.length > 0 ? [...spec.groupAdd] : undefined);
  put(s, "entrypoint", spec.entrypoint.map(literal));
  put(s, "command", spec.command.map(literal));
  put(s, "working_dir", literal(spec.workingDir));
  // Secrets come from a private file beside this one (see secrets.ts), never from here.
  put(s, "env_file", spec.secrets.length > 0 && key !== undefined ? [secretsEnvFile(key)] : undefined);
  put(s, "environment", Object.keys(spec.env).length > 0 ? Object.fromEntries(Object.entries(spec.env).map(([k, v]) => [k, literal(v)])) : undefined);
  put(s, "labels", Object.fromEntries(Object.entries(spec.labels).map(([k, v]) => [k, literal(v)])));
}

/** A bind mount in the long syntax. */
export function longBind(m: BindMount): Record<string, unknown> {
  return { type: "bind", source: literal(m.source), target: literal(m.target), read_only: m.readOnly };
}

/** Each service's mounts add the volumes they name to `volumes`. */
function service(spec: ContainerSpec, dependsOn: string | undefined, volumes: Record<string, unknown>, key?: string): Record<string, unknown> {
  const s: Record<string, unknown> = {};
  put(s, "container_name", spec.name);
  putContainer(s, spec, key);
  for (const m of spec.mounts) {
    if (m.composeVolume !== undefined) {
      volumes[bindVolume(m.composeVolume, m.source)] = {
        driver: "local",
        driver_opts: { type: "none", o: "bind", device: literal(m.source) },
        labels: volumeLabels(spec),
      };
    }
  }
  for (const v of spec.volumes) volumes[v.name] = { name: v.name };
  put(s, "volumes", [
    ...spec.mounts.map((m) =>
      m.composeVolume === undefined
        ? // Never let Docker create a missing source, root's, unless that is what it must be.
          { ...longBind(m), bind: { create_host_path: m.createSource === true } }
        : // Compose creates every container before it starts any, and Docker checks a
          // bind's source at create time, when a new home does not exist yet. A local
          // volume bound to the home is mounted at start, after the home service ran.
          // nocopy: nothing from the image is copied into the home, nor its ownership.
          { type: "volume", source: bindVolume(m.composeVolume, m.source), target: literal(m.target), read_only: m.readOnly, volume: { nocopy: true } },
    ),
    ...spec.volumes.map((v) => ({ type: "volume", source: v.name, target: v.target, read_only: v.readOnly })),
  ]);
  put(s, "ports", spec.ports.length > 0 ? spec.ports.map((p) => `${p.ip}:${p.external}:${p.internal}`) : undefined);
  put(s, "mem_limit", spec.memoryMiB === undefined ? undefined : `${spec.memoryMiB}m`);
  put(s, "memswap_limit", spec.memoryMiB === undefined ? undefined : `${spec.memoryMiB}m`);
  put(s, "cpus", spec.nanoCpus === undefined ? undefined : spec.nanoCpus / 1e9);
  // A cgroup limit of the container's own: RLIMIT_NPROC (what the Terraform
  // provider offers) counts the user's processes everywhere, other workspaces too.
  put(s, "pids_limit", spec.pidsLimit);
  put(s, "read_only", spec.readOnlyRoot || undefined);
  put(s, "tmpfs", Object.keys(spec.tmpfs).length > 0 ? Object.entries(spec.tmpfs).map(([path, options]) => `${path}:${options}`) : undefined);
  put(s, "restart", spec.restart);
  put(s, "init", spec.init);
  put(s, "security_opt", [...spec.securityOpts]);
  put(s, "cap_add", spec.capAdd.length > 0 ? [...spec.capAdd] : undefined);
  put(s, "cap_drop", [...spec.capDrop]);
  put(s, "networks", spec.network === undefined ? undefined : [spec.network, ...(spec.extraNetworks ?? [])]);
  // A one-shot container joins no network at all.
  put(s, "network_mode", spec.network === undefined ? "none" : undefined);
  put(s, "depends_on", dependsOn === undefined ? undefined : { [dependsOn]: { condition: "service_completed_successfully" } });
  return s;
}

/**
 * A bind volume carries the host and the user of the containers that mount it. Compose
 * removes only the volumes its file still declares: by these labels `homedock prune`
 * finds the records of users, workspaces and homes the config no longer has.
 */
function volumeLabels(spec: ContainerSpec): Record<string, string> {
  const user = spec.labels[LABEL_USER];
  return { [LABEL_HOST]: spec.labels[LABEL_HOST], ...(user === undefined ? {} : { [LABEL_USER]: user }) };
}

/** The proxy's service, and the one-shot that makes its socket tree. */
export const FRONTDOOR_SERVICE = "frontdoor";
export const FRONTDOOR_SETUP_SERVICE = "frontdoor.setup";
/** The login's session check and sign-in, on the login's network with the proxy. */
export const LOGIN_SERVICE = "frontdoor.login";
export const SIGN_IN_SERVICE = "frontdoor.signin";
export const SIGN_IN_LIMIT_SERVICE = "frontdoor.signin-limit";
/** The Docker API filter, where some workspace stops when idle (the wake route's only way to Docker). */
export const DOCKER_FILTER_SERVICE = "docker-filter";

/**
 * The local volume that binds `source`: named for the source as well. A volume cannot
 * change, and Compose, finding one bound elsewhere, asks on the terminal whether to
 * re-create it and, asked by no one, keeps the old one: a moved home would stay the
 * old home. A new source is a new volume, and the containers are re-created onto it.
 */
export function bindVolume(name: string, source: string): string {
  return `${name}-${createHash("sha256").update(source).digest("hex").slice(0, 8)}`;
}

/** Service names: `<user>.<environment>` for workspaces (the one-shots that make homes are named by their group's key, `homes` or `homes-<environment>`). */
export function serviceName(user: string, what: string): string {
  return `${user}.${what}`;
}

type Value = string | number | boolean | readonly Value[] | { readonly [key: string]: Value };

/**
 * Writes values as block YAML, line by line, the seeder as its alias. A class rather
 * than closures: run through tsx, every function made gets its name set (a
 * defineProperty), and one closure per emitted object was a fifth of a
 * 10,000-workspace render.
 */
class BlockWriter {
  constructor(private readonly seeder: string | undefined) {}

  private scalar(value: string | number | boolean): string {
    return value === this.seeder ? "*seeder" : yamlScalar(value);
  }

  emit(out: string[], value: Value, indent: string): void {
    if (Array.isArray(value)) {
      for (const item of value as readonly Value[]) {
        if (typeof item === "object") {
          const start = out.length;
          this.emit(out, item, `${indent}  `);
          out[start] = `${indent}- ${out[start].slice(indent.length + 2)}`;
        } else {
          out.push(`${indent}- ${this.scalar(item)}`);
        }
      }
      return;
    }
    const map = value as Record<string, Value>;
    for (const key of Object.keys(map)) {
      const item = map[key];
      if (typeof item === "object") {
        out.push(`${indent}${this.scalar(key)}:`);
        this.emit(out, item, `${indent}  `);
      } else {
        out.push(`${indent}${this.scalar(key)}: ${this.scalar(item)}`);
      }
    }
  }
}

interface ComposeParts {
  readonly services: Iterable<readonly [string, Record<string, unknown>]>;
  /** Filled in as `services` is iterated. */
  readonly volumes: Record<string, unknown>;
}

/** A service of the Compose file, before it is written. */
export interface ComposeService {
  readonly service: string;
  readonly spec: ContainerSpec;
  /** The service that must complete first. */
  readonly dependsOn?: string;
  /** Its secrets' key (a workspace's). */
  readonly secretKey?: string;
}

/** The services `renderCompose` writes, in its order, one at a time. */
export function* composeServices(host: HostModel): Generator<ComposeService> {
  // One one-shot per home image, first; each user's workspaces wait for their group's.
  const homeOf = new Map<string, string>();
  for (const group of homeGroups(host)) {
    yield { service: group.key, spec: homesContainer(host, group) };
    for (const user of group.users) homeOf.set(user.name, group.key);
  }
  for (const user of host.users) {
    const home = homeOf.get(user.name);
    for (const ws of workspacesOf(host, user.name)) {
      yield { service: serviceName(user.name, ws.environment.name), spec: workspaceContainer(host, ws), dependsOn: home, secretKey: secretKey(ws) };
    }
  }
  if (host.frontDoor !== undefined) {
    if (idleWorkspaces(host).length > 0) yield { service: DOCKER_FILTER_SERVICE, spec: dockerFilterContainer(host) };
    yield { service: FRONTDOOR_SETUP_SERVICE, spec: frontDoorSetupContainer(host, []) };
    // The config files' directory, not the files: each is replaced by rename, which a
    // file bind would not follow; `caddy run --watch` reloads the Caddyfile, the login
    // its password file.
    const config = { bind: `./${CADDYFILE_DIR}` };
    yield { service: FRONTDOOR_SERVICE, spec: proxyContainer(host, config), dependsOn: FRONTDOOR_SETUP_SERVICE };
    const [check, signIn, limiter] = loginContainers(host, config);
    yield { service: LOGIN_SERVICE, spec: check };
    yield { service: SIGN_IN_SERVICE, spec: signIn };
    if (limiter !== undefined) yield { service: SIGN_IN_LIMIT_SERVICE, spec: limiter };
  }
}

/** Each service in turn, so that a render need not hold them all at once. */
function composeParts(host: HostModel): ComposeParts {
  const volumes: Record<string, unknown> = {};
  function* services(): Generator<readonly [string, Record<string, unknown>]> {
    for (const s of composeServices(host)) yield [s.service, service(s.spec, s.dependsOn, volumes, s.secretKey)];
  }
  return { services: services(), volumes };
}

/** What follows the services: the network, and the home volumes (once the services are all made). */
function composeTail(host: HostModel, volumes: Record<string, unknown>): Record<string, unknown> {
  return {
    networks: {
      [host.network]: { name: host.network, driver_opts: { ...NETWORK_OPTIONS } },
      ...(host.frontDoor === undefined ? {} : { [loginNetwork(host)]: { name: loginNetwork(host), internal: true } }),
      ...(host.frontDoor?.login.method === "oidc"
        ? { [loginEgressNetwork(host)]: { name: loginEgressNetwork(host), driver_opts: { ...NETWORK_OPTIONS } } }
        : {}),
    },
    ...(Object.keys(volumes).length > 0 ? { volumes } : {}),
  };
}

/** The Compose file as plain data: what `renderCompose` writes. */
export function composeFile(host: HostModel): Record<string, unknown> {
  const { services, volumes } = composeParts(host);
  const all = Object.fromEntries(services);
  return {
    name: host.name,
    ...(host.workspaces.length > 0 ? { [SEEDER_KEY]: literal(SEEDER_SCRIPT) } : {}),
    services: all,
    ...composeTail(host, volumes),
  };
}

/**
 * Renders the model as a Compose file. The same model gives the same bytes; the
 * seeder appears once (an `x-` extension with a YAML anchor) however many workspaces
 * run it. Written directly rather than through a YAML document model, which took
 * 10 s for 10,000 workspaces (bench/RESULTS.md), and one service at a time, each
 * joined as it is written: what a large render holds is its output, not every
 * service's data and lines. Tests parse it back with another library (yaml), as
 * YAML 1.1 and 1.2, and with docker compose.
 */
export function renderCompose(host: HostModel): string {
  const { services, volumes } = composeParts(host);
  return renderServices(`name: ${yamlScalar(host.name)}`, host.workspaces.length > 0, services, (none) => ({
    ...(none ? { services: {} } : {}),
    ...composeTail(host, volumes),
  }));
}

/**
 * A Compose-format file: `head`, the seeder once by anchor (`seeder`: some service runs
 * it), each service as it comes, then what `tail` gives once they are all written
 * (`none`: there was no service).
 */
export function renderServices(
  head: string,
  seeder: boolean,
  services: Iterable<readonly [string, Record<string, unknown>]>,
  tail: (none: boolean) => Record<string, unknown>,
): string {
  const chunks: string[] = [head];
  const anchored = seeder ? literal(SEEDER_SCRIPT) : undefined;
  if (anchored !== undefined) {
    // The one block scalar, by the library: it decides indentation and chomping.
    const block = dump({ [SEEDER_KEY]: anchored }, { lineWidth: -1 });
    chunks.push(block.replace(`${SEEDER_KEY}: `, `${SEEDER_KEY}: &seeder `).trimEnd());
  }
  const writer = new BlockWriter(anchored);
  let none = true;
  for (const [name, svc] of services) {
    if (none) chunks.push("services:");
    none = false;
    const lines: string[] = [];
    writer.emit(lines, { [name]: svc } as Value, "  ");
    chunks.push(lines.join("\n"));
  }
  const lines: string[] = [];
  writer.emit(lines, tail(none) as Value, "");
  chunks.push(lines.join("\n"));
  return `${chunks.join("\n")}\n`;
}
