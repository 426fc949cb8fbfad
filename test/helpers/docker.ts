// Real Docker for the tests: locally built images (nothing can be pulled here) and
// small wrappers around the docker and docker compose CLIs.
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import type { ContainerSpec } from "../../src/container/container";

const run = promisify(execFile);

export function requireDocker(): void {
  const info = spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], { encoding: "utf8" });
  if (info.status !== 0) {
    throw new Error(`no Docker engine answers (${info.stderr.trim()}): run scripts/setup-host.sh as root`);
  }
  const compose = spawnSync("docker", ["compose", "version"], { encoding: "utf8" });
  if (compose.status !== 0) throw new Error("docker compose is missing: run scripts/setup-host.sh as root");
}

/** The front door test images (proxy, login, the sign-in's limiter, Notebook 6, JupyterLab 4), built locally by the scripts named. */
export const FRONT_DOOR_IMAGES = {
  proxy: "homedock-test/caddy:current",
  login: "homedock-test/oauth2-proxy:current",
  limiter: "homedock-test/haproxy:current",
  notebook: "homedock-test/jupyter:current",
  lab: "homedock-test/jupyterlab:current",
} as const;

/**
 * A test host's frontDoor.login: the login's test image and, for a password login, the
 * limiter's; `login`'s keys over them (failedSignIns merged with the limiter's image).
 */
export function testLogin(login: { readonly method?: string; readonly failedSignIns?: object; readonly [key: string]: unknown } = {}): Record<string, unknown> {
  const limiter = login.method === "oidc" ? {} : { failedSignIns: { image: FRONT_DOOR_IMAGES.limiter, ...login.failedSignIns } };
  return { image: FRONT_DOOR_IMAGES.login, ...login, ...limiter };
}

/** Fails with the scripts to run when one of the front door test images (those named, else all) is missing. */
export function requireFrontDoorImages(
  names: readonly (keyof typeof FRONT_DOOR_IMAGES)[] = Object.keys(FRONT_DOOR_IMAGES) as (keyof typeof FRONT_DOOR_IMAGES)[],
): void {
  for (const image of names.map((name) => FRONT_DOOR_IMAGES[name])) {
    if (spawnSync("docker", ["image", "inspect", image], { stdio: "ignore" }).status !== 0) {
      throw new Error(`${image} is missing: run scripts/test-host.sh (as root), which builds it`);
    }
  }
}

export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run("docker", args, { maxBuffer: 64 << 20 });
  return stdout;
}

