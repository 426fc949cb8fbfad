// homedock status and restart without Docker: docker's output read back, matched with
// the declared workspaces, written as a table; which containers a restart names and what
// stops it; the docker calls made (a recording docker stands in).
import { describe, expect, it } from "vitest";
import { buildModel } from "../../../src/model/model";
import type { ConfigInput } from "../../../src/config/schema";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import type { Engine } from "../../../src/docker/engine-socket";
import { type DockerAsync, HostUnreadableError, type Ran } from "../../../src/docker/docker-cli";
import { jupyterActivity, listWorkspaceContainers, readWorkspaces, restartContainers, startEngineRead } from "../../../src/workspaces/docker-host";
import { jupyterStatusArgs } from "../../../src/workspaces/jupyter-status";
import { containersToRestart, RestartError, restartTargets } from "../../../src/workspaces/restart";
import {
  formatAge,
  formatBytes,
  formatStatusTable,
  parseBytes,
  parseInspect,
  parsePs,
  parseStats,
  sampled,
  workspaceStatus,
} from "../../../src/workspaces/status";

const CONFIG: ConfigInput = {
  host: { name: "lab" },
  environments: [
    { name: "py", image: "x/py:1", command: ["jupyter", "notebook"], jupyter: "notebook", memory: "1g" },
    { name: "shell", image: "x/sh:1", command: ["sleep", "infinity"], groups: ["ta"] },
  ],
  users: [
    { name: "alice", uid: 1001, gid: 1001, groups: ["ta"] },
    { name: "bob", uid: 1002, gid: 1002 },
    { name: "carol", uid: 1003, gid: 1003 },
  ],
};
const model = buildModel(CONFIG);

const labels = (user: string, environment: string, role = "workspace") => ({
  "homedock.host": "lab",
  "homedock.role": role,
  "homedock.user": user,
  "homedock.environment": environment,
});

/** One container as docker inspect prints it (the fields status reads, and some it does not). */
function inspected(name: string, state: string, extra: { labels?: Record<string, string>; memory?: number; started?: string; finished?: string } = {}) {
  const [user, environment] = name.replace(/^lab-/, "").split(".");
  return {
    Id: `id-${name}`,
    Name: `/${name}`,
    Created: "2026-12-01T08:00:00Z",
    State: {
      Status: state,
      Running: state === "running",
      StartedAt: extra.started ?? "2026-12-03T07:00:00.123456789Z",
      FinishedAt: extra.finished ?? "0001-01-01T00:00:00Z",
    },
    HostConfig: { Memory: extra.memory ?? 0, NanoCpus: 1e9 },
    Config: { Labels: extra.labels ?? labels(user, environment), Image: "x/py:1" },
  };
}

const INSPECT = JSON.stringify([
  inspected("lab-alice.py", "running", { memory: 2 ** 30 }),
  inspected("lab-alice.shell", "exited", { finished: "2026-12-03T06:30:00Z" }),
  inspected("lab-bob.py", "restarting", { memory: 2 ** 30 }),
  inspected("lab-dave.py", "running"),
  inspected("lab-alice.home", "exited", { labels: { "homedock.host": "lab", "homedock.role": "home", "homedock.user": "alice" } }),
  inspected("lab-frontdoor", "running", { labels: { "homedock.host": "lab", "homedock.role": "frontdoor" } }),
]);

const STATS = [
  '{"BlockIO":"0B / 0B","CPUPerc":"12.50%","Container":"id-lab-alice.py","MemPerc":"25.00%","MemUsage":"256MiB / 1GiB","Name":"lab-alice.py","PIDs":"3"}',
  '{"BlockIO":"--","CPUPerc":"--","Container":"id-lab-bob.py","MemPerc":"--","MemUsage":"-- / --","Name":"lab-bob.py","PIDs":"--"}',
  '{"CPUPerc":"0.00%","Container":"id-lab-dave.py","MemUsage":"552KiB / 23.54GiB","Name":"lab-dave.py"}',
  "Error response from daemon: No such container: id-gone",
  "",
].join("\n");

const PS = [
  "id-lab-alice.py\trunning\tlab-alice.py",
  "id-lab-alice.shell\texited\tlab-alice.shell",
  "id-lab-bob.py\trestarting\tlab-bob.py",
  "id-lab-dave.py\trunning\tlab-dave.py",
  "",
].join("\n");

