// The plain model: validated config in, typed objects out. Renderers (the cdktf
// constructs and the Compose writer) only map these objects; none re-validates.
import { z } from "zod";
import { type Config, type ConfigInput, configSchema, environmentSchema, hostSchema, userSchema } from "../config/schema";

export type RestartPolicy = Config["host"]["defaults"]["restart"];

/** A host directory mounted into every workspace. */
export interface SharedMount {
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

/** A Docker image and how a workspace runs it. */
export interface EnvironmentModel {
  readonly name: string;
  readonly image: string;
  readonly displayName: string;
  /** Directory name inside each home. */
  readonly dir: string;
  readonly seedDir: string;
  readonly seedExcludes: readonly string[];
  readonly command: readonly string[];
  readonly port: number;
  readonly env: Readonly<Record<string, string>>;
  /** Undefined: every user. */
  readonly groups?: readonly string[];
  readonly readOnlyRoot: boolean;
  readonly pidsLimit?: number;
  readonly memoryMiB?: number;
  readonly nanoCpus?: number;
}

/** A real account on the host. */
export interface UserModel {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  readonly supplementaryGids: readonly number[];
  readonly groups: readonly string[];
  readonly memoryMiB?: number;
  readonly nanoCpus?: number;
}

/** One user in one environment: one container. */
export interface WorkspaceModel {
  readonly user: UserModel;
  readonly environment: EnvironmentModel;
  /** Container name: stable, derived from host, user and environment only. */
  readonly containerName: string;
  /** The environment directory on the host (and at the same path in the container). */
  readonly envDir: string;
  readonly memoryMiB: number;
  readonly nanoCpus: number;
  readonly pidsLimit: number;
  readonly restart: RestartPolicy;
}

export interface HostModel {
  readonly name: string;
  readonly homeRoot: string;
  readonly homeMode: string;
  /** Whether the deploy creates missing homes (one-shot container per user). */
  readonly createHomes: boolean;
  readonly network: string;
  readonly initImage?: string;
  readonly sharedMounts: readonly SharedMount[];
  readonly environments: readonly EnvironmentModel[];
  readonly users: readonly UserModel[];
  /** Every (user, environment) pair the access rules allow, users in config order. */
  readonly workspaces: readonly WorkspaceModel[];
  /** The same workspaces by user name (every user has an entry). */
  readonly workspacesByUser: ReadonlyMap<string, readonly WorkspaceModel[]>;
  /** Things that are allowed but probably not meant. */
  readonly warnings: readonly string[];
}

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

function valueAt(input: unknown, segments: readonly PathSegment[]): { value?: unknown; hasValue: boolean } {
  let current: unknown = input;
  for (const s of segments) {
    if (current === null || typeof current !== "object" || !(s in (current as object))) return { hasValue: false };
    current = (current as Record<PathSegment, unknown>)[s];
  }
  return { value: current, hasValue: current !== undefined };
}

/** Mount targets that would hide what every image needs to run. */
const SYSTEM_DIRS = ["/bin", "/dev", "/etc", "/lib", "/proc", "/sbin", "/sys", "/usr"];

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
    if (inner instanceof z.ZodObject && typeof s === "string") schema = inner.shape[s];
    else if (inner instanceof z.ZodArray && typeof s === "number") schema = inner.element as z.ZodType;
    else return undefined;
    if (!schema) return undefined;
  }
  while (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional || schema instanceof z.ZodPrefault) {
    schema = schema.unwrap() as z.ZodType;
  }
  return schema;
}

function unknownKeyIssue(at: readonly PathSegment[], key: string, input: unknown): ConfigIssue {
  const keys = knownKeys(schemaAt(at) ?? z.never());
  const best = [...keys].sort((x, y) => distance(key, x) - distance(key, y))[0];
  const hint = best !== undefined && distance(key, best) <= Math.max(2, Math.floor(best.length / 3)) ? `; did you mean "${best}"?` : "";
  const known = keys.length > 0 ? `one of ${keys.join(", ")}` : "no keys here";
  return { path: [...at, key], message: `unknown key: expected ${known}${hint}`, ...valueAt(input, [...at, key]) };
}

function zodIssues(error: z.ZodError, input: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of error.issues) {
    const at = issue.path as PathSegment[];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) out.push(unknownKeyIssue(at, key, input));
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

/** `a` is `b` or lies inside it. */
function within(a: string, b: string): boolean {
  return a === b || a.startsWith(b === "/" ? "/" : `${b}/`);
}

function overlaps(a: string, b: string): boolean {
  return within(a, b) || within(b, a);
}

