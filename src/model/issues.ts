// A problem in a config and how it is written: where, what was there, what was expected.

export type PathSegment = string | number;

/** One problem in a config: where, what was there, what was expected. */
export interface ConfigIssue {
  readonly path: readonly PathSegment[];
  readonly message: string;
  /** Absent when the value itself is missing. */
  readonly value?: unknown;
  readonly hasValue: boolean;
}

/** `users[2].uid` */
export function formatPath(segments: readonly PathSegment[]): string {
  return segments
    .map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`))
    .join("");
}

export function formatValue(issue: ConfigIssue): string {
  if (!issue.hasValue) return "nothing";
  const { value } = issue;
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || typeof value !== "object") return String(value);
  const json = JSON.stringify(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.path.length > 0 ? formatPath(issue.path) : "(the whole file)";
  return `${where}: got ${formatValue(issue)}; ${issue.message}`;
}

/** Thrown for invalid config; carries every issue found, in file order where known. */
export class ConfigError extends Error {
  constructor(
    readonly issues: readonly ConfigIssue[],
    readonly source = "config",
    readonly lines: readonly string[] = issues.map(formatIssue),
  ) {
    super(lines.map((l) => `${source}: ${l}`).join("\n"));
    this.name = "ConfigError";
  }
}
