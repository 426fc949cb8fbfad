// The front door in the model: one proxy in front of every Jupyter workspace, reached at
// https://<site>/user/<user>/<env>/, each server on a unix socket in a directory of its own.
import type { FrontDoorConfig, LoginConfig } from "../config/schema";
import { FAILED_SIGN_INS_DEFAULTS } from "../config/defaults";

/**
 * Where a workspace sees its socket directory. Here, below the container spec that mounts
 * it, because validation keeps shared mounts apart from it (checks/shared-mounts.ts).
 */
export const WORKSPACE_RUNTIME_DIR = "/run/homedock";
/**
 * Where a workspace that stops when idle reads the nonce of the last deploy (read-only):
 * `<runtimeDir>/<user>/.deploy`, root's, which no user can write.
 */
export const WORKSPACE_DEPLOY_DIR = "/run/homedock-deploy";

/** The claim that names a user at an OpenID Connect provider unless frontDoor.login.claim says another. */
export const DEFAULT_CLAIM = "preferred_username";

/** How the front door gets its certificate: Caddy's local CA, ACME with an email, or files on the Docker host. */
export type TlsModel =
  | { readonly mode: "internal" }
  | { readonly mode: "acme"; readonly email: string }
  | { readonly mode: "files"; readonly certFile: string; readonly keyFile: string };

/** An OpenID Connect provider the login signs users in with. */
export interface OidcModel {
  /** Its issuer URL. */
  readonly issuer: string;
  /** The client id homedock is registered with. */
  readonly clientId: string;
  /** The ID token claim that names the user (users' identity). */
  readonly claim: string;
  /** A CA certificate on the Docker host the provider's certificate is checked against. */
  readonly caFile?: string;
}

/** How users sign in at the front door: oauth2-proxy behind the proxy's forward_auth. */
export interface LoginModel {
  /** password: a sign-in page over the hashes homedock passwd sets; oidc: an OpenID Connect provider. */
  readonly method: "password" | "oidc";
  /** Seconds a session lasts. */
  readonly sessionSeconds: number;
  /** Set where method is oidc. */
  readonly oidc?: OidcModel;
  /** oauth2-proxy's image. */
  readonly image: string;
  /** Memory limit of each of the login's containers, in MiB. */
  readonly memoryMiB: number;
  /** CPU limit of the sign-in container in billionths of a CPU. */
  readonly nanoCpus: number;
  /** The limit on wrong passwords; set where method is password. */
  readonly failedSignIns?: FailedSignInsModel;
}

/** How many wrong passwords the sign-in takes, per user name and per address, within a window. */
export interface FailedSignInsModel {
  /** Failed sign-ins for one user name within the window, before that name is refused. */
  readonly perUser: number;
  /** Failed sign-ins from one client address (an IPv6 client's /64) within the window, before that address is refused. */
  readonly perAddress: number;
  /** The window, in seconds. */
  readonly windowSeconds: number;
  /** The limiter's (HAProxy) image. */
  readonly image: string;
}

/** The front door of a host: one proxy in front of every Jupyter workspace. */
export interface FrontDoorModel {
  /** The site address users open (`https://<site>/user/<user>/<env>/`). */
  readonly site: string;
  /** Addresses on the Docker host the ports are published on. */
  readonly listen: readonly string[];
  /** The HTTPS port published on the Docker host. */
  readonly httpsPort: number;
  /** The HTTP port published on the Docker host (redirects and ACME). */
  readonly httpPort: number;
  /** How it gets its certificate. */
  readonly tls: TlsModel;
  /** The proxy's (Caddy) image. */
  readonly image: string;
  /** Where the workspaces' socket directories are on the Docker host: `<runtimeRoot>/<host>/<user>/<env>`. */
  readonly runtimeRoot: string;
  /** `<runtimeRoot>/<host>`: every workspace's socket directory is below it, and the proxy mounts it whole. */
  readonly runtimeDir: string;
  /** The proxy's container name. */
  readonly containerName: string;
  /** The proxy's limits. */
  readonly memoryMiB: number;
  /** The proxy's CPU limit in billionths of a CPU. */
  readonly nanoCpus: number;
  /** Processes the proxy may run. */
  readonly pidsLimit: number;
  /** How users sign in. */
  readonly login: LoginModel;
}

/** Where a workspace is reached through the front door. */
export interface RouteModel {
  /** `/user/<user>/<env>/`: the route and the server's base_url, the same string. */
  readonly prefix: string;
  /** The workspace's socket directory on the Docker host: `<runtimeDir>/<user>/<env>`, root's, sticky and writable by all (1777) in a tree only root reaches. */
  readonly socketDir: string;
}

/** The user's landing page, listing their environments. */
export function landingPrefix(user: string): string {
  return `/user/${user}/`;
}

/** The directory of a user's deploy nonce on the Docker host, in their socket tree (root's, 0700), beside their socket directories. */
export function deployDirOf(frontDoor: FrontDoorModel, user: string): string {
  return `${frontDoor.runtimeDir}/${user}/.deploy`;
}

export function routeOf(frontDoor: FrontDoorModel, user: string, environment: string): RouteModel {
  return { prefix: `${landingPrefix(user)}${environment}/`, socketDir: `${frontDoor.runtimeDir}/${user}/${environment}` };
}

/** The front door of host `hostName`, from a config that passed the cross-checks. */
export function frontDoorOf(config: FrontDoorConfig, hostName: string): FrontDoorModel {
  const tls: TlsModel =
    config.tls === "acme"
      ? { mode: "acme", email: config.email! }
      : config.tls === "files"
        ? { mode: "files", certFile: config.certFile!, keyFile: config.keyFile! }
        : { mode: "internal" };
  return {
    site: config.site.toLowerCase(),
    listen: config.listen,
    httpsPort: config.httpsPort,
    httpPort: config.httpPort,
    tls,
    image: config.image,
    runtimeRoot: config.runtimeRoot,
    runtimeDir: `${config.runtimeRoot}/${hostName}`,
    containerName: `${hostName}-frontdoor`,
    memoryMiB: config.memory,
    nanoCpus: config.cpus,
    pidsLimit: config.pidsLimit,
    login: loginOf(config.login),
  };
}

function loginOf(config: LoginConfig): LoginModel {
  const oidc: OidcModel | undefined =
    config.method === "oidc"
      ? {
          issuer: config.issuer!,
          clientId: config.clientId!,
          claim: config.claim ?? DEFAULT_CLAIM,
          ...(config.caFile === undefined ? {} : { caFile: config.caFile }),
        }
      : undefined;
  const limit = config.method === "password" ? (config.failedSignIns ?? FAILED_SIGN_INS_DEFAULTS) : undefined;
  return {
    method: config.method,
    sessionSeconds: config.session,
    ...(oidc === undefined ? {} : { oidc }),
    image: config.image,
    memoryMiB: config.memory,
    nanoCpus: config.cpus,
    ...(limit === undefined
      ? {}
      : { failedSignIns: { perUser: limit.perUser, perAddress: limit.perAddress, windowSeconds: limit.window, image: limit.image } }),
  };
}
