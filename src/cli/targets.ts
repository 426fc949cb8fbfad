// What a plan of a settled host has to look at. When the last plan or deploy found that
// the synthesized stack changed nothing (and the refresh record says the engine holds the
// state exactly as then: skips.ts), a resource whose block is byte for byte the same, and
// all of whose references read values that are the same, plans exactly as it did then:
// no change. Terraform's plan of a resource depends on its configuration, its prior state
// and the provider alone. So only the resources that differ, and what reads from them,
// need planning: `-target` them, or run no Terraform at all when there are none.
//
// homedock understands a stack only as far as it writes one: resource blocks whose
// interpolations are plain references (`${docker_image.x.image_id}`, `${local.x}`,
// `${var.x["key"]}`), `replace_triggered_by`, locals, variables and their values in
// terraform.tfvars.json, a provider and a terraform block. Anything else (a function
// call, a template directive, a data source, a module, count or for_each, an output, a
// moved or import block) and there is no digest: a full plan.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";

/** sha256 of each part of a synthesized stack a plan reads; the references between them. */
export interface StackDigest {
  /** Everything that is not a resource, a local or a variable's value: providers, the terraform block, variable declarations. */
  readonly frame: string;
  /** By address (`type.name`). */
  readonly resources: Readonly<Record<string, string>>;
  readonly locals: Readonly<Record<string, string>>;
  /** By `var.name`, and `var.name["key"]` for each key of a map value. */
  readonly values: Readonly<Record<string, string>>;
}

/** The parts of a stack homedock writes; any other top-level key and it has no digest. */
const KNOWN_TOP = new Set(["//", "locals", "provider", "resource", "terraform", "variable"]);
/** Keys of a resource block that make it something else than one plain instance. */
const UNKNOWN_BLOCK_KEYS = ["count", "for_each", "dynamic"];

