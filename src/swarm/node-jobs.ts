// Jobs of one task that homedock runs on a Swarm's nodes through a manager (DOCKER_HOST,
// ssh:// included): the baseline check, the front door's socket directories, the users
// check. Created side by side, waited for, their output read with `docker service
// logs`, then removed, whatever happened.
import { LABEL_HOST, LABEL_ROLE } from "../container/container";
import { ONE_SHOT_LIMITS } from "../container/common";
import { answered, type DockerAsync } from "../docker/docker-cli";

/** The limits every one-shot homedock runs has, as `docker service create` says them. */
const LIMIT_FLAGS = {
  "--limit-memory": `${ONE_SHOT_LIMITS.memoryMiB}m`,
  "--limit-cpu": String(ONE_SHOT_LIMITS.nanoCpus / 1e9),
  "--limit-pids": String(ONE_SHOT_LIMITS.pidsLimit),
};

/** How long a node's job may take, an image pull included. */
export const CHECK_TIMEOUT_MS = 120_000;

/**
 * The start of `docker service create` for a job of one task of homedock's on one node
 * (`constraint`), before its mounts and command: labelled with its role and host, never
 * restarted, `user` (root unless said) with a read-only root filesystem and no
 * capability but `capAdd`, the one-shots' limits.
 */
export function jobArgs(name: string, host: string, role: string, constraint: string, capAdd: readonly string[], user = "0:0"): string[] {
  return [
    "service",
    "create",
    "--detach",
    "--quiet",
    "--no-resolve-image",
    "--name",
    name,
    "--label",
    `${LABEL_ROLE}=${role}`,
    "--label",
    `${LABEL_HOST}=${host}`,
    "--container-label",
    `${LABEL_ROLE}=${role}`,
    "--mode",
    "replicated-job",
    "--restart-condition",
    "none",
    "--constraint",
    constraint,
    "--read-only",
    "--user",
    user,
    "--cap-drop",
    "ALL",
    ...capAdd.flatMap((cap) => ["--cap-add", cap]),
    // The one-shots' limits.
    ...Object.entries(LIMIT_FLAGS).flatMap(([flag, value]) => [flag, value]),
  ];
}

/** A task's end: complete, or the states a task that will not run again ends in. */
export const ENDED = new Set(["complete", "failed", "rejected", "shutdown", "orphaned", "remove"]);

interface TaskState {
  readonly ServiceID: string;
  readonly Status?: { readonly State?: string; readonly Err?: string; readonly Message?: string };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for each job's task to end; by service id, its state and error. */
export async function waitForJobs(ids: readonly string[], docker: DockerAsync, timeoutMs: number): Promise<Map<string, { state: string; err: string }>> {
  const until = Date.now() + timeoutMs;
  let last = new Map<string, { state: string; err: string }>();
  for (;;) {
    const tasks = answered(await docker(["service", "ps", "-q", "--no-trunc", ...ids]), "docker service ps")
      .stdout.split("\n")
      .filter((t) => t !== "");
    if (tasks.length > 0) {
      const states = JSON.parse(answered(await docker(["inspect", "--type", "task", ...tasks]), "docker inspect").stdout) as TaskState[];
      last = new Map(states.map((t) => [t.ServiceID, { state: t.Status?.State ?? "", err: t.Status?.Err ?? t.Status?.Message ?? "" }]));
    }
    if (ids.every((id) => ENDED.has(last.get(id)?.state ?? ""))) return last;
    if (Date.now() > until) return last;
    await sleep(500);
  }
}

/**
 * A job's log; where `untilEnd`, retried a moment while its last line (`@@homedock end`)
 * has not arrived (the caller judges a log without it). A log Docker cannot give is
 * this job's failure, said in `error`, never the others'.
 */
async function jobLog(id: string, docker: DockerAsync, untilEnd: boolean): Promise<{ output: string; error?: string }> {
  let output = "";
  for (let i = 0; i < 10; i++) {
    const r = await docker(["service", "logs", "--raw", "--no-trunc", id]);
    if (r.error !== undefined || r.status !== 0) {
      return { output, error: `docker service logs: ${r.error?.message ?? r.stderr.trim().split("\n").pop() ?? `exit status ${r.status}`}` };
    }
    output = r.stdout;
    if (!untilEnd || /^@@homedock end$/m.test(output)) break;
    await sleep(300);
  }
  return { output };
}

/** At most this many `docker` calls of a kind at once: over ssh:// each is a connection, and sshd refuses some past 10 starting at once (MaxStartups). */
export const AT_ONCE = 8;

/** `work` of each item, at most AT_ONCE at a time. */
async function eachAtMost<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(AT_ONCE, items.length) }, worker));
}

/** How one job went: not created (docker's last line), or its task's last state, error and log. */
export type JobResult =
  | { readonly created: false; readonly error: string }
  | {
      readonly created: true;
      /** The task's state: "complete", another of ENDED, or one it was still in at the timeout ("" if never scheduled). */
      readonly state: string;
      readonly err: string;
      /** Its log, where it ended and was to be read ("" otherwise). */
      readonly output: string;
      /** Why its log could not be read, where it could not. */
      readonly logError?: string;
    };

/** Why a created job did not complete, in the admin's words: the state it ended in and its error, or that it did not end in time. */
export function unfinished(job: { readonly state: string; readonly err: string }, timeoutMs: number): string {
  return ENDED.has(job.state) ? `task ${job.state}: ${job.err}` : `no result within ${timeoutMs / 1000} s (task ${job.state || "not scheduled"})`;
}

/** Which log to read of a job that ended in `state`: none, once, or until its last line has come. */
export type LogReading = (state: string) => "none" | "once" | "untilEnd";

/**
 * Runs each of `jobs` (by key, its `docker service create` arguments) through `docker`,
 * side by side; waits at most `timeoutMs` for them, reads the log of each that ended as
 * `reading` says, and removes them all.
 */
export async function runJobs<K>(
  jobs: ReadonlyMap<K, readonly string[]>,
  docker: DockerAsync,
  timeoutMs: number,
  reading: LogReading,
): Promise<Map<K, JobResult>> {
  const results = new Map<K, JobResult>();
  const ids = new Map<K, string>();
  try {
    await eachAtMost([...jobs], async ([key, args]) => {
      const r = await docker([...args]);
      if (r.status === 0) ids.set(key, r.stdout.trim());
      else results.set(key, { created: false, error: r.error?.message ?? r.stderr.trim().split("\n").pop() ?? "" });
    });
    const ended = ids.size === 0 ? new Map<string, { state: string; err: string }>() : await waitForJobs([...ids.values()], docker, timeoutMs);
    await eachAtMost([...ids], async ([key, id]) => {
      const task = ended.get(id);
      const state = task?.state ?? "";
      const how = ENDED.has(state) ? reading(state) : "none";
      const log = how === "none" ? { output: "" } : await jobLog(id, docker, how === "untilEnd");
      results.set(key, { created: true, state, err: task?.err ?? "", output: log.output, ...(log.error === undefined ? {} : { logError: log.error }) });
    });
  } finally {
    if (ids.size > 0) await docker(["service", "rm", ...ids.values()]);
  }
  // In the order the jobs were given.
  return new Map([...jobs.keys()].filter((k) => results.has(k)).map((k) => [k, results.get(k)!]));
}
