// npm start (main.ts), npx cdktf synth and the homedock command as processes: exit
// statuses, one-line errors, files written or left alone.
import { execFile } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { LABEL_ROLE, ROLE } from "../../../src/container/container";
import { labels, type Json } from "../../helpers/synth";

const execFileAsync = promisify(execFile);
const root = path.resolve(__dirname, "../../..");
const tsx = path.join(root, "node_modules/.bin/tsx");
const work = mkdtempSync(path.join(tmpdir(), "homedock-main-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * Runs a command to its end: status and outputs. Never synchronously: a long synth would
 * block the test worker, which must keep answering vitest meanwhile.
 */
async function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  // This machine's TF_CLI_CONFIG_FILE may name a file that isn't there; Terraform then warns.
  const { HOMEDOCK_CONFIG: _, TF_CLI_CONFIG_FILE: __, ...rest } = process.env;
  try {
    const { stdout, stderr } = await execFileAsync(cmd, args, {
      cwd,
      env: { ...rest, CHECKPOINT_DISABLE: "1", ...env },
      encoding: "utf8",
      maxBuffer: 64 << 20,
    });
    return { status: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    return { status: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/** A copy of the project as `cdktf init` would lay it out, sharing node_modules. */
function cdktfProject(prefix: string): string {
  const cwd = mkdtempSync(path.join(work, prefix));
  for (const f of ["cdktf.json", "main.ts", "package.json", "tsconfig.json"]) cpSync(path.join(root, f), path.join(cwd, f));
  for (const d of ["constructs", "src"]) cpSync(path.join(root, d), path.join(cwd, d), { recursive: true });
  cpSync(path.join(root, "examples"), path.join(cwd, "examples"), { recursive: true });
  symlinkSync(path.join(root, "node_modules"), path.join(cwd, "node_modules"));
  return cwd;
}

function workspaces(file: string): string[] {
  const tf: Json = JSON.parse(readFileSync(file, "utf8"));
  return Object.values<Json>(tf.resource.docker_container)
    .map(labels)
    .filter((l) => l[LABEL_ROLE] === ROLE.workspace)
    .map((l) => `${l["homedock.user"]}/${l["homedock.environment"]}`)
    .sort();
}

describe("npm start (main.ts)", () => {
  it("synthesizes the bundled example when no config is named, and prints a summary", async () => {
    const cwd = mkdtempSync(path.join(work, "example-"));
    const r = await run(tsx, [path.join(root, "main.ts")], cwd);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("host course: 5 workspaces for 3 users");
    expect(r.stdout).toContain("bob (1002:1002, /home/bob): python-course");
    // The bundled example is the product: a front door, each student's link, and who cannot log in yet.
    expect(r.stdout).toContain(
      "front door: https://course.example.org/user/<user>/\n" +
        "  alice: https://course.example.org/user/alice/\n  bob: https://course.example.org/user/bob/\n  carol: https://course.example.org/user/carol/\n",
    );
    expect(r.stdout).toContain("warning: bob has no password (homedock passwd bob): locked out of the front door until one is set\n");
    // The README's first screen is this output, as it is.
    const readme = readFileSync(path.join(root, "README.md"), "utf8");
    expect(/who cannot log in yet:\n\n```\n([\s\S]*?)```/.exec(readme)?.[1]).toBe(r.stdout);
    const tf: Json = JSON.parse(readFileSync(path.join(cwd, "cdktf.out/stacks/course/cdk.tf.json"), "utf8"));
    expect(Object.values<Json>(tf.resource.docker_container).map((c) => labels(c)[LABEL_ROLE])).toContain(ROLE.proxy);
    expect(workspaces(path.join(cwd, "cdktf.out/stacks/course/cdk.tf.json"))).toEqual([
      "alice/python-course",
      "alice/r-intro",
      "bob/python-course",
      "carol/python-course",
      "carol/r-intro",
    ]);
  });

  it("prefers HOMEDOCK_CONFIG, then ./homedock.yaml", async () => {
    const cwd = mkdtempSync(path.join(work, "pick-"));
    const one = (user: string) =>
      `host: {name: pick}\nenvironments: [{name: e, image: "x/y:1", command: [sleep, "1"]}]\nusers: [{name: ${user}, uid: 1500, gid: 1500}]\n`;
    writeFileSync(path.join(cwd, "homedock.yaml"), one("local"));
    writeFileSync(path.join(cwd, "named.yaml"), one("named"));
    expect((await run(tsx, [path.join(root, "main.ts")], cwd)).status).toBe(0);
    expect(workspaces(path.join(cwd, "cdktf.out/stacks/pick/cdk.tf.json"))).toEqual(["local/e"]);
    expect((await run(tsx, [path.join(root, "main.ts")], cwd, { HOMEDOCK_CONFIG: "named.yaml" })).status).toBe(0);
    expect(workspaces(path.join(cwd, "cdktf.out/stacks/pick/cdk.tf.json"))).toEqual(["named/e"]);
  });

  it("on a bad config exits 1 with one line naming field and value, no stack trace, output untouched", async () => {
    const cwd = mkdtempSync(path.join(work, "bad-"));
    expect((await run(tsx, [path.join(root, "main.ts")], cwd)).status).toBe(0);
    const out = path.join(cwd, "cdktf.out/stacks/course/cdk.tf.json");
    const before = readFileSync(out, "utf8");
    const mtime = statSync(out).mtimeMs;
    const config = readFileSync(path.join(root, "examples/course.yaml"), "utf8").replace("uid: 1002", "uid: 0");
    const line = config.split("\n").findIndex((l) => l.includes("uid: 0")) + 1;
    writeFileSync(path.join(cwd, "homedock.yaml"), config);
    const r = await run(tsx, [path.join(root, "main.ts")], cwd);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`${path.join(cwd, "homedock.yaml")}: ${line}:10: users[1].uid: got 0; expected a uid other than 0 (root), or allowRoot: true`);
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    expect(readFileSync(out, "utf8")).toBe(before);
    expect(statSync(out).mtimeMs).toBe(mtime);
  });
});

describe("npx cdktf synth", () => {
  it("synthesizes through the CLI with no network and no prompt", async () => {
    const cwd = cdktfProject("cli-");
    const r = await run(path.join(root, "node_modules/.bin/cdktf"), ["synth"], cwd, { CI: "1" });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain("ERROR");
    expect(existsSync(path.join(cwd, "cdktf.out/stacks/course/cdk.tf.json"))).toBe(true);
    expect(workspaces(path.join(cwd, "cdktf.out/stacks/course/cdk.tf.json"))).toHaveLength(5);
  });
});

describe("a bad config, through each command", () => {
  const bad = readFileSync(path.join(root, "examples/course.yaml"), "utf8").replace("memory: 3g", "memory: 3x");

  it("leaves an existing docker-compose.yml exactly as it was", async () => {
    const cwd = mkdtempSync(path.join(work, "compose-bad-"));
    const bin = path.join(root, "src/cli/cli.ts");
    expect((await run(tsx, [bin, "compose", "-c", path.join(root, "examples/course.yaml")], cwd)).status).toBe(0);
    const before = readFileSync(path.join(cwd, "docker-compose.yml"), "utf8");
    writeFileSync(path.join(cwd, "homedock.yaml"), bad);
    const r = await run(tsx, [bin, "compose"], cwd);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^.*homedock\.yaml: \d+:\d+: environments\[1\]\.memory: got "3x"; expected a size like 512m or 2g/);
    expect(r.stderr).not.toMatch(/\bat .*\.(ts|js):\d+/);
    expect(readFileSync(path.join(cwd, "docker-compose.yml"), "utf8")).toBe(before);
    expect(readdirSync(cwd).sort()).toEqual(["docker-compose.yml", "homedock-secrets", "homedock.yaml"]);
  });

  it("makes cdktf synth fail with the message and leaves cdktf.out as it was", async () => {
    const cwd = cdktfProject("cdktf-bad-");
    expect((await run(tsx, ["main.ts"], cwd)).status).toBe(0);
    const out = path.join(cwd, "cdktf.out/stacks/course/cdk.tf.json");
    const before = readFileSync(out, "utf8");
    writeFileSync(path.join(cwd, "homedock.yaml"), bad);
    const r = await run(path.join(root, "node_modules/.bin/cdktf"), ["synth"], cwd, { CI: "1" });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('environments[1].memory: got "3x"; expected a size like 512m or 2g');
    expect(readFileSync(out, "utf8")).toBe(before);
  });
});

describe("homedock CLI", () => {
  const bin = path.join(root, "src/cli/cli.ts");
  it("lists its commands", async () => {
    const r = await run(tsx, [bin, "--help"], root);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/synth/);
    expect(r.stdout).toMatch(/validate/);
  });

  it("runs as npx homedock in a clone, from any directory of it, reading paths relative to where it is run", async () => {
    // The README's set-up is npm ci, not a build: the clone's own bin runs its sources.
    const sub = path.join(root, "test/fixtures");
    const help = await run("npx", ["homedock", "--help"], sub);
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage: homedock /);
    expect(help.stdout).toMatch(/\n {2}validate /);
    const validate = await run("npx", ["homedock", "validate", "-c", "../../examples/course.yaml"], sub);
    expect(validate.status, validate.stderr).toBe(0);
    expect(validate.stdout).toMatch(/^host course: 5 workspaces for 3 users\n/);
    // Relative to the repository's root this file exists; relative to where it is run, not.
    const missing = await run("npx", ["homedock", "validate", "-c", "examples/course.yaml"], sub);
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim()).toBe("examples/course.yaml: cannot read the file: ENOENT");
  });

  it("synth writes the stack where asked", async () => {
    const cwd = mkdtempSync(path.join(work, "bin-"));
    const r = await run(tsx, [bin, "synth", "-c", path.join(root, "examples/course.yaml"), "-o", "out"], cwd);
    expect(r.status, r.stderr).toBe(0);
    expect(workspaces(path.join(cwd, "out/stacks/course/cdk.tf.json"))).toHaveLength(5);
  });

  it("synth and compose make the directories their output goes in", async () => {
    const cwd = mkdtempSync(path.join(work, "nested-"));
    const example = path.join(root, "examples/course.yaml");
    expect((await run(tsx, [bin, "synth", "-c", example, "-o", "build/terraform/cdktf.out"], cwd)).status).toBe(0);
    expect(workspaces(path.join(cwd, "build/terraform/cdktf.out/stacks/course/cdk.tf.json"))).toHaveLength(5);
    const r = await run(tsx, [bin, "compose", "-c", example, "-o", "build/compose/docker-compose.yml"], cwd);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(path.join(cwd, "build/compose/docker-compose.yml"), "utf8")).toContain("services:");
  });

  it("says in one line where it cannot write, with no stack trace", async () => {
    const cwd = mkdtempSync(path.join(work, "unwritable-"));
    writeFileSync(path.join(cwd, "build"), "a file where a directory must be\n");
    const r = await run(tsx, [bin, "synth", "-c", path.join(root, "examples/course.yaml"), "-o", "build/cdktf.out"], cwd);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`homedock: cannot mkdir ${path.join(cwd, "build")}: EEXIST`);
    expect(readFileSync(path.join(cwd, "build"), "utf8")).toBe("a file where a directory must be\n");
  });

  it("says in one line that tokens.json is not as homedock writes it, with no stack trace, and writes nothing", async () => {
    const cwd = mkdtempSync(path.join(work, "tokens-"));
    const tokens = path.join(cwd, "homedock-secrets/tokens.json");
    expect((await run(tsx, [bin, "synth", "-c", path.join(root, "examples/course.yaml")], cwd)).status).toBe(0);
    writeFileSync(tokens, '{"alice.python-course": "');
    const before = readFileSync(path.join(cwd, "cdktf.out/stacks/course/terraform.tfvars.json"), "utf8");
    const r = await run(tsx, [bin, "synth", "-c", path.join(root, "examples/course.yaml")], cwd);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`${tokens}: expected a JSON object of workspaces ("<user>.<environment>") to their Jupyter tokens, as homedock writes it`);
    expect(readFileSync(tokens, "utf8")).toBe('{"alice.python-course": "');
    expect(readFileSync(path.join(cwd, "cdktf.out/stacks/course/terraform.tfvars.json"), "utf8")).toBe(before);
  });

  it("validate reports a bad config with exit 1 and writes nothing", async () => {
    const cwd = mkdtempSync(path.join(work, "val-"));
    writeFileSync(path.join(cwd, "homedock.yaml"), "environments:\n  - name: ok\n    image: x\n    command: [a]\n    memroy: 2g\n");
    const r = await run(tsx, [bin, "validate"], cwd);
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
      // The stand-in deploys nowhere: the example's host paths are not this machine's to check.
      return {
        env: { TERRAFORM_BINARY_NAME: script, DOCKER_HOST: "tcp://docker.invalid:2376" },
        calls: () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : []),
      };
    }

    it("synthesizes, then runs init and apply in the stack directory, tokens beside it", async () => {
      const cwd = mkdtempSync(path.join(work, "deploy-"));
      const tf = fakeTerraform(cwd);
      const r = await run(tsx, [bin, "deploy", "-c", path.join(root, "examples/course.yaml"), "--auto-approve"], cwd, tf.env);
      expect(r.status, r.stderr).toBe(0);
      const stack = path.join(cwd, "cdktf.out/stacks/course");
      expect(tf.calls()).toEqual([
        `${stack}|init -input=false|cdk.tf.json,terraform.tfvars.json`,
        `${stack}|apply -input=false -auto-approve|cdk.tf.json,terraform.tfvars.json`,
      ]);
      expect(r.stdout).toContain("host course: 5 workspaces");
    });

    it("keeps the state, its backup and everything else that holds tokens the admin's alone", async () => {
      const cwd = mkdtempSync(path.join(work, "deploy-"));
      const state = path.join(cwd, "terraform.course.tfstate");
      // A state left readable by everyone, by an older deploy or by `cdktf deploy`.
      for (const file of [state, `${state}.backup`]) {
        writeFileSync(file, "{}\n");
        chmodSync(file, 0o644);
      }
      const script = path.join(cwd, "fake-terraform");
      writeFileSync(script, `#!/bin/sh\numask >> ${cwd}/umask.log\n[ "$1" = apply ] && mkdir -p .terraform && echo '{}' > ${state}.new\nexit 0\n`, {
        mode: 0o755,
      });
      const r = await run(tsx, [bin, "deploy", "-c", path.join(root, "examples/course.yaml"), "--auto-approve"], cwd, {
        TERRAFORM_BINARY_NAME: script,
        DOCKER_HOST: "tcp://docker.invalid:2376",
      });
      expect(r.status, r.stderr).toBe(0);
      expect(readFileSync(path.join(cwd, "umask.log"), "utf8")).toBe("0077\n0077\n");
      const stack = path.join(cwd, "cdktf.out/stacks/course");
      const mode = (p: string) => [path.relative(cwd, p), (statSync(p).mode & 0o777).toString(8)];
      expect(
        [state, `${state}.backup`, `${state}.new`, path.join(stack, "terraform.tfvars.json"), path.join(cwd, "homedock-secrets/tokens.json")].map(mode),
      ).toEqual([
        ["terraform.course.tfstate", "600"],
        ["terraform.course.tfstate.backup", "600"],
        ["terraform.course.tfstate.new", "600"],
        ["cdktf.out/stacks/course/terraform.tfvars.json", "600"],
        ["homedock-secrets/tokens.json", "600"],
      ]);
      expect([path.join(cwd, "cdktf.out"), path.join(stack, ".terraform"), path.join(cwd, "homedock-secrets")].map(mode)).toEqual([
        ["cdktf.out", "700"],
        ["cdktf.out/stacks/course/.terraform", "700"],
        ["homedock-secrets", "700"],
      ]);
    });

    it("says so when Terraform is not there", async () => {
      const cwd = mkdtempSync(path.join(work, "deploy-"));
      const r = await run(tsx, [bin, "deploy", "-c", path.join(root, "examples/course.yaml")], cwd, {
        TERRAFORM_BINARY_NAME: path.join(cwd, "no-such-terraform"),
        DOCKER_HOST: "tcp://docker.invalid:2376",
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`homedock: cannot run ${path.join(cwd, "no-such-terraform")}: ENOENT`);
    });
  });
});
