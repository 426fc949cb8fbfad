// Workspace tokens: made once, kept in a private file, handed to Terraform and Compose
// as files of mode 0600 — never written into cdk.tf.json or docker-compose.yml.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { secretKey, TOKEN_VARIABLE } from "../spec/container-spec";
import type { HostModel } from "../model/model";

/** Where tokens live, beside cdktf.out and the Compose file. */
export const SECRETS_DIR = "homedock-secrets";

function writePrivate(file: string, text: string): void {
  if (existsSync(file) && readFileSync(file, "utf8") === text) return;
  const staging = `${file}.${process.pid}`;
  writeFileSync(staging, text, { mode: 0o600 });
  chmodSync(staging, 0o600);
  renameSync(staging, file);
}

/**
 * Every workspace's token by "<user>.<environment>", from `<dir>/homedock-secrets/tokens.json`
 * (mode 0600, in a 0700 directory): a workspace keeps its token across renders; a new
 * one gets 32 random bytes, hex.
 */
export function workspaceTokens(dir: string, model: HostModel): Record<string, string> {
  const secrets = path.join(dir, SECRETS_DIR);
  mkdirSync(secrets, { recursive: true, mode: 0o700 });
  const file = path.join(secrets, "tokens.json");
  const known: Record<string, string> = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
  const tokens: Record<string, string> = {};
  for (const ws of model.workspaces) tokens[secretKey(ws)] = known[secretKey(ws)] ?? randomBytes(32).toString("hex");
  writePrivate(file, `${JSON.stringify({ ...known, ...tokens }, null, 2)}\n`);
  return tokens;
}

/** The env file a workspace's Compose service reads its secrets from, relative to the Compose file. */
export function secretsEnvFile(key: string): string {
  return `${SECRETS_DIR}/${key}.env`;
}

/** Writes each workspace's env file (0600) beside the Compose file in `dir`. */
export function writeComposeSecrets(dir: string, model: HostModel): void {
  for (const [key, token] of Object.entries(workspaceTokens(dir, model))) {
    writePrivate(path.join(dir, secretsEnvFile(key)), `${TOKEN_VARIABLE}=${token}\n`);
  }
}

/**
 * Writes terraform.tfvars.json (0600) into a synthesized stack's directory: the tokens
 * by container name, which stays unique when several hosts share a stack.
 */
export function writeTerraformSecrets(dir: string, stackDir: string, model: HostModel, variable: string): void {
  const tokens = workspaceTokens(dir, model);
  const byContainer = Object.fromEntries(model.workspaces.map((ws) => [ws.containerName, tokens[secretKey(ws)]]));
  writePrivate(path.join(stackDir, "terraform.tfvars.json"), `${JSON.stringify({ [variable]: byContainer }, null, 2)}\n`);
}
