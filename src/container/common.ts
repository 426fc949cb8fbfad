// What every container homedock renders shares, the workspace's (container.ts) and the
// front door's (front-door-containers.ts): the spec's shape that each renderer maps, the
// labels, the hardening and the limits of a one-shot, and the root scripts beside it.
import { createHash } from "node:crypto";
import type { RestartPolicy } from "../model/model";
import { SCRIPTS } from "./scripts";

/** A host directory bound into a container. */
export interface BindMount {
  /** The directory on the Docker host. */
  readonly source: string;
  /** Where it is in the container. */
  readonly target: string;
  /** Whether the container may only read it. */
  readonly readOnly: boolean;
  /**
   * Set where the source may only exist once a one-shot container has run (a new home, a
   * socket directory): Compose then mounts it through a local volume of this name bound to
   * the source, since Docker checks a bind's source when Compose creates the container.
   */
  readonly composeVolume?: string;
  /**
   * Docker creates a missing source, root's (0755). Only for directories homedock keeps
   * for itself and root owns; never a home, which must be its user's.
   */
  readonly createSource?: boolean;
}

/** A named Docker volume (the proxy's certificates and config). */
export interface VolumeMount {
  /** The volume's name. */
  readonly name: string;
  /** Where it is in the container. */
  readonly target: string;
  /** Whether the container may only read it. */
  readonly readOnly: boolean;
}

/** A port published on the Docker host. */
export interface PortSpec {
  /** The Docker host's address it listens on. */
  readonly ip: string;
  /** The port on the Docker host. */
  readonly external: number;
  /** The container's port it leads to. */
  readonly internal: number;
}

/** One container as every renderer (Terraform, Compose) maps it: a workspace's, a home's, the front door's. */
export interface ContainerSpec {
  /** The container's name. */
  readonly name: string;
  /** The image's name. */
  readonly image: string;
  /** `uid:gid` */
  readonly user: string;
  /** Supplementary group ids, as strings. */
  readonly groupAdd: readonly string[];
  /** The entrypoint, replacing the image's. */
  readonly entrypoint: readonly string[];
  /** The command, replacing the image's. */
  readonly command: readonly string[];
  /** The working directory. */
  readonly workingDir: string;
  /** Sorted by name. */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Variables whose values are secrets, given at deploy or run time and never written
   * into the rendered output: a Terraform sensitive variable, a Compose env file.
   */
  readonly secrets: readonly string[];
  /** Files whose contents are secrets the renderer puts into the container (Terraform: an upload from a sensitive variable). */
  readonly secretFiles: readonly string[];
  /** Docker labels (homedock.host, homedock.user, ...). */
  readonly labels: Readonly<Record<string, string>>;
  /** Binds only: Docker refuses a bind whose source is missing instead of creating it as root. */
  readonly mounts: readonly BindMount[];
  /** Named Docker volumes. */
  readonly volumes: readonly VolumeMount[];
  /** Path to tmpfs mount options. */
  readonly tmpfs: Readonly<Record<string, string>>;
  /** Ports published on the Docker host. */
  readonly ports: readonly PortSpec[];
  /** Memory limit in MiB. */
  readonly memoryMiB?: number;
  /** CPU limit in billionths of a CPU. */
  readonly nanoCpus?: number;
  /** Processes the container may run. */
  readonly pidsLimit?: number;
  /** Read-only root filesystem. */
  readonly readOnlyRoot: boolean;
  /** Docker's restart policy. */
  readonly restart: RestartPolicy;
  /** Runs Docker's init as PID 1, which reaps orphans. */
  readonly init: true;
  /** Docker security options (no-new-privileges, ...). */
  readonly securityOpts: readonly string[];
  /** Capabilities added. */
  readonly capAdd: readonly string[];
  /** Capabilities dropped. */
  readonly capDrop: readonly string[];
  /** Undefined: no network at all. */
  readonly network?: string;
  /** Further networks it joins besides `network` (the proxy and the login: the login's own). */
  readonly extraNetworks?: readonly string[];
  /** Runs to completion once (home creation) instead of serving. */
  readonly oneShot: boolean;
  /** Stops itself when idle and stays stopped until woken: a deploy does not start it. */
  readonly stopsWhenIdle?: boolean;
}

