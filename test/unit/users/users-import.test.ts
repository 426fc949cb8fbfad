// homedock users import on real-world account files: what is selected, what the
// config then says, what an existing config keeps.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseConfig } from "../../../src/model/load";
import { ConfigError } from "../../../src/config/issues";
import { AccountDatabaseError, parseAccountDatabase } from "../../../src/users/account-db";
import { importUsers, type ImportOptions } from "../../../src/users/import";

const fixture = (name: string) => readFileSync(path.join(__dirname, "../../fixtures/accounts", name), "utf8");
const DEBIAN = { passwd: fixture("debian.passwd"), group: fixture("debian.group") };

const CONFIG = `# the lab
host:
  name: lab
environments:
  - name: py
    image: x/py:1
    command: [sleep, "1"]
  - name: r
    image: x/r:1
    command: [sleep, "1"]
    groups: [stats, staff]   # restricted
`;

function db(passwd: string, group = "") {
  return parseAccountDatabase(passwd, group, { passwd: "passwd", group: "group" });
}

/** The users list the import writes, as plain data. */
function usersOf(text: string): Record<string, unknown>[] {
  return parse(text).users;
}

function imported(passwd: string, group = "", options: ImportOptions = {}, config = CONFIG) {
  const result = importUsers(config, "lab.yaml", db(passwd, group), options);
  return { ...result, users: usersOf(result.text) ?? [] };
}

function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    if (err instanceof AccountDatabaseError || err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error("no error");
}

describe("reading an account database", () => {
  it("takes the regular accounts of Debian's default passwd and skips every system account", () => {
    const { users, refused } = imported(DEBIAN.passwd, DEBIAN.group);
    expect(users).toEqual([
      { name: "alice", uid: 1000, gid: 1000, supplementaryGids: [100, 1100], groups: ["stats"] },
      { name: "bob", uid: 1001, gid: 1001, supplementaryGids: [100] },
    ]);
    expect(refused).toEqual([]);
  });

  it("skips comments, blank lines, NIS compat lines and carriage returns", () => {
    const passwd = [
      "# local accounts",
      "",
      "   ",
      "carol:x:1500:1500::/home/carol:/bin/sh\r",
      "+dave::::::",
      "-eve::::::",
      "+@students::::::",
      "+::::::",
      "frank:x:1501:1501::/home/frank:/bin/sh",
    ].join("\n");
    const group = "# groups\n\ncarol:x:1500:\r\n+:::\n-staff:::\nfrank:x:1501:\n";
    expect(imported(passwd, group).users.map((u) => u.name)).toEqual(["carol", "frank"]);
  });

  it.each([
    [
      "a line with too few fields",
      "ok:x:1500:1500::/home/ok:/bin/sh\nbad:x:1501:1501\n",
      "passwd:2: expected 7 fields name:password:uid:gid:gecos:home:shell, got 4",
    ],
    ["a uid that is not a number", "bad:x:15o1:1501::/home/bad:/bin/sh\n", 'passwd:1: uid "15o1": expected a whole number from 0 to 4294967294'],
    ["(uid_t)-1", "bad:x:4294967295:1501::/home/bad:/bin/sh\n", 'passwd:1: uid "4294967295": expected a whole number from 0 to 4294967294'],
    ["an empty name", ":x:1501:1501::/home/x:/bin/sh\n", "passwd:1: expected a name in the first field, got nothing"],
    [
      "the same name twice with another uid",
      "dup:x:1500:1500::/home/dup:/bin/sh\nother:x:1502:1502::/home/other:/bin/sh\ndup:x:1501:1500::/home/dup:/bin/sh\n",
      'passwd:3: account "dup" again, as 1501:1500 /home/dup; line 1 has 1500:1500 /home/dup',
    ],
  ])("refuses %s, naming file and line", (_, passwd, message) => {
    expect(errorOf(() => db(passwd))).toBe(message);
  });

  it("refuses a group file line the same way, and lists every problem", () => {
    expect(errorOf(() => db("a:x:1:2\n", "g:x:1000\nh:x:x1:\n"))).toBe(
      [
        "passwd:1: expected 7 fields name:password:uid:gid:gecos:home:shell, got 4",
        "group:1: expected 4 fields name:password:gid:members, got 3",
        'group:2: gid "x1": expected a whole number from 0 to 4294967294',
      ].join("\n"),
    );
  });

  it("takes a duplicate entry that says the same thing once, as getent prints files and LDAP", () => {
    const line = "carol:x:1500:1500::/home/carol:/bin/sh\n";
    const group = "team:x:1600:carol\nteam:x:1600:dave\n";
    const { accounts, groups } = db(line + line, group);
    expect(accounts.map((a) => a.name)).toEqual(["carol"]);
    expect(groups).toEqual([{ name: "team", gid: 1600, line: 1, members: ["carol", "dave"] }]);
  });

  it("imports a uid above 2^31 exactly", () => {
    const { users } = imported("big:x:3000000000:3000000000::/home/big:/bin/sh\n", "", { uidRange: [2 ** 31, 2 ** 32 - 2] });
    expect(users).toEqual([{ name: "big", uid: 3000000000, gid: 3000000000 }]);
    expect(parseConfig(importUsers(CONFIG, "lab.yaml", db("big:x:3000000000:3000000000::/home/big:/bin/sh\n"), { users: ["big"] }).text).users[0].uid).toBe(
      3000000000,
    );
  });

  it("gives a user in 100 groups all 100 gids, ascending, and only the restricted group names", () => {
    const group = Array.from({ length: 100 }, (_, i) => `g${99 - i}:x:${3000 + 99 - i}:many`).join("\n") + "\nstaff:x:2999:x,many,y\n";
    const { users } = imported("many:x:1500:1500::/home/many:/bin/sh\n", group);
    expect(users[0].supplementaryGids).toEqual(Array.from({ length: 101 }, (_, i) => 2999 + i));
    expect(users[0].groups).toEqual(["staff"]);
  });

  it("keeps a home with spaces, which the model mounts as it is", () => {
    const result = importUsers(CONFIG, "lab.yaml", db("sam:x:1500:1500:Sam:/srv/home/Sam Smith:/bin/sh\n"));
    expect(usersOf(result.text)).toEqual([{ name: "sam", uid: 1500, gid: 1500, home: "/srv/home/Sam Smith" }]);
    expect(parseConfig(result.text).users[0].home).toBe("/srv/home/Sam Smith");
  });
});

