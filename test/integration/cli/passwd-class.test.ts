// `homedock passwd --from-csv` and `--generate` as a process: a class's passwords stored
// as bcrypt hashes bound to the right uids, a bad line naming itself and storing nothing,
// generated passwords written once to a new 0600 list and nowhere else.
import { compareSync } from "bcryptjs";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PASSWORDS_FILE, readPasswords } from "../../../src/output/secrets";
import { homedock as run } from "../../helpers/cli";
import { frontDoorConfig } from "../../helpers/synth";

const work = mkdtempSync(path.join(tmpdir(), "homedock-passwd-class-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const homedock = (cwd: string, args: string[], input = "") => run(args, { cwd, input });

/** A directory with lab.yaml (alice 2001, bob 2002, carol 2003, all with routes). */
function lab(): string {
  const dir = mkdtempSync(path.join(work, "lab-"));
  writeFileSync(path.join(dir, "lab.yaml"), JSON.stringify(frontDoorConfig()));
  return dir;
}

/** Every file under `dir` but the class lists, read. */
function contents(dir: string, except: readonly string[] = []): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && !except.includes(path.join(e.parentPath, e.name)))
    .map((e) => readFileSync(path.join(e.parentPath, e.name), "utf8"));
}

function verify(dir: string, user: string, password: string, uid: number): void {
  const entry = readPasswords(dir)[user] as { hash: string; uid: number };
  expect(entry.uid).toBe(uid);
  expect(entry.hash).toMatch(/^\$2b\$12\$/);
  expect(compareSync(password, entry.hash), `${user}'s hash`).toBe(true);
}

