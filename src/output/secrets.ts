// Workspace tokens and front door passwords: kept in private files, handed to Terraform
// and Compose as files of mode 0600, never written into cdk.tf.json or docker-compose.yml.
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { secretKey, TOKEN_VARIABLE } from "../container/container";
import { ConfigError, type ConfigIssue } from "../config/issues";
import type { HostModel, UserModel } from "../model/model";
import { workspacesOf } from "../model/workspaces";
import { renderCaddyfile, renderDoorCaddyfile } from "../render/caddyfile";
import { DOOR_FILES, loginPeerFiles, nodePeerFiles } from "../container/swarm-door";
import { loginContainerNames } from "../container/login";
import { peerCertificates } from "./peers";
import { CADDYFILE_DIR, SECRETS_DIR, secretsEnvFile } from "../render/secret-paths";
import { kindOf, readSecretsFile, secretProblem, secretsDir, writePrivate } from "./secret-files";
import { loginFileContents } from "./login-files";
import { CADDYFILE } from "../container/front-door-containers";

/** The users' password hashes and uids, by user name: only what `homedock passwd` writes. */
export const PASSWORDS_FILE = `${SECRETS_DIR}/passwords.json`;

/** bcrypt as Caddy 2.6's basicauth reads it (golang.org/x/crypto/bcrypt): $2a$ or $2b$, cost 4 to 31. */
export const BCRYPT_HASH = /^\$2[ab]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$/;

const TOKENS_SHAPE = 'expected a JSON object of workspaces ("<user>.<environment>") to their Jupyter tokens, as homedock writes it';
/** A token the env file and the URL carry as it is: printable ASCII, no spaces. */
const TOKEN = /^[\x21-\x7e]+$/;

/** What is wrong with one workspace's token; it is not shown. */
function tokenProblems(workspace: string, token: unknown): ConfigIssue[] {
  if (typeof token === "string" && TOKEN.test(token)) return [];
  const found = typeof token === "string" ? "something else (not shown)" : kindOf(token);
  return [secretProblem([workspace], `expected a token of letters, digits and punctuation, no spaces (homedock makes 64 hex digits); found ${found}`)];
}

/**
 * Every workspace's token by "<user>.<environment>", from `<dir>/homedock-secrets/tokens.json`
 * (mode 0600, in a 0700 directory): a workspace keeps its token across renders; a new
 * one gets 32 random bytes, hex. A file not as homedock writes it is refused, naming the
 * file, before anything is written: new tokens in its place would replace every workspace.
 */
export function workspaceTokens(dir: string, model: HostModel): Record<string, string> {
  const file = path.join(secretsDir(dir), "tokens.json");
  const known = readSecretsFile<string>(file, TOKENS_SHAPE, tokenProblems);
  const tokens: Record<string, string> = {};
  for (const ws of model.workspaces) {
    if (ws.route === undefined) tokens[secretKey(ws)] = known[secretKey(ws)] ?? randomBytes(32).toString("hex");
  }
  // Object.assign rather than a spread, and a loop rather than Object.fromEntries, where
  // an object gets a key per workspace: in V8 (Node 20) those take 3-4 times as long
  // with a thousand keys (about 5 ms each at 1,000 workspaces).
  writePrivate(file, `${JSON.stringify(Object.assign({}, known, tokens), null, 2)}\n`);
  return tokens;
}

/**
 * A user's entry in passwords.json: the bcrypt hash and the uid of the account it was
 * set for, so that a removed and re-created account (same name, another uid) does not
 * inherit it. A bare hash is a legacy entry, written before hashes were bound to their
 * accounts: kept as it is, never rendered.
 */
export type StoredPassword = { readonly hash: string; readonly uid: number } | string;

const FILE_SHAPE = 'expected a JSON object of user names to { "hash": <bcrypt hash>, "uid": <uid> }, as homedock passwd writes it';
const HASH_SHAPE = "expected a bcrypt hash ($2a$ or $2b$, as homedock passwd writes it); found something else (not shown)";

