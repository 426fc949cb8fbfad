// What every private file of homedock-secrets shares: its directory (0700), whole writes
// (0600), and reading one that may have been edited by hand, refusing it without showing
// a value, which may be a secret.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { ConfigError, type ConfigIssue, fileError, type PathSegment } from "../config/issues";
import { SECRETS_DIR } from "../render/secret-paths";
import { writeWhole } from "./write-whole";

/** The secrets directory in `dir`, made private if missing. */
export function secretsDir(dir: string): string {
  const secrets = path.join(dir, SECRETS_DIR);
  mkdirSync(secrets, { recursive: true, mode: 0o700 });
  return secrets;
}

/**
 * Writes `text` to `file`, mode 0600: whole or not at all, unchanged when it is the same.
 * `exclusive`: a new file, never one that exists (EEXIST), never readable by others even while it is written.
 */
export function writePrivate(file: string, text: string, { exclusive = false }: { readonly exclusive?: boolean } = {}): void {
  if (!exclusive && existsSync(file) && readFileSync(file, "utf8") === text) return;
  writeWhole(file, text, { mode: 0o600, exclusive });
}

/** A problem of one entry of a secrets file: where (its key, then its field) and what was expected; its value is never shown. */
export const secretProblem = (at: readonly PathSegment[], message: string): ConfigIssue => ({ path: at, message, hasValue: false });

/** What a JSON value is, without showing it. */
export function kindOf(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "a list" : `a ${typeof value}`;
}

/**
 * The entries of the secrets file `file` ({} when there is no such file): a JSON object,
 * each entry as `problems` finds nothing wrong with it. Anything else is refused, one
 * line per problem naming the file, without the value: it may be a secret. `shape`: what
 * the file as a whole was expected to be.
 */
export function readSecretsFile<T>(file: string, shape: string, problems: (key: string, entry: unknown) => ConfigIssue[]): Record<string, T> {
  if (!existsSync(file)) return {};
  let entries: unknown;
  try {
    entries = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    throw fileError(file, shape);
  }
  if (entries === null || typeof entries !== "object" || Array.isArray(entries)) throw fileError(file, shape);
  const issues = Object.entries(entries).flatMap(([key, entry]) => problems(key, entry));
  if (issues.length > 0)
    throw new ConfigError(
      issues,
      file,
      issues.map((issue) => [...issue.path, issue.message].join(": ")),
    );
  return entries as Record<string, T>;
}
