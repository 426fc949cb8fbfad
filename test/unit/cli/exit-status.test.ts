// Every expected error's exit status and what the admin reads, from the one place that
// decides both for the homedock command and the cdktf app (src/cli/exit-status.ts).
import { CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { exitStatus } from "../../../src/cli/exit-status";
import { PasswdError } from "../../../src/cli/passwd";
import { HomedockError } from "../../../src/config/errors";
import { ConfigError } from "../../../src/config/issues";
import { HostUnreadableError } from "../../../src/docker/docker-cli";
import { PlanError, REVIEW_EXIT } from "../../../src/review/review";
import { AccountDatabaseError } from "../../../src/users/account-db";
import { RestartError } from "../../../src/workspaces/restart";

/** What exitStatus returns for `err` stopping `command`, and the lines it writes. */
function reported(err: unknown, command?: string): [number, string[]] {
  const lines: string[] = [];
  const status = exitStatus(err, command, (text) => lines.push(...text.split("\n")));
  return [status, lines];
}

describe("exit statuses and messages", () => {
  it("a config's problems: 1, each line naming the file, as the error has it", () => {
    const err = new ConfigError([{ path: ["users", 0, "uid"], message: "expected a number", value: "x", hasValue: true }], "lab.yaml");
    expect(reported(err, "homedock synth")).toEqual([1, ['lab.yaml: users[0].uid: got "x"; expected a number']]);
    expect(err).toBeInstanceOf(HomedockError);
  });

  it("an account database's problems: 1, each line naming file and line", () => {
    expect(reported(new AccountDatabaseError(["/etc/passwd:3: expected 7 fields", "/etc/group:1: expected 4 fields"]), "homedock users import")).toEqual([
      1,
      ["/etc/passwd:3: expected 7 fields", "/etc/group:1: expected 4 fields"],
    ]);
  });

  it("a plan that cannot be read: 2, said by the review, whichever command asked", () => {
    expect(reported(new PlanError("not a Terraform plan"), "homedock plan")).toEqual([REVIEW_EXIT.unreadable, ["homedock review: not a Terraform plan"]]);
  });

  it("a Docker host that cannot be read: 2, said by the command that ran", () => {
    expect(reported(new HostUnreadableError("the Docker host does not answer: x"), "homedock compose --preview")).toEqual([
      2,
      ["homedock compose --preview: the Docker host does not answer: x"],
    ]);
  });

  it("a restart or a password that cannot be done: 1, every line said by the command", () => {
    expect(reported(new RestartError('no user "eve" in the config'), "homedock restart")).toEqual([1, ['homedock restart: no user "eve" in the config']]);
    expect(reported(new PasswdError("class.csv:2: no user\nnothing stored"), "homedock passwd")).toEqual([
      1,
      ["homedock passwd: class.csv:2: no user", "homedock passwd: nothing stored"],
    ]);
  });

  it("a path that cannot be written: 1, one line; commander's errors: its status, nothing more said", () => {
    const eexist = Object.assign(new Error("EEXIST: file already exists, mkdir 'build'"), { code: "EEXIST", path: "build", syscall: "mkdir" });
    expect(reported(eexist)).toEqual([1, ["homedock: cannot mkdir build: EEXIST"]]);
    expect(reported(new CommanderError(0, "commander.helpDisplayed", "(outputHelp)"))).toEqual([0, []]);
  });

  it("anything else is a bug: thrown again, stack and all", () => {
    const bug = new TypeError("undefined is not a function");
    expect(() => reported(bug)).toThrow(bug);
  });
});
