// `homedock status`, without Docker: what `docker inspect` and `docker stats` (or the
// Engine API's stats) say about a host's containers and what their Jupyter servers say,
// matched with the workspaces the config declares, as rows, a table and JSON. Pure: docker's output and the model in, rows and text out.
import type { HostModel, WorkspaceModel } from "../model/model";
import { stopsWhenIdle } from "../model/workspaces";
import type { JupyterActivity } from "./jupyter-status";
import { LABEL_ENVIRONMENT, LABEL_ROLE, LABEL_USER, ROLE } from "../container/container";

/** One container as `docker inspect` describes it: what status needs of it. */
export interface ContainerFacts {
  readonly id: string;
  /** Without Docker's leading "/". */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Docker's own word: created, running, paused, restarting, removing, exited or dead. */
  readonly dockerState: string;
  /** ISO times; undefined where Docker has none (never started, never stopped). */
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** Bytes; undefined: no limit. */
  readonly memoryLimit?: number;
  /** The exit code of its last run, where it has stopped. */
  readonly exitCode?: number;
}

/** One sample of `docker stats`: memory in use and CPU, in percent of one CPU. */
export interface ContainerUsage {
  readonly memoryBytes?: number;
  readonly cpuPercent?: number;
}

/**
 * running, paused, restarting and stopped are Docker's (stopped: created, exited or
 * dead); idle: stopped by its own server (idle, or its user's Quit) in an environment
 * with idleTimeout, to be woken by its owner's visit; missing: declared, no container;
 * undeclared: a workspace container of the host that the config no longer declares.
 * On a Swarm (the service's task): starting, a task on its way to running; down, its
 * node is not ready or its task failed (`reason` says which).
 */
export type WorkspaceState = "running" | "paused" | "restarting" | "stopped" | "idle" | "missing" | "undeclared" | "starting" | "down";

/** A row of `homedock status`; its JSON form too, so these names are API. */
export interface WorkspaceStatus {
  readonly user: string;
  readonly environment: string;
  readonly container: string;
  readonly state: WorkspaceState;
  /** Docker's own word for the container's state; null when it is missing. */
  readonly dockerState: string | null;
  /** When it started (running, paused, restarting) or stopped; null when Docker has no such time. */
  readonly since: string | null;
  readonly memoryBytes: number | null;
  /** null: no limit (or missing). */
  readonly memoryLimitBytes: number | null;
  /** Percent of one CPU (over 100 with more than one). */
  readonly cpuPercent: number | null;
  /** Whether its environment runs Jupyter. */
  readonly jupyter: boolean;
  /**
   * The Jupyter server's last activity (its ISO time) and kernel count, as its
   * `api/status` says them, asked through its socket in its own container as its user.
   * null: not Jupyter, not running, no front door (a server on TCP with a token is not
   * asked), or the server did not answer (jupyterError says why).
   */
  readonly lastActivity: string | null;
  readonly kernels: number | null;
  /** Why a Jupyter workspace's activity is not known; null when it is, or not Jupyter. */
  readonly jupyterError: string | null;
  /** On a Swarm: the node (of swarm.nodes) its user's workspaces are placed on. */
  readonly node?: string;
  /** On a Swarm: why it is down, or the error of its last task. */
  readonly reason?: string;
}

/** Docker's time for "never". */
const ZERO_TIME = /^0001-01-01T/;

const time = (value: unknown): string | undefined => (typeof value === "string" && value !== "" && !ZERO_TIME.test(value) ? value : undefined);

/** A container in `docker inspect` output: the fields read here, each checked as it is read. */
interface Inspected {
  readonly Id: string;
  readonly Name?: string;
  readonly Config?: { readonly Labels?: Readonly<Record<string, string>> | null } | null;
  readonly State?: { readonly Status?: string; readonly StartedAt?: unknown; readonly FinishedAt?: unknown; readonly ExitCode?: unknown } | null;
  readonly HostConfig?: { readonly Memory?: number } | null;
}

/**
 * The containers in `docker inspect` output (a JSON array).
 * @throws Error when it is not
 */
export function parseInspect(json: string): ContainerFacts[] {
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed)) throw new Error(`expected a JSON list, got ${typeof parsed}`);
  return (parsed as Inspected[]).map((c) => {
    const memory = Number(c?.HostConfig?.Memory ?? 0);
    return {
      id: String(c.Id),
      name: String(c.Name ?? "").replace(/^\//, ""),
      labels: c?.Config?.Labels ?? {},
      dockerState: String(c?.State?.Status ?? "unknown"),
      startedAt: time(c?.State?.StartedAt),
      finishedAt: time(c?.State?.FinishedAt),
      exitCode: typeof c?.State?.ExitCode === "number" ? c.State.ExitCode : undefined,
      memoryLimit: memory > 0 ? memory : undefined,
    };
  });
}

const UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
};