type Partially<T> = { readonly [K in keyof T]?: T[K] };

/** A config in which only some fields are valid: those that are, for checks across items. */
interface PartialConfig {
  readonly host: Config["host"];
  readonly environments: readonly (Partially<Config["environments"][number]> | undefined)[];
  readonly users: readonly (Partially<Config["users"][number]> | undefined)[];
}

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

/** What of an invalid config is valid, so that checks across it still run. */
function validParts(input: unknown): PartialConfig | undefined {
  if (input === null || typeof input !== "object") return undefined;
  const raw = input as Record<string, unknown>;
  const host = salvage(hostSchema, raw.host ?? {});
  const given = Object.fromEntries(Object.entries(host ?? {}).filter(([, v]) => v !== undefined));
  const list = <S extends z.ZodObject>(value: unknown, schema: S) => (Array.isArray(value) ? value.map((item) => salvage(schema, item)) : []);
  return {
    host: { ...hostSchema.parse({}), ...given },
    environments: list(raw.environments, environmentSchema),
    users: list(raw.users, userSchema),
  };
}

/** Checks that need the whole config: uniqueness, root, paths that collide. */
function crossCheck(config: PartialConfig, issues: ConfigIssue[], warnings: string[]): void {
  const add = (p: PathSegment[], message: string, value: unknown) => issues.push({ path: p, message, value, hasValue: true });
  const { host } = config;

  const firstIndex = new Map<string, number>();
  const unique = (kind: string, key: string | undefined, p: PathSegment[], value: unknown, what: string): boolean => {
    if (key === undefined) return true;
    const k = `${kind}\0${key}`;
    const seen = firstIndex.get(k);
    if (seen === undefined) firstIndex.set(k, p[1] as number);
    else add(p, `expected ${what} not used before, but ${formatPath([p[0], seen])} has it`, value);
    return seen === undefined;
  };

  config.environments.forEach((env, i) => {
    if (env === undefined) return;
    const fresh = unique("env", env.name, ["environments", i, "name"], env.name, "an environment name");
    // A repeated name is reported once, not again as the directory it defaults to.
    if (env.dir !== undefined || fresh) {
      const dir = env.dir ?? env.name;
      unique("dir", dir, ["environments", i, env.dir === undefined ? "name" : "dir"], dir, "an environment directory");
    }
  });

  const homes: { home: string; index: number; explicit: boolean }[] = [];
  config.users.forEach((user, i) => {
    if (user === undefined) return;
    const fresh = unique("user", user.name, ["users", i, "name"], user.name, "a user name");
    unique("uid", user.uid === undefined ? undefined : String(user.uid), ["users", i, "uid"], user.uid, "a uid");
    if (!user.allowRoot) {
      if (user.uid === 0) add(["users", i, "uid"], "expected a uid other than 0 (root), or allowRoot: true", 0);
      if (user.gid === 0) add(["users", i, "gid"], "expected a gid other than 0 (root), or allowRoot: true", 0);
    }
    // A repeated name is reported once, not again as the home it defaults to.
    if (user.home === undefined && (user.name === undefined || !fresh)) return;
    const home = user.home ?? `${host.homeRoot}/${user.name}`;
    homes.push({ home, index: i, explicit: user.home !== undefined });
  });
  // Sorted with a trailing "/", a home and everything inside it are neighbours.
  const sortedHomes = [...homes].sort((a, b) => (`${a.home}/` < `${b.home}/` ? -1 : `${a.home}/` > `${b.home}/` ? 1 : a.index - b.index));
  const homeClashes: { at: (typeof homes)[number]; other: (typeof homes)[number] }[] = [];
  for (let k = 1; k < sortedHomes.length; k++) {
    const [a, b] = [sortedHomes[k - 1], sortedHomes[k]];
    if (within(b.home, a.home)) homeClashes.push(a.index < b.index ? { at: b, other: a } : { at: a, other: b });
  }
  for (const { at, other } of homeClashes.sort((x, y) => x.at.index - y.at.index)) {
    add(["users", at.index, at.explicit ? "home" : "name"], `expected a home apart from users[${other.index}]'s ${other.home}`, at.home);
  }

  const targets: { target: string; index: number }[] = [];
  host.sharedMounts.forEach((mount, i) => {
    const target = mount.target ?? mount.source;
    const p: PathSegment[] = ["host", "sharedMounts", i, mount.target === undefined ? "source" : "target"];
    const other = targets.find((t) => overlaps(t.target, target));
    const seeded = config.environments.findIndex((e) => e?.seedDir !== undefined && overlaps(e.seedDir, target));
    // The first conflict found is the one reported.
    if (SYSTEM_DIRS.some((d) => within(target, d))) {
      add(p, `expected a mount target outside / itself and ${SYSTEM_DIRS.join(", ")}`, target);
    } else if (within(host.homeRoot, target) || homes.some((h) => overlaps(h.home, target))) {
      add(p, "expected a mount target apart from every home and the home root", target);
    } else if (other) {
      add(p, `expected a mount target apart from host.sharedMounts[${other.index}]'s ${other.target}`, target);
    } else if (seeded >= 0) {
      add(p, `expected a mount target apart from environments[${seeded}].seedDir`, target);
    }
    targets.push({ target, index: i });
  });

  const groupsHeld = new Set(config.users.flatMap((u) => u?.groups ?? []));
  config.environments.forEach((env, i) => {
    if (env === undefined) return;
    for (const group of env.groups ?? []) {
      if (!groupsHeld.has(group)) {
        warnings.push(`environments[${i}].groups: no user is in group "${group}"`);
      }
    }
  });
}

