#!/usr/bin/env node
// The `homedock` command: everything an admin does that isn't `cdktf` itself.
import { Command, CommanderError } from "commander";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { configFile, summary } from "./config-file";
import { synth, writeCompose } from "../render/output";
import { PlanError, REVIEW_EXIT, reviewPlan } from "./review";
import type { HostModel } from "../model/model";
import { ConfigError } from "../model/issues";
import { configJsonSchema } from "../config/json-schema";
import { loadConfig } from "../config/load";
import { addUsersCommand } from "./users";

/** Renders the config with `write` to `--out`, says what it wrote and returns where. */
function rendered(write: (model: HostModel, out: string) => string, opts: { config?: string; out: string }): string {
  const model = loadConfig(opts.config ?? configFile());
  const out = write(model, opts.out);
  console.log(`${summary(model)}\nwrote ${out}`);
  return out;
}

/** Runs Terraform (`$TERRAFORM_BINARY_NAME`, say tofu, else terraform) in `cwd` on this terminal; its exit status, 1 if it could not start. */
function terraform(args: string[], cwd: string): number {
  const binary = process.env.TERRAFORM_BINARY_NAME || "terraform";
  const r = spawnSync(binary, args, { cwd, stdio: "inherit" });
  if (r.error) {
    console.error(`homedock deploy: cannot run ${binary}: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}`);
    return 1;
  }
  return r.status ?? 1;
}

export function program(): Command {
  const cli = new Command("homedock")
    .description("A multi-user Docker host as code: environments x users -> workspace containers")
    .showHelpAfterError()
    .exitOverride();
  const config = "config file (default: $HOMEDOCK_CONFIG, else ./homedock.yaml, else the bundled example)";

  cli
    .command("synth")
    .description("synthesize the Terraform stack (what `cdktf synth` runs)")
    .option("-c, --config <file>", config)
    .option("-o, --out <dir>", "output directory", "cdktf.out")
    .action((opts: { config?: string; out: string }) => void rendered(synth, opts));

  cli
    .command("deploy")
    .description("synthesize, then converge the host with Terraform (init, apply) without the cdktf CLI")
    .option("-c, --config <file>", config)
    .option("-o, --out <dir>", "output directory", "cdktf.out")
    .option("--auto-approve", "apply without asking")
    .action((opts: { config?: string; out: string; autoApprove?: boolean }) => {
      const stack = path.dirname(rendered(synth, opts));
      // The stack directory is a plain Terraform root module; terraform.tfvars.json
      // beside it carries the tokens. init is quick when nothing changed.
      const init = terraform(["init", "-input=false"], stack);
      if (init !== 0) {
        process.exitCode = init;
        return;
      }
      process.exitCode = terraform(["apply", "-input=false", ...(opts.autoApprove ? ["-auto-approve"] : [])], stack);
    });

  cli
    .command("compose")
    .description("render the same host as a docker-compose.yml")
    .option("-c, --config <file>", config)
    .option("-o, --out <file>", "where to write it", "docker-compose.yml")
    .action((opts: { config?: string; out: string }) => void rendered(writeCompose, opts));

  cli
    .command("validate")
    .description("check a config file and print what it declares; writes nothing")
    .option("-c, --config <file>", config)
    .action((opts: { config?: string }) => {
      console.log(summary(loadConfig(opts.config ?? configFile())));
    });

  cli
    .command("review")
    .description("summarize a saved plan (terraform show -json) in Markdown: who gains, loses or restarts what")
    .argument("<plan.json>", "output of terraform show -json <saved plan>, or - for standard input")
    .option("--fail-on-replace", `exit ${REVIEW_EXIT.replace} if a workspace would be replaced`)
    .option("--fail-on-destroy", `exit ${REVIEW_EXIT.destroy} if a workspace would be removed (${REVIEW_EXIT.both}: both)`)
    .option("--host <name>", "refuse a plan of any other homedock host")
    .option("-o, --out <file>", "write the Markdown there instead of standard output")
    .addHelpText("after", `\nExit codes: ${REVIEW_EXIT.ok} reviewed, ${REVIEW_EXIT.unreadable} not a readable homedock plan, ${REVIEW_EXIT.replace} replace blocked, ${REVIEW_EXIT.destroy} destroy blocked, ${REVIEW_EXIT.both} both.`)
    .action((file: string, opts: { failOnReplace?: boolean; failOnDestroy?: boolean; host?: string; out?: string }) => {
      let bytes: Buffer;
      try {
        // As bytes: the review decodes only the part it reads (400 MB plans).
        bytes = readFileSync(file === "-" ? 0 : file);
      } catch (err) {
        throw new PlanError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
      const review = reviewPlan(bytes, opts);
      if (opts.out) writeFileSync(opts.out, `${review.markdown}\n`);
      else console.log(review.markdown);
      process.exitCode = review.exitCode;
    });

  addUsersCommand(cli);

  cli
    .command("schema")
    .description("print the JSON Schema of the config file (for editors; also homedock.schema.json)")
    .action(() => {
      console.log(JSON.stringify(configJsonSchema(), null, 2));
    });

  return cli;
}

/** Runs the CLI; returns the exit status. Config and file errors are one message, never a stack trace. */
export async function run(argv: readonly string[]): Promise<number> {
  try {
    await program().parseAsync([...argv]);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 1;
    }
    if (err instanceof PlanError) {
      console.error(`homedock review: ${err.message}`);
      return REVIEW_EXIT.unreadable;
    }
    // A path that cannot be written (permissions, a file where a directory must be).
    const { code, path: where, syscall } = err as NodeJS.ErrnoException;
    if (code !== undefined && where !== undefined) {
      console.error(`homedock: cannot ${syscall ?? "use"} ${where}: ${code}`);
      return 1;
    }
    throw err;
  }
}

// The package's `homedock` command runs the compiled file; `tsx src/cli/cli.ts` runs the source.
if (require.main === module) {
  void run(process.argv).then((code) => {
    process.exitCode = code;
  });
}