/** A script of src/container/root/, run as root in a one-shot or the proxy: given inline to the image's /bin/sh, as the seeder is. */
export function rootScript(
  name:
    "docker-filter.sh" | "door-setup.sh" | "frontdoor-setup.sh" | "home.sh" | "host-accounts.sh" | "node-baseline.sh" | "node-usage.sh" | "protected-links.sh",
): string {
  return SCRIPTS[`root/${name}`];
}

export const LABEL_HOST = "homedock.host";
export const LABEL_USER = "homedock.user";
/** On a container that makes homes: the users whose homes it makes, comma-separated, in config order. */
export const LABEL_USERS = "homedock.users";
export const LABEL_ENVIRONMENT = "homedock.environment";
export const LABEL_ROLE = "homedock.role";
/** A hash of the config file a container reads at start only: a changed file replaces the container. */
export const LABEL_CONFIG = "homedock.config";
/** The sign-in limiter's limit in words ("10 per user, 50 per address in 10m"), for the review. */
export const LABEL_LIMIT = "homedock.limit";
/** The values of the `homedock.role` label: what each container homedock runs is for. */
export const ROLE = {
  /** A user's workspace. */
  workspace: "workspace",
  /** The one-shot that creates the homes of one home image's users (and their socket directories). */
  home: "home",
  /** The front door's proxy (on a Swarm: the entry proxy). */
  proxy: "frontdoor",
  /** On a Swarm: a node's proxy, which reaches that node's workspace sockets for the entry proxy. */
  nodeProxy: "node-proxy",
  /** The one-shot that prepares the front door's directories and config files. */
  frontDoorSetup: "frontdoor-setup",
  /** The one container that holds the Docker socket, for the front door's wake route. */
  dockerFilter: "docker-filter",
  /** The login's session check, which answers the proxy for every request. */
  sessionCheck: "login",
  /** The login's sign-in page. */
  signIn: "sign-in",
  /** The limiter in front of a password login's sign-in, which counts wrong passwords. */
  signInLimit: "sign-in-limit",
  /** `homedock users check`'s look at the host's accounts and homes. */
  usersCheck: "users-check",
  /** On a Swarm with a front door: the job that makes the socket directories on a node before its proxy and workspaces. */
  doorSetup: "door-setup",
  /** `homedock swarm check`'s look at a Swarm node's daemon (a job of one task per node). */
  nodeCheck: "node-check",
  /** `homedock status`'s look at a Swarm node's workspace containers' memory and CPU (a job of one task per node). */
  nodeUsage: "node-usage",
  /** On a Swarm: not a container but the config that holds the lock of `homedock swarm deploy`, one deploy of a host at a time. */
  deployLock: "deploy-lock",
} as const;
/**
 * A hash of the container's bind mounts. Labels cannot change on a running container,
 * so the Terraform provider (4.5.0) replaces it when this does; a changed mount alone
 * it plans as an update in place that it never applies (the container keeps the old
 * source, and every later plan shows the change again).
 */
export const LABEL_MOUNTS = "homedock.mounts";

/** The value of LABEL_MOUNTS: what each mount binds where, and how. */
export function mountsLabel(mounts: readonly BindMount[]): string {
  const binds = mounts.map((m) => [m.source, m.target, m.readOnly]);
  return createHash("sha256").update(JSON.stringify(binds)).digest("hex").slice(0, 16);
}

/**
 * What a one-shot container may use: it makes a few directories or copies one file.
 * Every container homedock runs has limits; a workspace's come from the config.
 */
export const ONE_SHOT_LIMITS = { memoryMiB: 64, nanoCpus: 0.5e9, pidsLimit: 64 } as const;

export const HARDENING = {
  init: true,
  securityOpts: ["no-new-privileges:true"],
  capDrop: ["ALL"],
} as const;

/** The tmpfs a read-only root gets at /tmp. */
export const TMP_TMPFS = { "/tmp": "rw,nosuid,nodev,mode=1777" } as const;

/** The most users one home image's one-shot makes homes for; more are split into HOME_GROUP_SPLIT. */
export const HOME_GROUP_MOST = 16;
/** How many one-shots the users of one home image are split into, when they are more than HOME_GROUP_MOST. */
export const HOME_GROUP_SPLIT = 8;

/**
 * Which of the HOME_GROUP_SPLIT one-shots a user's home is made by: from the user's
 * name alone (32-bit FNV-1a), so that adding or removing a user changes no other
 * user's one-shot.
 */
export function homeSplit(user: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(user)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash % HOME_GROUP_SPLIT;
}
