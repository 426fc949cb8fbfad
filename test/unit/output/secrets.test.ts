import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildModel } from "../../../src/model/model";
import { ConfigError } from "../../../src/config/issues";
import { renderCaddyfile } from "../../../src/render/caddyfile";
import { SECRETS_DIR } from "../../../src/render/secret-paths";
import {
  deletePassword,
  generatedPasswordsFile,
  lockedOut,
  PASSWORDS_FILE,
  readPasswords,
  staleHashes,
  type StoredPassword,
  usableHashes,
  usersWithoutPassword,
  workspaceTokens,
  writePassword,
  writePasswordHashes,
} from "../../../src/output/secrets";
import { writePrivate } from "../../../src/output/secret-files";
import { TOKENS_VARIABLE } from "../../../constructs/host";
import { synth, writeCompose } from "../../../src/output/output";
import { courseConfig, frontDoorConfig } from "../../helpers/synth";

const dir = mkdtempSync(path.join(tmpdir(), "homedock-secrets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const model = buildModel(courseConfig());
const mode = (p: string) => statSync(p).mode & 0o777;

describe("workspace tokens", () => {
  const compose = writeCompose(model, path.join(dir, "docker-compose.yml"));
  const stack = path.dirname(synth(model, path.join(dir, "cdktf.out")));
  const tokens: Record<string, string> = JSON.parse(readFileSync(path.join(dir, SECRETS_DIR, "tokens.json"), "utf8"));

  it("one per workspace, 32 random bytes, kept private", () => {
    expect(Object.keys(tokens).sort()).toEqual(["alice.python-course", "alice.r-intro", "bob.python-course", "carol.python-course", "carol.r-intro"]);
    for (const token of Object.values(tokens)) expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(Object.values(tokens)).size).toBe(5);
    expect(mode(path.join(dir, SECRETS_DIR))).toBe(0o700);
    for (const f of readdirSync(path.join(dir, SECRETS_DIR))) expect([f, mode(path.join(dir, SECRETS_DIR, f))]).toEqual([f, 0o600]);
  });

  it("reach Terraform and Compose through private files, never through the rendered ones", () => {
    const tfvars = JSON.parse(readFileSync(path.join(stack, "terraform.tfvars.json"), "utf8"));
    // By container name: the variable is shared by every host in a stack.
    expect(tfvars).toEqual({ [TOKENS_VARIABLE]: Object.fromEntries(Object.entries(tokens).map(([key, token]) => [`course-${key}`, token])) });
    expect(mode(path.join(stack, "terraform.tfvars.json"))).toBe(0o600);
    expect(readFileSync(path.join(dir, SECRETS_DIR, "bob.python-course.env"), "utf8")).toBe(`JUPYTER_TOKEN=${tokens["bob.python-course"]}\n`);
    const rendered = readFileSync(compose, "utf8") + readFileSync(path.join(stack, "cdk.tf.json"), "utf8");
    for (const token of Object.values(tokens)) expect(rendered).not.toContain(token);
  });

  it("stay the same across renders, and a new workspace gets its own", () => {
    const config = courseConfig();
    config.users = [...config.users!, { name: "dave", uid: 1004, gid: 1004 }];
    writeCompose(buildModel(config), path.join(dir, "docker-compose.yml"));
    const again: Record<string, string> = JSON.parse(readFileSync(path.join(dir, SECRETS_DIR, "tokens.json"), "utf8"));
    expect(again).toMatchObject(tokens);
    expect(again["dave.python-course"]).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("a tokens.json not as homedock writes it", () => {
  const secret = "0123456789abcdef".repeat(4);
  /** The error workspaceTokens gives for a tokens.json of `text`, and the file, left as it was. */
  function refused(text: string): { file: string; err: ConfigError } {
    const here = mkdtempSync(path.join(dir, "tokens-"));
    mkdirSync(path.join(here, SECRETS_DIR));
    const file = path.join(here, SECRETS_DIR, "tokens.json");
    writeFileSync(file, text);
    let err: unknown;
    try {
      workspaceTokens(here, model);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(readFileSync(file, "utf8")).toBe(text);
    expect(readdirSync(path.join(here, SECRETS_DIR))).toEqual(["tokens.json"]);
    return { file, err: err as ConfigError };
  }

  it("is refused in one line naming the file and what it should be, whether not JSON or not an object", () => {
    for (const text of [`{"alice.python-course": "${secret}"`, "", `["${secret}"]`, "null", `"${secret}"`]) {
      const { file, err } = refused(text);
      expect(err.message).toBe(`${file}: expected a JSON object of workspaces ("<user>.<environment>") to their Jupyter tokens, as homedock writes it`);
      expect(err.exitCode).toBe(1);
      expect(err.issues).toEqual([{ path: [], message: expect.stringMatching(/^expected a JSON object/), hasValue: false }]);
    }
  });

  it("names each workspace whose token is not one, without showing it", () => {
    const { file, err } = refused(
      JSON.stringify({
        "alice.python-course": secret,
        "bob.python-course": 42,
        "carol.r-intro": `${secret}\nEVIL=1`,
        "carol.python-course": "",
        "dave.gone": null,
      }),
    );
    const expected = "expected a token of letters, digits and punctuation, no spaces (homedock makes 64 hex digits)";
    expect(err.message.split("\n")).toEqual([
      `${file}: bob.python-course: ${expected}; found a number`,
      `${file}: carol.r-intro: ${expected}; found something else (not shown)`,
      `${file}: carol.python-course: ${expected}; found something else (not shown)`,
      `${file}: dave.gone: ${expected}; found null`,
    ]);
    expect(err.issues.map((i) => i.path)).toEqual([["bob.python-course"], ["carol.r-intro"], ["carol.python-course"], ["dave.gone"]]);
    expect(err.message).not.toContain(secret);
  });
});

describe("password hashes, bound to their accounts", () => {
  const hash = (c: string) => `$2b$12$${c.repeat(53)}`;
  // frontDoorConfig: alice 2001, bob 2002, carol 2003.
  const lab = buildModel(frontDoorConfig());
  const entries: Record<string, StoredPassword> = {
    alice: { hash: hash("A"), uid: 2001 },
    bob: { hash: hash("B"), uid: 1002 },
    carol: hash("C"),
    zed: { hash: hash("Z"), uid: 2009 },
  };

  it("only a hash set for the uid its user has now is rendered", () => {
    expect(usableHashes(lab, entries)).toEqual({ alice: hash("A") });
    const caddyfile = renderCaddyfile(lab, usableHashes(lab, entries));
    for (const c of "BCZ") expect(caddyfile).not.toContain(hash(c));
    expect(caddyfile).not.toContain("/user/bob");
  });

  it("each hash not rendered is one warning line: the uid changed, no uid (legacy), the account gone", () => {
    expect(staleHashes(lab, entries)).toEqual([
      "bob's password hash was set for uid 1002, and bob is now uid 2002: not used, bob is locked out of the front door until homedock passwd bob",
      "carol's password hash has no uid (stored before hashes were bound to accounts; whose it was cannot be known): not used, carol is locked out of the front door until it is set again with homedock passwd carol",
      "zed's password hash is of an account no longer in the config: not used (homedock passwd --delete zed removes it)",
    ]);
    // Beside the users without any, and never twice for one user.
    const { alice: _, ...rest } = entries;
    expect(lockedOut(lab, rest)).toEqual([
      "alice has no password (homedock passwd alice): locked out of the front door until one is set",
      ...staleHashes(lab, rest),
    ]);
    expect(staleHashes(buildModel(courseConfig()), entries)).toEqual([]);
  });

  it("passwd writes the uid beside the hash, keeps the other entries as they are, and --delete removes one", () => {
    const here = mkdtempSync(path.join(dir, "passwords-"));
    mkdirSync(path.join(here, SECRETS_DIR));
    writeFileSync(path.join(here, PASSWORDS_FILE), JSON.stringify({ carol: hash("C") }));
    writePassword(here, "alice", 2001, hash("A"));
    expect(JSON.parse(readFileSync(path.join(here, PASSWORDS_FILE), "utf8"))).toEqual({ carol: hash("C"), alice: { hash: hash("A"), uid: 2001 } });
    expect(deletePassword(here, "carol")).toBe(path.join(here, PASSWORDS_FILE));
    expect(readPasswords(here)).toEqual({ alice: { hash: hash("A"), uid: 2001 } });
    const before = readFileSync(path.join(here, PASSWORDS_FILE), "utf8");
    expect(deletePassword(here, "carol")).toBeUndefined();
    expect(readFileSync(path.join(here, PASSWORDS_FILE), "utf8")).toBe(before);
  });

  it("--all-missing takes the users with a route and no usable hash: none stored, another uid's, or one without a uid", () => {
    // carol's hash has no uid; bob's was set for another uid; zed is not in the config.
    expect(usersWithoutPassword(lab, entries).map((u) => u.name)).toEqual(["bob", "carol"]);
    const { alice: _, ...rest } = entries;
    expect(usersWithoutPassword(lab, rest).map((u) => u.name)).toEqual(["alice", "bob", "carol"]);
    // No front door, nobody to let in.
    expect(usersWithoutPassword(buildModel(courseConfig()), {})).toEqual([]);
  });

  it("a class's hashes are stored in one write beside the others, and --generate's default list is new and private", () => {
    const here = mkdtempSync(path.join(dir, "class-"));
    writePassword(here, "carol", 2003, hash("C"));
    writePasswordHashes(here, { alice: { hash: hash("A"), uid: 2001 }, bob: { hash: hash("B"), uid: 2002 } });
    expect(readPasswords(here)).toEqual({ carol: { hash: hash("C"), uid: 2003 }, alice: { hash: hash("A"), uid: 2001 }, bob: { hash: hash("B"), uid: 2002 } });
    const list = generatedPasswordsFile(here, new Date("2026-12-02T10:15:00.123Z"));
    expect(list).toBe(path.join(here, SECRETS_DIR, "new-passwords-20261202-101500.csv"));
    writePrivate(list, "user,password\n", { exclusive: true });
    expect(mode(list)).toBe(0o600);
    expect(() => writePrivate(list, "other\n", { exclusive: true })).toThrow(expect.objectContaining({ code: "EEXIST" }));
    expect(readFileSync(list, "utf8")).toBe("user,password\n");
  });

  it("a file not as passwd writes it: one line per user and field, no value shown", () => {
    const here = mkdtempSync(path.join(dir, "bad-"));
    mkdirSync(path.join(here, SECRETS_DIR));
    const file = path.join(here, PASSWORDS_FILE);
    writeFileSync(
      file,
      JSON.stringify({
        alice: { hash: "hunter2", uid: 2001 },
        bob: { hash: hash("B"), uid: "$2b$12$sekrit" },
        carol: { hash: hash("C") },
        dave: { hash: hash("D"), uid: -1, password: "hunter3" },
        erin: 42,
        frank: null,
        gina: [hash("G")],
        hal: { uid: 2008 },
      }),
    );
    const problems = (() => {
      try {
        readPasswords(here);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).message;
      }
      return expect.unreachable();
    })();
    expect(problems.split("\n")).toEqual(
      [
        "alice: hash: expected a bcrypt hash ($2a$ or $2b$, as homedock passwd writes it); found something else (not shown)",
        "bob: uid: expected the account's uid, a whole number (as homedock passwd writes it); found something else (not shown)",
        "carol: uid: expected the account's uid, a whole number (as homedock passwd writes it); found none",
        "dave: uid: expected the account's uid, a whole number (as homedock passwd writes it); found something else (not shown)",
        "dave: password: expected only hash and uid",
        'erin: expected { "hash": <bcrypt hash>, "uid": <uid> }, as homedock passwd writes it; found a number',
        'frank: expected { "hash": <bcrypt hash>, "uid": <uid> }, as homedock passwd writes it; found null',
        'gina: expected { "hash": <bcrypt hash>, "uid": <uid> }, as homedock passwd writes it; found a list',
        "hal: hash: expected a bcrypt hash; found none",
      ].map((line) => `${file}: ${line}`),
    );
    for (const secret of ["hunter", "sekrit", ..."BCDG".split("").map(hash)]) expect(problems).not.toContain(secret);
  });

  it("each problem is an issue of its user and field, its value left out", () => {
    const here = mkdtempSync(path.join(dir, "bad-"));
    mkdirSync(path.join(here, SECRETS_DIR));
    writeFileSync(path.join(here, PASSWORDS_FILE), JSON.stringify({ alice: { hash: "hunter2", uid: 2001 } }));
    expect(() => readPasswords(here)).toThrow(
      expect.objectContaining({
        issues: [
          {
            path: ["alice", "hash"],
            message: "expected a bcrypt hash ($2a$ or $2b$, as homedock passwd writes it); found something else (not shown)",
            hasValue: false,
          },
        ],
      }),
    );
  });
});
