// The front door's login: oauth2-proxy behind the proxy's forward_auth, as two
// containers of one image. The session check answers every request's forward_auth and
// never sees a password; the sign-in serves the sign-in page, checks passwords (or the
// provider's answer) and sets the session cookie, under a CPU limit of its own, so that a
// flood of wrong passwords takes that CPU and not the signed-in users'.
import type { HostModel, UserModel } from "../model/model";
import { createHash } from "node:crypto";
import type { FailedSignInsModel, LoginModel } from "../model/front-door";
import { renderLimiterConfig } from "./login-limit";
import { type ContainerSpec, HARDENING, LABEL_CONFIG, LABEL_HOST, LABEL_LIMIT, LABEL_ROLE, ROLE, TMP_TMPFS } from "./common";
import { CADDYFILE, DOOR_CA, loginEgressNetwork, loginNetwork, PEERS_DIR, PROXY_CONFIG_DIR } from "./front-door-containers";

/** Their ports, on the login's network. */
const SESSION_CHECK_PORT = 4180;
const SIGN_IN_PORT = 4181;
const LIMITER_PORT = 4182;

/** The session check's, the sign-in's and the limiter's container names. */
export function loginContainerNames(host: HostModel): { readonly check: string; readonly signIn: string; readonly limiter: string } {
  // On a Swarm, services of the host's stack, which Docker names <host>_<service>.
  const prefix = host.swarm === undefined ? host.name : "frontdoor";
  return { check: `${prefix}-login`, signIn: `${prefix}-signin`, limiter: `${prefix}-signin-limit` };
}

/** Where the proxy reaches one of the login's services; on a Swarm over TLS, its certificate checked under `tlsName`. */
export interface LoginAddress {
  /** `name:port`, or on a Swarm `https://name:port`. */
  readonly address: string;
  /** The name its certificate must be of (homedock's CA), on a Swarm. */
  readonly tlsName?: string;
}

/**
 * On a Swarm, where the login's services read their certificate (the login's of
 * peers.json, for each of their names): oauth2-proxy the certificate and key, HAProxy
 * both in one file. The CA (DOOR_CA) checks the sign-in's certificate for the limiter.
 */
export const LOGIN_CERT = `${PEERS_DIR}/login.crt`;
export const LOGIN_KEY = `${PEERS_DIR}/login.key`;
export const LOGIN_PEM = `${PEERS_DIR}/login.pem`;

/**
 * `name:port` on the login's network. On a Swarm over TLS: Docker's resolver passes a
 * name with no running task (a service restarting) to the node's own resolver, so
 * whoever answers for it there must not be sent a password or a session.
 */
function address(host: HostModel, name: string, port: number): LoginAddress {
  return host.swarm === undefined ? { address: `${name}:${port}` } : { address: `https://${name}:${port}`, tlsName: name };
}

/**
 * Where the proxy reaches the session check and the sign-in, by name on the login's
 * network: with a password login, the sign-in through its limiter.
 */
export function loginAddresses(host: HostModel): { readonly check: LoginAddress; readonly signIn: LoginAddress } {
  const names = loginContainerNames(host);
  const limited = host.frontDoor!.login.failedSignIns !== undefined;
  return {
    check: address(host, names.check, SESSION_CHECK_PORT),
    signIn: limited ? address(host, names.limiter, LIMITER_PORT) : address(host, names.signIn, SIGN_IN_PORT),
  };
}

/** The limiter's config (HAProxy) for `host`'s password login. */
export function limiterConfig(host: HostModel, limit: FailedSignInsModel): string {
  const signIn = loginContainerNames(host).signIn;
  return renderLimiterConfig(limit, {
    port: LIMITER_PORT,
    signIn: `${signIn}:${SIGN_IN_PORT}`,
    signInPath: `${LOGIN_PREFIX}/sign_in`,
    ...(host.swarm === undefined ? {} : { tls: { pem: LOGIN_PEM, ca: DOOR_CA, signInName: signIn } }),
  });
}
/** Where oauth2-proxy's pages are (sign_in, sign_out, callback, auth). */
export const LOGIN_PREFIX = "/oauth2";
/** The session cookie: __Host- makes browsers keep it to this site, over HTTPS, for every path. */
export const SESSION_COOKIE = "__Host-homedock";

/** Where the login's containers read their files: the config volume (Terraform), a directory beside the Compose file, or Swarm secrets (a stack file). */
type ConfigSource = { readonly volume: string } | { readonly bind: string } | { readonly secrets: true };

/** The files of the login, beside the Caddyfile in the front door's config directory. */
export const LOGIN_FILES = {
  cookieSecret: "login-cookie-secret",
  clientSecret: "login-client-secret",
  htpasswd: "login-htpasswd",
  identities: "login-identities",
  signInPage: "sign_in.html",
  errorPage: "error.html",
  limiterConfig: "login-limit.cfg",
} as const;
export type LoginFile = (typeof LOGIN_FILES)[keyof typeof LOGIN_FILES];

/** The header the session check answers with the signed-in identity: the user's name (password) or claim value (oidc). */
export function identityHeader(login: LoginModel): string {
  return login.method === "oidc" ? "X-Auth-Request-Email" : "X-Auth-Request-User";
}

