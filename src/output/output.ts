// Writing the renderings to disk: the Terraform stack (cdktf synth) and the Compose
// file, each whole or not at all, with their secrets beside them.
import { chmodSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import * as path from "node:path";
import { App, TerraformStack } from "cdktf";
import { FRONTDOOR_FILES_VARIABLE, Host, TOKENS_VARIABLE } from "../../constructs/host";
import type { HostModel } from "../model/model";
import { renderCompose } from "../render/compose";
import { renderStack } from "../render/stack";
import { writeComposeSecrets, writeTerraformSecrets } from "./secrets";
import { withoutStackTraces } from "./stack-traces";
import { writeWhole } from "./write-whole";

/**
 * Synthesizes the model into `outdir` (its parent directories made if missing). Renders
 * beside it and moves the rendered files in on success, so a failure leaves an existing
 * output exactly as it was. Only what synth renders (manifest.json, each stack's
 * cdk.tf.json and terraform.tfvars.json) is replaced: whatever else is there (a saved
 * plan, an override file, Terraform's working directory, a local state) stays.
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
    writeTerraformSecrets(path.dirname(path.resolve(outdir)), stackDirectory(staging, model.name), model, {
      tokens: TOKENS_VARIABLE,
      frontDoorFiles: FRONTDOOR_FILES_VARIABLE,
    });
    moveInto(staging, outdir);
    // The admin's alone: it holds the tokens (terraform.tfvars.json), and Terraform
    // keeps saved plans and its working files in the stack's directory.
    chmodSync(outdir, 0o700);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return path.join(stackDirectory(outdir, model.name), "cdk.tf.json");
}

/** Where synth writes the stack of the host named `name`: a plain Terraform root module. */
export function stackDirectory(outdir: string, name: string): string {
  return path.join(outdir, "stacks", name);
}

/** Moves every file under `from` to the same place under `to`, replacing its namesake and nothing else. */
function moveInto(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.isDirectory()) moveInto(path.join(from, entry.name), path.join(to, entry.name));
    else renameSync(path.join(from, entry.name), path.join(to, entry.name));
  }
}

/**
 * Writes the Compose file whole or not at all (its parent directories made if missing);
 * for a host with a swarm section, the stack file for `docker stack deploy`.
 */
export function writeCompose(model: HostModel, file: string): string {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  // First, since the Compose file names them (and the stack file their hashes).
  const files = writeComposeSecrets(path.dirname(path.resolve(file)), model);
  const text = model.swarm === undefined ? renderCompose(model) : renderStack(model, files);
  writeWhole(file, text);
  return file;
}