/** Bytes in docker's human form ("552KiB", "1.5GiB", "0B"); undefined for anything else ("--"). */
export function parseBytes(text: string): number | undefined {
  const m = /^([0-9.]+)\s*([A-Za-z]+)$/.exec(text.trim());
  if (m === null) return undefined;
  const [value, unit] = [Number(m[1]), UNITS[m[2].toLowerCase()]];
  return unit !== undefined && Number.isFinite(value) ? Math.round(value * unit) : undefined;
}

/**
 * `docker stats --no-stream --format '{{json .}}'` output by container (as given to it:
 * the `Container` field). Lines that are not such JSON are skipped.
 */
export function parseStats(output: string): Map<string, ContainerUsage> {
  const usage = new Map<string, ContainerUsage>();
  for (const line of output.split("\n")) {
    // `{{json .}}` prints every field as a string.
    let s: { readonly Container?: unknown; readonly CPUPerc?: string; readonly MemUsage?: string } | null;
    try {
      s = JSON.parse(line) as typeof s;
    } catch {
      continue;
    }
    if (typeof s?.Container !== "string") continue;
    const cpu = Number(String(s.CPUPerc ?? "").replace(/%$/, ""));
    usage.set(s.Container, {
      memoryBytes: parseBytes(String(s.MemUsage ?? "").split("/")[0]),
      cpuPercent: String(s.CPUPerc ?? "").endsWith("%") && Number.isFinite(cpu) ? cpu : undefined,
    });
  }
  return usage;
}

/** Whether `c` is a workspace container (not a one-shot or the front door's). */
export function isWorkspace(c: ContainerFacts): boolean {
  return c.labels[LABEL_ROLE] === ROLE.workspace;
}

/** A declared workspace's state: "idle" where its server ended itself (exit 0) and its environment stops when idle. */
function declaredState(ws: WorkspaceModel, c: ContainerFacts): Exclude<WorkspaceState, "missing" | "undeclared"> {
  const state = stateOf(c.dockerState);
  return state === "stopped" && c.dockerState === "exited" && c.exitCode === 0 && stopsWhenIdle(ws) ? "idle" : state;
}

function stateOf(dockerState: string): Exclude<WorkspaceState, "missing" | "undeclared" | "idle"> {
  return dockerState === "running" || dockerState === "paused" || dockerState === "restarting" ? dockerState : "stopped";
}

function observed(c: ContainerFacts, usage: ContainerUsage | undefined) {
  const up = stateOf(c.dockerState) !== "stopped";
  return {
    dockerState: c.dockerState,
    since: (up ? c.startedAt : c.finishedAt) ?? null,
    memoryBytes: up ? (usage?.memoryBytes ?? null) : null,
    memoryLimitBytes: c.memoryLimit ?? null,
    cpuPercent: up ? (usage?.cpuPercent ?? null) : null,
  };
}

/** A declared workspace's Jupyter fields: what its server said, or why nothing was asked. */
function jupyterOf(ws: WorkspaceModel, c: ContainerFacts | undefined, said: JupyterActivity | undefined) {
  if (ws.environment.jupyter === undefined) return { jupyter: false, lastActivity: null, kernels: null, jupyterError: null };
  const unknown = (why: string) => ({ jupyter: true, lastActivity: null, kernels: null, jupyterError: why });
  if (ws.route === undefined) return unknown("not asked: no front door (the server listens on TCP with a token)");
  if (c === undefined || c.dockerState !== "running") return unknown("not running");
  if (said === undefined) return unknown("not asked");
  if (said.error !== undefined) return unknown(said.error);
  return { jupyter: true, lastActivity: said.lastActivity, kernels: said.kernels, jupyterError: null };
}

/**
 * Every declared workspace (config order), matched by container name, then every other
 * workspace container of the host (undeclared, by name). Other roles are left out.
 */
export function workspaceStatus(
  model: HostModel,
  containers: readonly ContainerFacts[],
  usage: ReadonlyMap<string, ContainerUsage>,
  activity: ReadonlyMap<string, JupyterActivity> = new Map(),
): WorkspaceStatus[] {
  const byName = new Map(containers.filter(isWorkspace).map((c) => [c.name, c]));
  const rows: WorkspaceStatus[] = model.workspaces.map((ws) => {
    const c = byName.get(ws.containerName);
    byName.delete(ws.containerName);
    const jupyter = jupyterOf(ws, c, activity.get(ws.containerName));
    const who = { user: ws.user.name, environment: ws.environment.name, container: ws.containerName };
    if (c === undefined) {
      return { ...who, state: "missing", dockerState: null, since: null, memoryBytes: null, memoryLimitBytes: null, cpuPercent: null, ...jupyter };
    }
    return { ...who, state: declaredState(ws, c), ...observed(c, usage.get(c.id)), ...jupyter };
  });
  const rest = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const c of rest) {
    rows.push({
      user: c.labels[LABEL_USER] ?? "?",
      environment: c.labels[LABEL_ENVIRONMENT] ?? "?",
      container: c.name,
      state: "undeclared",
      ...observed(c, usage.get(c.id)),
      jupyter: false,
      lastActivity: null,
      kernels: null,
      jupyterError: null,
    });
  }
  return rows;
}

