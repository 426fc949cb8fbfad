// The front door across Swarm nodes, decided once from the model for the stack file:
// an entry proxy on the first node (the published ports, the login), a proxy per node
// that reaches that node's workspace sockets, and between them an overlay that only the
// proxies join, with TLS and client certificates of homedock's own CA on that hop.
import type { HostModel } from "../model/model";
import { doorServiceName, doorsNetwork, ENTRY_PEER, entryNetwork, entryNode } from "../model/swarm";
import { type ContainerSpec, LABEL_HOST, LABEL_MOUNTS, LABEL_ROLE, mountsLabel, ROLE, rootScript, TMP_TMPFS } from "./common";
import {
  CADDYFILE,
  DOOR_CA,
  frontDoorPorts,
  frontDoorVolumes,
  loginEgressNetwork,
  loginNetwork,
  PEERS_DIR,
  PROXY_CONFIG_DIR,
  PROXY_RUNTIME_DIR,
  proxyRunning,
} from "./front-door-containers";
import { LOGIN_CA_FILE, LOGIN_CERT, LOGIN_FILES, LOGIN_KEY, LOGIN_PEM, type LoginFile, loginContainerNames, loginContainers } from "./login";
import { HOME_SCRIPT } from "./container";
import { workspacesOf } from "../model/workspaces";

/** Where the proxies read their certificates. */
export const DOOR_CERT = `${PEERS_DIR}/door.crt`;
export const DOOR_KEY = `${PEERS_DIR}/door.key`;
export const ENTRY_CERT = `${PEERS_DIR}/entry.crt`;
export const ENTRY_KEY = `${PEERS_DIR}/entry.key`;
/** The header in which the entry proxy names the workspace (`<user>/<environment>`) a node's proxy is to reach. */
export const WORKSPACE_HEADER = "X-Homedock-Workspace";

/** The files of the proxies across nodes, beside the entry's Caddyfile and the login's in the front door's config directory. */
export const DOOR_FILES = {
  caddyfile: "door.Caddyfile",
  ca: "peers-ca.crt",
  entryCert: "peers-entry.crt",
  entryKey: "peers-entry.key",
  /** With `login.caFile`: the CA the sign-in checks the provider's certificate with, read where homedock runs (certificates alone). */
  loginCa: "login-provider-ca.pem",
} as const;

/** A login service's certificate and key files, and both in one (as HAProxy, the limiter, reads them). */
export function loginPeerFiles(service: string): { readonly cert: string; readonly key: string; readonly pem: string } {
  return { cert: `peers-${service}.crt`, key: `peers-${service}.key`, pem: `peers-${service}.pem` };
}

/** A node's proxy's certificate and key files. */
export function nodePeerFiles(node: string): { readonly cert: string; readonly key: string } {
  return { cert: `peers-${doorServiceName(node)}.crt`, key: `peers-${doorServiceName(node)}.key` };
}

/** A file of the front door's config directory that a service reads as a Swarm secret, and where it reads it. */
export interface SecretFile {
  readonly file: string;
  readonly target: string;
}

/** A service of the front door in the stack file. */
export interface DoorService {
  readonly service: string;
  readonly spec: ContainerSpec;
  /** The node it runs on. */
  readonly node: string;
  readonly secrets: readonly SecretFile[];
}

/**
 * The stack's overlays of the front door: the entry's own (not internal: its ports in
 * host mode come in through it), the proxies' (internal: no node reaches a node's
 * proxy), the login's (internal), an OpenID Connect sign-in's way out.
 */
export function doorNetworks(host: HostModel): { readonly name: string; readonly internal: boolean }[] {
  return [
    { name: entryNetwork(host.name), internal: false },
    { name: doorsNetwork(host.name), internal: true },
    { name: loginNetwork(host), internal: true },
    ...(host.frontDoor!.login.method === "oidc" ? [{ name: loginEgressNetwork(host), internal: false }] : []),
  ];
}

