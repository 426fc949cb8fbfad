// The errors an admin can act on: what is wrong, one line per problem, and the exit
// status the command ends with. Everything else thrown is a bug and keeps its stack.

/** Exit status of a command stopped by what it was given: a config, an argument, a file. */
export const EXIT_INVALID = 1;
/** Exit status of a command that could not read what it works on: the Docker host, a plan. */
export const EXIT_UNREADABLE = 2;

/**
 * An expected failure: the message says what is wrong and what would do, one line per
 * problem; `exitCode` is the exit status of the command it stops. The homedock command
 * and the cdktf app report it in one place (src/cli/exit-status.ts), never with a stack trace.
 */
export class HomedockError extends Error {
  constructor(
    message: string,
    /** The exit status of the command it stops: 1 unless given. */
    readonly exitCode: number = EXIT_INVALID,
  ) {
    super(message);
    this.name = new.target.name;
  }

  /**
   * What the admin reads when it stops `command` (`homedock status`): each line said by
   * the command. An error whose lines name their own file says them as they are.
   */
  report(command: string): string {
    return this.message
      .split("\n")
      .map((line) => `${command}: ${line}`)
      .join("\n");
  }
}
