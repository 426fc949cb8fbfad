// homedock status and restart on a real host: the Compose output brought up with a
// locally built busybox image, then one workspace stopped by hand, one removed, and a
// container of the host that the config does not declare.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { homedock } from "../helpers/cli";
import { busyboxImage, docker, dockerStatus, requireDocker, scenarioRoot, uniqueName } from "../helpers/docker";

let root: string;
let host: string;
let config: string;
let compose: string;
let image: string;

const name = (user: string, env: string) => `${host}-${user}.${env}`;

function yaml(): string {
  return `host:
  name: ${host}
  homeRoot: ${root}/home
  sharedMounts: [{source: ${root}/data, target: /srv/data}]
environments:
  - name: web
    image: ${image}
    command: [httpd, -f, -p, "8888"]
    memory: 64m
  - name: shell
    image: ${image}
    command: [sleep, "100000"]
    groups: [ta]
users:
  - {name: alice, uid: 2301, gid: 2301, groups: [ta]}
  - {name: bob, uid: 2302, gid: 2302}
  - {name: carol, uid: 2303, gid: 2303}
`;
}

/** StartedAt of every container of the host, by name. */
async function started(): Promise<Record<string, string>> {
  const ids = (await docker("ps", "-a", "-q", "--filter", `label=homedock.host=${host}`)).split("\n").filter(Boolean);
  const out: Record<string, string> = {};
  for (const c of JSON.parse(await docker("inspect", ...ids))) out[c.Name.slice(1)] = c.State.StartedAt;
  return out;
}

beforeAll(async () => {
  requireDocker();
  image = busyboxImage("status", { "index.html": "hello\n" });
  root = scenarioRoot("status");
  host = uniqueName("hdst");
  config = path.join(root, "homedock.yaml");
  compose = path.join(root, "docker-compose.yml");
  mkdirSync(`${root}/home`);
  mkdirSync(`${root}/data`);
  writeFileSync(config, yaml());
  const rendered = await homedock(["compose", "-c", config, "-o", compose]);
  expect(rendered.status, rendered.stderr).toBe(0);
  await docker("compose", "-f", compose, "up", "-d", "--wait");
  // bob's workspace stopped by hand, carol's gone, and dave's left over from an older config
  // (busy: half a CPU at most, for a CPU figure to compare).
  await docker("stop", "-t", "1", name("bob", "web"));
  await docker("rm", "-f", name("carol", "web"));
  await docker(
    "run",
    "-d",
    "--name",
    name("dave", "web"),
    "--init",
    "--label",
    `homedock.host=${host}`,
    "--label",
    "homedock.role=workspace",
    "--label",
    "homedock.user=dave",
    "--label",
    "homedock.environment=web",
    "--cpus",
    "0.5",
    image,
    "sh",
    "-c",
    "while :; do :; done",
  );
}, 300_000);

