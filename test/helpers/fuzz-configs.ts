// Configs a fuzzer writes: objects over the schema's own keys with values good, bad and
// huge, and raw YAML text with anchors and aliases, for the fuzz test and its benchmark.
import fc from "fast-check";
import { stringify } from "yaml";
import { ConfigError } from "../../src/config/issues";
import { parseConfig } from "../../src/model/load";

const KEYS = [
  "host",
  "environments",
  "users",
  "frontDoor",
  "name",
  "image",
  "command",
  "uid",
  "gid",
  "home",
  "homeRoot",
  "createHomes",
  "homeMode",
  "sharedMounts",
  "source",
  "target",
  "writable",
  "memory",
  "cpus",
  "pidsLimit",
  "groups",
  "env",
  "seedDir",
  "seedExcludes",
  "dir",
  "displayName",
  "port",
  "readOnlyRoot",
  "allowRoot",
  "supplementaryGids",
  "defaults",
  "restart",
  "initImage",
  "network",
  "site",
  "runtimeRoot",
  "tls",
  "jupyter",
  "<<",
  "memroy",
  "",
];

const long = (c: string, n: number) => c.repeat(n);
/** Values that are right somewhere, wrong elsewhere, or made to cost: long, deep, backtracking. */
const SCALARS: unknown[] = [
  "py",
  "alice",
  "course/python:1",
  "/srv/data",
  "/home",
  "/etc",
  "/var/run/docker.sock",
  "/run",
  "/var/alice",
  "2g",
  "0.5",
  "jupyter",
  0,
  1,
  1001,
  -1,
  2 ** 32,
  1.5,
  true,
  false,
  null,
  "",
  "0700",
  "unless-stopped",
  "lab.example.org",
  long("a", 40) + "!",
  long("0", 5_000) + "x",
  long("x", 20_000),
  long("a-", 2_000),
  `${long("a", 200)}:${long("b", 2_000)}`,
];

const scalar = fc.constantFrom(...SCALARS);

/** An object over the schema's keys: near a config, with any value anywhere. */
export const configObjects: fc.Arbitrary<unknown> = fc
  .letrec((tie) => ({
    value: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalar, tie("list"), tie("map")),
    list: fc.array(tie("value"), { maxLength: 5 }),
    map: fc.dictionary(fc.constantFrom(...KEYS), tie("value"), { maxKeys: 6, noNullPrototype: true }),
  }))
  .map.map((m) => ({
    environments: [{ name: "py", image: "course/python:1", command: ["jupyter"] }],
    users: [{ name: "alice", uid: 1001, gid: 1001 }],
    ...m,
  }));

/** Configs as YAML text written by the yaml library, in each of its styles. */
export const configTexts: fc.Arbitrary<string> = fc
  .tuple(configObjects, fc.constantFrom("block", "flow"))
  .map(([value, collectionStyle]) => stringify(value, { collectionStyle, lineWidth: 0 }));

/**
 * Raw YAML text in flow style: known keys, scalars, anchors on any node and aliases to
 * any anchor name, defined or not, before or after, inside its own anchor or not.
 */
export const rawTexts: fc.Arbitrary<string> = fc
  .letrec<{ node: string }>((tie) => ({
    node: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      scalar.map((s) => JSON.stringify(s)),
      fc.integer({ min: 0, max: 9 }).map((n) => `*a${n}`),
      // Anchors each `width` aliases to the one before: width^levels nodes, a bomb or not.
      fc
        .tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 2, max: 12 }))
        .map(
          ([levels, width]) => `[&a0 lol, ${Array.from({ length: levels }, (_, i) => `&a${i + 1} [${Array(width).fill(`*a${i}`).join(", ")}]`).join(", ")}]`,
        ),
      // A list of one alias, many times: nested under anchors, the start of a bomb.
      fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 12 })).map(([n, width]) => `[${Array(width).fill(`*a${n}`).join(", ")}]`),
      fc.tuple(fc.integer({ min: 0, max: 5 }), tie("node")).map(([n, node]) => `&a${n} ${node}`),
      fc.array(tie("node"), { maxLength: 12 }).map((items) => `[${items.join(", ")}]`),
      fc
        .array(fc.tuple(fc.constantFrom(...KEYS), tie("node")), { maxLength: 6 })
        .map((pairs) => `{${pairs.map(([k, v]) => `${JSON.stringify(k)}: ${v}`).join(", ")}}`),
    ),
  }))
  .node.map(
    (node) =>
      `environments: [{name: py, image: "course/python:1", command: [jupyter]}]\nusers: [{name: alice, uid: 1001, gid: 1001}]\n${["x", "host", "environments"][node.length % 3]}: ${node}\n`,
  );

export interface Outcome {
  readonly kind: "model" | "error";
  /** CPU (user and system) milliseconds of the read. */
  readonly cpuMs: number;
  readonly wallMs: number;
  /** The error's lines. */
  readonly lines: readonly string[];
}

/** Reads `text` as a config file; anything but a model or a ConfigError is thrown on. */
export function read(text: string): Outcome {
  const cpu = process.cpuUsage();
  const start = performance.now();
  let lines: readonly string[] = [];
  try {
    parseConfig(text, "homedock.yaml");
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    lines = err.lines;
  }
  const { user, system } = process.cpuUsage(cpu);
  return { kind: lines.length > 0 ? "error" : "model", cpuMs: (user + system) / 1000, wallMs: performance.now() - start, lines };
}
