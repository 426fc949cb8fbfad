// Memory and CPU from a container's cgroup files, as the kernel writes them under cgroup
// v1 (this machine's layout, and "cpu,cpuacct" joined) and v2.
import { describe, expect, it } from "vitest";
import { cgroupDirs, cgroupSample, cgroupSampler, hostCpuNanos } from "../../../src/workspaces/cgroup-stats";
import { usageBetween } from "../../../src/workspaces/engine-stats";

const ID = "14f67de6d38f422adf570713180d24403873e42f8e1b0d3bb7f4726812a89f3b";

describe("a container's cgroups", () => {
  it("are found under v1 (separate or joined hierarchies, a v2 line beside them) and v2", () => {
    const hybrid = [`9:name=systemd:/docker/${ID}`, `4:memory:/docker/${ID}`, `2:cpuacct:/docker/${ID}`, `1:cpu:/docker/${ID}`, `0::/docker/${ID}`].join("\n");
    expect(cgroupDirs(hybrid)).toEqual({ version: 1, cpu: `/sys/fs/cgroup/cpuacct/docker/${ID}`, memory: `/sys/fs/cgroup/memory/docker/${ID}` });
    expect(cgroupDirs(`5:memory:/docker/${ID}\n3:cpu,cpuacct:/docker/${ID}\n`)).toEqual({
      version: 1,
      cpu: `/sys/fs/cgroup/cpu,cpuacct/docker/${ID}`,
      memory: `/sys/fs/cgroup/memory/docker/${ID}`,
    });
    expect(cgroupDirs(`0::/system.slice/docker-${ID}.scope\n`)).toEqual({
      version: 2,
      cpu: `/sys/fs/cgroup/system.slice/docker-${ID}.scope`,
      memory: `/sys/fs/cgroup/system.slice/docker-${ID}.scope`,
    });
    // A v1 host without a memory hierarchy has nothing to read.
    expect(cgroupDirs(`2:cpuacct:/docker/${ID}\n0::/docker/${ID}\n`)).toBeUndefined();
  });

  it("give CPU and memory as docker stats computes them, under v1 and v2", () => {
    const v1: Record<string, string> = {
      [`/m/memory.usage_in_bytes`]: "30000000\n",
      [`/m/memory.stat`]: "cache 6000000\ntotal_inactive_file 4000000\n",
      [`/c/cpuacct.usage`]: "1000000000\n",
    };
    const first = cgroupSample({ version: 1, cpu: "/c", memory: "/m" }, 10e9, 2, (f) => v1[f]);
    expect(first).toEqual({ cpuTotal: 1e9, systemCpu: 10e9, onlineCpus: 2, memoryBytes: 26_000_000 });
    v1["/c/cpuacct.usage"] = "1500000000\n";
    // Half a second of CPU in a second of two CPUs' time: half a CPU, 50%.
    expect(
      usageBetween(
        first,
        cgroupSample({ version: 1, cpu: "/c", memory: "/m" }, 12e9, 2, (f) => v1[f]),
      ),
    ).toEqual({ memoryBytes: 26_000_000, cpuPercent: 50 });
    const v2: Record<string, string> = {
      "/g/memory.current": "5000\n",
      "/g/memory.stat": "anon 1000\ninactive_file 1200\n",
      "/g/cpu.stat": "usage_usec 2500\nuser_usec 2000\n",
    };
    expect(cgroupSample({ version: 2, cpu: "/g", memory: "/g" }, 1, 4, (f) => v2[f])).toEqual({
      cpuTotal: 2_500_000,
      systemCpu: 1,
      onlineCpus: 4,
      memoryBytes: 3800,
    });
    v2["/g/cpu.stat"] = "user_usec 2000\n";
    expect(() => cgroupSample({ version: 2, cpu: "/g", memory: "/g" }, 1, 4, (f) => v2[f])).toThrow(/usage_usec/);
    expect(() => cgroupSample({ version: 1, cpu: "/c", memory: "/m" }, 1, 2, (f) => ({ ...v1, "/m/memory.usage_in_bytes": "max\n" })[f]!)).toThrow(
      /not a counter/,
    );
  });

  it("count the host's CPU time as the engine does: /proc/stat's first seven fields, in ticks of 10 ms", () => {
    expect(hostCpuNanos("cpu  100 1 50 800 9 0 40 7 0 0\ncpu0 50 0 25 400 4 0 20 3 0 0\n")).toBe(1000 * 1e7);
    expect(() => hostCpuNanos("intr 1 2 3\n")).toThrow(/no cpu line/);
  });

  it("are read only where the process's cgroup names its container", () => {
    const files: Record<string, string> = {
      "/proc/42/cgroup": `4:memory:/docker/${ID}\n2:cpuacct:/docker/${ID}\n`,
      "/proc/43/cgroup": "4:memory:/user.slice\n2:cpuacct:/user.slice\n",
    };
    expect(() => cgroupSampler([{ id: ID, pid: 42 }], 2, (f) => files[f])).not.toThrow();
    expect(() => cgroupSampler([{ id: ID, pid: 43 }], 2, (f) => files[f])).toThrow(`pid 43 is not in container ${ID}'s cgroup`);
    expect(() => cgroupSampler([{ id: ID.replace("1", "2"), pid: 42 }], 2, (f) => files[f])).toThrow(/is not in container/);
  });
});
