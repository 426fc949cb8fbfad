// The plain model: validated config in, typed objects out. Renderers (the cdktf
// constructs and the Compose writer) only map these objects; none re-validates.
import type { Config } from "../config/schema";
import { type FrontDoorModel, frontDoorOf, type RouteModel, routeOf } from "./front-door";
import { nodeOf } from "./swarm";
import { validate } from "./validate";

/** Docker's restart policy of a workspace container, as the config's `host.defaults.restart` names it. */
export type RestartPolicy = Config["host"]["defaults"]["restart"];

/** A host directory mounted into workspaces: every user's, or only some groups'. */
export interface SharedMount {
  /** The directory on the Docker host. */
  readonly source: string;
  /** Where it is mounted in the workspace. */
  readonly target: string;
  /** Read-only for everyone who gets it but the users of writableFor. */
  readonly readOnly: boolean;
  /** Only users in one of these groups get it; undefined: everyone. */
  readonly groups?: readonly string[];
  /** Users in one of these groups get it read-write. */
  readonly writableFor: readonly string[];
}

/** A shared mount as one user gets it. */
export interface UserMount {
  /** The directory on the Docker host. */
  readonly source: string;
  /** Where it is mounted in the workspace. */
  readonly target: string;
  /** Read-only for this user. */
  readonly readOnly: boolean;
}

/** A Docker image and how a workspace runs it. */
export interface EnvironmentModel {
  /** The environment's name: part of container names and construct ids. */
  readonly name: string;
  /** The Docker image its workspaces run. */
  readonly image: string;
  /** The name users see (the config's displayName, else the name). */
  readonly displayName: string;
  /** Directory name inside each home. */
  readonly dir: string;
  /** The directory of the image whose files seed a new environment directory. */
  readonly seedDir: string;
  /** Names (relative to seedDir) never copied. */
  readonly seedExcludes: readonly string[];
  /** The command the workspace runs (the seeder runs first). */
  readonly command: readonly string[];
  /** Environment variables of its workspaces. */
  readonly env: Readonly<Record<string, string>>;
  /** Undefined: every user. */
  readonly groups?: readonly string[];
  /** Whether its workspaces' root filesystem is read-only. */
  readonly readOnlyRoot: boolean;
  /** Processes a workspace may run; undefined: the host's default. */
  readonly pidsLimit?: number;
  /** Memory limit of a workspace in MiB; undefined: the user's or the host's default. */
  readonly memoryMiB?: number;
  /** CPU limit of a workspace in billionths of a CPU; undefined: the user's or the host's default. */
  readonly nanoCpus?: number;
  /** Which Jupyter the command starts; undefined: not Jupyter (no flags added, no route). */
  readonly jupyter?: "server" | "notebook";
  /** Seconds after which an idle kernel is shut down. */
  readonly idleKernelTimeout?: number;
  /** Seconds without activity after which the server stops, to be woken by its owner's visit; undefined: it runs all the time. */
  readonly idleTimeout?: number;
}

/** A real account on the host. */
export interface UserModel {
  /** The account's name. */
  readonly name: string;
  /** The account's uid: its workspaces run as it. */
  readonly uid: number;
  /** The account's primary gid. */
  readonly gid: number;
  /** The home directory on the Docker host (mounted at the same path). */
  readonly home: string;
  /** Further gids its workspaces run with. */
  readonly supplementaryGids: readonly number[];
  /** The config's groups the user is in: what environments and shared mounts they get. */
  readonly groups: readonly string[];
  /** The shared mounts this user's groups give them, in config order. */
  readonly sharedMounts: readonly UserMount[];
  /** Memory limit of each of the user's workspaces in MiB; undefined: the environment's or the host's default. */
  readonly memoryMiB?: number;
  /** CPU limit of each of the user's workspaces in billionths of a CPU; undefined: the environment's or the host's default. */
  readonly nanoCpus?: number;
  /** Who the front door's login says they are: their name (method password), their value of the provider's claim (oidc). */
  readonly identity: string;
  /** The Swarm node its workspaces run on (its users[].node, else a stable choice); undefined without a swarm. */
  readonly node?: string;
}

