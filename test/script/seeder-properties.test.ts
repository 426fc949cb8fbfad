// The real seeder, under dash, busybox ash and bash, against generated trees: what
// the user has is never changed, nothing is written outside the environment
// directory, the seed arrives where it may, and the manifest rules hold.
import { chmodSync, lchownSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeShells, requireTools, runSeeder, type Shell, shells, USER_UID } from "../helpers/shells";
import { type Entry, snapshot, type Tree, writeTree } from "../helpers/trees";

const NAMES = [
  "a",
  "b c",
  "-rf",
  "*",
  "new\nline",
  "ünï",
  "x'y",
  'q"z',
  "back\\slash",
  ".hidden",
  ".cache",
  "d",
  "-",
  " lead",
  "trail ",
  "[x]",
  "$HOME",
  "e*f",
  "--",
];
const RUNS_PER_SHELL = Number(process.env.SEED_RUNS ?? 350);

let root: string;
let all: Shell[];
beforeAll(() => {
  requireTools();
  all = shells();
  root = mkdtempSync(path.join(tmpdir(), "homedock-seedprop-"));
  chmodSync(root, 0o755);
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  removeShells();
});

const segments = fc.array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 3 });

function treeArb(entry: fc.Arbitrary<Entry>): fc.Arbitrary<Tree> {
  return fc.array(fc.tuple(segments, entry), { maxLength: 14 }).map((items) => {
    const tree = new Map<string, Entry>();
    for (const [segs, e] of items) {
      let ok = true;
      for (let i = 1; i < segs.length && ok; i++) {
        const parent = segs.slice(0, i).join("/");
        const have = tree.get(parent);
        if (have === undefined) tree.set(parent, { kind: "dir", mode: 0o755 });
        else if (have.kind !== "dir") ok = false;
      }
      const rel = segs.join("/");
      if (ok && !tree.has(rel)) tree.set(rel, e);
    }
    return tree;
  });
}

const content = fc.string({ maxLength: 24 });
const seedEntry = (outside: string): fc.Arbitrary<Entry> =>
  fc.oneof(
    fc.record({ kind: fc.constant("file" as const), content, mode: fc.constantFrom(0o644, 0o755, 0o444, 0o555, 0o640 | 0o004) }),
    fc.record({ kind: fc.constant("dir" as const), mode: fc.constantFrom(0o755, 0o555, 0o775) }),
    fc.record({ kind: fc.constant("link" as const), target: fc.constantFrom("a", "b c/d", "nowhere", `${outside}/dir`, `${outside}/file`, "../../outside") }),
  );
const userEntry = (outside: string): fc.Arbitrary<Entry> =>
  fc.oneof(
    fc.record({ kind: fc.constant("file" as const), content, mode: fc.constantFrom(0o644, 0o600, 0o000, 0o755) }),
    fc.record({ kind: fc.constant("dir" as const), mode: fc.constantFrom(0o755, 0o700) }),
    fc.record({ kind: fc.constant("link" as const), target: fc.constantFrom(`${outside}/dir`, `${outside}/file`, "nowhere", "a", ".") }),
  );

const isExcluded = (rel: string) => [".cache", ".homedock"].includes(rel.split("/")[0]);
const ancestors = (rel: string) =>
  rel
    .split("/")
    .slice(0, -1)
    .map((_, i, segs) => segs.slice(0, i + 1).join("/"));

