// The Compose renderer: the same model and ContainerSpecs as the Terraform
// constructs, as a docker-compose.yml. Pure: model in, YAML text out.
import { Alias, Document, isScalar, type Scalar, visit } from "yaml";
import {
  type ContainerSpec,
  homeInitContainer,
  homeInitImage,
  SEEDER_SCRIPT,
  workspaceContainer,
} from "./container-spec";
import type { HostModel } from "./model";

/** Compose interpolates "$VAR" everywhere; "$$" is a literal "$". */
function literal(value: string): string {
  return value.replace(/\$/g, "$$$$");
}

const SEEDER_KEY = "x-homedock-seeder";

function service(spec: ContainerSpec, dependsOn: string | undefined): Record<string, unknown> {
  // Only keys with values, in the order an admin reads them.
  const entries: [string, unknown][] = [
    ["container_name", spec.name],
    ["image", spec.image],
    ["user", spec.user],
    ["group_add", spec.groupAdd.length > 0 ? [...spec.groupAdd] : undefined],
    ["entrypoint", spec.entrypoint.map(literal)],
    ["command", spec.command.map(literal)],
    ["working_dir", literal(spec.workingDir)],
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

/**
 * Renders the model as a Compose file. The same model gives the same bytes; the
 * seeder appears once (an `x-` extension with a YAML anchor) however many workspaces
 * run it.
 */
export function renderCompose(host: HostModel): string {
  const services: Record<string, unknown> = {};
  const volumes: Record<string, unknown> = {};
  for (const user of host.users) {
    const workspaces = host.workspaces.filter((w) => w.user === user);
    const image = homeInitImage(host, user);
    if (workspaces.length === 0 || image === undefined) continue;
    const home = serviceName(user.name, "home");
    services[home] = service(homeInitContainer(host, user, image), undefined);
    volumes[homeVolume(user.name)] = { driver: "local", driver_opts: { type: "none", o: "bind", device: literal(user.home) } };
    for (const ws of workspaces) {
      services[serviceName(user.name, ws.environment.name)] = service(workspaceContainer(host, ws), home);
    }
  }
  const hasSeeder = host.workspaces.length > 0;
  const doc = new Document(
    {
      name: host.name,
      ...(hasSeeder ? { [SEEDER_KEY]: literal(SEEDER_SCRIPT) } : {}),
      services,
      networks: { [host.network]: { name: host.network } },
      ...(Object.keys(volumes).length > 0 ? { volumes } : {}),
    },
    // YAML 1.1 quoting: "no", "on" and the like stay strings for every reader.
    { aliasDuplicateObjects: false, version: "1.1" },
  );
  // Likewise "1001:1001", which a YAML 1.1 reader takes for a base-60 number.
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === "string" && /^[-+]?[0-9][0-9_:.]*$/.test(node.value)) node.type = "QUOTE_DOUBLE";
    },
  });
  if (hasSeeder) {
    const seeder = doc.get(SEEDER_KEY, true) as Scalar;
    seeder.anchor = "seeder";
    const script = literal(SEEDER_SCRIPT);
    for (const name of Object.keys(services)) {
      const entrypoint = doc.getIn(["services", name, "entrypoint"], true) as { items: unknown[] } | undefined;
      const items = entrypoint?.items;
      if (items && isScalar(items[2]) && items[2].value === script) items[2] = new Alias("seeder");
    }
  }
  return doc.toString({ lineWidth: 0 });
}
