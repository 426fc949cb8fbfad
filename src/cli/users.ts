// `homedock users`: the host's accounts into the config (import), and the config
// against the Docker host's accounts and homes (check).
import { type Command, InvalidArgumentError } from "commander";
import { readFileSync, realpathSync, statSync } from "node:fs";
import { AccountDatabaseError, parseAccountDatabase } from "../users/account-db";
import { EXIT_INVALID, EXIT_UNREADABLE } from "../config/errors";
import { failedAsJson } from "./exit-status";
import { unreadableFile } from "../config/issues";
import { configReader, loadUsersImporter, usersImporter } from "./lazy";
import { compareWithHost } from "../users/check";
import { candidateImages, readHost } from "../users/host-snapshot";
import { type DockerAsync, dockerCliAsync } from "../docker/docker-cli";
import type { HostModel } from "../model/model";
import { compareWithNodes, type NodesRead, readNodes } from "./users-swarm";
import { CONFIG_OPTION, configFile } from "./config-file";
import { writeWhole } from "../output/write-whole";

/** The config an import edits: never the bundled example a read-only command falls back to. */
function editedConfig(option: string | undefined): string {
  return option ?? process.env.HOMEDOCK_CONFIG ?? "homedock.yaml";
}

/** A database file's text and the name messages give it; `-` is standard input. */
function readDatabase(file: string): { text: string; source: string } {
  if (file === "-") return { text: readFileSync(0, "utf8"), source: "standard input" };
  try {
    return { text: readFileSync(file, "utf8"), source: file };
  } catch (err) {
    throw new AccountDatabaseError([`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
}

/**
 * Replaces `link` (or the file it links to) with `text` whole or not at all (writeWhole).
 * The file keeps its mode (and its owner, where this process may chown).
 */
export function writeAtomically(link: string, text: string): void {
  // A config that is a symbolic link stays one: its target is replaced.
  const file = realpathSync(link);
  const before = statSync(file);
  writeWhole(file, text, { mode: before.mode & 0o7777, owner: process.getuid?.() === 0 ? { uid: before.uid, gid: before.gid } : undefined });
}

function uidRange(value: string): [number, number] {
  const m = /^([0-9]+)-([0-9]+)$/.exec(value);
  if (!m || Number(m[1]) > Number(m[2])) throw new InvalidArgumentError(`got "${value}"; expected FIRST-LAST, like 1000-59999`);
  return [Number(m[1]), Number(m[2])];
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

interface ImportFlags {
  config?: string;
  passwdFile: string;
  groupFile: string;
  group?: string[];
  user?: string[];
  uidRange?: [number, number];
  update?: boolean;
  prune?: boolean;
  dryRun?: boolean;
}

function runImport(opts: ImportFlags): number {
  if (opts.passwdFile === "-" && opts.groupFile === "-") {
    throw new AccountDatabaseError(["--passwd-file and --group-file cannot both be standard input"]);
  }
  const file = editedConfig(opts.config);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw unreadableFile(file, err);
  }
  const passwd = readDatabase(opts.passwdFile);
  const group = readDatabase(opts.groupFile);
  const db = parseAccountDatabase(passwd.text, group.text, { passwd: passwd.source, group: group.source });
  const { configDiff, describeChange, importUsers } = usersImporter();
  const result = importUsers(text, file, db, {
    users: opts.user,
    groups: opts.group,
    uidRange: opts.uidRange,
    update: opts.update,
    prune: opts.prune,
  });
  for (const change of result.changes) console.log(describeChange(change, passwd.source));
  for (const { account, reason } of result.refused) {
    console.error(`refused ${account.name} (${passwd.source}:${account.line}): ${reason}; see README "Users from the host"`);
  }
  if (result.text === text) {
    console.log(`${file}: nothing to change`);
  } else if (opts.dryRun) {
    process.stdout.write(configDiff(file, text, result.text));
    console.log(`${file}: dry run, nothing written`);
  } else {
    writeAtomically(file, result.text);
    console.log(`wrote ${file}`);
  }
  return 0;
}

/** Adds the `users` command and its subcommands to `cli`; each gives `exit` its status. */
export function addUsersCommand(cli: Command, exit: (status: number) => void, docker: DockerAsync = dockerCliAsync): void {
  const users = cli.command("users").description("the host's accounts: import them into the config, check the config against the Docker host");
  users
    .command("import")
    .description("add the host's accounts to the config's users list (merging: users already there keep their settings)")
    .option("-c, --config <file>", "config file to edit (default: $HOMEDOCK_CONFIG, else ./homedock.yaml)")
    .option("--passwd-file <file>", "passwd(5) file, or - for standard input (getent passwd)", "/etc/passwd")
    .option("--group-file <file>", "group(5) file, or - for standard input (getent group)", "/etc/group")
    .option("--group <name>", "only accounts in this group (repeatable)", collect)
    .option("--user <name>", "this account, whatever its uid (repeatable)", collect)
    .option("--uid-range <first-last>", "only uids in this range (default 1000-59999)", uidRange)
    .option("--update", "apply a changed uid, gid or home to users already in the config")
    .option("--prune", "remove users whose account is gone from the database")
    .option("--dry-run", "print the diff; write nothing")
    .hook("preAction", loadUsersImporter)
    .action((opts: ImportFlags) => {
      exit(runImport(opts));
    });
  users
    .command("check")
    .description("compare the config's users with the Docker host's accounts and homes (through the Docker API; DOCKER_HOST may be ssh://)")
    .option("-c, --config <file>", CONFIG_OPTION)
    .option("--json", "print the findings as JSON (for CI)")
    .addHelpText(
      "after",
      `\nExit codes: ${CHECK_EXIT.ok} nothing would run as the wrong user (warnings allowed), ${CHECK_EXIT.invalid} invalid config, ${CHECK_EXIT.unreadable} the host could not be read, ${CHECK_EXIT.drift} a workspace would run as the wrong user.`,
    )
    .action(async (opts: { config?: string; json?: boolean }) => {
      exit(await runCheck(opts, docker));
    });
}

/** Exit status of `users check`: 2 the host could not be read, 3 a workspace would run as the wrong user. */
export const CHECK_EXIT = { ok: 0, invalid: EXIT_INVALID, unreadable: EXIT_UNREADABLE, drift: 3 } as const;

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;

async function runCheck(opts: { config?: string; json?: boolean }, docker: DockerAsync): Promise<number> {
  const model = configReader().loadChecked(opts.config ?? configFile()).model;
  if (model.swarm !== undefined) return runSwarmCheck(model, opts, docker);
  let host: ReturnType<typeof readHost>;
  try {
    host = readHost(model);
  } catch (err) {
    if (opts.json) failedAsJson(model.name, err);
    throw err;
  }
  const findings = compareWithHost(model, host);
  const errors = findings.filter((f) => f.severity === "error").length;
  if (opts.json) {
    console.log(JSON.stringify({ host: model.name, image: host.image, users: model.users.length, ok: errors === 0, findings }, null, 2));
  } else {
    for (const f of findings) console.log(`${f.severity}: ${f.message}`);
    console.log(
      `host ${model.name}: ${count(model.users.length, "user")} checked against the Docker host (read with ${host.image}): ${count(errors, "error")}, ${count(findings.length - errors, "warning")}`,
    );
  }
  return errors > 0 ? CHECK_EXIT.drift : CHECK_EXIT.ok;
}

/**
 * On a Swarm: every node read through the manager, each finding naming its node. Exit
 * 3 where a workspace would run as the wrong user on its node, else 2 where a node could
 * not be read (its findings unknown), else 0.
 */
async function runSwarmCheck(model: HostModel, opts: { json?: boolean }, docker: DockerAsync): Promise<number> {
  // As the node check: the home-creating image, else the first environment's (Swarm's agent pulls its tag where a registry has it).
  const image = candidateImages(model)[0];
  let nodes: NodesRead;
  try {
    nodes = await readNodes(model, image, docker);
  } catch (err) {
    if (opts.json) failedAsJson(model.name, err);
    throw err;
  }
  for (const w of nodes.warnings) console.error(`warning: ${w}`);
  const findings = compareWithNodes(model, nodes);
  const errors = findings.filter((f) => f.severity === "error").length;
  const ok = errors === 0 && nodes.problems.length === 0;
  if (opts.json) {
    console.log(
      JSON.stringify({ host: model.name, image, users: model.users.length, nodes: [...nodes.read.keys()], ok, unread: nodes.problems, findings }, null, 2),
    );
  } else {
    for (const f of findings) console.log(`${f.severity}: ${f.message}`);
    for (const p of nodes.problems) console.log(`error: ${p}`);
    console.log(
      `host ${model.name}: ${count(model.users.length, "user")} checked against ${count(nodes.read.size, "node")} of ${model.swarm!.nodes.length} (read with ${image}): ` +
        `${count(errors, "error")}, ${count(findings.length - errors, "warning")}${nodes.problems.length > 0 ? `, ${count(nodes.problems.length, "node")} not read` : ""}`,
    );
  }
  return errors > 0 ? CHECK_EXIT.drift : nodes.problems.length > 0 ? CHECK_EXIT.unreadable : CHECK_EXIT.ok;
}