const config = (file: string): SecretFile => ({ file, target: `${PROXY_CONFIG_DIR}/${file}` });

/**
 * The entry proxy: Caddy, the only service that publishes ports (host mode, on its node),
 * with the login as on one host. Root inside for NET_BIND_SERVICE alone (443 and 80): it
 * reaches no socket. Its data volume (Caddy's local CA, ACME certificates) on its node;
 * its Caddyfile and its client certificate as secrets.
 */
function entryContainer(host: HostModel): ContainerSpec {
  const frontDoor = host.frontDoor!;
  return {
    name: ENTRY_PEER,
    image: frontDoor.image,
    user: "0:0",
    groupAdd: [],
    entrypoint: ["caddy"],
    command: ["run", "--config", `${PROXY_CONFIG_DIR}/${CADDYFILE}`, "--adapter", "caddyfile"],
    workingDir: "/",
    env: { XDG_CONFIG_HOME: "/tmp/config", XDG_DATA_HOME: "/data" },
    secrets: [],
    secretFiles: [],
    labels: { [LABEL_HOST]: host.name, [LABEL_ROLE]: ROLE.proxy },
    mounts: [],
    volumes: [{ name: frontDoorVolumes(host).data, target: "/data", readOnly: false }],
    tmpfs: { ...TMP_TMPFS },
    // Host mode takes no address: every address of the node.
    ports: frontDoorPorts(frontDoor, ["0.0.0.0"]),
    ...proxyRunning(frontDoor),
    capAdd: ["CAP_NET_BIND_SERVICE"],
    network: entryNetwork(host.name),
    extraNetworks: [doorsNetwork(host.name), loginNetwork(host)],
    oneShot: false,
  };
}

/** src/container/root/protected-links.sh, as on one host. */
const PROTECTED_LINKS_SCRIPT = rootScript("protected-links.sh");

/**
 * A node's proxy: Caddy on DOOR_PORT (no published port), on the proxies' overlay only.
 * Root for DAC_OVERRIDE alone, to reach the sockets (0600) of every user on its node,
 * which it mounts read-only as one host's proxy does; the same Caddyfile on every node
 * and for every set of users, so adding a user restarts no node's proxy.
 */
function doorContainer(host: HostModel, node: string): ContainerSpec {
  const frontDoor = host.frontDoor!;
  const mounts = [{ source: frontDoor.runtimeDir, target: PROXY_RUNTIME_DIR, readOnly: true }];
  return {
    name: doorServiceName(node),
    image: frontDoor.image,
    user: "0:0",
    groupAdd: [],
    entrypoint: ["/bin/sh", "-c", PROTECTED_LINKS_SCRIPT, "homedock-links", "caddy"],
    command: ["run", "--config", `${PROXY_CONFIG_DIR}/${CADDYFILE}`, "--adapter", "caddyfile"],
    workingDir: "/",
    env: { XDG_CONFIG_HOME: "/tmp/config", XDG_DATA_HOME: "/tmp/data" },
    secrets: [],
    secretFiles: [],
    labels: { [LABEL_HOST]: host.name, [LABEL_MOUNTS]: mountsLabel(mounts), [LABEL_ROLE]: ROLE.nodeProxy },
    mounts,
    volumes: [],
    tmpfs: { ...TMP_TMPFS },
    ports: [],
    ...proxyRunning(frontDoor),
    capAdd: ["CAP_DAC_OVERRIDE"],
    network: doorsNetwork(host.name),
    oneShot: false,
  };
}

/**
 * The login's files each of its services reads: its own certificate, then the pages and
 * the cookie's secret, then who may sign in (the sign-in only); the limiter its config,
 * its own certificate and the CA that checks the sign-in's.
 */
