import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { App, TerraformStack } from "cdktf";
import { Host } from "../../constructs/host";
import { LABEL_ROLE } from "../../src/spec/container-spec";
import { loadConfig } from "../../src/config/load";
import { withoutStackTraces } from "../../src/render/stack-traces";
import { labels, type Json } from "../helpers";

const root = path.resolve(__dirname, "../..");
const tsx = path.join(root, "node_modules/.bin/tsx");
const work = mkdtempSync(path.join(tmpdir(), "homedock-main-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  // This machine's TF_CLI_CONFIG_FILE may name a file that isn't there; Terraform then warns.
  const { HOMEDOCK_CONFIG: _, TF_CLI_CONFIG_FILE: __, ...rest } = process.env;
  return spawnSync(cmd, args, { cwd, env: { ...rest, CHECKPOINT_DISABLE: "1", ...env }, encoding: "utf8" });
}

/** A copy of the project as `cdktf init` would lay it out, sharing node_modules. */
function cdktfProject(prefix: string): string {
  const cwd = mkdtempSync(path.join(work, prefix));
    for (const f of ["cdktf.json", "main.ts", "package.json", "tsconfig.json"]) cpSync(path.join(root, f), path.join(cwd, f));
    for (const d of ["constructs", "src"]) cpSync(path.join(root, d), path.join(cwd, d), { recursive: true });
    cpSync(path.join(root, "examples"), path.join(cwd, "examples"), { recursive: true });
    execFileSync("ln", ["-s", path.join(root, "node_modules"), path.join(cwd, "node_modules")]);
  return cwd;
}

function workspaces(file: string): string[] {
  const tf: Json = JSON.parse(readFileSync(file, "utf8"));
  return Object.values<Json>(tf.resource.docker_container)
    .map(labels)
    .filter((l) => l[LABEL_ROLE] === "workspace")
    .map((l) => `${l["homedock.user"]}/${l["homedock.environment"]}`)
    .sort();
}

describe("npm start (main.ts)", () => {
  it("synthesizes the bundled example when no config is named, and prints a summary", () => {
    const cwd = mkdtempSync(path.join(work, "example-"));
    const r = run(tsx, [path.join(root, "main.ts")], cwd);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("host course: 5 workspaces for 3 users");
    expect(r.stdout).toContain("bob (1002:1002, /home/bob): python-course");
    expect(workspaces(path.join(cwd, "cdktf.out/stacks/course/cdk.tf.json"))).toEqual([
      "alice/python-course", "alice/r-intro", "bob/python-course", "carol/python-course", "carol/r-intro",
    ]);
  });

  it("prefers HOMEDOCK_CONFIG, then ./homedock.yaml", () => {
    const cwd = mkdtempSync(path.join(work, "pick-"));
    const one = (user: string) =>
      `host: {name: pick}\nenvironments: [{name: e, image: "x/y:1", command: [sleep, "1"]}]\nusers: [{name: ${user}, uid: 1500, gid: 1500}]\n`;
    writeFileSync(path.join(cwd, "homedock.yaml"), one("local"));
    writeFileSync(path.join(cwd, "named.yaml"), one("named"));
    expect(run(tsx, [path.join(root, "main.ts")], cwd).status).toBe(0);
    expect(workspaces(path.join(cwd, "cdktf.out/stacks/pick/cdk.tf.json"))).toEqual(["local/e"]);
    expect(run(tsx, [path.join(root, "main.ts")], cwd, { HOMEDOCK_CONFIG: "named.yaml" }).status).toBe(0);
    expect(workspaces(path.join(cwd, "cdktf.out/stacks/pick/cdk.tf.json"))).toEqual(["named/e"]);
  });

  it("on a bad config exits 1 with one line naming field and value, no stack trace, output untouched", () => {
    const cwd = mkdtempSync(path.join(work, "bad-"));
    expect(run(tsx, [path.join(root, "main.ts")], cwd).status).toBe(0);
    const out = path.join(cwd, "cdktf.out/stacks/course/cdk.tf.json");
    const before = readFileSync(out, "utf8");
    const mtime = statSync(out).mtimeMs;
    const config = readFileSync(path.join(root, "examples/course.yaml"), "utf8").replace("uid: 1002", "uid: 0");
    const line = config.split("\n").findIndex((l) => l.includes("uid: 0")) + 1;
    writeFileSync(path.join(cwd, "homedock.yaml"), config);
    const r = run(tsx, [path.join(root, "main.ts")], cwd);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(
      `${path.join(cwd, "homedock.yaml")}: ${line}:10: users[1].uid: got 0; expected a uid other than 0 (root), or allowRoot: true`,
    );
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    expect(readFileSync(out, "utf8")).toBe(before);
    expect(statSync(out).mtimeMs).toBe(mtime);
  });
});

describe("npx cdktf synth", () => {
  it("synthesizes through the CLI with no network and no prompt", () => {
    const cwd = cdktfProject("cli-");
    const r = run(path.join(root, "node_modules/.bin/cdktf"), ["synth"], cwd, { CI: "1" });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain("ERROR");
    expect(existsSync(path.join(cwd, "cdktf.out/stacks/course/cdk.tf.json"))).toBe(true);
    expect(workspaces(path.join(cwd, "cdktf.out/stacks/course/cdk.tf.json"))).toHaveLength(5);
  });
});

describe("a bad config, through each command", () => {
  const bad = readFileSync(path.join(root, "examples/course.yaml"), "utf8").replace("memory: 3g", "memory: 3x");

  it("leaves an existing docker-compose.yml exactly as it was", () => {
    const cwd = mkdtempSync(path.join(work, "compose-bad-"));
    const bin = path.join(root, "src/cli/cli.ts");
    expect(run(tsx, [bin, "compose", "-c", path.join(root, "examples/course.yaml")], cwd).status).toBe(0);
    const before = readFileSync(path.join(cwd, "docker-compose.yml"), "utf8");
    writeFileSync(path.join(cwd, "homedock.yaml"), bad);
    const r = run(tsx, [bin, "compose"], cwd);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^.*homedock\.yaml: \d+:\d+: environments\[1\]\.memory: got "3x"; expected a size like 512m or 2g/);
    expect(r.stderr).not.toMatch(/\bat .*\.(ts|js):\d+/);
    expect(readFileSync(path.join(cwd, "docker-compose.yml"), "utf8")).toBe(before);
    expect(spawnSync("ls", ["-A", cwd], { encoding: "utf8" }).stdout).toBe("docker-compose.yml\nhomedock-secrets\nhomedock.yaml\n");
  });

  it("makes cdktf synth fail with the message and leaves cdktf.out as it was", () => {
    const cwd = cdktfProject("cdktf-bad-");
    expect(run(tsx, ["main.ts"], cwd).status).toBe(0);
    const out = path.join(cwd, "cdktf.out/stacks/course/cdk.tf.json");
    const before = readFileSync(out, "utf8");
    writeFileSync(path.join(cwd, "homedock.yaml"), bad);
    const r = run(path.join(root, "node_modules/.bin/cdktf"), ["synth"], cwd, { CI: "1" });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('environments[1].memory: got "3x"; expected a size like 512m or 2g');
    expect(readFileSync(out, "utf8")).toBe(before);
  });
});