describe("docker's output read back", () => {
  it("reads the fields of docker inspect, with Docker's zero time as none and a memory of 0 as no limit", () => {
    const [alice, shell] = parseInspect(INSPECT);
    expect(alice).toEqual({
      id: "id-lab-alice.py",
      name: "lab-alice.py",
      labels: labels("alice", "py"),
      dockerState: "running",
      startedAt: "2026-12-03T07:00:00.123456789Z",
      finishedAt: undefined,
      memoryLimit: 2 ** 30,
    });
    expect([shell.finishedAt, shell.memoryLimit]).toEqual(["2026-12-03T06:30:00Z", undefined]);
    expect(() => parseInspect("{}")).toThrow("expected a JSON list, got object");
  });

  it.each([
    ["0B", 0],
    ["552KiB", 552 * 1024],
    ["1.5GiB", 1.5 * 2 ** 30],
    ["256MiB ", 256 * 2 ** 20],
    ["2.1MB", 2_100_000],
    ["--", undefined],
    ["12 parsecs", undefined],
    ["", undefined],
  ])("reads %j as %s bytes", (text, bytes) => {
    expect(parseBytes(text)).toBe(bytes);
  });

  it("reads docker stats lines by container, skipping what is not a sample, and -- as unknown", () => {
    const usage = parseStats(STATS);
    expect([...usage.keys()]).toEqual(["id-lab-alice.py", "id-lab-bob.py", "id-lab-dave.py"]);
    expect(usage.get("id-lab-alice.py")).toEqual({ memoryBytes: 256 * 2 ** 20, cpuPercent: 12.5 });
    expect(usage.get("id-lab-bob.py")).toEqual({ memoryBytes: undefined, cpuPercent: undefined });
    expect(usage.get("id-lab-dave.py")).toEqual({ memoryBytes: 552 * 1024, cpuPercent: 0 });
  });
});

