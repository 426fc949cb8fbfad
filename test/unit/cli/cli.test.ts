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
import { courseConfig } from "../../helpers/synth";

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

describe("a config with a swarm section", () => {
  /** A project of the course on a Swarm: homes made elsewhere, no supplementary groups. */
  function onSwarm(): { cwd: string; config: string } {
    const cwd = mkdtempSync(path.join(work, "swarm-"));
    const config = path.join(cwd, "homedock.yaml");
    // Homes and shared data that exist: deploy refuses those Docker would not bind.
    const users = courseConfig().users!.map(({ supplementaryGids: _, ...u }) => ({ ...u, home: path.join(cwd, "homes", u.name) }));
    for (const u of users) mkdirSync(u.home, { recursive: true });
    mkdirSync(path.join(cwd, "data"));
    const host = { name: "course", createHomes: false, sharedMounts: [{ source: path.join(cwd, "data"), target: "/srv/data" }] };
    writeFileSync(config, JSON.stringify({ ...courseConfig(), users, host, swarm: { nodes: [{ name: "node-1" }] } }));
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

  it.each([["synth"], ["plan"], ["deploy"], ["destroy"], ["compose", "--preview"], ["restart", "alice"], ["prune"]])(
    "homedock %s refuses it, naming the section, and runs and writes nothing",
    async (...args: string[]) => {
      const p = onSwarm();
      const terraform = fakeTerraform();
      const out =
        args[0] === "compose"
          ? ["-o", path.join(p.cwd, "docker-compose.yml")]
          : ["synth", "plan", "deploy", "destroy"].includes(args[0])
            ? ["-o", path.join(p.cwd, "cdktf.out")]
            : [];
      expect(await run(["node", "homedock", ...args, "-c", p.config, ...out], terraform)).toBe(1);
      expect(stderr.join("\n")).toMatch(/swarm: got \{"nodes":\["node-1"\]\}; expected no swarm section for .+: not yet on Swarm/);
      expect([terraform.calls, readdirSync(p.cwd).sort()]).toEqual([[], ["data", "homedock.yaml", "homes"]]);
    },
  );
});
