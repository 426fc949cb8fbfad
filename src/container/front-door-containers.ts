// The front door's containers and the Jupyter flags it needs, decided once from the model
// (like container.ts) for both renderers.
import { type FrontDoorModel, WORKSPACE_RUNTIME_DIR } from "../model/front-door";
import type { HostModel, WorkspaceModel } from "../model/model";
import { stopsWhenIdle } from "../model/workspaces";
import { DOCKER_FILTER_DIR, dockerFilterVolume, idleWorkspaces } from "./docker-filter";
import {
  type BindMount,
  type ContainerSpec,
  HARDENING,
  type PortSpec,
  LABEL_HOST,
  LABEL_MOUNTS,
  LABEL_ROLE,
  mountsLabel,
  ONE_SHOT_LIMITS,
  ROLE,
  rootScript,
  TMP_TMPFS,
  type VolumeMount,
} from "./common";

/** Where the proxy sees the whole tree of the workspaces' socket directories (a workspace its own: WORKSPACE_RUNTIME_DIR). */
export const PROXY_RUNTIME_DIR = "/run/homedock";
export const SOCKET_NAME = "jupyter.sock";
/** Where the proxy reads its Caddyfile (watched: a new file is a reload, not a restart). */
export const PROXY_CONFIG_DIR = "/homedock/config";
export const CADDYFILE = "Caddyfile";
export const PROXY_TLS_CERT = "/homedock/tls/cert.pem";
export const PROXY_TLS_KEY = "/homedock/tls/key.pem";
/** On a Swarm, where the front door's services read homedock's certificates (peers.json), and the CA that made them. */
export const PEERS_DIR = "/homedock/peers";
export const DOOR_CA = `${PEERS_DIR}/ca.crt`;
/** Where the Terraform setup container receives the config files before copying them into the config volume. */
export const UPLOAD_DIR = "/homedock/upload";

/** The flags a Jupyter workspace gets: socket, prefix and no token behind the front door; kernel culling. */
export function jupyterFlags(ws: WorkspaceModel): string[] {
  const { jupyter, idleKernelTimeout } = ws.environment;
  if (jupyter === undefined) return [];
  const app = jupyter === "server" ? "ServerApp" : "NotebookApp";
  const flags: string[] = [];
  if (ws.route !== undefined) {
    flags.push(
      `--${app}.sock=${WORKSPACE_RUNTIME_DIR}/${SOCKET_NAME}`,
      `--${app}.base_url=${ws.route.prefix}`,
      // The proxy keeps the browser's Host, which is not one of the server's local names.
      `--${app}.allow_remote_access=True`,
      // X-Forwarded-Proto: the server knows it is served over https.
      `--${app}.trust_xheaders=True`,
      // The proxy's login is the only one. A token would let a token-bearing request skip
      // Jupyter's XSRF and Origin checks, and clashes with proxy basic auth in JupyterLab.
      `--${app}.token=`,
      `--${app}.open_browser=False`,
    );
  }
  // The server's idle timeout, where it stops when idle.
  const idleTimeout = stopsWhenIdle(ws) ? ws.environment.idleTimeout : undefined;
  // A server stops only once it has no kernel and no terminal: idle ones are culled
  // within the idle timeout, so that they do not hold it up.
  const kernelTimeout = idleTimeout !== undefined ? Math.min(idleTimeout, idleKernelTimeout ?? idleTimeout) : idleKernelTimeout;
  if (kernelTimeout !== undefined) {
    flags.push(
      `--MappingKernelManager.cull_idle_timeout=${kernelTimeout}`,
      `--MappingKernelManager.cull_interval=${Math.min(300, kernelTimeout)}`,
      // An open browser tab does not keep an idle kernel alive; a busy kernel is never culled.
      "--MappingKernelManager.cull_connected=True",
    );
  }
  if (idleTimeout !== undefined) {
    flags.push(
      // Jupyter's own: no kernel, no terminal and no request for this long, and the
      // server exits (0). It looks once a minute.
      `--${app}.shutdown_no_activity_timeout=${idleTimeout}`,
      `--TerminalManager.cull_inactive_timeout=${idleTimeout}`,
      `--TerminalManager.cull_interval=${Math.min(300, idleTimeout)}`,
    );
  }
  return flags;
}