/** What is wrong with one user's entry, each problem naming the user and the field; no value is shown (it may be a password). */
function entryProblems(user: string, entry: unknown): ConfigIssue[] {
  if (typeof entry === "string") return BCRYPT_HASH.test(entry) ? [] : [secretProblem([user], HASH_SHAPE)];
  if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
    return [secretProblem([user], `expected { "hash": <bcrypt hash>, "uid": <uid> }, as homedock passwd writes it; found ${kindOf(entry)}`)];
  }
  const { hash, uid, ...rest } = entry as Record<string, unknown>;
  return [
    ...(typeof hash === "string" && BCRYPT_HASH.test(hash)
      ? []
      : [secretProblem([user, "hash"], hash === undefined ? "expected a bcrypt hash; found none" : HASH_SHAPE)]),
    ...(Number.isSafeInteger(uid) && (uid as number) >= 0
      ? []
      : [
          secretProblem(
            [user, "uid"],
            `expected the account's uid, a whole number (as homedock passwd writes it); found ${uid === undefined ? "none" : "something else (not shown)"}`,
          ),
        ]),
    ...Object.keys(rest).map((key) => secretProblem([user, key], "expected only hash and uid")),
  ];
}

/**
 * The entries of `<dir>/homedock-secrets/passwords.json`, by user name ({} when there is
 * no such file). Anything that is not as homedock passwd writes it is refused, one line
 * per problem, without being shown: it may be a password put there by hand.
 */
export function readPasswords(dir: string): Record<string, StoredPassword> {
  return readSecretsFile<StoredPassword>(path.join(dir, PASSWORDS_FILE), FILE_SHAPE, entryProblems);
}

/** Writes the entries back (the file 0600, its directory 0700); returns the file. */
function writePasswords(dir: string, entries: Readonly<Record<string, StoredPassword>>): string {
  const file = path.join(secretsDir(dir), path.basename(PASSWORDS_FILE));
  writePrivate(file, `${JSON.stringify(entries, null, 2)}\n`);
  return file;
}

/** Stores one user's password hash, bound to their uid; returns the file. */
export function writePassword(dir: string, user: string, uid: number, hash: string): string {
  return writePasswordHashes(dir, { [user]: { hash, uid } });
}

/** Stores several users' password hashes, each bound to its uid, in one write; returns the file. */
export function writePasswordHashes(dir: string, hashes: Readonly<Record<string, { readonly hash: string; readonly uid: number }>>): string {
  return writePasswords(dir, { ...readPasswords(dir), ...hashes });
}

/**
 * Where `homedock passwd --generate` writes new passwords unless told: the private
 * directory (0700, made if missing), a name of the time (UTC) so that no earlier list is overwritten.
 */
export function generatedPasswordsFile(dir: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return path.join(secretsDir(dir), `new-passwords-${stamp}.csv`);
}

/** Removes one user's entry, returns the file; undefined (and nothing written) when there is none. */
export function deletePassword(dir: string, user: string): string | undefined {
  const { [user]: gone, ...rest } = readPasswords(dir);
  return gone === undefined ? undefined : writePasswords(dir, rest);
}

/** Why a user's stored entry is not rendered (undefined: it is): the account changed, or the entry has no uid. */
function staleReason(user: UserModel, entry: StoredPassword): string | undefined {
  if (typeof entry === "string") {
    return `${user.name}'s password hash has no uid (stored before hashes were bound to accounts; whose it was cannot be known): not used, ${user.name} is locked out of the front door until it is set again with homedock passwd ${user.name}`;
  }
  if (entry.uid !== user.uid) {
    return `${user.name}'s password hash was set for uid ${entry.uid}, and ${user.name} is now uid ${user.uid}: not used, ${user.name} is locked out of the front door until homedock passwd ${user.name}`;
  }
  return undefined;
}

/** The hashes the front door renders: each user's whose entry was set for the uid they have now. */
export function usableHashes(model: HostModel, entries: Readonly<Record<string, StoredPassword>>): Record<string, string> {
  const usable: Record<string, string> = {};
  for (const user of model.users) {
    const entry = entries[user.name];
    if (entry !== undefined && typeof entry !== "string" && entry.uid === user.uid) usable[user.name] = entry.hash;
  }
  return usable;
}

