#!/usr/bin/env node
// The `homedock` command: everything an admin does that isn't `cdktf` itself.
import { Command, Option } from "commander";
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { CONFIG_OPTION, configFile, summary } from "./config-file";
import type * as Output from "../output/output";
import { PlanError, REVIEW_EXIT } from "../review/exit";
import type * as ReviewModule from "../review/review";
import type { Review } from "../review/review";
import type { HostModel } from "../model/model";
import { singleHost } from "../model/single-host";
import type { HostPathPolicy } from "../preflight/preflight";
import { EXIT_UNREADABLE, HomedockError } from "../config/errors";
import { configReader, jsonSchema, loadCommandModules, loadJsonSchema } from "./lazy";
import { systemTerraform, type Terraform } from "./terraform";
import { addPasswdCommand, SECRETS_DIR_HELP } from "./passwd";
import { addUsersCommand } from "./users";
import { readPasswords, staleHashes } from "../output/secrets";
import { addWorkspaceCommands } from "./workspaces";
import { addPruneCommand } from "./prune";
import { addSwarmCommands, baselineChecked, setUpDoors } from "./swarm";
import { terraformModel } from "../model/terraform-swarm";
import { type DockerAsync, dockerCliAsync } from "../docker/docker-cli";
import { exitStatus } from "./exit-status";
import {
  dockerEngineReader,
  type EngineReader,
  type EngineView,
  forgetInit,
  forgetRefresh,
  initCurrent,
  recordInit,
  recordedSettled,
  recordRefresh,
  refreshed,
  sameEngine,
  sameView,
  settledStack,
  stackSaysAll,
  stateFile,
  viewEngine,
} from "./skips";
import { writeWhole } from "../output/write-whole";
import { changedResources, readStack, type ReadStack, unchangedEntries } from "./targets";
import { applyEnded, cutOff, markApplying, removeLeftovers } from "./cut-off";

/** What --refresh says. */
const REFRESH_HELP = "refresh every object of the state, even when the Docker engine holds them exactly as the last refresh read them";

/** The plan `homedock plan` saves in the stack directory and `homedock deploy --saved-plan` applies. */
export const SAVED_PLAN = "homedock.tfplan";

/** A command used in a way that cannot work; the message says what to do instead. Exit status 1. */
class UsageError extends HomedockError {
  /** Said by homedock: how it was used is the problem, not what the command did. */
  override report(): string {
    return super.report("homedock");
  }
}

interface RenderOptions {
  readonly config?: string;
  readonly out: string;
}

interface ReviewFlags {
  readonly failOnReplace?: boolean;
  readonly failOnDestroy?: boolean;
  readonly format: "markdown" | "json";
}

/**
 * Loads the config and runs the preflight (src/preflight/): missing TLS files refused, host
 * paths Docker would refuse left alone, warned of or refused as `hostPaths` says ("refuse"
 * stops the command before anything is written).
 */
function loaded(file: string, hostPaths: HostPathPolicy): { model: HostModel; warnings: string[] } {
  const { model, warnings } = configReader().loadChecked(file, { hostPaths });
  return { model, warnings: warnings.map((line) => `warning: ${line}`) };
}

/** Renders the config with `write` to `--out`, says what it wrote (on `log`) and returns where. */
function rendered(
  write: (model: HostModel, out: string) => string,
  opts: RenderOptions,
  {
    log = console.log,
    paths = "ignore",
    ready,
  }: { log?: (text: string) => void; paths?: HostPathPolicy; ready?: { model: HostModel; warnings: string[] } } = {},
): { model: HostModel; out: string } {
  const { model, warnings } = ready ?? loaded(opts.config ?? configFile(), paths);
  const out = write(model, opts.out);
  log([summary(model, path.dirname(path.resolve(opts.out))), ...warnings, `wrote ${out}`].join("\n"));
  return { model, out };
}

/**
 * A state written before homedock kept it private (or by `cdktf deploy`) made the
 * admin's alone: the local backend's state and its backup, where the stack says.
 */
function privateState(stack: string): void {
  const synthesized = JSON.parse(readFileSync(path.join(stack, "cdk.tf.json"), "utf8")) as { terraform?: { backend?: { local?: { path?: string } } } };
  const backend = synthesized.terraform?.backend?.local;
  const state = path.resolve(stack, backend?.path ?? "terraform.tfstate");
  for (const file of [state, `${state}.backup`]) if (existsSync(file)) chmodSync(file, 0o600);
}

