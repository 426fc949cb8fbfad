// One `homedock swarm deploy` of a host at a time. Two at once would each deploy the stack
// over the other's services, and one could remove a front door secret the other has just
// made and not yet given to a service. The lock is a Swarm config of a fixed name: the
// managers' store refuses a second config of the same name, so whoever creates it first
// holds the lock, wherever each deploy runs from.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir, userInfo } from "node:os";
import * as path from "node:path";
import { HomedockError } from "../config/errors";
import { LABEL_HOST, LABEL_ROLE, ROLE } from "../container/common";
import { type DockerAsync, HostUnreadableError, notAnswering } from "../docker/docker-cli";

/** Exit status of `swarm deploy` when another deploy of the host holds the lock (nothing deployed). */
export const EXIT_LOCKED = 4;

/** The lock's name: a config name Docker takes whatever the host's name (which may start or end with `_` or `-`). */
export function deployLockName(host: string): string {
  return `homedock-deploy.${host}.lock`;
}

/** Who holds a lock, as written into it. */
export interface LockHolder {
  readonly by: string;
  readonly pid: number;
  readonly since: string;
}

/** The lock is held by another deploy (or was left by one that was killed). Exit status 4. */
export class DeployLockedError extends HomedockError {
  constructor(host: string, holder: string) {
    super(
      `another homedock swarm deploy of ${host} is under way (${holder}); nothing deployed. ` +
        `If none is (a deploy that was killed leaves its lock), remove the lock: docker config rm ${deployLockName(host)}`,
      EXIT_LOCKED,
    );
  }
}

const lastLine = (text: string) => text.trim().split("\n").pop()?.trim() ?? "";

function describe(inspected: string): string {
  try {
    const h = JSON.parse(inspected) as Partial<LockHolder>;
    if (typeof h.by === "string" && typeof h.since === "string") return `${h.by}, process ${h.pid}, since ${h.since}`;
  } catch {
    // Not ours to read: said as it is below.
  }
  return "its holder unknown";
}

/**
 * Takes the lock of `host`'s deploys through a manager's Docker API, naming `holder` in it.
 * @returns what releases it (the same removal however often called; its problem, when there was one, as a line)
 * @throws DeployLockedError when another deploy holds it, HostUnreadableError when the manager could not be asked
 */
export async function takeDeployLock(host: string, holder: LockHolder, docker: DockerAsync): Promise<() => Promise<string | undefined>> {
  const name = deployLockName(host);
  // The docker CLI reads a config's content from a file (the machine it runs on, ssh:// or not).
  const dir = mkdtempSync(path.join(tmpdir(), "homedock-lock-"));
  let created;
  try {
    const file = path.join(dir, "holder.json");
    writeFileSync(file, `${JSON.stringify(holder)}\n`, { mode: 0o600 });
    created = await docker(["config", "create", "--label", `${LABEL_HOST}=${host}`, "--label", `${LABEL_ROLE}=${ROLE.deployLock}`, name, file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (created.error !== undefined)
    throw new HostUnreadableError(`cannot run docker: ${(created.error as NodeJS.ErrnoException).code ?? created.error.message}`);
  if (created.status !== 0) {
    const reason = lastLine(created.stderr);
    if (/already exists|AlreadyExists/i.test(reason)) {
      const held = await docker(["config", "inspect", "--format", '{{printf "%s" .Spec.Data}}', name]);
      throw new DeployLockedError(host, held.status === 0 ? describe(held.stdout) : "its holder unknown");
    }
    const what = notAnswering(reason) ? "the Docker host does not answer" : "the manager refused";
    throw new HostUnreadableError(`cannot take the deploy lock ${name}: ${what}: ${reason || `exit status ${created.status}`}`);
  }
  // Removed by the id this deploy created, never by name: a lock someone removed by hand
  // and another deploy took since is that deploy's.
  const id = created.stdout.trim();
  let releasing: Promise<string | undefined> | undefined;
  return () =>
    (releasing ??= docker(["config", "rm", id]).then((r) => {
      if (r.status === 0) return undefined;
      const reason = lastLine(r.error?.message ?? r.stderr);
      if (/no such config|not found/i.test(reason))
        return `the deploy lock ${name} was removed while this deploy held it (by hand?): another deploy may have run beside it`;
      return `the deploy lock ${name} stays: ${reason}; remove it: docker config rm ${name}`;
    }));
}

/** This process, as a lock names its holder. */
export function thisHolder(now: Date = new Date()): LockHolder {
  let user = "someone";
  try {
    user = userInfo().username;
  } catch {
    // No account name for this uid: "someone".
  }
  return { by: `${user}@${hostname()}`, pid: process.pid, since: now.toISOString() };
}
