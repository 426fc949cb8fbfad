// src/container/root/door-setup.sh, the job that makes the front door's socket
// directories on a Swarm node, under each shell, as root with CAP_CHOWN alone (what its
// task has), with the arguments homedock gives it: the host's socket tree and each of the
// node's users' trees root's and private, each socket directory root's and sticky
// (1777), as one host's home one-shot makes them; a link in place of a tree is refused
// and not followed.
import { spawnSync } from "node:child_process";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildModel } from "../../src/model/model";
import { doorSetupCommand, SETUP_RUNTIME_MOUNT } from "../../src/container/swarm-door";
import { removeShells, requireTools, type Shell, shells } from "../helpers/shells";

let all: Shell[];
let root: string;
beforeAll(() => {
  requireTools();
  if (process.getuid?.() !== 0) throw new Error("the door setup script's tests chown: run them as root (npm test does, in CI)");
  all = shells();
  root = mkdtempSync(path.join(tmpdir(), "homedock-doorsetup-"));
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  removeShells();
});

const model = buildModel({
  host: { name: "lab", createHomes: false },
  frontDoor: { site: "lab.example.org" },
  swarm: { nodes: [{ name: "node-1" }, { name: "node-2" }] },
  environments: [
    { name: "py", image: "lab/py:1", command: ["jupyter", "notebook"], jupyter: "notebook" },
    { name: "nb", image: "lab/nb:1", command: ["jupyter", "notebook"], jupyter: "notebook" },
    { name: "shell", image: "lab/shell:1", command: ["sleep", "infinity"] },
  ],
  users: [
    { name: "alice", uid: 3001, gid: 3001, node: "node-1" },
    { name: "bob", uid: 3002, gid: 3002, node: "node-1" },
    { name: "carol", uid: 3003, gid: 3003, node: "node-2" },
  ],
});

/** Runs node-1's job with `runtime` as its runtime root, as root with CAP_CHOWN alone: `-c` and its script given to the shell. */
function run(shell: Shell, runtime: string): { status: number | null; stderr: string } {
  const [, ...args] = doorSetupCommand(model, "node-1").map((a) => (a.startsWith(SETUP_RUNTIME_MOUNT) ? a.replace(SETUP_RUNTIME_MOUNT, runtime) : a));
  const r = spawnSync("/usr/bin/setpriv", ["--bounding-set=-all,+chown", "--inh-caps=-all", ...shell.argv.slice(0, -1), ...args], {
    env: { PATH: shell.path },
    // Standard input not a socket: bash would take itself for a remote shell's and read ~/.bashrc.
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
  });
  return { status: r.status, stderr: r.stderr };
}

function stat(p: string): string {
  const s = lstatSync(p);
  return `${s.isSymbolicLink() ? "link" : s.isDirectory() ? "dir" : "file"} ${s.uid}:${s.gid} ${(s.mode & 0o7777).toString(8)}`;
}

describe("door-setup.sh", () => {
  it("makes the node's socket trees and directories, for its users alone, under each shell, and again without change", () => {
    for (const shell of all) {
      const runtime = mkdtempSync(path.join(root, "run-"));
      for (let i = 0; i < 2; i++) {
        const r = run(shell, runtime);
        expect([shell.name, r.status, r.stderr]).toEqual([shell.name, 0, ""]);
      }
      expect([shell.name, readdirSync(path.join(runtime, "lab")).sort()]).toEqual([shell.name, ["alice", "bob"]]);
      expect(stat(path.join(runtime, "lab"))).toBe("dir 0:0 700");
      for (const user of ["alice", "bob"]) {
        expect(stat(path.join(runtime, "lab", user))).toBe("dir 0:0 700");
        for (const env of ["nb", "py"]) expect([user, env, stat(path.join(runtime, "lab", user, env))]).toEqual([user, env, "dir 0:0 1777"]);
        expect(readdirSync(path.join(runtime, "lab", user)).sort()).toEqual([".deploy", "nb", "py"]);
      }
    }
  });

  it("refuses a link in place of the host's tree or a user's, and leaves what it leads to as it was", () => {
    for (const shell of all) {
      for (const at of ["lab", "lab/bob"]) {
        const runtime = mkdtempSync(path.join(root, "link-"));
        const elsewhere = mkdtempSync(path.join(root, "elsewhere-"));
        if (at === "lab/bob") mkdirSync(path.join(runtime, "lab"));
        symlinkSync(elsewhere, path.join(runtime, at));
        const r = run(shell, runtime);
        expect([shell.name, at, r.status, r.stderr.trim()]).toEqual([shell.name, at, 1, `homedock-door-setup: ${runtime}/${at} is a link`]);
        expect([stat(elsewhere), readdirSync(elsewhere)]).toEqual([`dir 0:0 700`, []]);
      }
    }
  });
});