describe("declared workspaces matched with the host's containers", () => {
  const containers = parseInspect(INSPECT);
  const rows = workspaceStatus(model, containers, parseStats(STATS));

  it("gives every declared workspace a row in config order, a missing one as missing, then the undeclared ones", () => {
    expect(rows.map((r) => [r.user, r.environment, r.state, r.dockerState])).toEqual([
      ["alice", "py", "running", "running"],
      ["alice", "shell", "stopped", "exited"],
      ["bob", "py", "restarting", "restarting"],
      ["carol", "py", "missing", null],
      ["dave", "py", "undeclared", "running"],
    ]);
  });

  it("says idle for a server that ended itself (exit 0) where the environment stops when idle; stopped for the rest", () => {
    const withIdle = buildModel({
      ...CONFIG,
      frontDoor: { site: "lab.example.org" },
      environments: CONFIG.environments.map((e) => (e.name === "py" ? { ...e, idleTimeout: 600 } : e)),
    });
    const exited = (name: string, code: number) => ({
      ...inspected(name, "exited"),
      State: { Status: "exited", Running: false, ExitCode: code, StartedAt: "2026-12-03T07:00:00Z", FinishedAt: "2026-12-03T07:30:00Z" },
    });
    const facts = parseInspect(JSON.stringify([exited("lab-alice.py", 0), exited("lab-bob.py", 137), exited("lab-alice.shell", 0)]));
    const states = workspaceStatus(withIdle, facts, new Map()).map((r) => [r.container, r.state]);
    expect(states).toEqual([
      ["lab-alice.py", "idle"],
      ["lab-alice.shell", "stopped"],
      ["lab-bob.py", "stopped"],
      ["lab-carol.py", "missing"],
    ]);
    // Without idleTimeout an exit 0 is stopped, as before.
    expect(workspaceStatus(model, facts, new Map())[0].state).toBe("stopped");
  });

  it("leaves out the one-shot and front door containers", () => {
    expect(rows.map((r) => r.container)).not.toContain("lab-alice.home");
    expect(rows.map((r) => r.container)).not.toContain("lab-frontdoor");
  });

  it("says since when: the start of one that runs, the end of a stopped one", () => {
    expect(rows.map((r) => r.since)).toEqual([
      "2026-12-03T07:00:00.123456789Z",
      "2026-12-03T06:30:00Z",
      "2026-12-03T07:00:00.123456789Z",
      null,
      "2026-12-03T07:00:00.123456789Z",
    ]);
  });

  it("has memory against its limit and CPU for what runs, nothing for a stopped or missing one", () => {
    expect(rows[0]).toEqual({
      user: "alice",
      environment: "py",
      container: "lab-alice.py",
      state: "running",
      dockerState: "running",
      since: "2026-12-03T07:00:00.123456789Z",
      memoryBytes: 256 * 2 ** 20,
      memoryLimitBytes: 2 ** 30,
      cpuPercent: 12.5,
      jupyter: true,
      lastActivity: null,
      kernels: null,
      jupyterError: "not asked: no front door (the server listens on TCP with a token)",
    });
    expect([rows[1].memoryBytes, rows[1].cpuPercent, rows[1].jupyter]).toEqual([null, null, false]);
    expect([rows[3].memoryBytes, rows[3].memoryLimitBytes, rows[3].cpuPercent, rows[3].since]).toEqual([null, null, null, null]);
  });

  it("reads docker ps lines, and samples only the containers that run", () => {
    const listed = parsePs(PS);
    expect(listed[0]).toEqual({ id: "id-lab-alice.py", state: "running", name: "lab-alice.py" });
    expect(parsePs("id-x\texited\tlab-x.py\tlab\n")).toEqual([{ id: "id-x", state: "exited", name: "lab-x.py", host: "lab" }]);
    expect(sampled(listed)).toEqual(["id-lab-alice.py", "id-lab-dave.py"]);
  });

  it("prints one aligned line per workspace and a total", () => {
    const now = Date.parse("2026-12-03T07:05:30Z");
    expect(formatStatusTable("lab", rows, now).split("\n")).toEqual([
      "USER   ENVIRONMENT  STATE                 SINCE                        MEMORY                 CPU    LAST ACTIVITY  KERNELS",
      "alice  py           running               2026-12-03 07:00Z (5m ago)   256 MiB / 1 GiB (25%)  12.5%  -              -",
      "alice  shell        stopped               2026-12-03 06:30Z (35m ago)  -                      -",
      "bob    py           restarting            2026-12-03 07:00Z (5m ago)   - / 1 GiB              -      -              -",
      "carol  py           missing               -                            -                      -      -              -",
      "dave   py           undeclared (running)  2026-12-03 07:00Z (5m ago)   0.5 MiB / no limit     0.0%",
      "host lab: 4 workspaces: 1 running, 1 restarting, 1 stopped, 1 missing; 1 undeclared container",
    ]);
  });

  it("shows a Jupyter server's last activity and kernels behind the front door, and why not where they are unknown", () => {
    const door = buildModel({ ...CONFIG, frontDoor: { site: "lab.example.org", tls: "internal" } });
    const activity = new Map([
      ["lab-alice.py", { lastActivity: "2026-12-03T07:04:00.5Z", kernels: 2, connections: 1, started: "2026-12-03T07:00:01Z" }],
      ["lab-dave.py", { lastActivity: "2026-12-03T07:05:00Z", kernels: 9, connections: 0, started: null }],
    ]);
    const withDoor = workspaceStatus(door, containers, parseStats(STATS), activity);
    expect(withDoor.map((r) => [r.container, r.lastActivity, r.kernels, r.jupyterError])).toEqual([
      ["lab-alice.py", "2026-12-03T07:04:00.5Z", 2, null],
      ["lab-alice.shell", null, null, null],
      ["lab-bob.py", null, null, "not running"],
      ["lab-carol.py", null, null, "not running"],
      // Undeclared: not asked, whatever was given.
      ["lab-dave.py", null, null, null],
    ]);
    const failed = workspaceStatus(door, containers, parseStats(STATS), new Map([["lab-alice.py", { error: "the server answered HTTP 403" }]]));
    expect([failed[0].lastActivity, failed[0].kernels, failed[0].jupyterError]).toEqual([null, null, "the server answered HTTP 403"]);
    expect(workspaceStatus(door, containers, parseStats(STATS))[0].jupyterError).toBe("not asked");
    const lines = formatStatusTable("lab", withDoor, Date.parse("2026-12-03T07:05:30Z")).split("\n");
    expect(lines[1]).toBe("alice  py           running               2026-12-03 07:00Z (5m ago)   256 MiB / 1 GiB (25%)  12.5%  1m ago         2");
    expect(lines[3]).toBe("bob    py           restarting            2026-12-03 07:00Z (5m ago)   - / 1 GiB              -      -              -");
  });

  it("writes sizes and ages briefly", () => {
    expect([formatBytes(0), formatBytes(1.25 * 2 ** 20), formatBytes(300 * 2 ** 20), formatBytes(1.5 * 2 ** 30)]).toEqual([
      "0 MiB",
      "1.3 MiB",
      "300 MiB",
      "1.5 GiB",
    ]);
    expect([formatAge(-5), formatAge(59_999), formatAge(3_600_000), formatAge(2 * 86_400_000 + 1)]).toEqual(["0s", "59s", "1h", "2d"]);
  });
});