/** The files a login of `login` reads, in the order they are put in place (the pages first). */
export function loginFiles(login: LoginModel): LoginFile[] {
  return [
    LOGIN_FILES.signInPage,
    LOGIN_FILES.errorPage,
    LOGIN_FILES.cookieSecret,
    ...(login.method === "oidc" ? [LOGIN_FILES.clientSecret, LOGIN_FILES.identities] : [LOGIN_FILES.htpasswd]),
    ...(login.failedSignIns === undefined ? [] : [LOGIN_FILES.limiterConfig]),
  ];
}

/** The front door's config files, in the order they are put in place: the login's, then the Caddyfile that sends requests to it. */
export function frontDoorConfigFiles(host: HostModel): string[] {
  return [...loginFiles(host.frontDoor!.login), CADDYFILE];
}

/** The URL the provider sends users back to: what the admin registers homedock with. */
export function callbackUrl(siteUrl: string): string {
  return `${siteUrl}${LOGIN_PREFIX}/callback`;
}

const config = (file: LoginFile): string => `${PROXY_CONFIG_DIR}/${file}`;

/** Where the login's CA file (oidc, caFile) is in its containers. */
export const LOGIN_CA_FILE = "/homedock/login-ca.pem";

/**
 * The provider. oauth2-proxy wants one even where it only checks sessions or passwords:
 * there, an OpenID Connect provider that is never asked (discovery skipped, no URL ever
 * fetched), whose button the sign-in page does not show. Only the sign-in of an oidc
 * login talks to the real one; the session check never does.
 */
function providerFlags(login: LoginModel, siteUrl: string, role: "check" | "signIn"): string[] {
  const oidc = login.oidc;
  // Who is let in: anyone the password file knows (password), the config's identities (oidc).
  const admitted = oidc === undefined ? ["--email-domain=*"] : [`--authenticated-emails-file=${config(LOGIN_FILES.identities)}`];
  if (oidc === undefined || role === "check") {
    const nowhere = "https://login.invalid";
    return [
      "--provider=oidc",
      "--client-id=homedock",
      "--client-secret=unused",
      `--oidc-issuer-url=${nowhere}`,
      "--skip-oidc-discovery=true",
      `--login-url=${nowhere}/auth`,
      `--redeem-url=${nowhere}/token`,
      `--oidc-jwks-url=${nowhere}/keys`,
      ...admitted,
      ...(role === "signIn" ? [`--htpasswd-file=${config(LOGIN_FILES.htpasswd)}`, "--display-htpasswd-form=true"] : []),
    ];
  }
  return [
    "--provider=oidc",
    `--oidc-issuer-url=${oidc.issuer}`,
    `--client-id=${oidc.clientId}`,
    `--client-secret-file=${config(LOGIN_FILES.clientSecret)}`,
    `--redirect-url=${callbackUrl(siteUrl)}`,
    // The claim names the user, whatever it is; only the config's identities are let in.
    // Where it is email, the provider must say it verified it (email_verified).
    `--oidc-email-claim=${oidc.claim}`,
    ...admitted,
    "--skip-provider-button=true",
    // The provider asks for consent only where it must, not at every sign-in.
    "--approval-prompt=auto",
    ...(oidc.caFile === undefined ? [] : [`--provider-ca-file=${LOGIN_CA_FILE}`]),
  ];
}

/**
 * oauth2-proxy's flags: the same session cookie for both, each its own address and role;
 * on a Swarm (`tls`) HTTPS alone, with the login's certificate.
 */
export function loginFlags(login: LoginModel, siteUrl: string, role: "check" | "signIn", tls = false): string[] {
  const listen = `0.0.0.0:${role === "check" ? SESSION_CHECK_PORT : SIGN_IN_PORT}`;
  return [
    // With a certificate, oauth2-proxy serves HTTPS only (no plain listener).
    ...(tls
      ? [`--https-address=${listen}`, `--tls-cert-file=${LOGIN_CERT}`, `--tls-key-file=${LOGIN_KEY}`, "--tls-min-version=TLS1.3"]
      : [`--http-address=${listen}`]),
    // The proxy in front says who the client is (X-Real-IP, X-Forwarded-For); it alone
    // reaches the login (its network has no one else).
    "--reverse-proxy=true",
    "--upstream=static://202",
    ...providerFlags(login, siteUrl, role),
    `--cookie-name=${SESSION_COOKIE}`,
    `--cookie-secret-file=${config(LOGIN_FILES.cookieSecret)}`,
    "--cookie-secure=true",
    "--cookie-httponly=true",
    // Lax: the provider's redirect back to the callback is a navigation from its site.
    "--cookie-samesite=lax",
    `--cookie-expire=${login.sessionSeconds}s`,
    // A session ends when it expires, never extended.
    "--cookie-refresh=0",
    "--set-xauthrequest=true",
    `--custom-templates-dir=${PROXY_CONFIG_DIR}`,
    "--skip-auth-preflight=false",
    "--silence-ping-logging=true",
    // Its log says who signed in or failed; the proxy's access log has the requests.
    "--request-logging=false",
  ];
}

