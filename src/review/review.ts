// Plan review: reads `terraform show -json` of a saved plan of a homedock stack into a
// typed summary (who gains, loses or restarts what), renders it as Markdown with the
// servers that stop first, and decides the exit status from the policy flags.
import { LABEL_ENVIRONMENT, LABEL_HOST, LABEL_MOUNTS, LABEL_ROLE, LABEL_USER, LABEL_USERS, ROLE } from "../container/container";
import { LABEL_LIMIT } from "../container/common";
import { START_TRIGGERS } from "../render/terraform";
import { constraintNode } from "../model/swarm";
import { type PlanResourceChange, type PlanValues, readResourceChanges } from "./plan-json";
import { PlanError, REVIEW_EXIT } from "./exit";

export { PlanError, REVIEW_EXIT } from "./exit";

/** The review's policies and the host it expects. */
export interface ReviewOptions {
  /** Exit with REVIEW_EXIT.replace when a workspace would be replaced (its server stops). */
  readonly failOnReplace?: boolean;
  /** Exit with REVIEW_EXIT.destroy when a workspace would be removed. */
  readonly failOnDestroy?: boolean;
  /** Refuse a plan of any other homedock host. */
  readonly host?: string;
}

/** What happens to a resource. */
export type ChangeKind = "added" | "removed" | "replaced" | "updated" | "unchanged";

/** A setting that changes in place, from what to what, as an admin writes it in the config (memory `1g`, cpus `0.5`). */
export interface SettingChange {
  /** The config's word for it: memory, cpus, pidsLimit, restart, ... (else the Terraform attribute). */
  readonly setting: string;
  /** Its value before, as the config writes it. */
  readonly from: string;
  /** Its value after. */
  readonly to: string;
}

/** What happens to one workspace. */
export interface WorkspaceChange {
  /** Whose workspace. */
  readonly user: string;
  /** Which environment. */
  readonly environment: string;
  /** What happens to it. */
  readonly change: ChangeKind;
  /** Why, in a reviewer's words: what forced a replacement, or what changes in place. */
  readonly reasons: readonly string[];
  /** For an update in place: each setting that changes and has a value to show, from what to what (absent otherwise). */
  readonly settings?: readonly SettingChange[];
  /** On a Swarm, where the workspace's service moves to another node: from which, to which. */
  readonly move?: { readonly from: string; readonly to: string };
}

/** A change to something other than a workspace. */
export type ResourceChange =
  | { readonly resource: "image"; readonly change: Exclude<ChangeKind, "unchanged">; readonly name: string; readonly previous?: string }
  | { readonly resource: "network"; readonly change: Exclude<ChangeKind, "unchanged">; readonly name: string }
  | { readonly resource: "volume"; readonly change: Exclude<ChangeKind, "unchanged">; readonly name: string }
  | { readonly resource: "home"; readonly change: Exclude<ChangeKind, "unchanged">; readonly user: string }
  | {
      readonly resource: "homes";
      readonly change: Exclude<ChangeKind, "unchanged">;
      /** The one-shot container that makes homes (one per home image; one per user from an earlier homedock). */
      readonly container: string;
      /** Whose homes it makes (after the change; for a removal, before it). */
      readonly users: readonly string[];
    };

/** The containers that run as root: the one-shot that creates a user's home, the front door's proxy, its setup and its login; on a Swarm a node's proxy. */
export type RootRole =
  | typeof ROLE.home
  | typeof ROLE.proxy
  | typeof ROLE.frontDoorSetup
  | typeof ROLE.sessionCheck
  | typeof ROLE.signIn
  | typeof ROLE.signInLimit
  | typeof ROLE.nodeProxy;
export const ROOT_ROLES: readonly string[] = [
  ROLE.home,
  ROLE.proxy,
  ROLE.frontDoorSetup,
  ROLE.sessionCheck,
  ROLE.signIn,
  ROLE.signInLimit,
  ROLE.nodeProxy,
] satisfies readonly RootRole[];

/** A container that runs as root gets another image: what the pull request puts on the host as root. */
export interface RootImageChange {
  /** The container's name. */
  readonly container: string;
  /** What the container is for. */
  readonly role: RootRole;
  /** Whose home, for a home container of one user (from an earlier homedock). */
  readonly user?: string;
  /** Whose homes, for a home container of one home image. */
  readonly users?: readonly string[];
  /** The image's name (or id, where the plan names none), before and after. */
  readonly from: string;
  /** The image after. */
  readonly to: string;
}

/** A homedock plan, as a reviewer (or a CI tool) reads it. */
export interface PlanSummary {
  /** The homedock host the plan is for. */
  readonly host: string;
  /** Workspaces by what happens to them. */
  readonly totals: Readonly<Record<ChangeKind, number>>;
  /** Workspaces whose server stops (replaced or removed), by user then environment. */
  readonly stopping: readonly WorkspaceChange[];
  /** Users with a workspace that changes, by name: their changed workspaces and how many stay. */
  readonly users: readonly { readonly user: string; readonly changes: readonly WorkspaceChange[]; readonly unchanged: number }[];
  /** Images, networks, volumes and homes that change. */
  readonly resources: readonly ResourceChange[];
  /** What happens at the front door; undefined when nothing does. */
  readonly frontDoor?: FrontDoorChange;
  /** Containers that run as root and get another image, by container name. */
  readonly rootImages: readonly RootImageChange[];
}

/**
 * A new Caddyfile (routes or passwords) is a reload, not a server that stops; the proxy
 * itself is named only when it changes.
 */
export interface FrontDoorChange {
  /** What happens to the proxy; undefined when it stays as it is. */
  readonly proxy?: {
    /** What happens to it. */
    readonly change: Exclude<ChangeKind, "unchanged">;
    /** Why, in a reviewer's words. */
    readonly reasons: readonly string[];
    /** Where it publishes (`address:port`, HTTPS first) after the change; for a removal, where it published. */
    readonly ports: readonly string[];
    /** Where it published before, when that differs. */
    readonly previousPorts?: readonly string[];
  };
  /** The proxy reloads its Caddyfile. */
  readonly reloads: boolean;
  /** What the login was and becomes, where that changes (method, provider, claim, session). */
  readonly login?: { readonly from: string; readonly to: string };
  /** On a Swarm: the front door's other services that restart (a node's proxy, the login's), each in words, and why. */
  readonly restarts?: readonly { readonly service: string; readonly reasons: readonly string[] }[];
}

