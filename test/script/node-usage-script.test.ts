// src/container/root/node-usage.sh, the job `homedock status` runs on a Swarm node,
// under each shell, over cgroup trees laid out as Docker's are (cgroup v2 with the
// cgroupfs driver, v2 with systemd's, v1 with cpu and cpuacct joined): it finds each
// container's counters by its id, and what it prints reads back (parseNodeUsage) as the
// container's memory; a container without a cgroup there has no figure.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rootScript } from "../../src/container/common";
import { parseNodeUsage } from "../../src/workspaces/node-usage";
import { removeShells, requireTools, type Shell, shells } from "../helpers/shells";

let all: Shell[];
let root: string;
const ids = { v2: "a".repeat(64), systemd: "b".repeat(64), v1: "c".repeat(64), gone: "d".repeat(64) };

function put(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

beforeAll(() => {
  requireTools();
  all = shells();
  root = mkdtempSync(path.join(tmpdir(), "homedock-nodeusage-"));
  const v2 = (dir: string, current: number) => {
    put(`${dir}/memory.current`, `${current}\n`);
    put(`${dir}/memory.stat`, "anon 8192\nfile 4096\ninactive_file 1000\n");
    put(`${dir}/cpu.stat`, "usage_usec 250000\nuser_usec 200000\nsystem_usec 50000\n");
  };
  v2(path.join(root, "v2", "docker", ids.v2), 50_001_000);
  v2(path.join(root, "v2", "system.slice", `docker-${ids.systemd}.scope`), 60_001_000);
  put(path.join(root, "v1", "memory", "docker", ids.v1, "memory.usage_in_bytes"), "70001000\n");
  put(path.join(root, "v1", "memory", "docker", ids.v1, "memory.stat"), "cache 4096\ntotal_inactive_file 1000\n");
  // Its last line without a newline, as a file may be.
  put(path.join(root, "v1", "cpu,cpuacct", "docker", ids.v1, "cpuacct.usage"), "123456789");
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  removeShells();
});

function run(shell: Shell, cgroups: string, containers: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(shell.argv[0], [...shell.argv.slice(1, -1), "-c", rootScript("node-usage.sh"), "node-usage", cgroups, "0", ...containers], {
    env: { PATH: shell.path },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("the node's usage job", () => {
  it("finds each container's counters under cgroup v2 (either driver) and v1, in every shell, and none for a container it has no cgroup of", () => {
    for (const shell of all) {
      const v2 = run(shell, path.join(root, "v2"), [ids.v2, ids.systemd, ids.gone]);
      expect([shell.name, v2.status, v2.stderr]).toEqual([shell.name, 0, ""]);
      const usage = parseNodeUsage(v2.stdout);
      expect([shell.name, usage.get(ids.v2)?.memoryBytes, usage.get(ids.systemd)?.memoryBytes, usage.has(ids.gone)]).toEqual([
        shell.name,
        50_000_000,
        60_000_000,
        false,
      ]);
      // The same counters twice: no CPU spent between them.
      expect([shell.name, usage.get(ids.v2)?.cpuPercent]).toEqual([shell.name, 0]);
      const v1 = run(shell, path.join(root, "v1"), [ids.v1]);
      expect([shell.name, v1.status, v1.stderr]).toEqual([shell.name, 0, ""]);
      expect([shell.name, parseNodeUsage(v1.stdout).get(ids.v1)]).toEqual([shell.name, { memoryBytes: 70_000_000, cpuPercent: 0 }]);
    }
  });
});
