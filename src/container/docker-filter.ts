// The one container that holds the Docker socket, and what it lets through: starting a
// declared workspace that stops when idle, nothing else. The front door's wake route is
// its only client; homedock renders its allow-list from the model, so what the waker may
// do is enforced here, outside the waker.
import type { HostModel, WorkspaceModel } from "../model/model";
import { stopsWhenIdle } from "../model/workspaces";
import { type BindMount, type ContainerSpec, HARDENING, LABEL_HOST, LABEL_MOUNTS, LABEL_ROLE, mountsLabel, ROLE, rootScript, TMP_TMPFS } from "./common";

/** The Docker socket on the Docker host. */
export const DOCKER_SOCKET = "/var/run/docker.sock";
/** Where the filter listens, in a volume only it and the proxy mount. */
export const DOCKER_FILTER_DIR = "/run/homedock-docker";
export const DOCKER_FILTER_SOCKET = `${DOCKER_FILTER_DIR}/api.sock`;
/** The variable the filter's entrypoint writes its Caddyfile from. */
export const DOCKER_FILTER_CONFIG_VARIABLE = "HOMEDOCK_DOCKER_FILTER";

/**
 * src/container/root/docker-filter.sh: removes a socket left by the last run (at
 * DOCKER_FILTER_SOCKET) before Caddy binds its own, writes the Caddyfile from
 * DOCKER_FILTER_CONFIG_VARIABLE and runs Caddy on it. One line, no comment and no final
 * newline: every byte of it is in the entrypoint, and another entrypoint replaces a
 * running filter at the next deploy.
 */
const FILTER_SCRIPT = rootScript("docker-filter.sh");

/** The workspaces that stop when idle: the only containers the filter lets anyone start. */
export function idleWorkspaces(host: HostModel): WorkspaceModel[] {
  return host.workspaces.filter(stopsWhenIdle);
}

/** The volume that carries the filter's socket to the proxy. */
export function dockerFilterVolume(host: HostModel): string {
  return `${host.name}-docker-filter`;
}

/** The path of a start of `container`, as the front door asks for it (no API version: the engine's own). */
export function startPath(container: string): string {
  return `/containers/${container}/start`;
}

/**
 * The filter's Caddyfile: POST of a declared workspace's start, without a query or a
 * body, goes to the Docker socket; everything else gets 403. A start request carries no
 * configuration (the engine refuses a body since API 1.24), so it cannot add a mount or
 * a capability. Names are matched whole; they contain "-" and ".", so the engine cannot
 * take one for a container id's prefix.
 */
export function dockerFilterCaddyfile(host: HostModel): string {
  const names = idleWorkspaces(host).map((ws) => ws.containerName.replace(/\./g, "\\."));
  return [
    "{",
    "\tadmin off",
    "\tauto_https off",
    "}",
    "http:// {",
    `\tbind unix/${DOCKER_FILTER_SOCKET}`,
    "\t@start {",
    "\t\tmethod POST",
    `\t\tpath_regexp ^/containers/(${names.join("|")})/start$`,
    '\t\texpression `{http.request.uri.query} == "" && {http.request.header.Content-Length} in ["", "0"] && {http.request.header.Transfer-Encoding} == ""`',
    "\t}",
    "\thandle @start {",
    `\t\treverse_proxy unix/${DOCKER_SOCKET}`,
    "\t}",
    "\thandle {",
    '\t\trespond "refused: homedock\'s Docker API filter lets through only the start of a declared workspace" 403',
    "\t}",
    "}",
    "",
  ].join("\n");
}

/**
 * The filter: Caddy (the front door's image) in front of the Docker socket. Root, for the
 * socket is root's (0660), with no capability at all; no network (it listens on a unix
 * socket in a volume that only the proxy mounts besides it), a read-only root, limits.
 * Its allow-list changes with the workspaces; a change replaces the container.
 */
export function dockerFilterContainer(host: HostModel): ContainerSpec {
  const mounts: BindMount[] = [{ source: DOCKER_SOCKET, target: DOCKER_SOCKET, readOnly: false }];
  return {
    name: `${host.name}-docker-filter`,
    image: host.frontDoor!.image,
    user: "0:0",
    groupAdd: [],
    entrypoint: ["/bin/sh", "-c", FILTER_SCRIPT, "homedock-docker-filter"],
    command: [],
    workingDir: "/",
    env: { [DOCKER_FILTER_CONFIG_VARIABLE]: dockerFilterCaddyfile(host), XDG_CONFIG_HOME: "/tmp", XDG_DATA_HOME: "/tmp" },
    secrets: [],
    secretFiles: [],
    labels: { [LABEL_HOST]: host.name, [LABEL_MOUNTS]: mountsLabel(mounts), [LABEL_ROLE]: ROLE.dockerFilter },
    mounts,
    volumes: [{ name: dockerFilterVolume(host), target: DOCKER_FILTER_DIR, readOnly: false }],
    tmpfs: { ...TMP_TMPFS },
    ports: [],
    memoryMiB: 64,
    nanoCpus: 0.5e9,
    pidsLimit: 64,
    readOnlyRoot: true,
    restart: "unless-stopped",
    ...HARDENING,
    capAdd: [],
    network: undefined,
    oneShot: false,
  };
}
