// Memory and CPU from the Engine API's stats, computed as `docker stats` computes them
// (docker/cli, cli/command/container/stats_helpers.go: calculateCPUPercentUnix and
// calculateMemUsageUnixNoCache), but from two one-shot samples that homedock takes itself
// a short interval apart: `GET /containers/{id}/stats?stream=false&one-shot=true`
// (API 1.41) answers at once, where `docker stats --no-stream` waits for the engine's
// own second sample. Pure: JSON in, figures out.
import type { ContainerUsage } from "./status";

/** The API version whose stats have `one-shot` (Docker 20.10). */
export const ONE_SHOT_API = "1.41";

/** What status needs of one stats sample. */
export interface StatsSample {
  /** Nanoseconds of CPU the container has used. */
  readonly cpuTotal?: number;
  /** Nanoseconds of CPU the whole host has used. */
  readonly systemCpu?: number;
  readonly onlineCpus?: number;
  /** Bytes in use, page cache that can be dropped left out. */
  readonly memoryBytes?: number;
}

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** Whether an engine of API version `version` (e.g. "1.41", from GET /version) has one-shot stats. */
export function hasOneShotStats(version: string): boolean {
  const [major, minor] = version.split(".").map(Number);
  const [wantMajor, wantMinor] = ONE_SHOT_API.split(".").map(Number);
  if (!Number.isInteger(major) || !Number.isInteger(minor)) return false;
  return major > wantMajor || (major === wantMajor && minor >= wantMinor);
}

/** The engine's API version in a GET /version body; undefined when it has none. */
export function apiVersionOf(body: string): string | undefined {
  try {
    const v = (JSON.parse(body) as { ApiVersion?: unknown } | null)?.ApiVersion;
    return typeof v === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Memory in use as `docker stats` shows it: usage less the inactive page cache
 * (`total_inactive_file` under cgroup v1, `inactive_file` under v2) when smaller.
 */
export function memoryInUse(memoryStats: unknown): number | undefined {
  const m = (memoryStats ?? {}) as { usage?: unknown; stats?: Record<string, unknown> };
  const usage = num(m.usage);
  if (usage === undefined) return undefined;
  const v1 = num(m.stats?.total_inactive_file);
  if (v1 !== undefined && v1 < usage) return usage - v1;
  const v2 = num(m.stats?.inactive_file) ?? 0;
  return v2 < usage ? usage - v2 : usage;
}

/** A stats body's CPU figures; num() checks each. */
interface CpuStats {
  readonly cpu_usage?: { readonly total_usage?: unknown; readonly percpu_usage?: unknown } | null;
  readonly system_cpu_usage?: unknown;
  readonly online_cpus?: unknown;
}

/**
 * One sample from a stats body (GET /containers/{id}/stats). A stopped container's has
 * no usage: its fields are undefined.
 * @throws SyntaxError when it is not JSON
 */
export function parseStatsSample(body: string): StatsSample {
  const s = JSON.parse(body) as { cpu_stats?: CpuStats | null; memory_stats?: unknown } | null;
  const cpu: CpuStats = s?.cpu_stats ?? {};
  const perCpu: unknown = cpu?.cpu_usage?.percpu_usage;
  return {
    cpuTotal: num(cpu?.cpu_usage?.total_usage),
    systemCpu: num(cpu?.system_cpu_usage),
    onlineCpus: num(cpu?.online_cpus) || (Array.isArray(perCpu) && perCpu.length > 0 ? perCpu.length : undefined),
    memoryBytes: memoryInUse(s?.memory_stats),
  };
}

/**
 * CPU between two samples, in percent of one CPU, as `docker stats` computes it: the
 * container's CPU time over the host's, times the online CPUs; 0 when either did not grow.
 * Undefined when a sample lacks a figure.
 */
export function cpuPercent(first: StatsSample, second: StatsSample): number | undefined {
  const { cpuTotal: c0, systemCpu: s0 } = first;
  const { cpuTotal: c1, systemCpu: s1, onlineCpus } = second;
  if (c0 === undefined || s0 === undefined || c1 === undefined || s1 === undefined || onlineCpus === undefined) return undefined;
  const cpuDelta = c1 - c0;
  const systemDelta = s1 - s0;
  return systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * onlineCpus * 100 : 0;
}

/** Two decimals, as `docker stats` prints it. */
const round2 = (x: number | undefined) => (x === undefined ? undefined : Math.round(x * 100) / 100);

/** Memory (the second sample's) and CPU between the two. */
export function usageBetween(first: StatsSample | undefined, second: StatsSample | undefined): ContainerUsage {
  return {
    memoryBytes: second?.memoryBytes ?? first?.memoryBytes,
    cpuPercent: first === undefined || second === undefined ? undefined : round2(cpuPercent(first, second)),
  };
}

/** The stats path of container `id`: one sample, answered at once. */
export function oneShotStatsPath(id: string): string {
  return `/v${ONE_SHOT_API}/containers/${encodeURIComponent(id)}/stats?stream=false&one-shot=true`;
}
