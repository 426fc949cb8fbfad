// Memory and CPU from the Engine API's one-shot stats without Docker: recorded samples
// read back and computed as `docker stats` computes them; which engines have them, and
// which engine homedock may reach on its local socket rather than through the docker CLI.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { dockerConfigFile, localEngineSocket } from "../../../src/docker/engine-socket";
import { apiVersionOf, cpuPercent, hasOneShotStats, memoryInUse, oneShotStatsPath, parseStatsSample, usageBetween } from "../../../src/workspaces/engine-stats";

const fixture = (name: string) => readFileSync(path.join(__dirname, "fixtures", name), "utf8");

describe("memory and CPU from one-shot stats samples", () => {
  // Recorded on Docker 20.10.24 (cgroup v1), half a second apart, of a Notebook 6 container with a busy loop.
  const first = parseStatsSample(fixture("engine-stats-v1-first.json"));
  const second = parseStatsSample(fixture("engine-stats-v1-second.json"));

  it("reads the figures of a recorded sample", () => {
    expect(second).toEqual({ cpuTotal: 1_517_356_205, systemCpu: 8_548_600_000_000, onlineCpus: 2, memoryBytes: 70_455_296 - 20_480 });
  });

  it("computes CPU as docker stats does: the container's CPU time over the host's, times the online CPUs", () => {
    // (1517356205 - 1121628949) / (8548600000000 - 8546590000000) * 2 * 100
    expect(cpuPercent(first, second)).toBeCloseTo((395_727_256 / 2_010_000_000) * 2 * 100, 10);
    expect(usageBetween(first, second)).toEqual({ memoryBytes: 70_434_816, cpuPercent: 39.38 });
    // The host's clock did not move, or the container used nothing: 0, as docker stats says.
    expect(cpuPercent(second, second)).toBe(0);
    expect(cpuPercent(second, first)).toBe(0);
  });

  it("takes memory in use less the inactive page cache: total_inactive_file under cgroup v1, inactive_file under v2", () => {
    expect(memoryInUse({ usage: 1000, stats: { total_inactive_file: 300, inactive_file: 100, cache: 500 } })).toBe(700);
    expect(memoryInUse({ usage: 1000, stats: { inactive_file: 100, anon: 800 } })).toBe(900);
    // Larger than the usage: not subtracted (the cgroup v1 figure then the v2 one, like the CLI).
    expect(memoryInUse({ usage: 1000, stats: { total_inactive_file: 2000, inactive_file: 100 } })).toBe(900);
    expect(memoryInUse({ usage: 1000, stats: { inactive_file: 5000 } })).toBe(1000);
    expect(memoryInUse({ usage: 1000 })).toBe(1000);
    expect(memoryInUse({})).toBeUndefined();
  });

  it("counts the per-CPU figures when online_cpus is missing (older engines)", () => {
    const body = JSON.parse(fixture("engine-stats-v1-second.json"));
    delete body.cpu_stats.online_cpus;
    expect(parseStatsSample(JSON.stringify(body)).onlineCpus).toBe(2);
  });

  it("has no figures for a container that stopped between the samples", () => {
    // What the engine answers for a stopped container: zeros, no system figure.
    const stopped = parseStatsSample('{"read":"0001-01-01T00:00:00Z","cpu_stats":{"cpu_usage":{"total_usage":0},"throttling_data":{}},"memory_stats":{}}');
    expect(stopped).toEqual({ cpuTotal: 0, systemCpu: undefined, onlineCpus: undefined, memoryBytes: undefined });
    expect(usageBetween(first, stopped)).toEqual({ memoryBytes: first.memoryBytes, cpuPercent: undefined });
    expect(usageBetween(undefined, second)).toEqual({ memoryBytes: second.memoryBytes, cpuPercent: undefined });
    expect(usageBetween(undefined, undefined)).toEqual({ memoryBytes: undefined, cpuPercent: undefined });
  });

  it("asks for one-shot stats only of an engine with API 1.41 or later", () => {
    expect(["1.41", "1.43", "2.0", "1.40", "1.9", "x"].map(hasOneShotStats)).toEqual([true, true, true, false, false, false]);
    expect(apiVersionOf('{"Version":"20.10.24+dfsg1","ApiVersion":"1.41"}')).toBe("1.41");
    expect([apiVersionOf("{}"), apiVersionOf("<html>")]).toEqual([undefined, undefined]);
    expect(oneShotStatsPath("abc123")).toBe("/v1.41/containers/abc123/stats?stream=false&one-shot=true");
  });
});

describe("which engine homedock reaches on its local socket", () => {
  it("takes the socket the docker CLI would use: DOCKER_HOST's unix:// path, else /var/run/docker.sock with no other context", () => {
    expect(localEngineSocket({}, undefined)).toBe("/var/run/docker.sock");
    expect(localEngineSocket({ DOCKER_HOST: "unix:///run/user/1000/docker.sock" }, undefined)).toBe("/run/user/1000/docker.sock");
    expect(localEngineSocket({ DOCKER_CONTEXT: "default" }, '{"currentContext":"remote"}')).toBe("/var/run/docker.sock");
    expect(localEngineSocket({}, '{"auths":{},"currentContext":"default"}')).toBe("/var/run/docker.sock");
    // DOCKER_HOST before the file's context, as the CLI does.
    expect(localEngineSocket({ DOCKER_HOST: "unix:///x.sock" }, '{"currentContext":"remote"}')).toBe("/x.sock");
  });

  it("leaves every other engine to the docker CLI: ssh://, tcp://, a context, a config file it cannot read", () => {
    expect(localEngineSocket({ DOCKER_HOST: "ssh://admin@lab" }, undefined)).toBeUndefined();
    expect(localEngineSocket({ DOCKER_HOST: "tcp://10.0.0.5:2376" }, undefined)).toBeUndefined();
    expect(localEngineSocket({ DOCKER_HOST: "unix://" }, undefined)).toBeUndefined();
    expect(localEngineSocket({ DOCKER_CONTEXT: "remote", DOCKER_HOST: "unix:///x.sock" }, undefined)).toBeUndefined();
    expect(localEngineSocket({}, '{"currentContext":"remote"}')).toBeUndefined();
    expect(localEngineSocket({}, "{not json")).toBeUndefined();
  });

  it("reads the contexts where the docker CLI does", () => {
    expect(dockerConfigFile({ DOCKER_CONFIG: "/etc/dc" })).toBe("/etc/dc/config.json");
    expect(dockerConfigFile({})).toMatch(/\/\.docker\/config\.json$/);
  });
});
