// What a container must be, decided once from the model. The Terraform constructs and
// the Compose writer both map a ContainerSpec field by field and add nothing of their
// own, which is what keeps the two outputs equivalent.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import type { HostModel, RestartPolicy, UserModel, WorkspaceModel } from "../model/model";

export interface BindMount {
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
  /** Set on a user's home, which may only exist once the user's home container has run. */
  readonly homeOf?: string;
}

export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  /** `uid:gid` */
  readonly user: string;
  /** Supplementary group ids, as strings. */
  readonly groupAdd: readonly string[];
  readonly entrypoint: readonly string[];
  readonly command: readonly string[];
  readonly workingDir: string;
  /** Sorted by name. */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Variables whose values are secrets, given at deploy or run time and never written
   * into the rendered output: a Terraform sensitive variable, a Compose env file.
   */
  readonly secrets: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  /** Binds only: Docker refuses a bind whose source is missing instead of creating it as root. */
  readonly mounts: readonly BindMount[];
  readonly memoryMiB?: number;
  readonly nanoCpus?: number;
  /** Processes the container may run. */
  readonly pidsLimit?: number;
  /** Read-only root filesystem, with a private tmpfs at /tmp. */
  readonly readOnlyRoot: boolean;
  readonly restart: RestartPolicy;
  readonly init: true;
  readonly securityOpts: readonly string[];
  readonly capAdd: readonly string[];
  readonly capDrop: readonly string[];
  /** Undefined: no network at all. */
  readonly network?: string;
  /** Runs to completion once (home creation) instead of serving. */
  readonly oneShot: boolean;
}

/** The seeding entrypoint (src/spec/seed/entrypoint.sh), the one copy both renderers use. */
export const SEEDER_SCRIPT = readFileSync(path.join(__dirname, "seed", "entrypoint.sh"), "utf8");

/**
 * The workspace entrypoint: the seeder given inline to the image's own /bin/sh. Inline
 * rather than uploaded or bind-mounted because it then needs nothing on the Docker host
 * (which may be remote) and works with a read-only root filesystem, where the provider's
 * `upload` cannot write; `homedock-seed` is its $0, the server command its arguments.
 */
export const SEEDER_ENTRYPOINT = ["/bin/sh", "-c", SEEDER_SCRIPT, "homedock-seed"] as const;

/** The variable Jupyter takes its token from. */
export const TOKEN_VARIABLE = "JUPYTER_TOKEN";

/** The key of a workspace's secrets: the same as its Compose service name. */
export function secretKey(ws: WorkspaceModel): string {
  return `${ws.user.name}.${ws.environment.name}`;
}

export const LABEL_HOST = "homedock.host";
export const LABEL_USER = "homedock.user";
export const LABEL_ENVIRONMENT = "homedock.environment";
export const LABEL_ROLE = "homedock.role";

const HARDENING = {
  init: true,
  securityOpts: ["no-new-privileges:true"],
  capDrop: ["ALL"],
} as const;

function sorted(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function workspaceContainer(host: HostModel, ws: WorkspaceModel): ContainerSpec {
  const { user, environment } = ws;
  return {
    name: ws.containerName,
    image: environment.image,
    user: `${user.uid}:${user.gid}`,
    groupAdd: user.supplementaryGids.map(String),
    entrypoint: SEEDER_ENTRYPOINT,
    command: environment.command,
    // The home, not the environment directory: Docker's runtime creates a missing
    // working directory as root, inside the bind-mounted home. The seeder creates the
    // environment directory as the user and changes into it before starting the server.
    workingDir: user.home,
    env: sorted({
      ...environment.env,
      HOME: user.home,
      // IPython's profile and history, like Jupyter's config, per environment: IPython
      // versions differ between images, and its default is ~/.ipython, shared by all.
      IPYTHONDIR: `${ws.envDir}/.ipython`,
      JUPYTER_CONFIG_DIR: `${ws.envDir}/.jupyter`,
      JUPYTER_DATA_DIR: `${ws.envDir}/.local/share/jupyter`,
      HOMEDOCK_ENV_DIR: ws.envDir,
      HOMEDOCK_SEED_DIR: environment.seedDir,
      HOMEDOCK_SEED_EXCLUDES: environment.seedExcludes.join("\n"),
    }),
    // The server's token: each workspace its own, so one user's cannot open another's.
    secrets: [TOKEN_VARIABLE],
    labels: {
      [LABEL_ENVIRONMENT]: environment.name,
      [LABEL_HOST]: host.name,
      [LABEL_ROLE]: "workspace",
      [LABEL_USER]: user.name,
    },
    mounts: [
      { source: user.home, target: user.home, readOnly: false, ...(host.createHomes ? { homeOf: user.name } : {}) },
      ...host.sharedMounts.map((m) => ({ source: m.source, target: m.target, readOnly: m.readOnly })),
    ],
    memoryMiB: ws.memoryMiB,
    nanoCpus: ws.nanoCpus,
    pidsLimit: ws.pidsLimit,
    readOnlyRoot: environment.readOnlyRoot,
    restart: ws.restart,
    ...HARDENING,
    capAdd: [],
    network: host.network,
    oneShot: false,
  };
}

/** The tmpfs a read-only root gets at /tmp. */
export const TMP_TMPFS = { "/tmp": "rw,nosuid,nodev,mode=1777" } as const;

/** Where the home's parent directory appears inside the home-creating container. */
const PARENT_MOUNT = "/homedock/parent";

/**
 * Creates the user's home on the Docker host if it is missing, owned by the user with
 * the host's home mode; an existing home (or anything else by that name) is left
 * exactly as it is. Root with CHOWN alone, since a new home must change owner.
 */
export function homeInitContainer(host: HostModel, user: UserModel, image: string): ContainerSpec {
  const parent = path.posix.dirname(user.home);
  const home = `${PARENT_MOUNT}/${path.posix.basename(user.home)}`;
  const script =
    `if [ -e "$1" ] || [ -L "$1" ]; then exit 0; fi; ` +
    `mkdir -m "$2" "$1" && chown -h "$3" "$1"`;
  return {
    name: `${host.name}-${user.name}.home`,
    image,
    user: "0:0",
    groupAdd: [],
    entrypoint: ["/bin/sh", "-c", script, "homedock-home"],
    command: [home, host.homeMode, `${user.uid}:${user.gid}`],
    workingDir: "/",
    env: {},
    secrets: [],
    labels: {
      [LABEL_HOST]: host.name,
      [LABEL_ROLE]: "home",
      [LABEL_USER]: user.name,
    },
    mounts: [{ source: parent, target: PARENT_MOUNT, readOnly: false }],
    readOnlyRoot: true,
    restart: "no",
    ...HARDENING,
    // Spelled as Docker reports it back; "CHOWN" made every plan replace the container.
    capAdd: ["CAP_CHOWN"],
    network: undefined,
    oneShot: true,
  };
}

/**
 * The image that creates a user's home: the host's initImage, else the user's first
 * environment's. Undefined when no home is created (createHomes off, or no workspace).
 */
export function homeInitImage(host: HostModel, user: UserModel): string | undefined {
  if (!host.createHomes) return undefined;
  return host.initImage ?? host.workspacesByUser.get(user.name)?.[0]?.environment.image;
}
