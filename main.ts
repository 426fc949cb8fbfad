// The cdktf app: reads the config file, builds one stack, synthesizes.
// HOMEDOCK_CONFIG names the file; else ./homedock.yaml; else the bundled example.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { App, TerraformStack } from "cdktf";
import {
  ConfigError,
  type HostModel,
  Host,
  loadConfig,
  renderCompose,
  TOKENS_VARIABLE,
  withoutStackTraces,
  writeComposeSecrets,
  writeTerraformSecrets,
} from "./constructs";

export function configFile(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  if (env.HOMEDOCK_CONFIG) return env.HOMEDOCK_CONFIG;
  const local = path.join(cwd, "homedock.yaml");
  return existsSync(local) ? local : path.join(__dirname, "examples", "course.yaml");
}

/** What `terraform init` leaves in a stack's directory; it survives a new synth. */
const TERRAFORM_WORKING_FILES = [".terraform", ".terraform.lock.hcl"];

/**
 * Synthesizes the model into `outdir` (its parent directories made if missing). Renders
 * beside it and swaps on success, so a failure leaves an existing output exactly as it
 * was; Terraform's working files in each stack's directory are carried over.
 */
export function synth(model: HostModel, outdir: string): string {
  mkdirSync(path.dirname(path.resolve(outdir)), { recursive: true });
  const staging = `${outdir}.homedock-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  try {
    withoutStackTraces(() => {
      const app = new App({ outdir: staging });
      new Host(new TerraformStack(app, model.name), "host", model);
      app.synth();
    });
    writeTerraformSecrets(path.dirname(path.resolve(outdir)), path.join(staging, "stacks", model.name), model, TOKENS_VARIABLE);
    const stacks = path.join(outdir, "stacks");
    for (const stack of existsSync(stacks) ? readdirSync(stacks) : []) {
      for (const name of TERRAFORM_WORKING_FILES) {
        const from = path.join(stacks, stack, name);
        const to = path.join(staging, "stacks", stack, name);
        if (existsSync(from) && existsSync(path.dirname(to))) renameSync(from, to);
      }
    }
    rmSync(outdir, { recursive: true, force: true });
    renameSync(staging, outdir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return path.join(outdir, "stacks", model.name, "cdk.tf.json");
}

/** Writes the Compose file whole or not at all (its parent directories made if missing). */
export function writeCompose(model: HostModel, file: string): string {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const staging = `${file}.homedock-${process.pid}`;
  try {
    writeFileSync(staging, renderCompose(model));
    writeComposeSecrets(path.dirname(path.resolve(file)), model);
    renameSync(staging, file);
  } finally {
    rmSync(staging, { force: true });
  }
  return file;
}

/** A few lines an admin can check at a glance. */
export function summary(model: HostModel): string {
  const lines = [`host ${model.name}: ${model.workspaces.length} workspaces for ${model.users.length} users`];
  for (const user of model.users) {
    const envs = (model.workspacesByUser.get(user.name) ?? []).map((w) => w.environment.name);
    lines.push(`  ${user.name} (${user.uid}:${user.gid}, ${user.home}): ${envs.join(", ") || "nothing"}`);
  }
  lines.push(`images: ${model.environments.map((e) => e.image).join(", ")}`);
  lines.push(`shared: ${model.sharedMounts.map((m) => `${m.source} -> ${m.target} (${m.readOnly ? "ro" : "rw"})`).join(", ") || "none"}`);
  for (const warning of model.warnings) lines.push(`warning: ${warning}`);
  return lines.join("\n");
}

export function main(): number {
  const file = configFile();
  try {
    const model = loadConfig(file);
    const out = synth(model, process.env.CDKTF_OUTDIR ?? "cdktf.out");
    console.log(`${summary(model)}\nwrote ${out}`);
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
}

if (require.main === module) process.exitCode = main();