/** Runs docker; resolves with status and output instead of throwing. */
export async function dockerStatus(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run("docker", args, { maxBuffer: 64 << 20 });
    return { status: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { status: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/**
 * A busybox image built from Debian's busybox-static with `docker import`: every
 * applet in /bin, /tmp, and `seed` as the files of /home/jovyan (root-owned, like an
 * image's). Tagged by content, so it is built once per machine.
 */
export function busyboxImage(name: string, seed: Record<string, string>, options: { suidProbe?: boolean; shell?: string } = {}): string {
  const hash = createHash("sha256")
    .update(JSON.stringify({ seed, options, probe: options.suidProbe ? SUID_PROBE : "" }))
    .update(execFileSync("sha256sum", ["/bin/busybox"]))
    .digest("hex")
    .slice(0, 12);
  const tag = `homedock-test/${name}:${hash}`;
  if (spawnSync("docker", ["image", "inspect", tag], { stdio: "ignore" }).status === 0) return tag;
  const root = mkdtempSync(path.join(tmpdir(), "homedock-rootfs-"));
  try {
    for (const d of ["bin", "tmp", "etc", "home/jovyan", "proc", "sys", "dev"]) mkdirSync(path.join(root, d), { recursive: true });
    chmodSync(path.join(root, "tmp"), 0o1777);
    copyFileSync("/bin/busybox", path.join(root, "bin/busybox"));
    chmodSync(path.join(root, "bin/busybox"), 0o755);
    const applets = execFileSync("/bin/busybox", ["--list"], { encoding: "utf8" })
      .split("\n")
      .filter((a) => a && a !== "busybox");
    for (const applet of applets) symlinkSync("busybox", path.join(root, "bin", applet));
    writeFileSync(path.join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
    writeFileSync(path.join(root, "etc/group"), "root:x:0:\n");
    for (const [rel, content] of Object.entries(seed)) {
      const p = path.join(root, "home/jovyan", rel);
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, content);
    }
    if (options.shell !== undefined) {
      // A /bin/sh of the test's own (a script busybox runs) in place of busybox's.
      rmSync(path.join(root, "bin/sh"));
      writeFileSync(path.join(root, "bin/sh"), options.shell, { mode: 0o755 });
    }
    if (options.suidProbe) {
      // /bin/euid prints its effective uid; setuid root, so it says 0 wherever
      // setuid works. Static: the image has no libc.
      writeFileSync(path.join(root, "euid.c"), SUID_PROBE);
      execFileSync("gcc", ["-static", "-O2", "-o", path.join(root, "bin/euid"), path.join(root, "euid.c")]);
      rmSync(path.join(root, "euid.c"));
      chmodSync(path.join(root, "bin/euid"), 0o4755);
    }
    execFileSync("sh", ["-c", `tar -C "$1" -c . | docker import --change 'CMD ["sh"]' - "$2"`, "sh", root, tag], { stdio: "pipe" });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return tag;
}

const SUID_PROBE = '#include <stdio.h>\n#include <unistd.h>\nint main(void) { printf("%d\\n", (int)geteuid()); return 0; }\n';

/** A private directory tree for one scenario, removed by `cleanup`. */
export function scenarioRoot(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `homedock-${name}-`));
  chmodSync(dir, 0o755);
  return dir;
}

/** A short name unique to this run, usable as a host name, project and container prefix. */
export function uniqueName(prefix: string): string {
  return `${prefix}${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
}

/** Waits until `check` resolves true, or fails with `what`. */
export async function eventually(what: string, check: () => Promise<boolean>, seconds = 30): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${seconds}s waiting for ${what}`);
}

/** `docker run` arguments (after `run`) for a spec: a plain translation of its fields. */
export function dockerRunArgs(spec: ContainerSpec, network?: string): string[] {
  return [
    "--name",
    spec.name,
    "--user",
    spec.user,
    "--workdir",
    spec.workingDir,
    "--init",
    "--restart",
    spec.restart,
    ...(spec.memoryMiB === undefined ? [] : ["--memory", `${spec.memoryMiB}m`, "--memory-swap", `${spec.memoryMiB}m`]),
    ...(spec.nanoCpus === undefined ? [] : ["--cpus", String(spec.nanoCpus / 1e9)]),
    ...(spec.pidsLimit === undefined ? [] : ["--pids-limit", String(spec.pidsLimit)]),
    ...(network === undefined ? [] : ["--network", network]),
    ...spec.groupAdd.flatMap((g) => ["--group-add", g]),
    ...Object.entries(spec.env).flatMap(([k, v]) => ["--env", `${k}=${v}`]),
    ...Object.entries(spec.labels).flatMap(([k, v]) => ["--label", `${k}=${v}`]),
    ...spec.mounts.flatMap((m) => ["--mount", `type=bind,source=${m.source},target=${m.target}${m.readOnly ? ",readonly" : ""}`]),
    ...spec.securityOpts.flatMap((o) => ["--security-opt", o]),
    ...spec.capDrop.flatMap((c) => ["--cap-drop", c]),
    ...spec.capAdd.flatMap((c) => ["--cap-add", c]),
    "--entrypoint",
    spec.entrypoint[0],
    spec.image,
    ...spec.entrypoint.slice(1),
    ...spec.command,
  ];
}

/** A Terraform CLI config that takes kreuzwerker/docker from the filesystem mirror at `mirror`, and nothing else from it. */
export function providerMirrorConfig(mirror: string): string {
  return `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ["registry.terraform.io/kreuzwerker/docker"]\n  }\n  direct {\n    exclude = ["registry.terraform.io/kreuzwerker/docker"]\n  }\n}\n`;
}

/** What a Compose scenario leaves: its project (containers, networks, volumes) and its directory tree. */
export async function removeComposeHost(file: string | undefined, root: string | undefined): Promise<void> {
  if (file && existsSync(file)) await dockerStatus("compose", "-f", file, "down", "-v", "--remove-orphans");
  if (root) rmSync(root, { recursive: true, force: true });
}
