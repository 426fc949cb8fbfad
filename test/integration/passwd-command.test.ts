// `homedock passwd` as a process: the password from standard input, only its bcrypt
// hash stored, one-line errors, and the users still without one named by compose.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, expect, it } from "vitest";
import { PASSWORDS_FILE, readPasswords } from "../../src/render/secrets";
import { homedock as run } from "../cli";
import { frontDoorConfig } from "../helpers";

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
  expect(stored.alice).toMatch(/^\$2b\$12\$/);
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