function loginSecrets(host: HostModel, role: "check" | "signIn" | "limiter"): SecretFile[] {
  const login = host.frontDoor!.login;
  const own = loginPeerFiles(loginContainerNames(host)[role]);
  if (role === "limiter") return [config(LOGIN_FILES.limiterConfig), { file: own.pem, target: LOGIN_PEM }, { file: DOOR_FILES.ca, target: DOOR_CA }];
  const tls = [
    { file: own.cert, target: LOGIN_CERT },
    { file: own.key, target: LOGIN_KEY },
  ];
  const providerCa = role === "signIn" && login.oidc?.caFile !== undefined ? [{ file: DOOR_FILES.loginCa, target: LOGIN_CA_FILE }] : [];
  const who: LoginFile[] =
    login.method === "oidc"
      ? role === "check"
        ? [LOGIN_FILES.identities]
        : [LOGIN_FILES.clientSecret, LOGIN_FILES.identities]
      : role === "check"
        ? []
        : [LOGIN_FILES.htpasswd];
  return [...tls, ...[LOGIN_FILES.signInPage, LOGIN_FILES.errorPage, LOGIN_FILES.cookieSecret, ...who].map(config), ...providerCa];
}

/** The front door's services in the stack file: the entry proxy, each node's proxy, the login's on the entry's node. */
export function doorServices(host: HostModel): DoorService[] {
  const nodes = host.swarm!.nodes;
  const entry = entryNode(nodes);
  const [check, signIn, limiter] = loginContainers(host, { secrets: true });
  return [
    {
      service: ENTRY_PEER,
      spec: entryContainer(host),
      node: entry,
      secrets: [
        config(CADDYFILE),
        { file: DOOR_FILES.ca, target: DOOR_CA },
        { file: DOOR_FILES.entryCert, target: ENTRY_CERT },
        { file: DOOR_FILES.entryKey, target: ENTRY_KEY },
      ],
    },
    ...nodes.map((node) => ({
      service: doorServiceName(node),
      spec: doorContainer(host, node),
      node,
      secrets: [
        { file: DOOR_FILES.caddyfile, target: `${PROXY_CONFIG_DIR}/${CADDYFILE}` },
        { file: DOOR_FILES.ca, target: DOOR_CA },
        { file: nodePeerFiles(node).cert, target: DOOR_CERT },
        { file: nodePeerFiles(node).key, target: DOOR_KEY },
      ],
    })),
    { service: check.name, spec: check, node: entry, secrets: loginSecrets(host, "check") },
    { service: signIn.name, spec: signIn, node: entry, secrets: loginSecrets(host, "signIn") },
    ...(limiter === undefined ? [] : [{ service: limiter.name, spec: limiter, node: entry, secrets: loginSecrets(host, "limiter") }]),
  ];
}

/** src/container/root/door-setup.sh */
const DOOR_SETUP_SCRIPT = rootScript("door-setup.sh");
/** Where the node's setup job sees the front door's runtime root. */
export const SETUP_RUNTIME_MOUNT = "/homedock/runtime";

/**
 * The command of a node's setup job (entrypoint and arguments): the host's socket tree
 * on that node, each of its users' trees, and their socket directories (home.sh, as on
 * one host, homes left alone).
 */
export function doorSetupCommand(host: HostModel, node: string): string[] {
  const users = host.users.filter((u) => u.node === node && workspacesOf(host, u.name).some((ws) => ws.route !== undefined));
  const tree = `${SETUP_RUNTIME_MOUNT}/${host.name}`;
  const homeArgs = users.flatMap((u) => {
    const envs = workspacesOf(host, u.name)
      .filter((ws) => ws.route !== undefined)
      .map((ws) => ws.environment.name);
    return [u.name, "-", "-", `${u.uid}:${u.gid}`, `${tree}/${u.name}`, String(envs.length), ...envs];
  });
  return [
    "/bin/sh",
    "-c",
    DOOR_SETUP_SCRIPT,
    "homedock-door-setup",
    SETUP_RUNTIME_MOUNT,
    host.name,
    ...users.map((u) => u.name),
    "--",
    HOME_SCRIPT,
    host.homeMode,
    ...homeArgs,
  ];
}
