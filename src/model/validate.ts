// Validation: the schema first, then the checks across the config. Every problem is
// reported at once, also those between the parts of an invalid config that are valid.
import { z } from "zod";
import { type Config, configSchema, environmentSchema, frontDoorSchema, hostSchema, userSchema } from "../config/schema";
import type { PartialConfig, Partially, Report } from "./checks/check";
import { checkFrontDoor, frontDoorWarnings } from "./checks/front-door";
import { groupWarnings } from "./checks/groups";
import { checkHomesApart, homesOf } from "./checks/homes";
import { checkHomePaths, checkSharedMountSources } from "./checks/host-paths";
import { checkRootIds } from "./checks/root";
import { checkSharedMountAccess, checkSharedMountTargets } from "./checks/shared-mounts";
import { checkSwarm } from "./checks/swarm";
import { checkUnique } from "./checks/unique";
import { ConfigError, type ConfigIssue, type PathSegment } from "../config/issues";
import { zodIssues } from "./zod-issues";

/** At most this many of zod's issues are mapped to the config's words and placed in the file. */
const MAPPED = 1_000;

// Built once: zod makes a new schema on every call of partial().
const partialHost = hostSchema.partial();
const partialFrontDoor = frontDoorSchema.partial();
const partialEnvironment = environmentSchema.partial();
const partialUser = userSchema.partial();

/**
 * The fields of `item` that are valid on their own (undefined when it is not even a
 * mapping); `bad` names the fields the whole parse found fault with.
 */
function salvage<S extends z.ZodObject>(partial: S, item: unknown, bad: ReadonlySet<PathSegment>): Partially<z.output<S>> | undefined {
  if (item === null || typeof item !== "object" || Array.isArray(item)) return undefined;
  const good = Object.fromEntries(Object.entries(item).filter(([k]) => !bad.has(k) && k in partial.shape));
  const part = partial.safeParse(good);
  return part.success ? part.data : undefined;
}

/**
 * The valid fields of a front door. The TLS mode's files and email count as given when
 * they are there but invalid: their own error is reported, not also "expected beside".
 */
function frontDoorParts(raw: unknown, bad: ReadonlySet<PathSegment>): PartialConfig["frontDoor"] {
  const valid = salvage(partialFrontDoor, raw, bad);
  if (valid === undefined) return undefined;
  const given = Object.fromEntries(
    ["email", "certFile", "keyFile"].filter((k) => k in (raw as object) && valid[k as "email"] === undefined).map((k) => [k, ""]),
  );
  return { ...given, ...valid };
}

/**
 * A swarm section's node names, each as given where it is a string (the schema reports
 * the rest). A section that is there but not a mapping is still a swarm: its users' pins
 * are not "without a swarm section".
 */
function swarmParts(raw: unknown): PartialConfig["swarm"] {
  if (raw === undefined) return undefined;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return { nodes: [] };
  const { nodes } = raw as { nodes?: unknown };
  const name = (node: unknown) =>
    node !== null && typeof node === "object" && typeof (node as { name?: unknown }).name === "string" ? (node as { name: string }).name : undefined;
  return { nodes: Array.isArray(nodes) ? nodes.map((node) => ({ name: name(node) })) : [] };
}

/** What of an invalid config is valid, so that checks across it still run. */
function validParts(input: unknown, error: z.ZodError): PartialConfig | undefined {
  if (input === null || typeof input !== "object") return undefined;
  // The fields found wrong, by the path of the mapping that holds them.
  const bad = new Map<string, Set<PathSegment>>();
  for (const { path, code } of error.issues) {
    const [section, index, field] = path as PathSegment[];
    // host and frontDoor are one mapping each; environments and users lists of them.
    const single = section === "host" || section === "frontDoor";
    const at = single ? [section] : [section, index];
    const key = single ? index : field;
    // An unknown key is left out by salvage anyway; a wrong mapping as a whole has no key.
    if (code === "unrecognized_keys" || key === undefined) continue;
    const id = at.join("\0");
    bad.set(id, (bad.get(id) ?? new Set()).add(key));
  }
  const none = new Set<PathSegment>();
  const raw = input as Record<string, unknown>;
  const host = salvage(partialHost, raw.host ?? {}, bad.get("host") ?? none);
  const given = Object.fromEntries(Object.entries(host ?? {}).filter(([, v]) => v !== undefined));
  const list = <S extends z.ZodObject>(section: string, partial: S) => {
    const value = raw[section];
    return Array.isArray(value) ? value.map((item, i) => salvage(partial, item, bad.get(`${section}\0${i}`) ?? none)) : [];
  };
  return {
    host: { ...hostSchema.parse({}), ...given },
    frontDoor: frontDoorParts(raw.frontDoor, bad.get("frontDoor") ?? none),
    swarm: swarmParts(raw.swarm),
    environments: list("environments", partialEnvironment),
    users: list("users", partialUser),
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
  checkHomePaths(config, homes, report);
  checkSharedMountTargets(config, homes, checkSharedMountSources(config, homes, report), report);
  checkSharedMountAccess(config, report);
  checkFrontDoor(config, homes, report);
  checkSwarm(config, report);
  return issues;
}

/**
 * The config with its defaults, and the warnings about it.
 * @throws ConfigError listing every problem found
 */
export function validate(input: unknown, source: string): { readonly config: Config; readonly warnings: string[] } {
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const { issues } = parsed.error;
    if (issues.length > MAPPED) {
      // Only LISTED problems are ever written out: a config this wrong has its first
      // MAPPED placed and the rest counted, and is not checked across (which could only
      // add problems nobody reads). Mapping and placing 200,000 of them took a second.
      const unmapped = issues.slice(MAPPED).reduce((n, i) => n + (i.code === "unrecognized_keys" ? i.keys.length : 1), 0);
      throw new ConfigError(zodIssues(new z.ZodError(issues.slice(0, MAPPED)), input), source, undefined, unmapped);
    }
    const parts = validParts(input, parsed.error);
    throw new ConfigError([...zodIssues(parsed.error, input), ...(parts ? crossCheck(parts) : [])], source);
  }
  const issues = crossCheck(parsed.data);
  if (issues.length > 0) throw new ConfigError(issues, source);
  return { config: parsed.data, warnings: [...groupWarnings(parsed.data), ...frontDoorWarnings(parsed.data)] };
}