/** The policies' verdict: the exit status and, for each policy hit, one line saying so. */
export interface PlanVerdict {
  /** What `homedock review` exits with: 0, or one of REVIEW_EXIT. */
  readonly exitCode: number;
  /** For each policy hit, one line saying so. */
  readonly blocked: readonly string[];
}

/** A plan's review: its summary, the Markdown a reviewer reads, the policies' verdict. */
export interface Review extends PlanVerdict {
  /** The typed summary. */
  readonly summary: PlanSummary;
  /** The summary in Markdown, for a pull request comment. */
  readonly markdown: string;
}

/** A resource's attribute values in a plan (plan-json.ts: those the review reads are checked). */
type Values = PlanValues;
type Mount = NonNullable<Values["mounts"]>[number];
type Kind = ChangeKind;

interface Change {
  /** Its Terraform address. */
  readonly address: string;
  readonly type: string;
  readonly kind: Kind;
  /** Its homedock labels, read once. */
  readonly labels: Readonly<Record<string, string>>;
  readonly values: Values;
  /** What it was, where it existed before. */
  readonly before: Values;
  /** Why: the attributes that forced a replacement, or that change in place. */
  readonly reasons: readonly string[];
  /** For an update in place: from what to what. */
  readonly settings: readonly SettingChange[];
  /** A workspace's service that moves to another node. */
  readonly move?: { readonly from: string; readonly to: string };
}

/** Attributes as a reviewer would say them; `homedock compose --preview` says its reasons with the same words. */
export const REASONS: Readonly<Record<string, string>> = {
  image: "image upgraded",
  memory: "memory changed",
  memory_swap: "memory changed",
  cpus: "CPUs changed",
  ulimit: "process limit changed",
  env: "environment variables changed",
  command: "command changed",
  entrypoint: "seeder changed (homedock upgraded)",
  mounts: "mounts changed",
  user: "uid or gid changed",
  group_add: "supplementary groups changed",
  working_dir: "home moved",
  name: "name changed",
  labels: "labels changed",
  must_run: "stopped by hand: the deploy starts it again",
  read_only: "read-only root changed",
  tmpfs: "read-only root changed",
  restart: "restart policy changed",
  networks_advanced: "network changed",
};

const reason = (attribute: string) => REASONS[attribute] ?? `${attribute} changed`;

/**
 * Whether an attribute an update changes is a reason a reviewer reads: not how homedock
 * starts a root container (`start`, `attach`: created stopped, then started by its start
 * resource), and `must_run` only where the deploy starts a container again.
 */
const isReason = (attribute: string, after: Values) => attribute !== "start" && attribute !== "attach" && (attribute !== "must_run" || after.must_run === true);

/** MiB as the config writes memory: `2g` when whole gibibytes, else `96m`. */
export function formatMemory(mib: number): string {
  return mib > 0 && mib % 1024 === 0 ? `${mib / 1024}g` : `${mib}m`;
}

/** CPUs as a number, as the config writes them (`"1.0"` is `1`). */
export function formatCpus(cpus: number | string): string {
  return String(Number(cpus));
}

/** A setting's change in a reviewer's words: `memory 1g → 2g`. */
export function settingText(s: SettingChange): string {
  return `${s.setting} ${s.from} → ${s.to}`;
}

/** The nproc ulimit a workspace runs with (the provider's form of pidsLimit). */
function nproc(values: Values): string | undefined {
  const limit = (values.ulimit ?? []).find((u) => u.name === "nproc");
  return limit === undefined ? undefined : String(limit.hard ?? limit.soft);
}

/**
 * The attributes an update in place shows from what to what: the config's name for each,
 * and its value as the config writes it. memory_swap is set to memory (no swap), so it
 * is shown only when memory itself stays.
 */
const SETTINGS: Readonly<Record<string, { readonly setting: string; readonly value: (values: Values) => string | undefined }>> = {
  memory: { setting: "memory", value: (v) => (typeof v.memory === "number" ? formatMemory(v.memory) : undefined) },
  memory_swap: { setting: "memory (with swap)", value: (v) => (typeof v.memory_swap === "number" ? formatMemory(v.memory_swap) : undefined) },
  cpus: { setting: "cpus", value: (v) => (v.cpus === null || v.cpus === undefined || v.cpus === "" ? undefined : formatCpus(v.cpus)) },
  ulimit: { setting: "pidsLimit", value: nproc },
  restart: { setting: "restart", value: (v) => (typeof v.restart === "string" ? v.restart : undefined) },
};

function settingChanges(attributes: readonly string[], before: Values, after: Values): SettingChange[] {
  return attributes
    .filter((a) => SETTINGS[a] !== undefined && !(a === "memory_swap" && attributes.includes("memory")))
    .flatMap((a) => {
      const [from, to] = [SETTINGS[a].value(before), SETTINGS[a].value(after)];
      return from === undefined || to === undefined || from === to ? [] : [{ setting: SETTINGS[a].setting, from, to }];
    });
}

/** The ports a container publishes (or a service, in host mode: on every address of its node), as `address:port`, HTTPS (443 inside) first. */
function publishedPorts(values: Values): string[] {
  const endpoint = block(values, "endpoint_spec");
  const ports: { internal: number; external?: number | null; ip?: string | null }[] =
    endpoint === undefined
      ? (values.ports ?? [])
      : ((endpoint.ports ?? []) as { target_port: number; published_port?: number }[]).map((p) => ({ internal: p.target_port, external: p.published_port }));
  return [...ports]
    .sort((a, b) => (a.internal === 443 ? -1 : b.internal === 443 ? 1 : a.internal - b.internal))
    .map((p) => `${p.ip ?? "0.0.0.0"}:${p.external ?? p.internal}`);
}

/**
 * Why a container's mounts differ: its home moved (the mount at its working directory),
 * or a shared mount, named by where the workspace sees it, was gained, lost, made
 * read-write or read-only, or given another source. Both sides are the same user's.
 */
function mountReasons(before: Values, after: Values): string[] {
  const home = (m: Mount) => m.target === before.working_dir || m.target === after.working_dir;
  const byTarget = (mounts: readonly Mount[] | null | undefined) => new Map<string, Mount>((mounts ?? []).map((m) => [m.target, m]));
  const [was, is] = [byTarget(before.mounts), byTarget(after.mounts)];
  const reasons: string[] = [];
  for (const target of new Set([...was.keys(), ...is.keys()])) {
    const [old, now] = [was.get(target), is.get(target)];
    const readOnly = (m: Mount) => m.read_only ?? false;
    if (old !== undefined && now !== undefined && old.source === now.source && readOnly(old) === readOnly(now)) continue;
    if ((old !== undefined && home(old)) || (now !== undefined && home(now))) reasons.push(REASONS.working_dir);
    else if (old === undefined) reasons.push(`gains shared mount ${target} ${readOnly(now!) ? "read-only" : "read-write"}`);
    else if (now === undefined) reasons.push(`loses shared mount ${target}`);
    else if (old.source !== now.source) reasons.push(`shared mount ${target}: new source`);
    else reasons.push(`shared mount ${target} now ${readOnly(now) ? "read-only" : "read-write"}`);
  }
  return reasons;
}

