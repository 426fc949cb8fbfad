// An apply cut off before Terraform could record what it had made: Terraform killed (a
// lost session, the OOM killer, kill -9), or the machine down. The containers (on a
// Swarm, services and the front door's secrets) and networks it had created by then are on the engine but not in the state, and every
// later apply fails creating them again ("the name is already in use"): the admin would
// have to find and remove them by hand.
//
// Terraform that ends by itself records what it could not finish as tainted, and the
// next apply replaces it. homedock does the same for what Terraform never got to record:
// it marks each apply it runs, and drops the mark once Terraform has ended by itself.
// A mark found before the next apply means the last one was cut off: the objects of this
// host that the stack declares by name and the state does not hold are what that apply
// made, and are removed, as Terraform would replace them had it recorded them. Nothing
// of a user's is in them: homes and every other directory a workspace keeps are bound
// from the host. Without a mark nothing is removed: a state lost or moved is the admin's
// to mend, not homedock's to guess at.
import { readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import * as path from "node:path";
import { HomedockError } from "../config/errors";
import { writeWhole } from "../output/write-whole";
import type { Ran } from "../docker/docker-cli";
import { type EngineReader, engineEnvironment, type StateFile, stackFiles } from "./skips";

/** The mark of an apply under way: beside the stack it applies, with the pid of the homedock that runs it. */
export function applyingFile(stack: string): string {
  return path.join(stack, "homedock-applying.json");
}

/** Marks an apply of `stack` as under way (see cutOff). */
export function markApplying(stack: string): void {
  writeWhole(applyingFile(stack), `${JSON.stringify({ pid: process.pid })}\n`, { mode: 0o600 });
}

/**
 * After an apply: its mark is dropped when Terraform ended by itself (`status` below 128:
 * whatever it made is in the state, tainted where unfinished), and kept when a signal
 * ended it (128 + the signal's number, as a shell says it).
 */
export function applyEnded(stack: string, status: number): void {
  if (status < 128) rmSync(applyingFile(stack), { force: true });
}

/**
 * What an apply makes that is named, for the docker CLI: how to list a host's (id, tab,
 * name) and how to remove one, in the order they are removed (a secret or a network once
 * nothing uses it). A Swarm's workspaces are services; its front door's files, secrets.
 */
const KINDS = {
  container: { list: ["ps", "-a", "--no-trunc"], name: "{{.Names}}", remove: ["rm", "-f"] },
  service: { list: ["service", "ls"], name: "{{.Name}}", remove: ["service", "rm"] },
  secret: { list: ["secret", "ls"], name: "{{.Name}}", remove: ["secret", "rm"] },
  network: { list: ["network", "ls", "--no-trunc"], name: "{{.Name}}", remove: ["network", "rm"] },
} as const;
type Kind = keyof typeof KINDS;
const kinds = Object.keys(KINDS) as Kind[];

/** An object the cut-off apply made: its kind for the docker CLI, id and name. */
export interface Leftover {
  readonly kind: Kind;
  readonly id: string;
  readonly name: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The processes working in `dir` (a Terraform homedock no longer waits for, its providers), where /proc tells; none elsewhere. */
function workingIn(dir: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) === dir) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** What the stack declares of a kind: its literal names, the literal ends of names that begin with a hash Terraform computes (a secret's), and the ids the state holds. */
interface Known {
  readonly names: Set<string>;
  readonly hashed: Set<string>;
  readonly ids: Set<string>;
}

/** A name the stack declares: a literal one, or a hash of 16 hex digits (constructs/swarm-door.ts: secretName) before a literal end. */
const declares = (known: Known, name: string) => known.names.has(name) || (/^[0-9a-f]{16}-/.test(name) && known.hashed.has(name.slice(16)));

/** Each kind's names as the stack declares them, and ids as the state holds them. */
function declaredAndHeld(stack: string, stateFile: string): Record<Kind, Known> {
  const json = JSON.parse(readFileSync(path.join(stack, "cdk.tf.json"), "utf8")) as { resource?: Record<string, Record<string, { name?: unknown }>> };
  let state: StateFile = {};
  try {
    state = JSON.parse(readFileSync(stateFile, "utf8")) as StateFile;
  } catch (err) {
    // No state yet: a first apply cut off.
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const out = Object.fromEntries(kinds.map((kind) => [kind, { names: new Set<string>(), hashed: new Set<string>(), ids: new Set<string>() }])) as Record<
    Kind,
    Known
  >;
  for (const kind of kinds) {
    for (const resource of Object.values(json.resource?.[`docker_${kind}`] ?? {})) {
      if (typeof resource.name !== "string") continue;
      if (!resource.name.includes("${")) out[kind].names.add(resource.name);
      else {
        // "${substr(...)}-<host>-<file>": the end after the one expression, where it is all literal.
        const end = resource.name.slice(resource.name.lastIndexOf("}") + 1);
        if (resource.name.startsWith("${") && !end.includes("${") && end.startsWith("-")) out[kind].hashed.add(end);
      }
    }
    for (const resource of state.resources ?? []) {
      if (resource.type !== `docker_${kind}`) continue;
      for (const instance of resource.instances ?? []) if (typeof instance.attributes?.id === "string") out[kind].ids.add(instance.attributes.id);
    }
  }
  return out;
}

/**
 * What the last apply of `stack` left unrecorded, where it was cut off (its mark is
 * there): host `host`'s containers, services, secrets and networks that the stack declares by name and the
 * state does not hold; [] where the last apply ended by itself.
 * @throws HomedockError while that apply's homedock, or a Terraform in the stack's directory, still runs
 */
export async function cutOff(stack: string, host: string, reader: EngineReader, env: NodeJS.ProcessEnv = process.env): Promise<Leftover[]> {
  let mark: { pid?: unknown };
  try {
    mark = JSON.parse(readFileSync(applyingFile(stack), "utf8")) as { pid?: unknown };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    mark = {};
  }
  const marked = applyingFile(stack);
  if (typeof mark.pid === "number" && mark.pid !== process.pid && alive(mark.pid)) {
    throw new HomedockError(
      `another homedock (pid ${mark.pid}) is applying this stack: wait for it to end (or, if that pid is not homedock, remove ${marked})`,
    );
  }
  const working = workingIn(path.resolve(stack));
  if (working.length > 0) {
    throw new HomedockError(`a process that is not homedock is working in ${stack} (pid ${working.join(", ")}; Terraform?): wait for it to end`);
  }
  const files = stackFiles(stack);
  if (files === undefined) return [];
  const known = declaredAndHeld(stack, files.state);
  const engineEnv = engineEnvironment(files.provider, env);
  const label = `label=homedock.host=${host}`;
  // Services and secrets are asked of a stack that declares some alone: an engine that is no Swarm manager refuses to list them.
  const listed = await Promise.all(
    kinds.map((kind) =>
      (kind === "service" && known.service.names.size === 0) || (kind === "secret" && known.secret.hashed.size === 0)
        ? Promise.resolve<Ran>({ status: 0, stdout: "", stderr: "" })
        : reader([...KINDS[kind].list, "--filter", label, "--format", `{{.ID}}\t${KINDS[kind].name}`], engineEnv),
    ),
  );
  for (const r of listed) {
    if (r.status !== 0)
      throw new HomedockError(`the last apply was cut off, and the Docker host does not answer to say what it left: ${r.stderr.trim() || r.error?.message}`);
  }
  return kinds.flatMap((kind, i) =>
    listed[i].stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => line.split("\t"))
      // `service ls` shows an id's first 12 characters: held where a full id of the state begins with it.
      .filter(([id, name]) => declares(known[kind], name) && ![...known[kind].ids].some((held) => held.startsWith(id)))
      .map(([id, name]) => ({ kind, id, name })),
  );
}

/** What Docker says while a removed service's tasks still hold a network or a secret. */
const IN_USE = /in use|active endpoints/i;
/** How long a removal waits for them, in seconds (one try a second). */
const IN_USE_WAIT_S = 30;

/**
 * Removes what `cutOff` found (containers and services first: a secret or a network is
 * removed once nothing uses it), by id, so that nothing made since by that name is touched.
 * @throws HomedockError naming what the engine would not remove
 */
export async function removeLeftovers(
  stack: string,
  leftovers: readonly Leftover[],
  reader: EngineReader,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const files = stackFiles(stack);
  if (files === undefined || leftovers.length === 0) return;
  const engineEnv = engineEnvironment(files.provider, env);
  for (const kind of kinds) {
    const these = leftovers.filter((l) => l.kind === kind);
    if (these.length === 0) continue;
    const remove = () => reader([...KINDS[kind].remove, ...these.map((l) => l.id)], engineEnv);
    let r = await remove();
    // A removed service's tasks stop some seconds after `service rm`: until then Swarm
    // refuses to remove the overlays (and secrets) they use.
    for (let wait = 0; r.status !== 0 && IN_USE.test(r.stderr) && wait < IN_USE_WAIT_S; wait++) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      r = await remove();
    }
    if (r.status !== 0) {
      throw new HomedockError(`could not remove what the cut-off apply left (${these.map((l) => l.name).join(", ")}): ${r.stderr.trim() || r.error?.message}`);
    }
  }
}
