// The shells the seeder must run under, each with the tools such an image has:
// busybox alone (its own sh, find, cp, ls), or dash/bash over Debian's GNU tools.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

const SEEDER = path.resolve(__dirname, "../../src/container/seed/entrypoint.sh");

export interface Shell {
  readonly name: string;
  /** argv that runs the seeder; more arguments are its command */
  readonly argv: readonly string[];
  /** PATH for the run: `sh` is this shell */
  readonly path: string;
}

const binDirs: string[] = [];

function binDir(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `homedock-${name}-`));
  spawnSync("chmod", ["755", dir]);
  binDirs.push(dir);
  return dir;
}

/** Removes what `shells()` made. */
export function removeShells(): void {
  for (const dir of binDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function shells(): Shell[] {
  // The seeder runs as another uid, which may not read the checkout (a clone under /root).
  const seeder = path.join(binDir("seeder"), "entrypoint.sh");
  copyFileSync(SEEDER, seeder);
  chmodSync(seeder, 0o644);
  const dashBin = binDir("dash");
  symlinkSync("/usr/bin/dash", path.join(dashBin, "sh"));
  const bashBin = binDir("bash");
  symlinkSync("/bin/bash", path.join(bashBin, "sh"));
  const busyboxBin = binDir("busybox");
  const applets = spawnSync("/bin/busybox", ["--list"], { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
  for (const applet of applets) symlinkSync("/bin/busybox", path.join(busyboxBin, applet));
  return [
    { name: "dash", argv: ["/usr/bin/dash", seeder], path: `${dashBin}:/usr/bin:/bin` },
    { name: "busybox ash", argv: ["/bin/busybox", "sh", seeder], path: busyboxBin },
    { name: "bash", argv: ["/bin/bash", "--posix", seeder], path: `${bashBin}:/usr/bin:/bin` },
  ];
}

export interface SeedRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The uid the seeder runs as, like a workspace user (root would bypass every permission). */
export const USER_UID = 4242;

/** Runs the real seeder as USER_UID under `shell`. */
export async function runSeeder(
  shell: Shell,
  env: { envDir: string; seedDir?: string; excludes?: string; extra?: Record<string, string> },
  command: readonly string[] = ["pwd"],
  wrap: readonly string[] = [],
): Promise<SeedRun> {
  const vars: Record<string, string> = { PATH: shell.path, HOME: path.dirname(env.envDir), HOMEDOCK_ENV_DIR: env.envDir, ...env.extra };
  if (env.seedDir !== undefined) vars.HOMEDOCK_SEED_DIR = env.seedDir;
  if (env.excludes !== undefined) vars.HOMEDOCK_SEED_EXCLUDES = env.excludes;
  const argv = [...wrap, "/usr/bin/setpriv", `--reuid=${USER_UID}`, `--regid=${USER_UID}`, "--clear-groups", ...shell.argv, ...command];
  const child = spawn(argv[0], argv.slice(1), { env: vars, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const status = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  return { status, stdout, stderr };
}

export function requireTools(): void {
  for (const tool of ["/usr/bin/dash", "/bin/busybox", "/bin/bash", "/usr/bin/setpriv"]) {
    if (!existsSync(tool)) throw new Error(`${tool} is missing: run scripts/setup-host.sh (it installs dash and busybox-static)`);
  }
  mkdirSync(tmpdir(), { recursive: true });
}
