// Workspace tokens and front door passwords: kept in private files, handed to Terraform
// and Compose as files of mode 0600, never written into cdk.tf.json or docker-compose.yml.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { secretKey, TOKEN_VARIABLE } from "../spec/container-spec";
import { ConfigError } from "../model/issues";
import type { HostModel } from "../model/model";
import { renderCaddyfile } from "./caddyfile";

/** Where tokens live, beside cdktf.out and the Compose file. */
export const SECRETS_DIR = "homedock-secrets";
/** The users' password hashes, by user name: only what `homedock passwd` writes. */
export const PASSWORDS_FILE = `${SECRETS_DIR}/passwords.json`;
/** The Compose proxy's config directory (relative to the Compose file), mounted whole. */
export const CADDYFILE_DIR = `${SECRETS_DIR}/frontdoor`;

/** bcrypt as Caddy 2.6's basicauth reads it (golang.org/x/crypto/bcrypt): $2a$ or $2b$, cost 4 to 31. */
export const BCRYPT_HASH = /^\$2[ab]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$/;

/** The secrets directory in `dir`, made private if missing. */
function secretsDir(dir: string): string {
  const secrets = path.join(dir, SECRETS_DIR);
  mkdirSync(secrets, { recursive: true, mode: 0o700 });
  return secrets;
}

export function writePrivate(file: string, text: string): void {
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
  const file = path.join(secretsDir(dir), "tokens.json");
  const known: Record<string, string> = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
  const tokens: Record<string, string> = {};
  for (const ws of model.workspaces) {
    if (ws.route === undefined) tokens[secretKey(ws)] = known[secretKey(ws)] ?? randomBytes(32).toString("hex");
  }
  writePrivate(file, `${JSON.stringify({ ...known, ...tokens }, null, 2)}\n`);
  return tokens;
}

/** The env file a workspace's Compose service reads its secrets from, relative to the Compose file. */
export function secretsEnvFile(key: string): string {
  return `${SECRETS_DIR}/${key}.env`;
}

/**
 * The password hashes in `<dir>/homedock-secrets/passwords.json`, by user name ({} when
 * there is no such file). A value that is not a bcrypt hash is refused without being
 * shown: it may be a password put there by hand.
 */
export function readPasswords(dir: string): Record<string, string> {
  const file = path.join(dir, PASSWORDS_FILE);
  if (!existsSync(file)) return {};
  let hashes: unknown;
  try {
    hashes = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    throw new ConfigError([], file, ["expected a JSON object of user names to bcrypt hashes, as homedock passwd writes it"]);
  }
  if (hashes === null || typeof hashes !== "object" || Array.isArray(hashes)) {
    throw new ConfigError([], file, ["expected a JSON object of user names to bcrypt hashes, as homedock passwd writes it"]);
  }
  const bad = Object.entries(hashes).filter(([, hash]) => typeof hash !== "string" || !BCRYPT_HASH.test(hash));
  if (bad.length > 0) {
    throw new ConfigError(
      [],
      file,
      bad.map(([user]) => `${user}: expected a bcrypt hash ($2a$ or $2b$, as homedock passwd writes it); found something else (not shown)`),
    );
  }
  return hashes as Record<string, string>;
}

/** Stores one user's password hash (the file 0600, its directory 0700). */
export function writePassword(dir: string, user: string, hash: string): string {
  const file = path.join(secretsDir(dir), path.basename(PASSWORDS_FILE));
  const hashes = { ...readPasswords(dir), [user]: hash };
  writePrivate(file, `${JSON.stringify(hashes, null, 2)}\n`);
  return file;
}

/** Users with a front door route but no password: locked out, each one warning line. */
export function lockedOut(model: HostModel, hashes: Readonly<Record<string, string>>): string[] {
  if (model.frontDoor === undefined) return [];
  return model.users
    .filter((u) => hashes[u.name] === undefined && (model.workspacesByUser.get(u.name) ?? []).some((ws) => ws.route !== undefined))
    .map((u) => `${u.name} has no password (homedock passwd ${u.name}): locked out of the front door until one is set`);
}

/** Writes each workspace's env file (0600), and the proxy's Caddyfile, beside the Compose file in `dir`. */
export function writeComposeSecrets(dir: string, model: HostModel): void {
  // First, since a bad password file stops the render before anything is written.
  const caddyfile = model.frontDoor === undefined ? undefined : renderCaddyfile(model, readPasswords(dir));
  for (const [key, token] of Object.entries(workspaceTokens(dir, model))) {
    writePrivate(path.join(dir, secretsEnvFile(key)), `${TOKEN_VARIABLE}=${token}\n`);
  }
  if (caddyfile !== undefined) {
    mkdirSync(path.join(dir, CADDYFILE_DIR), { recursive: true, mode: 0o700 });
    writePrivate(path.join(dir, CADDYFILE_DIR, "Caddyfile"), caddyfile);
  }
}

/** The Terraform variables that carry secrets. */
export interface SecretVariables {
  /** Each workspace's token. */
  readonly tokens: string;
  /** The proxy's Caddyfile, password hashes and all. */
  readonly caddyfile: string;
}

/**
 * Writes terraform.tfvars.json (0600) into a synthesized stack's directory: the tokens
 * by container name, which stays unique when several hosts share a stack, and the
 * front door's Caddyfile by host name.
 */
export function writeTerraformSecrets(dir: string, stackDir: string, model: HostModel, variables: SecretVariables): void {
  // First, since a bad password file stops the render before anything is written.
  const caddyfile = model.frontDoor === undefined ? {} : { [variables.caddyfile]: { [model.name]: renderCaddyfile(model, readPasswords(dir)) } };
  const tokens = workspaceTokens(dir, model);
  const byContainer = Object.fromEntries(model.workspaces.filter((ws) => ws.route === undefined).map((ws) => [ws.containerName, tokens[secretKey(ws)]]));
  writePrivate(path.join(stackDir, "terraform.tfvars.json"), `${JSON.stringify({ [variables.tokens]: byContainer, ...caddyfile }, null, 2)}\n`);
}
