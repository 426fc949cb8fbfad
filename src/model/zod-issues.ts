// zod's issues in the config's words: the value found at each path, and a
// "did you mean" for a key the schema does not know.
import { z } from "zod";
import { configSchema } from "../config/schema";
import { type ConfigIssue, LISTED, type PathSegment } from "../config/issues";

function valueAt(input: unknown, segments: readonly PathSegment[]): { value?: unknown; hasValue: boolean } {
  let current: unknown = input;
  for (const s of segments) {
    if (current === null || typeof current !== "object" || !(s in current)) return { hasValue: false };
    current = (current as Record<PathSegment, unknown>)[s];
  }
  return { value: current, hasValue: current !== undefined };
}

/** Longer than every key the schema knows ("supplementaryGids"). */
const MAX_KEY_LENGTH = 32;

function knownKeys(schema: z.ZodType): readonly string[] {
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

/** Levenshtein distance, for "did you mean" on unknown keys. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

function schemaAt(segments: readonly PathSegment[]): z.ZodType | undefined {
  let schema: z.ZodType = configSchema;
  for (const s of segments) {
    let inner: z.ZodType = schema;
    while (inner instanceof z.ZodDefault || inner instanceof z.ZodOptional || inner instanceof z.ZodPrefault) {
      inner = inner.unwrap() as z.ZodType;
    }
    if (inner instanceof z.ZodObject && typeof s === "string") schema = inner.shape[s] as z.ZodType;
    else if (inner instanceof z.ZodArray && typeof s === "number") schema = inner.element as z.ZodType;
    else return undefined;
    if (!schema) return undefined;
  }
  while (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional || schema instanceof z.ZodPrefault) {
    schema = schema.unwrap() as z.ZodType;
  }
  return schema;
}

/** Issues for keys unknown at `at`, each with the known key it is closest to, if any is close. */
function unknownKeyIssues(at: readonly PathSegment[], unknown: readonly string[], input: unknown): ConfigIssue[] {
  const keys = knownKeys(schemaAt(at) ?? z.never());
  const known = keys.length > 0 ? `one of ${keys.join(", ")}` : "no keys here";
  const { value: map } = valueAt(input, at);
  return unknown.map((key, i) => {
    // Only the first keys of a mapping can be among those an error lists; a key much
    // longer than any known one is no misspelling of it (and costs its length squared).
    const near = i < LISTED && key.length <= 2 * MAX_KEY_LENGTH ? keys.map((k) => ({ k, d: distance(key, k) })).sort((x, y) => x.d - y.d)[0] : undefined;
    const hint = near !== undefined && near.d <= Math.max(2, Math.floor(near.k.length / 3)) ? `; did you mean "${near.k}"?` : "";
    return { path: [...at, key], message: `unknown key: expected ${known}${hint}`, ...valueAt(map, [key]) };
  });
}

/** Each of zod's issues with the value it is about; an unknown key with the keys known there. */
export function zodIssues(error: z.ZodError, input: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of error.issues) {
    const at = issue.path as PathSegment[];
    if (issue.code === "unrecognized_keys") {
      for (const unknown of unknownKeyIssues(at, issue.keys, input)) out.push(unknown);
    } else if (issue.code === "invalid_key") {
      // The key is what is wrong: report it, at its map.
      const key = at[at.length - 1];
      out.push({ path: at.slice(0, -1), message: issue.issues[0]?.message ?? issue.message, value: key, hasValue: true });
    } else {
      out.push({ path: at, message: issue.message, ...valueAt(input, at) });
    }
  }
  return out;
}
