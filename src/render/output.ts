// Writing the renderings to disk: the Terraform stack (cdktf synth) and the Compose
// file, each whole or not at all, with their secrets beside them.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { App, TerraformStack } from "cdktf";
import { Host, TOKENS_VARIABLE } from "../../constructs/host";
import type { HostModel } from "../model/model";
import { renderCompose } from "./compose";
import { writeComposeSecrets, writeTerraformSecrets } from "./secrets";
import { withoutStackTraces } from "./stack-traces";

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
      Host.fromModel(new TerraformStack(app, model.name), "host", model);
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