/**
 * Why the labels differ. A changed mount replaces a container through its mounts
 * label (the provider would not apply the mount itself): said as the mount that changed.
 */
function labelReasons(before: Values, after: Values): string[] {
  const [was, is] = [labels(before), labels(after)];
  const differ = [...new Set([...Object.keys(was), ...Object.keys(is)])].filter((k) => was[k] !== is[k]);
  const mounts = differ.includes(LABEL_MOUNTS) ? mountReasons(before, after) : [];
  return differ.some((k) => k !== LABEL_MOUNTS) || (differ.length > 0 && mounts.length === 0) ? [...mounts, REASONS.labels] : mounts;
}

/** The flags homedock adds for idleTimeout (and kernel culling, which it shortens to fit). */
const IDLE_FLAG = /^--(?:\w+App\.shutdown_no_activity_timeout|TerminalManager\.cull_|MappingKernelManager\.cull_)/;

/**
 * Why a changed command replaces a workspace: `idleTimeout 600 → off` where the idle
 * timeout changed (it restarts the server, which a reviewer should see by that name),
 * "command changed" where anything else did too.
 */
function commandReasons(before: Values, after: Values): string[] {
  const idle = (v: Values) =>
    (v.command ?? [])
      .map(String)
      .find((a) => /^--\w+App\.shutdown_no_activity_timeout=/.test(a))
      ?.split("=")[1] ?? "off";
  const rest = (v: Values) => JSON.stringify((v.command ?? []).map(String).filter((a) => !IDLE_FLAG.test(a)));
  const [from, to] = [idle(before), idle(after)];
  return [...(from === to ? [] : [`idleTimeout ${from} → ${to}`]), ...(from === to || rest(before) !== rest(after) ? [REASONS.command] : [])];
}

function kindOf(actions: readonly string[]): Kind {
  const a = actions.join("+");
  if (a === "create") return "added";
  if (a === "delete") return "removed";
  if (a === "update") return "updated";
  if (a === "delete+create" || a === "create+delete") return "replaced";
  return "unchanged";
}

function labels(values: Values): Record<string, string> {
  return Object.fromEntries((values.labels ?? []).map((l) => [l.label, l.value]));
}

function changed(before: Values, after: Values, unknown: PlanResourceChange["change"]["after_unknown"]): string[] {
  const known = (k: string) => typeof unknown !== "object" || unknown?.[k] !== true;
  return Object.keys(after)
    .filter((k) => known(k) && JSON.stringify(after[k]) !== JSON.stringify(before[k]))
    .sort();
}

/** A block of a docker_service as the plan writes it (a list of one object); undefined where it has none. */
function block(values: unknown, key: string): Readonly<Record<string, unknown>> | undefined {
  const v = (values as Readonly<Record<string, unknown>> | null | undefined)?.[key];
  return Array.isArray(v) && typeof v[0] === "object" && v[0] !== null ? (v[0] as Record<string, unknown>) : undefined;
}

/** The node a workspace's service is pinned to by its placement constraint; undefined where none says one. */
export function serviceNode(values: Values): string | undefined {
  const constraints = block(block(values, "task_spec"), "placement")?.constraints;
  if (!Array.isArray(constraints)) return undefined;
  return constraints.map((c) => (typeof c === "string" ? constraintNode(c) : undefined)).find((n) => n !== undefined);
}

const SERVICE_ATTRIBUTES: Readonly<Record<string, string>> = { args: "command", command: "entrypoint", groups: "group_add", dir: "working_dir" };

/**
 * A docker_service's values with its container spec's attributes where a docker_container
 * has them (SERVICE_ATTRIBUTES, and the image), for what reads a container's (the login,
 * a root image).
 */
function asContainer(values: Values): Values {
  const spec = block(block(values, "task_spec"), "container_spec");
  if (spec === undefined) return values;
  const lifted: Record<string, unknown> = { ...values, image: spec.image };
  for (const [attribute, as] of Object.entries(SERVICE_ATTRIBUTES)) lifted[as] = spec[attribute];
  return lifted;
}

/**
 * What changes in a workspace's service in a reviewer's words. Any change of its task spec
 * starts a new task (a new container: the server restarts); only attributes the plan
 * knows after it are compared, as `changed` does.
 */
function serviceChange(before: Values, after: Values): Pick<Change, "reasons" | "move"> {
  const [was, is] = [block(before, "task_spec"), block(after, "task_spec")];
  const differs = (a: unknown, b: unknown) => b !== undefined && JSON.stringify(a) !== JSON.stringify(b);
  const [wasSpec, isSpec] = [block(was, "container_spec"), block(is, "container_spec")];
  const reasons = Object.keys(isSpec ?? {})
    .filter((k) => differs(wasSpec?.[k], isSpec?.[k]))
    .map((k) => reason(SERVICE_ATTRIBUTES[k] ?? k));
  if (differs(was?.resources, is?.resources)) reasons.push("limits changed");
  if (differs(was?.restart_policy, is?.restart_policy)) reasons.push(reason("restart"));
  const [from, to] = [serviceNode(before), serviceNode(after)];
  const move = from !== undefined && to !== undefined && from !== to ? { from, to } : undefined;
  if (move) reasons.push(`moves from ${from} to ${to}`);
  else if (differs(was?.placement, is?.placement)) reasons.push("placement changed");
  return { reasons: [...new Set(reasons)], ...(move ? { move } : {}) };
}

