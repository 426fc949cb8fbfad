// Reading the Docker host's accounts and homes through the Docker API: one one-shot
// container (`docker run --rm`, so DOCKER_HOST, ssh:// included, picks the host) with
// the host's /etc/passwd, /etc/group and the directories holding the homes mounted
// read-only, running src/container/root/host-accounts.sh in an image the host already has.
import * as path from "node:path";
import type { HostModel } from "../model/model";
import { LABEL_ROLE, ROLE } from "../container/container";
import { ONE_SHOT_LIMITS, rootScript } from "../container/common";
import { type AccountDatabase, AccountDatabaseError, parseAccountDatabase } from "./account-db";
import type { HomeState, HostSnapshot } from "./check";
import { bindMountArgs, type Docker, dockerCli, HostUnreadableError, notAnswering } from "../docker/docker-cli";

/** Embedded (src/container/scripts.ts), as the other scripts run as root in a container: the compiled or bundled command reads no file beside itself. */
const SCRIPT = rootScript("host-accounts.sh");

/** Images worth trying, in order: the home-creating image, then each environment's. */
export function candidateImages(model: HostModel): string[] {
  return [...new Set([...(model.initImage ? [model.initImage] : []), ...model.environments.map((e) => e.image)])];
}

/** The directories to mount so every home can be looked at: each home's parent, none inside another. */
export function homeParents(homes: readonly string[]): string[] {
  // A home right under / is mounted itself: the host's root never is.
  const dirs = [...new Set(homes.map((h) => (path.posix.dirname(h) === "/" ? h : path.posix.dirname(h))))].sort();
  return dirs.filter((d, i) => !dirs.slice(0, i).some((p) => d.startsWith(`${p}/`)));
}

/**
 * Parses the script's output (see host-accounts.sh).
 * @throws HostUnreadableError when a section is missing or the host's passwd or group cannot be trusted
 */
export function parseSnapshot(output: string, source: string): HostSnapshot {
  const sections = new Map<string, string>();
  for (const part of output.split(/^@@homedock /m).slice(1)) {
    const newline = part.indexOf("\n");
    sections.set(part.slice(0, newline === -1 ? undefined : newline), newline === -1 ? "" : part.slice(newline + 1));
  }
  const missing = ["passwd", "group", "homes"].filter((s) => !sections.has(s));
  if (missing.length > 0) throw new HostUnreadableError(`${source}: the check's output has no ${missing.join(", ")}: ${output.slice(0, 200)}`);
  let db: AccountDatabase;
  try {
    db = parseAccountDatabase(sections.get("passwd")!, sections.get("group")!, {
      passwd: `${source}: /etc/passwd`,
      group: `${source}: /etc/group`,
    });
  } catch (err) {
    // The host's own files: accounts that cannot be trusted are a host that cannot be read.
    throw err instanceof AccountDatabaseError ? new HostUnreadableError(err.message) : err;
  }
  const homes = new Map<string, HomeState>();
  for (const line of sections.get("homes")!.split("\n")) {
    const tab = line.lastIndexOf("\t");
    if (tab === -1) continue;
    const [home, state] = [line.slice(0, tab), line.slice(tab + 1)];
    const m = /^([0-9]+) ([0-9]+) (.+)$/.exec(state);
    homes.set(home, m ? { uid: Number(m[1]), gid: Number(m[2]), type: m[3] } : "missing");
  }
  return { db, homes };
}

/**
 * What follows the hardening in `docker run` or `docker service create` arguments of
 * the check (both take --mount): the host's passwd and group, `mounts` (host
 * directories) read-only, and the script in `image` over `homes`.
 */
export function accountsProbeArgs(image: string, mounts: readonly string[], homes: readonly string[]): string[] {
  const bind = (source: string, target: string) => bindMountArgs(source, target, true);
  return [
    ...bind("/etc/passwd", "/homedock/etc/passwd"),
    ...bind("/etc/group", "/homedock/etc/group"),
    ...mounts.flatMap((m) => bind(m, `/homedock/root${m}`)),
    "--entrypoint",
    "/bin/sh",
    image,
    "-c",
    SCRIPT,
    "host-accounts",
    ...homes,
  ];
}

/** `docker run` arguments that run the script in `image` with `mounts` (host directories). */
export function checkRunArgs(image: string, mounts: readonly string[], homes: readonly string[]): string[] {
  return [
    "run",
    "--rm",
    "--pull",
    "never",
    "--network",
    "none",
    "--read-only",
    "--user",
    "0:0",
    // Reading only: looking into homes of mode 0700 takes DAC_READ_SEARCH, nothing else.
    "--cap-drop",
    "ALL",
    "--cap-add",
    "DAC_READ_SEARCH",
    "--security-opt",
    "no-new-privileges",
    // Limits, as every one-shot homedock runs has.
    "--memory",
    `${ONE_SHOT_LIMITS.memoryMiB}m`,
    "--memory-swap",
    `${ONE_SHOT_LIMITS.memoryMiB}m`,
    "--cpus",
    String(ONE_SHOT_LIMITS.nanoCpus / 1e9),
    "--pids-limit",
    String(ONE_SHOT_LIMITS.pidsLimit),
    "--label",
    `${LABEL_ROLE}=${ROLE.usersCheck}`,
    ...accountsProbeArgs(image, mounts, homes),
  ];
}

/** The homes of `model`'s users, each once. */
export function configHomes(model: HostModel): string[] {
  return [...new Set(model.users.map((u) => u.home))];
}

/** The bind source a failed check names as missing: a directory of homes not there, whose homes are then missing. */
export function missingMount(message: string, mounts: readonly string[]): string | undefined {
  const gone = /bind source path does not exist: (\S+)/.exec(message)?.[1];
  return gone !== undefined && mounts.includes(gone) ? gone : undefined;
}

/** Why the check's script failed, in its own words where it said them (`@@homedock error: ...`). */
export function scriptError(output: string): string | undefined {
  return output.match(/^@@homedock error: (.*)$/m)?.[1];
}

/**
 * Reads the Docker host's accounts and the homes of `model` through `docker`.
 * @throws HostUnreadableError when Docker does not answer or no candidate image can run the script
 */
export function readHost(model: HostModel, docker: Docker = dockerCli): HostSnapshot & { readonly image: string } {
  const homes = configHomes(model);
  const tried: string[] = [];
  for (const image of candidateImages(model)) {
    let mounts = homeParents(homes);
    // A directory missing on the host cannot be mounted: its homes are missing, the rest is read.
    for (;;) {
      const r = docker(checkRunArgs(image, mounts, homes));
      if (r.error) throw new HostUnreadableError(`cannot run docker: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}`);
      if (r.status === 0) return { ...parseSnapshot(r.stdout, "the Docker host"), image };
      const gone = missingMount(r.stderr, mounts);
      if (gone !== undefined) {
        mounts = mounts.filter((m) => m !== gone);
        continue;
      }
      const reason = (scriptError(r.stdout) ?? r.stderr.match(/^docker: (.*)$/m)?.[1] ?? r.stderr.trim().split("\n").pop() ?? "").trim();
      if (notAnswering(reason)) throw new HostUnreadableError(`the Docker host does not answer: ${reason}`);
      tried.push(`${image} (${reason || `exit status ${r.status}`})`);
      break;
    }
  }
  throw new HostUnreadableError(
    `no image on the Docker host can run the check (it needs /bin/sh, cat and stat; none is pulled): tried ${tried.join("; ") || "nothing: the config names no image"}. Set host.initImage to such an image`,
  );
}
