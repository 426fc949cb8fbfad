// What a container must be, decided once from the model. The Terraform constructs and
// the Compose writer both map a ContainerSpec field by field and add nothing of their
// own, which is what keeps the two outputs equivalent.
import type { HostModel, UserModel, WorkspaceModel } from "../model/model";
import { stopsWhenIdle, workspacesOf } from "../model/workspaces";
import {
  type BindMount,
  type ContainerSpec,
  HARDENING,
  HOME_GROUP_MOST,
  HOME_GROUP_SPLIT,
  homeSplit,
  LABEL_ENVIRONMENT,
  LABEL_HOST,
  LABEL_MOUNTS,
  LABEL_ROLE,
  LABEL_USER,
  LABEL_USERS,
  mountsLabel,
  ONE_SHOT_LIMITS,
  ROLE,
  rootScript,
  TMP_TMPFS,
} from "./common";
import { jupyterFlags, RUNTIME_MOUNT, runtimeMount, SOCKET_NAME, workspaceRuntimeMount } from "./front-door-containers";
import { deployDirOf, WORKSPACE_DEPLOY_DIR, WORKSPACE_RUNTIME_DIR } from "../model/front-door";
import { SCRIPTS } from "./scripts";

// The spec's shape, the labels and their roles live in common.ts, which
// front-door-containers.ts imports too; they are exported from here as well, beside the
// workspace's spec.
export { type BindMount, type ContainerSpec, LABEL_ENVIRONMENT, LABEL_HOST, LABEL_MOUNTS, LABEL_ROLE, LABEL_USER, LABEL_USERS, ROLE } from "./common";

/** The seeding entrypoint (src/container/seed/entrypoint.sh), the one copy both renderers use. */
export const SEEDER_SCRIPT: string = SCRIPTS["seed/entrypoint.sh"];

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

function sorted(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The container spec of one workspace (one user in one environment). */
export function workspaceContainer(host: HostModel, ws: WorkspaceModel): ContainerSpec {
  const { user, environment } = ws;
  const idle = stopsWhenIdle(ws);
  const mounts: BindMount[] = [
    { source: user.home, target: user.home, readOnly: false, ...(host.createHomes ? { composeVolume: homeVolume(user.name) } : {}) },
    ...user.sharedMounts.map((m) => ({ source: m.source, target: m.target, readOnly: m.readOnly })),
    ...optional(workspaceRuntimeMount(ws)),
    ...(idle ? [{ source: deployDirOf(host.frontDoor!, user.name), target: WORKSPACE_DEPLOY_DIR, readOnly: true, composeVolume: `deploy-${user.name}` }] : []),
  ];
  return {
    name: ws.containerName,
    image: environment.image,
    user: `${user.uid}:${user.gid}`,
    groupAdd: user.supplementaryGids.map(String),
    entrypoint: SEEDER_ENTRYPOINT,
    command: [...environment.command, ...jupyterFlags(ws)],
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
      ...(idle ? { HOMEDOCK_IDLE_SOCKET: `${WORKSPACE_RUNTIME_DIR}/${SOCKET_NAME}`, HOMEDOCK_IDLE_NONCE: `${WORKSPACE_DEPLOY_DIR}/nonce` } : {}),
    }),
    // The server's token: each workspace its own, so one user's cannot open another's.
    // Behind the front door the proxy's login takes its place (see jupyterFlags).
    secrets: ws.route === undefined ? [TOKEN_VARIABLE] : [],
    secretFiles: [],
    labels: {
      [LABEL_ENVIRONMENT]: environment.name,
      [LABEL_HOST]: host.name,
      [LABEL_MOUNTS]: mountsLabel(mounts),
      [LABEL_ROLE]: ROLE.workspace,
      [LABEL_USER]: user.name,
    },
    mounts,
    volumes: [],
    tmpfs: environment.readOnlyRoot ? TMP_TMPFS : {},
    ports: [],
    memoryMiB: ws.memoryMiB,
    nanoCpus: ws.nanoCpus,
    pidsLimit: ws.pidsLimit,
    readOnlyRoot: environment.readOnlyRoot,
    restart: ws.restart,
    ...HARDENING,
    capAdd: [],
    network: host.network,
    oneShot: false,
    ...(idle ? { stopsWhenIdle: true } : {}),
  };
}

