// Merging imported accounts into a config document: the file stays the admin's. Users
// already there keep their place, comments and every key the import does not manage;
// a changed identity is applied only when asked, and so is a removal.
import { type Document, isMap, isScalar, isSeq, type Node, type YAMLMap, YAMLSeq } from "yaml";
import type { ImportedUser } from "./select";

export interface MergeOptions {
  /** Apply a changed uid, gid or home to a user already in the file. */
  readonly update: boolean;
  /** Remove users whose account is gone from the database. */
  readonly prune: boolean;
  /** The config's home root: a home there named after the user is left implicit. */
  readonly homeRoot: string;
  /** Every account name in the database (selected or not): users not in it are gone. */
  readonly known: ReadonlySet<string>;
}

/** Fields that say who a workspace runs as: a change is applied only with `update`. */
const IDENTITY = ["uid", "gid", "home"] as const;
/** Fields that follow the database's group memberships on every import. */
const MEMBERSHIP = ["supplementaryGids", "groups"] as const;

export type Change =
  | { readonly kind: "added"; readonly user: ImportedUser }
  | {
      readonly kind: "changed";
      readonly name: string;
      readonly field: (typeof IDENTITY)[number] | (typeof MEMBERSHIP)[number];
      readonly from: unknown;
      readonly to: unknown;
      readonly applied: boolean;
    }
  | { readonly kind: "gone"; readonly name: string; readonly uid: unknown; readonly removed: boolean };

/** The user's fields as a config item lists them: defaults and empty lists left out. */
export function userEntry(user: ImportedUser, homeRoot: string): Record<string, unknown> {
  const entry: Record<string, unknown> = { name: user.name, uid: user.uid, gid: user.gid };
  if (user.home !== defaultHome(homeRoot, user.name)) entry.home = user.home;
  if (user.supplementaryGids.length > 0) entry.supplementaryGids = user.supplementaryGids;
  if (user.groups.length > 0) entry.groups = user.groups;
  return entry;
}

function defaultHome(homeRoot: string, name: string): string {
  return `${homeRoot === "/" ? "" : homeRoot}/${name}`;
}

function sameSet(a: readonly unknown[], b: readonly unknown[]): boolean {
  const set = new Set(a);
  return set.size === new Set(b).size && b.every((x) => set.has(x));
}

/** A plain value's node, lists in flow style (`[100, 200]`) as an admin writes them. */
function nodeOf(doc: Document, value: unknown): Node {
  const node = doc.createNode(value) as Node;
  if (isMap(node)) for (const pair of node.items) if (isSeq(pair.value)) pair.value.flow = true;
  if (isSeq(node)) node.flow = true;
  return node;
}

/** Sets `key` in place where a node is there already, so its comments and style stay. */
function setField(doc: Document, item: YAMLMap, key: string, value: unknown): void {
  const node = item.get(key, true);
  if (Array.isArray(value) && isSeq(node)) node.items = value.map((v) => doc.createNode(v));
  else if (!Array.isArray(value) && isScalar(node)) node.value = value;
  else item.set(key, nodeOf(doc, value));
}

/** Updates one user already in the file; returns what differs. */
function mergeUser(doc: Document, item: YAMLMap, user: ImportedUser, options: MergeOptions): Change[] {
  const changes: Change[] = [];
  const wanted = userEntry(user, options.homeRoot);
  for (const field of IDENTITY) {
    const current = field === "home" ? (item.get("home") ?? defaultHome(options.homeRoot, user.name)) : item.get(field);
    const next = user[field];
    if (current === next) continue;
    changes.push({ kind: "changed", name: user.name, field, from: current, to: next, applied: options.update });
    if (!options.update) continue;
    if (wanted[field] === undefined) item.delete(field);
    else setField(doc, item, field, next);
  }
  for (const field of MEMBERSHIP) {
    const node = item.get(field, true);
    const current = isSeq(node) ? (node.toJSON() as unknown[]) : [];
    const next = user[field];
    if (sameSet(current, next)) continue;
    changes.push({ kind: "changed", name: user.name, field, from: current, to: next, applied: true });
    if (next.length === 0) item.delete(field);
    else setField(doc, item, field, next);
  }
  return changes;
}

/**
 * Merges `users` into the `users` list of a validated config document, in place, for
 * the users already there. Returns every difference found, applied or not, in list
 * order, new users last: `addUsers` (or `appendUsers`) adds those.
 */
export function mergeUsers(doc: Document, users: readonly ImportedUser[], options: MergeOptions): Change[] {
  const list = doc.get("users", true);
  const items = new Map<string, YAMLMap>();
  if (isSeq(list)) for (const item of list.items) if (isMap(item)) items.set(String(item.get("name")), item);

  const changes: Change[] = [];
  for (const user of users) {
    const item = items.get(user.name);
    if (item !== undefined) changes.push(...mergeUser(doc, item, user, options));
  }
  const gone = new Set<unknown>();
  for (const [name, item] of items) {
    if (options.known.has(name)) continue;
    changes.push({ kind: "gone", name, uid: item.get("uid"), removed: options.prune });
    gone.add(item);
  }
  if (isSeq(list) && options.prune && gone.size > 0) list.items = list.items.filter((item) => !gone.has(item));
  for (const user of users) if (!items.has(user.name)) changes.push({ kind: "added", user });
  return changes;
}

/** Adds users at the end of the document's users list (made if missing, grown into a block list). */
export function addUsers(doc: Document, users: readonly ImportedUser[], homeRoot: string): void {
  let list = doc.get("users", true);
  if (!isSeq(list)) {
    list = new YAMLSeq();
    doc.set("users", list);
  }
  const seq = list as YAMLSeq;
  seq.flow = false;
  for (const user of users) seq.items.push(nodeOf(doc, userEntry(user, homeRoot)));
}