/** A workspace's socket directory, mounted read-write at WORKSPACE_RUNTIME_DIR. */
export function workspaceRuntimeMount(ws: WorkspaceModel): BindMount | undefined {
  if (ws.route === undefined) return undefined;
  return {
    source: ws.route.socketDir,
    target: WORKSPACE_RUNTIME_DIR,
    readOnly: false,
    composeVolume: `run-${ws.user.name}.${ws.environment.name}`,
  };
}

/**
 * The login's network: the proxy and the login's two containers, and nothing else; no
 * way out (internal). The proxy reaches them there by name. Their own network, not the
 * proxy's namespace: a container in another's namespace stays in the old one when that
 * one restarts, and the door would lose its login.
 */
export function loginNetwork(host: HostModel): string {
  return `${host.name}-login`;
}

/**
 * The way out of an OpenID Connect login's sign-in to its provider: a network of its
 * own. Not the workspaces' network, which the proxy is on too: there the proxy could find
 * the sign-in by name at an address it cannot reach (inter-container traffic is off).
 */
export function loginEgressNetwork(host: HostModel): string {
  return `${host.name}-login-out`;
}

/** The named volumes of the front door, the same Docker names in both renderings. */
export function frontDoorVolumes(host: HostModel): { readonly data: string; readonly config: string } {
  return { data: `${host.name}-frontdoor-data`, config: `${host.name}-frontdoor-config` };
}

/** Where the proxy's Caddyfile comes from: a named volume (Terraform) or a directory beside the Compose file. */
export type CaddyfileSource = { readonly volume: string } | { readonly bind: string };

/** src/container/root/protected-links.sh: the proxy starts only where the kernel keeps it from following its users' links. */
const PROTECTED_LINKS_SCRIPT = rootScript("protected-links.sh");
/** src/container/root/frontdoor-setup.sh */
const SETUP_SCRIPT = rootScript("frontdoor-setup.sh");

/**
 * The proxy: Caddy, the only container that publishes ports. Root inside, for two
 * capabilities only: DAC_OVERRIDE to reach sockets (0600) of every user, and
 * NET_BIND_SERVICE for 443 and 80. No other capability, no-new-privileges, a read-only
 * root, limits; it mounts the socket tree, its data volume (certificates, Caddy's
 * local CA), its config and nothing else. A user can put anything in their socket
 * directory in place of the socket; the only thing that could lead the proxy
 * elsewhere, a link, the kernel refuses it (see src/container/root/home.sh), and the proxy
 * does not start on a kernel that would not.
 */
export function proxyContainer(host: HostModel, caddyfile: CaddyfileSource): ContainerSpec {
  const frontDoor = host.frontDoor!;
  const volumes = frontDoorVolumes(host);
  const tls: BindMount[] =
    frontDoor.tls.mode === "files"
      ? [
          { source: frontDoor.tls.certFile, target: PROXY_TLS_CERT, readOnly: true },
          { source: frontDoor.tls.keyFile, target: PROXY_TLS_KEY, readOnly: true },
        ]
      : [];
  const config: VolumeMount[] = "volume" in caddyfile ? [{ name: caddyfile.volume, target: PROXY_CONFIG_DIR, readOnly: true }] : [];
  // The Docker API filter's socket: the wake route's way to start a workspace.
  const filter: VolumeMount[] = idleWorkspaces(host).length > 0 ? [{ name: dockerFilterVolume(host), target: DOCKER_FILTER_DIR, readOnly: true }] : [];
  const configBind: BindMount[] = "bind" in caddyfile ? [{ source: caddyfile.bind, target: PROXY_CONFIG_DIR, readOnly: true }] : [];
  const mounts: BindMount[] = [
    // Read-only: connecting to a socket is not a write to the file system.
    { source: frontDoor.runtimeDir, target: PROXY_RUNTIME_DIR, readOnly: true, composeVolume: "frontdoor-run" },
    ...configBind,
    ...tls,
  ];
  return {
    name: frontDoor.containerName,
    image: frontDoor.image,
    user: "0:0",
    groupAdd: [],
    entrypoint: ["/bin/sh", "-c", PROTECTED_LINKS_SCRIPT, "homedock-links", "caddy"],
    command: ["run", "--config", `${PROXY_CONFIG_DIR}/${CADDYFILE}`, "--adapter", "caddyfile", "--watch"],
    workingDir: "/",
    env: { XDG_CONFIG_HOME: "/config", XDG_DATA_HOME: "/data" },
    secrets: [],
    secretFiles: [],
    labels: { [LABEL_HOST]: host.name, [LABEL_MOUNTS]: mountsLabel(mounts), [LABEL_ROLE]: ROLE.proxy },
    mounts,
    volumes: [{ name: volumes.data, target: "/data", readOnly: false }, ...config, ...filter],
    tmpfs: { ...TMP_TMPFS, "/config": "rw,nosuid,nodev,mode=0700" },
    ports: frontDoorPorts(frontDoor, frontDoor.listen),
    ...proxyRunning(frontDoor),
    capAdd: ["CAP_DAC_OVERRIDE", "CAP_NET_BIND_SERVICE"],
    network: host.network,
    // The login's network: where it reaches the session check and the sign-in.
    extraNetworks: [loginNetwork(host)],
    oneShot: false,
  };
}

