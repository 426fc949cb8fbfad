// What `homedock passwd` accepts as a password, and its class lists: CSV files of
// `user,password` lines, read by --from-csv and written by --generate. Pure: the
// command reads and writes the files.
import { randomInt } from "node:crypto";

const MIN_LENGTH = 8;
/** bcrypt reads no further than this many bytes. */
const MAX_BYTES = 72;

/** Why a password is refused, or undefined. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < MIN_LENGTH) return `expected at least ${MIN_LENGTH} characters`;
  if (Buffer.byteLength(password) > MAX_BYTES) return `expected at most ${MAX_BYTES} bytes (bcrypt ignores the rest)`;
  if (/[\0\r\n]/.test(password)) return "expected no NUL or line break";
  return undefined;
}

/** A class list's first line may be this header (in any case); it is skipped. */
export const CSV_HEADER = "user,password";

/** Problems beyond this many are counted, not listed: a file of the wrong kind has one on every line. */
const MAX_LISTED = 20;

export interface PasswordLine {
  readonly user: string;
  /** 1-based, as an editor numbers it. */
  readonly line: number;
  readonly password: string;
}

/**
 * The `user,password` lines of a class list. No quoting: a line has exactly one comma,
 * the user name before it (spaces around it ignored), the password after it as it is,
 * spaces included, so a password cannot hold a comma (`homedock passwd --stdin` sets
 * such a one). The header, blank lines, CRLF line ends and a UTF-8 byte order mark
 * (spreadsheet exports) are allowed. `users`: the names in the config.
 *
 * Every problem is one line `<source>:<line>: ...`; none shows a password, nor a user
 * field that is not a user's name (the columns may be swapped).
 */
export function parsePasswordCsv(text: string, source: string, users: ReadonlySet<string>, config: string): { lines: PasswordLine[]; problems: string[] } {
  const lines: PasswordLine[] = [];
  const problems: string[] = [];
  const firstLine = new Map<string, number>();
  const rows = text.replace(/^\uFEFF/, "").split("\n");
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i].endsWith("\r") ? rows[i].slice(0, -1) : rows[i];
    const at = `${source}:${i + 1}`;
    if (row === "" || (i === 0 && row.trim().toLowerCase() === CSV_HEADER)) continue;
    const fields = row.split(",");
    if (fields.length === 1) {
      problems.push(`${at}: expected user,password; found no comma`);
      continue;
    }
    if (fields.length > 2) {
      problems.push(`${at}: expected user,password; found ${fields.length} fields (no quoting: a password with a comma is set with homedock passwd --stdin)`);
      continue;
    }
    const user = fields[0].trim();
    const password = fields[1];
    if (user !== "" && !users.has(user) && users.has(password.trim())) {
      problems.push(`${at}: expected user,password; found password,user (the columns swapped)`);
      continue;
    }
    if (user === "") problems.push(`${at}: expected a user name before the comma; found none`);
    else if (!users.has(user)) problems.push(`${at}: expected a user of ${config}; found another name (not shown: it may be a password in the wrong column)`);
    else if (firstLine.has(user)) problems.push(`${at}: ${user} again (first on line ${firstLine.get(user)}); expected each user once`);
    else firstLine.set(user, i + 1);
    const problem = passwordProblem(password);
    if (problem !== undefined) problems.push(`${at}: ${users.has(user) ? `${user}'s ` : ""}password: ${problem}`);
    lines.push({ user, line: i + 1, password });
  }
  if (lines.length === 0 && problems.length === 0) problems.push(`${source}: expected user,password lines; found none`);
  const listed = problems.length > MAX_LISTED ? [...problems.slice(0, MAX_LISTED), `... and ${problems.length - MAX_LISTED} more problems`] : problems;
  return { lines: listed.length === 0 ? lines : [], problems: listed };
}

/** No 0/o, 1/l/i: a generated password is read off a sheet of paper or a screen. */
const ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz";

/** 20 characters of ALPHABET (99 bits), in groups of five: `k7m2p-xq9rt-a3bcd-hj4uv`. */
export function generatePassword(): string {
  const chars = Array.from({ length: 20 }, () => ALPHABET[randomInt(ALPHABET.length)]);
  return [0, 5, 10, 15].map((i) => chars.slice(i, i + 5).join("")).join("-");
}

/** The class list --generate writes: the header, then `user,password` lines; it reads back with parsePasswordCsv. */
export function passwordCsv(passwords: readonly { readonly user: string; readonly password: string }[]): string {
  return [CSV_HEADER, ...passwords.map((p) => `${p.user},${p.password}`)].map((line) => `${line}\n`).join("");
}
