// The seeder's promises one by one, under each shell: exec and arguments, excludes,
// refusing an unwritable directory, a full disk, and a start that reads no user file.
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { removeShells, requireTools, runSeeder, type Shell, shells, USER_UID } from "../helpers/shells";

let all: Shell[];
let root: string;
beforeAll(() => {
  requireTools();
  all = shells();
});

let dir: string;
let seed: string;
let home: string;
let envDir: string;
beforeEach(() => {
  root ??= mkdtempSync(path.join(tmpdir(), "homedock-seedcase-"));
  chmodSync(root, 0o755);
  dir = mkdtempSync(path.join(root, "case-"));
  chmodSync(dir, 0o755);
  seed = path.join(dir, "seed");
  home = path.join(dir, "home");
  envDir = path.join(home, "env");
  mkdirSync(path.join(seed, "sub"), { recursive: true });
  writeFileSync(path.join(seed, "welcome.txt"), "welcome\n");
  writeFileSync(path.join(seed, "sub/run.sh"), "#!/bin/sh\n");
  chmodSync(path.join(seed, "sub/run.sh"), 0o750 | 0o005);
  mkdirSync(home, { mode: 0o700 });
  chownSync(home, USER_UID, USER_UID);
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  removeShells();
});

describe.each(["dash", "busybox ash", "bash"])("under %s, the seeder", (shellName) => {
  const shell = () => all.find((s) => s.name === shellName)!;

  it("execs the command in the environment directory with its arguments intact", async () => {
    const args = ["a b", "it's", 'say "hi"', "$HOME", "*", "", "-n"];
    const r = await runSeeder(
      shell(),
      { envDir, seedDir: seed },
      ["sh", "-c", 'pwd; for a; do printf "<%s>\\n" "$a"; done; echo "pid $$"', "x", ...args],
      ["sh", "-c", 'echo "seeder $$"; exec "$@"', "wrap"],
    );
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split("\n");
    // exec all the way down: the server is the process the container started.
    expect(lines[0].replace("seeder", "pid")).toBe(lines.at(-2));
    expect(lines.slice(1, -2)).toEqual([envDir, ...args.map((a) => `<${a}>`)]);
  });

  it("sets the Jupyter paths for the environment unless given", async () => {
    const r = await runSeeder(shell(), { envDir, seedDir: seed }, ["sh", "-c", 'echo "$JUPYTER_CONFIG_DIR|$JUPYTER_DATA_DIR"']);
    expect(r.stdout).toBe(`${envDir}/.jupyter|${envDir}/.local/share/jupyter\n`);
  });

  it("keeps modes but not setuid bits, and skips configured excludes", async () => {
    chmodSync(path.join(seed, "welcome.txt"), 0o4755);
    mkdirSync(path.join(seed, "big data"));
    writeFileSync(path.join(seed, "big data/x"), "x");
    writeFileSync(path.join(seed, "note.tmp"), "x");
    const r = await runSeeder(shell(), { envDir, seedDir: seed, excludes: "big data\n*.tmp" }, ["true"]);
    expect(r.status, r.stderr).toBe(0);
    expect(lstatSync(path.join(envDir, "sub/run.sh")).mode & 0o7777).toBe(0o755);
    expect(lstatSync(path.join(envDir, "welcome.txt")).mode & 0o7777).toBe(0o755);
    expect(existsSync(path.join(envDir, "big data"))).toBe(false);
    expect(existsSync(path.join(envDir, "note.tmp"))).toBe(false);
    expect(existsSync(path.join(envDir, ".cache"))).toBe(false);
  });

  it("refuses an environment directory it cannot write, naming path, owner and uid", async () => {
    // A home left behind by an account re-created with another uid.
    chownSync(home, 3000, 3000);
    const r = await runSeeder(shell(), { envDir, seedDir: seed }, ["echo", "server started"]);
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`homedock-seed: cannot write ${envDir}: ${home} belongs to uid 3000 (mode drwx------), this workspace runs as uid ${USER_UID}\n`);
  });

  it("starts with nothing new without reading the user's files", async () => {
    expect((await runSeeder(shell(), { envDir, seedDir: seed }, ["true"])).status).toBe(0);
    mkdirSync(path.join(envDir, "private"), { mode: 0 });
    writeFileSync(path.join(envDir, "data.csv"), "1,2\n");
    chownSync(path.join(envDir, "private"), USER_UID, USER_UID);
    const r = await runSeeder(
      shell(),
      { envDir, seedDir: seed },
      ["true"],
      ["/usr/bin/strace", "-f", "-qq", "-e", "trace=%file,%desc", "-e", "signal=none", "-o", path.join(dir, "trace")],
    );
    expect([r.status, r.stderr]).toEqual([0, ""]);
    const touched = readFileSync(path.join(dir, "trace"), "utf8")
      .split("\n")
      .flatMap((line) => [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]))
      .filter((p) => p.startsWith(envDir));
    const allowed = new Set([envDir, `${envDir}/.homedock/seed-stamp`]);
    expect([...new Set(touched)].filter((p) => !allowed.has(p))).toEqual([]);
    expect(touched).toContain(`${envDir}/.homedock/seed-stamp`);
  });

  it("reports a copy that fails part-way, records nothing of it, starts the server and retries", async () => {
    // A 1 MiB file into a home with 256 KiB of room.
    const tmpfs = spawnSync("mount", ["-t", "tmpfs", "-o", `size=256k,mode=0700,uid=${USER_UID},gid=${USER_UID}`, "homedock-full", home]);
    expect(tmpfs.status, String(tmpfs.stderr)).toBe(0);
    try {
      writeFileSync(path.join(seed, "sub/big.bin"), Buffer.alloc(1 << 20, 7));
      const r = await runSeeder(shell(), { envDir, seedDir: seed }, ["echo", "server started"]);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe("server started\n");
      expect(r.stderr).toContain("homedock-seed: could not copy sub/big.bin");
      expect(r.stderr).toContain("it is tried again at the next start");
      expect(existsSync(path.join(envDir, "sub/big.bin"))).toBe(false);
      expect(readFileSync(path.join(envDir, "welcome.txt"), "utf8")).toBe("welcome\n");
      expect(spawnSync("ls", ["-A", path.join(envDir, ".homedock")], { encoding: "utf8" }).stdout).toBe("seeded\n");

      expect(spawnSync("mount", ["-o", "remount,size=4m", home]).status).toBe(0);
      const again = await runSeeder(shell(), { envDir, seedDir: seed }, ["true"]);
      expect([again.status, again.stderr]).toEqual([0, `homedock-seed: copied 1 new entries into ${envDir}\n`]);
      expect(lstatSync(path.join(envDir, "sub/big.bin")).size).toBe(1 << 20);
    } finally {
      spawnSync("umount", [home]);
    }
  });

  it("needs the environment directory and a command", async () => {
    const none = await runSeeder(shell(), { envDir: "relative/dir", seedDir: seed }, ["true"]);
    expect([none.status, none.stderr]).toEqual([2, "homedock-seed: HOMEDOCK_ENV_DIR must be an absolute path, got 'relative/dir'\n"]);
    const noCommand = await runSeeder(shell(), { envDir, seedDir: seed }, []);
    expect([noCommand.status, noCommand.stderr]).toEqual([2, "homedock-seed: no server command given\n"]);
  });
});
