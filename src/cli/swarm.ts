// `homedock swarm`: the node baseline checked on every node a config names (check), and
// the stack deployed only when it holds (deploy), through a manager's Docker API.
import type { Command } from "commander";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { EXIT_INVALID, EXIT_UNREADABLE, HomedockError } from "../config/errors";
import { ConfigError } from "../config/issues";
import type { HostModel } from "../model/model";
import { type DockerAsync, dockerCliAsync, HostUnreadableError } from "../docker/docker-cli";
import { EXIT_LOCKED, takeDeployLock, thisHolder } from "../swarm/deploy-lock";
import { checkNodes, type NodeCheck } from "../swarm/node-check";
import { CONFIG_OPTION, configFile, summary } from "./config-file";
import { configReader, loadCommandModules } from "./lazy";

/** Exit status of `swarm check` and `swarm deploy`: 3 a node lacks the baseline (nothing deployed); of `swarm deploy`, 4 another deploy of the host holds its lock (nothing deployed). */
export const SWARM_EXIT = { ok: 0, invalid: EXIT_INVALID, unreadable: EXIT_UNREADABLE, refused: 3, locked: EXIT_LOCKED } as const;

/** A node without the baseline: one line per problem, each naming the node and the setting. Exit status 3. */
export class NodeBaselineError extends HomedockError {
  constructor(problems: readonly string[]) {
    super(problems.join("\n"), SWARM_EXIT.refused);
  }
}

/** `model`, where it has a swarm section. @throws ConfigError otherwise */
function swarmOnly(model: HostModel, what: string): HostModel {
  if (model.swarm !== undefined) return model;
  throw new ConfigError([{ path: ["swarm"], message: `expected a swarm section for ${what}: a single host has no nodes to check`, hasValue: false }]);
}

/** The job's image: --image, else the home-creating image, else the first environment's (a workspace's image has /bin/sh). */
function probeImage(model: HostModel, option: string | undefined): string {
  return option ?? model.initImage ?? model.environments[0].image;
}

/**
 * Checks the nodes and prints what it found (`swarm check`, `swarm deploy`, and `deploy`
 * of a config with a swarm section, before Terraform runs).
 * @throws NodeBaselineError when a node lacks the baseline
 */
export async function baselineChecked(model: HostModel, image: string | undefined, docker: DockerAsync): Promise<NodeCheck> {
  const result = await checkNodes(model, probeImage(model, image), docker);
  for (const line of result.ok) console.log(`ok: ${line}`);
  for (const line of result.warnings) console.error(`warning: ${line}`);
  if (result.problems.length > 0) throw new NodeBaselineError(result.problems);
  console.log(`host ${model.name}: the node baseline holds on ${result.ok.length} node${result.ok.length === 1 ? "" : "s"} (checked with ${result.image})`);
  return result;
}

/**
 * With a front door: the socket directories on every node, before the node's proxy and
 * workspaces bind them (`swarm deploy`, and `deploy` before Terraform runs). In the
 * front door's own image, as on one host: an environment's image must never run as
 * root over the socket directories of users who did not choose it.
 * @throws NodeBaselineError naming each node where they could not be made
 */
export async function setUpDoors(model: HostModel, docker: DockerAsync): Promise<void> {
  const { setUpDoors: run } = await import("../swarm/door-setup");
  const problems = await run(model, model.frontDoor!.image, docker);
  if (problems.length > 0) throw new NodeBaselineError(problems);
  console.log(`host ${model.name}: the front door's socket directories made on ${model.swarm!.nodes.length} node${model.swarm!.nodes.length === 1 ? "" : "s"}`);
}

const IMAGE_HELP = "image of the job that reads each node (needs /bin/sh; default: host.initImage, else the first environment's)";
const exitCodes = `\nExit codes: ${SWARM_EXIT.ok} every node has the baseline, ${SWARM_EXIT.invalid} invalid config, ${SWARM_EXIT.unreadable} the manager could not be read, ${SWARM_EXIT.refused} a node lacks the baseline (nothing deployed).`;
const deployExitCodes = `${exitCodes.slice(0, -1)}, ${SWARM_EXIT.locked} another swarm deploy of the host holds its lock (nothing deployed).`;

/** A deploy stopped by Ctrl-C or SIGTERM: its lock released; exit status 128 + the signal's number. */
export class InterruptedError extends HomedockError {
  constructor(signal: NodeJS.Signals) {
    super(`stopped by ${signal} (what docker stack deploy had done by then is done: deploy again)`, 128 + (signal === "SIGINT" ? 2 : 15));
  }
}

/**
 * Runs `work` (a deploy, or a restart) holding the lock of the host's deploys (src/swarm/deploy-lock.ts), with a
 * docker that Ctrl-C or SIGTERM stops: a call under way is killed, the work stops at its
 * next step (`stopped` throws then), and the lock is released only once the work has
 * ended, however it ended. A deploy killed outright leaves the lock, and the next deploy
 * says how to remove it.
 * @throws InterruptedError when a signal stopped it
 */