describe.each(["dash", "busybox ash", "bash"])("the seeder under %s", (shellName) => {
  it(`keeps user data and seeds what it may, over ${RUNS_PER_SHELL} generated trees`, async () => {
    const shell = all.find((s) => s.name === shellName)!;
    let n = 0;
    const outsideOf = (dir: string) => path.join(dir, "outside");
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(treeArb(seedEntry("/OUTSIDE")), treeArb(userEntry("/OUTSIDE")), fc.boolean(), fc.boolean()),
        async ([seedTree, userTree, envExists, swapDirForLink]) => {
          const dir = path.join(root, `${shellName.replace(/ /g, "-")}-${n++}`);
          const outside = outsideOf(dir);
          const fix = (t: Tree): Tree => new Map([...t].map(([k, e]) => [k, e.kind === "link" ? { ...e, target: e.target.replace("/OUTSIDE", outside) } : e]));
          const seed = path.join(dir, "seed");
          const home = path.join(dir, "home");
          const envDir = path.join(home, "env");
          mkdirSync(dir);
          chmodSync(dir, 0o755);
          // Writable by the user, so a write through a link would show, not fail.
          writeTree(
            dir,
            new Map<string, Entry>([
              ["outside", { kind: "dir", mode: 0o755 }],
              ["outside/dir", { kind: "dir", mode: 0o755 }],
              ["outside/file", { kind: "file", content: "outside", mode: 0o644 }],
              ["home", { kind: "dir", mode: 0o700 }],
            ]),
            USER_UID,
            USER_UID,
          );
          mkdirSync(seed);
          writeTree(seed, fix(seedTree), 0, 0);
          if (envExists || userTree.size > 0) {
            mkdirSync(envDir);
            lchownSync(envDir, USER_UID, USER_UID);
            writeTree(envDir, fix(userTree), USER_UID, USER_UID);
          }
          const seedBefore = snapshot(seed);
          const outsideBefore = snapshot(outside);
          const before = envExists || userTree.size > 0 ? snapshot(envDir) : new Map();

          const first = await runSeeder(shell, { envDir, seedDir: seed });
          expect(first.stderr).not.toMatch(/could not|incomplete|cannot/);
          expect(first.status).toBe(0);
          expect(first.stdout).toBe(`${envDir}\n`);
          const after = snapshot(envDir, (rel) => rel === ".homedock");

          for (const [rel, node] of before) expect(after.get(rel), `user's ${JSON.stringify(rel)}`).toEqual(node);
          for (const [rel, s] of seedBefore) {
            if (isExcluded(rel) || before.has(rel)) continue;
            const reachable = ancestors(rel).every((a) => after.get(a)?.type === "dir");
            const got = after.get(rel);
            if (!reachable) {
              expect(got, `seed ${JSON.stringify(rel)} behind a non-directory`).toBeUndefined();
              continue;
            }
            expect(got, `seed ${JSON.stringify(rel)}`).toBeDefined();
            expect(got!.type).toBe(s.type);
            expect(got!.uid).toBe(USER_UID);
            if (s.type === "file") expect([got!.sha256, got!.mode]).toEqual([s.sha256, s.mode]);
            if (s.type === "dir") expect(got!.mode).toBe(s.mode | 0o700);
            if (s.type === "link") expect(got!.target).toBe(s.target);
          }
          for (const rel of after.keys()) {
            expect(before.has(rel) || (seedBefore.has(rel) && !isExcluded(rel)), `unexpected ${JSON.stringify(rel)}`).toBe(true);
          }
          expect(snapshot(outside)).toEqual(outsideBefore);
          expect(snapshot(seed)).toEqual(seedBefore);

          // Nothing new: nothing said, nothing changed.
          const whole = snapshot(envDir);
          const again = await runSeeder(shell, { envDir, seedDir: seed });
          expect([again.status, again.stderr, again.stdout]).toEqual([0, "", `${envDir}\n`]);
          expect(snapshot(envDir)).toEqual(whole);

          // The user deletes a seeded file, and may swap a seeded directory for a link
          // out of the environment; the image is upgraded with new files, one of them
          // inside that directory.
          const seededBy = (type: string) =>
            [...after].find(([rel, node]) => node.type === type && !before.has(rel) && seedBefore.get(rel)?.type === type)?.[0];
          const seededFile = seededBy("file");
          const seededDir = seededBy("dir");
          if (seededFile) unlinkSync(path.join(envDir, seededFile));
          writeFileSync(path.join(seed, "zz-new"), "new in the upgrade");
          const inner = seededDir === undefined ? undefined : `${seededDir}/zz-inner`;
          if (inner) {
            writeFileSync(path.join(seed, inner), "new inside a directory");
            if (swapDirForLink) {
              rmSync(path.join(envDir, seededDir!), { recursive: true });
              writeTree(envDir, new Map([[seededDir!, { kind: "link", target: `${outside}/dir` }]]), USER_UID, USER_UID);
            }
          }
          const upgrade = await runSeeder(shell, { envDir, seedDir: seed });
          expect(upgrade.status).toBe(0);
          const upgraded = snapshot(envDir, (rel) => rel === ".homedock");
          const seedNow = snapshot(seed);
          if (seededFile) expect(upgraded.has(seededFile), `deleted ${JSON.stringify(seededFile)} came back`).toBe(false);
          expect(upgraded.get("zz-new")?.sha256).toBe(seedNow.get("zz-new")!.sha256);
          if (inner && swapDirForLink) {
            expect(upgraded.get(seededDir!)?.type).toBe("link");
          } else if (inner) {
            expect(upgraded.get(inner)?.sha256).toBe(seedNow.get(inner)!.sha256);
          }
          expect(snapshot(outside)).toEqual(outsideBefore);
          rmSync(dir, { recursive: true, force: true });
        },
      ),
      { numRuns: RUNS_PER_SHELL },
    );
  }, 600_000);
});