function environmentOf(env: Config["environments"][number]): EnvironmentModel {
  return {
    name: env.name,
    image: env.image,
    displayName: env.displayName ?? env.name,
    dir: env.dir ?? env.name,
    seedDir: env.seedDir,
    seedExcludes: env.seedExcludes,
    command: env.command,
    port: env.port,
    env: env.env,
    groups: env.groups,
    readOnlyRoot: env.readOnlyRoot,
    pidsLimit: env.pidsLimit,
    memoryMiB: env.memory,
    nanoCpus: env.cpus,
  };
}

/** Turns a validated config into the model. */
function modelOf(config: Config, warnings: string[]): HostModel {
  const { host } = config;
  const environments = config.environments.map(environmentOf);
  const users: UserModel[] = config.users.map((u) => ({
    name: u.name,
    uid: u.uid,
    gid: u.gid,
    home: u.home ?? `${host.homeRoot}/${u.name}`,
    supplementaryGids: u.supplementaryGids,
    groups: u.groups,
    memoryMiB: u.memory,
    nanoCpus: u.cpus,
  }));
  const workspaces: WorkspaceModel[] = [];
  const workspacesByUser = new Map<string, WorkspaceModel[]>();
  for (const user of users) {
    const mine: WorkspaceModel[] = [];
    workspacesByUser.set(user.name, mine);
    for (const environment of environments) {
      if (environment.groups !== undefined && !environment.groups.some((g) => user.groups.includes(g))) continue;
      mine.push({
        user,
        environment,
        containerName: `${host.name}-${user.name}.${environment.name}`,
        envDir: `${user.home}/${environment.dir}`,
        memoryMiB: user.memoryMiB ?? environment.memoryMiB ?? host.defaults.memory,
        nanoCpus: user.nanoCpus ?? environment.nanoCpus ?? host.defaults.cpus,
        pidsLimit: environment.pidsLimit ?? host.defaults.pidsLimit,
        restart: host.defaults.restart,
      });
    }
    workspaces.push(...mine);
  }
  if (workspaces.length === 0) warnings.push("no user is granted any environment: nothing will run");
  if (!host.createHomes && host.initImage !== undefined) {
    warnings.push(`host.initImage: "${host.initImage}" is not used: createHomes is false, no home is created`);
  }
  return {
    name: host.name,
    homeRoot: host.homeRoot,
    homeMode: host.homeMode,
    createHomes: host.createHomes,
    network: host.network ?? host.name,
    initImage: host.initImage,
    sharedMounts: host.sharedMounts.map((m) => ({ source: m.source, target: m.target ?? m.source, readOnly: !m.writable })),
    environments,
    users,
    workspaces,
    workspacesByUser,
    warnings,
  };
}

/**
 * Validates a config (parsed YAML, or props given in code) and builds the model.
 * @throws ConfigError listing every problem found
 */
export function buildModel(input: ConfigInput | unknown, source = "config"): HostModel {
  const parsed = configSchema.safeParse(input);
  const warnings: string[] = [];
  if (!parsed.success) {
    // Every problem at once: also those between the parts that are valid by themselves.
    const issues = zodIssues(parsed.error, input);
    const parts = validParts(input);
    if (parts) crossCheck(parts, issues, []);
    throw new ConfigError(issues, source);
  }
  const issues: ConfigIssue[] = [];
  crossCheck(parsed.data, issues, warnings);
  if (issues.length > 0) throw new ConfigError(issues, source);
  return modelOf(parsed.data, warnings);
}
