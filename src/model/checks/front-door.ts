// The front door's fields together, its socket directories apart from everything else,
// and the environment keys that only make sense for Jupyter.
import type { PathSegment } from "../../config/issues";
import { overlaps, type PartialConfig, type Report } from "./check";
import type { Home } from "./homes";
import { apart, hostControl } from "./host-paths";
import { DEFAULT_CLAIM } from "../front-door";

const IPV4 = /^[0-9.]+$/;
/** Jupyter's TCP flags, which a unix socket excludes: --port, --ip, also as --ServerApp.port=… and --NotebookApp.ip. */
const TCP_FLAG = /^--((ServerApp|NotebookApp)\.)?(port|ip)(=|$)/;

/** The directories of /etc that hold certificates and keys. */
const CERT_DIRS = ["/etc/ssl", "/etc/letsencrypt", "/etc/pki"];

/**
 * A certificate or key mounted (read-only) into a front door container that runs as
 * root: one in /etc/ssl, /etc/letsencrypt or /etc/pki, or outside /etc; nothing else of
 * /etc, and no system directory. An invalid one is there as "" (see validate.ts); its
 * own error is reported.
 */
function checkMountedFile(at: PathSegment[], file: string, into: string, report: Report): void {
  const control = file ? hostControl(file) : undefined;
  if (control === undefined) return;
  if (control.path !== "/etc") report(at, apart("a file", file, control, `it is mounted into ${into}`), file);
  else if (!CERT_DIRS.some((d) => file.startsWith(`${d}/`))) {
    report(at, `expected a file in ${CERT_DIRS.join(", ")}, or outside /etc, which holds ${control.holds}; it is mounted into ${into}`, file);
  }
}

/** Each TLS mode's own keys, and two ports that differ. */
function checkTls(config: NonNullable<PartialConfig["frontDoor"]>, report: Report): void {
  const at = (key: string): PathSegment[] => ["frontDoor", key];
  const { tls } = config;
  if (tls === "acme") {
    if (config.email === undefined) report(at("tls"), "expected email beside tls: acme (the ACME account's contact)", tls);
    if (config.site !== undefined && (IPV4.test(config.site) || !config.site.includes(".") || /\.(localhost|local|internal|home\.arpa)$/i.test(config.site))) {
      report(at("site"), "expected a public DNS name for tls: acme (use tls: internal for localhost, IP addresses and LAN names)", config.site);
    }
  }
  if (tls === "files") {
    for (const key of ["certFile", "keyFile"] as const) {
      if (config[key] === undefined) report(at("tls"), `expected ${key} beside tls: files`, tls);
    }
  }
  for (const key of ["certFile", "keyFile"] as const) {
    const file = config[key];
    if (file !== undefined) checkMountedFile(at(key), file, "the proxy", report);
  }
  if (config.httpsPort !== undefined && config.httpsPort === config.httpPort) {
    report(at("httpPort"), "expected a port other than httpsPort", config.httpPort);
  }
}

/** The socket directories: apart from every home, shared mount and system directory. */
function checkRuntimeRoot(config: PartialConfig, homes: readonly Home[], report: Report): void {
  const root = config.frontDoor?.runtimeRoot;
  if (root === undefined) return;
  const p = ["frontDoor", "runtimeRoot"];
  const mount = config.host.sharedMounts.findIndex((m) => overlaps(m.target ?? m.source, root));
  const control = hostControl(root);
  if (control) {
    report(p, apart("a directory", root, control, "every workspace mounts its socket directory in it read-write"), root);
  } else if (overlaps(root, config.host.homeRoot) || homes.some((h) => overlaps(h.home, root))) {
    report(p, "expected a directory apart from every home and the home root (a socket never lives in a home)", root);
  } else if (mount >= 0) {
    report(p, `expected a directory apart from host.sharedMounts[${mount}]`, root);
  }
}

/** An idle server stops itself (Jupyter tells its activity) and is woken through the front door. */
function checkIdleTimeouts(config: PartialConfig, report: Report): void {
  const noDoor = "expected a frontDoor beside it: a workspace stopped for idleness is started again by its owner's visit through the front door";
  config.environments.forEach((env, i) => {
    if (env?.idleTimeout === undefined) return;
    if (env.jupyter === undefined) {
      report(
        ["environments", i, "idleTimeout"],
        "expected jupyter: server or notebook beside it (homedock learns a server's activity from Jupyter)",
        env.idleTimeout,
      );
    } else if (config.frontDoor === undefined) {
      report(["environments", i, "idleTimeout"], noDoor, env.idleTimeout);
    }
  });
  const byDefault = config.host.defaults?.idleTimeout;
  if (byDefault !== undefined && config.frontDoor === undefined) report(["host", "defaults", "idleTimeout"], noDoor, byDefault);
}