/** `terraform init` in the stack directory, where the last one there was not for the same providers, backend and lock file; its status. */
function init(terraform: Terraform, stack: string, toStderr = false): number {
  privateState(stack);
  if (initCurrent(stack)) return 0;
  forgetInit(stack);
  const status = terraform.run(["init", "-input=false"], stack, toStderr);
  if (status === 0) recordInit(stack);
  return status;
}

/**
 * Whether a plan or deploy of `model` may skip the refresh and plan only what the config
 * changed (skips.ts, targets.ts): on one host, not on a Swarm, where the engine the
 * provider reads is a manager's and the tasks run on the nodes' engines, which the record
 * of a settled host does not see. A Swarm takes the full plan, refresh included.
 */
function settles(model: HostModel): boolean {
  return model.swarm === undefined;
}

/**
 * Runs `apply` (Terraform's apply of `stack`), marked as under way until Terraform ends
 * by itself; first removes what an apply cut off before it left unrecorded (cut-off.ts).
 */
async function applying(stack: string, host: string, engine: EngineReader, apply: () => number): Promise<number> {
  const leftovers = await cutOff(stack, host, engine);
  if (leftovers.length > 0) {
    console.error(
      `homedock: the last apply was cut off before Terraform recorded what it had made: removing it, as Terraform replaces what it could not finish: ${leftovers
        .map((l) => `${l.kind} ${l.name}`)
        .join(", ")}`,
    );
    await removeLeftovers(stack, leftovers, engine);
  }
  markApplying(stack);
  const status = apply();
  applyEnded(stack, status);
  return status;
}

/**
 * A config with a swarm section, before Terraform runs: every node checked for the
 * baseline, and with a front door its socket directories made on every node, as `swarm
 * deploy` does (exit status 3 if a node lacks either).
 */
async function swarmBaseline(model: HostModel, docker: DockerAsync): Promise<void> {
  if (model.swarm === undefined) return;
  // What Terraform's rendering refuses, and a file the config names that cannot be
  // carried, are refused before any node is touched.
  terraformModel(model);
  if (model.frontDoor !== undefined) (await import("../output/secrets")).carriedDoorFiles(model);
  await baselineChecked(model, undefined, docker);
  if (model.frontDoor !== undefined) await setUpDoors(model, docker);
}

/** What a plan of `stack` must look at; undefined for everything (see targets.ts), [] for nothing. */
function targetsOf(stack: string, skip: boolean): { now: ReadStack | undefined; targets: string[] | undefined } {
  const now = readStack(stack);
  const settled = skip ? settledStack(stack) : undefined;
  return { now, targets: settled && now ? changedResources(settled, now) : undefined };
}

/** Terraform's arguments for `targets`. */
const targetArgs = (targets: readonly string[] | undefined) => (targets ?? []).map((address) => `-target=${address}`);

/** The line that says what is planned, and why that loses nothing; undefined for a plan as Terraform makes it. */
function planLine(view: EngineView | undefined, targets: readonly string[] | undefined, skip: boolean): string | undefined {
  if (!skip) return undefined;
  const engine = `the Docker engine holds the state's ${view!.objects} objects exactly as the last refresh read them`;
  if (targets === undefined) return `homedock: ${engine}: planning without a refresh (--refresh to force one)`;
  const settled = "the last plan or deploy found nothing to change";
  if (targets.length === 0)
    return `homedock: ${engine}, and the stack is the one in which ${settled}: nothing to change, Terraform not run (--refresh for a full plan)`;
  return (
    `homedock: ${engine}, and ${targets.length} of the stack's resources differ from the stack in which ${settled} (or read from one that does): ` +
    `planning those alone, without a refresh (Terraform's warnings of -target below; --refresh for a full plan): ${targets.join(", ")}`
  );
}

/** Whether a plan (show -json) changes nothing: every action a no-op. In JSON text `"actions":[` is never inside a string. */
function changesNothing(plan: Buffer): boolean {
  const key = Buffer.from('"actions":[');
  const noop = Buffer.from('"no-op"]');
  for (let at = plan.indexOf(key); at >= 0; at = plan.indexOf(key, at + key.length)) {
    const start = at + key.length;
    if (!plan.subarray(start, start + noop.length).equals(noop)) return false;
  }
  return true;
}

