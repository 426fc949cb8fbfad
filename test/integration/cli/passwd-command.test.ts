// `homedock passwd` as a process: the password from standard input, only its bcrypt
// hash stored (bound to the account's uid), one-line errors, the users still without
// one named by compose, and a hash whose account changed neither rendered nor silent.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, expect, it } from "vitest";
import { PASSWORDS_FILE, readPasswords } from "../../../src/output/secrets";
import { homedock as run } from "../../helpers/cli";
import { frontDoorConfig } from "../../helpers/synth";

const work = mkdtempSync(path.join(tmpdir(), "homedock-passwd-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const homedock = (cwd: string, args: string[], input = "") => run(args, { cwd, input });

/** Every file under `dir`, read. */
function contents(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(path.join(e.parentPath, e.name), "utf8"));
}

it("homedock passwd --stdin stores only a bcrypt hash (0600 in a 0700 directory); the password is nowhere", async () => {
  const dir = mkdtempSync(path.join(work, "passwd-"));
  writeFileSync(path.join(dir, "lab.yaml"), JSON.stringify(frontDoorConfig()));
  const r = await homedock(dir, ["passwd", "alice", "-c", "lab.yaml", "--stdin"], "correct horse battery\n");
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const file = path.join(dir, PASSWORDS_FILE);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
  const stored = readPasswords(dir);
  expect(Object.keys(stored)).toEqual(["alice"]);
  // Bound to alice's uid in the config.
  expect(stored.alice).toEqual({ hash: expect.stringMatching(/^\$2b\$12\$/), uid: 2001 });
  expect(contents(dir).filter((text) => text.includes("correct horse"))).toEqual([]);
  const bad = await homedock(dir, ["passwd", "zed", "-c", "lab.yaml", "--stdin"], "correct horse battery\n");
  expect(bad.status).toBe(1);
  expect(bad.stderr).toBe('lab.yaml: users: got no user "zed"; expected one of alice, bob, carol\n');
  const short = await homedock(dir, ["passwd", "bob", "-c", "lab.yaml", "--stdin"], "short\n");
  expect(short.stderr).toBe("homedock passwd: the password: expected at least 8 characters\n");
  expect(Object.keys(readPasswords(dir))).toEqual(["alice"]);
  // The users still without one are named when the host is rendered; alice is not.
  const compose = await homedock(dir, ["compose", "-c", "lab.yaml", "-o", "docker-compose.yml"]);
  expect(compose.status).toBe(0);
  expect(compose.stdout).toContain("front door: https://lab.example.org:8443/user/<user>/\n");
  expect(compose.stdout.split("\n").filter((l) => l.includes("locked out"))).toEqual([
    "warning: bob has no password (homedock passwd bob): locked out of the front door until one is set",
    "warning: carol has no password (homedock passwd carol): locked out of the front door until one is set",
  ]);
});

it("a hash whose account changed is not rendered, and synth, compose and validate say so; passwd --delete removes it", async () => {
  const dir = mkdtempSync(path.join(work, "stale-"));
  const config = frontDoorConfig();
  writeFileSync(path.join(dir, "lab.yaml"), JSON.stringify(config));
  expect((await homedock(dir, ["passwd", "alice", "-c", "lab.yaml", "--stdin"], "correct horse battery\n")).status).toBe(0);
  const hash = (readPasswords(dir).alice as { hash: string }).hash;
  // A legacy entry (a bare hash, no uid) of a user no longer in the config.
  const file = path.join(dir, PASSWORDS_FILE);
  writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, "utf8")), zed: hash }));
  // alice removed and re-created: same name, another uid.
  config.users = config.users!.map((u) => (u.name === "alice" ? { ...u, uid: 2011, gid: 2011 } : u));
  writeFileSync(path.join(dir, "lab.yaml"), JSON.stringify(config));
  const aliceStale =
    "warning: alice's password hash was set for uid 2001, and alice is now uid 2011: not used, alice is locked out of the front door until homedock passwd alice";
  const zedStale = "warning: zed's password hash is of an account no longer in the config: not used (homedock passwd --delete zed removes it)";

  const compose = await homedock(dir, ["compose", "-c", "lab.yaml", "-o", "docker-compose.yml"]);
  expect(compose.status).toBe(0);
  expect(compose.stdout.split("\n")).toEqual(expect.arrayContaining([aliceStale, zedStale]));
  const caddyfile = readFileSync(path.join(dir, "homedock-secrets/frontdoor/Caddyfile"), "utf8");
  expect(caddyfile).not.toContain(hash);
  expect(caddyfile).not.toContain("/user/alice");

  const synth = await homedock(dir, ["synth", "-c", "lab.yaml", "-o", "cdktf.out"]);
  expect(synth.status).toBe(0);
  expect(synth.stdout.split("\n")).toEqual(expect.arrayContaining([aliceStale, zedStale]));
  expect(contents(path.join(dir, "cdktf.out")).filter((text) => text.includes(hash))).toEqual([]);

  const validate = await homedock(dir, ["validate", "-c", "lab.yaml"]);
  expect(validate.status).toBe(0);
  expect(validate.stdout.split("\n").filter((l) => l.includes("password hash"))).toEqual([aliceStale, zedStale]);

  // --delete: users gone from the config too, and without a config at all.
  for (const user of ["zed", "alice"]) {
    const r = await homedock(dir, ["passwd", "--delete", user]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(`removed ${user}'s password hash from ${PASSWORDS_FILE}; synth, compose or deploy to apply it\n`);
  }
  expect(readPasswords(dir)).toEqual({});
  const before = readFileSync(file, "utf8");
  const none = await homedock(dir, ["passwd", "--delete", "alice"]);
  expect(none.status).toBe(1);
  expect(none.stderr).toBe(`homedock passwd: no password hash of "alice" in ${PASSWORDS_FILE}; nothing changed\n`);
  expect(readFileSync(file, "utf8")).toBe(before);
  expect((await homedock(dir, ["passwd", "--delete", "alice", "--stdin"])).status).toBe(1);
  expect((await homedock(dir, ["validate", "-c", "lab.yaml"])).stdout).not.toContain("password hash");
});
