// `homedock passwd <user>`: a user's front door password, stored only as a bcrypt hash
// bound to the account's uid; `--delete` removes one; `--from-csv` and `--generate` set
// a class's at once.
import { type Command, Option } from "commander";
import { existsSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import { bcrypt, configReader, loadBcrypt } from "./lazy";
import { HomedockError } from "../config/errors";
import { ConfigError } from "../config/issues";
import type { HostModel } from "../model/model";
import {
  deletePassword,
  generatedPasswordsFile,
  PASSWORDS_FILE,
  readPasswords,
  usersWithoutPassword,
  writePassword,
  writePasswordHashes,
} from "../output/secrets";
import { writePrivate } from "../output/secret-files";
import { configFile } from "./config-file";
import { CLIENT_SECRET, LOGIN_SECRETS_FILE, writeClientSecret } from "../output/login-files";
import { generatePassword, parsePasswordCsv, passwordCsv, passwordProblem } from "./password-csv";

/** bcrypt's cost: 2^12 rounds. Caddy caches each successful check, so a login pays it about once. */
export const BCRYPT_COST = 12;
/** The `--dir` option's help, in every command that reads homedock-secrets without rendering. */
export const SECRETS_DIR_HELP = "the directory homedock-secrets is in: where cdktf.out or docker-compose.yml is written";

/** The first line of standard input, without its line ending. */
function firstLine(): string {
  return readFileSync(0, "utf8").split(/\r?\n/)[0];
}

/** Reads one line from the terminal without echoing it. */
function askHidden(prompt: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let line = "";
    input.setRawMode(true);
    input.resume();
    input.setEncoding("utf8");
    const done = (err?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.removeListener("data", onData);
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(line);
    };
    const onData = (chunk: string) => {
      for (const c of chunk) {
        if (c === "\r" || c === "\n") return done();
        if (c === "\u0003" || c === "\u0004") return done(new PasswdError("no password given"));
        if (c === "\u007f" || c === "\b") line = line.slice(0, -1);
        else line += c;
      }
    };
    input.on("data", onData);
  });
}

/** A password cannot be set; the message says why, one line per problem (a class list may have several). Exit status 1. */
export class PasswdError extends HomedockError {}

/** `users` not in the config (`source`), whose users are `names`: each a problem of its `users`. */
function noSuchUsers(source: string, users: readonly string[], names: readonly string[]): ConfigError {
  const message = `expected one of ${names.join(", ") || "(none)"}`;
  return new ConfigError(
    users.map((user) => ({ path: ["users"], message, value: user, hasValue: true })),
    source,
    users.map((user) => `users: got no user "${user}"; ${message}`),
  );
}

async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) return firstLine();
  if (!process.stdin.isTTY) throw new PasswdError("standard input is not a terminal: give the password on it with --stdin");
  const first = await askHidden("New password: ");
  const problem = passwordProblem(first);
  if (problem !== undefined) throw new PasswdError(`the password: ${problem}`);
  if ((await askHidden("The same again: ")) !== first) throw new PasswdError("the two passwords differ; nothing stored");
  return first;
}

interface PasswdOptions {
  readonly config?: string;
  readonly dir: string;
  readonly stdin?: boolean;
  readonly delete?: boolean;
  readonly fromCsv?: string;
  readonly generate?: boolean;
  readonly allMissing?: boolean;
  readonly out?: string;
  readonly clientSecret?: boolean;
}

type Hashes = Record<string, { readonly hash: string; readonly uid: number }>;

/** The bcrypt hash of each password, bound to its user's uid; a line on standard error while many are hashed (about 0.25 s each). */
function hashed(model: HostModel, passwords: readonly { readonly user: string; readonly password: string }[]): Hashes {
  const uids = new Map(model.users.map((u) => [u.name, u.uid]));
  const counter = passwords.length > 4 && process.stderr.isTTY;
  if (passwords.length > 4) process.stderr.write(`hashing ${passwords.length} passwords (bcrypt cost ${BCRYPT_COST})...\n`);
  const hashes: Hashes = {};
  passwords.forEach(({ user, password }, i) => {
    hashes[user] = { hash: bcrypt().hashSync(password, BCRYPT_COST), uid: uids.get(user)! };
    if (counter) process.stderr.write(`\r${i + 1}/${passwords.length}`);
  });
  if (counter) process.stderr.write("\n");
  return hashes;
}

