// src/container/root/home.sh, the script of the one-shot that makes the homes of one home
// image's users, under each shell, as root with CAP_CHOWN alone (what its container has):
// a home Docker just made becomes its user's, anything else by that name stays exactly as
// it is (and fails where it is not a directory of the user's); each user's socket tree
// becomes root's and private, each socket directory root's and sticky (1777); one user's
// failure stops nothing of the others'.
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  copyFileSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { removeShells, requireTools, type Shell, shells } from "../helpers/shells";

const SCRIPT = path.resolve(__dirname, "../../src/container/root/home.sh");
const UID = 4343;
const MODE = "0700";

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

/** Each home given to user() since the last run: bound, as Docker binds it, at its mount point. */
let binds: [string, string][] = [];

/**
 * Runs the script as root with CAP_CHOWN alone, as its container does, in a mount
 * namespace of its own where each home given to user() is bound (a link followed, as
 * Docker's bind follows it) at the mount point the script is told.
 */
function run(shell: Shell, args: readonly string[]): { status: number | null; stderr: string } {
  const pairs = binds;
  binds = [];
  for (const [source, target] of pairs) {
    mkdirSync(path.dirname(target), { recursive: true });
    if (statSync(source).isDirectory()) mkdirSync(target);
    else writeFileSync(target, "");
  }
  const interpreter = shell.argv.slice(0, -1);
  const bind = 'while [ "$1" != -- ]; do mount --bind "$1" "$2" || exit 99; shift 2; done; shift; exec "$@"';
  const r = spawnSync(
    "/usr/bin/unshare",
    [
      "-m",
      "--propagation",
      "private",
      "/bin/sh",
      "-c",
      bind,
      "bind",
      ...pairs.flat(),
      "--",
      "/usr/bin/setpriv",
      "--bounding-set=-all,+chown",
      "--inh-caps=-all",
      ...interpreter,
      script,
      ...args,
    ],
    { env: { PATH: shell.path }, encoding: "utf8" },
  );
  for (const [, target] of pairs) rmSync(target, { recursive: true, force: true });
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

/**
 * One user's arguments: name, where the home is mounted ("-" without one), its path on the
 * host, owner, socket tree ("-" without one), then its environments. The home is bound at
 * its mount point when the script runs.
 */
function user(name: string, home: string, owner: string, tree = "-", envs: readonly string[] = []): string[] {
  let mount = "-";
  if (home !== "") {
    mount = path.join(dir, ".mounts", name);
    binds.push([home, mount]);
  }
  return [
    name,
    mount,
    home === "" ? "-" : home.replace(/[\\ ]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, "0")}`),
    owner,
    tree,
    String(envs.length),
    ...envs,
  ];
}

describe("home.sh", () => {
  it.each([0, 1, 2])("gives the empty root-owned 0755 directory Docker made to the user, with the home mode (shell %i)", (i) => {
    const home = path.join(dir, "home");
    dockerMade(home);
    const r = run(all[i], ["0750", ...user("alice", home, `${UID}:${UID}`)]);
    expect(r, all[i].name).toMatchObject({ status: 0 });
    expect(stat(home)).toBe(`dir ${UID}:${UID} 750`);
  });

  it.each([0, 1, 2])("leaves anything else by that name exactly as it is; a file, or a directory of root's, fails (shell %i)", (i) => {
    const cases: Record<string, [() => void, number]> = {
      mine: [
        () => {
          mkdirSync(path.join(dir, "mine"), { mode: 0o751 });
          chownSync(path.join(dir, "mine"), UID, 1234);
        },
        0,
      ],
      emptyMine: [
        () => {
          mkdirSync(path.join(dir, "emptyMine"));
          chmodSync(path.join(dir, "emptyMine"), 0o755);
          chownSync(path.join(dir, "emptyMine"), UID, UID);
        },
        0,
      ],
      // An account made again with another uid: left to the admin (homedock users check says so).
      otherUid: [
        () => {
          mkdirSync(path.join(dir, "otherUid"), { mode: 0o700 });
          chownSync(path.join(dir, "otherUid"), 1234, 1234);
        },
        0,
      ],
      rootPrivate: [
        () => {
          mkdirSync(path.join(dir, "rootPrivate"));
          chmodSync(path.join(dir, "rootPrivate"), 0o700);
        },
        1,
      ],
      rootFull: [
        () => {
          dockerMade(path.join(dir, "rootFull"));
          writeFileSync(path.join(dir, "rootFull", "notes"), "kept\n");
        },
        1,
      ],
      file: [() => writeFileSync(path.join(dir, "file"), ""), 1],
      // Docker binds what a link leads to: the script sees /etc, or an empty directory of root's.
      linkToEtc: [() => symlinkSync("/etc", path.join(dir, "linkToEtc")), 1],
      linkToEmpty: [
        () => {
          dockerMade(path.join(dir, "empty"));
          symlinkSync(path.join(dir, "empty"), path.join(dir, "linkToEmpty"));
        },
        1,
      ],
    };
    for (const [name, [make, status]] of Object.entries(cases)) {
      make();
      const p = path.join(dir, name);
      const before = stat(p);
      const r = run(all[i], [MODE, ...user(name, p, `${UID}:${UID}`)]);
      expect([name, r.status, stat(p)], r.stderr).toEqual([name, status, before]);
      if (status !== 0) expect(r.stderr).toContain(`${name}: the home is`);
    }
    expect(readdirSync(path.join(dir, "rootFull"))).toEqual(["notes"]);
    expect(stat("/etc")).toBe("dir 0:0 755");
    // What the link led to, which looks just made by Docker, is not given to the user.
    expect(stat(path.join(dir, "empty"))).toBe("dir 0:0 755");
  });

  it.each([0, 1, 2])("a home that is a link to another user's home is left as it is, and so is that home, and fails (shell %i)", (i) => {
    const bob = path.join(dir, "bob");
    mkdirSync(bob, { mode: 0o700 });
    chownSync(bob, UID + 1, UID + 1);
    writeFileSync(path.join(bob, "secret"), "bob's\n");
    // Empty and root's, as if Docker had just made it: it still is not mallory's.
    const carol = path.join(dir, "carol");
    dockerMade(carol);
    for (const [victim, seen] of [
      [bob, `dir ${UID + 1}:${UID + 1} 700`],
      [carol, "dir 0:0 755"],
    ]) {
      const mallory = path.join(dir, "mallory");
      symlinkSync(victim, mallory);
      const r = run(all[i], [MODE, ...user("mallory", mallory, `${UID}:${UID}`)]);
      expect([r.status, stat(victim), stat(mallory)]).toEqual([1, seen, "link 0:0 777"]);
      expect(r.stderr).toContain(`mallory: the home is bound from ${victim} (a link?), not from ${mallory}: left as it is`);
      rmSync(mallory);
    }
    expect(readdirSync(bob)).toEqual(["secret"]);
  });

  it.each([0, 1, 2])("a home with a space in its path is made (shell %i)", (i) => {
    const spaced = path.join(dir, "my homes", "alice");
    mkdirSync(path.dirname(spaced));
    dockerMade(spaced);
    expect(run(all[i], [MODE, ...user("alice", spaced, `${UID}:${UID}`)]).status).toBe(0);
    expect(stat(spaced)).toBe(`dir ${UID}:${UID} 700`);
  });

  it.each([0, 1, 2])("makes every user's home in turn; one user's odd home stops none of the others, and fails naming that user (shell %i)", (i) => {
    const [alice, bob, carol, dave] = ["alice", "bob", "carol", "dave"].map((u) => path.join(dir, u));
    dockerMade(alice);
    writeFileSync(bob, "not a home\n");
    dockerMade(carol);
    mkdirSync(dave, { mode: 0o711 });
    chownSync(dave, UID + 3, UID + 3);
    const tree = path.join(dir, "run-carol");
    dockerMade(tree);
    const r = run(all[i], [
      "0750",
      ...user("alice", alice, `${UID}:${UID}`),
      ...user("bob", bob, `${UID + 1}:${UID + 1}`),
      ...user("carol", carol, `${UID + 2}:${UID + 2}`, tree, ["py"]),
      ...user("dave", dave, `${UID + 3}:${UID + 3}`),
    ]);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain("bob: the home is not a directory: left as it is");
    expect(r.stderr).toMatch(/failed for: bob \(/);
    expect([stat(alice), stat(bob), stat(carol), stat(dave)]).toEqual([
      `dir ${UID}:${UID} 750`,
      "file 0:0 644",
      `dir ${UID + 2}:${UID + 2} 750`,
      `dir ${UID + 3}:${UID + 3} 711`,
    ]);
    expect([stat(tree), stat(path.join(tree, "py")), stat(path.join(tree, ".deploy/nonce"))]).toEqual(["dir 0:0 700", "dir 0:0 1777", "file 0:0 644"]);
  });

  it.each([0, 1, 2])("refuses arguments it cannot read, before touching anything (shell %i)", (i) => {
    const home = path.join(dir, "home");
    dockerMade(home);
    for (const args of [
      [],
      [MODE, "alice", home, `${UID}:${UID}`, ""],
      [MODE, ...user("alice", home, `${UID}:${UID}`).slice(0, 4), "x"],
      [MODE, "alice", home, `${UID}:${UID}`, "", "2", "py"],
    ]) {
      const r = run(all[i], args);
      expect([args, r.status]).toEqual([args, 2]);
    }
    expect(stat(home)).toBe("dir 0:0 755");
  });

  it.each([0, 1, 2])(
    "makes the user's socket tree root's and private, each socket directory root's and sticky, an old one of the user's included (shell %i)",
    (i) => {
      const tree = path.join(dir, "alice");
      dockerMade(tree);
      mkdirSync(path.join(tree, "py"), { mode: 0o700 });
      chownSync(path.join(tree, "py"), UID, UID);
      const r = run(all[i], [MODE, ...user("alice", "", `${UID}:${UID}`, tree, ["py", "lab"])]);
      expect(r, r.stderr).toMatchObject({ status: 0 });
      expect([stat(tree), stat(path.join(tree, "py")), stat(path.join(tree, "lab"))]).toEqual(["dir 0:0 700", "dir 0:0 1777", "dir 0:0 1777"]);
    },
  );

  it.each([0, 1, 2])("writes each user's deploy nonce anew on every run, root's and readable (shell %i)", (i) => {
    const trees = ["alice", "bob"].map((u) => path.join(dir, `run-${u}`));
    for (const t of trees) dockerMade(t);
    const args = [MODE, ...user("alice", "", `${UID}:${UID}`, trees[0], ["py"]), ...user("bob", "", `${UID + 1}:${UID + 1}`, trees[1], ["py"])];
    const nonces = () => trees.map((t) => readFileSync(path.join(t, ".deploy/nonce"), "utf8"));
    expect(run(all[i], args).status).toBe(0);
    const first = nonces();
    expect(run(all[i], args).status).toBe(0);
    const second = nonces();
    for (const n of [...first, ...second]) expect(n).toMatch(/^[0-9a-f-]{36}\n$/);
    expect(new Set([...first, ...second]).size).toBe(4);
    expect(trees.map((t) => stat(path.join(t, ".deploy")))).toEqual(["dir 0:0 755", "dir 0:0 755"]);
  });

  it.each([0, 1, 2])("refuses a socket directory that is a link, and leaves the link and its target alone (shell %i)", (i) => {
    const tree = path.join(dir, "bob");
    dockerMade(tree);
    const elsewhere = path.join(dir, "elsewhere");
    mkdirSync(elsewhere, { mode: 0o700 });
    chownSync(elsewhere, UID, UID);
    symlinkSync(elsewhere, path.join(tree, "py"));
    const r = run(all[i], [MODE, ...user("bob", "", `${UID}:${UID}`, tree, ["py"])]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("bob: " + path.join(tree, "py") + " is a link");
    expect([stat(path.join(tree, "py")), stat(elsewhere)]).toEqual([`link 0:0 777`, `dir ${UID}:${UID} 700`]);
  });
});
