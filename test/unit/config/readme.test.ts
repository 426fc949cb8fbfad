// The README's config reference is the example an admin copies from: with the Swarm's
// example (one file cannot have both a swarm and a front door), it must name every key
// the schema accepts, and nothing the schema would refuse.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { configSchema } from "../../../src/config/schema";
import { buildModel } from "../../../src/model/model";

const readme = readFileSync(path.resolve(__dirname, "../../../README.md"), "utf8");
const reference = /## The config file\n+```yaml\n([\s\S]*?)```/.exec(readme)![1];
const swarmReference = /### On a Docker Swarm\n[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)![1];

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodOptional || s instanceof z.ZodPrefault) s = s.unwrap() as z.ZodType;
  return s;
}

/** Every key path of a schema's objects, lists written `[]` (`host.sharedMounts[].target`), and whether an object is there. */
function schemaKeys(schema: z.ZodType, at = ""): [string, boolean][] {
  const s = unwrap(schema);
  if (s instanceof z.ZodArray) return schemaKeys(s.element as z.ZodType, `${at}[]`);
  if (!(s instanceof z.ZodObject)) return [];
  return Object.entries(s.shape).flatMap(([key, child]): [string, boolean][] => {
    const p = at === "" ? key : `${at}.${key}`;
    const inner = unwrap(child as z.ZodType);
    const element = inner instanceof z.ZodArray ? unwrap(inner.element as z.ZodType) : inner;
    return [[p, element instanceof z.ZodObject], ...schemaKeys(child as z.ZodType, p)];
  });
}

/** The same paths of a parsed document, descending only where the schema has an object or a list of them. */
function documentKeys(value: unknown, objects: ReadonlySet<string>, at = ""): string[] {
  if (Array.isArray(value)) return objects.has(at) ? value.flatMap((item) => documentKeys(item, objects, `${at}[]`)) : [];
  if (value === null || typeof value !== "object" || (at !== "" && !objects.has(at.replace(/\[\]$/, "")))) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const p = at === "" ? key : `${at}.${key}`;
    return [p, ...documentKeys(child, objects, p)];
  });
}

describe("the README's config reference", () => {
  const entries = schemaKeys(configSchema);
  const keys = entries.map(([k]) => k);
  // Where the schema has keys of its own (not a free map like env).
  const objects = new Set(entries.filter(([, isObject]) => isObject).map(([k]) => k));

  it("names every key of the schema, and none it does not have", () => {
    const shown = [...new Set([reference, swarmReference].flatMap((r) => documentKeys(parse(r), objects)))].sort();
    expect(shown).toEqual([...new Set(keys)].sort());
  });

  it("is a valid config, and so is the Swarm's", () => {
    expect(() => buildModel(parse(reference))).not.toThrow();
    expect(buildModel(parse(swarmReference)).users.map((u) => u.node)).toEqual(["node-2", expect.stringMatching(/^node-[123]$/)]);
  });
});