/**
 * The plan the review reads: a targeted plan with every other resource of the state as a
 * full plan writes it, unchanged (which is what the settled stack says of them).
 */
function fullPlan(stack: string, plan: Buffer | undefined): string | Buffer {
  const state = JSON.parse(readFileSync(stateFile(stack)!, "utf8")) as Parameters<typeof unchangedEntries>[0];
  const parsed = (plan ? JSON.parse(plan.toString("utf8")) : { format_version: "1.2", resource_changes: [] }) as {
    format_version: unknown;
    resource_changes?: { address: string }[];
  };
  const planned = parsed.resource_changes ?? [];
  return JSON.stringify({
    format_version: parsed.format_version,
    resource_changes: [...planned, ...unchangedEntries(state, new Set(planned.map((c) => c.address)))],
  });
}

/** Where `homedock plan` says the plan it reviewed changes nothing, in place of a saved plan: the state it was made against. */
const EMPTY_PLAN = `${SAVED_PLAN}.empty`;

/** The state's lineage and serial, as Terraform checks a saved plan against them. */
function stateVersion(stack: string): string | undefined {
  try {
    const state = JSON.parse(readFileSync(stateFile(stack)!, "utf8")) as { lineage?: unknown; serial?: unknown };
    return JSON.stringify({ lineage: state.lineage, serial: state.serial });
  } catch {
    return undefined;
  }
}

/** The plan JSON's drift: what the refresh read that the state did not hold (Terraform writes it compact). */
function drifted(plan: Buffer): boolean {
  const at = plan.indexOf('"resource_drift":[');
  return at >= 0 && plan[at + '"resource_drift":['.length] !== "]".charCodeAt(0);
}

/** Prints a review, or writes it to `file`: the Markdown, or the summary and what the policies block as JSON. */
function printReview(review: Review, format: ReviewFlags["format"], file?: string): void {
  const text = format === "json" ? JSON.stringify({ ...review.summary, blocked: review.blocked }, null, 2) : review.markdown;
  if (file) writeFileSync(file, `${text}\n`);
  else console.log(text);
}

/** Exit status of `compose --preview` (1 is an invalid config, as for every command). */
export const PREVIEW_EXIT = { ok: 0, unreadable: EXIT_UNREADABLE } as const;

/**
 * `compose --preview`: the Compose file's services against the host's containers, in the review's words.
 * @throws HostUnreadableError when the Docker host cannot be read
 */
async function previewCompose(opts: { config?: string; format: "markdown" | "json" }): Promise<void> {
  const { model, warnings } = loaded(opts.config ?? configFile(), "warn");
  singleHost(model, "compose --preview");
  for (const w of warnings) console.error(w);
  const [{ composeServices }, preview, { inspectHost }] = await Promise.all([
    import("../render/compose"),
    import("../review/compose-preview"),
    import("../workspaces/docker-host"),
  ]);
  const services = [...composeServices(model)];
  const host = await inspectHost(
    model.name,
    services.map((s) => s.spec.image),
  );
  const result = preview.previewCompose(model.name, services, host.containers, host.images);
  console.log(opts.format === "json" ? JSON.stringify({ ...result.summary, containers: result.containers }, null, 2) : result.markdown);
}

/** The review's options, shared by `review` and `plan`. */
function withReviewOptions(command: Command): Command {
  return command
    .option("--fail-on-replace", `exit ${REVIEW_EXIT.replace} if a workspace would be replaced`)
    .option("--fail-on-destroy", `exit ${REVIEW_EXIT.destroy} if a workspace would be removed (${REVIEW_EXIT.both}: both)`)
    .addOption(new Option("--format <format>", "markdown, or json: the typed summary, for CI tools").choices(["markdown", "json"]).default("markdown"))
    .addHelpText(
      "after",
      `\nExit codes: ${REVIEW_EXIT.ok} reviewed, ${REVIEW_EXIT.unreadable} not a readable homedock plan, ${REVIEW_EXIT.replace} replace blocked, ${REVIEW_EXIT.destroy} destroy blocked, ${REVIEW_EXIT.both} both.`,
    );
}

/**
 * The command line. `terraform` runs Terraform (a stand-in in tests); `exit` receives
 * the exit status of a command that sets one.
 */