function changesOf(resourceChanges: readonly PlanResourceChange[]): Change[] {
  return resourceChanges.map((c): Change => {
    const kind = kindOf(c.change.actions);
    const before: Values = c.change.before ?? {};
    const after: Values = c.change.after ?? {};
    const attributes: string[] =
      kind === "replaced" ? (c.change.replace_paths ?? []).map((p) => String(p[0])) : kind === "updated" ? changed(before, after, c.change.after_unknown) : [];
    const values = kind === "removed" ? before : after;
    if (c.type === "docker_service" && (kind === "replaced" || (kind === "updated" && attributes.includes("task_spec")))) {
      // Swarm replaces the task: the server restarts in a new container, wherever it runs.
      return {
        settings: [],
        address: c.address,
        type: c.type,
        kind: "replaced",
        labels: labels(values),
        values: asContainer(values),
        before: asContainer(before),
        ...serviceChange(before, after),
      };
    }
    const service = c.type === "docker_service" ? asContainer : (v: Values) => v;
    return {
      settings: kind === "updated" ? settingChanges(attributes, before, after) : [],
      address: c.address,
      type: c.type,
      kind,
      labels: labels(values),
      values: service(values),
      before: service(before),
      // replace_triggered_by names no attribute; homedock names the networks a container is on
      // (each with the terraform_data holding its id), and for the login, its setup too.
      reasons: [
        ...new Set([
          ...attributes
            .filter((a) => isReason(a, after))
            .flatMap((a) => (a === "labels" ? labelReasons(before, after) : a === "command" ? commandReasons(before, after) : [reason(a)])),
          ...(c.action_reason === "replace_by_triggers" ? ["network replaced"] : []),
        ]),
      ],
    };
  });
}

/** What the start of a root container is triggered by, where `values` are of one (src/render/terraform.ts: startConfig). */
function startOf(values: Values): { readonly container: string; readonly pidsLimit: number } | undefined {
  const t = values.triggers_replace as Record<string, unknown> | null | undefined;
  if (t === null || typeof t !== "object") return undefined;
  const [container, pidsLimit] = [t[START_TRIGGERS.container], t[START_TRIGGERS.pidsLimit]];
  return typeof container === "string" && typeof pidsLimit === "number" ? { container, pidsLimit } : undefined;
}

/**
 * The containers' changes with what their starts say: a root container's process limit
 * is given by its start (a terraform_data), so a new limit replaces the start and leaves
 * the container as it is, and Docker changes it in place. Said as the container's
 * setting (`pidsLimit 512 → 1024`, `none` where a container from before starts had
 * none); a start added or removed with its container says nothing more.
 */
function withStarts(changes: readonly Change[]): Change[] {
  const limits = new Map<string, { from?: number; to?: number }>();
  for (const c of changes) {
    if (c.type !== "terraform_data" || c.kind === "unchanged") continue;
    const [was, is] = [c.kind === "added" ? undefined : startOf(c.before), c.kind === "removed" ? undefined : startOf(c.values)];
    const container = is?.container ?? was?.container;
    if (container !== undefined && was?.pidsLimit !== is?.pidsLimit) limits.set(container, { from: was?.pidsLimit, to: is?.pidsLimit });
  }
  if (limits.size === 0) return [...changes];
  return changes.map((c) => {
    const limit = c.type === "docker_container" ? limits.get(c.values.name ?? "") : undefined;
    if (limit === undefined || limit.to === undefined || c.kind === "added" || c.kind === "removed") return c;
    if (c.kind === "replaced") return limit.from === undefined ? c : { ...c, reasons: [...new Set([...c.reasons, reason("ulimit")])] };
    const setting: SettingChange = { setting: "pidsLimit", from: limit.from === undefined ? "none" : String(limit.from), to: String(limit.to) };
    return { ...c, kind: "updated", reasons: [...new Set([...c.reasons, reason("ulimit")])], settings: [...c.settings, setting] };
  });
}

