// The memory and CPU of a Swarm node's workspace containers, from what the job that
// status runs there printed (src/container/root/node-usage.sh): two samples of their
// cgroup counters and of the node's CPU time, read as on one host (cgroup-stats.ts),
// figures as `docker stats` computes them. Pure: the job's log in, usage out.
import { type CgroupDirs, cgroupSample, hostCpuNanos } from "./cgroup-stats";
import { usageBetween } from "./engine-stats";
import type { ContainerUsage } from "./status";

interface Sample {
  cpus: number;
  /** Each file printed, by path: its lines. */
  readonly files: Map<string, string[]>;
  /** By container id: its cgroup directories, or null where the node has none for it. */
  readonly containers: Map<string, CgroupDirs | null>;
}

/**
 * Each container's usage from a job's log, by the container ids it was given; a
 * container whose cgroup the node does not have, or whose counters cannot be read,
 * has none.
 * @throws Error when the log is not the script's, or was cut before its end
 */
export function parseNodeUsage(log: string): Map<string, ContainerUsage> {
  const lines = log.split("\n");
  if (!lines.includes("@@homedock end")) throw new Error(`the job's output was cut before its end: ${JSON.stringify(log.slice(-80))}`);
  const samples: Sample[] = [];
  let file: string[] | undefined;
  for (const line of lines) {
    if (!line.startsWith("@@homedock ")) {
      file?.push(line);
      continue;
    }
    file = undefined;
    const [word, ...rest] = line.slice("@@homedock ".length).split(" ");
    const sample = samples.at(-1);
    if (word === "sample") samples.push({ cpus: 0, files: new Map(), containers: new Map() });
    else if (word === "end") break;
    else if (sample === undefined) throw new Error(`the job's output has ${JSON.stringify(line)} before a sample`);
    else if (word === "cpus") sample.cpus = Number(rest[0]);
    else if (word === "file") {
      file = [];
      sample.files.set(rest.join(" "), file);
    } else if (word === "container") {
      const [id, version, first, second] = rest;
      sample.containers.set(
        id,
        version === "2" ? { version: 2, cpu: first, memory: first } : version === "1" ? { version: 1, memory: first, cpu: second } : null,
      );
    } else throw new Error(`the job's output has an unknown line ${JSON.stringify(line)}`);
  }
  if (samples.length !== 2) throw new Error(`the job's output has ${samples.length} samples: expected 2`);
  const reads = samples.map((s) => (path: string) => {
    const text = s.files.get(path);
    if (text === undefined) throw new Error(`the job did not print ${path}`);
    return `${text.join("\n")}\n`;
  });
  const usage = new Map<string, ContainerUsage>();
  for (const [id, dirs] of samples[0].containers) {
    const later = samples[1].containers.get(id);
    if (dirs === null || dirs === undefined || later === null || later === undefined) continue;
    try {
      const [first, second] = [dirs, later].map((d, i) => cgroupSample(d, hostCpuNanos(reads[i]("/proc/stat")), samples[i].cpus, reads[i]));
      usage.set(id, usageBetween(first, second));
    } catch {
      // Its counters could not be read (it stopped between): no figure.
    }
  }
  return usage;
}