export function program(
  terraform: Terraform = systemTerraform(),
  exit: (status: number) => void = (status) => void (process.exitCode = status),
  engine: EngineReader = dockerEngineReader,
  docker: DockerAsync = dockerCliAsync,
): Command {
  const cli = new Command("homedock")
    .description("A multi-user Docker host as code: environments x users -> workspace containers")
    .showHelpAfterError()
    .exitOverride();
  // The renderers load cdktf, half of the command's start: loaded before a command runs, not for --help.
  let output!: typeof Output;
  // The plan review reads a plan with zod: loaded with the renderers, not for --help.
  let reviewPlan!: typeof ReviewModule.reviewPlan;
  // status and restart render nothing and must answer fast (a host of 100 workspaces in under 3 s):
  // status asks Docker first and loads the modules itself meanwhile.
  cli.hook("preAction", async (_cli, action) => {
    if (action.name() === "status") return;
    await loadCommandModules();
    if (action.name() === "restart") return;
    output = await import("../output/output");
    ({ reviewPlan } = await import("../review/review"));
  });
  const outdir = "output directory; in each stack's directory only the files synth renders are replaced";
  /** A command that synthesizes the stack first. */
  const stackCommand = (name: string, description: string) =>
    cli.command(name).description(description).option("-c, --config <file>", CONFIG_OPTION).option("-o, --out <dir>", outdir, "cdktf.out");

  stackCommand("synth", "synthesize the Terraform stack (what `cdktf synth` runs)").action((opts: RenderOptions) => void rendered(output.synth, opts));

  withReviewOptions(
    stackCommand(
      "plan",
      `synthesize, terraform init and plan, and review the plan; it is saved as ${SAVED_PLAN} in the stack directory for \`deploy --saved-plan\``,
    )
      .option("--review <file>", "write the review there instead of standard output")
      .option("--refresh", REFRESH_HELP),
  ).action(async (opts: RenderOptions & ReviewFlags & { review?: string; refresh?: boolean }) => {
    // Standard output holds the review alone; Terraform's and homedock's own lines go to standard error.
    const { model, out } = rendered(output.synth, opts, { log: console.error, paths: "warn" });
    const stack = path.dirname(out);
    const saved = path.join(stack, SAVED_PLAN);
    // A failed plan must not leave an older one behind for deploy --saved-plan.
    rmSync(saved, { force: true });
    rmSync(path.join(stack, EMPTY_PLAN), { force: true });
    // After init: a new provider is a new lock file, and a full refresh.
    let status = init(terraform, stack, true);
    if (status !== 0) return exit(status);
    const before = settles(model) ? await viewEngine(stack, engine) : undefined;
    const skip = settles(model) && !opts.refresh && refreshed(stack, before);
    const { now, targets } = targetsOf(stack, skip);
    const line = planLine(before, targets, skip);
    if (line) console.error(line);
    const version = stateVersion(stack);
    if (targets?.length === 0 && version !== undefined) {
      // Nothing to plan: the reviewed plan is the state as it is, and so is what deploy --saved-plan applies.
      writeWhole(path.join(stack, EMPTY_PLAN), `${version}\n`, { mode: 0o600 });
      const review = reviewPlan(fullPlan(stack, undefined), { ...opts, host: model.name });
      printReview(review, opts.format, opts.review);
      return exit(review.exitCode);
    }
    status = terraform.run(["plan", "-input=false", ...(skip ? ["-refresh=false"] : []), ...targetArgs(targets), `-out=${SAVED_PLAN}`], stack, true);
    if (status !== 0) return exit(status);
    // It holds the input variables, the workspace tokens among them.
    chmodSync(saved, 0o600);
    const show = terraform.capture(["show", "-json", SAVED_PLAN], stack);
    if (show.status !== 0) return exit(show.status);
    // A refresh that read back exactly what the state holds, of an engine that did not
    // change meanwhile: the state is what a refresh leaves (a plan writes no state). A
    // plan that changes nothing settles the stack; one that changes something leaves the
    // stack that was settled (none after a refresh: the record was not to be trusted).
    const after = settles(model) ? await viewEngine(stack, engine) : undefined;
    if (settles(model) && (skip || !drifted(show.stdout)) && sameView(before, after)) {
      // A plan writes no state: with TF_VAR_ set (a stack the digest does not show) it
      // settles nothing new, but what was settled still is.
      const settled = stackSaysAll() && changesNothing(show.stdout) ? now?.digest : skip ? recordedSettled(stack) : undefined;
      recordRefresh(stack, after!, settled);
    } else forgetRefresh(stack);
    const review = reviewPlan(targets ? fullPlan(stack, show.stdout) : show.stdout, { ...opts, host: model.name });
    printReview(review, opts.format, opts.review);
    exit(review.exitCode);
  });

  stackCommand("deploy", "synthesize, then converge the host with Terraform (init, apply) without the cdktf CLI")
    .option("--auto-approve", "apply without asking")
    .option("--saved-plan", `apply the plan \`homedock plan\` saved (${SAVED_PLAN}), exactly as reviewed, without synthesizing again`)
    .option("--refresh", REFRESH_HELP)
    .action(async (opts: RenderOptions & { autoApprove?: boolean; savedPlan?: boolean; refresh?: boolean }) => {
      if (opts.savedPlan) {
        const { model } = configReader().loadChecked(opts.config ?? configFile());
        const stack = output.stackDirectory(opts.out, model.name);
        const saved = path.join(stack, SAVED_PLAN);
        if (!existsSync(saved)) {
          const empty = path.join(stack, EMPTY_PLAN);
          if (!existsSync(empty)) throw new UsageError(`no saved plan at ${saved}: run homedock plan first`);
          // As Terraform refuses a saved plan once the state has changed.
          if (readFileSync(empty, "utf8").trim() !== stateVersion(stack)) {
            throw new UsageError(`the plan homedock plan reviewed is stale: the state changed since; run homedock plan again`);
          }
          rmSync(empty);
          console.error("homedock: the plan homedock plan reviewed changes nothing: nothing to apply");
          return exit(0);
        }
        await swarmBaseline(model, docker);
        privateState(stack);
        forgetRefresh(stack);
        // Terraform applies a saved plan without asking: it was the question.
        const status = await applying(stack, model.name, engine, () => terraform.run(["apply", "-input=false", SAVED_PLAN], stack));
        // Applied, it is stale: Terraform would refuse it next time.
        if (status === 0) rmSync(saved);
        return exit(status);
      }
      const ready = loaded(opts.config ?? configFile(), "refuse");
      await swarmBaseline(ready.model, docker);
      const { model, out } = rendered(output.synth, opts, { ready });
      const stack = path.dirname(out);
      let status = init(terraform, stack);
      if (status !== 0) return exit(status);
      const before = settles(model) ? await viewEngine(stack, engine) : undefined;
      const skip = settles(model) && !opts.refresh && refreshed(stack, before);
      const { now, targets } = targetsOf(stack, skip);
      const line = planLine(before, targets, skip);
      if (line) console.error(line);
      if (targets?.length === 0) return exit(0);
      // Whatever the apply does, the record is no more until it has ended well.
      forgetRefresh(stack);
      // terraform.tfvars.json beside the stack carries the tokens.
      status = await applying(stack, model.name, engine, () =>
        terraform.run(
          ["apply", "-input=false", ...(skip ? ["-refresh=false"] : []), ...targetArgs(targets), ...(opts.autoApprove ? ["-auto-approve"] : [])],
          stack,
        ),
      );
      // The engine as it was before: the apply refreshed every object (or the record said
      // a refresh would read back the state) and changed none; its state is what a
      // refresh leaves, and the stack is applied: a plan of it would change nothing.
      // Not looked at after an apply of targets: those are what the config changed, and
      // their apply changed the engine (should it not have, the next plan refreshes
      // everything, as after any change: slower, never wrong). Nor where nothing was seen
      // before (no state yet, as on a first deploy): there is nothing to compare it with.
      if (status === 0 && settles(model) && targets === undefined && before !== undefined) {
        const after = await viewEngine(stack, engine);
        if (sameEngine(before, after)) recordRefresh(stack, after!, stackSaysAll() ? now?.digest : undefined);
      }
      exit(status);
    });

  stackCommand("destroy", "remove the host's containers and network with Terraform (synth, init, destroy); homes, everything in them, and images stay")
    .option("--auto-approve", "destroy without asking")
    .action((opts: RenderOptions & { autoApprove?: boolean }) => {
      const stack = path.dirname(rendered(output.synth, opts).out);
      forgetRefresh(stack);
      const status = init(terraform, stack);
      exit(status !== 0 ? status : terraform.run(["destroy", "-input=false", ...(opts.autoApprove ? ["-auto-approve"] : [])], stack));
    });

  cli
    .command("compose")
    .description("render the same host as a docker-compose.yml (with a swarm section: a stack file for docker stack deploy)")
    .option("-c, --config <file>", CONFIG_OPTION)
    .option("-o, --out <file>", "where to write it", "docker-compose.yml")
    .option(
      "--preview",
      "write nothing: say which containers `docker compose up -d --remove-orphans` would recreate (and why), remove or create, from the running host (through the Docker API; DOCKER_HOST may be ssh://)",
    )
    .addOption(new Option("--format <format>", "with --preview: markdown, or json").choices(["markdown", "json"]).default("markdown"))
    .addHelpText(
      "after",
      `\nExit codes with --preview: ${PREVIEW_EXIT.ok} previewed, 1 invalid config, ${PREVIEW_EXIT.unreadable} the Docker host could not be read.`,
    )
    .action(async (opts: RenderOptions & { preview?: boolean; format: "markdown" | "json" }) => {
      if (!opts.preview) return void rendered(output.writeCompose, opts, { paths: "warn" });
      await previewCompose(opts);
    });

  cli
    .command("validate")
    .description("check a config file and print what it declares, and stored password hashes it no longer fits; writes nothing")
    .option("-c, --config <file>", CONFIG_OPTION)
    .option("-d, --dir <dir>", SECRETS_DIR_HELP, ".")
    .action((opts: { config?: string; dir: string }) => {
      const { model, warnings } = loaded(opts.config ?? configFile(), "warn");
      const stale = staleHashes(model, readPasswords(opts.dir)).map((line) => `warning: ${line}`);
      console.log([summary(model), ...warnings, ...stale].join("\n"));
    });

  withReviewOptions(
    cli
      .command("review")
      .description("summarize a saved plan (terraform show -json) in Markdown, or JSON: who gains, loses or restarts what")
      .argument("<plan.json>", "output of terraform show -json <saved plan>, or - for standard input")
      .option("--host <name>", "refuse a plan of any other homedock host")
      .option("-o, --out <file>", "write the review there instead of standard output"),
  ).action((file: string, opts: ReviewFlags & { host?: string; out?: string }) => {
    let bytes: Buffer;
    try {
      // As bytes: the review decodes only the part it reads (400 MB plans).
      bytes = readFileSync(file === "-" ? 0 : file);
    } catch (err) {
      throw new PlanError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    const review = reviewPlan(bytes, opts);
    printReview(review, opts.format, opts.out);
    exit(review.exitCode);
  });

  addUsersCommand(cli, exit, docker);
  addPasswdCommand(cli);
  addWorkspaceCommands(cli);
  addPruneCommand(cli, exit);
  addSwarmCommands(cli);

  cli
    .command("schema")
    .description("print the JSON Schema of the config file (for editors; also homedock.schema.json)")
    .hook("preAction", loadJsonSchema)
    .action(() => {
      console.log(JSON.stringify(jsonSchema().configJsonSchema(), null, 2));
    });

  return cli;
}

/** The command as the admin ran it, for its messages: `homedock users check`, `homedock compose --preview`. */
function commandName(action: Command): string {
  const names: string[] = [];
  for (let c: Command | null = action; c !== null; c = c.parent) names.unshift(c.name());
  // --preview makes compose another command: it writes nothing and reads the Docker host.
  return action.opts().preview ? `${names.join(" ")} --preview` : names.join(" ");
}

/** Runs the CLI; returns the exit status. Expected errors are their message, never a stack trace (see exitStatus). */
export async function run(
  argv: readonly string[],
  terraform: Terraform = systemTerraform(),
  engine: EngineReader = dockerEngineReader,
  docker: DockerAsync = dockerCliAsync,
): Promise<number> {
  let status = 0;
  let command = "homedock";
  const cli = program(terraform, (code) => void (status = code), engine, docker);
  cli.hook("preAction", (_cli, action) => void (command = commandName(action)));
  try {
    await cli.parseAsync([...argv]);
    return status;
  } catch (err) {
    return exitStatus(err, command);
  }
}

// The package's `homedock` command runs the compiled file; `tsx src/cli/cli.ts` runs the source.
if (require.main === module) {
  void run(process.argv).then((code) => {
    process.exitCode = code;
  });
}