/** One user in one environment: one container. */
export interface WorkspaceModel {
  /** Whose workspace it is. */
  readonly user: UserModel;
  /** What it runs. */
  readonly environment: EnvironmentModel;
  /** Container name: stable, derived from host, user and environment only. */
  readonly containerName: string;
  /** The environment directory on the host (and at the same path in the container). */
  readonly envDir: string;
  /** Its memory limit in MiB. */
  readonly memoryMiB: number;
  /** Its CPU limit in billionths of a CPU. */
  readonly nanoCpus: number;
  /** Processes it may run. */
  readonly pidsLimit: number;
  /** Docker's restart policy for it. */
  readonly restart: RestartPolicy;
  /** Where the front door reaches it; undefined without a front door or for an environment that is not Jupyter. */
  readonly route?: RouteModel;
}

/** A Docker Swarm the workspaces run on, instead of one Docker host. */
export interface SwarmModel {
  /** The nodes that run workspaces, in config order: each its `homedock.node` label's value. */
  readonly nodes: readonly string[];
}

/** A validated host: what every renderer (the Host construct, the Compose file, the Caddyfile) maps. */
export interface HostModel {
  /** The host's name: prefix of its containers' names, its network's name and label. */
  readonly name: string;
  /** Where a user's home is on the Docker host unless the user names one: `<homeRoot>/<name>`. */
  readonly homeRoot: string;
  /** The mode (octal) of a home the deploy creates. */
  readonly homeMode: string;
  /** Whether the deploy creates missing homes (one-shot container per user). */
  readonly createHomes: boolean;
  /** The workspaces' Docker network. */
  readonly network: string;
  /** The image that creates homes; undefined: the image of one of the user's environments. */
  readonly initImage?: string;
  /** Host directories mounted into workspaces, in config order. */
  readonly sharedMounts: readonly SharedMount[];
  /** Undefined: no front door (nothing publishes a port, workspaces keep their own token). */
  readonly frontDoor?: FrontDoorModel;
  /** Undefined: one Docker host. */
  readonly swarm?: SwarmModel;
  /** In config order. */
  readonly environments: readonly EnvironmentModel[];
  /** In config order. */
  readonly users: readonly UserModel[];
  /** Every (user, environment) pair the access rules allow, users in config order. */
  readonly workspaces: readonly WorkspaceModel[];
  /** The same workspaces by user name (every user has an entry). */
  readonly workspacesByUser: ReadonlyMap<string, readonly WorkspaceModel[]>;
  /** Things that are allowed but probably not meant. */
  readonly warnings: readonly string[];
}

function environmentOf(env: Config["environments"][number], defaults: Config["host"]["defaults"]): EnvironmentModel {
  return {
    name: env.name,
    image: env.image,
    displayName: env.displayName ?? env.name,
    dir: env.dir ?? env.name,
    seedDir: env.seedDir,
    seedExcludes: env.seedExcludes,
    command: env.command,
    env: env.env,
    groups: env.groups,
    readOnlyRoot: env.readOnlyRoot,
    pidsLimit: env.pidsLimit,
    memoryMiB: env.memory,
    nanoCpus: env.cpus,
    jupyter: env.jupyter,
    idleKernelTimeout: env.idleKernelTimeout,
    // The host's default applies where homedock can tell activity: Jupyter environments.
    idleTimeout: env.idleTimeout ?? (env.jupyter === undefined ? undefined : defaults.idleTimeout),
  };
}

const inAny = (groups: readonly string[], user: readonly string[]) => groups.some((g) => user.includes(g));

/** The shared mounts a user in `groups` gets, and how. */
function userMounts(mounts: readonly SharedMount[], groups: readonly string[]): UserMount[] {
  return mounts
    .filter((m) => m.groups === undefined || inAny(m.groups, groups))
    .map((m) => ({ source: m.source, target: m.target, readOnly: m.readOnly && !inAny(m.writableFor, groups) }));
}