afterAll(async () => {
  if (compose) await dockerStatus("compose", "-f", compose, "down", "-v", "--remove-orphans");
  if (host) await dockerStatus("rm", "-f", name("dave", "web"));
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("homedock status", () => {
  it("prints one line per workspace: running, stopped, missing, then the undeclared one; not the one-shot containers", async () => {
    const r = await homedock(["status", "-c", config]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^USER +ENVIRONMENT +STATE +SINCE +MEMORY +CPU +LAST ACTIVITY +KERNELS$/);
    const cells = lines.slice(1, -1).map((l) => l.split(/ {2,}/));
    expect(cells.map((c) => c.slice(0, 3))).toEqual([
      ["alice", "web", "running"],
      ["alice", "shell", "running"],
      ["bob", "web", "stopped"],
      ["carol", "web", "missing"],
      ["dave", "web", "undeclared (running)"],
    ]);
    // alice's web: started minutes ago at most, memory against its 64 MiB limit, a CPU figure.
    expect(cells[0][3]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\dZ \(\d+[sm] ago\)$/);
    expect(cells[0][4]).toMatch(/^[0-9.]+ MiB \/ 64 MiB \(\d+%\)$/);
    expect(cells[0][5]).toMatch(/^\d+\.\d%$/);
    expect(lines.at(-1)).toBe(`host ${host}: 4 workspaces: 2 running, 1 stopped, 1 missing; 1 undeclared container`);
    expect(r.stdout).not.toMatch(/\bhome\b/);
  });

  it("gives the same as JSON, with Docker's own state and times", async () => {
    const r = await homedock(["status", "-c", config, "--json"]);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect([out.host, out.ok]).toEqual([host, true]);
    const rows = out.workspaces as Record<string, unknown>[];
    expect(rows.map((w) => [w.user, w.environment, w.container, w.state, w.dockerState])).toEqual([
      ["alice", "web", name("alice", "web"), "running", "running"],
      ["alice", "shell", name("alice", "shell"), "running", "running"],
      ["bob", "web", name("bob", "web"), "stopped", "exited"],
      ["carol", "web", name("carol", "web"), "missing", null],
      ["dave", "web", name("dave", "web"), "undeclared", "running"],
    ]);
    const times = await started();
    const [bob] = JSON.parse(await docker("inspect", name("bob", "web")));
    expect(rows[0].since).toBe(times[name("alice", "web")]);
    expect(rows[2].since).toBe(bob.State.FinishedAt);
    expect(rows[3].since).toBeNull();
    expect(rows[0].memoryLimitBytes).toBe(64 * 2 ** 20);
    expect(rows[0].memoryBytes).toBeGreaterThan(0);
    expect(rows[0].memoryBytes).toBeLessThan(64 * 2 ** 20);
    expect(typeof rows[0].cpuPercent).toBe("number");
    expect([rows[2].memoryBytes, rows[2].cpuPercent]).toEqual([null, null]);
    expect(Object.keys(rows[0])).toEqual([
      "user",
      "environment",
      "container",
      "state",
      "dockerState",
      "since",
      "memoryBytes",
      "memoryLimitBytes",
      "cpuPercent",
      "jupyter",
      "lastActivity",
      "kernels",
      "jupyterError",
    ]);
  });

  it("reads memory and CPU alike through the local engine's socket and through the docker CLI's connection (a context: docker stats)", async () => {
    // A docker context of its own (DOCKER_CONFIG: not the user's), naming the same engine: homedock leaves it to the docker CLI.
    const dockerConfig = path.join(root, "docker-config");
    await docker("--config", dockerConfig, "context", "create", "same-engine", "--docker", "host=unix:///var/run/docker.sock");
    const viaCli = { DOCKER_CONFIG: dockerConfig, DOCKER_CONTEXT: "same-engine" };
    for (const env of [{}, viaCli]) {
      const r = await homedock(["status", "-c", config, "--json"], { env });
      expect([r.status, r.stderr]).toEqual([0, ""]);
      const rows = JSON.parse(r.stdout).workspaces as Record<string, number>[];
      // dave's busy loop under a limit of half a CPU; alice's idle httpd within its 64 MiB.
      expect(rows[4].cpuPercent).toBeGreaterThan(15);
      expect(rows[4].cpuPercent).toBeLessThan(60);
      expect(rows[0].cpuPercent).toBeLessThan(5);
      expect(rows[0].memoryBytes).toBeGreaterThan(0);
      expect(rows[0].memoryBytes).toBeLessThan(64 * 2 ** 20);
    }
  });

  it("exits 2 with one line when the Docker host does not answer", async () => {
    const env = { DOCKER_HOST: `unix://${root}/no-docker.sock` };
    const r = await homedock(["status", "-c", config], { env });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      `homedock status: the Docker host does not answer: Cannot connect to the Docker daemon at unix://${root}/no-docker.sock. Is the docker daemon running?\n`,
    );
    const json = await homedock(["status", "-c", config, "--json"], { env });
    expect(json.status).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ host, ok: false });
  });
});

describe("homedock restart", () => {
  it("restarts all of a user's workspaces and nothing else, keeping the containers", async () => {
    const before = await started();
    const ids = await docker("ps", "-a", "-q", "--no-trunc", "--filter", `label=homedock.host=${host}`);
    const r = await homedock(["restart", "alice", "-c", config]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(`restarted ${name("alice", "web")}\nrestarted ${name("alice", "shell")}\n`);
    expect(r.status).toBe(0);
    const after = await started();
    const changed = Object.keys(before)
      .filter((c) => after[c] !== before[c])
      .sort();
    expect(changed).toEqual([name("alice", "shell"), name("alice", "web")]);
    expect(await docker("ps", "-a", "-q", "--no-trunc", "--filter", `label=homedock.host=${host}`)).toBe(ids);
  });

  it("restarts the one workspace named", async () => {
    const before = await started();
    const r = await homedock(["restart", "alice", "shell", "-c", config]);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, `restarted ${name("alice", "shell")}\n`, ""]);
    const after = await started();
    expect(Object.keys(before).filter((c) => after[c] !== before[c])).toEqual([name("alice", "shell")]);
  });

  it.each([
    [["eve"], 'homedock restart: no user "eve" in the config; its users: alice, bob, carol'],
    [["alice", "r"], `homedock restart: no environment "r" in the config; its environments: web, shell (alice's workspaces: web, shell)`],
    [["bob", "shell"], "homedock restart: bob has no workspace in environment shell (its groups do not grant it); bob's workspaces: web"],
    [
      ["carol"],
      "homedock restart: no container for carol/web (container NAME) on the Docker host: deploy first (homedock deploy, or docker compose up -d); nothing restarted",
    ],
  ])("refuses restart %j with one line, restarting nothing", async (args, message) => {
    const before = await started();
    const r = await homedock(["restart", ...args, "-c", config]);
    expect(r.stderr).toBe(`${message.replace("NAME", name("carol", "web"))}\n`);
    expect([r.status, r.stdout]).toEqual([1, ""]);
    expect(await started()).toEqual(before);
  });

  it("exits 2 with one line when the Docker host does not answer", async () => {
    const r = await homedock(["restart", "alice", "-c", config], { env: { DOCKER_HOST: `unix://${root}/no-docker.sock` } });
    expect([r.status, r.stdout]).toEqual([2, ""]);
    expect(r.stderr).toMatch(/^homedock restart: the Docker host does not answer: Cannot connect to the Docker daemon at unix:\/\/.*\n$/);
  });
});