function optional<T>(item: T | undefined): T[] {
  return item === undefined ? [] : [item];
}

/** The named volume that binds a user's home in Compose. */
export function homeVolume(user: string): string {
  return `home-${user}`;
}

/** What the home-making container mounts is below this: a tmpfs of its own. */
const HOMEDOCK_DIR = "/homedock";
/** Where a home appears inside the home-making container: each bound alone, never its parent. */
const HOMES_MOUNT = `${HOMEDOCK_DIR}/homes`;

/** src/container/root/home.sh: gives each home Docker just made to its user, and makes each user's socket directories. */
export const HOME_SCRIPT = rootScript("home.sh");

/**
 * The users whose homes one image makes, in one one-shot container. A user's home is
 * only ever touched by the image that user runs (or the admin's initImage): a config is
 * untrusted input, and an environment's image must not reach the homes of users who
 * never chose it.
 */
export interface HomeGroup {
  /**
   * What names the group, in config terms: `homes` for the host's initImage (one group
   * for every user), else `homes-<environment>` for the first environment (in config
   * order) whose image it is; with `.<n>` after it (0 to 7) when the image's users are
   * more than HOME_GROUP_MOST and are split. The Compose service and the Terraform
   * construct id.
   */
  readonly key: string;
  /** The one-shot container's name: `<host>-<key>`. */
  readonly containerName: string;
  /** The image that runs as root over these homes. */
  readonly image: string;
  /** The environment that names the group; undefined for initImage. */
  readonly environment?: string;
  /** Its users, in config order: each has a workspace and something to make. */
  readonly users: readonly UserModel[];
}

/**
 * The one-shot containers that make homes: one per home image (a user's home image is
 * `host.initImage`, else the image of the user's first environment). Named for the
 * first environment with that image, never by position: adding or removing a user
 * changes only the group the user is in. An image with more than HOME_GROUP_MOST users
 * has HOME_GROUP_SPLIT one-shots (`<key>.<n>`, each user's by homeSplit), so that adding a
 * user replaces and runs again a one-shot of a few homes, not one of every home: the
 * plan of a container with many binds is most of an added user's deploy.
 */
export function homeGroups(host: HostModel): HomeGroup[] {
  const byImage = new Map<string, UserModel[]>();
  for (const user of host.users) {
    const image = homeInitImage(host, user);
    if (image === undefined || workspacesOf(host, user.name).length === 0) continue;
    const users = byImage.get(image) ?? [];
    users.push(user);
    byImage.set(image, users);
  }
  const groups = [...byImage].flatMap(([image, users]): HomeGroup[] => {
    // initImage is one image for all; an environment's image is named by the first
    // environment that has it (some has: a user's first environment's).
    const environment = host.initImage === undefined ? host.environments.find((e) => e.image === image)!.name : undefined;
    const key = environment === undefined ? "homes" : `homes-${environment}`;
    const group = (key: string, users: UserModel[]): HomeGroup => ({
      key,
      containerName: `${host.name}-${key}`,
      image,
      ...(environment === undefined ? {} : { environment }),
      users,
    });
    if (users.length <= HOME_GROUP_MOST) return [group(key, users)];
    // No environment's name has a ".", and a workspace's is "<user>.<environment>", whose
    // environment cannot start with a digit: "<key>.<n>" names nothing else.
    const split = Array.from({ length: HOME_GROUP_SPLIT }, (): UserModel[] => []);
    for (const user of users) split[homeSplit(user.name)].push(user);
    return split.flatMap((part, n) => (part.length === 0 ? [] : [group(`${key}.${n}`, part)]));
  });
  const order = (g: HomeGroup) => (g.environment === undefined ? -1 : host.environments.findIndex((e) => e.name === g.environment));
  // Stable: a split image's one-shots stay in their order.
  return groups.sort((a, b) => order(a) - order(b));
}