describe("selecting accounts", () => {
  const passwd = [
    "sys:x:500:500::/home/sys:/bin/sh",
    "ann:x:1500:1500::/home/ann:/bin/sh",
    "ben:x:1501:1600::/home/ben:/bin/sh",
    "cid:x:1502:1502::/home/cid:/bin/sh",
    "dan:x:70000:1600::/home/dan:/bin/sh",
  ].join("\n");
  const group = "students:x:1600:ann\nstaff:x:1700:cid\n";
  const names = (options: ImportOptions) => imported(passwd, group, options).users.map((u) => u.name);

  it("by group: the primary gid or the member list, within the uid range", () => {
    expect(names({ groups: ["students"] })).toEqual(["ann", "ben"]);
    expect(names({ groups: ["students", "staff"] })).toEqual(["ann", "ben", "cid"]);
  });

  it("by uid range", () => {
    expect(names({})).toEqual(["ann", "ben", "cid"]);
    expect(names({ uidRange: [1501, 80000] })).toEqual(["ben", "cid", "dan"]);
  });

  it("by name, whatever the uid; alone it takes only those", () => {
    expect(names({ users: ["sys", "dan"] })).toEqual(["sys", "dan"]);
    expect(names({ users: ["dan"], groups: ["staff"] })).toEqual(["cid", "dan"]);
  });

  it("refuses a user or group the database does not have", () => {
    expect(errorOf(() => imported(passwd, group, { users: ["zoe"], groups: ["nope"] }))).toBe('passwd: no account "zoe"\ngroup: no group "nope"');
  });
});

