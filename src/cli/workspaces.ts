// `homedock status` and `homedock restart`: the host's workspaces as Docker has them,
// and restarting a user's, through the Docker API (DOCKER_HOST may be ssh://).
import type { Command } from "commander";
import { configReader, loadCommandModules } from "./lazy";
import { EXIT_INVALID, EXIT_UNREADABLE } from "../config/errors";
import { failedAsJson } from "./exit-status";
import { type DockerAsync, dockerCliAsync } from "../docker/docker-cli";
import type { Engine } from "../docker/engine-socket";
import { listWorkspaceContainers, readWorkspaces, restartContainers, startEngineRead } from "../workspaces/docker-host";
import { jupyterProbes } from "../workspaces/jupyter-status";
import { containersToRestart, restartTargets } from "../workspaces/restart";
import { formatStatusTable, workspaceStatus } from "../workspaces/status";
import { listServiceNames, onSwarm, readSwarmWorkspaces, restartServices } from "../workspaces/swarm-status";
import { readSwarmNodes } from "../docker/swarm-nodes";
import { locked } from "./swarm";
import { withNodeUsage } from "./status-swarm";
import { configFile } from "./config-file";

/** Exit status of `status` and `restart`: 1 invalid config or arguments (or a restart that cannot be done), 2 the Docker host could not be read. */
export const WORKSPACES_EXIT = { ok: 0, invalid: EXIT_INVALID, unreadable: EXIT_UNREADABLE } as const;

const CONFIG = "config file (default: $HOMEDOCK_CONFIG, else ./homedock.yaml, else the bundled example)";

/** @throws HostUnreadableError when Docker does not answer (exit status 2; with --json, the document says so too) */
async function runStatus(opts: { config?: string; json?: boolean }, docker: DockerAsync, openEngine?: () => Engine | undefined): Promise<void> {
  // The engine is asked first, while the command's modules and the config load (the stats take two of its one-second cycles).
  const read = startEngineRead(docker, openEngine);
  let model: ReturnType<ReturnType<typeof configReader>["loadChecked"]>["model"];
  try {
    await loadCommandModules();
    model = configReader().loadChecked(opts.config ?? configFile()).model;
  } catch (err) {
    read.cancel();
    throw err;
  }
  // On a Swarm, the manager's view of each workspace's service, and each node's of its containers (not this engine's stats).
  if (model.swarm !== undefined) read.cancel();
  let rows: ReturnType<typeof workspaceStatus>;
  try {
    if (model.swarm !== undefined) {
      const { rows: read, running } = await readSwarmWorkspaces(model, docker);
      const withUsage = await withNodeUsage(model, read, running, docker);
      rows = withUsage.rows;
      for (const w of withUsage.warnings) console.error(`warning: ${w}`);
    } else {
      const { containers, usage, activity } = await readWorkspaces(model.name, read, docker, jupyterProbes(model));
      rows = workspaceStatus(model, containers, usage, activity);
    }
  } catch (err) {
    if (opts.json) failedAsJson(model.name, err);
    throw err;
  }
  if (opts.json) console.log(JSON.stringify({ host: model.name, ok: true, workspaces: rows }, null, 2));
  else console.log(formatStatusTable(model.name, rows, Date.now()));
}

/**
 * @throws RestartError for a restart that cannot be done as asked (exit status 1)
 * @throws HostUnreadableError when Docker does not answer (2)
 */
async function runRestart(user: string, environment: string | undefined, opts: { config?: string }, docker: DockerAsync): Promise<void> {
  const model = configReader().loadChecked(opts.config ?? configFile()).model;
  const targets = restartTargets(model, user, environment);
  if (model.swarm !== undefined) {
    // On a Swarm: a new task of each service, on its user's node; under the deploy lock,
    // as a deploy's updates of the same services would race it.
    const names = containersToRestart(targets, await listServiceNames(model.name, docker), onSwarm(model));
    const nodes = await readSwarmNodes(docker);
    await locked(model, docker, (stoppable) => restartServices(names, stoppable));
    for (const [i, name] of names.entries()) {
      const node = targets[i].user.node!;
      const state = nodes.find((n) => n.label === node);
      const waits =
        state === undefined
          ? "no node has its label"
          : state.state !== "ready"
            ? `it is ${state.state}`
            : state.availability === "drain"
              ? "it is drained"
              : undefined;
      console.log(`restarted ${name} (a new task on ${node}${waits === undefined ? "" : `; it runs once the node can take it: ${waits}`})`);
    }
    return;
  }
  const existing = new Set((await listWorkspaceContainers(model.name, docker)).map((c) => c.name));
  const names = containersToRestart(targets, existing);
  await restartContainers(names, docker);
  for (const name of names) console.log(`restarted ${name}`);
}

const exitCodes = `\nExit codes: ${WORKSPACES_EXIT.ok} done, ${WORKSPACES_EXIT.invalid} invalid config or arguments (or, for restart, a workspace without its container, nothing restarted; or a container Docker failed to restart), ${WORKSPACES_EXIT.unreadable} the Docker host could not be read.`;

/** Adds `status` and `restart` to `cli`. `docker`: the docker CLI (a stand-in in tests). */
export function addWorkspaceCommands(cli: Command, docker: DockerAsync = dockerCliAsync): void {
  cli
    .command("status")
    .description(
      "one line per workspace: state, since when, memory against its limit, CPU; a Jupyter server's last activity and kernels (through the Docker API; DOCKER_HOST may be ssh://); on a Swarm, through a manager: each workspace's node and its task's state",
    )
    .option("-c, --config <file>", CONFIG)
    .option("--json", "print {host, ok, workspaces: [...]} as JSON")
    .addHelpText("after", exitCodes)
    .action((opts: { config?: string; json?: boolean }) => runStatus(opts, docker));
  cli
    .command("restart")
    .description(
      "restart a user's workspaces, or the one in <environment> (docker restart; on a Swarm, docker service update --force: a new task on the user's node; the home is untouched, nothing is deployed)",
    )
    .argument("<user>", "a user in the config")
    .argument("[environment]", "one of the user's environments (default: all of them)")
    .option("-c, --config <file>", CONFIG)
    .addHelpText("after", exitCodes)
    .action((user: string, environment: string | undefined, opts: { config?: string }) => runRestart(user, environment, opts, docker));
}
