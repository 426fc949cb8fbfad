// src/container/root/home.sh, the home-creating one-shot's script, under each shell, as root
// with CAP_CHOWN alone (what its container has): a home Docker just made becomes the
// user's, anything else by that name stays exactly as it is; the user's socket tree
// becomes root's and private, each socket directory root's and sticky (1777).
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, copyFileSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { removeShells, requireTools, type Shell, shells } from "../helpers/shells";

const SCRIPT = path.resolve(__dirname, "../../src/container/root/home.sh");
const UID = 4343;

let all: Shell[];
let script: string;
let root: string;
let dir: string;
beforeAll(() => {
  requireTools();
  if (process.getuid?.() !== 0) throw new Error("the home script's tests chown: run them as root (npm test does, in CI)");
  all = shells();
  root = mkdtempSync(path.join(tmpdir(), "homedock-homescript-"));
  script = path.join(root, "home.sh");
  copyFileSync(SCRIPT, script);
});
beforeEach(() => {
  dir = mkdtempSync(path.join(root, "case-"));
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  removeShells();
});

/** Runs the script as root with CAP_CHOWN alone, as its container does. */
function run(shell: Shell, args: readonly string[]): { status: number | null; stderr: string } {
  const interpreter = shell.argv.slice(0, -1);
  const r = spawnSync("/usr/bin/setpriv", ["--bounding-set=-all,+chown", "--inh-caps=-all", ...interpreter, script, ...args], {
    env: { PATH: shell.path },
    encoding: "utf8",
  });
  return { status: r.status, stderr: r.stderr };
}

/** Owner, mode (with the sticky bit) and kind of a path, not followed. */
function stat(p: string): string {
  const s = lstatSync(p);
  const kind = s.isSymbolicLink() ? "link" : s.isDirectory() ? "dir" : "file";
  return `${kind} ${s.uid}:${s.gid} ${(s.mode & 0o7777).toString(8)}`;
}

/** A directory as Docker makes a missing bind source: root's, 0755, empty. */
function dockerMade(p: string): void {
  mkdirSync(p);
  chmodSync(p, 0o755);
}

describe("home.sh", () => {
  it.each([0, 1, 2])("gives the empty root-owned 0755 directory Docker made to the user, with the home mode (shell %i)", (i) => {
    const home = path.join(dir, "home");
    dockerMade(home);
    const r = run(all[i], [home, "0750", `${UID}:${UID}`]);
    expect(r, all[i].name).toMatchObject({ status: 0 });
    expect(stat(home)).toBe(`dir ${UID}:${UID} 750`);
  });

  it.each([0, 1, 2])("leaves anything else by that name exactly as it is (shell %i)", (i) => {
    const cases: Record<string, () => void> = {
      owned: () => {
        mkdirSync(path.join(dir, "owned"), { mode: 0o700 });
        chownSync(path.join(dir, "owned"), 1234, 1234);
      },
      rootPrivate: () => {
        mkdirSync(path.join(dir, "rootPrivate"));
        chmodSync(path.join(dir, "rootPrivate"), 0o700);
      },
      rootFull: () => {
        dockerMade(path.join(dir, "rootFull"));
        writeFileSync(path.join(dir, "rootFull", "notes"), "kept\n");
      },
      file: () => writeFileSync(path.join(dir, "file"), ""),
    };
    for (const [name, make] of Object.entries(cases)) {
      make();
      const p = path.join(dir, name);
      const before = stat(p);
      const r = run(all[i], [p, "0700", `${UID}:${UID}`]);
      expect([name, r.status, stat(p)], r.stderr).toEqual([name, 0, before]);
    }
    expect(readdirSync(path.join(dir, "rootFull"))).toEqual(["notes"]);
  });

  it.each([0, 1, 2])(
    "makes the user's socket tree root's and private, each socket directory root's and sticky, an old one of the user's included (shell %i)",
    (i) => {
      const tree = path.join(dir, "alice");
      dockerMade(tree);
      mkdirSync(path.join(tree, "py"), { mode: 0o700 });
      chownSync(path.join(tree, "py"), UID, UID);
      const r = run(all[i], ["", "0700", `${UID}:${UID}`, tree, "py", "lab"]);
      expect(r, r.stderr).toMatchObject({ status: 0 });
      expect([stat(tree), stat(path.join(tree, "py")), stat(path.join(tree, "lab"))]).toEqual(["dir 0:0 700", "dir 0:0 1777", "dir 0:0 1777"]);
    },
  );

  it.each([0, 1, 2])("refuses a socket directory that is a link, and leaves the link and its target alone (shell %i)", (i) => {
    const tree = path.join(dir, "bob");
    dockerMade(tree);
    const elsewhere = path.join(dir, "elsewhere");
    mkdirSync(elsewhere, { mode: 0o700 });
    chownSync(elsewhere, UID, UID);
    symlinkSync(elsewhere, path.join(tree, "py"));
    const r = run(all[i], ["", "0700", `${UID}:${UID}`, tree, "py"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("is a link");
    expect([stat(path.join(tree, "py")), stat(elsewhere)]).toEqual([`link 0:0 777`, `dir ${UID}:${UID} 700`]);
  });
});