/**
 * Makes the homes of a group's users on the Docker host where they are missing, each
 * owned by its user with the host's home mode; an existing home (or anything else by
 * that name) is left exactly as it is. Behind a front door it also makes each user's
 * socket directories and writes their deploy nonces. Each home is bound alone, and
 * Docker makes it if missing (root's, 0755, empty: the one thing the script gives to
 * the user), so whatever the image's shell does, it can touch no home but its group's.
 * Root with CHOWN alone, since a new home must change owner.
 */
export function homesContainer(host: HostModel, group: HomeGroup): ContainerSpec {
  const mounts: BindMount[] = [];
  const command: string[] = [host.homeMode];
  for (const user of group.users) {
    const routed = workspacesOf(host, user.name).filter((ws) => ws.route !== undefined);
    const runtime = routed.length > 0 && host.frontDoor !== undefined;
    const home = `${HOMES_MOUNT}/${user.name}`;
    const tree = `${RUNTIME_MOUNT}/${user.name}`;
    // Docker creates a missing home here, root's; the script gives it to the user.
    if (host.createHomes) mounts.push({ source: user.home, target: home, readOnly: false, createSource: true });
    if (runtime) mounts.push({ ...runtimeMount(`${host.frontDoor.runtimeDir}/${user.name}`), target: tree });
    const envs = runtime ? routed.map((ws) => ws.environment.name) : [];
    // "-" for none: the Docker provider refuses an empty argument.
    const path = host.createHomes ? mountinfoPath(user.home) : "-";
    command.push(user.name, host.createHomes ? home : "-", path, `${user.uid}:${user.gid}`, runtime ? tree : "-", String(envs.length), ...envs);
  }
  return {
    name: group.containerName,
    image: group.image,
    user: "0:0",
    groupAdd: [],
    entrypoint: ["/bin/sh", "-c", HOME_SCRIPT, "homedock-home"],
    command,
    workingDir: "/",
    env: {},
    secrets: [],
    secretFiles: [],
    labels: {
      [LABEL_HOST]: host.name,
      [LABEL_MOUNTS]: mountsLabel(mounts),
      [LABEL_ROLE]: ROLE.home,
      [LABEL_USERS]: group.users.map((u) => u.name).join(","),
    },
    mounts,
    volumes: [],
    // Under a tmpfs, made anew at every start: Docker makes each bind's mount point as
    // its source is (a directory, or a file where a file is by a home's name), and one
    // left in the container's own layer by an earlier run would refuse a source of the
    // other kind next time (a file removed, the home made): the one-shot could then never
    // run again without being replaced.
    tmpfs: { [HOMEDOCK_DIR]: "rw,nosuid,nodev,noexec,size=64k,mode=0755" },
    ports: [],
    ...ONE_SHOT_LIMITS,
    readOnlyRoot: true,
    restart: "no",
    ...HARDENING,
    // Spelled as Docker reports it back; "CHOWN" made every plan replace the container.
    capAdd: ["CAP_CHOWN"],
    network: undefined,
    oneShot: true,
  };
}

/** A path as /proc/self/mountinfo writes it: a space, tab, newline and backslash in octal (a config's paths have no other control characters). */
function mountinfoPath(p: string): string {
  return p.replace(/[\\ \t\n]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, "0")}`);
}

/**
 * The image that creates a user's home (and socket directories): the host's initImage,
 * else the user's first environment's. Undefined when there is nothing to create
 * (createHomes off and no front door route, or no workspace).
 */
export function homeInitImage(host: HostModel, user: UserModel): string | undefined {
  const mine = workspacesOf(host, user.name);
  if (!host.createHomes && !mine.some((ws) => ws.route !== undefined)) return undefined;
  return host.initImage ?? mine[0]?.environment.image;
}
