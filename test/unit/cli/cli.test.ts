// The homedock command's wiring, in process: what it runs Terraform with, where, in
// which order, and what it prints and returns. Terraform is a stand-in that records its
// calls; test/integration runs the real one.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { run, SAVED_PLAN } from "../../../src/cli/cli";
import { REVIEW_EXIT, summarizePlan } from "../../../src/review/review";
import type { Terraform } from "../../../src/cli/terraform";
import { type EngineReader, recordFile } from "../../../src/cli/skips";
import { courseConfig } from "../../helpers/synth";
import { BASELINE, STATUS_OK, standInManager } from "../../helpers/swarm-manager";

const fixtures = path.resolve(__dirname, "../../fixtures/plans");
const work = mkdtempSync(path.join(tmpdir(), "homedock-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let stdout: string[];
let stderr: string[];
beforeEach(() => {
  stdout = [];
  stderr = [];
  vi.spyOn(console, "log").mockImplementation((...args) => void stdout.push(args.join(" ")));
  vi.spyOn(console, "error").mockImplementation((...args) => void stderr.push(args.join(" ")));
});
afterEach(() => vi.restoreAllMocks());

interface Call {
  readonly args: string;
  readonly cwd: string;
  readonly toStderr: boolean;
}

/** A Terraform that records its calls, writes the plan file `plan -out` names, shows `plan` as JSON, and fails `fail` with 7. */
function fakeTerraform(plan = "add-user", fail?: string): Terraform & { calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    run(args, cwd, toStderr = false) {
      calls.push({ args: args.join(" "), cwd, toStderr });
      if (args[0] === fail) return 7;
      const out = args.find((a) => a.startsWith("-out="));
      if (out) writeFileSync(path.join(cwd, out.slice("-out=".length)), "a saved plan\n");
      return 0;
    },
    capture(args, cwd) {
      calls.push({ args: args.join(" "), cwd, toStderr: false });
      return { status: 0, stdout: readFileSync(path.join(fixtures, `${plan}.json`)) };
    },
  };
}

/** A project directory whose config names the host the recorded plan `plan` is of. */
function project(plan: string): { cwd: string; config: string; stack: string } {
  const host = summarizePlan(readFileSync(path.join(fixtures, `${plan}.json`))).host;
  const cwd = mkdtempSync(path.join(work, `${plan}-`));
  const config = path.join(cwd, "homedock.yaml");
  // Host paths that exist: deploy refuses those Docker would not bind.
  for (const d of ["homes", "data", "srv"]) mkdirSync(path.join(cwd, d));
  const course = courseConfig();
  const users = course.users!.map((u) => (u.home === undefined ? u : { ...u, home: path.join(cwd, "srv", u.name) }));
  writeFileSync(
    config,
    JSON.stringify({
      ...course,
      users,
      host: { name: host, homeRoot: path.join(cwd, "homes"), sharedMounts: [{ source: path.join(cwd, "data"), target: "/srv/data" }] },
    }),
  );
  return { cwd, config, stack: path.join(cwd, "cdktf.out", "stacks", host) };
}

/** `homedock <args> -c <config> -o <project>/cdktf.out` with `terraform`. */
const withTerraform = (terraform: Terraform, p: { cwd: string; config: string }, ...args: string[]) =>
  run(["node", "homedock", ...args, "-c", p.config, "-o", path.join(p.cwd, "cdktf.out")], terraform);

describe("homedock plan", () => {
  it("synthesizes, runs init, plan -out and show in the stack directory, and prints only the review on standard output", async () => {
    const p = project("add-user");
    const terraform = fakeTerraform("add-user");
    expect(await withTerraform(terraform, p, "plan")).toBe(0);
    expect(terraform.calls).toEqual([
      { args: "init -input=false", cwd: p.stack, toStderr: true },
      { args: `plan -input=false -out=${SAVED_PLAN}`, cwd: p.stack, toStderr: true },
      { args: `show -json ${SAVED_PLAN}`, cwd: p.stack, toStderr: false },
    ]);
    expect(stdout.join("\n")).toMatch(/^## homedock plan for host `hdt\w+`\n/);
    expect(stdout.join("\n")).toContain("- **dave**: gains py");
    expect(stderr.join("\n")).toContain(`wrote ${path.join(p.stack, "cdk.tf.json")}`);
    // Kept for deploy --saved-plan, private: it holds the tokens.
    expect(statSync(path.join(p.stack, SAVED_PLAN)).mode & 0o777).toBe(0o600);
  });

  it("exits by policy and writes the review as JSON where asked", async () => {
    const p = project("remove-environment");
    const file = path.join(p.cwd, "review.json");
    expect(await withTerraform(fakeTerraform("remove-environment"), p, "plan", "--fail-on-destroy", "--format", "json", "--review", file)).toBe(
      REVIEW_EXIT.destroy,
    );
    expect(stdout).toEqual([]);
    const json = JSON.parse(readFileSync(file, "utf8"));
    expect(json.totals).toEqual({ replaced: 0, removed: 2, added: 0, updated: 0, unchanged: 3 });
    expect(json.blocked).toEqual(["--fail-on-destroy: 2 workspaces would be removed"]);
  });

  it("stops at a failed plan with its status and leaves no saved plan, not even an older one", async () => {
    const p = project("add-user");
    mkdirSync(p.stack, { recursive: true });
    writeFileSync(path.join(p.stack, SAVED_PLAN), "an older plan\n");
    const terraform = fakeTerraform("add-user", "plan");
    expect(await withTerraform(terraform, p, "plan")).toBe(7);
    expect(terraform.calls.map((c) => c.args)).toEqual(["init -input=false", `plan -input=false -out=${SAVED_PLAN}`]);
    expect(existsSync(path.join(p.stack, SAVED_PLAN))).toBe(false);
    expect(stdout).toEqual([]);
  });

  it("runs no Terraform and writes nothing for a bad config", async () => {
    const p = project("add-user");
    writeFileSync(p.config, JSON.stringify({ ...courseConfig(), users: [{ name: "root", uid: 0, gid: 0 }] }));
    const terraform = fakeTerraform();
    expect(await withTerraform(terraform, p, "plan")).toBe(1);
    expect(stderr.join("\n")).toContain("users[0].uid: got 0");
    expect([terraform.calls, existsSync(path.join(p.cwd, "cdktf.out"))]).toEqual([[], false]);
  });
});

describe("homedock deploy", () => {
  it("synthesizes, then runs init and apply in the stack directory, on the terminal", async () => {
    const p = project("add-user");
    const terraform = fakeTerraform();
    expect(await withTerraform(terraform, p, "deploy", "--auto-approve")).toBe(0);
    expect(terraform.calls).toEqual([
      { args: "init -input=false", cwd: p.stack, toStderr: false },
      { args: "apply -input=false -auto-approve", cwd: p.stack, toStderr: false },
    ]);
    expect(existsSync(path.join(p.stack, "terraform.tfvars.json"))).toBe(true);
  });

  it("--saved-plan applies the plan homedock plan saved, without synthesizing again, then drops it", async () => {
    const p = project("add-user");
    expect(await withTerraform(fakeTerraform(), p, "plan")).toBe(0);
    const synthesized = readFileSync(path.join(p.stack, "cdk.tf.json"), "utf8");
    writeFileSync(p.config, JSON.stringify({ ...courseConfig(), host: { name: path.basename(p.stack) }, users: [] }));
    const terraform = fakeTerraform();
    expect(await withTerraform(terraform, p, "deploy", "--saved-plan")).toBe(0);
    expect(terraform.calls).toEqual([{ args: `apply -input=false ${SAVED_PLAN}`, cwd: p.stack, toStderr: false }]);
    expect(readFileSync(path.join(p.stack, "cdk.tf.json"), "utf8")).toBe(synthesized);
    expect(existsSync(path.join(p.stack, SAVED_PLAN))).toBe(false);
  });

  it("--saved-plan without one says to plan first, in one line, and runs nothing", async () => {
    const p = project("add-user");
    const terraform = fakeTerraform();
    expect(await withTerraform(terraform, p, "deploy", "--saved-plan")).toBe(1);
    expect(stderr).toEqual([`homedock: no saved plan at ${path.join(p.stack, SAVED_PLAN)}: run homedock plan first`]);
    expect(terraform.calls).toEqual([]);
  });

  it("keeps a failed apply's plan for another try", async () => {
    const p = project("add-user");
    expect(await withTerraform(fakeTerraform(), p, "plan")).toBe(0);
    expect(await withTerraform(fakeTerraform("add-user", "apply"), p, "deploy", "--saved-plan")).toBe(7);
    expect(existsSync(path.join(p.stack, SAVED_PLAN))).toBe(true);
  });
});

describe("homedock destroy", () => {
  it("synthesizes, then runs init and destroy in the stack directory, asking unless --auto-approve", async () => {
    const p = project("add-user");
    const asks = fakeTerraform();
    expect(await withTerraform(asks, p, "destroy")).toBe(0);
    expect(asks.calls).toEqual([
      { args: "init -input=false", cwd: p.stack, toStderr: false },
      { args: "destroy -input=false", cwd: p.stack, toStderr: false },
    ]);
    const auto = fakeTerraform("add-user", "init");
    expect(await withTerraform(auto, p, "destroy", "--auto-approve")).toBe(7);
    expect(auto.calls.map((c) => c.args)).toEqual(["init -input=false"]);
  });
});

describe("homedock review --format json", () => {
  it("prints the typed summary and what the policies block, and exits by policy", async () => {
    const file = path.join(fixtures, "upgrade-image.json");
    expect(await run(["node", "homedock", "review", file, "--format", "json", "--fail-on-replace"])).toBe(REVIEW_EXIT.replace);
    const json = JSON.parse(stdout.join("\n"));
    expect(json).toEqual({ ...JSON.parse(JSON.stringify(summarizePlan(readFileSync(file)))), blocked: ["--fail-on-replace: 3 workspaces would be replaced"] });
    expect(json.stopping.map((w: { user: string; environment: string; reasons: string[] }) => `${w.user}/${w.environment}: ${w.reasons.join()}`)).toEqual([
      "alice/py: image upgraded",
      "bob/py: image upgraded",
      "carol/py: image upgraded",
    ]);
  });

  it("refuses a format it does not know", async () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => written.push(String(chunk)) > 0);
    expect(await run(["node", "homedock", "review", path.join(fixtures, "add-user.json"), "--format", "yaml"])).toBe(1);
    expect(written.join("")).toMatch(/^error: option '--format <format>' argument 'yaml' is invalid. Allowed choices are markdown, json.\n/);
    expect(stdout).toEqual([]);
  });
});