/** Hosts an http issuer may have: a provider on this machine, for tests. */
const LOOPBACK = /^(localhost|127(\.[0-9]{1,3}){3})$/i;

/**
 * A login through an OpenID Connect provider needs its issuer (https) and client id;
 * the login knows each user by one value of the claim, so no two users may have the same.
 */
function checkLogin(config: PartialConfig, report: Report): void {
  const login = config.frontDoor?.login;
  if (login?.method !== "oidc") return;
  const at = (key: string): PathSegment[] => ["frontDoor", "login", key];
  if (login.issuer === undefined) report(at("method"), "expected issuer beside method: oidc (the provider's issuer URL)", login.method);
  else {
    const url = new URL(login.issuer);
    if (url.protocol !== "https:" && !LOOPBACK.test(url.hostname)) {
      report(
        at("issuer"),
        "expected an https URL (http only on a loopback address, for tests): the provider's answers carry the users' identities",
        login.issuer,
      );
    }
  }
  if (login.clientId === undefined)
    report(at("method"), "expected clientId beside method: oidc (the client id homedock is registered with at the provider)", login.method);
  if (login.caFile !== undefined) checkMountedFile(at("caFile"), login.caFile, "the login", report);
  const seen = new Map<string, number>();
  config.users.forEach((user, i) => {
    if (user?.name === undefined) return;
    const identity = user.identity ?? user.name;
    const first = seen.get(identity);
    if (first === undefined) seen.set(identity, i);
    else
      report(
        ["users", i, user.identity === undefined ? "name" : "identity"],
        `expected an identity of its own: users[${first}] signs in as the same (each user is one value of the claim ${login.claim ?? DEFAULT_CLAIM})`,
        identity,
      );
  });
}

export function checkFrontDoor(config: PartialConfig, homes: readonly Home[], report: Report): void {
  config.environments.forEach((env, i) => {
    if (env?.idleKernelTimeout !== undefined && env.jupyter === undefined) {
      report(["environments", i, "idleKernelTimeout"], "expected jupyter: server or notebook beside it (kernel culling is Jupyter's)", env.idleKernelTimeout);
    }
  });
  checkIdleTimeouts(config, report);
  if (config.frontDoor === undefined) return;
  config.environments.forEach((env, i) => {
    if (env?.jupyter === undefined) return;
    env.command?.forEach((arg, j) => {
      if (TCP_FLAG.test(arg)) report(["environments", i, "command", j], "expected no --port/--ip: the front door gives the server a unix socket", arg);
    });
  });
  checkTls(config.frontDoor, report);
  checkRuntimeRoot(config, homes, report);
  checkLogin(config, report);
}

/** Environments the front door cannot reach, and TLS keys another mode would use. */
export function frontDoorWarnings(config: PartialConfig): string[] {
  const frontDoor = config.frontDoor;
  if (frontDoor === undefined) return [];
  const unused = [
    ...(frontDoor.email !== undefined && frontDoor.tls !== "acme" ? ["email"] : []),
    ...(["certFile", "keyFile"] as const).filter((key) => frontDoor[key] !== undefined && frontDoor.tls !== "files"),
  ].map((key) => `frontDoor.${key}: not used with tls: ${frontDoor.tls}`);
  const login = frontDoor.login;
  const unusedLogin =
    login === undefined
      ? []
      : login.method === "oidc"
        ? login.failedSignIns === undefined
          ? []
          : ["frontDoor.login.failedSignIns: not used with method: oidc (the provider checks passwords, and limits its own sign-ins)"]
        : [
            ...(["issuer", "clientId", "claim", "caFile"] as const)
              .filter((key) => login[key] !== undefined)
              .map((key) => `frontDoor.login.${key}: not used with method: ${login.method}`),
            ...config.users.flatMap((u, i) =>
              u?.identity === undefined ? [] : [`users[${i}].identity: not used with login method: ${login.method} (a user signs in with their name)`],
            ),
          ];
  return [
    ...unused,
    ...unusedLogin,
    ...config.environments.flatMap((env, i) =>
      env?.name !== undefined && env.jupyter === undefined
        ? [`environments[${i}].jupyter: not set, so "${env.name}" is not reachable through the front door`]
        : [],
    ),
  ];
}
