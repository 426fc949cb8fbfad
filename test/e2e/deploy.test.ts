// `cdktf deploy` against the real engine with real Terraform and the real
// kreuzwerker/docker provider, taken from a filesystem mirror named by
// HOMEDOCK_PROVIDER_MIRROR (no registry serves it here). Without it this suite is
// skipped, with one line naming the variable: the only skip in the project.
//
// Each scenario has its own host root, state and container-name prefix.
// HOMEDOCK_RECORD_PLANS=1 also writes the plans of scenarios 3-6 and 8 to
// test/fixtures/plans/, HOMEDOCK_RECORD_PLANS=<name>,... only those named (see
// test/fixtures/plans/README.md: most of them are kept as a host of an earlier homedock).
import { execFile, spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConfigInput } from "../../src/config/schema";
import { NETWORK_OPTIONS } from "../../src/container/network";
import {
  busyboxImage,
  docker,
  dockerStatus,
  eventually,
  providerMirrorConfig,
  requireDocker,
  scenarioRoot,
  uniqueName,
  testLogin,
  FRONT_DOOR_IMAGES,
} from "../helpers/docker";
import { call, type Door, freePort, origin, proxyRootCa, Sessions, swapSocket, signInForm } from "../helpers/front-door";
import { openSocket, runCode } from "../helpers/kernel";
import type { Json } from "../helpers/synth";
import { snapshot } from "../helpers/trees";

const exec = promisify(execFile);
const repo = path.resolve(__dirname, "../..");
const mirror = process.env.HOMEDOCK_PROVIDER_MIRROR;
const PLAN_FIXTURES = path.join(repo, "test/fixtures/plans");
if (!mirror) {
  console.log("deploy e2e skipped: set HOMEDOCK_PROVIDER_MIRROR to a Terraform filesystem mirror holding kreuzwerker/docker 4.5.0");
}
/**
 * Scenario 10 stops dockerd and starts it again, taking down every container on the
 * machine: only where asked for (CI sets it; an admin's test host running anything
 * else should not).
 */
const restartsEngine = process.env.HOMEDOCK_TEST_RESTART_DOCKERD === "1";
if (mirror && !restartsEngine) {
  console.log("deploy e2e scenario 10 (dockerd restart) skipped: it stops every container on this machine; set HOMEDOCK_TEST_RESTART_DOCKERD=1 to run it");
}

const SEED = { "welcome.txt": "hello from the image\n", "lib/helper.py": "print('hi')\n", ".cache/big": "skip me\n" };
let v1: string;
let v2: string;
let other: string;
const cleanups: (() => Promise<void>)[] = [];

/** One deployed host: its own directory (config, cdktf project, state) and host root. */
class Deployment {
  readonly dir: string;
  readonly root: string;
  readonly name: string;
  config: ConfigInput;
  /** What runs Terraform here: TERRAFORM_BINARY_NAME (say tofu) for the whole suite, else terraform. */
  terraform = process.env.TERRAFORM_BINARY_NAME || "terraform";

  constructor(label: string, config: (d: Deployment) => ConfigInput) {
    this.dir = scenarioRoot(`deploy-${label}`);
    this.root = path.join(this.dir, "host");
    this.name = uniqueName("hdt");
    mkdirSync(path.join(this.root, "home"), { recursive: true });
    mkdirSync(path.join(this.root, "data"));
    writeFileSync(path.join(this.root, "data/shared.csv"), "a,b\n");
    writeFileSync(path.join(this.dir, "cli.tfrc"), providerMirrorConfig(mirror!));
    writeFileSync(
      path.join(this.dir, "cdktf.json"),
      JSON.stringify({ language: "typescript", app: `${repo}/node_modules/.bin/tsx ${repo}/main.ts`, projectId: "homedock-e2e", sendCrashReports: "false" }),
    );
    this.config = config(this);
    cleanups.push(() => this.cleanup());
  }

  get home(): string {
    return path.join(this.root, "home");
  }

  get stackDir(): string {
    return path.join(this.dir, "cdktf.out/stacks", this.name);
  }

  private env(): NodeJS.ProcessEnv {
    const { TF_CLI_CONFIG_FILE: _, ...rest } = process.env;
    return {
      ...rest,
      TF_CLI_CONFIG_FILE: path.join(this.dir, "cli.tfrc"),
      HOMEDOCK_CONFIG: path.join(this.dir, "homedock.yaml"),
      TERRAFORM_BINARY_NAME: this.terraform,
      CHECKPOINT_DISABLE: "1",
      TF_IN_AUTOMATION: "1",
      CI: "1",
      FORCE_COLOR: "0",
    };
  }

  private write(): void {
    writeFileSync(path.join(this.dir, "homedock.yaml"), JSON.stringify({ ...this.config, host: { ...this.config.host, name: this.name } }));
  }

