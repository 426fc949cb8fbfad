// `homedock users import`, without the files: config text and account database in,
// new config text and what changed out. Nothing here writes.
import { createTwoFilesPatch } from "diff";
import { isDeepStrictEqual } from "node:util";
import { isSeq, parse, parseDocument } from "yaml";
import { parseConfig } from "../model/load";
import { ConfigError, fileError, formatIssue, formatValue } from "../config/issues";
import type { AccountDatabase } from "./account-db";
import { appendUsers } from "./append";
import { addUsers, type Change, mergeUsers, userEntry } from "./merge";
import { type ImportedUser, importedUsers, type Refusal, selectAccounts, type Selection } from "./select";

export interface ImportOptions extends Selection {
  /** Apply a changed uid, gid or home to users already in the config. @default false */
  readonly update?: boolean;
  /** Remove users whose account is gone from the database. @default false */
  readonly prune?: boolean;
}

export interface ImportResult {
  /** The config as it would be written; the input itself when nothing changed. */
  readonly text: string;
  /** Every difference, applied or only reported. */
  readonly changes: readonly Change[];
  /** Selected accounts the config cannot hold (the others are imported). */
  readonly refused: readonly Refusal[];
}

/**
 * How the yaml package writes a document back: no folding, flow lists as an admin types
 * them, and the file's own indentation (its smallest; lists under a key indented or not).
 */