describe("which workspaces a restart names", () => {
  const names = (user: string, env?: string) => restartTargets(model, user, env).map((ws) => ws.containerName);

  it("restarts all of a user's workspaces, or the one named", () => {
    expect(names("alice")).toEqual(["lab-alice.py", "lab-alice.shell"]);
    expect(names("alice", "shell")).toEqual(["lab-alice.shell"]);
    expect(names("bob")).toEqual(["lab-bob.py"]);
  });

  it.each([
    ["eve", undefined, 'no user "eve" in the config; its users: alice, bob, carol'],
    ["alice", "r", 'no environment "r" in the config; its environments: py, shell (alice\'s workspaces: py, shell)'],
    ["bob", "shell", "bob has no workspace in environment shell (its groups do not grant it); bob's workspaces: py"],
  ])("refuses restart %s %s with one line naming what is wrong and the choices", (user, env, message) => {
    expect(() => restartTargets(model, user, env)).toThrow(RestartError);
    expect(() => restartTargets(model, user, env)).toThrow(message);
  });

  it("names every declared workspace whose container is missing, and restarts nothing then", () => {
    const targets = restartTargets(model, "alice");
    expect(containersToRestart(targets, new Set(["lab-alice.py", "lab-alice.shell"]))).toEqual(["lab-alice.py", "lab-alice.shell"]);
    expect(() => containersToRestart(targets, new Set(["lab-alice.py"]))).toThrow(
      "no container for alice/shell (container lab-alice.shell) on the Docker host: deploy first (homedock deploy, or docker compose up -d); nothing restarted",
    );
  });
});