/**
 * Stored hashes the front door does not render, one warning line each: of an account
 * gone from the config, of an account whose uid changed, or without a uid (legacy).
 */
export function staleHashes(model: HostModel, entries: Readonly<Record<string, StoredPassword>>): string[] {
  if (model.frontDoor?.login.method !== "password") return [];
  const users = new Map(model.users.map((u) => [u.name, u]));
  return Object.entries(entries).flatMap(([name, entry]) => {
    const user = users.get(name);
    if (user === undefined) return [`${name}'s password hash is of an account no longer in the config: not used (homedock passwd --delete ${name} removes it)`];
    const reason = staleReason(user, entry);
    return reason === undefined ? [] : [reason];
  });
}

function hasRoute(model: HostModel, user: UserModel): boolean {
  return workspacesOf(model, user.name).some((ws) => ws.route !== undefined);
}

/** Users with a front door route and no usable password: none stored, one set for another uid, or one without a uid. */
export function usersWithoutPassword(model: HostModel, entries: Readonly<Record<string, StoredPassword>>): UserModel[] {
  if (model.frontDoor?.login.method !== "password") return [];
  const usable = usableHashes(model, entries);
  return model.users.filter((u) => usable[u.name] === undefined && hasRoute(model, u));
}

/**
 * Users with a front door route but no usable password: locked out, one warning line
 * each; a stored hash that is not used says why (see staleHashes), once.
 */
export function lockedOut(model: HostModel, entries: Readonly<Record<string, StoredPassword>>): string[] {
  // With an OpenID Connect login, the provider checks who a user is: no password is used.
  if (model.frontDoor?.login.method !== "password") return [];
  const noPassword = model.users
    .filter((u) => entries[u.name] === undefined && hasRoute(model, u))
    .map((u) => `${u.name} has no password (homedock passwd ${u.name}): locked out of the front door until one is set`);
  return [...noPassword, ...staleHashes(model, entries)];
}

/** The front door's config files by name: the Caddyfile and the login's files. Reads every secret first; throws before anything is written but a new cookie secret. */
export function frontDoorFiles(dir: string, model: HostModel): Record<string, string> {
  if (model.frontDoor === undefined) return {};
  // Before anything is made or written: a file the config names that cannot be read stops here.
  const carriedFiles = model.swarm === undefined ? {} : carriedDoorFiles(model);
  const hashes = usableHashes(model, readPasswords(dir));
  const caddyfile = renderCaddyfile(model, hashes);
  // The login's files first: the proxy, watching its Caddyfile, reloads onto a login that is ready.
  return {
    ...loginFileContents(dir, model, hashes),
    ...(model.swarm === undefined ? {} : { ...swarmDoorFiles(dir, model), ...carriedFiles }),
    [CADDYFILE]: caddyfile,
  };
}

/** The largest file carried: a CA bundle is some kilobytes. */
const CARRIED_MAX_BYTES = 256 * 1024;
/** One or more PEM certificates and nothing else: what a CA file holds, and nothing that is secret. */
const CERTIFICATES = /^(\s*-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----)+\s*$/;

/**
 * A CA file the config names at `at`, read on this machine to be carried as a Swarm
 * secret. A config is untrusted input and names the image of the service the file goes
 * to, so only certificates (public) are carried: a regular file (a link is followed to
 * one), at most 256 KiB, of PEM certificates and nothing else.
 * @throws ConfigError naming the field, the file and what was expected (nothing is written)
 */
