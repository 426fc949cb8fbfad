// Memory and CPU read from the containers' cgroups (src/workspaces/cgroup-stats.ts), on
// this machine's engine, against what `docker stats` says of the same containers at the
// same time: one busy (a shell loop held to half a CPU), one holding memory and idle.
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localEngineSocketHere, socketEngine } from "../../../src/docker/engine-socket";
import { cgroupSampler } from "../../../src/workspaces/cgroup-stats";
import { cgroupStats } from "../../../src/workspaces/docker-host";
import { parseStats } from "../../../src/workspaces/status";
import { busyboxImage, docker, requireDocker, uniqueName } from "../../helpers/docker";

const name = uniqueName("cgroup");
const ids: Record<"busy" | "holding", string> = { busy: "", holding: "" };

beforeAll(async () => {
  requireDocker();
  const image = busyboxImage("cgroup-stats", {});
  ids.busy = (await docker("run", "-d", "--name", `${name}-busy`, "--cpus", "0.5", "--memory", "64m", image, "sh", "-c", "while :; do :; done")).trim();
  // 24 MiB in /dev/shm (memory, not page cache it could drop), then idle.
  ids.holding = (
    await docker(
      "run",
      "-d",
      "--name",
      `${name}-holding`,
      "--memory",
      "128m",
      image,
      "sh",
      "-c",
      "dd if=/dev/zero of=/dev/shm/held bs=1M count=24 && sleep 600",
    )
  ).trim();
  await new Promise((r) => setTimeout(r, 3000));
}, 120_000);

afterAll(() => {
  spawnSync("docker", ["rm", "-f", `${name}-busy`, `${name}-holding`], { stdio: "ignore" });
});

describe("usage from the containers' cgroups", () => {
  it("agrees with docker stats: CPU of a container held to half a CPU, memory of one holding 24 MiB", async () => {
    const socket = localEngineSocketHere();
    expect(socket, "the engine's local socket").toBeDefined();
    const engine = socketEngine(socket!);
    try {
      const [ours, theirs] = await Promise.all([
        cgroupStats([ids.busy, ids.holding], engine),
        docker("stats", "--no-stream", "--no-trunc", "--format", "{{json .}}", ids.busy, ids.holding).then(parseStats),
      ]);
      const [busy, holding] = [ours.get(ids.busy)!, ours.get(ids.holding)!];
      // Busy, within its half CPU (less on a machine busy with other work), as docker stats sees it.
      for (const cpu of [busy.cpuPercent!, theirs.get(ids.busy)!.cpuPercent!]) {
        expect(cpu).toBeGreaterThan(15);
        expect(cpu).toBeLessThan(60);
      }
      expect(holding.cpuPercent!).toBeLessThan(5);
      expect(holding.memoryBytes!).toBeGreaterThan(20 * 2 ** 20);
      const stats = theirs.get(ids.holding)!.memoryBytes!;
      expect(Math.abs(holding.memoryBytes! - stats) / stats).toBeLessThan(0.1);
    } finally {
      engine.close();
    }
  }, 60_000);

  it("reads no process as a container's whose cgroup is not that container's", async () => {
    const pid = Number((await docker("inspect", "-f", "{{.State.Pid}}", ids.busy)).trim());
    expect(() => cgroupSampler([{ id: ids.busy, pid }], 2)).not.toThrow();
    expect(() => cgroupSampler([{ id: ids.holding, pid }], 2)).toThrow(/is not in container/);
    expect(() => cgroupSampler([{ id: ids.busy, pid: process.pid }], 2)).toThrow(/is not in container/);
  });
});