describe("homedock passwd --from-csv", () => {
  it("stores each listed user's hash, bound to their uid, in one write; the passwords are nowhere", async () => {
    const dir = lab();
    expect((await homedock(dir, ["passwd", "carol", "-c", "lab.yaml", "--stdin"], "carol's old one\n")).status).toBe(0);
    writeFileSync(path.join(dir, "class.csv"), "user,password\r\nalice,correct horse no staple\r\nbob,Tr0ub4dor&3 x\r\n");
    const r = await homedock(dir, ["passwd", "--from-csv", "class.csv", "-c", "lab.yaml"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(`stored bcrypt hashes of alice (uid 2001), bob (uid 2002) in ${PASSWORDS_FILE}; synth, compose or deploy to apply them\n`);
    expect(r.status).toBe(0);
    expect(statSync(path.join(dir, PASSWORDS_FILE)).mode & 0o777).toBe(0o600);
    verify(dir, "alice", "correct horse no staple", 2001);
    verify(dir, "bob", "Tr0ub4dor&3 x", 2002);
    // carol was not in the list: hers stays.
    verify(dir, "carol", "carol's old one", 2003);
    expect(contents(dir, [path.join(dir, "class.csv")]).filter((t) => t.includes("staple") || t.includes("Tr0ub4dor"))).toEqual([]);
  });

  it("reads standard input with -, and says on standard error that many take a while to hash", async () => {
    const dir = lab();
    const r = await homedock(dir, ["passwd", "--from-csv", "-", "-c", "lab.yaml"], "carol,battery staple\n");
    expect([r.status, r.stderr]).toEqual([0, ""]);
    verify(dir, "carol", "battery staple", 2003);
    const names = ["ann", "ben", "cid", "dee", "eve"];
    writeFileSync(path.join(dir, "five.yaml"), JSON.stringify(frontDoorConfig(names)));
    const five = await homedock(dir, ["passwd", "--from-csv", "-", "-c", "five.yaml"], names.map((n) => `${n},${n} battery staple\n`).join(""));
    expect([five.status, five.stderr]).toEqual([0, "hashing 5 passwords (bcrypt cost 12)...\n"]);
    verify(dir, "eve", "eve battery staple", 2005);
  });

  // Each: the list (after a good first line), and the line the command says. Nothing is stored: not the good line either.
  it.each([
    [
      "an unknown user",
      "zed,battery staple\n",
      "class.csv:3: expected a user of lab.yaml; found another name (not shown: it may be a password in the wrong column)",
    ],
    ["a short password", "bob,hunter2\n", "class.csv:3: bob's password: expected at least 8 characters"],
    ["a duplicate user", "alice,battery staple\n", "class.csv:3: alice again (first on line 2); expected each user once"],
    ["a line without a comma", "bob battery staple\n", "class.csv:3: expected user,password; found no comma"],
    [
      "too many fields",
      "bob,battery,staple\n",
      "class.csv:3: expected user,password; found 3 fields (no quoting: a password with a comma is set with homedock passwd --stdin)",
    ],
    ["an empty user", ",battery staple\n", "class.csv:3: expected a user name before the comma; found none"],
  ])("%s: exit 1, one line naming the line, nothing stored", async (_, bad, line) => {
    const dir = lab();
    expect((await homedock(dir, ["passwd", "carol", "-c", "lab.yaml", "--stdin"], "carol's old one\n")).status).toBe(0);
    const before = readFileSync(path.join(dir, PASSWORDS_FILE), "utf8");
    writeFileSync(path.join(dir, "class.csv"), `user,password\nalice,correct horse\n${bad}`);
    const r = await homedock(dir, ["passwd", "--from-csv", "class.csv", "-c", "lab.yaml"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`homedock passwd: ${line}\nhomedock passwd: nothing stored: class.csv has a problem\n`);
    for (const secret of ["correct", "battery", "staple", "hunter"]) expect(r.stderr).not.toContain(secret);
    expect(readFileSync(path.join(dir, PASSWORDS_FILE), "utf8")).toBe(before);
  });

  it("stores nothing, not even a directory, when the list is wrong and there was no password file", async () => {
    const dir = lab();
    writeFileSync(path.join(dir, "class.csv"), "alice,correct horse\nzed,x\n");
    const r = await homedock(dir, ["passwd", "--from-csv", "class.csv", "-c", "lab.yaml"]);
    expect(r.status).toBe(1);
    expect(r.stderr.split("\n")).toHaveLength(4);
    expect(existsSync(path.join(dir, path.dirname(PASSWORDS_FILE)))).toBe(false);
    const missing = await homedock(dir, ["passwd", "--from-csv", "nosuch.csv", "-c", "lab.yaml"]);
    expect([missing.status, missing.stderr]).toEqual([1, "homedock passwd: cannot read nosuch.csv: ENOENT; nothing stored\n"]);
  });
});

describe("homedock passwd --generate", () => {
  /** The list's lines after the header, as [user, password]. */
  const list = (file: string) =>
    readFileSync(file, "utf8")
      .split("\n")
      .slice(1, -1)
      .map((l) => l.split(",") as [string, string]);

  it("writes the new passwords once to a 0600 list, and stores only their hashes, bound to the uids", async () => {
    const dir = lab();
    const r = await homedock(dir, ["passwd", "--generate", "alice", "bob", "-c", "lab.yaml", "--out", "handout.csv"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const out = path.join(dir, "handout.csv");
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const made = list(out);
    expect(made.map(([user]) => user)).toEqual(["alice", "bob"]);
    verify(dir, "alice", made[0][1], 2001);
    verify(dir, "bob", made[1][1], 2002);
    expect(made[0][1]).not.toBe(made[1][1]);
    // The list is the only place they are: not the output, not any other file.
    expect(r.stdout).toBe(
      "wrote 2 new passwords to handout.csv (mode 0600), the only copy: hand them out, then delete it\n" +
        `stored bcrypt hashes of alice (uid 2001), bob (uid 2002) in ${PASSWORDS_FILE}; synth, compose or deploy to apply them\n`,
    );
    expect(contents(dir, [out]).filter((t) => made.some(([, p]) => t.includes(p)))).toEqual([]);

    // Never over an existing list: refused before anything is made or stored.
    const before = readFileSync(path.join(dir, PASSWORDS_FILE), "utf8");
    const again = await homedock(dir, ["passwd", "--generate", "carol", "-c", "lab.yaml", "--out", "handout.csv"]);
    expect([again.status, again.stderr]).toEqual([1, "homedock passwd: handout.csv exists: not overwritten, nothing stored (give another --out)\n"]);
    expect(list(out)).toEqual(made);
    expect(readFileSync(path.join(dir, PASSWORDS_FILE), "utf8")).toBe(before);
  });

  it("--all-missing: every user with a route and no usable password, the list in homedock-secrets by default; then nobody", async () => {
    const dir = lab();
    expect((await homedock(dir, ["passwd", "alice", "-c", "lab.yaml", "--stdin"], "alice's own one\n")).status).toBe(0);
    const r = await homedock(dir, ["passwd", "--generate", "--all-missing", "-c", "lab.yaml"]);
    expect([r.status, r.stderr]).toEqual([0, ""]);
    const [file] = readdirSync(path.join(dir, "homedock-secrets")).filter((f) => f.endsWith(".csv"));
    expect(file).toMatch(/^new-passwords-\d{8}-\d{6}\.csv$/);
    const out = path.join(dir, "homedock-secrets", file);
    expect(r.stdout.split("\n")[0]).toBe(
      `wrote 2 new passwords to ${path.join("homedock-secrets", file)} (mode 0600), the only copy: hand them out, then delete it`,
    );
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const made = list(out);
    expect(made.map(([user]) => user)).toEqual(["bob", "carol"]);
    verify(dir, "bob", made[0][1], 2002);
    verify(dir, "carol", made[1][1], 2003);
    verify(dir, "alice", "alice's own one", 2001);
    const none = await homedock(dir, ["passwd", "--generate", "--all-missing", "-c", "lab.yaml", "--out", "more.csv"]);
    expect([none.status, none.stdout]).toEqual([0, "every user with a front door route has a usable password; nothing written\n"]);
    expect(existsSync(path.join(dir, "more.csv"))).toBe(false);
  });

  it.each([
    [["--generate", "alice", "zed"], 'lab.yaml: users: got no user "zed"; expected one of alice, bob, carol\n'],
    [["--generate"], "homedock passwd: --generate takes users, or --all-missing\n"],
    [["--generate", "--all-missing", "bob"], "homedock passwd: --generate takes users or --all-missing; got both (bob)\n"],
    [["--all-missing"], "homedock passwd: --all-missing goes with --generate\n"],
    [["alice", "--out", "x.csv", "--stdin"], "homedock passwd: --out goes with --generate\n"],
    [["--from-csv", "class.csv", "alice"], "homedock passwd: --from-csv takes its users from the file; got also alice\n"],
    [["alice", "bob", "--stdin"], "homedock passwd: expected one user; got 2 (--generate or --from-csv set several)\n"],
  ])("%j: one line, exit 1, nothing written", async (args, said) => {
    const dir = lab();
    const r = await homedock(dir, ["passwd", ...args, "-c", "lab.yaml"], "correct horse\n");
    expect([r.status, r.stderr]).toEqual([1, said]);
    expect(readdirSync(dir)).toEqual(["lab.yaml"]);
  });
});