/** Where the JSON array or object starting at byte `start` ends (one past it); -1 if it does not. */
function endOfValue(bytes: Buffer, start: number): number {
  let depth = 0;
  for (let i = start; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === 0x22) {
      // a string: skip it, escapes included
      for (i++; i < bytes.length && bytes[i] !== 0x22; i++) if (bytes[i] === 0x5c) i++;
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
    } else if (c === 0x5d || c === 0x7d) {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}

/**
 * Only what the review reads: the format version and resource_changes. A plan holds
 * every resource three times more (planned_values, prior_state, configuration); at
 * 10,000 workspaces that is 400 MB to decode and parse for nothing. In JSON text an
 * unescaped quote only stands around a key or a value, and in UTF-8 no byte of a
 * multi-byte character is ASCII, so a key that occurs once is found by its bytes;
 * anything less clear is parsed whole.
 */
function parseNeeded(bytes: Buffer): unknown {
  const key = Buffer.from('"resource_changes":');
  const at = bytes.indexOf(key);
  const start = at + key.length;
  const head = bytes.toString("utf8", 0, Math.min(bytes.length, 200));
  const version = /^\s*\{\s*"format_version":("[^"\\]*")/.exec(head);
  const tail = bytes.toString("utf8", Math.max(0, bytes.length - 16));
  if (at < 0 || bytes.indexOf(key, start) >= 0 || bytes[start] !== 0x5b || !version || !/\}\s*$/.test(tail)) {
    return JSON.parse(bytes.toString("utf8"));
  }
  const end = endOfValue(bytes, start);
  if (end < 0) return JSON.parse(bytes.toString("utf8"));
  return { format_version: JSON.parse(version[1]) as unknown, resource_changes: JSON.parse(bytes.toString("utf8", start, end)) as unknown };
}

/** The changes the review reads (plan-json.ts); PlanError for a plan of another shape, each problem on its line. */
function parse(input: string | Uint8Array): PlanResourceChange[] {
  let plan: unknown;
  try {
    // A Buffer as it is; other bytes seen through one, not copied.
    const bytes =
      typeof input === "string" ? Buffer.from(input) : Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    plan = parseNeeded(bytes);
  } catch (err) {
    throw new PlanError(`not JSON (${(err as Error).message}); expected the output of terraform show -json <saved plan>`);
  }
  if (plan === null || typeof plan !== "object" || Array.isArray(plan)) {
    throw new PlanError("not a Terraform plan; expected the output of terraform show -json <saved plan>");
  }
  const p = plan as { format_version?: unknown; resource_changes?: unknown };
  if (typeof p.format_version !== "string" || !/^1\.\d+$/.test(p.format_version)) {
    throw new PlanError(`plan format version ${JSON.stringify(p.format_version)}; expected 1.x (terraform show -json of Terraform 1.x)`);
  }
  if (!Array.isArray(p.resource_changes) && p.resource_changes !== undefined) {
    throw new PlanError("resource_changes is not a list; expected the output of terraform show -json <saved plan>");
  }
  const { changes, problems, more } = readResourceChanges((p.resource_changes as unknown[] | undefined) ?? []);
  if (problems.length > 0) {
    const all = more > 0 ? [...problems, `... and ${more} more problems`] : problems;
    throw new PlanError(all.join("\n"));
  }
  return changes;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The workspace parts of a summary from every workspace's change (sorted by user, then environment): the totals, the servers that stop, each user's changes. */
export function workspaceSummary(workspaces: readonly WorkspaceChange[]): Pick<PlanSummary, "totals" | "stopping" | "users"> {
  const totals: Record<Kind, number> = { replaced: 0, removed: 0, added: 0, updated: 0, unchanged: 0 };
  const byUser = new Map<string, WorkspaceChange[]>();
  for (const w of workspaces) {
    totals[w.change]++;
    byUser.set(w.user, [...(byUser.get(w.user) ?? []), w]);
  }
  const users = [...byUser]
    .map(([user, mine]) => ({ user, changes: mine.filter((w) => w.change !== "unchanged"), unchanged: mine.filter((w) => w.change === "unchanged").length }))
    .filter((u) => u.changes.length > 0);
  return { totals, stopping: workspaces.filter((w) => w.change === "replaced" || w.change === "removed"), users };
}

/** The typed summary of a plan's JSON (text or its UTF-8 bytes); throws PlanError for input that is not a homedock plan. */
export function summarizePlan(input: string | Uint8Array, options: Pick<ReviewOptions, "host"> = {}): PlanSummary {
  const changes = withStarts(changesOf(parse(input)));
  // A Swarm's workspaces are services, labelled as containers are.
  const containers = changes.filter((c) => (c.type === "docker_container" || c.type === "docker_service") && c.labels[LABEL_ROLE] !== undefined);
  const hosts = new Set(containers.map((c) => c.labels[LABEL_HOST]));
  if (containers.length === 0) {
    throw new PlanError(`no container labelled ${LABEL_HOST} in this plan: it is not of a homedock stack`);
  }
  if (hosts.size > 1) throw new PlanError(`containers of several homedock hosts (${[...hosts].sort().join(", ")}) in one plan`);
  const [host] = hosts;
  if (options.host !== undefined && host !== options.host) {
    throw new PlanError(`a plan of homedock host ${JSON.stringify(host)}; expected ${JSON.stringify(options.host)}`);
  }

  const workspaces = containers
    .filter((c) => c.labels[LABEL_ROLE] === ROLE.workspace)
    .map((c): WorkspaceChange => ({
      user: c.labels[LABEL_USER],
      environment: c.labels[LABEL_ENVIRONMENT],
      change: c.kind,
      reasons: c.reasons,
      ...(c.kind === "updated" ? { settings: c.settings } : {}),
      ...(c.move ? { move: c.move } : {}),
    }))
    .sort((a, b) => byName(a.user, b.user) || byName(a.environment, b.environment));
  const { totals, stopping, users } = workspaceSummary(workspaces);

  const resources: ResourceChange[] = [];
  for (const c of changes) {
    if (c.kind === "unchanged") continue;
    if (c.type === "docker_image") {
      resources.push({ resource: "image", change: c.kind, name: c.values.name ?? "?", ...(c.kind === "replaced" ? { previous: c.before.name ?? "?" } : {}) });
    } else if (c.type === "docker_network" || c.type === "docker_volume") {
      resources.push({ resource: c.type === "docker_network" ? "network" : "volume", change: c.kind, name: c.values.name ?? "?" });
    }
  }
  resources.push(
    ...homeChanges(
      containers
        .filter((c) => c.labels[LABEL_ROLE] === ROLE.home)
        .map((c) => ({
          container: c.values.name ?? "?",
          change: c.kind,
          perUser: c.labels[LABEL_USERS] === undefined,
          before: c.kind === "added" ? [] : homeUsers(labels(c.before)),
          after: c.kind === "removed" ? [] : homeUsers(c.labels),
        })),
    ),
  );
  return {
    host,
    totals,
    stopping,
    users,
    resources,
    frontDoor: frontDoorChange(containers),
    rootImages: rootImageChanges(changes, containers),
  };
}

/**
 * Containers that run as root and get another image. A container names its image by
 * id, and while an image is replaced the new id is unknown: the change shows on the
 * docker_image the container ran (its name, before and after). A home container
 * ignores changes of its image (it only has to have run once), so its own attribute
 * never changes in a plan; its next creation runs the new image, as root.
 */
function rootImageChanges(changes: readonly Change[], containers: readonly Change[]): RootImageChange[] {
  const images = changes.filter((c) => c.type === "docker_image");
  const nameOf = (id: string) => images.find((i) => i.before.image_id === id)?.before.name ?? images.find((i) => i.values.image_id === id)?.values.name ?? id;
  const found = containers
    .filter((c) => ROOT_ROLES.includes(c.labels[LABEL_ROLE]) && c.kind !== "added" && c.kind !== "removed")
    .flatMap((c): RootImageChange[] => {
      const was: string | undefined = c.before.image;
      const replaced = images.find((i) => i.before.image_id === was && i.kind !== "removed" && i.kind !== "unchanged" && i.values.name !== i.before.name);
      const [from, to] = replaced
        ? [replaced.before.name as string, replaced.values.name as string]
        : was !== undefined && c.values.image !== undefined && c.values.image !== was
          ? [nameOf(was), nameOf(c.values.image)]
          : [];
      if (from === undefined || to === undefined) return [];
      return [{ container: c.values.name ?? "?", ...rootRole(c.labels), from, to }];
    });
  const seen = new Set(found.map((f) => f.container));
  // A home container added where another of the same users' goes (initImage set or
  // removed): what it runs as root is new to them. Its image, where the plan adds it, is
  // known by the docker_image beside it (constructs/homes.ts: "image" beside "container").
  const homes = containers.filter((c) => c.labels[LABEL_ROLE] === ROLE.home && (c.kind === "added" || c.kind === "removed"));
  const imageOf = (c: Change): string => {
    if (c.kind === "removed") return c.before.image === undefined ? "?" : nameOf(c.before.image);
    if (c.values.image !== undefined) return nameOf(c.values.image);
    const prefix = c.address.replace(/^docker_container\./, "docker_image.").replace(/_container_[0-9A-Fa-f]+$/, "_image_");
    return images.find((i) => i.address.startsWith(prefix))?.values.name ?? "?";
  };
  const moved = movedHomeImages(
    homes.map((c) => ({ container: c.values.name ?? "?", added: c.kind === "added", users: homeUsers(c.labels), image: imageOf(c) })),
  );
  return [...found, ...moved, ...initImageChanges(images, containers, nameOf, seen)].sort((a, b) => byName(a.container, b.container));
}

/** The users of a home container's labels: those of one home image (LABEL_USERS), or the one user of an earlier homedock's. */
export function homeUsers(labels: Readonly<Record<string, string>>): string[] {
  const users = labels[LABEL_USERS];
  if (users !== undefined) return users === "" ? [] : users.split(",");
  return labels[LABEL_USER] === undefined ? [] : [labels[LABEL_USER]];
}

/** The role of a root container as the review names it: a home container with whose homes. */
export function rootRole(labels: Readonly<Record<string, string>>): Pick<RootImageChange, "role" | "user" | "users"> {
  const role = labels[LABEL_ROLE] as RootRole;
  if (role !== ROLE.home) return { role };
  return labels[LABEL_USERS] !== undefined ? { role, users: homeUsers(labels) } : { role, user: labels[LABEL_USER] };
}

/**
 * Home containers added where others go, for the same users, running another image
 * (host.initImage set or removed): each added one, from each image that made those
 * users' homes before.
 */
export function movedHomeImages(
  homes: readonly { readonly container: string; readonly added: boolean; readonly users: readonly string[]; readonly image: string }[],
): RootImageChange[] {
  const gone = homes.filter((h) => !h.added);
  return homes
    .filter((h) => h.added)
    .flatMap((h) => {
      const was = [...new Set(gone.filter((g) => g.users.some((u) => h.users.includes(u))).map((g) => g.image))].filter((i) => i !== h.image).sort();
      return was.map((from): RootImageChange => ({ container: h.container, role: ROLE.home, users: h.users, from, to: h.image }));
    });
}

/** One home container's change, with whose homes it made before and makes after. */
export interface HomeContainerChange {
  readonly container: string;
  readonly change: ChangeKind;
  /** A container of one user's home, as an earlier homedock made them. */
  readonly perUser: boolean;
  /** Whose homes it made before ([] when added). */
  readonly before: readonly string[];
  /** Whose homes it makes after ([] when removed). */
  readonly after: readonly string[];
}

/**
 * What changes for homes, from the home containers' changes: each user whose home the
 * host starts or stops making, whichever container does it (one per user before, one per
 * home image now: a host moving from one to the other keeps every user's home made),
 * and each home container that runs again, is added or goes.
 */
export function homeChanges(containers: readonly HomeContainerChange[]): ResourceChange[] {
  const before = new Set(containers.filter((c) => c.change !== "added").flatMap((c) => c.before));
  const after = new Set(containers.filter((c) => c.change !== "removed").flatMap((c) => c.after));
  const out: ResourceChange[] = [];
  for (const user of [...after].filter((u) => !before.has(u)).sort()) out.push({ resource: "home", change: "added", user });
  for (const user of [...before].filter((u) => !after.has(u)).sort()) out.push({ resource: "home", change: "removed", user });
  for (const c of containers) {
    if (c.change === "unchanged") continue;
    const users = c.change === "removed" ? c.before : c.after;
    // An earlier homedock's container of one user: changed, it is said of that user's home,
    // as it was; going with its user, the user's line says it; going while another
    // container makes that home, it is said of the container.
    const single = c.perUser && users.length === 1;
    if (single && c.change !== "removed" && c.change !== "added") out.push({ resource: "home", change: c.change, user: users[0] });
    else if (!single || (c.change === "removed" && after.has(users[0])))
      out.push({ resource: "homes", change: c.change, container: c.container, users: [...users] });
  }
  return out;
}

/** The address of the docker_image a user's home container took its initImage from, in a plan of an earlier homedock's host (a home container per user: "home-image" under "user-<name>"). */
const HOME_IMAGE = /_user-(.+)_home-image_[0-9A-Fa-f]+$/;

/**
 * For a host of an earlier homedock (a home container per user): `initImage` set where
 * there was none, or removed: the home container keeps the image it ran (its image is
 * ignored), and a docker_image of its own appears or goes. Its next creation runs that
 * image as root. (With one-shots per home image, initImage renames the one-shot:
 * movedHomeImages says it.)
 */
function initImageChanges(
  images: readonly Change[],
  containers: readonly Change[],
  nameOf: (id: string) => string,
  seen: ReadonlySet<string>,
): RootImageChange[] {
  return images.flatMap((image): RootImageChange[] => {
    const user = HOME_IMAGE.exec(image.address)?.[1];
    if (user === undefined || (image.kind !== "added" && image.kind !== "removed")) return [];
    const home = containers.find((c) => c.labels[LABEL_ROLE] === ROLE.home && c.labels[LABEL_USER] === user && c.kind !== "added" && c.kind !== "removed");
    const container = home?.values.name;
    if (container === undefined || seen.has(container)) return [];
    const was = home!.before.image;
    const current = was === undefined ? "?" : nameOf(was);
    return [
      image.kind === "added"
        ? { container, role: ROLE.home, user, from: current, to: image.values.name ?? "?" }
        : { container, role: ROLE.home, user, from: image.before.name ?? "?", to: "the first environment's image" },
    ];
  });
}

/**
 * The login as its sign-in's flags (src/container/login.ts) say it is: the method, and
 * the provider, client id and claim (oidc), and how long a session lasts.
 */
export function loginDescription(command: readonly unknown[] | null | undefined): string | undefined {
  if (command == null || command.length === 0) return undefined;
  const flag = (name: string) => command.find((a): a is string => typeof a === "string" && a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const seconds = Number(flag("cookie-expire")?.replace(/s$/, ""));
  const session = Number.isFinite(seconds)
    ? `, sessions of ${seconds % 3600 === 0 ? `${seconds / 3600}h` : seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`}`
    : "";
  if (flag("htpasswd-file") !== undefined) return `passwords${session}`;
  return `OpenID Connect at ${flag("oidc-issuer-url") ?? "?"} (client ${flag("client-id") ?? "?"}, claim ${flag("oidc-email-claim") ?? "?"})${session}`;
}

/** The limit on wrong passwords a limiter's labels say, as the login's description ends with it. */
function withLimit(login: string | undefined, limiter: Values | undefined): string | undefined {
  const limit = limiter === undefined ? undefined : labels(limiter)[LABEL_LIMIT];
  return login === undefined || limit === undefined ? login : `${login}, wrong passwords limited to ${limit}`;
}

function loginChange(containers: readonly Change[]): FrontDoorChange["login"] {
  const signIn = containers.find((c) => c.labels[LABEL_ROLE] === ROLE.signIn);
  const limiter = containers.find((c) => c.labels[LABEL_ROLE] === ROLE.signInLimit);
  const proxy = containers.find((c) => c.labels[LABEL_ROLE] === ROLE.proxy);
  // A new front door is said once, as added.
  if (
    signIn === undefined ||
    (signIn.kind === "unchanged" && (limiter?.kind ?? "unchanged") === "unchanged") ||
    (signIn.kind === "added" && proxy?.kind === "added")
  )
    return undefined;
  // A front door from before the sign-in page asked with the browser's basic-auth prompt.
  const from =
    signIn.kind === "added"
      ? "the browser's basic-auth prompt"
      : withLimit(loginDescription(signIn.before.command), limiter === undefined || limiter.kind === "added" ? undefined : limiter.before);
  const to =
    signIn.kind === "removed"
      ? "none"
      : withLimit(loginDescription(signIn.values.command), limiter === undefined || limiter.kind === "removed" ? undefined : limiter.values);
  return from === undefined || to === undefined || from === to ? undefined : { from, to };
}

/** What a service of the front door across a Swarm's nodes is, other than the entry proxy, in words. */
const DOOR_SERVICES: Readonly<Record<string, (values: Values) => string>> = {
  [ROLE.nodeProxy]: (v) => `${serviceNode(v) ?? "a node"}'s proxy`,
  [ROLE.sessionCheck]: () => "the session check",
  [ROLE.signIn]: () => "the sign-in",
  [ROLE.signInLimit]: () => "the sign-in's limiter",
};

/** On a Swarm: the front door's services other than the entry proxy that restart (a new task: a change of the task spec), by name. */
function doorRestarts(containers: readonly Change[]): NonNullable<FrontDoorChange["restarts"]> {
  return containers
    .filter((c) => c.type === "docker_service" && DOOR_SERVICES[c.labels[LABEL_ROLE]] !== undefined && c.kind === "replaced")
    .map((c) => ({ service: DOOR_SERVICES[c.labels[LABEL_ROLE]](c.values), reasons: c.reasons }))
    .sort((a, b) => byName(a.service, b.service));
}

function frontDoorChange(containers: readonly Change[]): FrontDoorChange | undefined {
  const proxy = containers.find((c) => c.labels[LABEL_ROLE] === ROLE.proxy && c.kind !== "unchanged");
  // New files are a new setup (they are its uploads); one updated in place (its limits) writes nothing new.
  const setup = containers.find((c) => c.labels[LABEL_ROLE] === ROLE.frontDoorSetup && (c.kind === "added" || c.kind === "replaced"));
  const reloads = setup !== undefined && proxy?.kind !== "added";
  const login = loginChange(containers);
  const found = doorRestarts(containers);
  const restarts = found.length > 0 ? { restarts: found } : {};
  if (proxy === undefined && !reloads && login === undefined && found.length === 0) return undefined;
  if (proxy === undefined) return { reloads, ...(login === undefined ? {} : { login }), ...restarts };
  const ports = publishedPorts(proxy.values);
  const previous = proxy.kind === "replaced" || proxy.kind === "updated" ? publishedPorts(proxy.before) : ports;
  const moved = JSON.stringify(previous) !== JSON.stringify(ports);
  const reasons = shownReasons(proxy);
  return {
    proxy: { change: proxy.kind as Exclude<ChangeKind, "unchanged">, reasons, ports, ...(moved ? { previousPorts: previous } : {}) },
    reloads,
    ...(login === undefined ? {} : { login }),
    ...restarts,
  };
}

const portList = (ports: readonly string[]) => (ports.length === 0 ? "no port" : ports.join(" and "));

/** The proxy's reasons, its ports said from where to where when they moved. */
function proxyReasons(proxy: NonNullable<FrontDoorChange["proxy"]>): string[] {
  const moved = proxy.previousPorts === undefined ? undefined : `ports ${portList(proxy.previousPorts)} → ${portList(proxy.ports)}`;
  const others = proxy.reasons.filter((r) => moved === undefined || r !== reason("ports"));
  return moved === undefined ? others : [...others, moved];
}

/** The front door's lines, each on its own. */
function frontDoorLines({ proxy, reloads, login, restarts }: FrontDoorChange): string[] {
  const lines: string[] = [];
  if (login !== undefined) lines.push(`- login changes: ${login.from} → ${login.to}`);
  if (proxy?.change === "added") lines.push(`- front door added: the proxy starts, publishing ${portList(proxy.ports)}`);
  else if (proxy?.change === "removed")
    lines.push(`- front door removed: no workspace can be reached from a browser (${portList(proxy.ports)} no longer published)`);
  else if (proxy?.change === "replaced") {
    lines.push(`- front door restarts: the proxy is replaced (${proxyReasons(proxy).join(", ") || "replaced"}); open pages reconnect, kernels keep running`);
  } else if (proxy?.change === "updated") lines.push(`- front door updated in place (${proxyReasons(proxy).join(", ")})`);
  if (reloads) lines.push("- front door reloads: routes or passwords changed; open pages reconnect, kernels keep running");
  for (const r of restarts ?? [])
    lines.push(`- front door: ${r.service} restarts (${r.reasons.join(", ") || "replaced"}); open pages reconnect, kernels keep running`);
  return lines;
}

const ROOT_ROLE_NAMES: Record<RootRole, (change: RootImageChange) => string> = {
  [ROLE.home]: (r) =>
    r.user !== undefined ? `creates ${r.user}'s home when it is missing` : `creates the homes of ${names(r.users ?? [])} when they are missing`,
  [ROLE.proxy]: () => "the front door's proxy",
  [ROLE.frontDoorSetup]: () => "the front door's setup",
  [ROLE.sessionCheck]: () => "the front door's session check",
  [ROLE.signIn]: () => "the front door's sign-in, which sees passwords",
  [ROLE.signInLimit]: () => "the limit in front of the front door's sign-in, which sees passwords",
  [ROLE.nodeProxy]: () => "a node's proxy, which reaches every socket of its node",
};

/** The warning about images that run as root, each on its own line. */
function rootImageLines(changes: readonly RootImageChange[]): string[] {
  return [
    "These containers run as root and get another image: check what the new one is and who publishes it (pin it by digest, `image@sha256:...`).",
    "",
    ...changes.map((r) => `- ${code(r.container)} (${ROOT_ROLE_NAMES[r.role](r)}): ${code(r.from)} → ${code(r.to)}`),
  ];
}

/** The exit status and blocking lines the policy flags give for a summary. */
export function planVerdict(summary: PlanSummary, options: Pick<ReviewOptions, "failOnReplace" | "failOnDestroy"> = {}): PlanVerdict {
  const { replaced, removed } = summary.totals;
  const replaceHit = options.failOnReplace === true && replaced > 0;
  const destroyHit = options.failOnDestroy === true && removed > 0;
  const blocked: string[] = [];
  if (replaceHit) blocked.push(`--fail-on-replace: ${plural(replaced, "workspace")} would be replaced`);
  if (destroyHit) blocked.push(`--fail-on-destroy: ${plural(removed, "workspace")} would be removed`);
  return {
    exitCode: replaceHit && destroyHit ? REVIEW_EXIT.both : replaceHit ? REVIEW_EXIT.replace : destroyHit ? REVIEW_EXIT.destroy : REVIEW_EXIT.ok,
    blocked,
  };
}

/** A change to an image, network, volume or home, as its line in the review says it. */
function resourceLine(r: ResourceChange): string {
  switch (r.resource) {
    case "image":
      return r.change === "replaced"
        ? `image ${code(r.previous ?? "?")} replaced by ${code(r.name)} (the old one stays on the host)`
        : `image ${code(r.name)} ${r.change}${r.change === "removed" ? " (Terraform forgets it; it stays on the host)" : ""}`;
    case "network":
      return `network ${code(r.name)} ${r.change}`;
    case "volume":
      return `volume ${code(r.name)} ${r.change}`;
    case "home":
      return `home of ${r.user}: ${{ added: "created if missing", removed: "no longer managed (the home stays)", replaced: "checked again", updated: "updated" }[r.change]}`;
    case "homes": {
      const which = `the homes of ${names(r.users)}`;
      const only = "a home is made only where it is missing; an existing one is left as it is";
      return {
        added: `${code(r.container)} added: runs once for ${which} (${only})`,
        replaced: `${code(r.container)} runs again for ${which} (${only})`,
        updated: `${code(r.container)} updated in place`,
        removed: `${code(r.container)} removed (nothing in a home changes)`,
      }[r.change];
    }
  }
}

/** Up to 5 names, then how many more: `alice, bob and carol`, `a, b, c, d, e and 45 more`. */
function names(list: readonly string[]): string {
  if (list.length === 0) return "no user";
  if (list.length === 1) return list[0];
  if (list.length <= 5) return `${list.slice(0, -1).join(", ")} and ${list[list.length - 1]}`;
  return `${list.slice(0, 5).join(", ")} and ${list.length - 5} more`;
}

/**
 * A workspace's reasons, each setting that changes in place said from what to what
 * (`memory 1g → 2g` for "memory changed"); reasons without values stay as they are.
 */
function shownReasons(w: Pick<WorkspaceChange, "reasons" | "settings">): string[] {
  const settings = w.settings ?? [];
  if (settings.length === 0) return [...w.reasons];
  const said = new Set(
    Object.entries(SETTINGS)
      .filter(([, s]) => settings.some((c) => c.setting === s.setting))
      .map(([a]) => reason(a)),
  );
  return [...w.reasons.filter((r) => !said.has(r)), ...settings.map(settingText)];
}

/** The summary in Markdown: totals, the servers that stop, each user's changes, other resources, then what the policies block. */
export function reviewMarkdown(summary: PlanSummary, blocked: readonly string[] = [], title = `homedock plan for host ${code(summary.host)}`): string {
  const { totals } = summary;
  const lines: string[] = [`## ${title}`, ""];
  const counts = [
    plural(totals.replaced, "workspace") + " replaced",
    `${totals.removed} removed`,
    `${totals.added} added`,
    `${totals.updated} updated in place`,
    `${totals.unchanged} unchanged`,
  ];
  lines.push(`**${counts.join(", ")}.**`, "");

  if (summary.stopping.length > 0) {
    lines.push("### ⚠ Servers that stop", "", "| workspace | what happens | why |", "| --- | --- | --- |");
    for (const w of summary.stopping) {
      const why = w.change === "removed" ? "no longer in the config (files stay in the home)" : w.reasons.join(", ") || "replaced";
      lines.push(`| ${w.user} / ${w.environment} | ${w.change === "removed" ? "removed" : "restarted in a new container"} | ${why} |`);
    }
    lines.push("");
  }

  const moves = summary.stopping.filter((w) => w.move !== undefined);
  if (moves.length > 0) {
    lines.push(
      "### Moves to another node",
      "",
      ...moves.map(
        (w) =>
          `- ${w.user}'s ${w.environment} moves from ${w.move!.from} to ${w.move!.to}: it stops on ${w.move!.from}, then starts on ${w.move!.to}; its files stay on the shared storage`,
      ),
      "",
    );
  }

  if (summary.rootImages.length > 0) lines.push("### ⚠ Images that run as root", "", ...rootImageLines(summary.rootImages), "");

  if (summary.frontDoor !== undefined) lines.push("### Front door", "", ...frontDoorLines(summary.frontDoor), "");

  if (summary.users.length > 0) {
    lines.push("### By user", "");
    for (const { user, changes, unchanged } of summary.users) {
      const part = (kind: Kind, verb: string) => {
        const these = changes.filter((w) => w.change === kind);
        if (these.length === 0) return [];
        const items = these.map((w) => w.environment + (w.reasons.length > 0 && kind !== "removed" ? ` (${shownReasons(w).join(", ")})` : ""));
        return [`${verb} ${items.sort().join(", ")}`];
      };
      const parts = [
        ...part("added", "gains"),
        ...part("removed", "loses"),
        ...part("replaced", "restarts"),
        ...part("updated", "updated in place:"),
        ...(unchanged > 0 ? [`${unchanged} unchanged`] : []),
      ];
      lines.push(`- **${user}**: ${parts.join("; ")}`);
    }
    lines.push("");
  }

  const other = summary.resources.map((r) => `- ${resourceLine(r)}`).sort();
  if (other.length > 0) lines.push("### Images, homes and networks", "", ...other, "");
  if (summary.stopping.length === 0 && summary.frontDoor === undefined && summary.users.length === 0 && other.length === 0) lines.push("Nothing changes.", "");
  if (blocked.length > 0) lines.push(...blocked.map((b) => `**Blocked:** ${b}.`), "");
  return lines.join("\n");
}

/** Reviews a plan's JSON (text or its UTF-8 bytes): its summary, Markdown and verdict; throws PlanError for input that is not a homedock plan. */
export function reviewPlan(input: string | Uint8Array, options: ReviewOptions = {}): Review {
  const summary = summarizePlan(input, options);
  const verdict = planVerdict(summary, options);
  return { summary, ...verdict, markdown: reviewMarkdown(summary, verdict.blocked) };
}