describe("homedock CLI", () => {
  const bin = path.join(root, "src/cli/cli.ts");
  it("lists its commands", () => {
    const r = run(tsx, [bin, "--help"], root);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/synth/);
    expect(r.stdout).toMatch(/validate/);
  });

  it("synth writes the stack where asked", () => {
    const cwd = mkdtempSync(path.join(work, "bin-"));
    const r = run(tsx, [bin, "synth", "-c", path.join(root, "examples/course.yaml"), "-o", "out"], cwd);
    expect(r.status, r.stderr).toBe(0);
    expect(workspaces(path.join(cwd, "out/stacks/course/cdk.tf.json"))).toHaveLength(5);
  });

  it("synth and compose make the directories their output goes in", () => {
    const cwd = mkdtempSync(path.join(work, "nested-"));
    const example = path.join(root, "examples/course.yaml");
    expect(run(tsx, [bin, "synth", "-c", example, "-o", "build/terraform/cdktf.out"], cwd).status).toBe(0);
    expect(workspaces(path.join(cwd, "build/terraform/cdktf.out/stacks/course/cdk.tf.json"))).toHaveLength(5);
    const r = run(tsx, [bin, "compose", "-c", example, "-o", "build/compose/docker-compose.yml"], cwd);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(path.join(cwd, "build/compose/docker-compose.yml"), "utf8")).toContain("services:");
  });

  it("says in one line where it cannot write, with no stack trace", () => {
    const cwd = mkdtempSync(path.join(work, "unwritable-"));
    writeFileSync(path.join(cwd, "build"), "a file where a directory must be\n");
    const r = run(tsx, [bin, "synth", "-c", path.join(root, "examples/course.yaml"), "-o", "build/cdktf.out"], cwd);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`homedock: cannot mkdir ${path.join(cwd, "build")}: EEXIST`);
    expect(readFileSync(path.join(cwd, "build"), "utf8")).toBe("a file where a directory must be\n");
  });

  it("validate reports a bad config with exit 1 and writes nothing", () => {
    const cwd = mkdtempSync(path.join(work, "val-"));
    writeFileSync(path.join(cwd, "homedock.yaml"), "environments:\n  - name: ok\n    image: x\n    command: [a]\n    memroy: 2g\n");
    const r = run(tsx, [bin, "validate"], cwd);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('environments[0].memroy: got "2g"; unknown key');
    expect(r.stderr).toContain('did you mean "memory"?');
    expect(existsSync(path.join(cwd, "cdktf.out"))).toBe(false);
  });

  describe("deploy, with a stand-in for Terraform that records its calls", () => {
    /** A Terraform that logs its directory and arguments, and fails `fail` with status 7. */
    function fakeTerraform(cwd: string, fail?: string): { env: Record<string, string>; calls: () => string[] } {
      const log = path.join(cwd, "calls.log");
      const script = path.join(cwd, "fake-terraform");
      writeFileSync(
        script,
        `#!/bin/sh\nprintf '%s|%s|%s\\n' "$PWD" "$*" "$(ls cdk.tf.json terraform.tfvars.json 2>/dev/null | paste -sd, -)" >> ${log}\n` +
          `[ "$1" = "${fail ?? "never"}" ] && exit 7\nexit 0\n`,
        { mode: 0o755 },
      );
      return { env: { TERRAFORM_BINARY_NAME: script }, calls: () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : []) };
    }

    it("synthesizes, then runs init and apply in the stack directory, tokens beside it", () => {
      const cwd = mkdtempSync(path.join(work, "deploy-"));
      const tf = fakeTerraform(cwd);
      const r = run(tsx, [bin, "deploy", "-c", path.join(root, "examples/course.yaml"), "--auto-approve"], cwd, tf.env);
      expect(r.status, r.stderr).toBe(0);
      const stack = path.join(cwd, "cdktf.out/stacks/course");
      expect(tf.calls()).toEqual([
        `${stack}|init -input=false|cdk.tf.json,terraform.tfvars.json`,
        `${stack}|apply -input=false -auto-approve|cdk.tf.json,terraform.tfvars.json`,
      ]);
      expect(r.stdout).toContain("host course: 5 workspaces");
    });

    it("asks before applying unless --auto-approve, and stops at a failed init with its status", () => {
      const cwd = mkdtempSync(path.join(work, "deploy-"));
      const asks = fakeTerraform(cwd);
      expect(run(tsx, [bin, "deploy", "-c", path.join(root, "examples/course.yaml")], cwd, asks.env).status).toBe(0);
      expect(asks.calls().map((c) => c.split("|")[1])).toEqual(["init -input=false", "apply -input=false"]);
      const other = mkdtempSync(path.join(work, "deploy-"));
      const failing = fakeTerraform(other, "init");
      expect(run(tsx, [bin, "deploy", "-c", path.join(root, "examples/course.yaml")], other, failing.env).status).toBe(7);
      expect(failing.calls().map((c) => c.split("|")[1])).toEqual(["init -input=false"]);
    });

    it("runs no Terraform and writes nothing for a bad config", () => {
      const cwd = mkdtempSync(path.join(work, "deploy-"));
      const tf = fakeTerraform(cwd);
      writeFileSync(path.join(cwd, "homedock.yaml"), "environments:\n  - name: ok\n    image: x\n    command: [a]\nusers:\n  - { name: root, uid: 0, gid: 0 }\n");
      const r = run(tsx, [bin, "deploy", "--auto-approve"], cwd, tf.env);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("users[0].uid: got 0");
      expect(tf.calls()).toEqual([]);
      expect(existsSync(path.join(cwd, "cdktf.out"))).toBe(false);
    });

    it("says so when Terraform is not there", () => {
      const cwd = mkdtempSync(path.join(work, "deploy-"));
      const r = run(tsx, [bin, "deploy", "-c", path.join(root, "examples/course.yaml")], cwd, { TERRAFORM_BINARY_NAME: path.join(cwd, "no-such-terraform") });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`homedock: cannot run ${path.join(cwd, "no-such-terraform")}: ENOENT`);
    });
  });
});

