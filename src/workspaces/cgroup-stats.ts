// Memory and CPU of containers read from their cgroups, where status runs on the Docker
// host itself (the local engine's socket) and may read them (root): the kernel's own
// counters, the same the engine's stats are made of, with no wait for the engine's stats
// collector, which takes a sample of every container once a second and answers a
// request at its next round (two rounds for CPU: 2-4 s for a hundred containers). Each
// container's cgroup is found from its first process (/proc/<pid>/cgroup, the pid from
// the engine), so it holds for cgroup v1 and v2 and either cgroup driver. Anything it
// cannot read makes the caller take the engine's stats instead. Figures as `docker
// stats` computes them (engine-stats.ts).
import { readFileSync } from "node:fs";
import type { StatsSample } from "./engine-stats";

/** Reads a file as text (injected in tests). */
export type ReadText = (file: string) => string;

const readText: ReadText = (file) => readFileSync(file, "utf8");

/** Where the cgroup file systems are mounted on the Docker host. */
export const CGROUP_ROOT = "/sys/fs/cgroup";

/** A container's cgroup directories: its CPU accounting and its memory (one directory under v2). */
export interface CgroupDirs {
  readonly version: 1 | 2;
  readonly cpu: string;
  readonly memory: string;
}

/**
 * The cgroup directories of the process whose /proc/<pid>/cgroup is `text`: under v1
 * the cpuacct and memory hierarchies' ("4:cpu,cpuacct:/docker/<id>"), under v2 the one
 * ("0::/system.slice/docker-<id>.scope"). Undefined when either is missing.
 */
export function cgroupDirs(text: string, root = CGROUP_ROOT): CgroupDirs | undefined {
  const lines = text
    .split("\n")
    .map((l) => /^([0-9]+):([^:]*):(\/.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null);
  const v2 = lines.find((m) => m[1] === "0" && m[2] === "");
  const v1 = (controller: string) => lines.find((m) => m[2].split(",").includes(controller));
  const [cpu, memory] = [v1("cpuacct"), v1("memory")];
  if (cpu !== undefined && memory !== undefined) {
    return { version: 1, cpu: `${root}/${cpu[2]}${cpu[3]}`, memory: `${root}/${memory[2]}${memory[3]}` };
  }
  if (v2 !== undefined && lines.length === 1) return { version: 2, cpu: `${root}${v2[3]}`, memory: `${root}${v2[3]}` };
  return undefined;
}

/** A number of a "key value" line in a cgroup stat file (memory.stat, cpu.stat). */
function statValue(text: string, key: string): number | undefined {
  const m = new RegExp(`^${key} ([0-9]+)$`, "m").exec(text);
  return m === null ? undefined : Number(m[1]);
}

/** A whole non-negative number in a one-number cgroup file. */
function counter(text: string): number {
  const value = text.trim();
  if (!/^[0-9]+$/.test(value)) throw new Error(`not a counter: ${JSON.stringify(value.slice(0, 40))}`);
  return Number(value);
}

/**
 * The host's CPU time in nanoseconds from /proc/stat's first line, as the engine counts
 * it for its stats (the sum of the "cpu" line's fields, in clock ticks of 1/100 s).
 */
export function hostCpuNanos(procStat: string): number {
  const line = procStat.split("\n").find((l) => l.startsWith("cpu "));
  if (line === undefined) throw new Error("/proc/stat has no cpu line");
  const ticks = line
    .trim()
    .split(/\s+/)
    .slice(1, 8)
    .reduce((sum, n) => sum + Number(n), 0);
  return ticks * 1e7;
}

/**
 * One sample of a container's cgroups: its CPU time, the host's, and its memory in use
 * (usage less inactive page cache, as docker stats shows it).
 * @throws Error when a file cannot be read or is not as the kernel writes it
 */
export function cgroupSample(dirs: CgroupDirs, systemCpu: number, onlineCpus: number, read: ReadText = readText): StatsSample {
  if (dirs.version === 1) {
    const usage = counter(read(`${dirs.memory}/memory.usage_in_bytes`));
    const inactive = statValue(read(`${dirs.memory}/memory.stat`), "total_inactive_file") ?? 0;
    return { cpuTotal: counter(read(`${dirs.cpu}/cpuacct.usage`)), systemCpu, onlineCpus, memoryBytes: inactive < usage ? usage - inactive : usage };
  }
  const usage = counter(read(`${dirs.memory}/memory.current`));
  const inactive = statValue(read(`${dirs.memory}/memory.stat`), "inactive_file") ?? 0;
  const usec = statValue(read(`${dirs.cpu}/cpu.stat`), "usage_usec");
  if (usec === undefined) throw new Error(`${dirs.cpu}/cpu.stat has no usage_usec`);
  return { cpuTotal: usec * 1000, systemCpu, onlineCpus, memoryBytes: inactive < usage ? usage - inactive : usage };
}

/** A running container: its full id and its first process's pid, as the engine says. */
export interface ContainerProcess {
  readonly id: string;
  readonly pid: number;
}

/**
 * A sampler of `containers`: each call reads every one's cgroup once. Their cgroups are
 * found once, at the start, and each must name its container's id (Docker's cgroups
 * do, under either driver): a pid of another machine's (an engine in a VM behind a
 * forwarded socket) or one reused since is not read as the container's.
 * @throws Error when a cgroup cannot be found or read (the caller uses the engine's stats)
 */
export function cgroupSampler(containers: readonly ContainerProcess[], onlineCpus: number, read: ReadText = readText): () => StatsSample[] {
  const dirs = containers.map(({ id, pid }) => {
    const text = read(`/proc/${pid}/cgroup`);
    const found = cgroupDirs(text);
    if (found === undefined || !found.cpu.includes(id) || !found.memory.includes(id)) throw new Error(`pid ${pid} is not in container ${id}'s cgroup`);
    return found;
  });
  return () => {
    const system = hostCpuNanos(read("/proc/stat"));
    return dirs.map((d) => cgroupSample(d, system, onlineCpus, read));
  };
}
