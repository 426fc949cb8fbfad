// The `homedock users` commands: import (files and standard input in, the config
// rewritten whole or not at all) and check when the Docker host cannot be read.
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { homedock as run } from "../../helpers/cli";

const work = mkdtempSync(path.join(tmpdir(), "homedock-users-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const CONFIG = `host: {name: lab}   # a lab
environments: [{name: py, image: "x/py:1", command: [sleep, "1"]}]
`;
const PASSWD = "root:x:0:0::/root:/bin/sh\nann:x:1500:1500::/home/ann:/bin/sh\n";
const GROUP = "root:x:0:\nann:x:1500:\nteam:x:1600:ann\n";

const homedock = (cwd: string, args: string[], input = "", env: NodeJS.ProcessEnv = {}) => run(args, { cwd, input, env });

function scenario(name: string): string {
  const dir = mkdtempSync(path.join(work, `${name}-`));
  writeFileSync(path.join(dir, "homedock.yaml"), CONFIG);
  writeFileSync(path.join(dir, "passwd"), PASSWD);
  writeFileSync(path.join(dir, "group"), GROUP);
  return dir;
}

describe("homedock users import", { timeout: 90_000 }, () => {
  it("reads getent's output from standard input and rewrites the config in place, keeping its mode and its link", async () => {
    const dir = scenario("stdin");
    chmodSync(path.join(dir, "homedock.yaml"), 0o640);
    mkdirSync(path.join(dir, "repo"));
    renameSync(path.join(dir, "homedock.yaml"), path.join(dir, "repo/host.yaml"));
    symlinkSync("repo/host.yaml", path.join(dir, "homedock.yaml"));
    const r = await homedock(dir, ["users", "import", "--passwd-file", "-", "--group-file", "group"], PASSWD);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("added ann (1500:1500, /home/ann)\nwrote homedock.yaml\n");
    expect(r.status).toBe(0);
    expect(readFileSync(path.join(dir, "homedock.yaml"), "utf8")).toBe(
      `${CONFIG}users:\n  - name: ann\n    uid: 1500\n    gid: 1500\n    supplementaryGids: [1600]\n`,
    );
    expect(statSync(path.join(dir, "homedock.yaml")).mode & 0o777).toBe(0o640);
    expect(lstatSync(path.join(dir, "homedock.yaml")).isSymbolicLink()).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(["group", "homedock.yaml", "passwd", "repo"]);
    expect(readdirSync(path.join(dir, "repo"))).toEqual(["host.yaml"]);
    const again = await homedock(dir, ["users", "import", "--passwd-file", "passwd", "--group-file", "group"]);
    expect(again.stdout).toBe("homedock.yaml: nothing to change\n");
  });

  it("prints the diff with --dry-run and writes nothing; names each refused account on standard error", async () => {
    const dir = scenario("dry");
    writeFileSync(path.join(dir, "passwd"), `${PASSWD}John.Doe:x:1501:1501::/home/John.Doe:/bin/sh\n`);
    const r = await homedock(dir, ["users", "import", "-c", "homedock.yaml", "--passwd-file", "passwd", "--group-file", "group", "--dry-run"]);
    expect(r.stderr).toBe(
      `refused John.Doe (passwd:3): name "John.Doe": expected 1-32 characters: lowercase letters, digits, '_' or '-', starting with a letter or '_'; see README "Users from the host"\n`,
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("+users:\n+  - name: ann\n+    uid: 1500\n");
    expect(r.stdout).toContain("homedock.yaml: dry run, nothing written\n");
    expect(readFileSync(path.join(dir, "homedock.yaml"), "utf8")).toBe(CONFIG);
  });

  it("writes nothing when the database has an error: one line naming file and line, exit 1", async () => {
    const dir = scenario("bad");
    writeFileSync(path.join(dir, "passwd"), `${PASSWD}broken:x:1501\n`);
    const r = await homedock(dir, ["users", "import", "--passwd-file", "passwd", "--group-file", "group"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("passwd:3: expected 7 fields name:password:uid:gid:gecos:home:shell, got 3\n");
    expect(r.stdout).toBe("");
    expect(readFileSync(path.join(dir, "homedock.yaml"), "utf8")).toBe(CONFIG);
  });

  it("refuses a bad --uid-range and a missing config, one line each", async () => {
    const dir = scenario("args");
    const range = await homedock(dir, ["users", "import", "--uid-range", "2000-1000"]);
    expect(range.status).toBe(1);
    expect(range.stderr).toContain(
      "option '--uid-range <first-last>' argument '2000-1000' is invalid. got \"2000-1000\"; expected FIRST-LAST, like 1000-59999",
    );
    const missing = await homedock(dir, ["users", "import", "-c", "nope.yaml"]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe("nope.yaml: cannot read the file: ENOENT\n");
  });
});

describe("homedock users check", { timeout: 90_000 }, () => {
  it("says in one line that the Docker host does not answer, exit 2 (and as JSON)", async () => {
    const dir = scenario("check");
    const child = (json: boolean) =>
      homedock(dir, ["users", "check", "-c", "homedock.yaml", ...(json ? ["--json"] : [])], "", { DOCKER_HOST: "tcp://127.0.0.1:1" });
    const text = await child(false);
    expect(text.status).toBe(2);
    expect(text.stderr).toMatch(
      /^homedock users check: the Docker host does not answer: Cannot connect to the Docker daemon at tcp:\/\/127\.0\.0\.1:1\. .*\n$/,
    );
    const json = await child(true);
    expect(json.status).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ host: "lab", ok: false, error: expect.stringMatching(/^the Docker host does not answer/) });
  });
});
