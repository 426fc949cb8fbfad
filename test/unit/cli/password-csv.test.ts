// A class list for `homedock passwd --from-csv`: every line checked, each problem one
// line naming the line, no password ever shown; and what --generate makes and writes.
import { describe, expect, it } from "vitest";
import { generatePassword, parsePasswordCsv, passwordCsv, passwordProblem } from "../../../src/cli/password-csv";

const USERS = new Set(["alice", "bob", "carol"]);
const parse = (text: string) => parsePasswordCsv(text, "class.csv", USERS, "lab.yaml");

describe("parsePasswordCsv", () => {
  it("reads user,password lines: a header, blank lines, CRLF, a byte order mark; the password as it is, spaces and all", () => {
    const text = '\uFEFFUser,Password\r\nalice,correct horse \r\n\r\n bob ,Tr0ub4dor&3;x\ncarol,"quoted"pw\n';
    expect(parse(text)).toEqual({
      lines: [
        { user: "alice", line: 2, password: "correct horse " },
        { user: "bob", line: 4, password: "Tr0ub4dor&3;x" },
        { user: "carol", line: 5, password: '"quoted"pw' },
      ],
      problems: [],
    });
  });

  it("takes a header only on the first line", () => {
    expect(parse("alice,correct horse\nuser,password\n").problems).toEqual([
      "class.csv:2: expected a user of lab.yaml; found another name (not shown: it may be a password in the wrong column)",
    ]);
  });

  // Each: the file, and the one line it gets.
  it.each([
    [
      "an unknown user",
      "alice,correct horse\nzed,battery staple\n",
      "class.csv:2: expected a user of lab.yaml; found another name (not shown: it may be a password in the wrong column)",
    ],
    ["a short password", "alice,hunter2\n", "class.csv:1: alice's password: expected at least 8 characters"],
    ["a password bcrypt would cut", `alice,${"é".repeat(40)}\n`, "class.csv:1: alice's password: expected at most 72 bytes (bcrypt ignores the rest)"],
    ["a stray carriage return", "alice,correct\rhorse\n", "class.csv:1: alice's password: expected no NUL or line break"],
    [
      "a duplicate user",
      "alice,correct horse\nbob,battery staple\nalice,correct horse 2\n",
      "class.csv:3: alice again (first on line 1); expected each user once",
    ],
    ["no comma", "alice correct horse\n", "class.csv:1: expected user,password; found no comma"],
    [
      "too many fields",
      "alice,correct,horse\n",
      "class.csv:1: expected user,password; found 3 fields (no quoting: a password with a comma is set with homedock passwd --stdin)",
    ],
    ["an empty user", ",correct horse\n", "class.csv:1: expected a user name before the comma; found none"],
    ["swapped columns", "correct horse,alice\n", "class.csv:1: expected user,password; found password,user (the columns swapped)"],
    ["nothing but a header", "user,password\n\n", "class.csv: expected user,password lines; found none"],
    ["an empty file", "", "class.csv: expected user,password lines; found none"],
  ])("%s: one line naming it, no lines taken, no password shown", (_, text, problem) => {
    const { lines, problems } = parse(text);
    expect(problems).toEqual([problem]);
    expect(lines).toEqual([]);
    for (const secret of ["correct", "horse", "hunter", "battery", "é"]) expect(problems.join("\n")).not.toContain(secret);
  });

  it("names every problem at once, in the order of the lines, two on one line if it has two", () => {
    expect(parse("zed,short\nalice,correct horse\nbob\nalice,x\n").problems).toEqual([
      "class.csv:1: expected a user of lab.yaml; found another name (not shown: it may be a password in the wrong column)",
      "class.csv:1: password: expected at least 8 characters",
      "class.csv:3: expected user,password; found no comma",
      "class.csv:4: alice again (first on line 2); expected each user once",
      "class.csv:4: alice's password: expected at least 8 characters",
    ]);
  });

  it("lists 20 problems and counts the rest: a file of the wrong kind has one on every line", () => {
    const { problems } = parse("a:b:c\n".repeat(50));
    expect(problems).toHaveLength(21);
    expect(problems[20]).toBe("... and 30 more problems");
  });
});

describe("generatePassword", () => {
  it("makes 20 unambiguous characters in four groups of five, different each time, that passwd accepts", () => {
    const made = Array.from({ length: 200 }, generatePassword);
    for (const p of made) {
      expect(p).toMatch(/^[2-9a-hjkmnp-z]{5}(-[2-9a-hjkmnp-z]{5}){3}$/);
      expect(passwordProblem(p)).toBeUndefined();
    }
    expect(new Set(made).size).toBe(made.length);
    // Every character of the alphabet turns up: nothing is left out by an off-by-one.
    expect(new Set(made.join("").replaceAll("-", "")).size).toBe(31);
  });
});

describe("passwordCsv", () => {
  it("writes the header and a line per user, which reads back as it was written", () => {
    const passwords = [
      { user: "alice", password: generatePassword() },
      { user: "bob", password: generatePassword() },
    ];
    const text = passwordCsv(passwords);
    expect(text).toBe(`user,password\nalice,${passwords[0].password}\nbob,${passwords[1].password}\n`);
    expect(parse(text)).toEqual({ lines: passwords.map((p, i) => ({ ...p, line: i + 2 })), problems: [] });
  });
});