/**
 * A server that stops for idleness (or its user's "Quit") exits 0 and must stay stopped,
 * while one that crashes is still restarted: on-failure where the host asks for always
 * or unless-stopped. "no" stays no.
 */
function restartPolicy(policy: RestartPolicy, environment: EnvironmentModel): RestartPolicy {
  return environment.idleTimeout !== undefined && (policy === "always" || policy === "unless-stopped") ? "on-failure" : policy;
}

/** Turns a validated config into the model. */
function modelOf(config: Config, warnings: string[]): HostModel {
  const { host } = config;
  const environments = config.environments.map((env) => environmentOf(env, host.defaults));
  const sharedMounts: SharedMount[] = host.sharedMounts.map((m) => ({
    source: m.source,
    target: m.target ?? m.source,
    readOnly: !m.writable,
    groups: m.groups,
    writableFor: m.writableFor ?? [],
  }));
  const frontDoor = config.frontDoor === undefined ? undefined : frontDoorOf(config.frontDoor, host.name);
  const swarm: SwarmModel | undefined = config.swarm === undefined ? undefined : { nodes: config.swarm.nodes.map((n) => n.name) };
  const users: UserModel[] = config.users.map((u) => ({
    name: u.name,
    uid: u.uid,
    gid: u.gid,
    home: u.home ?? `${host.homeRoot}/${u.name}`,
    supplementaryGids: u.supplementaryGids,
    groups: u.groups,
    sharedMounts: userMounts(sharedMounts, u.groups),
    memoryMiB: u.memory,
    nanoCpus: u.cpus,
    identity: frontDoor?.login.method === "oidc" ? (u.identity ?? u.name) : u.name,
    ...(swarm === undefined ? {} : { node: u.node ?? nodeOf(u.name, swarm.nodes) }),
  }));
  const workspaces: WorkspaceModel[] = [];
  const workspacesByUser = new Map<string, WorkspaceModel[]>();
  for (const user of users) {
    const mine: WorkspaceModel[] = [];
    workspacesByUser.set(user.name, mine);
    for (const environment of environments) {
      if (environment.groups !== undefined && !inAny(environment.groups, user.groups)) continue;
      mine.push({
        user,
        environment,
        containerName: `${host.name}-${user.name}.${environment.name}`,
        envDir: `${user.home}/${environment.dir}`,
        memoryMiB: user.memoryMiB ?? environment.memoryMiB ?? host.defaults.memory,
        nanoCpus: user.nanoCpus ?? environment.nanoCpus ?? host.defaults.cpus,
        pidsLimit: environment.pidsLimit ?? host.defaults.pidsLimit,
        restart: restartPolicy(host.defaults.restart, environment),
        route: frontDoor !== undefined && environment.jupyter !== undefined ? routeOf(frontDoor, user.name, environment.name) : undefined,
      });
    }
    workspaces.push(...mine);
  }
  if (workspaces.length === 0) warnings.push("no user is granted any environment: nothing will run");
  if (!host.createHomes && host.initImage !== undefined) {
    warnings.push(`host.initImage: "${host.initImage}" is not used: createHomes is false, no home is created`);
  }
  return {
    name: host.name,
    homeRoot: host.homeRoot,
    homeMode: host.homeMode,
    createHomes: host.createHomes,
    network: host.network ?? host.name,
    initImage: host.initImage,
    sharedMounts,
    frontDoor,
    ...(swarm === undefined ? {} : { swarm }),
    environments,
    users,
    workspaces,
    workspacesByUser,
    warnings,
  };
}

/**
 * Validates a config (parsed YAML, or props given in code) and builds the model. Pure:
 * the machine is not looked at (the preflight, src/preflight/, looks for the files it names).
 * @param input - a ConfigInput, or anything else: the ConfigError says what is wrong with it
 * @throws ConfigError listing every problem found
 */
export function buildModel(input: unknown, source = "config"): HostModel {
  const { config, warnings } = validate(input, source);
  return modelOf(config, warnings);
}
