// `homedock passwd <user>`: a user's front door password, stored only as a bcrypt hash
// bound to the account's uid; `--delete` removes one.
import { type Command, Option } from "commander";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { bcrypt, configReader } from "./lazy";
import { ConfigError } from "../model/issues";
import { deletePassword, PASSWORDS_FILE, writePassword } from "../render/secrets";
import { configFile } from "./config-file";

/** bcrypt's cost: 2^12 rounds. Caddy caches each successful check, so a login pays it about once. */
export const BCRYPT_COST = 12;
/** The `--dir` option's help, in every command that reads homedock-secrets without rendering. */
export const SECRETS_DIR_HELP = "the directory homedock-secrets is in: where cdktf.out or docker-compose.yml is written";
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

/** A password cannot be set; the message says why. */
export class PasswdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PasswdError";
  }
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

export function addPasswdCommand(cli: Command): void {
  cli
    .command("passwd")
    .description(`set a user's front door password: only its bcrypt hash is stored, bound to the user's uid, in ${PASSWORDS_FILE}`)
    .argument("<user>", "a user in the config (with --delete: any user with a stored hash)")
    .option("-c, --config <file>", "config file (default: $HOMEDOCK_CONFIG, else ./homedock.yaml, else the bundled example)")
    .option("-d, --dir <dir>", SECRETS_DIR_HELP, ".")
    .addOption(new Option("--stdin", "read the password from the first line of standard input instead of asking twice").conflicts("delete"))
    .option("--delete", "remove the user's stored hash instead (the user need not be in the config any more)")
    .action(async (user: string, opts: { config?: string; dir: string; stdin?: boolean; delete?: boolean }) => {
      if (opts.delete) {
        // No config needed: the account may be gone from it, which is why its hash goes.
        const file = deletePassword(opts.dir, user);
        if (file === undefined) throw new PasswdError(`no password hash of "${user}" in ${path.join(opts.dir, PASSWORDS_FILE)}; nothing changed`);
        console.log(`removed ${user}'s password hash from ${file}; synth, compose or deploy to apply it`);
        return;
      }
      const source = opts.config ?? configFile();
      const model = configReader().loadConfig(source);
      const account = model.users.find((u) => u.name === user);
      if (account === undefined) {
        throw new ConfigError([], source, [`users: got no user "${user}"; expected one of ${model.users.map((u) => u.name).join(", ") || "(none)"}`]);
      }
      const password = await readPassword(opts.stdin === true);
      const problem = passwordProblem(password);
      if (problem !== undefined) throw new PasswdError(`the password: ${problem}`);
      const file = writePassword(opts.dir, user, account.uid, bcrypt().hashSync(password, BCRYPT_COST));
      console.log(`stored a bcrypt hash of ${user}'s password (uid ${account.uid}) in ${file}; synth, compose or deploy to apply it`);
    });
}
