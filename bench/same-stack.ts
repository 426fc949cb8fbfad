// Whether two synthesized cdk.tf.json files declare the same thing: the same top-level
// blocks, locals, variables, provider and terraform settings, and the same resources
// with the same arguments. What necessarily differs between a stack built from nested
// constructs and one built in a loop is left out: each resource's logical id (derived
// from its construct path) and its "//" metadata (the path and that id). Resources are
// matched by type and `name` (a Docker name is unique on a host; a container's start by
// the container it starts, a network's id holder by the network), and every reference
// to a logical id (`${docker_image.<id>.image_id}`, depends_on entries) is rewritten to
// that type and name before comparing.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Resources = Record<string, Record<string, Record<string, Json>>>;

/** The stack with each resource keyed by its type and name instead of its logical id, its metadata dropped. */
export function normalised(tf: Record<string, Json>): Record<string, Json> {
  const resources = (tf.resource ?? {}) as Resources;
  const ids = new Map<string, string>();
  const keys = new Set<string>();
  const reference = /\b((?:docker_[a-z_]+|terraform_data)\.[A-Za-z0-9_-]+)\b/g;
  const rewrite = (value: Json): Json => {
    if (typeof value === "string") return value.replace(reference, (ref: string) => ids.get(ref) ?? ref);
    if (Array.isArray(value)) return value.map(rewrite);
    if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v)]));
    return value;
  };
  const name = (id: string, key: string) => {
    if (keys.has(key)) throw new Error(`two resources keyed ${key}`);
    keys.add(key);
    ids.set(id, key);
  };
  // A container's start (terraform_data) by the container it starts; the terraform_data
  // that holds a network's id (its input), once the network has its key.
  const holders: [string, Json][] = [];
  for (const [type, byId] of Object.entries(resources)) {
    for (const [id, args] of Object.entries(byId)) {
      if (type === "terraform_data" && args.triggers_replace === undefined && typeof args.input === "string") {
        holders.push([`${type}.${id}`, args.input]);
        continue;
      }
      const n = type === "terraform_data" ? (args.triggers_replace as Record<string, Json> | undefined)?.container : args.name;
      if (typeof n !== "string") throw new Error(`${type}.${id}: no name to match it by`);
      name(`${type}.${id}`, `${type}.${n}`);
    }
  }
  for (const [id, input] of holders) name(id, `terraform_data.input ${rewrite(input) as string}`);
  const byName: Record<string, Json> = {};
  for (const [type, byId] of Object.entries(resources)) {
    for (const [id, { "//": _metadata, ...args }] of Object.entries(byId)) byName[ids.get(`${type}.${id}`)!] = rewrite(args);
  }
  // The top-level "//" is cdktf's own metadata (its version, the stack's name, which overrides were used), which Terraform reads as a comment.
  const { resource: _resource, "//": _stackMetadata, ...rest } = tf;
  return { ...(rewrite(rest) as Record<string, Json>), resource: Object.fromEntries(Object.entries(byName).sort(([a], [b]) => (a < b ? -1 : 1))) };
}

/** Where two JSON values differ, as `path: a | b` lines (keys in either; at most `limit`). */
export function differences(a: Json | undefined, b: Json | undefined, at = "", limit = 50, out: string[] = []): string[] {
  if (out.length >= limit) return out;
  const isObject = (v: Json | undefined): v is Record<string, Json> | Json[] => v !== null && typeof v === "object";
  if (isObject(a) && isObject(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = Array.isArray(a)
      ? Array.from({ length: Math.max(a.length, (b as Json[]).length) }, (_, i) => String(i))
      : [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const k of keys)
      differences((a as Record<string, Json>)[k], (b as Record<string, Json>)[k], `${at}${Array.isArray(a) ? `[${k}]` : `.${JSON.stringify(k)}`}`, limit, out);
  } else if (JSON.stringify(a) !== JSON.stringify(b)) {
    const show = (v: Json | undefined) => (v === undefined ? "(absent)" : JSON.stringify(v).slice(0, 120));
    out.push(`${at || "(whole)"}: ${show(a)} | ${show(b)}`);
  }
  return out;
}

/** Throws, listing the first differences, unless the two stacks are the same but for logical ids and metadata. */
export function assertSameStack(a: Record<string, Json>, b: Record<string, Json>, names: [string, string]): void {
  const found = differences(normalised(a), normalised(b));
  if (found.length > 0) throw new Error(`not the same stack (path: ${names[0]} | ${names[1]}):\n${found.join("\n")}`);
}