export async function locked(model: HostModel, docker: DockerAsync, work: (docker: DockerAsync, stopped: () => void) => Promise<void>): Promise<void> {
  const release = await takeDeployLock(model.name, thisHolder(), docker);
  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => abort.abort(signal);
  // Listening until the lock is released: a second Ctrl-C must not end the process before.
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // Calls started before a signal are killed by it; those after (a job's removal in a finally) run.
  const stoppable: DockerAsync = (args, options = {}) => docker(args, abort.signal.aborted ? options : { ...options, signal: options.signal ?? abort.signal });
  const stopped = () => {
    if (abort.signal.aborted) throw new InterruptedError(abort.signal.reason as NodeJS.Signals);
  };
  try {
    await work(stoppable, stopped);
  } catch (err) {
    // Whatever a killed call made of it, a signal is what stopped the work.
    if (abort.signal.aborted && !(err instanceof InterruptedError)) throw new InterruptedError(abort.signal.reason as NodeJS.Signals);
    throw err;
  } finally {
    const problem = await release();
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    if (problem !== undefined) console.error(`warning: ${problem}`);
  }
}

/** Runs `docker stack deploy` of `file` as the stack `stack`, its output the command's; its exit status, or the error that kept it from running. */
export type StackDeploy = (file: string, stack: string) => { readonly status: number | null; readonly signal?: NodeJS.Signals | null; readonly error?: Error };

// --resolve-image changed: by default (always) every deploy asks a registry for the digest
// of every service's image, 100 lookups for 100 workspaces even when nothing changed (27 s
// of such a deploy on the test Swarm, whose nodes have their images loaded, not pulled:
// bench/RESULTS.md), and a tag moved since would update, so restart, every workspace of
// that image. With changed, an image is looked up (and pinned by digest, so wherever Swarm
// starts the task it runs the same image) only when its service is created or its image
// changes in the file.
const dockerStackDeploy: StackDeploy = (file, stack) =>
  spawnSync("docker", ["stack", "deploy", "--prune", "--resolve-image", "changed", "-c", file, stack], { stdio: "inherit" });

/** Adds `swarm check` and `swarm deploy` to `cli`. `docker` and `deploy`: the docker CLI (stand-ins in tests). */
export function addSwarmCommands(cli: Command, docker: DockerAsync = dockerCliAsync, deploy: StackDeploy = dockerStackDeploy): void {
  const swarm = cli
    .command("swarm")
    .description("a config with a swarm section: check the node baseline on every node, deploy the stack")
    .hook("preAction", loadCommandModules);
  swarm
    .command("check")
    .description(
      "check every node of swarm.nodes through a manager's Docker API (DOCKER_HOST may be ssh://): labelled, Ready, and its dockerd gives every container no-new-privileges, with icc off; writes nothing",
    )
    .option("-c, --config <file>", CONFIG_OPTION)
    .option("--image <image>", IMAGE_HELP)
    .addHelpText("after", exitCodes)
    .action(async (opts: { config?: string; image?: string }) => {
      const model = swarmOnly(configReader().loadChecked(opts.config ?? configFile()).model, "swarm check");
      await baselineChecked(model, opts.image, docker);
    });
  swarm
    .command("deploy")
    .description(
      "check every node (as swarm check), with a front door make its socket directories on every node, then write the stack file and run docker stack deploy --prune with the host's name; a node without the baseline: nothing written, nothing deployed",
    )
    .option("-c, --config <file>", CONFIG_OPTION)
    .option("-o, --out <file>", "where to write the stack file", "stack.yml")
    .option("--image <image>", IMAGE_HELP)
    .addHelpText("after", deployExitCodes)
    .action(async (opts: { config?: string; out: string; image?: string }) => {
      const { model, warnings } = configReader().loadChecked(opts.config ?? configFile(), { hostPaths: "warn" });
      swarmOnly(model, "swarm deploy");
      for (const w of warnings) console.error(`warning: ${w}`);
      // A file the config names that cannot be carried stops the deploy here: before the lock, any node or anything written.
      (await import("../output/secrets")).carriedDoorFiles(model);
      // One deploy of a host at a time: two would deploy over each other, and one could
      // remove a secret the other has just made and not yet given to a service.
      await locked(model, docker, (stoppable, stopped) => stackDeployed(model, opts, stoppable, deploy, stopped));
    });
}

/** The body of `swarm deploy`, under the host's deploy lock: the checks, the stack file, `docker stack deploy`, the old secrets removed. */
async function stackDeployed(
  model: HostModel,
  opts: { out: string; image?: string },
  docker: DockerAsync,
  deploy: StackDeploy,
  stopped: () => void,
): Promise<void> {
  await baselineChecked(model, opts.image, docker);
  stopped();
  if (model.frontDoor !== undefined) await setUpDoors(model, docker);
  stopped();
  const { writeCompose } = await import("../output/output");
  const out = writeCompose(model, opts.out);
  console.log([summary(model, path.dirname(path.resolve(out))), `wrote ${out}`].join("\n"));
  // --prune: a service the file no longer has (a removed user's) goes, as Terraform removes it.
  const r = deploy(out, model.name);
  // Ctrl-C at the terminal reaches docker too: it ended by the signal, before homedock hears of it.
  if (r.signal === "SIGINT" || r.signal === "SIGTERM") throw new InterruptedError(r.signal);
  stopped();
  if (r.error) throw new HostUnreadableError(`cannot run docker: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}`);
  if (r.status !== 0)
    throw new HomedockError(`docker stack deploy -c ${out} ${model.name} failed (exit status ${r.status}): see its output above`, r.status ?? 1);
  // A changed front door file is a new secret: the old one goes once no service names it.
  const { pruneStackSecrets } = await import("../swarm/stack-secrets");
  const pruned = await pruneStackSecrets(model.name, docker);
  for (const name of pruned.removed) console.log(`removed the secret ${name}: no service of the stack names it any more`);
  for (const line of pruned.problems) console.error(`warning: ${line}`);
}
