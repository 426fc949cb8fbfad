// `homedock compose --preview`, without Docker: which containers `docker compose up -d
// --remove-orphans` would recreate, remove or create, and why, from the services the
// Compose file declares and what `docker inspect` says of the host's containers and
// images. Pure: inspect output and the services in, a summary in the review's words out.
//
// Compose recreates a container when its service's config hash (label
// com.docker.compose.config-hash) or its image's id (com.docker.compose.image) changed.
// The hash is of Compose's own normalized model, which homedock does not hold; instead
// each field homedock renders is compared with what the container runs. Each field gives
// a reason, so the preview also says why.
import type { ComposeService } from "../render/compose";
import { bindVolume } from "../render/compose";
import { LABEL_ENVIRONMENT, LABEL_MOUNTS, LABEL_ROLE, LABEL_USER, LABEL_USERS, type ContainerSpec, ROLE } from "../container/container";
import {
  type ChangeKind,
  formatCpus,
  formatMemory,
  homeChanges,
  homeUsers,
  movedHomeImages,
  type PlanSummary,
  REASONS,
  type ResourceChange,
  type RootImageChange,
  rootRole,
  ROOT_ROLES,
  reviewMarkdown,
  type WorkspaceChange,
  workspaceSummary,
} from "./review";

/** What `docker inspect` prints of a container, the fields the preview reads. */
export interface InspectedContainer {
  readonly Name?: string;
  /** Its image's id. */
  readonly Image?: string;
  readonly Config?: ContainerConfig | null;
  readonly HostConfig?: HostConfig | null;
  readonly Mounts?: readonly InspectedMount[] | null;
  readonly NetworkSettings?: { readonly Networks?: Readonly<Record<string, unknown>> | null } | null;
}

interface ContainerConfig {
  /** The image's name as the container was made with it. */
  readonly Image?: string;
  readonly User?: string;
  readonly Entrypoint?: readonly string[] | null;
  readonly Cmd?: readonly string[] | null;
  readonly WorkingDir?: string;
  readonly Env?: readonly string[] | null;
  readonly Labels?: Readonly<Record<string, string>> | null;
}

interface HostConfig {
  readonly GroupAdd?: readonly string[] | null;
  readonly Memory?: number;
  readonly MemorySwap?: number;
  readonly NanoCpus?: number;
  readonly PidsLimit?: number | null;
  readonly ReadonlyRootfs?: boolean;
  readonly Tmpfs?: Readonly<Record<string, string>> | null;
  readonly RestartPolicy?: { readonly Name?: string } | null;
  readonly Init?: boolean | null;
  readonly SecurityOpt?: readonly string[] | null;
  readonly CapAdd?: readonly string[] | null;
  readonly CapDrop?: readonly string[] | null;
  readonly PortBindings?: Readonly<Record<string, readonly { readonly HostIp?: string; readonly HostPort?: string }[] | null>> | null;
}

interface InspectedMount {
  readonly Type?: string;
  readonly Name?: string;
  readonly Source?: string;
  readonly Destination?: string;
  readonly RW?: boolean;
}

/** What `docker inspect` prints of an image, the fields the preview reads. */
export interface InspectedImage {
  readonly Id: string;
  readonly RepoTags?: readonly string[] | null;
  readonly Config?: { readonly Env?: readonly string[] | null; readonly Labels?: Readonly<Record<string, string>> | null } | null;
}

/** Compose's labels on the containers it makes. */
export const COMPOSE_PROJECT_LABEL = "com.docker.compose.project";
const COMPOSE_LABEL_PREFIX = "com.docker.compose.";

/** What happens to one container. */
export interface ContainerPreview {
  readonly container: string;
  /** Its Compose service (for a removed container, the one it was made for). */
  readonly service: string;
  /** added: created; removed: an orphan `--remove-orphans` removes; replaced: recreated. */
  readonly change: Exclude<ChangeKind, "updated">;
  readonly reasons: readonly string[];
}