const isResource = (key: string) => !key.startsWith("local.") && !key.startsWith("var.");

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A resource's address and attributes, `local.x`, `var.x` or `var.x["key"]`: the references homedock writes. */
const RESOURCE = /^([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)(?:\.[A-Za-z0-9_]+)*$/;
const LOCAL = /^local\.([A-Za-z0-9_]+)$/;
const VARIABLE = /^var\.([A-Za-z0-9_]+)(?:\["([^"\\]*)"\])?$/;
/** Names Terraform gives a meaning of its own before a dot: not a resource type. */
const NOT_TYPES = new Set(["local", "var", "path", "terraform", "count", "each", "data", "module"]);

/** One interpolation's reference (a provisioner's `self` reads its own resource: nothing); false if it is anything else. */
function reference(body: string, into: Set<string>): boolean {
  const local = LOCAL.exec(body);
  if (local) return (into.add(`local.${local[1]}`), true);
  const variable = VARIABLE.exec(body);
  if (variable) return (into.add(variable[2] === undefined ? `var.${variable[1]}` : `var.${variable[1]}["${variable[2]}"]`), true);
  const resource = RESOURCE.exec(body);
  if (!resource || NOT_TYPES.has(resource[1])) return false;
  if (resource[1] !== "self") into.add(`${resource[1]}.${resource[2]}`);
  return true;
}

/**
 * Adds the references of one value of the stack to `into`; false if it holds anything
 * homedock does not read (a function, a template directive, a nested expression).
 */
function referencesIn(value: Json, into: Set<string>): boolean {
  if (typeof value === "string") {
    for (let i = 0; i < value.length; i++) {
      const c = value[i];
      if (c !== "$" && c !== "%") continue;
      // `$${` and `%%{` are Terraform's escapes for a literal `${` and `%{`.
      if (value[i + 1] === c && value[i + 2] === "{") {
        i += 2;
        continue;
      }
      if (value[i + 1] !== "{") continue;
      if (c === "%") return false;
      const end = value.indexOf("}", i + 2);
      if (end < 0 || !reference(value.slice(i + 2, end), into)) return false;
      i = end;
    }
    return true;
  }
  if (Array.isArray(value)) return value.every((v) => referencesIn(v, into));
  if (value !== null && typeof value === "object") return Object.values(value).every((v) => referencesIn(v, into));
  return true;
}

interface Node {
  readonly digest: string;
  /** What its value reads (depends_on is order alone and not among them). */
  readonly reads: ReadonlySet<string>;
}

/** A stack's digest and its reference graph; undefined where homedock cannot read it. */
export interface ReadStack {
  readonly digest: StackDigest;
  readonly nodes: ReadonlyMap<string, Node>;
}

/** Reads the stack in `stack` (cdk.tf.json and terraform.tfvars.json beside it). */
export function readStack(stack: string): ReadStack | undefined {
  try {
    const json = JSON.parse(readFileSync(path.join(stack, "cdk.tf.json"), "utf8")) as Record<string, Json>;
    let values: Record<string, Json> = {};
    try {
      values = JSON.parse(readFileSync(path.join(stack, "terraform.tfvars.json"), "utf8")) as Record<string, Json>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") return undefined;
    }
    return stackGraph(json, values);
  } catch {
    return undefined;
  }
}

/** The digest and graph of a parsed stack and its variable values. */
export function stackGraph(json: Record<string, Json>, values: Record<string, Json>): ReadStack | undefined {
  if (Object.keys(json).some((key) => !KNOWN_TOP.has(key))) return undefined;
  const nodes = new Map<string, Node>();
  const node = (key: string, value: Json, reads: Set<string>) => nodes.set(key, { digest: sha256(JSON.stringify(value)), reads });

  const resources = (json.resource ?? {}) as Record<string, Record<string, Json>>;
  for (const [type, blocks] of Object.entries(resources)) {
    for (const [name, block] of Object.entries(blocks)) {
      if (block === null || typeof block !== "object" || Array.isArray(block)) return undefined;
      if (UNKNOWN_BLOCK_KEYS.some((key) => key in block)) return undefined;
      const reads = new Set<string>();
      const { depends_on: _order, lifecycle, ...rest } = block;
      if (!referencesIn(rest, reads)) return undefined;
      if (lifecycle !== undefined) {
        if (lifecycle === null || typeof lifecycle !== "object" || Array.isArray(lifecycle)) return undefined;
        const { replace_triggered_by: triggers, ...others } = lifecycle;
        if (!referencesIn(others, reads)) return undefined;
        // Written without ${}: each a resource's address (or an attribute of one).
        for (const trigger of (triggers ?? []) as Json[]) {
          if (typeof trigger !== "string") return undefined;
          const m = /^([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)(?:\.[A-Za-z0-9_]+)*$/.exec(trigger.replace(/^\$\{(.*)\}$/, "$1"));
          if (!m) return undefined;
          reads.add(`${m[1]}.${m[2]}`);
        }
      }
      node(`${type}.${name}`, block, reads);
    }
  }
  for (const [name, value] of Object.entries((json.locals ?? {}) as Record<string, Json>)) {
    const reads = new Set<string>();
    if (!referencesIn(value, reads)) return undefined;
    node(`local.${name}`, value, reads);
  }
  // A map value by key: a workspace reads its own token.
  for (const [name, value] of Object.entries(values)) {
    node(`var.${name}`, value, new Set());
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      for (const [key, v] of Object.entries(value)) node(`var.${name}["${key}"]`, v, new Set());
    }
  }
  const frame = Object.fromEntries(Object.entries(json).filter(([key]) => key !== "resource" && key !== "locals"));
  const digests = (keep: (key: string) => boolean) => Object.fromEntries([...nodes].filter(([key]) => keep(key)).map(([key, n]) => [key, n.digest]));
  return {
    digest: {
      frame: sha256(JSON.stringify(frame)),
      resources: digests(isResource),
      locals: digests((key) => key.startsWith("local.")),
      values: digests((key) => key.startsWith("var.")),
    },
    nodes,
  };
}

/**
 * The resources a plan of `now` must look at, given that `settled` planned no change:
 * those new, gone or changed, and every resource that reads, directly or through
 * others, something that changed. Undefined when the frame differs (then everything).
 */
export function changedResources(settled: StackDigest, now: ReadStack): string[] | undefined {
  if (settled.frame !== now.digest.frame) return undefined;
  const before: Record<string, string> = { ...settled.resources, ...settled.locals, ...settled.values };
  const after: Record<string, string> = { ...now.digest.resources, ...now.digest.locals, ...now.digest.values };
  const changed = new Set<string>();
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) if (before[key] !== after[key]) changed.add(key);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [key, n] of now.nodes) {
      if (changed.has(key)) continue;
      if ([...n.reads].some((read) => changed.has(read))) {
        changed.add(key);
        grew = true;
      }
    }
  }
  return [...changed].filter(isResource).sort();
}

/** Terraform's own attributes of a terraform_data that hold any value: in the state `{value, type}`, in a plan the value. */
const DYNAMIC = ["triggers_replace", "input", "output"];

interface StateResource {
  readonly mode?: unknown;
  readonly type?: unknown;
  readonly name?: unknown;
  readonly instances?: readonly { readonly attributes?: Record<string, unknown>; readonly index_key?: unknown }[];
}

/**
 * The state's resources as a plan's resource_changes writes those it leaves as they are
 * (`no-op`, before and after the state's values), but for those in `planned`.
 */
export function unchangedEntries(state: { readonly resources?: readonly StateResource[] }, planned: ReadonlySet<string>): unknown[] {
  const entries: unknown[] = [];
  for (const resource of state.resources ?? []) {
    if (resource.mode !== "managed") continue;
    const address = `${String(resource.type)}.${String(resource.name)}`;
    if (planned.has(address)) continue;
    for (const instance of resource.instances ?? []) {
      const values: Record<string, unknown> = { ...instance.attributes };
      if (resource.type === "terraform_data") {
        for (const key of DYNAMIC) {
          const v = values[key] as { value?: unknown; type?: unknown } | null | undefined;
          if (v !== null && typeof v === "object" && "value" in v && "type" in v) values[key] = v.value;
        }
      }
      entries.push({ address, mode: "managed", type: resource.type, name: resource.name, change: { actions: ["no-op"], before: values, after: values } });
    }
  }
  return entries;
}
