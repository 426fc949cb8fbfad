// `homedock prune`: which volumes it removes, with a stand-in for the docker CLI.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Command } from "commander";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { parse } from "yaml";
import { addPruneCommand, SWARM_NOTHING, undeclaredVolumes } from "../../../src/cli/prune";
import { renderStack } from "../../../src/render/stack";
import { buildModel } from "../../../src/model/model";
import { composeFile } from "../../../src/render/compose";
import type { Docker } from "../../../src/docker/docker-cli";
import { frontDoorConfig, type Json, swarmDoorConfig } from "../../helpers/synth";

const work = mkdtempSync(path.join(tmpdir(), "homedock-prune-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const config = path.join(work, "homedock.yaml");
writeFileSync(config, JSON.stringify(frontDoorConfig(["alice", "bob"])));
const model = buildModel(frontDoorConfig(["alice", "bob"]));
const declared = Object.keys((composeFile(model) as Json).volumes);

/** A docker that lists `volumes` (name, user, Compose key) and records what else it is asked. */
function fakeDocker(volumes: [string, string, string][], refuse: string[] = []): Docker & { calls: string[][] } {
  const calls: string[][] = [];
  const docker = (args: readonly string[]) => {
    calls.push([...args]);
    if (args[1] === "ls") return { status: 0, stdout: volumes.map((v) => `${v.join("\t")}\n`).join(""), stderr: "" };
    if (refuse.includes(args[2])) return { status: 1, stdout: "", stderr: `Error response from daemon: remove ${args[2]}: volume is in use - [abc]\n` };
    return { status: 0, stdout: `${args[2]}\n`, stderr: "" };
  };
  return Object.assign(docker, { calls });
}

describe("the volumes of users the config no longer declares", () => {
  it("are found by labels: every bind volume names its host, a home's and a socket directory's its user", () => {
    const volumes: Record<string, Json> = (composeFile(model) as Json).volumes;
    const labelled = Object.entries(volumes).map(([key, v]) => [key.replace(/-[0-9a-f]{8}$/, ""), v.labels]);
    expect(labelled.sort()).toEqual([
      ["frontdoor-run", { "homedock.host": "lab" }],
      ["home-alice", { "homedock.host": "lab", "homedock.user": "alice" }],
      ["home-bob", { "homedock.host": "lab", "homedock.user": "bob" }],
      // The proxy's certificates: the host's, kept while the front door is declared.
      ["lab-frontdoor-data", undefined],
      ["run-alice.nb", { "homedock.host": "lab", "homedock.user": "alice" }],
      ["run-alice.py", { "homedock.host": "lab", "homedock.user": "alice" }],
      ["run-bob.py", { "homedock.host": "lab", "homedock.user": "bob" }],
    ]);
  });

  it("are every volume of the host with a user label whose Compose key the file does not have", async () => {
    const home = declared.find((v) => v.startsWith("home-alice-"))!;
    const docker = fakeDocker([
      [`lab_${home}`, "alice", home],
      ["lab_home-carol-0123abcd", "carol", "home-carol-0123abcd"],
      ["lab_run-carol.py-4567cdef", "carol", "run-carol.py-4567cdef"],
      // alice's home moved: the record of the old path.
      ["lab_home-alice-89abcdef", "alice", "home-alice-89abcdef"],
    ]);
    expect(await undeclaredVolumes(model, docker)).toEqual([
      { name: "lab_home-alice-89abcdef", user: "alice" },
      { name: "lab_home-carol-0123abcd", user: "carol" },
      { name: "lab_run-carol.py-4567cdef", user: "carol" },
    ]);
    expect(docker.calls[0]).toEqual([
      "volume",
      "ls",
      "--filter",
      "label=homedock.host=lab",
      "--filter",
      "label=homedock.user",
      "--format",
      '{{.Name}}\t{{.Label "homedock.user"}}\t{{.Label "com.docker.compose.volume"}}',
    ]);
  });

  it("says why when Docker cannot list them", async () => {
    const docker: Docker = () => ({ status: 1, stdout: "", stderr: "Cannot connect to the Docker daemon at unix:///var/run/docker.sock.\n" });
    expect(await undeclaredVolumes(model, docker)).toBe("docker volume ls: Cannot connect to the Docker daemon at unix:///var/run/docker.sock.");
  });
});

describe("homedock prune", () => {
  let out: string[];
  beforeEach(() => {
    out = [];
    vi.spyOn(console, "log").mockImplementation((...args) => void out.push(args.join(" ")));
    vi.spyOn(console, "error").mockImplementation((...args) => void out.push(`! ${args.join(" ")}`));
  });
  afterEach(() => vi.restoreAllMocks());

  /** Runs `homedock prune -c <file>` with `docker`; its exit status (0 unless set). */
  async function prune(docker: Docker, file = config): Promise<number> {
    let status = 0;
    const cli = new Command("homedock").exitOverride();
    addPruneCommand(cli, (code) => void (status = code), docker);
    await cli.parseAsync(["node", "homedock", "prune", "-c", file]);
    return status;
  }

  it("has nothing of a user's to remove on a Swarm, whose stack file gives no user a volume, and asks Docker nothing", async () => {
    const file = path.join(work, "swarm.yaml");
    writeFileSync(file, JSON.stringify(swarmDoorConfig()));
    const docker = fakeDocker([["lab_home-carol-0123abcd", "carol", "home-carol-0123abcd"]]);
    expect(await prune(docker, file)).toBe(0);
    expect([docker.calls, out]).toEqual([[], [SWARM_NOTHING]]);
    // What the answer rests on: the stack's only volume is the entry proxy's data (Caddy's certificates), no workspace has one.
    const stack = parse(renderStack(buildModel(swarmDoorConfig()), new Proxy({}, { get: (_, name) => `content of ${String(name)}` })));
    expect(Object.keys(stack.volumes)).toEqual(["course-frontdoor-data"]);
    const volumes = Object.entries<Json>(stack.services).flatMap(([name, s]) => (s.volumes ?? []).filter((v: Json) => v.type === "volume").map(() => name));
    expect(volumes).toEqual(["frontdoor"]);
  });

  it("removes each undeclared volume, one line each, and nothing else", async () => {
    const home = declared.find((v) => v.startsWith("home-bob-"))!;
    const docker = fakeDocker([
      [`lab_${home}`, "bob", home],
      ["lab_home-carol-0123abcd", "carol", "home-carol-0123abcd"],
      ["lab_run-carol.py-4567cdef", "carol", "run-carol.py-4567cdef"],
    ]);
    expect(await prune(docker)).toBe(0);
    expect(docker.calls.slice(1)).toEqual([
      ["volume", "rm", "lab_home-carol-0123abcd"],
      ["volume", "rm", "lab_run-carol.py-4567cdef"],
    ]);
    expect(out).toEqual(["removed volume lab_home-carol-0123abcd (carol)", "removed volume lab_run-carol.py-4567cdef (carol)"]);
  });

  it("says so when there is nothing to remove", async () => {
    expect(await prune(fakeDocker([]))).toBe(0);
    expect(out).toEqual(["nothing to remove: every volume of the host's users is declared"]);
  });

  it("exits 1 naming a volume still in use and what to run first, and removes the others", async () => {
    const docker = fakeDocker(
      [
        ["lab_home-carol-0123abcd", "carol", "home-carol-0123abcd"],
        ["lab_run-carol.py-4567cdef", "carol", "run-carol.py-4567cdef"],
      ],
      ["lab_home-carol-0123abcd"],
    );
    expect(await prune(docker)).toBe(1);
    expect(out).toEqual([
      "! homedock prune: cannot remove lab_home-carol-0123abcd (carol): Error response from daemon: remove lab_home-carol-0123abcd: volume is in use - [abc]; run docker compose up -d --remove-orphans first",
      "removed volume lab_run-carol.py-4567cdef (carol)",
    ]);
  });

  it("exits 1 with Docker's reason when it cannot list the volumes, removing nothing", async () => {
    const calls: string[][] = [];
    const docker: Docker = (args) => (
      calls.push([...args]),
      { status: null, stdout: "", stderr: "", error: Object.assign(new Error("spawn docker ENOENT"), { code: "ENOENT" }) }
    );
    expect(await prune(docker)).toBe(1);
    expect(out).toEqual(["! homedock prune: docker volume ls: cannot run docker: ENOENT"]);
    expect(calls).toHaveLength(1);
  });
});