describe("names the config refuses", () => {
  it("refuses each such account with its reason and imports the others", () => {
    const long = `a${"b".repeat(32)}`;
    const passwd = [
      "John.Doe:x:1500:1500::/home/John.Doe:/bin/sh",
      "ok:x:1501:1501::/home/ok:/bin/sh",
      `${long}:x:1502:1502::/home/${long}:/bin/sh`,
      "Mary:x:1503:1503::/home/Mary:/bin/sh",
      "rel:x:1504:1504::home/rel:/bin/sh",
      "root2:x:0:0::/root:/bin/sh",
    ].join("\n");
    const { users, refused } = imported(passwd, "", { uidRange: [0, 2000] });
    expect(users.map((u) => u.name)).toEqual(["ok"]);
    expect(refused.map((r) => `${r.account.name}: ${r.reason}`)).toEqual([
      `John.Doe: name "John.Doe": expected 1-32 characters: lowercase letters, digits, '_' or '-', starting with a letter or '_'`,
      `${long}: name "${long}": expected 1-32 characters: lowercase letters, digits, '_' or '-', starting with a letter or '_'`,
      `Mary: name "Mary": expected 1-32 characters: lowercase letters, digits, '_' or '-', starting with a letter or '_'`,
      `rel: home "home/rel": expected an absolute path like /srv/data, without '.', '..', '//' or a trailing '/'`,
      "root2: uid:gid 0:0: workspaces never run as root",
    ]);
  });
});

