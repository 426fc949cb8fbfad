// A Swarm node's usage job's log (src/container/root/node-usage.sh) read back: memory as
// docker stats shows it (usage less inactive page cache), CPU between the two samples
// against the node's CPU time, under cgroup v2 and v1; a container the node has no cgroup
// for has none; a log cut short is refused.
import { describe, expect, it } from "vitest";
import { parseNodeUsage } from "../../../src/workspaces/node-usage";

/** One sample: the node's cpu line (its fields in ticks of 1/100 s), its CPUs, then each container's section. */
const sample = (ticks: number, cpus: number, ...containers: string[]) =>
  ["@@homedock sample", `@@homedock cpus ${cpus}`, "@@homedock file /proc/stat", `cpu  ${ticks} 0 0 0 0 0 0 0 0 0`, ...containers].join("\n");
const v2 = (id: string, current: number, inactive: number, usec: number) =>
  [
    `@@homedock container ${id} 2 /c/docker/${id}`,
    `@@homedock file /c/docker/${id}/memory.current`,
    String(current),
    `@@homedock file /c/docker/${id}/memory.stat`,
    "anon 4096",
    `inactive_file ${inactive}`,
    `@@homedock file /c/docker/${id}/cpu.stat`,
    `usage_usec ${usec}`,
    "user_usec 1",
  ].join("\n");
const v1 = (id: string, usage: number, inactive: number, ns: number) =>
  [
    `@@homedock container ${id} 1 /c/memory/docker/${id} /c/cpuacct/docker/${id}`,
    `@@homedock file /c/memory/docker/${id}/memory.usage_in_bytes`,
    String(usage),
    `@@homedock file /c/memory/docker/${id}/memory.stat`,
    `total_inactive_file ${inactive}`,
    `@@homedock file /c/cpuacct/docker/${id}/cpuacct.usage`,
    String(ns),
  ].join("\n");

describe("a node's usage job, read back", () => {
  it("gives each container's memory less inactive cache and its CPU between the samples, as docker stats does", () => {
    // Between the samples the node's 2 CPUs spent 200 ticks (2 s of CPU time, 1 s of wall);
    // a used 0.5 s of CPU: 0.5 / 2 * 2 CPUs = 50 %; b (v1) 0.25 s: 25 %.
    const log = [
      sample(1000, 2, v2("a", 80_000_000, 5_000_000, 1_000_000), v1("b", 30_000_000, 10_000_000, 7e9)),
      sample(1200, 2, v2("a", 90_000_000, 5_000_000, 1_500_000), v1("b", 31_000_000, 10_000_000, 7.25e9)),
      "@@homedock end",
      "",
    ].join("\n");
    expect(Object.fromEntries(parseNodeUsage(log))).toEqual({
      a: { memoryBytes: 85_000_000, cpuPercent: 50 },
      b: { memoryBytes: 21_000_000, cpuPercent: 25 },
    });
  });

  it("gives no figure for a container the node has no cgroup for, and reads the others", () => {
    const gone = "@@homedock container c none";
    const log = [sample(1000, 2, v2("a", 100, 0, 0), gone), sample(1100, 2, v2("a", 100, 0, 0), gone), "@@homedock end"].join("\n");
    expect(Object.fromEntries(parseNodeUsage(log))).toEqual({ a: { memoryBytes: 100, cpuPercent: 0 } });
  });

  it("refuses a log cut before its end, or with one sample", () => {
    expect(() => parseNodeUsage(sample(1000, 2, v2("a", 100, 0, 0)))).toThrow("the job's output was cut before its end");
    expect(() => parseNodeUsage(`${sample(1000, 2, v2("a", 100, 0, 0))}\n@@homedock end\n`)).toThrow("the job's output has 1 samples: expected 2");
  });
});
