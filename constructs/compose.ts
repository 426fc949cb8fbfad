// The Compose renderer: the same model and ContainerSpecs as the Terraform
// constructs, as a docker-compose.yml. Pure: model in, YAML text out.
import { dump } from "js-yaml";
import {
  type ContainerSpec,
  TMP_TMPFS,
  homeInitContainer,
  homeInitImage,
  SEEDER_SCRIPT,
  secretKey,
  workspaceContainer,
} from "./container-spec";
import type { HostModel } from "./model";
import { secretsEnvFile } from "./secrets";

/** Compose interpolates "$VAR" everywhere; "$$" is a literal "$". */
function literal(value: string): string {
  return value === SEEDER_SCRIPT ? SEEDER_LITERAL : value.replace(/\$/g, "$$$$");
}
/** Escaped once: it is in every workspace's entrypoint. */
const SEEDER_LITERAL = SEEDER_SCRIPT.replace(/\$/g, "$$$$");

const SEEDER_KEY = "x-homedock-seeder";

function service(spec: ContainerSpec, dependsOn: string | undefined, key?: string): Record<string, unknown> {
  // Only keys with values, in the order an admin reads them.
  const entries: [string, unknown][] = [
    ["container_name", spec.name],
    ["image", spec.image],
    ["user", spec.user],
    ["group_add", spec.groupAdd.length > 0 ? [...spec.groupAdd] : undefined],
    ["entrypoint", spec.entrypoint.map(literal)],
    ["command", spec.command.map(literal)],
    ["working_dir", literal(spec.workingDir)],
    // Secrets come from a private file beside this one (see secrets.ts), never from here.
    ["env_file", spec.secrets.length > 0 && key !== undefined ? [secretsEnvFile(key)] : undefined],
    ["environment", Object.keys(spec.env).length > 0 ? Object.fromEntries(Object.entries(spec.env).map(([k, v]) => [k, literal(v)])) : undefined],
    ["labels", Object.fromEntries(Object.entries(spec.labels).map(([k, v]) => [k, literal(v)]))],
    [
      "volumes",
      spec.mounts.map((m) =>
        m.homeOf === undefined
          ? {
              type: "bind",
              source: literal(m.source),
              target: literal(m.target),
              read_only: m.readOnly,
              // Never let Docker create a missing source: it would be root's.
              bind: { create_host_path: false },
            }
          : // Compose creates every container before it starts any, and Docker checks a
            // bind's source at create time, when a new home does not exist yet. A local
            // volume bound to the home is mounted at start, after the home service ran.
            // nocopy: nothing from the image is copied into the home, nor its ownership.
            { type: "volume", source: homeVolume(m.homeOf), target: literal(m.target), read_only: m.readOnly, volume: { nocopy: true } },
      ),
    ],
    ["mem_limit", spec.memoryMiB === undefined ? undefined : `${spec.memoryMiB}m`],
    ["memswap_limit", spec.memoryMiB === undefined ? undefined : `${spec.memoryMiB}m`],
    ["cpus", spec.nanoCpus === undefined ? undefined : spec.nanoCpus / 1e9],
    // A cgroup limit of the container's own: RLIMIT_NPROC (what the Terraform
    // provider offers) counts the user's processes everywhere, other workspaces too.
    ["pids_limit", spec.pidsLimit],
    ["read_only", spec.readOnlyRoot || undefined],
    ["tmpfs", spec.readOnlyRoot ? Object.entries(TMP_TMPFS).map(([path, options]) => `${path}:${options}`) : undefined],
    ["restart", spec.restart],
    ["init", spec.init],
    ["security_opt", [...spec.securityOpts]],
    ["cap_add", spec.capAdd.length > 0 ? [...spec.capAdd] : undefined],
    ["cap_drop", [...spec.capDrop]],
    ["networks", spec.network === undefined ? undefined : [spec.network]],
    // A one-shot container joins no network at all.
    ["network_mode", spec.network === undefined ? "none" : undefined],
    ["depends_on", dependsOn === undefined ? undefined : { [dependsOn]: { condition: "service_completed_successfully" } }],
  ];
  return Object.fromEntries(entries.filter(([, v]) => v !== undefined));
}

/** The named volume that binds a user's home. */
export function homeVolume(user: string): string {
  return `home-${user}`;
}

