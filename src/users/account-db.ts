// A host's account database as passwd(5) and group(5) write it: what `getent passwd`
// prints for LDAP or SSSD as well as /etc/passwd itself.
import { MAX_ACCOUNT_ID } from "../config/ids";
import { HomedockError } from "../config/errors";

/** One passwd entry. */
export interface Account {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  /** As the database has it; not checked here (a config may refuse it). */
  readonly home: string;
  /** 1-based line in its file, for messages. */
  readonly line: number;
}

/** One group entry. */
export interface Group {
  readonly name: string;
  readonly gid: number;
  /** Account names listed in the group's member field. */
  readonly members: readonly string[];
  readonly line: number;
}

export interface AccountDatabase {
  /** In file order, each name once. */
  readonly accounts: readonly Account[];
  readonly groups: readonly Group[];
  /** Names the passwd file was read from, for messages ("/etc/passwd", "standard input"). */
  readonly passwdSource: string;
  readonly groupSource: string;
}

/** A database that cannot be trusted: one line per problem, each naming file and line. Exit status 1. */
export class AccountDatabaseError extends HomedockError {
  constructor(readonly lines: readonly string[]) {
    super(lines.join("\n"));
  }

  /** Its lines as they are: each names the file. */
  override report(): string {
    return this.message;
  }
}

/** Problems beyond this many are counted, not listed: a file of the wrong kind has one on every line. */
const MAX_REPORTED = 20;

/**
 * The entries of a colon-separated database: comments, blank lines and NIS compat
 * entries (`+`, `-`: the names come from NIS, which `getent` enumerates) are skipped.
 */
function entries(text: string, fields: number, layout: string, source: string, problems: string[]): { fields: string[]; line: number }[] {
  const out: { fields: string[]; line: number }[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].endsWith("\r") ? lines[i].slice(0, -1) : lines[i];
    if (raw.trim() === "" || raw.startsWith("#") || raw.startsWith("+") || raw.startsWith("-")) continue;
    const parts = raw.split(":");
    if (parts.length !== fields) {
      problems.push(`${source}:${i + 1}: expected ${fields} fields ${layout}, got ${parts.length}`);
    } else if (parts[0] === "") {
      problems.push(`${source}:${i + 1}: expected a name in the first field, got nothing`);
    } else {
      out.push({ fields: parts, line: i + 1 });
    }
  }
  return out;
}

/** A decimal id from 0 to MAX_ACCOUNT_ID, or undefined. */
function id(text: string): number | undefined {
  if (!/^[0-9]{1,10}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= MAX_ACCOUNT_ID ? n : undefined;
}

function idProblem(source: string, line: number, what: string, value: string): string {
  return `${source}:${line}: ${what} ${JSON.stringify(value)}: expected a whole number from 0 to ${MAX_ACCOUNT_ID}`;
}

function parsePasswd(text: string, source: string, problems: string[]): Account[] {
  const accounts: Account[] = [];
  const first = new Map<string, Account>();
  for (const { fields, line } of entries(text, 7, "name:password:uid:gid:gecos:home:shell", source, problems)) {
    const [name, , uidText, gidText, , home] = fields;
    const uid = id(uidText);
    const gid = id(gidText);
    if (uid === undefined) problems.push(idProblem(source, line, "uid", uidText));
    if (gid === undefined) problems.push(idProblem(source, line, "gid", gidText));
    if (uid === undefined || gid === undefined) continue;
    const account = { name, uid, gid, home, line };
    const seen = first.get(name);
    if (seen === undefined) {
      first.set(name, account);
      accounts.push(account);
    } else if (seen.uid !== uid || seen.gid !== gid || seen.home !== home) {
      // The host resolves a name to its first entry, but a second one that differs
      // means the database disagrees with itself: no uid can be trusted.
      problems.push(`${source}:${line}: account "${name}" again, as ${uid}:${gid} ${home}; line ${seen.line} has ${seen.uid}:${seen.gid} ${seen.home}`);
    }
  }
  return accounts;
}

function parseGroup(text: string, source: string, problems: string[]): Group[] {
  const first = new Map<string, { name: string; gid: number; line: number; members: Set<string> }>();
  for (const { fields, line } of entries(text, 4, "name:password:gid:members", source, problems)) {
    const [name, , gidText, memberText] = fields;
    const gid = id(gidText);
    if (gid === undefined) {
      problems.push(idProblem(source, line, "gid", gidText));
      continue;
    }
    const members = memberText
      .split(",")
      .map((m) => m.trim())
      .filter((m) => m !== "");
    const seen = first.get(name);
    if (seen === undefined) first.set(name, { name, gid, line, members: new Set(members) });
    else if (seen.gid !== gid) problems.push(`${source}:${line}: group "${name}" again, with gid ${gid}; line ${seen.line} has gid ${seen.gid}`);
    // `getent group` lists a group once per source (files, LDAP): its members are all of them.
    else for (const m of members) seen.members.add(m);
  }
  return [...first.values()].map((g) => ({ ...g, members: [...g.members] }));
}

/**
 * Reads a passwd and a group file.
 * @throws AccountDatabaseError naming each malformed line (file and line number)
 */
export function parseAccountDatabase(
  passwd: string,
  group: string,
  sources: { readonly passwd: string; readonly group: string } = { passwd: "passwd", group: "group" },
): AccountDatabase {
  const problems: string[] = [];
  const accounts = parsePasswd(passwd, sources.passwd, problems);
  const groups = parseGroup(group, sources.group, problems);
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_REPORTED);
    if (problems.length > shown.length) shown.push(`... and ${problems.length - shown.length} more problems`);
    throw new AccountDatabaseError(shown);
  }
  return { accounts, groups, passwdSource: sources.passwd, groupSource: sources.group };
}