  private async run(cmd: string, args: string[], cwd = this.dir): Promise<{ code: number; out: string; stdout: string }> {
    try {
      const { stdout, stderr } = await exec(cmd, args, { cwd, env: this.env(), maxBuffer: 64 << 20 });
      return { code: 0, out: stdout + stderr, stdout };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === "number" ? e.code : 1, out: `${e.stdout ?? ""}${e.stderr ?? ""}`, stdout: e.stdout ?? "" };
    }
  }

  /** `cdktf deploy` of the current config. */
  async deploy(): Promise<string> {
    this.write();
    const r = await this.run(`${repo}/node_modules/.bin/cdktf`, ["deploy", "--auto-approve", "--skip-provider-lock"]);
    if (r.code !== 0) throw new Error(`cdktf deploy failed:\n${r.out.slice(-4000)}`);
    return r.out;
  }

  /** `homedock deploy --auto-approve`: synth, terraform init and apply, no cdktf CLI. */
  async homedockDeploy(): Promise<{ code: number; out: string }> {
    return this.homedock("deploy", "--auto-approve");
  }

  /**
   * `homedock deploy --auto-approve`, interrupted once Terraform has begun to create a
   * workspace: `SIGINT` to the whole command (an admin's Ctrl-C at the terminal), or
   * `SIGKILL` to Terraform alone (what a lost session or the OOM killer does to it).
   * Its status and both outputs.
   */
  async interruptedDeploy(signal: "SIGINT" | "SIGKILL"): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
    this.write();
    // A process group of its own: a terminal sends Ctrl-C's SIGINT to the foreground group.
    // The command as an admin runs it in a clone (npx homedock).
    const child = spawn(process.execPath, [`${repo}/bin/homedock.js`, "deploy", "--auto-approve"], {
      cwd: this.dir,
      env: this.env(),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let sent = false;
    const interrupt = async () => {
      if (signal === "SIGINT") return void process.kill(-child.pid!, "SIGINT");
      // Terraform alone: the one whose working directory is this stack's.
      for (const pid of (await exec("pgrep", ["-x", this.terraform]).catch(() => ({ stdout: "" }))).stdout.split("\n").filter(Boolean)) {
        try {
          if (readlinkSync(`/proc/${pid}/cwd`) === this.stackDir) process.kill(Number(pid), "SIGKILL");
        } catch {
          // gone meanwhile
        }
      }
    };
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on("close", (code, sig) => resolve({ code, signal: sig })),
    );
    const read = (chunk: Buffer) => {
      out += chunk.toString("utf8");
      // A workspace being created: the apply is under way, and has more to do.
      // Once: a second Ctrl-C makes Terraform exit at once, whatever it was writing.
      if (!sent && /docker_container\.host_user-[^\n]*: Creating\.\.\./.test(out)) {
        sent = true;
        setTimeout(() => void interrupt(), 200);
      }
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    const status = await ended;
    return { ...status, out };
  }

  /** Terraform (or tofu) itself in the stack directory. */
  async runTerraform(...args: string[]): Promise<{ code: number; out: string; stdout: string }> {
    return this.run(this.terraform, args, this.stackDir);
  }

  /** The homedock command on the current config: its status, its standard output, and both outputs. */
  async homedock(...args: string[]): Promise<{ code: number; out: string; stdout: string }> {
    this.write();
    return this.run(`${repo}/node_modules/.bin/tsx`, [`${repo}/src/cli/cli.ts`, ...args]);
  }

  /** `homedock passwd <user> --stdin`: the hash beside cdktf.out, in this deployment's directory. */
  passwd(user: string, password: string): void {
    this.write();
    const r = spawnSync(`${repo}/node_modules/.bin/tsx`, [`${repo}/src/cli/cli.ts`, "passwd", user, "-d", this.dir, "--stdin"], {
      cwd: this.dir,
      env: this.env(),
      input: `${password}\n`,
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`homedock passwd ${user}: ${r.stderr}`);
  }

  /** A saved plan of the current config: `terraform plan -detailed-exitcode`, then `terraform show -json` (or tofu's). */
  async plan(record?: string): Promise<{ exitCode: number; json: Json }> {
    this.write();
    const synth = await this.run(`${repo}/node_modules/.bin/tsx`, [`${repo}/src/cli/cli.ts`, "synth", "-o", "cdktf.out"]);
    if (synth.code !== 0) throw new Error(synth.out);
    const init = await this.run(this.terraform, ["init", "-input=false"], this.stackDir);
    if (init.code !== 0) throw new Error(init.out);
    const plan = await this.run(this.terraform, ["plan", "-input=false", "-detailed-exitcode", "-out=plan.bin"], this.stackDir);
    if (plan.code === 1) throw new Error(plan.out);
    const show = await this.run(this.terraform, ["show", "-json", "plan.bin"], this.stackDir);
    const json = JSON.parse(show.out);
    const asked = process.env.HOMEDOCK_RECORD_PLANS;
    if (record && asked && (asked === "1" || asked.split(",").includes(record))) {
      mkdirSync(PLAN_FIXTURES, { recursive: true });
      writeFileSync(path.join(PLAN_FIXTURES, `${record}.json`), `${JSON.stringify(json, null, 1)}\n`);
    }
    return { exitCode: plan.code, json };
  }

  async destroy(): Promise<void> {
    this.write();
    const r = await this.run(`${repo}/node_modules/.bin/cdktf`, ["destroy", "--auto-approve"]);
    if (r.code !== 0) throw new Error(`cdktf destroy failed:\n${r.out.slice(-4000)}`);
  }

  container(user: string, env: string): string {
    return `${this.name}-${user}.${env}`;
  }

  async containers(): Promise<string[]> {
    const out = await docker("ps", "-a", "--filter", `label=homedock.host=${this.name}`, "--format", "{{.Names}}");
    return out.split("\n").filter(Boolean).sort();
  }

  /** Every file under the homes, except homedock's own state. */
  userData(): Map<string, unknown> {
    return snapshot(this.home, (rel) => rel.endsWith("/.homedock"));
  }

  private async cleanup(): Promise<void> {
    const ids = (await docker("ps", "-aq", "--filter", `label=homedock.host=${this.name}`)).split("\n").filter(Boolean);
    if (ids.length > 0) await dockerStatus("rm", "-f", ...ids);
    // The host's network, and the login's where it has a front door: each labelled with the host.
    const networks = (await docker("network", "ls", "-q", "--filter", `label=homedock.host=${this.name}`)).split("\n").filter(Boolean);
    if (networks.length > 0) await dockerStatus("network", "rm", ...networks);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** 2 environments (one for group stats) x 3 users; carol has a home already, with work in it. */
function courseConfig(d: Deployment): ConfigInput {
  return {
    host: { homeRoot: d.home, sharedMounts: [{ source: path.join(d.root, "data"), target: "/srv/data" }] },
    environments: [
      { name: "py", image: v1, command: ["httpd", "-f", "-p", "8888"], memory: "64m", cpus: 0.5 },
      { name: "stats", image: other, command: ["httpd", "-f", "-p", "8888"], groups: ["stats"], memory: "64m", readOnlyRoot: true, pidsLimit: 64 },
    ],
    users: [
      { name: "alice", uid: 2101, gid: 2101, groups: ["stats"] },
      { name: "bob", uid: 2102, gid: 2102, supplementaryGids: [2150] },
      { name: "carol", uid: 2103, gid: 2103, groups: ["stats"] },
    ],
  };
}

/** A home that exists before the first deploy, with both environment directories and work in them. */
function existingHome(d: Deployment, user: string, uid: number): { mode: number; uid: number; mtimeMs: number } {
  const home = path.join(d.home, user);
  mkdirSync(path.join(home, "py"), { recursive: true });
  mkdirSync(path.join(home, "stats"));
  chownSync(path.join(home, "stats"), uid, uid);
  writeFileSync(path.join(home, "py/welcome.txt"), `${user}'s own welcome\n`);
  writeFileSync(path.join(home, "thesis.tex"), "\\documentclass{article}\n");
  for (const p of ["py/welcome.txt", "py", "thesis.tex", ""]) chownSync(path.join(home, p), uid, uid);
  // A mode the deploy would never choose, so a chmod would show.
  chmodSync(home, 0o750);
  utimesSync(home, new Date("2025-01-01T00:00:00Z"), new Date("2025-01-01T00:00:00Z"));
  const st = statSync(home);
  return { mode: st.mode & 0o7777, uid: st.uid, mtimeMs: st.mtimeMs };
}

/**
 * Resource changes of a plan that do something, as "action address user/what". The start
 * of a root container (a terraform_data) is its container's user and what, with ":start".
 */
function changes(plan: Json): { actions: string[]; address: string; user?: string; what?: string; replacedBy: string[] }[] {
  const valuesOf = (c: Json) => c.change.after ?? c.change.before ?? {};
  const labelsOf = (values: Json): Record<string, string> => Object.fromEntries((values.labels ?? []).map((l: Json) => [l.label, l.value]));
  const byName = new Map<string, Record<string, string>>(
    (plan.resource_changes ?? []).filter((c: Json) => c.type === "docker_container").map((c: Json) => [valuesOf(c).name, labelsOf(valuesOf(c))]),
  );
  return (plan.resource_changes ?? [])
    .filter((c: Json) => !(c.change.actions.length === 1 && ["no-op", "read"].includes(c.change.actions[0])))
    .map((c: Json) => {
      const values = valuesOf(c);
      const start = c.type === "terraform_data" ? values.triggers_replace?.container : undefined;
      const labels = start === undefined ? labelsOf(values) : (byName.get(start) ?? {});
      const what = labels["homedock.environment"] ?? labels["homedock.role"];
      return {
        actions: c.change.actions,
        address: c.address,
        // A home one-shot of one home image: its users, "[alice,bob]".
        user: labels["homedock.user"] ?? (labels["homedock.users"] === undefined ? undefined : `[${labels["homedock.users"]}]`),
        what: start === undefined || what === undefined ? what : `${what}:start`,
        replacedBy: (c.change.replace_paths ?? []).map((p: unknown[]) => p.join(".")),
      };
    });
}

/** Each container's HostConfig.PidsLimit (0: none), by name without the host's prefix, of those that run as root. */
async function rootPidsLimits(d: Deployment): Promise<Record<string, number>> {
  const names = await d.containers();
  const all = JSON.parse(await docker("inspect", ...names)) as Json[];
  return Object.fromEntries(all.filter((c) => c.Config.User.startsWith("0:")).map((c) => [c.Name.slice(`/${d.name}-`.length), c.HostConfig.PidsLimit ?? 0]));
}

async function serverAnswers(d: Deployment, user: string, env: string, file: string): Promise<string> {
  let page = "";
  await eventually(`${user}/${env} answering`, async () => {
    page = (await dockerStatus("exec", d.container(user, env), "wget", "-qO-", `http://127.0.0.1:8888/${file}`)).stdout;
    return page !== "";
  });
  return page;
}

describe.skipIf(!mirror)("cdktf deploy on a real Docker host", () => {
  beforeAll(() => {
    requireDocker();
    v1 = busyboxImage("seed-v1", SEED);
    v2 = busyboxImage("seed-v2", { ...SEED, "new-in-v2.txt": "new\n" });
    other = busyboxImage("seed-other", { "stats.txt": "stats\n" });
  });
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it("1, 2, 7: deploys every granted workspace as its user, creates missing homes, and re-plans to no change", async () => {
    const d = new Deployment("deploy", courseConfig);
    const carol = existingHome(d, "carol", 2103);
    await d.deploy();

    // One home one-shot for the three: py's image makes every home (their first environment).
    expect(await d.containers()).toEqual(
      [
        `${d.name}-homes-py`,
        d.container("alice", "py"),
        d.container("alice", "stats"),
        d.container("bob", "py"),
        d.container("carol", "py"),
        d.container("carol", "stats"),
      ].sort(),
    );
    for (const [user, uid, envs] of [
      ["alice", 2101, ["py", "stats"]],
      ["bob", 2102, ["py"]],
      ["carol", 2103, ["py", "stats"]],
    ] as const) {
      for (const env of envs) {
        const c = d.container(user, env);
        expect((await docker("inspect", "-f", "{{.State.Running}}", c)).trim(), c).toBe("true");
        expect((await docker("exec", c, "id", "-u")).trim(), c).toBe(String(uid));
        expect((await docker("exec", c, "id", "-g")).trim(), c).toBe(String(uid));
        expect(await docker("exec", c, "sh", "-c", "echo $HOME"), c).toBe(`${d.home}/${user}\n`);
        const write = await dockerStatus("exec", c, "sh", "-c", "echo x > /srv/data/x");
        expect([c, write.status !== 0, write.stderr.includes("Read-only")]).toEqual([c, true, true]);
        const others = ["alice", "bob", "carol"].filter((u) => u !== user);
        for (const o of others) expect((await dockerStatus("exec", c, "ls", `${d.home}/${o}`)).status, `${c} sees ${o}`).not.toBe(0);
      }
    }
    // The server runs from the environment directory: httpd serves what was seeded there.
    expect(await serverAnswers(d, "bob", "py", "welcome.txt")).toBe(SEED["welcome.txt"]);
    expect(await serverAnswers(d, "carol", "py", "welcome.txt")).toBe("carol's own welcome\n");
    expect(await serverAnswers(d, "alice", "stats", "stats.txt")).toBe("stats\n");
    expect((await docker("exec", d.container("bob", "py"), "id", "-G")).trim()).toBe("2102 2150");
    const tokens = JSON.parse(readFileSync(path.join(d.dir, "homedock-secrets/tokens.json"), "utf8"));
    expect(await docker("exec", d.container("bob", "py"), "sh", "-c", "echo $JUPYTER_TOKEN")).toBe(`${tokens["bob.py"]}\n`);
    expect(readFileSync(path.join(d.stackDir, "cdk.tf.json"), "utf8")).not.toContain(tokens["bob.py"]);
    const status = await docker("exec", d.container("alice", "stats"), "cat", "/proc/self/status");
    expect(status).toMatch(/^CapEff:\s+0000000000000000$/m);
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    expect((await dockerStatus("exec", d.container("alice", "stats"), "sh", "-c", "echo x > /etc/x")).status).not.toBe(0);
    expect((await dockerStatus("exec", d.container("alice", "stats"), "sh", "-c", "echo x > /tmp/x")).status).toBe(0);
    expect((await docker("exec", d.container("alice", "stats"), "sh", "-c", "ulimit -u")).trim()).toBe("64");
    expect((await docker("port", d.container("alice", "stats"))).trim()).toBe("");

    const bobHome = lstatSync(`${d.home}/bob`);
    expect([bobHome.uid, bobHome.gid, bobHome.mode & 0o7777]).toEqual([2102, 2102, 0o700]);
    const seeded = lstatSync(`${d.home}/bob/py/lib/helper.py`);
    expect([seeded.uid, seeded.gid]).toEqual([2102, 2102]);
    expect(existsSync(`${d.home}/bob/py/.cache`)).toBe(false);

    // The home one-shot runs as root: the cgroup's process limit, through cdktf deploy too.
    expect(await rootPidsLimits(d)).toEqual({ "homes-py": 64 });

    const plan = await d.plan();
    expect(changes(plan.json)).toEqual([]);
    expect(plan.exitCode).toBe(0);

    await d.deploy();
    const after = statSync(`${d.home}/carol`);
    expect({ mode: after.mode & 0o7777, uid: after.uid, mtimeMs: after.mtimeMs }).toEqual(carol);
  }, 300_000);

  it("3: adding a user creates only that user's resources, and runs the one-shot of the user's home image again, over homes it leaves as they are", async () => {
    const d = new Deployment("adduser", courseConfig);
    const carol = existingHome(d, "carol", 2103);
    await d.deploy();
    const ids = async () =>
      (
        await docker(
          "ps",
          "-a",
          "--no-trunc",
          "--filter",
          `label=homedock.host=${d.name}`,
          "--filter",
          "label=homedock.role=workspace",
          "--format",
          '{{.ID}} {{.Label "homedock.user"}}',
        )
      )
        .split("\n")
        .filter((l) => l && !l.endsWith(" dave"))
        .sort();
    const before = await ids();
    const homes = ["alice", "bob"].map((u) => statSync(`${d.home}/${u}`)).map((st) => [st.uid, st.mode & 0o7777, st.mtimeMs]);
    const oneShot = `${d.name}-homes-py`;
    const oneShotBefore = (await docker("inspect", "-f", "{{.Id}}", oneShot)).trim();
    d.config = { ...d.config, users: [...d.config.users!, { name: "dave", uid: 2104, gid: 2104 }] };
    const plan = await d.plan("add-user-homes");
    expect(plan.exitCode).toBe(2);
    const planned = changes(plan.json);
    expect(planned.map((c) => `${c.actions.join("+")} ${c.user}/${c.what}`).sort()).toEqual([
      "create dave/py",
      "delete+create [alice,bob,carol,dave]/home",
      "delete+create [alice,bob,carol,dave]/home:start",
    ]);
    await d.deploy();
    expect(await ids()).toEqual(before);
    expect(await serverAnswers(d, "dave", "py", "welcome.txt")).toBe(SEED["welcome.txt"]);
    const dave = lstatSync(`${d.home}/dave`);
    expect([dave.uid, dave.gid, dave.mode & 0o7777]).toEqual([2104, 2104, 0o700]);
    // The one-shot ran again, for the four homes: those that were there stay exactly as they were.
    expect((await docker("inspect", "-f", "{{.Id}} {{.State.ExitCode}}", oneShot)).trim()).toMatch(new RegExp(`^(?!${oneShotBefore})[0-9a-f]+ 0$`));
    expect(["alice", "bob"].map((u) => statSync(`${d.home}/${u}`)).map((st) => [st.uid, st.mode & 0o7777, st.mtimeMs])).toEqual(homes);
    const after = statSync(`${d.home}/carol`);
    expect({ mode: after.mode & 0o7777, uid: after.uid, mtimeMs: after.mtimeMs }).toEqual(carol);
  }, 300_000);

  it("4: an image upgrade replaces that environment's containers and keeps every user file", async () => {
    const d = new Deployment("upgrade", courseConfig);
    await d.deploy();
    await serverAnswers(d, "bob", "py", "welcome.txt");
    rmSync(`${d.home}/bob/py/lib/helper.py`);
    await docker("exec", d.container("bob", "py"), "sh", "-c", "echo 'my results' > results.txt");
    const before = d.userData();
    d.config = { ...d.config, environments: d.config.environments.map((e) => (e.name === "py" ? { ...e, image: v2 } : e)) };
    const plan = await d.plan("upgrade-image");
    const planned = changes(plan.json);
    const replaced = planned.filter((c) => c.actions.includes("delete") && c.actions.includes("create"));
    expect(replaced.map((c) => (c.address.startsWith("docker_image.") ? "image" : `${c.user}/${c.what}`)).sort()).toEqual([
      "alice/py",
      "bob/py",
      "carol/py",
      "image",
    ]);
    for (const c of replaced) expect(c.replacedBy, c.address).toContain(c.address.startsWith("docker_image.") ? "name" : "image");
    // The home one-shot borrows py's image, and need not run again for it.
    expect(planned.filter((c) => c.what === "stats" || c.what === "home")).toEqual([]);
    await d.deploy();
    await serverAnswers(d, "bob", "py", "new-in-v2.txt");
    const after = d.userData();
    for (const [rel, node] of before) expect(after.get(rel), rel).toEqual(node);
    expect(readFileSync(`${d.home}/bob/py/new-in-v2.txt`, "utf8")).toBe("new\n");
    expect(existsSync(`${d.home}/bob/py/lib/helper.py`)).toBe(false);
    expect([...after.keys()].filter((k) => !before.has(k)).sort()).toEqual(["alice/py/new-in-v2.txt", "bob/py/new-in-v2.txt", "carol/py/new-in-v2.txt"]);
  }, 300_000);

  it("5: removing an environment, then a user, destroys their containers and leaves their files", async () => {
    const d = new Deployment("remove", courseConfig);
    await d.deploy();
    await serverAnswers(d, "alice", "stats", "stats.txt");
    const before = d.userData();
    d.config = { ...d.config, environments: d.config.environments.filter((e) => e.name !== "stats") };
    const plan = await d.plan("remove-environment");
    expect(
      changes(plan.json)
        .map((c) => `${c.actions.join("+")} ${c.user ?? "-"}/${c.what ?? "image"}`)
        .sort(),
    ).toEqual(["delete -/image", "delete alice/stats", "delete carol/stats"]);
    await d.deploy();
    d.config = { ...d.config, users: d.config.users!.filter((u) => u.name !== "bob") };
    const planUser = await d.plan("remove-user");
    expect(
      changes(planUser.json)
        .map((c) => `${c.actions.join("+")} ${c.user}/${c.what}`)
        .sort(),
    ).toEqual(["delete bob/py", "delete+create [alice,carol]/home", "delete+create [alice,carol]/home:start"]);
    await d.deploy();
    expect(await d.containers()).toEqual([`${d.name}-homes-py`, d.container("alice", "py"), d.container("carol", "py")].sort());
    expect(d.userData()).toEqual(before);
    expect(existsSync(`${d.home}/alice/stats/stats.txt`)).toBe(true);
  }, 300_000);

  it("6: a new memory limit is applied, data intact", async () => {
    const d = new Deployment("limit", courseConfig);
    await d.deploy();
    await serverAnswers(d, "bob", "py", "welcome.txt");
    const before = d.userData();
    d.config = { ...d.config, environments: d.config.environments.map((e) => (e.name === "py" ? { ...e, memory: "96m" } : e)) };
    const plan = await d.plan("change-limit");
    const planned = changes(plan.json);
    expect(planned.map((c) => `${c.user}/${c.what}`).sort()).toEqual(["alice/py", "bob/py", "carol/py"]);
    await d.deploy();
    expect(JSON.parse(await docker("inspect", "-f", "{{json .HostConfig}}", d.container("bob", "py"))).Memory).toBe(96 * 2 ** 20);
    expect(d.userData()).toEqual(before);
    expect((await d.plan()).exitCode).toBe(0);
  }, 300_000);

  it("8: a workspace stopped by hand is neither deleted nor replaced by a plan, and the next deploy starts it", async () => {
    const d = new Deployment("stopped", courseConfig);
    await d.deploy();
    const c = d.container("bob", "py");
    const id = (await docker("inspect", "-f", "{{.Id}}", c)).trim();
    await docker("stop", c);
    const plan = await d.plan("stopped-by-hand");
    const planned = changes(plan.json);
    expect(planned.map((p) => `${p.actions.join("+")} ${p.user}/${p.what}`)).toEqual(["update bob/py"]);
    expect((await docker("inspect", "-f", "{{.Id}} {{.State.Running}}", c)).trim()).toBe(`${id} false`);
    await d.deploy();
    expect((await docker("inspect", "-f", "{{.Id}} {{.State.Running}}", c)).trim()).toBe(`${id} true`);
  }, 300_000);

  it("9: cdktf destroy removes every container and leaves every home and environment directory", async () => {
    const d = new Deployment("destroy", courseConfig);
    await d.deploy();
    await serverAnswers(d, "bob", "py", "welcome.txt");
    const before = snapshot(d.home);
    await d.destroy();
    expect(await d.containers()).toEqual([]);
    expect(snapshot(d.home)).toEqual(before);
    expect(existsSync(`${d.home}/bob/py/welcome.txt`)).toBe(true);
  }, 300_000);

  it("a real Jupyter server: runs as the user from its environment directory, with its own token", async () => {
    const jupyter = "homedock-test/jupyter:current";
    if (spawnSync("docker", ["image", "inspect", jupyter], { stdio: "ignore" }).status !== 0) {
      throw new Error(`${jupyter} is missing: run scripts/build-jupyter-image.sh (as root)`);
    }
    const d = new Deployment("jupyter", (dd) => ({
      host: { homeRoot: dd.home, sharedMounts: [] },
      environments: [{ name: "nb", image: jupyter, command: ["python3", "-m", "notebook", "--ip=0.0.0.0", "--port=8888", "--no-browser"], memory: "1g" }],
      users: [{ name: "erin", uid: 2105, gid: 2105 }],
    }));
    await d.deploy();
    const token = JSON.parse(readFileSync(path.join(d.dir, "homedock-secrets/tokens.json"), "utf8"))["erin.nb"];
    const ask = (auth: string) =>
      dockerStatus(
        "exec",
        d.container("erin", "nb"),
        "python3",
        "-c",
        `import json, urllib.request as u\nr = u.urlopen(u.Request("http://127.0.0.1:8888/api/contents", headers={"Authorization": "${auth}"}))\nprint(json.dumps(sorted(c["name"] for c in json.load(r)["content"])))`,
      );
    let listing = { status: 1, stdout: "", stderr: "" };
    await eventually("Jupyter answering", async () => (listing = await ask(`token ${token}`)).status === 0, 60);
    expect(JSON.parse(listing.stdout)).toEqual(["welcome.ipynb"]);
    expect((await ask("token wrong")).stderr).toContain("403");
    const top = await docker("top", d.container("erin", "nb"), "-eo", "pid,uid,args");
    const server = top.split("\n").find((l) => l.includes("-m notebook"))!;
    expect(server.trim().split(/\s+/)[1]).toBe("2105");
    expect(lstatSync(`${d.home}/erin/nb/welcome.ipynb`).uid).toBe(2105);
    expect(changes((await d.plan()).json)).toEqual([]);
  }, 300_000);

  it("the front door through homedock deploy: alice's route behind her session runs her kernel; adding a user keeps every workspace and the kernel", async () => {
    const images = { proxy: FRONT_DOOR_IMAGES.proxy, login: FRONT_DOOR_IMAGES.login, limiter: FRONT_DOOR_IMAGES.limiter, notebook: FRONT_DOOR_IMAGES.notebook };
    for (const image of Object.values(images)) {
      if (spawnSync("docker", ["image", "inspect", image], { stdio: "ignore" }).status !== 0)
        throw new Error(`${image} is missing: run scripts/test-host.sh (as root)`);
    }
    const port = await freePort();
    const httpPort = await freePort();
    const users = [
      { name: "alice", uid: 2121, gid: 2121, password: "alice-front-door" },
      { name: "bob", uid: 2122, gid: 2122, password: "bob-front-door" },
      { name: "carol", uid: 2123, gid: 2123, password: "carol-front-door" },
    ];
    const [alice, bob, carol] = users;
    const d = new Deployment("frontdoor", (dd) => ({
      host: { homeRoot: dd.home, sharedMounts: [] },
      frontDoor: {
        site: "localhost",
        listen: ["127.0.0.1"],
        httpsPort: port,
        httpPort,
        tls: "internal",
        image: images.proxy,
        runtimeRoot: path.join(dd.root, "run"),
        login: testLogin(),
      },
      environments: [{ name: "py", image: images.notebook, command: ["python3", "-m", "notebook"], jupyter: "notebook", memory: "1g" }],
      users: [alice, bob].map(({ name, uid, gid }) => ({ name, uid, gid })),
    }));
    mkdirSync(path.join(d.root, "run"));
    cleanups.push(async () => void (await dockerStatus("volume", "rm", `${d.name}-frontdoor-data`, `${d.name}-frontdoor-config`)));
    d.passwd("alice", alice.password);
    d.passwd("bob", bob.password);
    const first = await d.homedockDeploy();
    expect(first.code, first.out.slice(-3000)).toBe(0);
    const door: Door = { site: "localhost", port, ca: await proxyRootCa(`${d.name}-frontdoor`) };
    const sessions = new Sessions(() => door);
    const signedIn = (u: { name: string; password: string }) =>
      eventually(
        `${u.name} signed in`,
        async () =>
          sessions.signIn(u).then(
            () => true,
            () => false,
          ),
        90,
      );
    const as = (u: { name: string }) => sessions.auth(u);
    await signedIn(alice);
    await signedIn(bob);
    await eventually(
      "alice's server through the front door",
      async () => (await call(door, "GET", "/user/alice/py/api/status", as(alice)).catch(() => undefined))?.status === 200,
      90,
    );
    // bob's session: not his workspace (404). No session: the sign-in page (403).
    expect((await call(door, "GET", "/user/alice/py/api/status", as(bob))).status).toBe(404);
    const none = await call(door, "GET", "/user/alice/py/api/status");
    expect([none.status, none.body.includes('<form method="POST" action="/oauth2/sign_in">')]).toEqual([403, true]);
    // Every container the provider did not start (the root ones: their starts did) is as planned.
    expect(changes((await d.plan()).json)).toEqual([]);
    const synthesized = readFileSync(path.join(d.stackDir, "cdk.tf.json"), "utf8");
    expect(synthesized).not.toContain(JSON.parse(readFileSync(path.join(d.dir, "homedock-secrets/passwords.json"), "utf8")).alice.hash);
    expect(synthesized).not.toContain(JSON.parse(readFileSync(path.join(d.dir, "homedock-secrets/login.json"), "utf8")).cookieSecret);

    // A kernel of alice's, reached over its WebSocket through the door, with state in it.
    const xsrf = /_xsrf=([^;]+)/.exec(String((await call(door, "GET", "/user/alice/py/tree", as(alice))).headers["set-cookie"]))![1];
    // The _xsrf cookie goes in the same Cookie header as the session's.
    const own = { ...sessions.auth(alice, `_xsrf=${xsrf}`), Origin: origin(door), "Content-Type": "application/json", "X-XSRFToken": xsrf };
    const created = await call(door, "POST", "/user/alice/py/api/kernels", own, '{"name":"python3"}');
    expect(created.status).toBe(201);
    const channels = `wss://${door.site}:${door.port}/user/alice/py/api/kernels/${JSON.parse(created.body).id}/channels`;
    const connect = async () => {
      const ws = await openSocket(channels, { ca: door.ca, headers: as(alice), origin: origin(door) });
      if (typeof ws === "number") throw new Error(`alice's kernel WebSocket refused: ${ws}`);
      return ws;
    };
    let ws = await connect();
    const before = await runCode(ws, 'import os\nopen("through-terraform.txt", "w").write("hi\\n")\nn = 41\nprint(os.getuid())');
    expect(before.stdout).toBe("2121\n");
    expect(statSync(`${d.home}/alice/py/through-terraform.txt`).uid).toBe(2121);
    ws.close();

    // carol added: while the deploy runs, alice's route is asked every 100 ms.
    const ids = async () =>
      new Map(
        (await docker("ps", "-a", "--filter", `label=homedock.host=${d.name}`, "--format", "{{.Names}} {{.ID}}"))
          .trim()
          .split("\n")
          .map((l) => l.split(" ") as [string, string]),
      );
    const idsBefore = await ids();
    const started = () => docker("inspect", "-f", "{{.State.StartedAt}}", d.container("alice", "py"));
    const startedBefore = await started();
    d.config = { ...d.config, users: users.map(({ name, uid, gid }) => ({ name, uid, gid })) };
    d.passwd("carol", carol.password);
    let polling = true;
    const failures: number[] = [];
    const statuses = new Set<string>();
    const poller = (async () => {
      while (polling) {
        const status = await call(door, "GET", "/user/alice/py/api/status", as(alice)).then(
          (r) => String(r.status),
          (err: NodeJS.ErrnoException) => err.code ?? "error",
        );
        if (status !== "200") {
          failures.push(Date.now());
          statuses.add(status);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const second = await d.homedockDeploy();
    await signedIn(carol);
    await eventually("carol's route", async () => (await call(door, "GET", "/user/carol/py/api/status", as(carol)).catch(() => undefined))?.status === 200, 90);
    polling = false;
    await poller;
    expect(second.code, second.out.slice(-3000)).toBe(0);
    const idsAfter = await ids();
    for (const u of ["alice", "bob"]) expect(idsAfter.get(d.container(u, "py")), u).toBe(idsBefore.get(d.container(u, "py")));
    const proxyReplaced = idsAfter.get(`${d.name}-frontdoor`) !== idsBefore.get(`${d.name}-frontdoor`);
    const unreachable = failures.length === 0 ? 0 : failures[failures.length - 1] - failures[0] + 100;
    console.log(
      `front door through Terraform, a user added: proxy ${proxyReplaced ? "replaced" : "kept"}; alice's route failed ${failures.length} times (${[...statuses].join(", ")}) over ${unreachable} ms`,
    );
    expect(await started(), "alice's workspace restarted").toBe(startedBefore);
    ws = await connect();
    try {
      const after = await runCode(ws, "n += 1\nprint(n)");
      expect(after.stdout).toBe("42\n");
      expect(after.executionCount).toBe(before.executionCount + 1);
    } finally {
      ws.close();
    }

    // From bob's side: whatever he puts in place of his socket, the proxy never reaches alice's.
    const swap = await swapSocket({
      door,
      proxy: `${d.name}-frontdoor`,
      attacker: { container: d.container("bob", "py"), uid: bob.uid, route: "/user/bob/py/", auth: as(bob) },
      victim: { dir: "alice/py", container: d.container("alice", "py") },
    });
    expect(swap.statuses).toEqual(swap.statuses.map(([what]) => [what, 502]));
    expect(swap.reachedVictim).toBe(0);

    // carol's account removed and made again for someone else (same name, another uid):
    // the deploy renders no route of hers and says why; her old password no longer signs
    // in, and the session she had (valid until it expires) opens nothing.
    await docker("rm", "-f", d.container("carol", "py"));
    d.config = { ...d.config, users: users.map(({ name, uid, gid }) => (name === "carol" ? { name, uid: uid + 100, gid: gid + 100 } : { name, uid, gid })) };
    const third = await d.homedockDeploy();
    expect(third.code, third.out.slice(-3000)).toBe(0);
    expect(third.out).toContain(`carol's password hash was set for uid ${carol.uid}, and carol is now uid ${carol.uid + 100}: not used`);
    await eventually(
      "the proxy reloaded without carol's old hash",
      async () => (await call(door, "GET", "/user/carol/py/api/status", as(carol))).status === 404,
      90,
    );
    const signIn = (u: { name: string; password: string }) =>
      call(door, "POST", "/oauth2/sign_in", { "Content-Type": "application/x-www-form-urlencoded", Origin: origin(door) }, signInForm(u.name, u.password));
    await eventually("the sign-in reloaded without carol's old hash", async () => (await signIn(carol)).status === 401, 90);
    expect((await signIn(carol)).headers["set-cookie"] ?? []).not.toContainEqual(expect.stringMatching(/^__Host-homedock[_0-9]*=[^;]/));
    expect((await call(door, "GET", "/user/alice/py/api/status", as(carol))).status).toBe(404);

    // Every container of the host has memory, CPU and process limits: the ones that run
    // as the user RLIMIT_NPROC, the root ones the cgroup's (the kernel holds no root
    // process to RLIMIT_NPROC), given by their starts before they started.
    const all = JSON.parse(await docker("inspect", ...(await ids()).values())) as Json[];
    expect(all.length).toBeGreaterThanOrEqual(8);
    for (const c of all) {
      const { Memory, NanoCpus, Ulimits, PidsLimit } = c.HostConfig;
      const nproc = (Ulimits ?? []).some((u: Json) => u.Name === "nproc" && u.Hard > 0);
      expect([c.Name, Memory > 0, NanoCpus > 0, nproc || (c.Config.User === "0:0" && PidsLimit > 0)]).toEqual([c.Name, true, true, true]);
    }
    expect(await rootPidsLimits(d)).toEqual({
      frontdoor: 512,
      "frontdoor.setup": 64,
      login: 128,
      signin: 128,
      "signin-limit": 64,
      "homes-py": 64,
    });

    // A new process limit for the proxy: the review says so, and the same proxy gets it, running.
    const proxyBefore = (await docker("inspect", "-f", "{{.Id}} {{.State.StartedAt}}", `${d.name}-frontdoor`)).trim();
    d.config = { ...d.config, frontDoor: { ...d.config.frontDoor!, pidsLimit: 600 } };
    const review = await d.homedock("plan");
    expect(review.code, review.out.slice(-3000)).toBe(0);
    expect(review.stdout).toContain("### Front door\n\n- front door updated in place (pidsLimit 512 → 600)\n\n");
    expect(review.stdout).toContain("**0 workspaces replaced, 0 removed, 0 added, 0 updated in place, 3 unchanged.**");
    const raised = await d.homedockDeploy();
    expect(raised.code, raised.out.slice(-3000)).toBe(0);
    expect((await rootPidsLimits(d)).frontdoor).toBe(600);
    expect((await docker("inspect", "-f", "{{.Id}} {{.State.StartedAt}}", `${d.name}-frontdoor`)).trim()).toBe(proxyBefore);
  }, 900_000);

  it("a root one-shot is held to its process limit from its first process; one that fails fails the deploy, its output shown; a new input runs it again", async () => {
    // Its /bin/sh forks (at most 200 times) until the kernel says no, counts the
    // processes it then has (no fork: globbing /proc), and fails.
    const forker = busyboxImage("fork-init", SEED, {
      shell: [
        "#!/bin/busybox sh",
        "( i=0; while [ $i -lt 200 ]; do /bin/busybox sleep 60 & i=$((i + 1)); done ) 2>/dev/null",
        "n=0",
        "for p in /proc/[0-9]*; do n=$((n + 1)); done",
        'echo "fork-init: $n processes" >&2',
        "kill -9 -1 2>/dev/null",
        'echo "fork-init: failing on purpose" >&2',
        "exit 3",
        "",
      ].join("\n"),
    });
    const d = new Deployment("root-limits", (dd) => {
      const c = courseConfig(dd);
      return { ...c, host: { ...c.host, initImage: forker }, environments: [c.environments[0]], users: [c.users![1]] };
    });
    const failed = await d.homedockDeploy();
    expect(failed.code).not.toBe(0);
    expect(failed.out).toContain("fork-init: failing on purpose");
    expect(failed.out).toMatch(/exit\s+status 3/);
    const n = Number(/fork-init: (\d+) processes/.exec(failed.out)?.[1]);
    console.log(`a root one-shot forking from its first process, limit 64: ${n} processes`);
    // PID 1 (Docker's init) and the shell count too: never more than the limit.
    expect(n).toBeGreaterThan(32);
    expect(n).toBeLessThanOrEqual(64);
    // With initImage, one home one-shot for every user.
    const failedHome = `${d.name}-homes`;
    expect((await docker("inspect", "-f", "{{.HostConfig.PidsLimit}} {{.State.ExitCode}}", failedHome)).trim()).toBe("64 3");
    // Its workspace waits for it: not created.
    expect(await d.containers()).toEqual([failedHome]);

    // The environment's image instead, and a new home mode: the home one-shot of py's image, run.
    d.config = { ...d.config, host: { ...d.config.host, initImage: undefined, homeMode: "0750" } };
    const ok = await d.homedockDeploy();
    expect(ok.code, ok.out.slice(-3000)).toBe(0);
    const home = `${d.name}-homes-py`;
    expect((await docker("inspect", "-f", "{{.HostConfig.PidsLimit}} {{.State.ExitCode}}", home)).trim()).toBe("64 0");
    const bobHome = lstatSync(`${d.home}/bob`);
    expect([bobHome.uid, bobHome.mode & 0o7777]).toEqual([2102, 0o750]);
    expect(await serverAnswers(d, "bob", "py", "welcome.txt")).toBe(SEED["welcome.txt"]);
    const plan = await d.plan();
    expect([plan.exitCode, changes(plan.json)]).toEqual([0, []]);
  }, 400_000);

  it("odd homes, from the attacker's side: a file, a link to another user's home, a link to /etc; nothing is chowned, the deploy fails naming them, and none of their workspaces starts", async () => {
    const d = new Deployment("odd-homes", (dep) => {
      const c = courseConfig(dep);
      return {
        ...c,
        environments: [c.environments[0]],
        users: [...c.users!, { name: "dave", uid: 2104, gid: 2104 }, { name: "erin", uid: 2105, gid: 2105 }],
      };
    });
    const alice = existingHome(d, "alice", 2101);
    const look = (p: string) => {
      const st = lstatSync(p);
      return `${st.isSymbolicLink() ? "link" : st.isDirectory() ? "dir" : "file"} ${st.uid}:${st.gid} ${(st.mode & 0o7777).toString(8)} ${st.mtimeMs}`;
    };
    const etc = look("/etc");
    const unchanged = () => {
      expect(look("/etc")).toBe(etc);
      const st = statSync(`${d.home}/alice`);
      expect({ mode: st.mode & 0o7777, uid: st.uid, mtimeMs: st.mtimeMs }).toEqual(alice);
    };

    // A file by a home's name: Docker binds it, the script says so and fails, the file
    // stays as it is, and nothing starts.
    writeFileSync(`${d.home}/bob`, "not a home\n");
    const file = look(`${d.home}/bob`);
    const refused = await d.homedockDeploy();
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain("homedock-home: bob: the home is not a directory: left as it is");
    expect(look(`${d.home}/bob`)).toBe(file);
    unchanged();
    expect(await d.containers()).toEqual([`${d.name}-homes-py`]);
    rmSync(`${d.home}/bob`);

    // Links: Docker binds what they lead to; the one-shot makes every other home, touches
    // nothing they lead to, and fails naming them. (carol's, dave's and erin's homes, made
    // by the run above, go first.) The same one-shot container runs again: bob's file
    // gone, its bind is a directory now, which a mount point left by the last run as a
    // file would have refused (they are on a tmpfs, made anew at every start).
    for (const user of ["carol", "dave", "erin"]) rmSync(`${d.home}/${user}`, { recursive: true, force: true });
    symlinkSync(`${d.home}/alice`, `${d.home}/carol`);
    symlinkSync("/etc", `${d.home}/dave`);
    const links = ["carol", "dave"].map((u) => look(`${d.home}/${u}`));
    const failed = await d.homedockDeploy();
    expect(failed.code).not.toBe(0);
    expect(failed.out).toContain(`carol: the home is bound from ${d.home}/alice (a link?), not from ${d.home}/carol: left as it is`);
    expect(failed.out).toContain(`dave: the home is bound from /etc (a link?), not from ${d.home}/dave: left as it is`);
    expect(failed.out).toContain("failed for: carol dave");
    expect(["carol", "dave"].map((u) => look(`${d.home}/${u}`))).toEqual(links);
    unchanged();
    // bob's and erin's, missing, were made all the same.
    for (const [user, uid] of [
      ["bob", 2102],
      ["erin", 2105],
    ] as const) {
      const home = lstatSync(`${d.home}/${user}`);
      expect([user, home.uid, home.gid, home.mode & 0o7777]).toEqual([user, uid, uid, 0o700]);
    }
    // No workspace started, on an odd home or any other: they wait for the one-shot.
    expect(await d.containers()).toEqual([`${d.name}-homes-py`]);

    // The admin puts things right: the next deploy runs the one-shot again, and every workspace.
    rmSync(`${d.home}/carol`);
    rmSync(`${d.home}/dave`);
    const ok = await d.homedockDeploy();
    expect(ok.code, ok.out.slice(-3000)).toBe(0);
    for (const [user, uid] of [
      ["carol", 2103],
      ["dave", 2104],
    ] as const) {
      const home = lstatSync(`${d.home}/${user}`);
      expect([user, home.isDirectory(), home.uid, home.mode & 0o7777]).toEqual([user, true, uid, 0o700]);
    }
    expect(await serverAnswers(d, "dave", "py", "welcome.txt")).toBe(SEED["welcome.txt"]);
    expect(await serverAnswers(d, "alice", "py", "welcome.txt")).toBe("alice's own welcome\n");
    const plan = await d.plan();
    expect([plan.exitCode, changes(plan.json)]).toEqual([0, []]);
  }, 400_000);

  it("homedock deploy with createHomes: false: refuses a missing home, naming it, before anything runs; then runs, no home containers, no change after", async () => {
    const d = new Deployment("external-homes", (dep) => {
      const c = courseConfig(dep);
      return { ...c, host: { ...c.host, createHomes: false } };
    });
    for (const [user, uid] of [
      ["alice", 2101],
      ["bob", 2102],
    ] as const) {
      mkdirSync(path.join(d.home, user), { mode: 0o700 });
      chownSync(path.join(d.home, user), uid, uid);
    }
    const missing = await d.homedockDeploy();
    expect(missing.code).toBe(1);
    expect(missing.out).toContain(
      `users[2].home: got "${path.join(d.home, "carol")}"; expected an existing home on the Docker host (this machine): createHomes is false`,
    );
    expect(existsSync(path.join(d.home, "carol"))).toBe(false);
    expect(await d.containers()).toEqual([]);

    existingHome(d, "carol", 2103);
    const ok = await d.homedockDeploy();
    expect(ok.code, ok.out.slice(-3000)).toBe(0);
    expect(await d.containers()).toEqual(["alice.py", "alice.stats", "bob.py", "carol.py", "carol.stats"].map((w) => `${d.name}-${w}`));
    for (const [user, uid] of [
      ["alice", 2101],
      ["bob", 2102],
      ["carol", 2103],
    ] as const) {
      expect((await docker("exec", d.container(user, "py"), "id", "-u")).trim()).toBe(String(uid));
    }
    expect(await serverAnswers(d, "bob", "py", "welcome.txt")).toBe(SEED["welcome.txt"]);
    expect(readFileSync(path.join(d.home, "carol/py/welcome.txt"), "utf8")).toBe("carol's own welcome\n");
    const plan = await d.plan();
    expect([plan.exitCode, changes(plan.json)]).toEqual([0, []]);
  }, 400_000);

  it("OpenTofu deploys from the same provider mirror, and Terraform plans no change on the state it wrote", async () => {
    const d = new Deployment("tofu", courseConfig);
    d.terraform = "tofu";
    const deploy = await d.homedockDeploy();
    expect(deploy.code, deploy.out.slice(-3000)).toBe(0);
    expect(deploy.out).toContain("OpenTofu has been successfully initialized");
    expect(await d.containers()).toEqual(["alice.py", "alice.stats", "bob.py", "carol.py", "carol.stats", "homes-py"].map((w) => `${d.name}-${w}`));
    expect((await docker("exec", d.container("bob", "py"), "id", "-u")).trim()).toBe("2102");
    // One provider address for both: the lock file and the state carry over.
    expect(readFileSync(path.join(d.stackDir, ".terraform.lock.hcl"), "utf8")).toContain('provider "registry.terraform.io/kreuzwerker/docker"');
    d.terraform = "terraform";
    const plan = await d.plan();
    expect([plan.exitCode, changes(plan.json)]).toEqual([0, []]);
  }, 400_000);

  it("the admin's loop: homedock plan, deploy --saved-plan, edit, plan again, destroy; homes stay", async () => {
    const d = new Deployment("loop", (dep) => {
      const c = courseConfig(dep);
      return { ...c, environments: [c.environments[0]], users: [c.users![1]] };
    });
    const saved = path.join(d.stackDir, "homedock.tfplan");
    const first = await d.homedock("plan");
    expect(first.code, first.out.slice(-3000)).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`^## homedock plan for host \`${d.name}\`\n\n\\*\\*0 workspaces replaced, 0 removed, 1 added, `));
    expect(first.stdout).toContain("- **bob**: gains py");
    expect(statSync(saved).mode & 0o777).toBe(0o600);
    expect(await d.containers()).toEqual([]);

    const applied = await d.homedock("deploy", "--saved-plan");
    expect(applied.code, applied.out.slice(-3000)).toBe(0);
    expect(await d.containers()).toEqual([d.container("bob", "py"), `${d.name}-homes-py`]);
    expect(existsSync(saved)).toBe(false);
    expect(await serverAnswers(d, "bob", "py", "welcome.txt")).toBe(SEED["welcome.txt"]);

    // A file of the admin's own in the stack directory survives every synth, and Terraform reads it.
    const extra = path.join(d.stackDir, "admin.tf.json");
    writeFileSync(extra, JSON.stringify({ output: { marker: { value: "kept" } } }));
    d.config = { ...d.config, users: [...d.config.users!, { name: "dave", uid: 2104, gid: 2104 }] };
    const edited = await d.homedock("plan", "--format", "json");
    expect(edited.code, edited.out.slice(-3000)).toBe(0);
    const summary = JSON.parse(edited.stdout);
    expect(summary.totals).toEqual({ replaced: 0, removed: 0, added: 1, updated: 0, unchanged: 1 });
    expect(summary.users.map((u: Json) => [u.user, u.changes.map((w: Json) => `${w.change} ${w.environment}`)])).toEqual([["dave", ["added py"]]]);
    expect(existsSync(extra)).toBe(true);
    expect((await d.homedock("deploy", "--saved-plan")).code).toBe(0);
    expect(await d.containers()).toContain(d.container("dave", "py"));
    expect((await d.runTerraform("output", "-raw", "marker")).stdout).toBe("kept");

    const homes = snapshot(d.home);
    const destroyed = await d.homedock("destroy", "--auto-approve");
    expect(destroyed.code, destroyed.out.slice(-3000)).toBe(0);
    expect(await d.containers()).toEqual([]);
    expect((await dockerStatus("network", "inspect", d.name)).status).not.toBe(0);
    expect(snapshot(d.home)).toEqual(homes);
    expect(readFileSync(path.join(d.home, "bob/py/welcome.txt"), "utf8")).toBe(SEED["welcome.txt"]);
  }, 400_000);

  it("homedock plan and deploy skip the refresh only while the engine is as the last refresh left it: every change behind Terraform's back is still seen", async () => {
    const d = new Deployment("skips", courseConfig);
    // The py environment's image under a tag of this test's own, which it can move.
    const tag = `homedock-test/${d.name}:py`;
    await docker("tag", v1, tag);
    cleanups.push(async () => void (await dockerStatus("rmi", tag)));
    d.config = { ...d.config, environments: d.config.environments.map((e) => (e.name === "py" ? { ...e, image: tag } : e)) };
    const SKIPPED = /homedock: the Docker engine holds the state's \d+ objects exactly as the last refresh read them/;
    const NOTHING = /and the stack is the one in which the last plan or deploy found nothing to change: nothing to change, Terraform not run/;
    /** `homedock plan`: whether it skipped the refresh, and what its saved plan does (nothing, where it ran no Terraform). */
    const homedockPlan = async () => {
      const r = await d.homedock("plan");
      expect(r.code, r.out.slice(-3000)).toBe(0);
      if (NOTHING.test(r.out)) return { skipped: true, changes: [] };
      const show = await d.runTerraform("show", "-json", "homedock.tfplan");
      return { skipped: SKIPPED.test(r.out), changes: changes(JSON.parse(show.stdout)) };
    };
    /** A deploy that converges, then one that refreshes and records: the next deploy and plan run no Terraform. */
    const settle = async () => {
      for (let i = 0; i < 2; i++) {
        const r = await d.homedockDeploy();
        expect(r.code, r.out.slice(-3000)).toBe(0);
      }
      const r = await d.homedockDeploy();
      expect([r.code, NOTHING.test(r.out)], r.out.slice(-3000)).toEqual([0, true]);
      expect(await homedockPlan()).toEqual({ skipped: true, changes: [] });
    };
    await settle();
    // init too is skipped once it has run for these providers.
    expect((await d.homedock("plan")).out).not.toContain("Initializing the backend");

    const tampers: [string, () => Promise<unknown>][] = [
      ["a workspace stopped by hand", () => docker("stop", "-t", "1", d.container("bob", "py"))],
      ["a workspace removed by hand", () => docker("rm", "-f", d.container("alice", "stats"))],
      ["a workspace's memory changed by hand", () => docker("update", "--memory", "96m", "--memory-swap", "96m", d.container("carol", "py"))],
      ["the environment's tag moved to another image", () => docker("tag", v2, tag)],
      [
        // Docker refuses to remove a network in use: every workspace is cut from it first.
        "the host's network removed by hand",
        async () => {
          const attached = (await docker("network", "inspect", "-f", "{{range .Containers}}{{.Name}} {{end}}", d.name)).split(/\s+/).filter(Boolean);
          expect(attached.length).toBeGreaterThan(0);
          for (const name of attached) await docker("network", "disconnect", "-f", d.name, name);
          await docker("network", "rm", d.name);
        },
      ],
      [
        "a state written by another tool (a workspace tainted)",
        async () => {
          const address = (await d.runTerraform("state", "list")).stdout.split("\n").find((a) => /^docker_container\..*user-bob_py_container/.test(a));
          expect((await d.runTerraform("taint", address!)).code).toBe(0);
        },
      ],
    ];
    for (const [what, tamper] of tampers) {
      await tamper();
      const seen = await homedockPlan();
      const full = await d.plan();
      // The same changes a plan with a full refresh finds, and no skip.
      expect({ what, ...seen }).toEqual({ what, skipped: false, changes: changes(full.json) });
      expect(seen.changes.length, what).toBeGreaterThan(0);
      await settle();
    }
    // The network removed by hand is the stack's again: its options, every workspace on it.
    const [network] = JSON.parse(await docker("network", "inspect", d.name)) as {
      Options: Record<string, string>;
      Containers: Record<string, { Name: string }>;
    }[];
    expect(network.Options).toEqual(expect.objectContaining(NETWORK_OPTIONS));
    expect(
      Object.values(network.Containers)
        .map((c) => c.Name)
        .sort(),
    ).toEqual((await d.containers()).filter((name) => name.includes(".")));
  }, 900_000);

  it("on a settled host homedock plans only what a changed config changes and what reads from it: its review is a full plan's, and its deploy converges", async () => {
    const d = new Deployment("targets", courseConfig);
    const TARGETED = /resources differ from the stack in which the last plan or deploy found nothing to change/;
    /** Deployed, then deployed again to refresh and record: settled. */
    const settle = async () => {
      for (let i = 0; i < 2; i++) {
        const r = await d.homedockDeploy();
        expect(r.code, r.out.slice(-3000)).toBe(0);
      }
    };
    /** The review of a plan with a full refresh of the current config (Terraform alone, then homedock review). */
    const fullReview = async () => {
      const full = await d.plan();
      const file = path.join(d.dir, "full.json");
      writeFileSync(file, JSON.stringify(full.json));
      const r = await d.homedock("review", "--format", "json", file);
      expect(r.code, r.out.slice(-3000)).toBe(0);
      return JSON.parse(r.stdout) as Json;
    };
    const edits: [string, () => void][] = [
      ["a user added", () => (d.config = { ...d.config, users: [...d.config.users!, { name: "dave", uid: 2104, gid: 2104 }] })],
      [
        "an environment's memory changed",
        () => (d.config = { ...d.config, environments: d.config.environments.map((e) => (e.name === "stats" ? { ...e, memory: "96m" } : e)) }),
      ],
      [
        "an environment's image changed",
        () => (d.config = { ...d.config, environments: d.config.environments.map((e) => (e.name === "py" ? { ...e, image: v2 } : e)) }),
      ],
      ["a user removed", () => (d.config = { ...d.config, users: d.config.users!.filter((u) => u.name !== "bob") })],
    ];
    await settle();
    for (const [what, edit] of edits) {
      edit();
      const mine = await d.homedock("plan", "--format", "json");
      expect(mine.code, mine.out.slice(-3000)).toBe(0);
      expect(TARGETED.test(mine.out), `${what}: ${mine.out.slice(-3000)}`).toBe(true);
      const review = JSON.parse(mine.stdout) as Json;
      // The full plan's review, word for word; and not an empty one.
      expect({ what, review }).toEqual({ what, review: await fullReview() });
      expect(JSON.stringify(review.totals), what).not.toBe(JSON.stringify({ ...review.totals, replaced: 0, removed: 0, added: 0, updated: 0 }));
      // The targeted deploy converges: a plan with a full refresh finds nothing left.
      const deployed = await d.homedockDeploy();
      expect([deployed.code, TARGETED.test(deployed.out)], deployed.out.slice(-3000)).toEqual([0, true]);
      expect((await d.plan()).exitCode, what).toBe(0);
      await settle();
    }
  }, 900_000);

  it("idle workspaces through homedock deploy: one stops, stays stopped through a deploy with an empty plan after it and one that adds a user, and its owner's page loads wake it", async () => {
    const images = { proxy: FRONT_DOOR_IMAGES.proxy, login: FRONT_DOOR_IMAGES.login, limiter: FRONT_DOOR_IMAGES.limiter, notebook: FRONT_DOOR_IMAGES.notebook };
    for (const image of Object.values(images)) {
      if (spawnSync("docker", ["image", "inspect", image], { stdio: "ignore" }).status !== 0)
        throw new Error(`${image} is missing: run scripts/test-host.sh (as root)`);
    }
    const [port, httpPort] = [await freePort(), await freePort()];
    const alice = { name: "alice", uid: 2131, gid: 2131, password: "alice-idle-door" };
    const d = new Deployment("idle", (dd) => ({
      host: { homeRoot: dd.home, sharedMounts: [], defaults: { idleTimeout: 20 } },
      frontDoor: {
        site: "localhost",
        listen: ["127.0.0.1"],
        httpsPort: port,
        httpPort,
        tls: "internal",
        image: images.proxy,
        runtimeRoot: path.join(dd.root, "run"),
        login: testLogin(),
      },
      environments: [{ name: "py", image: images.notebook, command: ["python3", "-m", "notebook"], jupyter: "notebook", memory: "1g" }],
      users: [{ name: alice.name, uid: alice.uid, gid: alice.gid }],
    }));
    mkdirSync(path.join(d.root, "run"));
    cleanups.push(async () => void (await dockerStatus("volume", "rm", `${d.name}-frontdoor-data`, `${d.name}-frontdoor-config`, `${d.name}-docker-filter`)));
    d.passwd("alice", alice.password);
    const first = await d.homedockDeploy();
    expect(first.code, first.out.slice(-3000)).toBe(0);
    const door: Door = { site: "localhost", port, ca: await proxyRootCa(`${d.name}-frontdoor`) };
    const sessions = new Sessions(() => door);
    await eventually(
      "alice signed in",
      async () =>
        sessions.signIn(alice).then(
          () => true,
          () => false,
        ),
      90,
    );
    const as = sessions.auth(alice);
    const answers = async () => (await call(door, "GET", "/user/alice/py/api/status", as).catch(() => undefined))?.status === 200;
    const running = async () => (await docker("inspect", "--format", "{{.State.Running}}", d.container("alice", "py"))).trim() === "true";
    await eventually("alice's server through the front door", answers, 90);
    // The Docker filter runs as root too: the cgroup's process limit, like the rest of the front door.
    expect(await rootPidsLimits(d)).toEqual({
      frontdoor: 512,
      "frontdoor.setup": 64,
      "docker-filter": 64,
      login: 128,
      signin: 128,
      "signin-limit": 64,
      "homes-py": 64,
    });
    await eventually("alice's server to stop when idle", async () => !(await running()), 150);

    const again = await d.homedockDeploy();
    expect(again.code, again.out.slice(-3000)).toBe(0);
    expect(await running()).toBe(false);
    expect((await d.plan()).exitCode).toBe(0);
    expect((await call(door, "GET", "/user/alice/py/api/status", as)).status).toBe(503);

    // bob added: the one-shot of py's image runs again, for alice's home and sockets too,
    // and writes her a new deploy nonce; her stopped workspace is not started by it.
    const logLines = async () =>
      (await dockerStatus("logs", d.container("alice", "py"))).stderr.split("\n").filter((l) => l.includes("stopped for idleness")).length;
    const bounced = await logLines();
    d.config = { ...d.config, users: [...d.config.users!, { name: "bob", uid: 2132, gid: 2132 }] };
    const withBob = await d.homedockDeploy();
    expect(withBob.code, withBob.out.slice(-3000)).toBe(0);
    expect(await running()).toBe(false);
    expect((await d.plan()).exitCode).toBe(0);

    // Her next page load wakes it: the first start after the new nonce takes it for a
    // deploy's and ends at once; the waiting page, reloading, starts it again.
    const navigate = { ...as, "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document" };
    const woken = await call(door, "GET", "/user/alice/py/tree", navigate);
    expect([woken.status, woken.body]).toEqual([200, expect.stringContaining("Starting py…")]);
    let loads = 1;
    await eventually(
      "alice's server to answer after the wake, the page reloading as a browser does",
      async () => {
        if (await answers()) return true;
        if (!(await running())) {
          loads++;
          await call(door, "GET", "/user/alice/py/tree", navigate);
        }
        return false;
      },
      60,
    );
    console.log(`idle workspace woken after its home one-shot ran again: ${loads} page loads`);
    expect(await logLines()).toBe(bounced + 1);
    // Running again: still no change to plan.
    expect((await d.plan()).exitCode).toBe(0);
  }, 600_000);

  it("11: a deploy interrupted during its apply (Ctrl-C; Terraform killed outright): the next homedock deploy converges, a full plan is empty, every home kept", async () => {
    const d = new Deployment("interrupt", courseConfig);
    expect((await d.homedockDeploy()).code).toBe(0);
    await serverAnswers(d, "bob", "py", "welcome.txt");
    await docker("exec", d.container("bob", "py"), "sh", "-c", "echo 'my results' > results.txt");
    const before = d.userData();
    const cases: ["SIGINT" | "SIGKILL", string, string][] = [
      ["SIGINT", "dave", v2],
      ["SIGKILL", "erin", v1],
    ];
    const uids: Record<string, number> = { dave: 2104, erin: 2105 };
    for (const [signal, user, image] of cases) {
      // A new user, and a new image for py: every py workspace replaced, more to do than one step.
      d.config = {
        ...d.config,
        users: [...d.config.users!, { name: user, uid: uids[user], gid: uids[user] }],
        environments: d.config.environments.map((e) => (e.name === "py" ? { ...e, image } : e)),
      };
      const cut = await d.interruptedDeploy(signal);
      expect(cut.code === 0 || cut.out.includes("Apply complete!"), `${signal}: not interrupted\n${cut.out.slice(-3000)}`).toBe(false);
      // Ctrl-C: homedock waited for Terraform, which stopped by itself and recorded what it
      // could not finish (tainted); killed, Terraform recorded nothing more, and homedock
      // keeps its mark of the apply for the next one to find.
      expect({ signal, status: cut.code, marked: existsSync(path.join(d.stackDir, "homedock-applying.json")) }).toEqual(
        signal === "SIGINT" ? { signal, status: 1, marked: false } : { signal, status: 137, marked: true },
      );
      // Left unfinished: a full plan still has work to do.
      expect((await d.plan()).exitCode, signal).toBe(2);
      const again = await d.homedockDeploy();
      expect(again.code, `${signal}: ${again.out.slice(-4000)}`).toBe(0);
      expect(changes((await d.plan()).json), signal).toEqual([]);
      for (const u of ["alice", "bob", "carol", user]) expect(await serverAnswers(d, u, "py", "welcome.txt"), `${signal}: ${u}`).toBe(SEED["welcome.txt"]);
    }
    const after = d.userData();
    for (const [rel, node] of before) expect(after.get(rel), rel).toEqual(node);
    // bob's work among what was kept.
    expect([...before.keys()].filter((k) => k.startsWith("bob/") && k.endsWith("results.txt"))).toHaveLength(1);
  }, 600_000);

  it.skipIf(!restartsEngine)(
    "10: after dockerd restarts the workspaces come back and a plan shows no change",
    async () => {
      const d = new Deployment("restart", courseConfig);
      await d.deploy();
      await restartDockerd();
      for (const [user, env] of [
        ["alice", "py"],
        ["bob", "py"],
        ["carol", "stats"],
      ]) {
        await eventually(
          `${user}/${env} running again`,
          async () => (await dockerStatus("inspect", "-f", "{{.State.Running}}", d.container(user, env))).stdout.trim() === "true",
          60,
        );
      }
      expect(await serverAnswers(d, "bob", "py", "welcome.txt")).toBe(SEED["welcome.txt"]);
      const plan = await d.plan();
      expect(changes(plan.json)).toEqual([]);
    },
    300_000,
  );
});

/** Stops dockerd and starts it again the way scripts/setup-host.sh does. */
async function restartDockerd(): Promise<void> {
  const pid = (await exec("pidof", ["dockerd"])).stdout.trim();
  await exec("kill", ["-TERM", pid]);
  await eventually("dockerd to exit", async () => !existsSync(`/proc/${pid}`), 60);
  await exec("sh", ["-c", "nohup dockerd >>/var/log/homedock-dockerd.log 2>&1 &"]);
  await eventually("dockerd to answer", async () => (await dockerStatus("info")).status === 0, 60);
}
