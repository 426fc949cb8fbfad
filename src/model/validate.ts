// Validation: the schema first, then the checks across the config. Every problem is
// reported at once, also those between the parts of an invalid config that are valid.
import type { z } from "zod";
import { type Config, configSchema, environmentSchema, frontDoorSchema, hostSchema, userSchema } from "../config/schema";
import type { PartialConfig, Partially, Report } from "./checks/check";
import { checkFrontDoor, frontDoorWarnings } from "./checks/front-door";
import { groupWarnings } from "./checks/groups";
import { checkHomesApart, homesOf } from "./checks/homes";
import { checkRootIds } from "./checks/root";
import { checkSharedMountTargets } from "./checks/shared-mounts";
import { checkUnique } from "./checks/unique";
import { ConfigError, type ConfigIssue } from "./issues";
import { zodIssues } from "./zod-issues";

/** The fields of `item` that are valid on their own (undefined when it is not even a mapping). */
function salvage<S extends z.ZodObject>(schema: S, item: unknown): Partially<z.output<S>> | undefined {
  if (item === null || typeof item !== "object" || Array.isArray(item)) return undefined;
  const whole = schema.safeParse(item);
  if (whole.success) return whole.data;
  const bad = new Set(whole.error.issues.map((i) => i.path[0]));
  const good = Object.fromEntries(Object.entries(item).filter(([k]) => !bad.has(k) && k in schema.shape));
  const part = schema.partial().safeParse(good);
  return part.success ? (part.data as Partially<z.output<S>>) : undefined;
}

/**
 * The valid fields of a front door. The TLS mode's files and email count as given when
 * they are there but invalid: their own error is reported, not also "expected beside".
 */
function frontDoorParts(raw: unknown): PartialConfig["frontDoor"] {
  const valid = salvage(frontDoorSchema, raw);
  if (valid === undefined) return undefined;
  const given = Object.fromEntries(["email", "certFile", "keyFile"].filter((k) => k in (raw as object) && valid[k as "email"] === undefined).map((k) => [k, ""]));
  return { ...given, ...valid };
}

/** What of an invalid config is valid, so that checks across it still run. */
function validParts(input: unknown): PartialConfig | undefined {
  if (input === null || typeof input !== "object") return undefined;
  const raw = input as Record<string, unknown>;
  const host = salvage(hostSchema, raw.host ?? {});
  const given = Object.fromEntries(Object.entries(host ?? {}).filter(([, v]) => v !== undefined));
  const list = <S extends z.ZodObject>(value: unknown, schema: S) => (Array.isArray(value) ? value.map((item) => salvage(schema, item)) : []);
  return {
    host: { ...hostSchema.parse({}), ...given },
    frontDoor: frontDoorParts(raw.frontDoor),
    environments: list(raw.environments, environmentSchema),
    users: list(raw.users, userSchema),
  };
}

/** The checks that need the whole config: uniqueness, root, paths that collide. */
function crossCheck(config: PartialConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const report: Report = (path, message, value) => issues.push({ path, message, value, hasValue: true });
  checkUnique(config, report);
  checkRootIds(config, report);
  const homes = homesOf(config);
  checkHomesApart(homes, report);
  checkSharedMountTargets(config, homes, report);
  checkFrontDoor(config, homes, report);
  return issues;
}

/**
 * The config with its defaults, and the warnings about it.
 * @throws ConfigError listing every problem found
 */
export function validate(input: unknown, source: string): { readonly config: Config; readonly warnings: string[] } {
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const parts = validParts(input);
    throw new ConfigError([...zodIssues(parsed.error, input), ...(parts ? crossCheck(parts) : [])], source);
  }
  const issues = crossCheck(parsed.data);
  if (issues.length > 0) throw new ConfigError(issues, source);
  return { config: parsed.data, warnings: [...groupWarnings(parsed.data), ...frontDoorWarnings(parsed.data)] };
}