/** Service names: `<user>.<environment>` for workspaces, `<user>.home` for home creation. */
export function serviceName(user: string, what: string): string {
  return `${user}.${what}`;
}

/** A string written plain only where no YAML 1.1 or 1.2 reader could take it for anything else. */
const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./@+-]*$/;
// Booleans and nulls of YAML 1.1, and anything a reader might take for a number ("e0").
const AMBIGUOUS = /^(y|n|yes|no|on|off|true|false|null)$|^[-+.0-9e_]*$/i;

/**
 * One scalar: plain when unambiguous, else double-quoted. A JSON string is a YAML
 * double-quoted scalar; the characters YAML may not hold raw are escaped as well.
 */
export function yamlScalar(value: string | number | boolean): string {
  if (typeof value !== "string") return String(value);
  if (PLAIN.test(value) && !AMBIGUOUS.test(value)) return value;
  return JSON.stringify(value).replace(
    /[\u007f-\u009f\u2028\u2029\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

type Value = string | number | boolean | readonly Value[] | { readonly [key: string]: Value };

function emit(out: string[], value: Value, indent: string, alias: (v: string) => string | undefined): void {
  const scalar = (v: Value) => (typeof v === "string" && alias(v)) || yamlScalar(v as string);
  if (Array.isArray(value)) {
    for (const item of value as readonly Value[]) {
      if (typeof item === "object") {
        const start = out.length;
        emit(out, item, `${indent}  `, alias);
        out[start] = `${indent}- ${out[start].slice(indent.length + 2)}`;
      } else {
        out.push(`${indent}- ${scalar(item)}`);
      }
    }
    return;
  }
  for (const [key, item] of Object.entries(value as Record<string, Value>)) {
    if (typeof item === "object") {
      out.push(`${indent}${yamlScalar(key)}:`);
      emit(out, item, `${indent}  `, alias);
    } else {
      out.push(`${indent}${yamlScalar(key)}: ${scalar(item)}`);
    }
  }
}

/** The Compose file as plain data: what `renderCompose` writes. */
export function composeFile(host: HostModel): Record<string, unknown> {
  const services: Record<string, unknown> = {};
  const volumes: Record<string, unknown> = {};
  for (const user of host.users) {
    const workspaces = host.workspacesByUser.get(user.name) ?? [];
    if (workspaces.length === 0) continue;
    const image = homeInitImage(host, user);
    let home: string | undefined;
    if (image !== undefined) {
      home = serviceName(user.name, "home");
      services[home] = service(homeInitContainer(host, user, image), undefined);
      volumes[homeVolume(user.name)] = { driver: "local", driver_opts: { type: "none", o: "bind", device: literal(user.home) } };
    }
    for (const ws of workspaces) {
      services[serviceName(user.name, ws.environment.name)] = service(workspaceContainer(host, ws), home, secretKey(ws));
    }
  }
  return {
    name: host.name,
    ...(host.workspaces.length > 0 ? { [SEEDER_KEY]: literal(SEEDER_SCRIPT) } : {}),
    services,
    networks: { [host.network]: { name: host.network } },
    ...(Object.keys(volumes).length > 0 ? { volumes } : {}),
  };
}

/**
 * Renders the model as a Compose file. The same model gives the same bytes; the
 * seeder appears once (an `x-` extension with a YAML anchor) however many workspaces
 * run it. Written directly rather than through a YAML document model, which took
 * 10 s for 10,000 workspaces (bench/RESULTS.md); tests parse it back with another
 * library (yaml), as YAML 1.1 and 1.2, and with docker compose.
 */
export function renderCompose(host: HostModel): string {
  const { name, [SEEDER_KEY]: seeder, ...rest } = composeFile(host);
  const out: string[] = [`name: ${yamlScalar(name as string)}`];
  if (typeof seeder === "string") {
    // The one block scalar, by the library: it decides indentation and chomping.
    const block = dump({ [SEEDER_KEY]: seeder }, { lineWidth: -1 });
    out.push(block.replace(`${SEEDER_KEY}: `, `${SEEDER_KEY}: &seeder `).trimEnd());
  }
  emit(out, rest as Value, "", (v) => (v === seeder ? "*seeder" : undefined));
  return `${out.join("\n")}\n`;
}