function carriedCertificates(at: ConfigIssue["path"], file: string): string {
  const refuse = (why: string) =>
    new ConfigError([
      { path: at, message: `expected ${why}: with a swarm section it is read where homedock runs and carried to the sign-in`, value: file, hasValue: true },
    ]);
  let text: string;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw refuse("a regular file of PEM certificates");
    if (st.size > CARRIED_MAX_BYTES) throw refuse(`a file of PEM certificates of at most ${CARRIED_MAX_BYTES / 1024} KiB (it has ${st.size} bytes)`);
    text = readFileSync(file, "utf8");
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw refuse(`a file readable here (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if (!CERTIFICATES.test(text)) throw refuse("PEM certificates and nothing else (BEGIN CERTIFICATE blocks)");
  return text;
}

/** On a Swarm, the files the config names that go to a service: an OpenID Connect login's CA file, read here and carried to the sign-in as a secret. */
export function carriedDoorFiles(model: HostModel): Record<string, string> {
  const ca = model.frontDoor?.login.oidc?.caFile;
  return ca === undefined ? {} : { [DOOR_FILES.loginCa]: carriedCertificates(["frontDoor", "login", "caFile"], ca) };
}

/** On a Swarm, the files of the proxies across nodes: the nodes' Caddyfile, homedock's CA, each proxy's and the login's certificate and key. */
function swarmDoorFiles(dir: string, model: HostModel): Record<string, string> {
  const peers = peerCertificates(dir, model);
  const files: Record<string, string> = {
    [DOOR_FILES.caddyfile]: renderDoorCaddyfile(),
    [DOOR_FILES.ca]: peers.ca.cert,
    [DOOR_FILES.entryCert]: peers.entry.cert,
    [DOOR_FILES.entryKey]: peers.entry.key,
  };
  // Each login service its own certificate: the check's and the sign-in's for oauth2-proxy, the limiter's in one file for HAProxy.
  const { check, signIn, limiter } = loginContainerNames(model);
  for (const service of [check, signIn]) {
    const names = loginPeerFiles(service);
    files[names.cert] = peers.login[service].cert;
    files[names.key] = peers.login[service].key;
  }
  if (model.frontDoor!.login.failedSignIns !== undefined) files[loginPeerFiles(limiter).pem] = `${peers.login[limiter].cert}${peers.login[limiter].key}`;
  for (const node of model.swarm!.nodes) {
    const names = nodePeerFiles(node);
    files[names.cert] = peers.nodes[node].cert;
    files[names.key] = peers.nodes[node].key;
  }
  return files;
}

/** Writes each workspace's env file (0600), and the front door's config files, beside the Compose file in `dir`; returns the front door's files by name. */
export function writeComposeSecrets(dir: string, model: HostModel): Record<string, string> {
  // First, since a bad secrets file stops the render before anything is written.
  const files = frontDoorFiles(dir, model);
  for (const [key, token] of Object.entries(workspaceTokens(dir, model))) {
    writePrivate(path.join(dir, secretsEnvFile(key)), `${TOKEN_VARIABLE}=${token}\n`);
  }
  if (model.frontDoor !== undefined) {
    mkdirSync(path.join(dir, CADDYFILE_DIR), { recursive: true, mode: 0o700 });
    for (const [name, text] of Object.entries(files)) writePrivate(path.join(dir, CADDYFILE_DIR, name), text);
  }
  return files;
}

/** The Terraform variables that carry secrets. */
export interface SecretVariables {
  /** Each workspace's token. */
  readonly tokens: string;
  /** The front door's config files (the Caddyfile, the login's files), by "<host>/<file>". */
  readonly frontDoorFiles: string;
}

/**
 * Writes terraform.tfvars.json (0600) into a synthesized stack's directory: the tokens
 * by container name, which stays unique when several hosts share a stack, and the
 * front door's config files by host and file name.
 */
export function writeTerraformSecrets(dir: string, stackDir: string, model: HostModel, variables: SecretVariables): void {
  // First, since a bad secrets file stops the render before anything is written.
  const files = frontDoorFiles(dir, model);
  const frontDoor =
    model.frontDoor === undefined
      ? {}
      : { [variables.frontDoorFiles]: Object.fromEntries(Object.entries(files).map(([name, text]) => [`${model.name}/${name}`, text])) };
  const tokens = workspaceTokens(dir, model);
  // By a loop: see workspaceTokens.
  const byContainer: Record<string, string> = {};
  for (const ws of model.workspaces) if (ws.route === undefined) byContainer[ws.containerName] = tokens[secretKey(ws)];
  writePrivate(path.join(stackDir, "terraform.tfvars.json"), `${JSON.stringify({ [variables.tokens]: byContainer, ...frontDoor }, null, 2)}\n`);
}