describe("withoutStackTraces", () => {
  it("captures no stack inside, even where a library raises the limit, and restores the limit after", () => {
    const before = Error.stackTraceLimit;
    const inside = withoutStackTraces(() => {
      Error.stackTraceLimit = Number.MAX_SAFE_INTEGER; // what cdktf does around each capture
      const holder: { stack?: string } = { stack: "" };
      Error.captureStackTrace(holder);
      return { holder: holder.stack, error: new Error("x").stack, message: new Error("kept").message };
    });
    expect(inside).toEqual({ holder: undefined, error: undefined, message: "kept" });
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error("after").stack).toContain("after");
  });

  it("restores the limit when the function throws", () => {
    const before = Error.stackTraceLimit;
    expect(() =>
      withoutStackTraces(() => {
        throw new Error("synth failed");
      }),
    ).toThrow("synth failed");
    expect(Error.stackTraceLimit).toBe(before);
    expect(Object.getOwnPropertyDescriptor(Error, "stackTraceLimit")).toMatchObject({ writable: true, value: before });
  });

  it("synthesizes the same stack as with stack traces on", () => {
    const synthOnce = (wrap: <T>(fn: () => T) => T) => {
      const out = mkdtempSync(path.join(tmpdir(), "homedock-traces-"));
      try {
        wrap(() => {
          const app = new App({ outdir: out });
          Host.fromModel(new TerraformStack(app, "course"), "host", loadConfig(path.join(root, "examples", "course.yaml")));
          app.synth();
        });
        return readFileSync(path.join(out, "stacks", "course", "cdk.tf.json"), "utf8");
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    };
    const plain = synthOnce((fn) => fn());
    expect(synthOnce(withoutStackTraces)).toBe(plain);
    expect(JSON.parse(plain).resource.docker_container).toBeDefined();
  });
});
