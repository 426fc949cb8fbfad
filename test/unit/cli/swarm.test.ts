// `homedock swarm check` and `swarm deploy`, in process, against a stand-in manager and
// a stand-in `docker stack deploy`: a node without the baseline means nothing written
// and nothing deployed; with every node fine, the stack file, then the deploy as the
// host's stack.
import { Command } from "commander";
import { existsSync, readdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { addSwarmCommands, InterruptedError, NodeBaselineError, type StackDeploy } from "../../../src/cli/swarm";
import { addWorkspaceCommands } from "../../../src/cli/workspaces";
import type { DockerAsync } from "../../../src/docker/docker-cli";
import { RestartError } from "../../../src/workspaces/restart";
import { HostUnreadableError } from "../../../src/docker/docker-cli";
import { DeployLockedError, deployLockName } from "../../../src/swarm/deploy-lock";
import { ConfigError } from "../../../src/config/issues";
import { BASELINE, STATUS_OK, standInManager } from "../../helpers/swarm-manager";

const work = mkdtempSync(path.join(tmpdir(), "homedock-swarm-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let stdout: string[];
beforeEach(() => {
  stdout = [];
  vi.spyOn(console, "log").mockImplementation((...args) => void stdout.push(args.join(" ")));
  vi.spyOn(console, "error").mockImplementation(() => undefined);
});
afterEach(() => vi.restoreAllMocks());

function config(swarm = true): string {
  const dir = mkdtempSync(path.join(work, "c-"));
  const file = path.join(dir, "swarm.yaml");
  const lines = [
    "host: { name: lab, createHomes: false, sharedMounts: [] }",
    ...(swarm ? ["swarm: { nodes: [{ name: node-1 }, { name: node-2 }, { name: node-3 }] }"] : []),
    "environments: [{ name: py, image: x/py:1, command: [sleep, '1'] }]",
    "users: [{ name: alice, uid: 1001, gid: 1001 }]",
  ];
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

async function swarm(args: string[], docker = standInManager().docker, deploy: StackDeploy = () => ({ status: 0 })): Promise<void> {
  const cli = new Command("homedock").exitOverride();
  addSwarmCommands(cli, docker, deploy);
  await cli.parseAsync(["node", "homedock", "swarm", ...args]);
}

describe("homedock swarm deploy", () => {
  it("refuses with one line per problem, naming node and setting, and writes and deploys nothing", async () => {
    const file = config();
    const out = path.join(path.dirname(file), "stack.yml");
    const deploy = vi.fn<StackDeploy>(() => ({ status: 0 }));
    const err = await swarm(["deploy", "-c", file, "-o", out], standInManager().docker, deploy).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NodeBaselineError);
    expect((err as NodeBaselineError).exitCode).toBe(3);
    expect((err as Error).message.split("\n")).toEqual([
      expect.stringMatching(/^node-3: no-new-privileges: got NoNewPrivs 0/),
      expect.stringMatching(/^node-3: icc: got true/),
    ]);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(path.join(path.dirname(file), "homedock-secrets"))).toBe(false);
    expect(deploy).not.toHaveBeenCalled();
  });

  it("refuses a login CA file that is not PEM certificates alone by its field, before the lock, any node or anything written", async () => {
    const file = config();
    const dir = path.dirname(file);
    const key = path.join(dir, "not-a-ca.pem");
    writeFileSync(key, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    const door = [
      `frontDoor: { site: lab.example.org, login: { method: oidc, issuer: "https://id.example.org", clientId: lab, caFile: ${JSON.stringify(key)} } }`,
      "users: [{ name: alice, uid: 1001, gid: 1001, identity: alice@example.org }]",
    ];
    writeFileSync(file, `${readFileSync(file, "utf8").replace(/^users:.*$/m, "")}${door.join("\n")}\n`);
    const manager = standInManager(BASELINE, STATUS_OK);
    const deploy = vi.fn<StackDeploy>(() => ({ status: 0 }));
    const err = await swarm(["deploy", "-c", file, "-o", path.join(dir, "stack.yml")], manager.docker, deploy).catch((e: unknown) => e);
    expect((err as Error).message).toContain(`frontDoor.login.caFile: got "${key}"; expected PEM certificates and nothing else`);
    expect([manager.calls, deploy.mock.calls, readdirSync(dir).sort()]).toEqual([[], [], ["not-a-ca.pem", "swarm.yaml"]]);
  });

  it("with the baseline on every node, writes the stack file, then deploys it as the host's stack", async () => {
    const file = config();
    const out = path.join(path.dirname(file), "stack.yml");
    const deploy = vi.fn<StackDeploy>(() => {
      expect(readFileSync(out, "utf8")).toMatch(/^version: "3.9"/);
      return { status: 0 };
    });
    await swarm(["deploy", "-c", file, "-o", out], standInManager(BASELINE, STATUS_OK).docker, deploy);
    expect(deploy.mock.calls).toEqual([[out, "lab"]]);
    expect(stdout).toContain("host lab: the node baseline holds on 3 nodes (checked with x/py:1)");
  });

  it("says a failed docker stack deploy with its exit status, and removes no secret after it", async () => {
    const file = config();
    const out = path.join(path.dirname(file), "stack.yml");
    const { docker, calls } = standInManager(BASELINE, STATUS_OK);
    await expect(swarm(["deploy", "-c", file, "-o", out], docker, () => ({ status: 5 }))).rejects.toMatchObject({
      exitCode: 5,
      message: `docker stack deploy -c ${out} lab failed (exit status 5): see its output above`,
    });
    expect(calls.filter((c) => c[0] === "secret")).toEqual([]);
  });

  it("after a deploy, looks for the stack's old secrets by its label", async () => {
    const file = config();
    const { docker, calls } = standInManager(BASELINE, STATUS_OK);
    await swarm(["deploy", "-c", file, "-o", path.join(path.dirname(file), "stack.yml")], docker);
    expect(calls.filter((c) => c[1] === "ls" && (c[0] === "secret" || c[3] === "label=com.docker.stack.namespace=lab"))).toEqual([
      ["service", "ls", "--filter", "label=com.docker.stack.namespace=lab", "--format", "{{.ID}}"],
      ["secret", "ls", "--filter", "label=com.docker.stack.namespace=lab", "--format", "{{.Name}}"],
    ]);
  });
});

describe("homedock swarm deploy, one at a time", () => {
  const LOCK = deployLockName("lab");

  it("holds the host's lock while it deploys: a config of its own name, naming who holds it, removed after", async () => {
    const file = config();
    const out = path.join(path.dirname(file), "stack.yml");
    const m = standInManager(BASELINE, STATUS_OK);
    const held: unknown[] = [];
    await swarm(["deploy", "-c", file, "-o", out], m.docker, () => {
      held.push(m.configs.get(LOCK));
      return { status: 0 };
    });
    expect(held).toEqual([{ id: "cfg1", labels: ["homedock.host=lab", "homedock.role=deploy-lock"], data: expect.any(String) }]);
    const holder = JSON.parse((held[0] as { data: string }).data) as { by: string; pid: number; since: string };
    expect(holder).toEqual({ by: expect.stringMatching(/^.+@.+$/), pid: process.pid, since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    // Taken before any node is looked at, released after the old secrets.
    const first = m.calls.findIndex((c) => c[0] === "config");
    expect(m.calls[first]).toEqual(expect.arrayContaining(["config", "create", LOCK]));
    expect(m.calls.findIndex((c) => c[0] === "node")).toBeGreaterThan(first);
    // By the id it created: a lock by that name is not necessarily its own by then.
    expect(m.calls.at(-1)).toEqual(["config", "rm", "cfg1"]);
    expect(m.configs.size).toBe(0);
  });

  it("never removes a lock that another deploy took after this one's was removed by hand, and says so", async () => {
    const file = config();
    const out = path.join(path.dirname(file), "stack.yml");
    const m = standInManager(BASELINE, STATUS_OK);
    const errors: string[] = [];
    vi.mocked(console.error).mockImplementation((...args) => void errors.push(args.join(" ")));
    const theirs = { id: "theirs", labels: [], data: '{"by":"bob@admin-2","pid":1,"since":"2026-12-05T01:00:00.000Z"}\n' };
    await swarm(["deploy", "-c", file, "-o", out], m.docker, () => {
      // Meanwhile: an admin removes this deploy's lock by name, and another deploy takes it.
      m.configs.delete(LOCK);
      m.configs.set(LOCK, theirs);
      return { status: 0 };
    });
    expect(m.configs.get(LOCK)).toBe(theirs);
    expect(errors).toContain(`warning: the deploy lock ${LOCK} was removed while this deploy held it (by hand?): another deploy may have run beside it`);
  });

  it("stops at its next step on SIGINT, kills the docker call under way, releases the lock only once the work has ended, and exits 130", async () => {
    const file = config();
    const out = path.join(path.dirname(file), "stack.yml");
    const m = standInManager(BASELINE, STATUS_OK);
    const order: string[] = [];
    let killed = false;
    let signalled = false;
    // The node check's first job creation hangs until its call is killed; SIGINT arrives meanwhile.
    const docker: typeof m.docker = (args, options) => {
      if (args[0] === "service" && args[1] === "create")
        return new Promise((resolve) => {
          options?.signal?.addEventListener("abort", () => {
            killed = true;
            order.push("killed");
            resolve({ status: null, stdout: "", stderr: "", error: Object.assign(new Error("The operation was aborted"), { code: "ABORT_ERR" }) });
          });
          if (!signalled) setImmediate(() => process.emit("SIGINT", "SIGINT"));
          signalled = true;
        });
      if (args[0] === "config" && args[1] === "rm") order.push("released");
      return m.docker(args, options);
    };
    const deploy = vi.fn<StackDeploy>(() => ({ status: 0 }));
    const listeners = process.listenerCount("SIGINT");
    const err = await swarm(["deploy", "-c", file, "-o", out], docker, deploy).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InterruptedError);
    expect((err as InterruptedError).exitCode).toBe(130);
    expect(killed).toBe(true);
    // One job per node, all three under way: each killed, then the lock released.
    expect(order).toEqual(["killed", "killed", "killed", "released"]);
    expect(m.configs.size).toBe(0);
    expect(deploy).not.toHaveBeenCalled();
    expect(existsSync(out)).toBe(false);
    expect(process.listenerCount("SIGINT")).toBe(listeners);
  });

  it("says docker stack deploy ended by Ctrl-C as the interruption (exit 130), the lock released", async () => {
    const file = config();
    const m = standInManager(BASELINE, STATUS_OK);
    const err = await swarm(["deploy", "-c", file, "-o", path.join(path.dirname(file), "stack.yml")], m.docker, () => ({
      status: null,
      signal: "SIGINT",
    })).catch((e: unknown) => e);
    expect((err as InterruptedError).exitCode).toBe(130);
    expect(m.configs.size).toBe(0);
    // No old secret is looked for after an interrupted deploy.
    expect(m.calls.filter((c) => c[0] === "secret")).toEqual([]);
  });

  it("refuses while another deploy holds the lock, naming it and how to remove a left one: nothing checked, written or deployed, the lock left", async () => {
    const file = config();
    const out = path.join(path.dirname(file), "stack.yml");
    const m = standInManager(BASELINE, STATUS_OK);
    const other = {
      id: "other",
      labels: ["homedock.host=lab", "homedock.role=deploy-lock"],
      data: '{"by":"bob@admin-2","pid":4242,"since":"2026-12-05T01:00:00.000Z"}\n',
    };
    m.configs.set(LOCK, other);
    const deploy = vi.fn<StackDeploy>(() => ({ status: 0 }));
    const err = await swarm(["deploy", "-c", file, "-o", out], m.docker, deploy).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeployLockedError);
    expect((err as DeployLockedError).exitCode).toBe(4);
    expect((err as Error).message).toBe(
      "another homedock swarm deploy of lab is under way (bob@admin-2, process 4242, since 2026-12-05T01:00:00.000Z); nothing deployed. " +
        `If none is (a deploy that was killed leaves its lock), remove the lock: docker config rm ${LOCK}`,
    );
    expect(m.calls.filter((c) => c[0] !== "config")).toEqual([]);
    expect(m.configs.get(LOCK)).toBe(other);
    expect(existsSync(out)).toBe(false);
    expect(deploy).not.toHaveBeenCalled();
  });

  it("releases the lock however the deploy ends: a node refused, a failed docker stack deploy", async () => {
    const file = config();
    const out = path.join(path.dirname(file), "stack.yml");
    const refused = standInManager();
    await expect(swarm(["deploy", "-c", file, "-o", out], refused.docker)).rejects.toBeInstanceOf(NodeBaselineError);
    expect(refused.configs.size).toBe(0);
    const failed = standInManager(BASELINE, STATUS_OK);
    await expect(swarm(["deploy", "-c", file, "-o", out], failed.docker, () => ({ status: 5 }))).rejects.toMatchObject({ exitCode: 5 });
    expect(failed.configs.size).toBe(0);
    expect(failed.calls.at(-1)).toEqual(["config", "rm", "cfg1"]);
  });

  it("deploys nothing when the manager cannot be asked for the lock", async () => {
    const file = config();
    const out = path.join(path.dirname(file), "stack.yml");
    const m = standInManager(BASELINE, STATUS_OK);
    const docker: typeof m.docker = (args, options) =>
      args[0] === "config"
        ? Promise.resolve({ status: 1, stdout: "", stderr: "Error response from daemon: This node is not a swarm manager.\n" })
        : m.docker(args, options);
    const deploy = vi.fn<StackDeploy>(() => ({ status: 0 }));
    const err = await swarm(["deploy", "-c", file, "-o", out], docker, deploy).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostUnreadableError);
    expect((err as Error).message).toBe(
      `cannot take the deploy lock ${LOCK}: the manager refused: Error response from daemon: This node is not a swarm manager.`,
    );
    expect(m.calls).toEqual([]);
    expect(deploy).not.toHaveBeenCalled();
  });
});

describe("homedock swarm check", () => {
  it("refuses a config without a swarm section, as a config error", async () => {
    await expect(swarm(["check", "-c", config(false)])).rejects.toThrow(ConfigError);
    await expect(swarm(["check", "-c", config(false)])).rejects.toThrow("expected a swarm section for swarm check");
  });

  it("runs its jobs in the image --image names", async () => {
    const { docker, calls } = standInManager(BASELINE, STATUS_OK);
    await swarm(["check", "-c", config(), "--image", "x/other:2"], docker);
    const images = calls.filter((c) => c[1] === "create").map((c) => c[c.indexOf("/bin/sh") + 1]);
    expect(images).toEqual(["x/other:2", "x/other:2", "x/other:2"]);
  });
});

describe("homedock restart on a Swarm", () => {
  /**
   * A manager with these services of the host lab (and whatever else the stand-in manager
   * answers: its nodes, the deploy lock); every call recorded; `refuse`: the service whose
   * update fails; `node1`: node-1's state.
   */
  function services(names: string[], refuse?: string, node1 = "ready") {
    const m = standInManager(BASELINE, STATUS_OK);
    const calls: string[] = [];
    const docker: DockerAsync = async (args, options) => {
      calls.push(args.join(" "));
      if (args.join(" ") === "service ls --filter label=homedock.host=lab --format {{.Name}}")
        return { status: 0, stdout: names.map((n) => `${n}\n`).join(""), stderr: "" };
      if (args[0] === "service" && args[1] === "update") {
        // Under the host's deploy lock.
        expect(m.configs.has(deployLockName("lab")), "the deploy lock held").toBe(true);
        return args.at(-1) !== refuse
          ? { status: 0, stdout: "", stderr: "" }
          : { status: 1, stdout: "", stderr: `Error response from daemon: update of ${args.at(-1)} refused\n` };
      }
      const r = await m.docker(args, options);
      return args[0] === "node" && args[1] === "inspect" ? { ...r, stdout: r.stdout.replace('"State":"ready"', `"State":"${node1}"`) } : r;
    };
    return { docker, calls, configs: m.configs };
  }
  async function restart(args: string[], docker: DockerAsync): Promise<void> {
    const cli = new Command("homedock").exitOverride();
    addWorkspaceCommands(cli, docker);
    await cli.parseAsync(["node", "homedock", "restart", ...args]);
  }
  const twoEnvironments = () => {
    const file = config();
    writeFileSync(
      file,
      readFileSync(file, "utf8").replace(
        "environments: [{ name: py, image: x/py:1, command: [sleep, '1'] }]",
        "environments: [{ name: py, image: x/py:1, command: [sleep, '1'] }, { name: r, image: x/r:1, command: [sleep, '1'] }]",
      ),
    );
    return file;
  };

  it("gives each of the user's services a new task on its node (docker service update --force), not waited for", async () => {
    const m = services(["lab_alice--py", "lab_alice--r", "other_alice--py"]);
    await restart(["alice", "-c", twoEnvironments()], m.docker);
    expect(m.calls.filter((c) => c.startsWith("service"))).toEqual([
      "service ls --filter label=homedock.host=lab --format {{.Name}}",
      "service update --force --detach --quiet lab_alice--py",
      "service update --force --detach --quiet lab_alice--r",
    ]);
    expect(stdout).toEqual(["restarted lab_alice--py (a new task on node-1)", "restarted lab_alice--r (a new task on node-1)"]);
    expect(m.configs.size).toBe(0);
  });

  it("says when the user's node cannot take the new task yet", async () => {
    const m = services(["lab_alice--py"], undefined, "down");
    await restart(["alice", "-c", config()], m.docker);
    expect(stdout).toEqual(["restarted lab_alice--py (a new task on node-1; it runs once the node can take it: it is down)"]);
  });

  it("restarts the one environment named", async () => {
    const m = services(["lab_alice--py", "lab_alice--r"]);
    await restart(["alice", "r", "-c", twoEnvironments()], m.docker);
    expect(m.calls.filter((c) => c.startsWith("service update"))).toEqual(["service update --force --detach --quiet lab_alice--r"]);
  });

  it("restarts nothing when a service is missing, naming it and how to make it", async () => {
    const m = services(["lab_alice--py"]);
    const err = await restart(["alice", "-c", twoEnvironments()], m.docker).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RestartError);
    expect((err as Error).message).toBe("no service for alice/r (service lab_alice--r) on the Swarm: deploy first (homedock swarm deploy); nothing restarted");
    expect(m.calls.filter((c) => c.startsWith("service update"))).toEqual([]);
  });

  it("says which were restarted before Docker refused one", async () => {
    const m = services(["lab_alice--py", "lab_alice--r"], "lab_alice--r");
    await expect(restart(["alice", "-c", twoEnvironments()], m.docker)).rejects.toThrow(
      "docker service update --force lab_alice--r failed: Error response from daemon: update of lab_alice--r refused; restarted: lab_alice--py",
    );
  });
});
