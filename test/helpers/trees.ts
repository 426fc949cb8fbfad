// File trees on disk for the seeder tests: build them from a description, and take
// exact snapshots (type, mode, owner, content, link target) without following links.
import { createHash } from "node:crypto";
import { chmodSync, lchownSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";

export type Entry =
  | { readonly kind: "file"; readonly content: string; readonly mode: number }
  | { readonly kind: "dir"; readonly mode: number }
  | { readonly kind: "link"; readonly target: string };

/** Relative path (segments joined by "/") to entry, parents before children. */
export type Tree = ReadonlyMap<string, Entry>;

/** Writes `tree` under `root`, owned by uid:gid; entries whose parent is not a directory are left out. */
export function writeTree(root: string, tree: Tree, uid: number, gid: number): void {
  const dirModes: [string, number][] = [];
  for (const [rel, entry] of tree) {
    const p = path.join(root, rel);
    const parent = path.dirname(p);
    try {
      if (!lstatSync(parent).isDirectory()) continue;
    } catch {
      continue;
    }
    if (entry.kind === "file") {
      writeFileSync(p, entry.content);
      chmodSync(p, entry.mode);
    } else if (entry.kind === "dir") {
      mkdirSync(p);
      dirModes.push([p, entry.mode]);
    } else {
      symlinkSync(entry.target, p);
    }
    lchownSync(p, uid, gid);
  }
  for (const [p, mode] of dirModes.reverse()) chmodSync(p, mode);
}

export interface Node {
  readonly type: "file" | "dir" | "link" | "other";
  readonly mode: number;
  readonly uid: number;
  readonly sha256?: string;
  readonly target?: string;
}

/** Every path below `root` (relative), not following links. */
export function snapshot(root: string, skip: (rel: string) => boolean = () => false): Map<string, Node> {
  const out = new Map<string, Node>();
  const walk = (rel: string) => {
    const p = rel === "" ? root : path.join(root, rel);
    const st = lstatSync(p);
    const base = { mode: st.mode & 0o7777, uid: st.uid };
    if (st.isSymbolicLink()) out.set(rel, { type: "link", ...base, target: readlinkSync(p) });
    else if (st.isFile()) out.set(rel, { type: "file", ...base, sha256: createHash("sha256").update(readFileSync(p)).digest("hex") });
    else if (st.isDirectory()) {
      if (rel !== "") out.set(rel, { type: "dir", ...base });
      for (const name of readdirSync(p).sort()) {
        const child = rel === "" ? name : `${rel}/${name}`;
        if (!skip(child)) walk(child);
      }
    } else out.set(rel, { type: "other", ...base });
  };
  walk("");
  return out;
}