/** The HTTPS and HTTP ports of the front door, published on each of `ips`. */
export function frontDoorPorts(frontDoor: FrontDoorModel, ips: readonly string[]): PortSpec[] {
  return ips.flatMap((ip) => [
    { ip, external: frontDoor.httpsPort, internal: 443 },
    { ip, external: frontDoor.httpPort, internal: 80 },
  ]);
}

/** How every proxy of the front door runs: its limits, a read-only root, restarted unless stopped, hardened. */
export function proxyRunning(frontDoor: FrontDoorModel) {
  return {
    memoryMiB: frontDoor.memoryMiB,
    nanoCpus: frontDoor.nanoCpus,
    pidsLimit: frontDoor.pidsLimit,
    readOnlyRoot: true,
    restart: "unless-stopped",
    ...HARDENING,
  } as const;
}

/** Where the one-shot containers see the socket directory they make things in. */
export const RUNTIME_MOUNT = "/homedock/runtime";

/**
 * `dir` (below the runtime root) for a one-shot container that makes things in it.
 * Docker creates it if missing, root's; the one-shot makes it private (0700). Nothing
 * above it is mounted, so no root container holds a directory it has no business in.
 */
export function runtimeMount(dir: string): BindMount {
  return { source: dir, target: RUNTIME_MOUNT, readOnly: false, createSource: true };
}

/**
 * Runs once before the proxy (src/container/root/frontdoor-setup.sh): makes the socket tree
 * root's and private (see runtimeMount) and, given config files (Terraform, which
 * uploads them here from a sensitive variable), puts each into the config volume by
 * rename, so the watching proxy and login never read half a file. It starts only where
 * the proxy can.
 */
export function frontDoorSetupContainer(host: HostModel, files: readonly string[]): ContainerSpec {
  const frontDoor = host.frontDoor!;
  const volumes = frontDoorVolumes(host);
  const withFiles = files.length > 0;
  return {
    name: `${frontDoor.containerName}.setup`,
    image: frontDoor.image,
    user: "0:0",
    groupAdd: [],
    entrypoint: ["/bin/sh", "-c", PROTECTED_LINKS_SCRIPT, "homedock-links", "/bin/sh", "-c", SETUP_SCRIPT, "homedock-frontdoor"],
    command: [RUNTIME_MOUNT, ...files.flatMap((f) => [`${UPLOAD_DIR}/${f}`, `${PROXY_CONFIG_DIR}/${f}`])],
    workingDir: "/",
    env: {},
    secrets: [],
    secretFiles: files.map((f) => `${UPLOAD_DIR}/${f}`),
    labels: { [LABEL_HOST]: host.name, [LABEL_MOUNTS]: mountsLabel([runtimeMount(frontDoor.runtimeDir)]), [LABEL_ROLE]: ROLE.frontDoorSetup },
    mounts: [runtimeMount(frontDoor.runtimeDir)],
    volumes: withFiles ? [{ name: volumes.config, target: PROXY_CONFIG_DIR, readOnly: false }] : [],
    tmpfs: {},
    ports: [],
    ...ONE_SHOT_LIMITS,
    // The provider uploads into the container's own file system, which must be writable.
    readOnlyRoot: !withFiles,
    restart: "no",
    ...HARDENING,
    capAdd: [],
    network: undefined,
    oneShot: true,
  };
}