function layoutOf(text: string): { lineWidth: number; flowCollectionPadding: boolean; indent: number; indentSeq: boolean } {
  const indents = text.split("\n").flatMap((l) => /^( +)[^\s#]/.exec(l)?.[1].length ?? []);
  return {
    lineWidth: 0,
    flowCollectionPadding: false,
    indent: indents.length > 0 ? Math.min(...indents) : 2,
    indentSeq: !/^[^\s#-][^\n]*:[ \t]*\n(?:[ \t]*(?:#[^\n]*)?\n)*- /m.test(text),
  };
}

/**
 * Imports the selected accounts of `db` into the config `text` (`source` names it in messages).
 * An account the config would refuse (a home in a directory the config forbids, a uid
 * another user in the file has) is refused by name and the others are imported.
 * @throws ConfigError when the config is invalid, or would be after the import for a reason no single account explains
 * @throws AccountDatabaseError when the selection names what the database lacks
 */
export function importUsers(text: string, source: string, db: AccountDatabase, options: ImportOptions = {}): ImportResult {
  const model = parseConfig(text, source);
  const restricted = new Set(model.environments.flatMap((e) => e.groups ?? []));
  const selected = importedUsers(db, selectAccounts(db, options), restricted);
  const accounts = new Map(db.accounts.map((a) => [a.name, a]));
  let users = selected.users;
  const refused = [...selected.refused];
  // Each round refuses at least one account, so this ends.
  for (;;) {
    const attempt = merge(text, source, model.homeRoot, db, users, options);
    if (attempt.rejected.size === 0) return { text: attempt.text, changes: attempt.changes, refused };
    for (const [name, reason] of attempt.rejected) refused.push({ account: accounts.get(name)!, reason });
    users = users.filter((u) => !attempt.rejected.has(u.name));
  }
}

/** One merge of `users` into `text`; `rejected` names new users the result's validation refused, with why. */
function merge(
  text: string,
  source: string,
  homeRoot: string,
  db: AccountDatabase,
  users: readonly ImportedUser[],
  options: ImportOptions,
): { text: string; changes: Change[]; rejected: Map<string, string> } {
  const rejected = new Map<string, string>();
  // The same text, as a document that keeps its comments and layout.
  const doc = parseDocument(text, { prettyErrors: false });
  const [problem] = doc.errors;
  if (problem !== undefined) {
    const [at] = problem.linePos ?? [];
    throw fileError(source, `expected YAML the import can edit: ${problem.message}`, at ? `${at.line}:${at.col}: ` : "");
  }
  const changes = mergeUsers(doc, users, {
    update: options.update ?? false,
    prune: options.prune ?? false,
    homeRoot,
    known: new Set(db.accounts.map((a) => a.name)),
  });
  const added = changes.flatMap((c) => (c.kind === "added" ? [c.user] : []));
  const edited = changes.some((c) => (c.kind === "changed" && c.applied) || (c.kind === "gone" && c.removed));
  if (!edited && added.length === 0) return { text, changes, rejected };
  const list = doc.get("users", true);
  const kept = isSeq(list) ? list.items.length : 0;
  const layout = layoutOf(text);
  const render = () => keepCommentSpacing(text, doc.toString(layout), doc.toJSON());
  const base = edited ? render() : text;
  let merged = base;
  if (added.length > 0) {
    const entries = added.map((u) => userEntry(u, homeRoot));
    const appended = appendUsers(base, edited ? parseDocument(base) : doc, entries, layout.indentSeq ? layout.indent : 0);
    if (appended !== undefined) merged = appended;
    else {
      addUsers(doc, added, homeRoot);
      merged = render();
    }
  }
  try {
    parseConfig(merged, source);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // New users come last: an issue at one of them is that account's alone.
    for (const issue of err.issues) {
      const [list, index, field] = issue.path;
      const user = list === "users" && typeof index === "number" && index >= kept ? added[index - kept] : undefined;
      if (user === undefined) {
        rejected.clear();
        break;
      }
      if (!rejected.has(user.name)) rejected.set(user.name, `${String(field ?? "entry")} ${formatValue(issue)}: ${issue.message}`);
    }
    if (rejected.size > 0) return { text, changes, rejected };
    // Positions in a text that was never written would mislead: fields only.
    throw new ConfigError(err.issues, source, [
      "the config after the import would be refused, so nothing is written:",
      ...err.issues.map((i) => `  ${formatIssue(i)}`),
    ]);
  }
  return { text: merged, changes, rejected };
}

/** A line as the yaml package writes it back: one space before a trailing comment. */
function spacing(line: string): string {
  return line.replace(/[ \t]+#/g, " #");
}

/**
 * The rendered text with each commented line the admin wrote restored as written
 * (`uid: 1001   # fixed`, not `uid: 1001 # fixed`), so a diff shows only what changed.
 * Kept only when it still says exactly what the document says.
 */
function keepCommentSpacing(original: string, rendered: string, meaning: unknown): string {
  const written = new Map<string, string[]>();
  for (const line of original.split("\n")) {
    if (!line.includes("#")) continue;
    const key = spacing(line);
    if (key !== line) written.set(key, [...(written.get(key) ?? []), line]);
  }
  if (written.size === 0) return rendered;
  const restored = rendered
    .split("\n")
    .map((line) => (line.includes("#") ? (written.get(line)?.shift() ?? line) : line))
    .join("\n");
  return isDeepStrictEqual(parse(restored), meaning) ? restored : rendered;
}

/** A unified diff of the config before and after, for `--dry-run`. */
export function configDiff(source: string, before: string, after: string): string {
  return createTwoFilesPatch(source, source, before, after, "", "", { context: 3 });
}

/** One line per change, as the command prints them. */
export function describeChange(change: Change, database: string): string {
  switch (change.kind) {
    case "added": {
      const u = change.user;
      return `added ${u.name} (${u.uid}:${u.gid}, ${u.home})`;
    }
    case "changed": {
      const line = `${change.name}: ${change.field} ${show(change.from)} in the config, ${show(change.to)} in ${database}`;
      return change.applied ? `updated ${line}` : `differs ${line} (kept; --update applies it)`;
    }
    case "gone":
      return change.removed
        ? `removed ${change.name} (uid ${show(change.uid)}): no such account in ${database}`
        : `gone ${change.name} (uid ${show(change.uid)}): no such account in ${database} (kept; --prune removes it)`;
  }
}

function show(value: unknown): string {
  return Array.isArray(value) ? `[${value.join(", ")}]` : String(value);
}