describe("merging into a config", () => {
  const existing = `${CONFIG}
users:
  # hand-written before the import
  - name: zed           # left the lab
    uid: 1900
    gid: 1900
  - name: ann
    uid: 1400           # before the migration
    gid: 1500
    home: /srv/ann
    memory: 4g          # she asked for it
    cpus: 2
    groups: [staff]
`;
  const passwd = "ann:x:1500:1500::/home/ann:/bin/sh\nben:x:1501:1501::/home/ben:/bin/sh\n";
  const group = "staff:x:1700:ann,ben\n";

  it("keeps users, their order, comments and own keys; reports a changed identity without applying it", () => {
    const { text, changes } = importUsers(existing, "lab.yaml", db(passwd, group));
    expect(text).toBe(
      `${existing}  - name: ben\n    uid: 1501\n    gid: 1501\n    supplementaryGids: [1700]\n    groups: [staff]\n`.replace(
        "    cpus: 2\n    groups: [staff]\n",
        "    cpus: 2\n    groups: [staff]\n    supplementaryGids: [1700]\n",
      ),
    );
    expect(changes).toEqual([
      { kind: "changed", name: "ann", field: "uid", from: 1400, to: 1500, applied: false },
      { kind: "changed", name: "ann", field: "home", from: "/srv/ann", to: "/home/ann", applied: false },
      { kind: "changed", name: "ann", field: "supplementaryGids", from: [], to: [1700], applied: true },
      { kind: "gone", name: "zed", uid: 1900, removed: false },
      expect.objectContaining({ kind: "added" }),
    ]);
  });

  it("applies a changed uid and home with update (a default home is left implicit), and removes gone users with prune", () => {
    const { text } = importUsers(existing, "lab.yaml", db(passwd, group), { update: true, prune: true });
    expect(text).not.toContain("zed");
    expect(text).toContain("# hand-written before the import");
    expect(text).toContain("    uid: 1500 # before the migration\n");
    expect(text).toContain("    memory: 4g          # she asked for it\n    cpus: 2\n");
    expect(usersOf(text)[0]).toEqual({ name: "ann", uid: 1500, gid: 1500, memory: "4g", cpus: 2, groups: ["staff"], supplementaryGids: [1700] });
  });

  it("changes nothing on a second import", () => {
    const once = importUsers(existing, "lab.yaml", db(passwd, group), { update: true, prune: true }).text;
    const twice = importUsers(once, "lab.yaml", db(passwd, group), { update: true, prune: true });
    expect(twice.text).toBe(once);
    expect(twice.changes).toEqual([]);
  });

  it("grows an empty flow list into a block list", () => {
    const { text } = importUsers(`${CONFIG}users: []\n`, "lab.yaml", db(passwd));
    expect(text.endsWith("users:\n  - name: ann\n    uid: 1500\n    gid: 1500\n  - name: ben\n    uid: 1501\n    gid: 1501\n")).toBe(true);
  });

  it("writes new users in the file's own indentation, quoting what would not read back as the same string", () => {
    const config = `${CONFIG}users:\n    -   name: ann\n        uid: 1500\n        gid: 1500\n# the end\n`;
    const { text } = importUsers(config, "lab.yaml", db(`${passwd}null:x:1502:1502::/srv/home/Null User:/bin/sh\non:x:1503:1503::/home/on:/bin/sh\n`));
    expect(text).toBe(
      `${CONFIG}users:\n    -   name: ann\n        uid: 1500\n        gid: 1500\n` +
        `    -   name: ben\n        uid: 1501\n        gid: 1501\n` +
        `    -   name: "null"\n        uid: 1502\n        gid: 1502\n        home: "/srv/home/Null User"\n` +
        `    -   name: "on"\n        uid: 1503\n        gid: 1503\n# the end\n`,
    );
    expect(usersOf(text).map((u) => u.name)).toEqual(["ann", "ben", "null", "on"]);
  });

  it("adds to a flow list with items through the document", () => {
    const { text } = importUsers(`${CONFIG}users: [{name: ann, uid: 1500, gid: 1500}]\n`, "lab.yaml", db(passwd));
    expect(usersOf(text)).toEqual([
      { name: "ann", uid: 1500, gid: 1500 },
      { name: "ben", uid: 1501, gid: 1501 },
    ]);
    expect(text).toContain("# restricted\n");
  });

  it("refuses an invalid config before reading anything else", () => {
    expect(errorOf(() => importUsers(`${CONFIG}users: [{name: a, uid: 0, gid: 1}]\n`, "lab.yaml", db(passwd)))).toBe(
      "lab.yaml: 12:24: users[0].uid: got 0; expected a uid other than 0 (root), or allowRoot: true",
    );
  });

  it("refuses, by name, an account the config would refuse (a uid another user has, a home it forbids) and imports the others", () => {
    const config = `${CONFIG}users:\n  - name: ann\n    uid: 1501\n    gid: 1501\n`;
    const passwd = "ann2:x:1501:1501::/home/ann2:/bin/sh\nsock:x:1502:1502::/run/sock:/bin/sh\ncid:x:1503:1503::/home/cid:/bin/sh\n";
    const { text, refused, changes } = importUsers(config, "lab.yaml", db(passwd));
    expect(usersOf(text).map((u) => u.name)).toEqual(["ann", "cid"]);
    expect(refused.map((r) => [r.account.name, r.account.line, r.reason])).toEqual([
      ["ann2", 1, "uid 1501: expected a uid not used before, but users[0] has it"],
      ["sock", 2, expect.stringMatching(/^home "\/run\/sock": expected a home outside \/run/)],
    ]);
    expect(changes.filter((c) => c.kind === "added").map((c) => c.kind === "added" && c.user.name)).toEqual(["cid"]);
  });

  it("writes nothing when the result would be refused for a reason no new account explains", () => {
    const config = `${CONFIG}users:\n  - name: ann\n    uid: 1400\n    gid: 1500\n  - name: bob\n    uid: 1500\n    gid: 1500\n`;
    expect(
      errorOf(() => importUsers(config, "lab.yaml", db("ann:x:1500:1500::/home/ann:/bin/sh\nbob:x:1500:1500::/home/bob:/bin/sh\n"), { update: true })),
    ).toBe(
      [
        "lab.yaml: the config after the import would be refused, so nothing is written:",
        "lab.yaml:   users[1].uid: got 1500; expected a uid not used before, but users[0] has it",
      ].join("\n"),
    );
  });
});