describe("the docker calls", () => {
  /** A docker that answers from `answers` by subcommand and records what it was asked. */
  function recording(answers: Record<string, { status: number; stdout: string; stderr?: string }>) {
    const calls: string[][] = [];
    const docker: DockerAsync = async (args) => {
      calls.push([...args]);
      const a = answers[args[0]];
      return { status: a.status, stdout: a.stdout, stderr: a.stderr ?? "" };
    };
    return { calls, docker };
  }
  /** No local engine socket (DOCKER_HOST=ssh://...): the stats come from docker stats. */
  const noSocket = (): Engine | undefined => undefined;
  /** Every workspace container of the engine, with its host: lab's, and one of another host. */
  const PS_ALL = `${PS.split("\n")
    .filter(Boolean)
    .map((l) => `${l}\tlab`)
    .join("\n")}\nid-other.py\trunning\tother-eve.py\tother\n`;
  const PS_ALL_ARGS = [
    "ps",
    "-a",
    "--no-trunc",
    "--filter",
    "label=homedock.role=workspace",
    "--format",
    '{{.ID}}\t{{.State}}\t{{.Names}}\t{{.Label "homedock.host"}}',
  ];
  /** status's reads: the engine's first (startEngineRead), then lab's. */
  const read = (docker: DockerAsync, probes: Parameters<typeof readWorkspaces>[3] = [], openEngine: () => Engine | undefined = noSocket) =>
    readWorkspaces("lab", startEngineRead(docker, openEngine), docker, probes);

  it("lists the engine's workspace containers with one docker ps and samples those that run, then inspects the host's", async () => {
    const { calls, docker } = recording({ ps: { status: 0, stdout: PS_ALL }, inspect: { status: 0, stdout: INSPECT }, stats: { status: 0, stdout: STATS } });
    const { containers, usage } = await read(docker);
    expect([containers.length, usage.size]).toEqual([6, 3]);
    expect(calls).toEqual([
      PS_ALL_ARGS,
      // Before the config is read, the host is not known: every host's running workspaces.
      ["stats", "--no-stream", "--no-trunc", "--format", "{{json .}}", "id-lab-alice.py", "id-lab-dave.py", "id-other.py"],
      ["inspect", "--type", "container", "id-lab-alice.py", "id-lab-alice.shell", "id-lab-bob.py", "id-lab-dave.py"],
    ]);
  });

  it("stops asking when the config turns out invalid: the calls under way are aborted, no stats are started", async () => {
    const signals: (AbortSignal | undefined)[] = [];
    const calls: string[] = [];
    const docker: DockerAsync = async (args, options) => {
      calls.push(args[0]);
      signals.push(options?.signal);
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { status: 0, stdout: PS_ALL, stderr: "" };
    };
    const started = startEngineRead(docker, noSocket);
    started.cancel();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toEqual(["ps"]);
    expect(signals[0]?.aborted).toBe(true);
    expect(await started.usage).toEqual(new Map());
  });

  it("asks no more of a host without containers", async () => {
    const { calls, docker } = recording({ ps: { status: 0, stdout: "" } });
    expect(await read(docker)).toEqual({ containers: [], usage: new Map(), activity: new Map() });
    expect(calls).toEqual([PS_ALL_ARGS]);
  });

  /** A local engine that answers from recorded stats, recording the paths it was asked. */
  function engine(api: string, samples: Record<string, string[]>) {
    const paths: string[] = [];
    let closed = 0;
    const served: Record<string, number> = {};
    const open = (): Engine => ({
      get: async (p) => {
        paths.push(p);
        if (p === "/version") return { status: 200, body: JSON.stringify({ Version: "x", ApiVersion: api }) };
        // No process to read the cgroups of (they are read where the engine runs on this machine: test/integration).
        if (/^\/containers\/[^/]+\/json$/.test(p)) return { status: 200, body: JSON.stringify({ State: { Pid: 0 } }) };
        const id = decodeURIComponent(/^\/v1\.41\/containers\/([^/]+)\/stats\?stream=false&one-shot=true$/.exec(p)![1]);
        const bodies = samples[id];
        if (bodies === undefined) return { status: 404, body: '{"message":"No such container"}' };
        const n = (served[id] = (served[id] ?? 0) + 1);
        return { status: 200, body: bodies[Math.min(n, bodies.length) - 1] };
      },
      post: async () => ({ status: 404, body: Buffer.from('{"message":"not asked"}') }),
      close: () => void closed++,
    });
    return { paths, open, closed: () => closed };
  }
  const recorded = (name: string) => readFileSync(path.join(__dirname, "fixtures", name), "utf8");
  const v1 = [recorded("engine-stats-v1-first.json"), recorded("engine-stats-v1-second.json")];

  it("samples the running containers twice through the local engine's socket (one-shot) where their cgroups cannot be read, no docker stats, and closes it", async () => {
    const { calls, docker } = recording({ ps: { status: 0, stdout: PS_ALL }, inspect: { status: 0, stdout: INSPECT } });
    // dave's container went away between docker ps and the stats: no usage, no failure.
    const api = engine("1.41", { "id-lab-alice.py": v1, "id-other.py": v1 });
    const { usage } = await read(docker, [], api.open);
    expect(calls.map((c) => c[0])).toEqual(["ps", "inspect"]);
    const stats = (id: string) => `/v1.41/containers/${id}/stats?stream=false&one-shot=true`;
    const round = ["id-lab-alice.py", "id-lab-dave.py", "id-other.py"].map(stats);
    const json = ["id-lab-alice.py", "id-lab-dave.py", "id-other.py"].map((id) => `/containers/${id}/json`);
    expect(api.paths).toEqual([...json, "/version", ...round, ...round]);
    expect(usage.get("id-lab-alice.py")).toEqual({ memoryBytes: 70_434_816, cpuPercent: 39.38 });
    expect(usage.get("id-lab-dave.py")).toEqual({ memoryBytes: undefined, cpuPercent: undefined });
    expect(api.closed()).toBe(1);
  });

  it("uses docker stats without a local socket, on an engine older than API 1.41, or when the socket fails", async () => {
    const refused = () => Promise.reject(new Error("connect EACCES /var/run/docker.sock"));
    const failing = (): Engine => ({ get: refused, post: refused, close: () => undefined });
    for (const openEngine of [noSocket, engine("1.40", {}).open, failing]) {
      const { calls, docker } = recording({ ps: { status: 0, stdout: PS_ALL }, inspect: { status: 0, stdout: INSPECT }, stats: { status: 0, stdout: STATS } });
      const { usage } = await read(docker, [], openEngine);
      expect(calls.map((c) => c[0]).sort()).toEqual(["inspect", "ps", "stats"]);
      expect(usage.get("id-lab-alice.py")).toEqual({ memoryBytes: 256 * 2 ** 20, cpuPercent: 12.5 });
    }
  });

  it("asks each running Jupyter server behind the front door with docker exec, as its user, alongside", async () => {
    const notebook = 'HTTP/1.1 200 OK\r\nContent-Length: 85\r\n\r\n{"connections": 0, "kernels": 1, "last_activity": "2026-12-03T07:04:00Z", "started": "x"}';
    const { calls, docker } = recording({
      ps: { status: 0, stdout: PS_ALL },
      inspect: { status: 0, stdout: INSPECT },
      stats: { status: 0, stdout: STATS },
      exec: { status: 0, stdout: notebook.replace("85", String(notebook.split("\r\n\r\n")[1].length)) },
    });
    const probes = [
      { container: "lab-alice.py", user: "1001:1001", prefix: "/user/alice/py/", socket: "/var/lib/homedock/lab/alice/py/jupyter.sock" },
      // bob's restarts: not asked.
      { container: "lab-bob.py", user: "1002:1002", prefix: "/user/bob/py/", socket: "/var/lib/homedock/lab/bob/py/jupyter.sock" },
    ];
    const { activity } = await read(docker, probes);
    expect(calls.filter((c) => c[0] === "exec")).toEqual([jupyterStatusArgs(probes[0])]);
    expect(activity).toEqual(new Map([["lab-alice.py", { lastActivity: "2026-12-03T07:04:00Z", kernels: 1, connections: 0, started: "x" }]]));
  });

  it("asks through the local engine's socket what docker exec -u asks, when status reads the stats there and the servers' sockets are not on this machine", async () => {
    /** One frame of the engine's raw stream: stream number, 3 zero bytes, the size (big-endian), the bytes. */
    const framed = (stream: number, text: string) => {
      const head = Buffer.from([stream, 0, 0, 0, 0, 0, 0, 0]);
      head.writeUInt32BE(Buffer.byteLength(text), 4);
      return Buffer.concat([head, Buffer.from(text)]);
    };
    const status = '{"connections": 0, "kernels": 3, "last_activity": "2026-12-03T07:04:00Z", "started": "x"}';
    const answer = `HTTP/1.1 200 OK\r\nContent-Length: ${status.length}\r\n\r\n${status}`;
    const posts: [string, unknown][] = [];
    const engine = (): Engine => ({
      get: async (p) => ({ status: 200, body: JSON.stringify({ ExitCode: p.includes("exec-bob") ? 1 : 0 }) }),
      post: async (p, json) => {
        posts.push([p, json]);
        if (p.includes("lab-carol.py")) return { status: 409, body: Buffer.from('{"message":"Container abc is not running"}') };
        if (p.endsWith("/exec")) return { status: 201, body: Buffer.from(JSON.stringify({ Id: p.includes("lab-bob") ? "exec-bob" : "exec-alice" })) };
        if (p.includes("exec-bob"))
          return { status: 200, body: framed(2, "Traceback (most recent call last):\nFileNotFoundError: [Errno 2] No such file or directory\n") };
        // The answer split over two stdout frames, a stderr frame between.
        return { status: 200, body: Buffer.concat([framed(1, answer.slice(0, 20)), framed(2, "warning\n"), framed(1, answer.slice(20))]) };
      },
      close: () => undefined,
    });
    // An engine in a VM: the socket tree is not here.
    const probes = ["alice", "bob", "carol"].map((u, i) => ({
      container: `lab-${u}.py`,
      user: `100${i + 1}:100${i + 1}`,
      prefix: `/user/${u}/py/`,
      socket: `/nonexistent/homedock/lab/${u}/py/jupyter.sock`,
    }));
    const calls: string[][] = [];
    const activity = await jupyterActivity(probes, async (args) => (calls.push([...args]), { status: 0, stdout: "", stderr: "" }), engine);
    expect(calls).toEqual([]);
    expect(posts[0]).toEqual([
      "/v1.41/containers/lab-alice.py/exec",
      { User: "1001:1001", Cmd: jupyterStatusArgs(probes[0]).slice(4), AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false },
    ]);
    expect(posts).toContainEqual(["/v1.41/exec/exec-alice/start", { Detach: false, Tty: false }]);
    expect(activity.get("lab-alice.py")).toEqual({ lastActivity: "2026-12-03T07:04:00Z", kernels: 3, connections: 0, started: "x" });
    expect(activity.get("lab-bob.py")).toEqual({ error: "the server is not listening on its socket (FileNotFoundError: [Errno 2] No such file or directory)" });
    expect(activity.get("lab-carol.py")).toEqual({ error: "Error response from daemon: Container abc is not running" });
  });

  it("asks at most 10 servers at a time, and one that fails or times out has its reason, not the command's failure", async () => {
    let running = 0;
    let most = 0;
    const timeouts: (number | undefined)[] = [];
    const docker: DockerAsync = async (args, options): Promise<Ran> => {
      timeouts.push(options?.timeoutMs);
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      const n = Number(args[3].slice(1));
      if (n === 3) return { status: 1, stdout: "", stderr: "Traceback (most recent call last):\nConnectionRefusedError: [Errno 111] Connection refused\n" };
      if (n === 4) return { status: null, stdout: "", stderr: "", timedOut: true };
      return { status: 0, stdout: 'HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n{"kernels": 0}', stderr: "" };
    };
    const probes = Array.from({ length: 25 }, (_, i) => ({ container: `c${i}`, user: "1:1", prefix: "/", socket: `/nonexistent/c${i}/jupyter.sock` }));
    const activity = await jupyterActivity(probes, docker);
    expect(most).toBe(10);
    expect(timeouts.every((t) => t === 5000)).toBe(true);
    expect(activity.size).toBe(25);
    expect(activity.get("c0")).toEqual({ lastActivity: null, kernels: 0, connections: null, started: null });
    expect(activity.get("c3")).toEqual({ error: "the server is not listening on its socket (ConnectionRefusedError: [Errno 111] Connection refused)" });
    expect(activity.get("c4")).toEqual({ error: "no answer within 5 s" });
  });

  it("uses what docker printed when a container went away between the calls", async () => {
    const gone = { status: 1, stderr: "Error: No such container: id-gone\n" };
    const { docker } = recording({
      ps: { status: 0, stdout: `${PS_ALL}id-gone\trunning\tlab-gone.py\tlab\n` },
      inspect: { ...gone, stdout: INSPECT },
      stats: { ...gone, stdout: STATS },
    });
    const { containers, usage } = await read(docker);
    expect([containers.length, usage.size]).toEqual([6, 3]);
  });

  it("says in one line that the Docker host does not answer", async () => {
    const down = { status: 1, stdout: "", stderr: "Cannot connect to the Docker daemon at unix:///nowhere.sock. Is the docker daemon running?\n" };
    const message = "the Docker host does not answer: Cannot connect to the Docker daemon at unix:///nowhere.sock. Is the docker daemon running?";
    await expect(read(recording({ ps: down }).docker)).rejects.toThrow(HostUnreadableError);
    await expect(listWorkspaceContainers("lab", recording({ ps: down }).docker)).rejects.toThrow(message);
    await expect(read(recording({ ps: { status: 0, stdout: PS_ALL }, inspect: { status: 0, stdout: INSPECT }, stats: down }).docker)).rejects.toThrow(message);
    await expect(restartContainers(["lab-alice.py"], recording({ restart: down }).docker)).rejects.toThrow(message);
  });

  it("says which restart failed and which did restart", async () => {
    const failed = recording({
      restart: { status: 1, stdout: "lab-alice.shell\n", stderr: "Error response from daemon: Cannot restart container lab-alice.py: oops\n" },
    });
    const restart = restartContainers(["lab-alice.py", "lab-alice.shell"], failed.docker);
    await expect(restart).rejects.toThrow(RestartError);
    await expect(restart).rejects.toThrow(
      "docker restart failed: Error response from daemon: Cannot restart container lab-alice.py: oops; restarted: lab-alice.shell",
    );
  });

  it("says so when docker inspect prints something else than a list of containers", async () => {
    const { docker } = recording({ ps: { status: 0, stdout: PS_ALL }, inspect: { status: 0, stdout: "{}" }, stats: { status: 0, stdout: STATS } });
    await expect(read(docker)).rejects.toThrow("docker inspect printed no list of containers: expected a JSON list, got object");
  });

  it("restarts with one docker restart of the names", async () => {
    const { calls, docker } = recording({ restart: { status: 0, stdout: "lab-alice.py\nlab-alice.shell\n" } });
    await restartContainers(["lab-alice.py", "lab-alice.shell"], docker);
    expect(calls).toEqual([["restart", "lab-alice.py", "lab-alice.shell"]]);
  });
});