const stored = (hashes: Hashes, file: string) =>
  `stored bcrypt hashes of ${Object.entries(hashes)
    .map(([user, { uid }]) => `${user} (uid ${uid})`)
    .join(", ")} in ${file}; synth, compose or deploy to apply them`;

/** --from-csv: every line checked before any is hashed, and all stored in one write or none. */
function fromCsv(model: HostModel, source: string, file: string, dir: string): void {
  let text: string;
  try {
    text = readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (err) {
    throw new PasswdError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}; nothing stored`);
  }
  const name = file === "-" ? "standard input" : file;
  const { lines, problems } = parsePasswordCsv(text, name, new Set(model.users.map((u) => u.name)), source);
  if (problems.length > 0) throw new PasswdError([...problems, `nothing stored: ${name} has ${problems.length === 1 ? "a problem" : "problems"}`].join("\n"));
  // A passwords.json homedock cannot read stops it before the wait for the hashes.
  readPasswords(dir);
  const hashes = hashed(model, lines);
  console.log(stored(hashes, writePasswordHashes(dir, hashes)));
}

/** --generate: the new passwords go to `out` (0600, new) only, their hashes to passwords.json. */
function generate(model: HostModel, source: string, users: readonly string[], opts: PasswdOptions): void {
  const entries = readPasswords(opts.dir);
  const names = new Set(model.users.map((u) => u.name));
  const unknown = users.filter((u) => !names.has(u));
  if (unknown.length > 0) throw noSuchUsers(source, unknown, [...names]);
  const chosen = opts.allMissing ? usersWithoutPassword(model, entries).map((u) => u.name) : [...new Set(users)];
  if (chosen.length === 0) {
    console.log("every user with a front door route has a usable password; nothing written");
    return;
  }
  if (opts.out !== undefined && existsSync(opts.out)) throw new PasswdError(`${opts.out} exists: not overwritten, nothing stored (give another --out)`);
  const passwords = chosen.map((user) => ({ user, password: generatePassword() }));
  const hashes = hashed(model, passwords);
  const out = opts.out ?? generatedPasswordsFile(opts.dir);
  writePrivate(out, passwordCsv(passwords), { exclusive: true });
  try {
    console.log(
      `wrote ${passwords.length} new ${passwords.length === 1 ? "password" : "passwords"} to ${out} (mode 0600), the only copy: hand them out, then delete it`,
    );
    console.log(stored(hashes, writePasswordHashes(opts.dir, hashes)));
  } catch (err) {
    // Passwords that were never stored would only mislead.
    rmSync(out, { force: true });
    throw err;
  }
}

/** --client-secret: the provider's client secret, as the provider shows it, stored as it is. */
async function clientSecret(opts: PasswdOptions): Promise<void> {
  let secret: string;
  if (opts.stdin) secret = firstLine();
  else {
    if (!process.stdin.isTTY) throw new PasswdError("standard input is not a terminal: give the client secret on it with --stdin");
    secret = await askHidden("Client secret: ");
  }
  if (!CLIENT_SECRET.test(secret))
    throw new PasswdError("the client secret: expected 1-1024 printable characters without spaces, as the provider shows it; nothing stored");
  const file = writeClientSecret(opts.dir, secret);
  console.log(
    `stored the OpenID Connect client secret in ${file}; deploy to apply it (Terraform replaces the sign-in), or compose and then docker compose restart frontdoor.signin`,
  );
}

/** The users the options take, or why they do not fit together. */
function usage(users: readonly string[], opts: PasswdOptions): string | undefined {
  if (opts.clientSecret)
    return users.length > 0 ? `--client-secret sets the provider's client secret, no user's password; got also ${users.join(" ")}` : undefined;
  if (opts.allMissing && !opts.generate) return "--all-missing goes with --generate";
  if (opts.out !== undefined && !opts.generate) return "--out goes with --generate";
  if (opts.fromCsv !== undefined) return users.length > 0 ? `--from-csv takes its users from the file; got also ${users.join(" ")}` : undefined;
  if (opts.generate) {
    if (opts.allMissing && users.length > 0) return `--generate takes users or --all-missing; got both (${users.join(" ")})`;
    return opts.allMissing || users.length > 0 ? undefined : "--generate takes users, or --all-missing";
  }
  if (users.length === 0) return "expected a user (or --from-csv <file>, or --generate)";
  return users.length > 1 ? `expected one user; got ${users.length} (--generate or --from-csv set several)` : undefined;
}

export function addPasswdCommand(cli: Command): void {
  cli
    .command("passwd")
    .description(`set a user's front door password, or a class's: only bcrypt hashes are stored, each bound to its user's uid, in ${PASSWORDS_FILE}`)
    .argument("[users...]", "a user in the config (with --generate: one or more; with --delete: any user with a stored hash)")
    .option("-c, --config <file>", "config file (default: $HOMEDOCK_CONFIG, else ./homedock.yaml, else the bundled example)")
    .option("-d, --dir <dir>", SECRETS_DIR_HELP, ".")
    .addOption(
      new Option("--stdin", "read the password from the first line of standard input instead of asking twice").conflicts(["delete", "fromCsv", "generate"]),
    )
    .option("--delete", "remove the user's stored hash instead (the user need not be in the config any more)")
    .addOption(
      new Option("--from-csv <file>", "set the password of each user,password line of the file (- for standard input); all or nothing").conflicts([
        "delete",
        "generate",
      ]),
    )
    .addOption(new Option("--generate", "make a new random password for each user given, store its hash, write it once to --out").conflicts("delete"))
    .option("--all-missing", "with --generate: every user with a front door route and no usable password")
    .option(
      "--out <file>",
      "with --generate: where the new passwords go, user,password lines, mode 0600; never overwritten (default: <dir>/homedock-secrets/new-passwords-<UTC time>.csv)",
    )
    .addOption(
      new Option(
        "--client-secret",
        `set the OpenID Connect client secret of frontDoor.login (method: oidc) instead, asked for or read with --stdin; kept in ${LOGIN_SECRETS_FILE}`,
      ).conflicts(["delete", "fromCsv", "generate"]),
    )
    .addHelpText(
      "after",
      `
--from-csv reads one user,password line per user: no quoting, exactly one comma (a
password with a comma is set with --stdin), the password everything after it, spaces
included. A first line user,password is a header; blank lines and CRLF are fine. Every
line is checked before anything is stored: a wrong one stores nothing, and is named
by its number without showing the password.
--generate makes 20 characters of a-z and 2-9 without 0, 1, i, l, o (about 99 bits),
in groups of five.`,
    )
    .hook("preAction", loadBcrypt)
    .action(async (users: string[], opts: PasswdOptions) => {
      const wrong = usage(users, opts);
      if (wrong !== undefined) throw new PasswdError(wrong);
      const [user] = users;
      if (opts.clientSecret) return clientSecret(opts);
      if (opts.delete) {
        // No config needed: the account may be gone from it, which is why its hash goes.
        const file = deletePassword(opts.dir, user);
        if (file === undefined) throw new PasswdError(`no password hash of "${user}" in ${path.join(opts.dir, PASSWORDS_FILE)}; nothing changed`);
        console.log(`removed ${user}'s password hash from ${file}; synth, compose or deploy to apply it`);
        return;
      }
      const source = opts.config ?? configFile();
      const model = configReader().loadChecked(source).model;
      if (opts.fromCsv !== undefined) return fromCsv(model, source, opts.fromCsv, opts.dir);
      if (opts.generate) return generate(model, source, users, opts);
      const account = model.users.find((u) => u.name === user);
      if (account === undefined)
        throw noSuchUsers(
          source,
          [user],
          model.users.map((u) => u.name),
        );
      const password = await readPassword(opts.stdin === true);
      const problem = passwordProblem(password);
      if (problem !== undefined) throw new PasswdError(`the password: ${problem}`);
      const file = writePassword(opts.dir, user, account.uid, bcrypt().hashSync(password, BCRYPT_COST));
      console.log(`stored a bcrypt hash of ${user}'s password (uid ${account.uid}) in ${file}; synth, compose or deploy to apply it`);
    });
}
