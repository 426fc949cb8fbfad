// A problem in a config and how it is written: where, what was there, what was expected.
import { HomedockError } from "./errors";

/** One step of a path into a config: a mapping's key, or a list's index from 0. */
export type PathSegment = string | number;

/** One problem in a config: where, what was there, what was expected. */
export interface ConfigIssue {
  /** Where in the config: keys and list indexes from the top. */
  readonly path: readonly PathSegment[];
  /** What was expected. */
  readonly message: string;
  /** Absent when the value itself is missing. */
  readonly value?: unknown;
  /** Whether there was a value (`value` may itself be undefined). */
  readonly hasValue: boolean;
}

/** Longest value a message shows: enough to recognise it, short enough to read. */
const SHOWN = 60;

/** Most problems one error lists; the rest are counted. */
export const LISTED = 50;

/** `text` cut to `max` characters, "..." marking the cut. */
export function shorten(text: string, max = SHOWN): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** A key as it is written in a path: as is when it is a plain word, else quoted and cut. */
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `users[2].uid` */
export function formatPath(segments: readonly PathSegment[]): string {
  return segments
    .map((s, i) =>
      typeof s === "number" ? `[${s}]` : !PLAIN_KEY.test(s) || s.length > SHOWN ? `[${shorten(JSON.stringify(s.slice(0, SHOWN + 1)))}]` : i === 0 ? s : `.${s}`,
    )
    .join("");
}

/**
 * `value` as JSON, written only until it is longer than `max` characters: a value of a
 * million items, or one that holds itself, costs no more than a short one.
 */
function jsonPrefix(value: unknown, max: number): string {
  let out = "";
  const write = (v: unknown): void => {
    if (typeof v === "string") out += JSON.stringify(v.slice(0, max + 1));
    else if (typeof v === "bigint") out += String(v);
    else if (Array.isArray(v)) {
      out += "[";
      for (let i = 0; i < v.length && out.length <= max; i++) {
        if (i > 0) out += ",";
        write(v[i]);
      }
      out += "]";
    } else if (v !== null && typeof v === "object") {
      out += "{";
      let first = true;
      for (const key in v) {
        if (out.length > max) break;
        out += `${first ? "" : ","}${JSON.stringify(key.slice(0, max + 1))}:`;
        first = false;
        write((v as Record<string, unknown>)[key]);
      }
      out += "}";
    } else out += JSON.stringify(v) ?? "null";
  };
  write(value);
  return out;
}

export function formatValue(issue: ConfigIssue): string {
  if (!issue.hasValue) return "nothing";
  const { value } = issue;
  // Every kind but null, an object and a string (those are written as JSON).
  const t = typeof value;
  if (value === undefined || t === "number" || t === "boolean" || t === "bigint" || t === "symbol" || t === "function") return String(value);
  return shorten(jsonPrefix(value, SHOWN));
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.path.length > 0 ? formatPath(issue.path) : "(the whole file)";
  return `${where}: got ${formatValue(issue)}; ${issue.message}`;
}

/** Thrown for invalid config; carries every issue found, in file order where known. Exit status 1. */
export class ConfigError extends HomedockError {
  /** What the message says: at most LISTED problems, then how many more there are. */
  readonly lines: readonly string[];

  /**
   * `lines`: the issues as written, when not by `formatIssue` (only the first LISTED are
   * used); `unmapped`: how many more problems were found than `issues` holds.
   */
  constructor(
    /** Every problem found that has a place in the config. */
    readonly issues: readonly ConfigIssue[],
    /** The file (or `config`) the messages name. */
    readonly source = "config",
    lines: readonly string[] = issues.slice(0, LISTED).map(formatIssue),
    /** How many more problems were found than `issues` holds. */
    readonly unmapped = 0,
  ) {
    const more = Math.max(issues.length, lines.length) + unmapped - Math.min(lines.length, LISTED);
    const listed = lines.slice(0, LISTED);
    const all = more > 0 ? [...listed, `... and ${more} more problems`] : listed;
    super(all.map((l) => `${source}: ${l}`).join("\n"));
    this.lines = all;
  }

  /** Its lines as they are: each names the file. */
  override report(): string {
    return this.message;
  }
}

/**
 * One problem of the file as a whole (it cannot be read, or is not YAML): `message` is
 * the issue's, and the line the error writes is `where` (a line and column, when known) before it.
 */
export function fileError(source: string, message: string, where = ""): ConfigError {
  return new ConfigError([{ path: [], message, hasValue: false }], source, [`${where}${message}`]);
}

/** A file that cannot be read (`err`: why, from the file system). */
export function unreadableFile(file: string, err: unknown): ConfigError {
  return fileError(file, `cannot read the file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
}