/**
 * One of the login's containers. Root in its own image without any capability but
 * DAC_READ_SEARCH, to read its files in the config directory whoever wrote them (it
 * mounts that directory read-only, and nothing else); no-new-privileges, a read-only
 * root, limits. On the login's network, which only the proxy shares; the sign-in of an
 * OpenID Connect login also on a network of its own, its way out to the provider.
 */
function loginContainer(host: HostModel, role: "check" | "signIn", configSource: ConfigSource): ContainerSpec {
  const frontDoor = host.frontDoor!;
  const login = frontDoor.login;
  const site = `https://${frontDoor.site}${frontDoor.httpsPort === 443 ? "" : `:${frontDoor.httpsPort}`}`;
  const ca = login.oidc?.caFile;
  return {
    name: role === "check" ? loginContainerNames(host).check : loginContainerNames(host).signIn,
    image: login.image,
    user: "0:0",
    groupAdd: [],
    // As the image says it (the official image's and the test image's), said here: the
    // provider reads back the image's, and an empty one would be a change at every plan.
    entrypoint: ["/bin/oauth2-proxy"],
    command: loginFlags(login, site, role, host.swarm !== undefined),
    workingDir: "/",
    env: {},
    secrets: [],
    secretFiles: [],
    labels: { [LABEL_HOST]: host.name, [LABEL_ROLE]: role === "check" ? ROLE.sessionCheck : ROLE.signIn },
    mounts: [
      ...("bind" in configSource ? [{ source: configSource.bind, target: PROXY_CONFIG_DIR, readOnly: true }] : []),
      // On a Swarm the CA file is a secret (swarm-door.ts), read where homedock runs.
      ...(ca === undefined || role === "check" || "secrets" in configSource ? [] : [{ source: ca, target: LOGIN_CA_FILE, readOnly: true }]),
    ],
    volumes: "volume" in configSource ? [{ name: configSource.volume, target: PROXY_CONFIG_DIR, readOnly: true }] : [],
    tmpfs: { ...TMP_TMPFS },
    ports: [],
    memoryMiB: login.memoryMiB,
    // The session check answers every request: the proxy's CPU. The sign-in checks passwords: its own.
    nanoCpus: role === "check" ? frontDoor.nanoCpus : login.nanoCpus,
    pidsLimit: 128,
    readOnlyRoot: true,
    restart: "unless-stopped",
    ...HARDENING,
    capAdd: ["CAP_DAC_READ_SEARCH"],
    network: loginNetwork(host),
    ...(role === "signIn" && login.method === "oidc" ? { extraNetworks: [loginEgressNetwork(host)] } : {}),
    oneShot: false,
  };
}

/**
 * The limiter in front of a password login's sign-in (HAProxy): it counts wrong
 * passwords per user name and per address and answers a name or address past its limit
 * itself, so no flood of guesses reaches the password check. Hardened as the login's
 * other containers. It reads its config at start only: the config's hash is a label, so
 * a changed limit replaces it (Terraform and Compose alike).
 */
function limiterContainer(host: HostModel, limit: FailedSignInsModel, configSource: ConfigSource): ContainerSpec {
  const login = host.frontDoor!.login;
  const hash = createHash("sha256").update(limiterConfig(host, limit)).digest("hex").slice(0, 16);
  return {
    ...loginContainer(host, "signIn", configSource),
    name: loginContainerNames(host).limiter,
    image: limit.image,
    entrypoint: ["haproxy"],
    command: ["-db", "-f", config(LOGIN_FILES.limiterConfig)],
    labels: { [LABEL_HOST]: host.name, [LABEL_ROLE]: ROLE.signInLimit, [LABEL_CONFIG]: hash, [LABEL_LIMIT]: limitInWords(limit) },
    mounts: "bind" in configSource ? [{ source: configSource.bind, target: PROXY_CONFIG_DIR, readOnly: true }] : [],
    memoryMiB: login.memoryMiB,
    pidsLimit: 64,
    network: loginNetwork(host),
    extraNetworks: undefined,
  };
}

/** A limit as the review says it: "10 per user, 50 per address in 10m". */
export function limitInWords(limit: FailedSignInsModel): string {
  const w = limit.windowSeconds;
  return `${limit.perUser} per user, ${limit.perAddress} per address in ${w % 3600 === 0 ? `${w / 3600}h` : w % 60 === 0 ? `${w / 60}m` : `${w}s`}`;
}

/** The login's containers: the session check, the sign-in, and with a password login the sign-in's limiter. */
export function loginContainers(host: HostModel, configSource: ConfigSource): ContainerSpec[] {
  const limit = host.frontDoor!.login.failedSignIns;
  return [
    loginContainer(host, "check", configSource),
    loginContainer(host, "signIn", configSource),
    ...(limit === undefined ? [] : [limiterContainer(host, limit, configSource)]),
  ];
}

/** The user a signed-in identity is, where it is one of the config's. */
export function usersByIdentity(users: readonly UserModel[]): Map<string, UserModel> {
  return new Map(users.map((u) => [u.identity, u]));
}
