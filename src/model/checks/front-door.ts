// The front door's fields together, its socket directories apart from everything else,
// and the environment keys that only make sense for Jupyter.
import type { PathSegment } from "../../config/issues";
import { overlaps, type PartialConfig, type Report } from "./check";
import type { Home } from "./homes";
import { apart, hostControl } from "./host-paths";

const IPV4 = /^[0-9.]+$/;
/** Jupyter's TCP flags, which a unix socket excludes: --port, --ip, also as --ServerApp.port=… and --NotebookApp.ip. */
const TCP_FLAG = /^--((ServerApp|NotebookApp)\.)?(port|ip)(=|$)/;

/** The directories of /etc that hold certificates and keys. */
const CERT_DIRS = ["/etc/ssl", "/etc/letsencrypt", "/etc/pki"];

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
    // Certificates live in /etc/ssl, /etc/letsencrypt or /etc/pki: only a file there is
    // mounted (read-only) into the proxy, which runs as root; nothing else of /etc.
    // An invalid one is there as "" (see validate.ts); its own error is reported.
    const control = file ? hostControl(file) : undefined;
    if (file === undefined || file === "" || control === undefined) continue;
    if (control.path !== "/etc") report(at(key), apart("a file", file, control, "it is mounted into the proxy"), file);
    else if (!CERT_DIRS.some((d) => file.startsWith(`${d}/`))) {
      report(at(key), `expected a file in ${CERT_DIRS.join(", ")}, or outside /etc, which holds ${control.holds}; it is mounted into the proxy`, file);
    }
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
      report(["environments", i, "idleTimeout"], "expected jupyter: server or notebook beside it (homedock learns a server's activity from Jupyter)", env.idleTimeout);
    } else if (config.frontDoor === undefined) {
      report(["environments", i, "idleTimeout"], noDoor, env.idleTimeout);
    }
  });
  const byDefault = config.host.defaults?.idleTimeout;
  if (byDefault !== undefined && config.frontDoor === undefined) report(["host", "defaults", "idleTimeout"], noDoor, byDefault);
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
}

/** Environments the front door cannot reach, and TLS keys another mode would use. */
export function frontDoorWarnings(config: PartialConfig): string[] {
  const frontDoor = config.frontDoor;
  if (frontDoor === undefined) return [];
  const unused = [
    ...(frontDoor.email !== undefined && frontDoor.tls !== "acme" ? ["email"] : []),
    ...(["certFile", "keyFile"] as const).filter((key) => frontDoor[key] !== undefined && frontDoor.tls !== "files"),
  ].map((key) => `frontDoor.${key}: not used with tls: ${frontDoor.tls}`);
  return [
    ...unused,
    ...config.environments.flatMap((env, i) =>
      env?.name !== undefined && env.jupyter === undefined ? [`environments[${i}].jupyter: not set, so "${env.name}" is not reachable through the front door`] : [],
    ),
  ];
}