it("synth: the stack where asked, the summary on standard output", async () => {
  const p = project("add-user");
  expect(await withTerraform(fakeTerraform(), p, "synth")).toBe(0);
  expect(stdout.join("\n")).toContain("5 workspaces for 3 users");
  expect(existsSync(path.join(p.stack, "cdk.tf.json"))).toBe(true);
});

describe("what homedock deploy and plan skip", () => {
  // cdktf puts the local state in the directory synth runs in: each project's own.
  const repoDir = process.cwd();
  afterEach(() => process.chdir(repoDir));
  const inProject = (p: ReturnType<typeof project>) => (process.chdir(p.cwd), p);
  /** What the stand-in engine answers, by `<kind> inspect <names>`; `fail` makes it fail. */
  interface Engine {
    answers: Map<string, string>;
    fail: boolean;
    calls: { args: string; env: NodeJS.ProcessEnv }[];
  }
  const engineOf = (): Engine & { reader: EngineReader } => {
    const engine = {
      answers: new Map<string, string>(),
      fail: false,
      calls: [] as { args: string; env: NodeJS.ProcessEnv }[],
      reader: (async (args, env) => {
        engine.calls.push({ args: args.join(" "), env });
        if (engine.fail) return { status: 1, stdout: "[]", stderr: "Error: No such object" };
        return { status: 0, stdout: engine.answers.get(args.join(" ")) ?? `[${JSON.stringify(args)}]`, stderr: "" };
      }) as EngineReader,
    };
    return engine;
  };

  const HOST = summarizePlan(readFileSync(path.join(fixtures, "add-user.json"))).host;
  /** A workspace's container as the state holds it. */
  const workspace = (id: string, user: string) => ({
    attributes: {
      id,
      name: `${HOST}-${user}.python-course`,
      labels: [
        { label: "homedock.host", value: HOST },
        { label: "homedock.role", value: "workspace" },
        { label: "homedock.user", value: user },
        { label: "homedock.environment", value: "python-course" },
      ],
    },
  });
  /** The state a deploy leaves: two containers, the network and the image; `serial` as given. */
  const state = (serial: number, extra: object[] = []) =>
    JSON.stringify({
      version: 4,
      serial,
      lineage: "a-lineage",
      resources: [
        { mode: "managed", type: "docker_container", name: "w1", instances: [workspace("c1", "alice"), workspace("c2", "bob")] },
        { mode: "managed", type: "docker_network", name: "n", instances: [{ attributes: { id: "n1" } }] },
        { mode: "managed", type: "docker_image", name: "i", instances: [{ attributes: { name: "img:1", image_id: "sha256:i1" } }] },
        { mode: "managed", type: "terraform_data", name: "s", instances: [{ attributes: { id: "t1" } }] },
        ...extra,
      ],
    });

  /** A Terraform whose init makes its directory and the lock file, and whose apply writes the state (serial + 1). */
  const terraformWithState = (p: { cwd: string; stack: string }, plan = "add-user") => {
    const base = fakeTerraform(plan);
    const stateFile = () => {
      const json = JSON.parse(readFileSync(path.join(p.stack, "cdk.tf.json"), "utf8"));
      return path.resolve(p.stack, json.terraform.backend.local.path);
    };
    let serial = 1;
    const baseRun = base.run.bind(base);
    return Object.assign(base, {
      stateFile,
      writeState: (s: string) => writeFileSync(stateFile(), s),
      run(args: readonly string[], cwd: string, toStderr = false) {
        const status = baseRun(args, cwd, toStderr);
        if (args[0] === "init") {
          mkdirSync(path.join(cwd, ".terraform/providers"), { recursive: true });
          writeFileSync(path.join(cwd, ".terraform.lock.hcl"), 'provider "registry.terraform.io/kreuzwerker/docker" {}\n');
        }
        if (args[0] === "apply") writeFileSync(stateFile(), state(++serial));
        return status;
      },
    });
  };

  const deploy = (t: Terraform, p: { cwd: string; config: string }, engine: EngineReader, ...more: string[]) =>
    run(["node", "homedock", "deploy", "--auto-approve", ...more, "-c", p.config, "-o", path.join(p.cwd, "cdktf.out")], t, engine);
  const plan = (t: Terraform, p: { cwd: string; config: string }, engine: EngineReader, ...more: string[]) =>
    run(["node", "homedock", "plan", ...more, "-c", p.config, "-o", path.join(p.cwd, "cdktf.out")], t, engine);
  const applies = (t: { calls: Call[] }) => t.calls.filter((c) => c.args.startsWith("apply") || c.args.startsWith("plan")).map((c) => c.args);

  /** With a variable for Terraform in the environment, which the stack does not show: the refresh alone is skipped. */
  const withTfVar = async <T>(f: () => Promise<T>): Promise<T> => {
    process.env.TF_VAR_extra = "1";
    try {
      return await f();
    } finally {
      delete process.env.TF_VAR_extra;
    }
  };
  const SKIP_LINE =
    "homedock: the Docker engine holds the state's 5 objects exactly as the last refresh read them: planning without a refresh (--refresh to force one)";
  const NOTHING_LINE =
    "homedock: the Docker engine holds the state's 5 objects exactly as the last refresh read them, and the stack is the one in which the last plan or deploy found nothing to change: nothing to change, Terraform not run (--refresh for a full plan)";

  /** The project's config with one more user, dave. */
  const addDave = (p: { config: string }) => {
    const config = JSON.parse(readFileSync(p.config, "utf8")) as { users: object[] };
    writeFileSync(p.config, JSON.stringify({ ...config, users: [...config.users, { name: "dave", uid: 1004, gid: 1004 }] }));
  };

  it("a deploy that changed nothing on the engine records it; the next one runs no Terraform for the same stack, and only the refresh is skipped with variables from the environment", async () => {
    const p = inProject(project("add-user"));
    const engine = engineOf();
    const t = terraformWithState(p);
    expect(await deploy(t, p, engine.reader)).toBe(0);
    // From nothing: no state before, so nothing recorded, and the engine not looked at after the apply.
    expect(existsSync(recordFile(p.stack))).toBe(false);
    expect(engine.calls).toEqual([]);
    expect(await deploy(t, p, engine.reader)).toBe(0);
    expect(existsSync(recordFile(p.stack))).toBe(true);
    expect((statSync(recordFile(p.stack)).mode & 0o777).toString(8)).toBe("600");
    stderr = [];
    expect(await deploy(t, p, engine.reader)).toBe(0);
    expect(applies(t)).toEqual(["apply -input=false -auto-approve", "apply -input=false -auto-approve"]);
    expect(stderr).toContain(NOTHING_LINE);
    expect(await withTfVar(() => deploy(t, p, engine.reader))).toBe(0);
    expect(applies(t).at(-1)).toBe("apply -input=false -refresh=false -auto-approve");
    expect(t.calls.filter((c) => c.args.startsWith("init"))).toHaveLength(1);
    expect(stderr).toContain(SKIP_LINE);
    // What that apply found settled is not known without the variable: the next plans everything, then settles.
    expect(await deploy(t, p, engine.reader)).toBe(0);
    expect(applies(t)).toHaveLength(4);
    expect(applies(t).at(-1)).toBe("apply -input=false -refresh=false -auto-approve");
    expect(await deploy(t, p, engine.reader)).toBe(0);
    expect(applies(t)).toHaveLength(4);
    // One inspect per kind, on the engine the provider reaches (here: the local socket, never the CLI's own context).
    expect(engine.calls.slice(0, 3).map((c) => c.args)).toEqual(["container inspect c1 c2", "image inspect img:1 sha256:i1", "network inspect n1"]);
    expect(engine.calls[0].env.DOCKER_HOST).toBe(process.env.DOCKER_HOST || "unix:///var/run/docker.sock");
  });

  /** A project deployed twice: its record made, the next deploy would skip. */
  const recorded = async () => {
    const p = inProject(project("add-user"));
    const engine = engineOf();
    const t = terraformWithState(p);
    for (let i = 0; i < 2; i++) expect(await deploy(t, p, engine.reader)).toBe(0);
    expect(existsSync(recordFile(p.stack))).toBe(true);
    t.calls.length = 0;
    return { p, engine, t };
  };

  it("a plan with variables from the environment plans everything and forgets nothing: the next deploy of the settled stack runs no Terraform", async () => {
    const { p, engine, t } = await recorded();
    expect(await withTfVar(() => plan(t, p, engine.reader))).toBe(0);
    expect(applies(t)).toHaveLength(1);
    expect(applies(t)[0]).toMatch(/^plan -input=false -refresh=false -out=/);
    stderr = [];
    expect(await deploy(t, p, engine.reader)).toBe(0);
    expect(applies(t)).toHaveLength(1);
    expect(stderr).toContain(NOTHING_LINE);
  });

  it.each([
    [
      "an object inspected differently (a container stopped, changed or started by hand)",
      ({ engine }: Awaited<ReturnType<typeof recorded>>) => void engine.answers.set("container inspect c1 c2", '[{"State":"exited"}]'),
    ],
    ["docker failing (an object gone, the engine down)", ({ engine }: Awaited<ReturnType<typeof recorded>>) => void (engine.fail = true)],
    ["a state written by another tool (a new serial)", ({ t }: Awaited<ReturnType<typeof recorded>>) => t.writeState(state(99))],
    [
      "a resource type homedock does not know how a refresh reads",
      ({ t }: Awaited<ReturnType<typeof recorded>>) => t.writeState(state(3, [{ mode: "managed", type: "docker_service", name: "x", instances: [] }])),
    ],
    [
      "a data source in the state",
      ({ t }: Awaited<ReturnType<typeof recorded>>) => t.writeState(state(3, [{ mode: "data", type: "docker_network", name: "x", instances: [] }])),
    ],
    ["another engine (DOCKER_HOST)", () => void (process.env.DOCKER_HOST = "tcp://elsewhere:2376")],
    [
      "an init that wrote another lock file (another provider)",
      ({ t }: Awaited<ReturnType<typeof recorded>>) => {
        const run = t.run.bind(t);
        t.run = (args, cwd, toStderr) => {
          const status = run(args, cwd, toStderr);
          if (args[0] === "init") writeFileSync(path.join(cwd, ".terraform.lock.hcl"), "# another provider\n");
          return status;
        };
        // Changed by hand, so that init runs.
        writeFileSync(
          path.join(path.dirname(t.stateFile()), "cdktf.out/stacks", path.basename(t.stateFile()).split(".")[1], ".terraform.lock.hcl"),
          "# edited\n",
        );
      },
    ],
    ["a damaged record", ({ p }: Awaited<ReturnType<typeof recorded>>) => writeFileSync(recordFile(p.stack), "{")],
  ])("refreshes after %s", async (_what, change) => {
    const r = await recorded();
    const host = process.env.DOCKER_HOST;
    try {
      change(r);
      expect(await deploy(r.t, r.p, r.engine.reader)).toBe(0);
    } finally {
      if (host === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = host;
    }
    expect(applies(r.t)).toEqual(["apply -input=false -auto-approve"]);
    expect(stderr.join("\n")).not.toContain("planning without a refresh");
  });

  it("a container's mounts in another order (Docker lists them from a map) are the same container", async () => {
    const mounts = [
      { Destination: "/srv/data", Source: "/data" },
      { Destination: "/home/a", Source: "/home/a" },
    ];
    const p = inProject(project("add-user"));
    const engine = engineOf();
    engine.answers.set("container inspect c1 c2", JSON.stringify([{ Id: "c1", Mounts: mounts }]));
    const t = terraformWithState(p);
    for (let i = 0; i < 2; i++) expect(await deploy(t, p, engine.reader)).toBe(0);
    engine.answers.set("container inspect c1 c2", JSON.stringify([{ Id: "c1", Mounts: [...mounts].reverse() }]));
    stderr = [];
    expect(await deploy(t, p, engine.reader)).toBe(0);
    expect(applies(t)).toHaveLength(2);
    expect(stderr).toContain(NOTHING_LINE);
    // A mount that changed is a change.
    engine.answers.set("container inspect c1 c2", JSON.stringify([{ Id: "c1", Mounts: [mounts[0], { ...mounts[1], Source: "/home/b" }] }]));
    expect(await deploy(t, p, engine.reader)).toBe(0);
    expect(applies(t).at(-1)).toBe("apply -input=false -auto-approve");
  });

  it("refreshes when asked (--refresh), and a failed apply leaves no record", async () => {
    const r = await recorded();
    expect(await deploy(r.t, r.p, r.engine.reader, "--refresh")).toBe(0);
    expect(applies(r.t)).toEqual(["apply -input=false -auto-approve"]);
    const failing = Object.assign(terraformWithState(r.p), { run: (args: readonly string[]) => (args[0] === "apply" ? 7 : 0) });
    addDave(r.p);
    expect(await deploy(failing, r.p, r.engine.reader)).toBe(7);
    expect(existsSync(recordFile(r.p.stack))).toBe(false);
  });

  it("a deploy during which the engine changed (it created or replaced something) records nothing", async () => {
    const r = await recorded();
    r.engine.answers.set("container inspect c1 c2", "[1]");
    const changing = Object.assign(r.t, {
      run(args: readonly string[], cwd: string) {
        r.t.calls.push({ args: args.join(" "), cwd, toStderr: false });
        if (args[0] === "apply") r.engine.answers.set("container inspect c1 c2", "[2]");
        return 0;
      },
    });
    expect(await deploy(changing, r.p, r.engine.reader)).toBe(0);
    expect(existsSync(recordFile(r.p.stack))).toBe(false);
  });

  it("a changed stack on a settled host: Terraform plans only what changed and what reads from it; the next deploy refreshes, and settles", async () => {
    const r = await recorded();
    addDave(r.p);
    stderr = [];
    expect(await deploy(r.t, r.p, r.engine.reader)).toBe(0);
    const [apply] = applies(r.t);
    const targets = apply.split(" ").filter((a) => a.startsWith("-target="));
    // dave's workspace, and the home one-shot of his image (it makes his home too) with its start.
    expect(targets.map((a) => a.replace(/_[0-9A-F]{8}$/, ""))).toEqual([
      "-target=docker_container.host_homes-python-course_container",
      "-target=docker_container.host_user-dave_python-course_container",
      "-target=terraform_data.host_homes-python-course_container-start",
    ]);
    expect(apply).toBe(`apply -input=false -refresh=false ${targets.join(" ")} -auto-approve`);
    expect(stderr.join("\n")).toContain("and 3 of the stack's resources differ from the stack in which the last plan or deploy found nothing to change");
    // The engine is not looked at after an apply of targets (what the config changed,
    // which changes the engine): the next deploy refreshes everything, and that one,
    // changing nothing (the stand-in's engine did not change), settles the stack.
    expect(existsSync(recordFile(r.p.stack))).toBe(false);
    expect(await deploy(r.t, r.p, r.engine.reader)).toBe(0);
    expect(applies(r.t)).toHaveLength(2);
    expect(applies(r.t)[1]).toBe("apply -input=false -auto-approve");
    expect(await deploy(r.t, r.p, r.engine.reader)).toBe(0);
    expect(applies(r.t)).toHaveLength(2);
  });

  it("homedock plan of the settled stack runs no Terraform: the review of the state as it is, and deploy --saved-plan has nothing to apply while the state is the same", async () => {
    const r = await recorded();
    stdout = [];
    expect(await plan(r.t, r.p, r.engine.reader)).toBe(0);
    expect(applies(r.t)).toEqual([]);
    expect(stdout.join("\n")).toContain("**0 workspaces replaced, 0 removed, 0 added, 0 updated in place, 2 unchanged.**");
    expect(existsSync(path.join(r.p.stack, SAVED_PLAN))).toBe(false);
    stderr = [];
    expect(await deploy(r.t, r.p, r.engine.reader, "--saved-plan")).toBe(0);
    expect(stderr).toContain("homedock: the plan homedock plan reviewed changes nothing: nothing to apply");
    expect(applies(r.t)).toEqual([]);
    // Once only, as a saved plan; and not once the state has changed since.
    expect(await deploy(r.t, r.p, r.engine.reader, "--saved-plan")).toBe(1);
    expect(await plan(r.t, r.p, r.engine.reader)).toBe(0);
    r.t.writeState(state(42));
    stderr = [];
    expect(await deploy(r.t, r.p, r.engine.reader, "--saved-plan")).toBe(1);
    expect(stderr.join("\n")).toContain("the plan homedock plan reviewed is stale: the state changed since; run homedock plan again");
    expect(applies(r.t)).toEqual([]);
  });

  it("homedock plan skips the refresh too, and records only when its refresh read back what the state holds", async () => {
    const r = await recorded();
    expect(await withTfVar(() => plan(r.t, r.p, r.engine.reader))).toBe(0);
    expect(applies(r.t)).toEqual([`plan -input=false -refresh=false -out=${SAVED_PLAN}`]);
    // A refresh that found drift (the state is not what it read): the record goes.
    const drift = { ...JSON.parse(readFileSync(path.join(fixtures, "add-user.json"), "utf8")), resource_drift: [{ address: "docker_container.x" }] };
    const drifting = Object.assign(r.t, { capture: () => ({ status: 0, stdout: Buffer.from(JSON.stringify(drift)) }) });
    expect(await plan(drifting, r.p, r.engine.reader, "--refresh")).toBe(0);
    expect(existsSync(recordFile(r.p.stack))).toBe(false);
    // One without drift records it again.
    const clean = Object.assign(r.t, { capture: () => ({ status: 0, stdout: readFileSync(path.join(fixtures, "add-user.json")) }) });
    expect(await plan(clean, r.p, r.engine.reader)).toBe(0);
    expect(existsSync(recordFile(r.p.stack))).toBe(true);
  });

  it("runs init again for a new lock file or another Terraform binary, and not otherwise", async () => {
    const r = await recorded();
    const inits = () => r.t.calls.filter((c) => c.args.startsWith("init")).length;
    expect(await deploy(r.t, r.p, r.engine.reader)).toBe(0);
    expect(inits()).toBe(0);
    writeFileSync(path.join(r.p.stack, ".terraform.lock.hcl"), "# edited\n");
    expect(await deploy(r.t, r.p, r.engine.reader)).toBe(0);
    expect(inits()).toBe(1);
    process.env.TERRAFORM_BINARY_NAME = "tofu";
    try {
      expect(await deploy(r.t, r.p, r.engine.reader)).toBe(0);
    } finally {
      delete process.env.TERRAFORM_BINARY_NAME;
    }
    expect(inits()).toBe(2);
  });
});

describe("a config with a swarm section", () => {
  /** A project of the course on a Swarm: homes made elsewhere, no supplementary groups. */
  function onSwarm(nodes = ["node-1"]): { cwd: string; config: string } {
    const cwd = mkdtempSync(path.join(work, "swarm-"));
    const config = path.join(cwd, "homedock.yaml");
    // Homes and shared data that exist: deploy refuses those Docker would not bind.
    const users = courseConfig().users!.map(({ supplementaryGids: _, ...u }) => ({ ...u, home: path.join(cwd, "homes", u.name) }));
    for (const u of users) mkdirSync(u.home, { recursive: true });
    mkdirSync(path.join(cwd, "data"));
    const host = { name: "course", createHomes: false, sharedMounts: [{ source: path.join(cwd, "data"), target: "/srv/data" }] };
    writeFileSync(config, JSON.stringify({ ...courseConfig(), users, host, swarm: { nodes: nodes.map((name) => ({ name })) } }));
    return { cwd, config };
  }

  // Each would do a single host's work on a Swarm: containers instead of services, or
  // the host's containers read as a Swarm's.
  it("homedock compose writes the stack file, each user's node in the summary, and the tokens beside it", async () => {
    const p = onSwarm();
    const file = path.join(p.cwd, "stack.yml");
    expect(await run(["node", "homedock", "compose", "-c", p.config, "-o", file])).toBe(0);
    const text = readFileSync(file, "utf8");
    expect(text.split("\n")[0]).toBe('version: "3.9"');
    expect(text).toContain("  bob--python-course:\n");
    expect(stdout.join("\n")).toContain("swarm: node-1 (node label homedock.node)");
    expect(stdout.join("\n")).toMatch(/ {2}bob \(1002:1002, [^)]*, on node-1\): python-course/);
    expect(readFileSync(path.join(p.cwd, "homedock-secrets", "bob.python-course.env"), "utf8")).toMatch(/^JUPYTER_TOKEN=[0-9a-f]{64}\n$/);
  });

  it("homedock synth writes one docker_service per workspace, on its user's node, and no container", async () => {
    const p = onSwarm();
    expect(await run(["node", "homedock", "synth", "-c", p.config, "-o", path.join(p.cwd, "cdktf.out")])).toBe(0);
    const tf = JSON.parse(readFileSync(path.join(p.cwd, "cdktf.out", "stacks", "course", "cdk.tf.json"), "utf8"));
    expect(Object.keys(tf.resource)).toEqual(["docker_service"]);
    const names = Object.values<{ name: string; task_spec: { placement: { constraints: string[] } } }>(tf.resource.docker_service).map((s) => [
      s.name,
      s.task_spec.placement.constraints,
    ]);
    expect(names).toContainEqual(["course_bob--python-course", ["node.labels.homedock.node == node-1"]]);
    expect(names.length).toBe(5);
  });

  /** The three nodes of the stand-in manager. */
  const NODES = ["node-1", "node-2", "node-3"];

  it("homedock deploy checks every node first: a node without the baseline is refused with exit status 3, before anything is written or run", async () => {
    const p = onSwarm(NODES);
    const terraform = fakeTerraform();
    const status = await run(
      ["node", "homedock", "deploy", "-c", p.config, "-o", path.join(p.cwd, "cdktf.out")],
      terraform,
      undefined,
      standInManager().docker,
    );
    expect(status).toBe(3);
    expect(stderr.join("\n")).toMatch(/node-3: no-new-privileges: got NoNewPrivs 0/);
    expect([terraform.calls, readdirSync(p.cwd).sort()]).toEqual([[], ["data", "homedock.yaml", "homes"]]);
  });

  it("homedock deploy refuses what Terraform cannot render and a login CA file it cannot carry before any node is asked", async () => {
    const p = onSwarm(NODES);
    const config = JSON.parse(readFileSync(p.config, "utf8"));
    const rootHome = path.join(p.cwd, "homes", "root");
    mkdirSync(rootHome);
    const key = path.join(p.cwd, "not-a-ca.pem");
    writeFileSync(key, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    const cases: [unknown, RegExp][] = [
      [
        { ...config, users: [...config.users, { name: "root", uid: 0, gid: 0, allowRoot: true, home: rootHome }] },
        /users\[\d+\]\.uid: got 0; expected a uid other than 0/,
      ],
      [
        {
          ...config,
          frontDoor: { site: "lab.example.org", login: { method: "oidc", issuer: "https://id.example.org", clientId: "lab", caFile: key } },
          users: config.users.map((u: { name: string }) => ({ ...u, identity: `${u.name}@example.org` })),
        },
        /frontDoor\.login\.caFile: got .*; expected PEM certificates and nothing else/,
      ],
    ];
    for (const [c, refusal] of cases) {
      writeFileSync(p.config, JSON.stringify(c));
      const manager = standInManager(BASELINE, STATUS_OK);
      const terraform = fakeTerraform();
      stderr.length = 0;
      expect(await run(["node", "homedock", "deploy", "-c", p.config, "-o", path.join(p.cwd, "cdktf.out")], terraform, undefined, manager.docker)).toBe(1);
      expect(stderr.join("\n"), stderr.join("\n")).toMatch(refusal);
      expect([manager.calls, terraform.calls, existsSync(path.join(p.cwd, "cdktf.out"))]).toEqual([[], [], false]);
    }
  });

  it("homedock deploy --saved-plan checks every node before it applies the reviewed plan", async () => {
    const p = onSwarm(NODES);
    const stack = path.join(p.cwd, "cdktf.out", "stacks", "course");
    mkdirSync(stack, { recursive: true });
    writeFileSync(path.join(stack, SAVED_PLAN), "a saved plan\n");
    writeFileSync(path.join(stack, "cdk.tf.json"), "{}");
    const terraform = fakeTerraform();
    const args = ["node", "homedock", "deploy", "--saved-plan", "-c", p.config, "-o", path.join(p.cwd, "cdktf.out")];
    expect(await run(args, terraform, undefined, standInManager().docker)).toBe(3);
    expect(terraform.calls).toEqual([]);
    expect(await run(args, terraform, undefined, standInManager(BASELINE, STATUS_OK).docker)).toBe(0);
    expect(terraform.calls.map((c) => c.args)).toEqual([`apply -input=false ${SAVED_PLAN}`]);
  });

  it("homedock plan and deploy take the full plan, refresh included, every time: the settled host's record does not see a Swarm's nodes", async () => {
    const p = onSwarm(NODES);
    const nodes = standInManager(BASELINE, STATUS_OK).docker;
    const out = ["-o", path.join(p.cwd, "cdktf.out")];
    for (let i = 0; i < 2; i++) {
      const terraform = fakeTerraform("add-user");
      await run(["node", "homedock", "plan", "-c", p.config, ...out], terraform, undefined, nodes);
      expect(terraform.calls.map((c) => c.args).filter((a) => a.startsWith("plan"))).toEqual([`plan -input=false -out=${SAVED_PLAN}`]);
      const deploying = fakeTerraform("add-user");
      expect(await run(["node", "homedock", "deploy", "--auto-approve", "-c", p.config, ...out], deploying, undefined, nodes)).toBe(0);
      expect(deploying.calls.map((c) => c.args).filter((a) => a.startsWith("apply"))).toEqual(["apply -input=false -auto-approve"]);
    }
    expect(existsSync(recordFile(path.join(p.cwd, "cdktf.out", "stacks", "course")))).toBe(false);
  });

  it.each([["compose", "--preview"]])("homedock %s refuses it, naming the section, and runs and writes nothing", async (...args: string[]) => {
    const p = onSwarm();
    const terraform = fakeTerraform();
    const out = args[0] === "compose" ? ["-o", path.join(p.cwd, "docker-compose.yml")] : [];
    expect(await run(["node", "homedock", ...args, "-c", p.config, ...out], terraform)).toBe(1);
    expect(stderr.join("\n")).toMatch(/swarm: got \{"nodes":\["node-1"\]\}; expected no swarm section for .+: not yet on Swarm/);
    expect([terraform.calls, readdirSync(p.cwd).sort()]).toEqual([[], ["data", "homedock.yaml", "homes"]]);
  });
});
