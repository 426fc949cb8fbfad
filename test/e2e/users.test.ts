// Users from the host, end to end: accounts made with useradd on this machine are
// imported into a config, deployed (Compose; homedock deploy too given
// HOMEDOCK_PROVIDER_MIRROR), and run as their uids; then `usermod -u` on one account
// and `homedock users check` catches it before any deploy.
import { execFile, execFileSync } from "node:child_process";
import { lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { busyboxImage, docker, dockerStatus, providerMirrorConfig, requireDocker, scenarioRoot, uniqueName } from "../helpers/docker";

const exec = promisify(execFile);
const repo = path.resolve(__dirname, "../..");
const mirror = process.env.HOMEDOCK_PROVIDER_MIRROR;
if (!mirror) {
  console.log("users deploy e2e skipped: set HOMEDOCK_PROVIDER_MIRROR to a Terraform filesystem mirror holding kreuzwerker/docker 4.5.0");
}

let root: string;
let project: string;
let image: string;
let group: string;
/** Account names this test created, removed after it. */
const accounts: string[] = [];
let alice: string;
let bob: string;
const cleanups: (() => Promise<unknown>)[] = [];

const config = () => path.join(root, "homedock.yaml");
const homeOf = (user: string) => path.join(root, "home", user);
const uidOf = (user: string) => Number(execFileSync("id", ["-u", user], { encoding: "utf8" }));

/** The homedock command from the sources; status and both outputs, never a throw. */
async function homedock(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  const { HOMEDOCK_CONFIG: _, ...rest } = process.env;
  try {
    const { stdout, stderr } = await exec(`${repo}/node_modules/.bin/tsx`, [`${repo}/src/cli/cli.ts`, ...args], {
      cwd: root,
      env: { ...rest, CHECKPOINT_DISABLE: "1", ...env },
      maxBuffer: 64 << 20,
    });
    return { status: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { status: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

beforeAll(async () => {
  requireDocker();
  image = busyboxImage("users", { "hello.txt": "hello\n" });
  root = scenarioRoot("users");
  project = uniqueName("hdu");
  group = `${project}g`;
  mkdirSync(path.join(root, "home"));
  mkdirSync(path.join(root, "data"));
  // Real accounts: alice is in the group by its member list, bob by his primary gid.
  execFileSync("groupadd", [group]);
  alice = `${project}a`;
  bob = `${project}b`;
  execFileSync("useradd", ["-m", "-b", path.join(root, "home"), "-U", "-G", group, "-s", "/bin/sh", alice]);
  accounts.push(alice);
  execFileSync("useradd", ["-m", "-b", path.join(root, "home"), "-g", group, "-s", "/bin/sh", bob]);
  accounts.push(bob);
  writeFileSync(
    config(),
    [
      "# imported from this machine's accounts",
      `host: {name: ${project}, homeRoot: ${root}/home, sharedMounts: [{source: ${root}/data}]}`,
      "environments:",
      `  - {name: py, image: "${image}", command: [httpd, -f, -p, "8888"], memory: 64m}`,
      `  - {name: grp, image: "${image}", command: [httpd, -f, -p, "8888"], memory: 64m, groups: [${group}]}`,
      "",
    ].join("\n"),
  );
}, 300_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  // Only what this test made: its accounts (their homes are inside root) and root itself.
  for (const user of accounts) spawnQuiet("userdel", [user]);
  spawnQuiet("groupdel", [group]);
  if (root) rmSync(root, { recursive: true, force: true });
});

function spawnQuiet(cmd: string, args: string[]): void {
  try {
    execFileSync(cmd, args, { stdio: "ignore" });
  } catch {
    // Already gone.
  }
}

describe("homedock users import from /etc/passwd and /etc/group", { timeout: 120_000 }, () => {
  it("imports the group's accounts with their real uid, gid, home and groups", async () => {
    const r = await homedock(["users", "import", "-c", config(), "--group", group]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const gid = Number(execFileSync("getent", ["group", group], { encoding: "utf8" }).split(":")[2]);
    const users = parseDocument(readFileSync(config(), "utf8")).toJS().users;
    expect(users).toEqual([
      { name: alice, uid: uidOf(alice), gid: Number(execFileSync("id", ["-g", alice], { encoding: "utf8" })), supplementaryGids: [gid], groups: [group] },
      { name: bob, uid: uidOf(bob), gid, groups: [group] },
    ]);
    expect(readFileSync(config(), "utf8")).toContain("# imported from this machine's accounts\n");
    const again = await homedock(["users", "import", "-c", config(), "--group", group]);
    expect(again.stdout).toBe(`${config()}: nothing to change\n`);
  });
});

describe("deployed through Compose", { timeout: 120_000 }, () => {
  let file: string;

  beforeAll(async () => {
    file = path.join(root, "docker-compose.yml");
    expect((await homedock(["compose", "-c", config(), "-o", file])).status).toBe(0);
    cleanups.push(() => dockerStatus("compose", "-f", file, "down", "-v", "--remove-orphans"));
    await docker("compose", "-f", file, "up", "-d", "--wait");
  }, 300_000);

  // usermod refuses an account that runs processes: the workspaces stop first.
  afterAll(() => docker("compose", "-f", file, "down", "-v", "--remove-orphans"));

  it("runs every workspace as the account's uid, gid and groups", async () => {
    const gid = execFileSync("getent", ["group", group], { encoding: "utf8" }).split(":")[2];
    for (const user of [alice, bob]) {
      for (const env of ["py", "grp"]) {
        const container = `${project}-${user}.${env}`;
        expect((await docker("exec", container, "id", "-u")).trim()).toBe(String(uidOf(user)));
        expect((await docker("exec", container, "id", "-g")).trim()).toBe(execFileSync("id", ["-g", user], { encoding: "utf8" }).trim());
        expect((await docker("exec", container, "id", "-G")).trim().split(" ")).toContain(gid);
      }
    }
  });

  it("finds nothing wrong: homedock users check passes", async () => {
    const r = await homedock(["users", "check", "-c", config()]);
    expect(r.stdout).toMatch(/: 2 users checked against the Docker host \(read with .*\): 0 errors, 0 warnings\n$/);
    expect(r.status).toBe(0);
  });
});

describe.skipIf(!mirror)("deployed through homedock deploy (Terraform)", { timeout: 300_000 }, () => {
  const name = () => `${project}t`;
  let dir: string;

  beforeAll(() => {
    dir = path.join(root, "deploy");
    mkdirSync(dir);
    writeFileSync(path.join(dir, "cli.tfrc"), providerMirrorConfig(mirror!));
    const doc = parseDocument(readFileSync(config(), "utf8"));
    doc.setIn(["host", "name"], name());
    writeFileSync(path.join(dir, "homedock.yaml"), doc.toString());
  });

  it("runs every workspace as the account's uid", async () => {
    const env = { TF_CLI_CONFIG_FILE: path.join(dir, "cli.tfrc"), TF_IN_AUTOMATION: "1" };
    cleanups.push(() =>
      exec("terraform", ["destroy", "-auto-approve", "-input=false"], { cwd: path.join(dir, "cdktf.out/stacks", name()), env: { ...process.env, ...env } }),
    );
    const r = await homedock(["deploy", "-c", path.join(dir, "homedock.yaml"), "-o", path.join(dir, "cdktf.out"), "--auto-approve"], env);
    expect(r.status, r.stderr + r.stdout.slice(-2000)).toBe(0);
    for (const user of [alice, bob]) {
      expect((await docker("exec", `${name()}-${user}.py`, "id", "-u")).trim()).toBe(String(uidOf(user)));
    }
    await exec("terraform", ["destroy", "-auto-approve", "-input=false"], { cwd: path.join(dir, "cdktf.out/stacks", name()), env: { ...process.env, ...env } });
    expect((await dockerStatus("inspect", `${name()}-${alice}.py`)).status).not.toBe(0);
  });
});

describe("when an account changes on the host", { timeout: 180_000 }, () => {
  let before: number;
  let after: number;

  beforeAll(() => {
    before = uidOf(alice);
    after = before + 20000;
    while (execFileSync("getent", ["passwd"], { encoding: "utf8" }).includes(`:x:${after}:`)) after++;
    // usermod also gives the account's home (and what is in it) to the new uid.
    execFileSync("usermod", ["-u", String(after), alice]);
  });

  it("homedock users check fails before any deploy, naming the user, both uids and the home's owner", async () => {
    expect(lstatSync(homeOf(alice)).uid).toBe(after);
    const r = await homedock(["users", "check", "-c", config()]);
    expect(r.status).toBe(3);
    expect(r.stdout).toContain(`error: ${alice}: uid ${before} in the config, ${after} on the host\n`);
    expect(r.stdout).toContain(`error: ${alice}: home ${homeOf(alice)} is owned by uid ${after}, the workspace runs as uid ${before}\n`);
    expect(r.stdout).not.toContain(`${bob}:`);
    expect(r.stdout).toMatch(/: 2 errors, 0 warnings\n$/);
  });

  it("homedock users import reports the change, applies it only with --update, and the check then passes (--json)", async () => {
    const report = await homedock(["users", "import", "-c", config(), "--group", group]);
    expect(report.stdout).toContain(`differs ${alice}: uid ${before} in the config, ${after} in /etc/passwd (kept; --update applies it)\n`);
    expect((await homedock(["users", "check", "-c", config()])).status).toBe(3);
    expect((await homedock(["users", "import", "-c", config(), "--group", group, "--update"])).status).toBe(0);
    const r = await homedock(["users", "check", "-c", config(), "--json"]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ host: project, users: 2, ok: true, findings: [] });
  });

  it("an account deleted and re-created with another uid, its home left behind: caught even after --update", async () => {
    const old = uidOf(bob);
    let fresh = old + 30000;
    while (execFileSync("getent", ["passwd"], { encoding: "utf8" }).includes(`:x:${fresh}:`)) fresh++;
    execFileSync("userdel", [bob]);
    execFileSync("useradd", ["-M", "-d", homeOf(bob), "-u", String(fresh), "-g", group, "-s", "/bin/sh", bob]);
    expect(lstatSync(homeOf(bob)).uid).toBe(old);
    const r = await homedock(["users", "check", "-c", config()]);
    expect(r.status).toBe(3);
    expect(r.stdout).toContain(`error: ${bob}: uid ${old} in the config, ${fresh} on the host\n`);
    expect((await homedock(["users", "import", "-c", config(), "--group", group, "--update"])).status).toBe(0);
    const after = await homedock(["users", "check", "-c", config(), "--json"]);
    expect(after.status).toBe(3);
    expect(JSON.parse(after.stdout).findings).toEqual([
      {
        severity: "error",
        kind: "home-owner",
        user: bob,
        message: `${bob}: home ${homeOf(bob)} is owned by uid ${old}, the workspace runs as uid ${fresh} (was the account re-created?)`,
      },
    ]);
  });
});
