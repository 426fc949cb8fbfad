// The login's files, beside the Caddyfile in the front door's config directory: its
// pages, its session cookie's secret, and who may sign in (the password file, or the
// identities an OpenID Connect provider may sign in and the client secret). The secrets
// are kept in homedock-secrets/login.json (0600), never in the config or a rendered file.
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import { ConfigError, type ConfigIssue } from "../config/issues";
import { LOGIN_FILES, limiterConfig, type LoginFile, loginFiles } from "../container/login";
import type { HostModel } from "../model/model";
import { workspacesOf } from "../model/workspaces";
import { errorPage, signInPage } from "../render/login-pages";
import { SECRETS_DIR } from "../render/secret-paths";
import { readSecretsFile, secretProblem, secretsDir, writePrivate } from "./secret-files";

/** The login's secrets: the session cookie's (homedock makes it) and the OpenID Connect client's (the admin gives it). */
export const LOGIN_SECRETS_FILE = `${SECRETS_DIR}/login.json`;

interface LoginSecrets {
  readonly cookieSecret?: string;
  readonly clientSecret?: string;
}

const SHAPE = "expected a JSON object with cookieSecret (and clientSecret), as homedock writes it";
/** 32 random bytes, base64url without padding: an AES-256 key as oauth2-proxy reads it. */
const COOKIE_SECRET = /^[A-Za-z0-9_-]{43}$/;
/** What a client secret may be: printable ASCII, no spaces, at most 1,024 characters. */
export const CLIENT_SECRET = /^[\x21-\x7e]{1,1024}$/;

function problems(key: string, value: unknown): ConfigIssue[] {
  if (key === "cookieSecret") {
    return typeof value === "string" && COOKIE_SECRET.test(value)
      ? []
      : [secretProblem([key], "expected 32 random bytes, base64url (homedock makes it); found something else (not shown)")];
  }
  if (key === "clientSecret") {
    return typeof value === "string" && CLIENT_SECRET.test(value)
      ? []
      : [secretProblem([key], "expected the client secret, 1-1024 printable characters without spaces; found something else (not shown)")];
  }
  return [secretProblem([key], "expected only cookieSecret and clientSecret")];
}

function readLoginSecrets(dir: string): LoginSecrets {
  return readSecretsFile<string>(path.join(dir, LOGIN_SECRETS_FILE), SHAPE, problems);
}

function writeLoginSecrets(dir: string, secrets: LoginSecrets): string {
  const file = path.join(secretsDir(dir), path.basename(LOGIN_SECRETS_FILE));
  writePrivate(file, `${JSON.stringify(secrets, null, 2)}\n`);
  return file;
}

/** Stores the OpenID Connect client secret (homedock passwd --client-secret); returns the file. */
export function writeClientSecret(dir: string, secret: string): string {
  if (!CLIENT_SECRET.test(secret))
    throw new ConfigError([secretProblem(["clientSecret"], "expected 1-1024 printable characters without spaces (not shown)")], "the client secret");
  return writeLoginSecrets(dir, { ...readLoginSecrets(dir), clientSecret: secret });
}

/**
 * An entry no one signs in with: "-" is no user's name, and no password is known to give
 * this hash. oauth2-proxy does not start on a password file without an entry, and keeps
 * the users it had when a new one has none: with it, the last user's removal takes effect.
 */
const NOBODY = `-:$2b$04$${".".repeat(53)}\n`;

/** The password file the sign-in checks: `user:hash`, one line per user let in, after NOBODY. */
function htpasswd(model: HostModel, hashes: Readonly<Record<string, string>>): string {
  const users = model.users.filter((u) => hashes[u.name] !== undefined && workspacesOf(model, u.name).some((ws) => ws.route !== undefined));
  return NOBODY + users.map((u) => `${u.name}:${hashes[u.name]}\n`).join("");
}

/** The identities an OpenID Connect provider may sign in: one per line, each of a user with a route. */
function identities(model: HostModel): string {
  return model.users
    .filter((u) => workspacesOf(model, u.name).some((ws) => ws.route !== undefined))
    .map((u) => `${u.identity}\n`)
    .join("");
}

/**
 * The login's files by name, for the config directory. A missing cookie secret is made
 * (and kept in login.json); an OpenID Connect login without its client secret is refused
 * before anything is written.
 */
export function loginFileContents(dir: string, model: HostModel, hashes: Readonly<Record<string, string>>): Record<LoginFile, string> {
  const login = model.frontDoor!.login;
  const secrets = readLoginSecrets(dir);
  if (login.method === "oidc" && secrets.clientSecret === undefined) {
    throw new ConfigError(
      [
        {
          path: ["frontDoor", "login", "method"],
          value: "oidc",
          hasValue: true,
          message: `expected the provider's client secret beside method: oidc: give it with homedock passwd --client-secret (kept in ${LOGIN_SECRETS_FILE}, never in the config)`,
        },
      ],
      "config",
    );
  }
  const cookieSecret = secrets.cookieSecret ?? randomBytes(32).toString("base64url");
  if (secrets.cookieSecret === undefined) writeLoginSecrets(dir, { ...secrets, cookieSecret });
  const all: Record<LoginFile, string> = {
    [LOGIN_FILES.signInPage]: signInPage(login),
    [LOGIN_FILES.errorPage]: errorPage(),
    // Read as it is: no newline.
    [LOGIN_FILES.cookieSecret]: cookieSecret,
    [LOGIN_FILES.clientSecret]: secrets.clientSecret ?? "",
    [LOGIN_FILES.htpasswd]: htpasswd(model, hashes),
    [LOGIN_FILES.identities]: identities(model),
    [LOGIN_FILES.limiterConfig]: login.failedSignIns === undefined ? "" : limiterConfig(model, login.failedSignIns),
  };
  return Object.fromEntries(loginFiles(login).map((f) => [f, all[f]])) as Record<LoginFile, string>;
}
