// The one place an error becomes an exit status and what the admin reads: the homedock
// command's (cli.ts) and the cdktf app's (main.ts).
import type { CommanderError } from "commander";
import { EXIT_INVALID, HomedockError } from "../config/errors";

/**
 * Whether `err` is one of commander's errors (CommanderError, InvalidArgumentError): told by
 * the code commander gives each ("commander.unknownOption"), not by instanceof, so that
 * main.ts, which parses no command line, does not load commander (7 modules) to ask.
 */
function isCommanderError(err: unknown): err is CommanderError {
  const { code, exitCode } = err instanceof Error ? (err as Partial<CommanderError>) : {};
  return typeof exitCode === "number" && typeof code === "string" && code.startsWith("commander.");
}

/**
 * The exit status `err` ends `command` (`homedock status`) with, its message written on
 * `log`: a HomedockError's own status and lines; a file that cannot be written, 1 and one
 * line; commander's errors, the status commander gives (it has said why).
 * @throws err when it is none of those: a bug, whose stack is what helps
 */
export function exitStatus(err: unknown, command = "homedock", log: (text: string) => void = console.error): number {
  if (isCommanderError(err)) return err.exitCode;
  if (err instanceof HomedockError) {
    log(err.report(command));
    return err.exitCode;
  }
  // A path that cannot be written (permissions, a file where a directory must be).
  const { code, path: where, syscall } = err as NodeJS.ErrnoException;
  if (code !== undefined && where !== undefined) {
    log(`homedock: cannot ${syscall ?? "use"} ${where}: ${code}`);
    return EXIT_INVALID;
  }
  throw err;
}

/**
 * Where a command with --json stops at `err`, its JSON answer on standard output, `{host,
 * ok: false, error}`, before the error goes on to exitStatus like any other.
 */
export function failedAsJson(host: string, err: unknown): void {
  if (err instanceof HomedockError) console.log(JSON.stringify({ host, ok: false, error: err.message }, null, 2));
}