export interface ComposePreview {
  /** The review's summary of it (Compose updates nothing in place: a change is a new container). */
  readonly summary: PlanSummary;
  /** Every container of the host that is recreated, removed or created, by name. */
  readonly containers: readonly ContainerPreview[];
  readonly markdown: string;
}

const MIB = 2 ** 20;
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const sortedList = (list: unknown): string[] => [...((list as string[] | null) ?? [])].sort();
/** A map's entries by key: Docker keeps no order of its own (tmpfs). */
const entries = (map: unknown): [string, unknown][] =>
  Object.entries((map as Record<string, unknown> | null) ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function envMap(list: readonly string[] | null | undefined): Map<string, string> {
  return new Map((list ?? []).map((e) => [e.slice(0, e.indexOf("=") < 0 ? e.length : e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
}

/** Why the mounts label differs: the home's mount (at the working directory) or a shared one. */
function mountReasons(spec: ContainerSpec, c: InspectedContainer, project: string): string[] {
  const mounts = c.Mounts ?? [];
  const reasons = spec.mounts.flatMap((m) => {
    const now = mounts.find((x) => x.Destination === m.target);
    // A bind through a local volume (a home Compose must mount after its one-shot ran):
    // the volume is named for its source (bindVolume), so another source is another volume.
    const same =
      now !== undefined &&
      now.RW === !m.readOnly &&
      (m.composeVolume === undefined
        ? now.Type === "bind" && now.Source === m.source
        : now.Type === "volume" && now.Name === `${project}_${bindVolume(m.composeVolume, m.source)}`);
    // A home container binds each home alone, elsewhere than its working directory; a
    // home it did not bind before is a user it gains (homeReasons says so).
    const homes = spec.labels[LABEL_ROLE] === ROLE.home;
    if (homes && now === undefined) return [];
    const home = m.target === spec.workingDir || homes;
    return same ? [] : [home ? REASONS.working_dir : "shared mount changed"];
  });
  const gone = mounts.filter((x) => x.Type === "bind" && !spec.mounts.some((m) => m.target === x.Destination) && spec.labels[LABEL_ROLE] !== ROLE.home);
  return [...new Set([...reasons, ...gone.map(() => "shared mount changed")])].sort();
}

/** Ports as `address:port`, HTTPS (443 inside) first, as the review says them. */
function portTexts(ports: readonly { readonly internal: number; readonly text: string }[]): string[] {
  return [...ports].sort((a, b) => (a.internal === 443 ? -1 : b.internal === 443 ? 1 : a.internal - b.internal || byName(a.text, b.text))).map((p) => p.text);
}

/** The ports a container publishes. */
function boundPorts(c: InspectedContainer): string[] {
  const bindings = Object.entries(c.HostConfig?.PortBindings ?? {});
  return portTexts(
    bindings.flatMap(([port, bound]) => (bound ?? []).map((b) => ({ internal: parseInt(port, 10), text: `${b.HostIp || "0.0.0.0"}:${b.HostPort}` }))),
  );
}

/** The ports a spec publishes. */
const specPorts = (spec: ContainerSpec) => portTexts(spec.ports.map((p) => ({ internal: p.internal, text: `${p.ip}:${p.external}` })));

/**
 * Why Compose would recreate the container `c` (docker inspect) to run `spec`, in the
 * review's words; empty when it keeps it. `image` is docker inspect of spec.image, when
 * the host has it.
 */
export function recreateReasons(spec: ContainerSpec, c: InspectedContainer, image: InspectedImage | undefined, project: string): string[] {
  const reasons = containerReasons(spec, c, image, project);
  return spec.labels[LABEL_ROLE] === ROLE.home ? homeReasons(spec, c, reasons) : reasons;
}

/**
 * A home container's reasons, its users first: one that gains or loses a user, or whose
 * user's home moved, has a new command (and labels) because of it, which say nothing more.
 */
function homeReasons(spec: ContainerSpec, c: InspectedContainer, reasons: readonly string[]): string[] {
  const [was, is] = [homeUsers(c.Config?.Labels ?? {}), homeUsers(spec.labels)];
  const gained = is.filter((u) => !was.includes(u));
  const lost = was.filter((u) => !is.includes(u));
  const users = gained.length > 0 || lost.length > 0;
  const explained = new Set([...(users || reasons.includes(REASONS.working_dir) ? [REASONS.command] : []), ...(users ? [REASONS.labels] : [])]);
  return [...gained.map((u) => `${u}'s home added`), ...lost.map((u) => `${u}'s home no longer made here`), ...reasons.filter((r) => !explained.has(r))];
}

function containerReasons(spec: ContainerSpec, c: InspectedContainer, image: InspectedImage | undefined, project: string): string[] {
  const config: ContainerConfig = c.Config ?? {};
  const hc: HostConfig = c.HostConfig ?? {};
  const reasons: string[] = [];
  const add = (why: string) => reasons.push(why);

  const imageRenamed = config.Image !== spec.image;
  if (imageRenamed) add(`${REASONS.image}: ${code(String(config.Image))} → ${code(spec.image)}`);
  // The same name, another image (rebuilt or pulled): Compose compares the image's id.
  else if (image !== undefined && image.Id !== c.Image) add(`${REASONS.image}: ${code(spec.image)} is another image now`);

  if (config.User !== spec.user) add(REASONS.user);
  if (!same(sortedList(hc.GroupAdd), [...spec.groupAdd].sort())) add(REASONS.group_add);
  if (!same(config.Entrypoint ?? [], spec.entrypoint)) add(REASONS.entrypoint);
  if (!same(config.Cmd ?? [], spec.command)) add(REASONS.command);
  if (config.WorkingDir !== spec.workingDir) add(REASONS.working_dir);

  // The container's variables are the image's, the service's and its secrets' (values not compared).
  const env = envMap(config.Env);
  const imageEnv = envMap(image?.Config?.Env);
  const declared = Object.entries(spec.env);
  const unexplained = [...env.keys()].filter((k) => spec.env[k] === undefined && !spec.secrets.includes(k) && (imageRenamed || !imageEnv.has(k)));
  if (declared.some(([k, v]) => env.get(k) !== v) || spec.secrets.some((k) => !env.has(k)) || (!imageRenamed && unexplained.length > 0)) add(REASONS.env);

  const labels: Record<string, string> = config.Labels ?? {};
  const imageLabels: Record<string, string> = image?.Config?.Labels ?? {};
  if (labels[LABEL_MOUNTS] !== spec.labels[LABEL_MOUNTS]) reasons.push(...mountReasons(spec, c, project));
  const otherLabel = (k: string) => k !== LABEL_MOUNTS && !k.startsWith(COMPOSE_LABEL_PREFIX);
  const labelsDiffer =
    Object.keys(spec.labels).some((k) => otherLabel(k) && labels[k] !== spec.labels[k]) ||
    Object.keys(labels).some((k) => otherLabel(k) && spec.labels[k] === undefined && (imageRenamed || imageLabels[k] !== labels[k]));
  if (labelsDiffer) add(REASONS.labels);

  const memory = spec.memoryMiB === undefined ? 0 : spec.memoryMiB * MIB;
  const show = (bytes: number) => (bytes > 0 ? formatMemory(bytes / MIB) : "none");
  if ((hc.Memory ?? 0) !== memory) add(`memory ${show(hc.Memory ?? 0)} → ${show(memory)}`);
  else if ((hc.MemorySwap ?? 0) !== memory && memory > 0) add(`memory (with swap) ${show(hc.MemorySwap ?? 0)} → ${show(memory)}`);
  const cpus = (nano: number) => (nano > 0 ? formatCpus(nano / 1e9) : "none");
  if ((hc.NanoCpus ?? 0) !== (spec.nanoCpus ?? 0)) add(`cpus ${cpus(hc.NanoCpus ?? 0)} → ${cpus(spec.nanoCpus ?? 0)}`);
  const pids = (n: number | null | undefined) => (n === null || n === undefined || n <= 0 ? "none" : String(n));
  if (pids(hc.PidsLimit) !== pids(spec.pidsLimit)) add(`pidsLimit ${pids(hc.PidsLimit)} → ${pids(spec.pidsLimit)}`);

  if (Boolean(hc.ReadonlyRootfs) !== spec.readOnlyRoot || !same(entries(hc.Tmpfs), entries(spec.tmpfs))) add(REASONS.read_only);
  if ((hc.RestartPolicy?.Name || "no") !== spec.restart) add(`restart ${hc.RestartPolicy?.Name || "no"} → ${spec.restart}`);
  if (hc.Init !== spec.init || !same(sortedList(hc.SecurityOpt), [...spec.securityOpts].sort())) add("hardening changed");
  if (!same(sortedList(hc.CapAdd), [...spec.capAdd].sort()) || !same(sortedList(hc.CapDrop), [...spec.capDrop].sort())) add("capabilities changed");

  const ports = specPorts(spec);
  const published = boundPorts(c);
  if (!same(published, ports)) add(`ports ${published.join(" and ") || "none"} → ${ports.join(" and ") || "none"}`);

  const networks = Object.keys(c.NetworkSettings?.Networks ?? {})
    .filter((n) => n !== "none")
    .sort();
  if (!same(networks, spec.network === undefined ? [] : [spec.network, ...(spec.extraNetworks ?? [])].sort())) add(REASONS.networks_advanced);
  return [...new Set(reasons)];
}

/** The service name Compose gave a container, else its own name. */
const serviceOf = (c: InspectedContainer) => (c.Config?.Labels ?? {})["com.docker.compose.service"] ?? String(c.Name ?? "").replace(/^\//, "");

/**
 * What `docker compose up -d --remove-orphans` would do to the host's containers.
 * `containers`: docker inspect of every container labelled with the host; `images`:
 * docker inspect of the images the services name (those the host has). Containers of
 * the host that Compose did not make (no project label of this host) are left out: Compose
 * leaves them alone.
 */
export function previewCompose(
  host: string,
  services: readonly ComposeService[],
  containers: readonly InspectedContainer[],
  images: readonly InspectedImage[],
): ComposePreview {
  const project = host;
  const ours = containers.filter((c) => (c.Config?.Labels ?? {})[COMPOSE_PROJECT_LABEL] === project);
  const found = new Map(ours.map((c) => [String(c.Name ?? "").replace(/^\//, ""), c]));
  const imageByName = new Map<string, InspectedImage>();
  for (const i of images) for (const tag of [...(i.RepoTags ?? []), i.Id]) imageByName.set(tag, i);

  const previews: (ContainerPreview & { readonly spec?: ContainerSpec; readonly labels: Record<string, string>; readonly was?: string })[] = [];
  for (const { service, spec } of services) {
    const c = found.get(spec.name);
    found.delete(spec.name);
    if (c === undefined) {
      previews.push({ container: spec.name, service, change: "added", reasons: [], spec, labels: { ...spec.labels } });
      continue;
    }
    const reasons = recreateReasons(spec, c, imageByName.get(spec.image), project);
    previews.push({
      container: spec.name,
      service,
      change: reasons.length > 0 ? "replaced" : "unchanged",
      reasons,
      spec,
      labels: { ...spec.labels },
      was: c.Config?.Image,
    });
  }
  for (const [name, c] of found) previews.push({ container: name, service: serviceOf(c), change: "removed", reasons: [], labels: c.Config?.Labels ?? {} });

  const workspaces: WorkspaceChange[] = previews
    .filter((p) => p.labels[LABEL_ROLE] === ROLE.workspace)
    .map((p) => ({ user: p.labels[LABEL_USER] ?? "?", environment: p.labels[LABEL_ENVIRONMENT] ?? "?", change: p.change, reasons: p.reasons }))
    .sort((a, b) => byName(a.user, b.user) || byName(a.environment, b.environment));

  const homes = previews.filter((p) => p.labels[LABEL_ROLE] === ROLE.home);
  const inspected = (p: (typeof previews)[number]) => containers.find((c) => String(c.Name ?? "").replace(/^\//, "") === p.container)?.Config?.Labels ?? {};
  const resources: ResourceChange[] = homeChanges(
    homes.map((p) => ({
      container: p.container,
      change: p.change,
      perUser: p.labels[LABEL_USERS] === undefined,
      before: p.change === "added" ? [] : homeUsers(inspected(p)),
      after: p.change === "removed" ? [] : homeUsers(p.labels),
    })),
  );
  const rootImages: RootImageChange[] = [
    ...previews
      .filter(
        (p) => p.change === "replaced" && p.spec !== undefined && p.was !== undefined && p.was !== p.spec.image && ROOT_ROLES.includes(p.labels[LABEL_ROLE]),
      )
      .map((p): RootImageChange => ({ container: p.container, ...rootRole(p.labels), from: p.was!, to: p.spec!.image })),
    ...movedHomeImages(
      homes
        .filter((p) => p.change === "added" || p.change === "removed")
        .map((p) => ({
          container: p.container,
          added: p.change === "added",
          users: homeUsers(p.labels),
          image: p.spec?.image ?? containers.find((c) => String(c.Name ?? "").replace(/^\//, "") === p.container)?.Config?.Image ?? "?",
        })),
    ),
  ].sort((a, b) => byName(a.container, b.container));
  const proxy = previews.find((p) => p.labels[LABEL_ROLE] === ROLE.proxy && p.change !== "unchanged");
  const setup = previews.find((p) => p.labels[LABEL_ROLE] === ROLE.frontDoorSetup && p.change !== "unchanged");
  const portsOf = (p: (typeof previews)[number]) =>
    p.spec === undefined ? boundPorts(containers.find((c) => String(c.Name).replace(/^\//, "") === p.container) ?? {}) : specPorts(p.spec);
  const frontDoor =
    proxy === undefined && setup === undefined
      ? undefined
      : {
          ...(proxy ? { proxy: { change: proxy.change as Exclude<ChangeKind, "unchanged">, reasons: proxy.reasons, ports: portsOf(proxy) } } : {}),
          reloads: setup !== undefined && setup.change !== "removed" && proxy?.change !== "added",
        };
  const summary: PlanSummary = {
    host,
    ...workspaceSummary(workspaces),
    resources,
    ...(frontDoor ? { frontDoor } : {}),
    rootImages,
  };
  const changed: ContainerPreview[] = previews
    .filter((p) => p.change !== "unchanged")
    .map(({ container, service, change, reasons }) => ({ container, service, change, reasons }))
    .sort((a, b) => byName(a.container, b.container));
  return { summary, containers: changed, markdown: previewMarkdown(summary, changed) };
}

const VERB: Record<ContainerPreview["change"], string> = { added: "created", removed: "removed (--remove-orphans)", replaced: "recreated", unchanged: "kept" };

/** The review's Markdown, titled for Compose, then every container Compose touches. */
export function previewMarkdown(summary: PlanSummary, containers: readonly ContainerPreview[]): string {
  const review = reviewMarkdown(summary, [], `homedock compose preview for host ${code(summary.host)}`);
  const lines = containers.map((c) => `- ${code(c.container)} ${VERB[c.change]}${c.reasons.length > 0 ? `: ${c.reasons.join(", ")}` : ""}`);
  if (lines.length === 0) return review;
  return [review.trimEnd(), "", "### Containers `docker compose up -d --remove-orphans` touches", "", ...lines, ""].join("\n");
}