/** A container as `docker ps` lists it. */
export interface ListedContainer {
  readonly id: string;
  /** Docker's word, as in ContainerFacts.dockerState. */
  readonly state: string;
  readonly name: string;
  /** Its host label, where listed. */
  readonly host?: string;
}

/** `docker ps --format '{{.ID}}\t{{.State}}\t{{.Names}}[\t{{.Label "homedock.host"}}]'` output. */
export function parsePs(output: string): ListedContainer[] {
  return output
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const [id, state, name, host] = line.split("\t");
      return { id, state: state ?? "", name: name ?? "", ...(host === undefined ? {} : { host }) };
    });
}

/** The ids of the containers whose usage `docker stats` can give: those that run. */
export function sampled(containers: readonly ListedContainer[]): string[] {
  return containers.filter((c) => c.state === "running").map((c) => c.id);
}

/** Bytes as MiB (one decimal under 10) or GiB. */
export function formatBytes(bytes: number): string {
  const mib = bytes / 2 ** 20;
  if (mib >= 1024) return `${(mib / 1024).toFixed(1).replace(/\.0$/, "")} GiB`;
  return `${mib < 10 ? mib.toFixed(1).replace(/\.0$/, "") : Math.round(mib)} MiB`;
}

/** How long ago: "40s", "5m", "3h", "2d". */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

function memory(row: WorkspaceStatus): string {
  if (row.memoryBytes === null) return row.memoryLimitBytes === null ? "-" : `- / ${formatBytes(row.memoryLimitBytes)}`;
  if (row.memoryLimitBytes === null) return `${formatBytes(row.memoryBytes)} / no limit`;
  return `${formatBytes(row.memoryBytes)} / ${formatBytes(row.memoryLimitBytes)} (${Math.round((100 * row.memoryBytes) / row.memoryLimitBytes)}%)`;
}

function since(row: WorkspaceStatus, now: number): string {
  if (row.since === null) return "-";
  const at = Date.parse(row.since);
  return Number.isNaN(at) ? row.since : `${new Date(at).toISOString().slice(0, 16).replace("T", " ")}Z (${formatAge(now - at)} ago)`;
}

function lastActivity(row: WorkspaceStatus, now: number): string {
  const at = row.lastActivity === null ? NaN : Date.parse(row.lastActivity);
  return Number.isNaN(at) ? (row.lastActivity ?? "-") : `${formatAge(now - at)} ago`;
}

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;

/** The table `homedock status` prints: a header, one line per row, a total. `now`: for the ages. */
export function formatStatusTable(host: string, rows: readonly WorkspaceStatus[], now: number): string {
  // On a Swarm, the node of each, after the environment.
  const swarm = rows.some((r) => r.node !== undefined);
  const onNode = <T>(cells: T[], node: T) => (swarm ? [...cells.slice(0, 2), node, ...cells.slice(2)] : cells);
  const header = onNode(["USER", "ENVIRONMENT", "STATE", "SINCE", "MEMORY", "CPU", "LAST ACTIVITY", "KERNELS"], "NODE");
  const cells = rows
    .map((r) => [
      r.user,
      r.environment,
      r.state === "undeclared" ? `undeclared (${stateOf(r.dockerState ?? "")})` : r.reason === undefined ? r.state : `${r.state} (${r.reason})`,
      since(r, now),
      memory(r),
      r.cpuPercent === null ? "-" : `${r.cpuPercent.toFixed(1)}%`,
      // "-" for Jupyter not known (see jupyterError), nothing for the rest.
      r.jupyter ? lastActivity(r, now) : "",
      r.jupyter ? (r.kernels === null ? "-" : String(r.kernels)) : "",
    ])
    .map((c, i) => onNode(c, rows[i].node ?? "-"));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: readonly string[]) =>
    c
      .map((cell, i) => cell.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  const declared = rows.filter((r) => r.state !== "undeclared");
  const by = (state: WorkspaceState) => declared.filter((r) => r.state === state).length;
  // paused, restarting, idle, starting and down are rare (the last two are a Swarm's): named only when there are some.
  const states = (["running", "starting", "paused", "restarting", "stopped", "idle", "down", "missing"] as const)
    .filter((s) => by(s) > 0 || s === "running" || s === "stopped" || s === "missing")
    .map((s) => `${by(s)} ${s}`);
  const undeclared = rows.length - declared.length;
  const total = `host ${host}: ${count(declared.length, "workspace")}: ${states.join(", ")}${undeclared > 0 ? `; ${count(undeclared, "undeclared container")}` : ""}`;
  return [line(header), ...cells.map(line), total].join("\n");
}
