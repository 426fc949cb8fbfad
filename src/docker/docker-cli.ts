// The docker CLI as the edge to the Docker host: it speaks the Docker API to whatever
// DOCKER_HOST (or the context) names, ssh:// included.
import { execFile, spawnSync } from "node:child_process";
import { EXIT_UNREADABLE, HomedockError } from "../config/errors";

/** What `docker` printed and how it ended. */
export interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly error?: Error;
  /** Killed for running past its timeout (DockerAsync's `timeoutMs`). */
  readonly timedOut?: boolean;
}

export type Docker = (args: readonly string[]) => Ran;

export const dockerCli: Docker = (args) => {
  const r = spawnSync("docker", args, { encoding: "utf8", maxBuffer: 256 << 20 });
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "", error: r.error };
};

/** The host cannot be read: no Docker, no usable image. Exit status 2. */
export class HostUnreadableError extends HomedockError {
  constructor(message: string) {
    super(message, EXIT_UNREADABLE);
  }
}

/** What the docker CLI says when it reaches no engine (a local socket, tcp:// or ssh://). */
const NOT_ANSWERING = /Cannot connect to the Docker daemon|error during connect|ssh:/i;

/** Whether `reason` (a line docker printed) says the Docker host did not answer. */
export function notAnswering(reason: string): boolean {
  return NOT_ANSWERING.test(reason);
}

/**
 * `r`, when docker ran and succeeded.
 * @throws HostUnreadableError naming `what` and docker's last line otherwise
 */
export function answered(r: Ran, what: string): Ran {
  if (r.error) throw new HostUnreadableError(`cannot run docker: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}`);
  if (r.status === 0) return r;
  const reason = r.stderr.trim().split("\n").pop()?.trim() || `exit status ${r.status}`;
  if (notAnswering(reason)) throw new HostUnreadableError(`the Docker host does not answer: ${reason}`);
  throw new HostUnreadableError(`${what} failed: ${reason}`);
}

/**
 * What `docker inspect` printed: one that is missing (removed since it was listed) fails
 * the command, and docker still prints the others, which are taken.
 * @throws HostUnreadableError as `answered` does when it printed no such list
 */
export function inspected(r: Ran, what: string): string {
  return r.status !== 0 && !r.error && r.stdout.trim().startsWith("[") ? r.stdout : answered(r, what).stdout;
}

export type DockerAsync = (args: readonly string[], options?: { readonly timeoutMs?: number; readonly signal?: AbortSignal }) => Promise<Ran>;

/** The docker CLI, not waited for: for calls that may run side by side. `timeoutMs`: killed after it; `signal`: killed when it aborts. */
export const dockerCliAsync: DockerAsync = (args, options = {}) =>
  new Promise((resolve) => {
    execFile("docker", args, { encoding: "utf8", maxBuffer: 256 << 20, timeout: options.timeoutMs ?? 0, signal: options.signal }, (err, stdout, stderr) => {
      const code = (err as NodeJS.ErrnoException | null)?.code;
      const timedOut = err !== null && (err as { killed?: boolean }).killed === true && options.timeoutMs !== undefined;
      // A number: docker ran and failed; a string (ENOENT, ...): it could not run.
      resolve({
        status: err === null ? 0 : typeof code === "number" ? code : null,
        stdout,
        stderr,
        error: typeof code === "string" ? err! : undefined,
        ...(timedOut ? { timedOut } : {}),
      });
    });
  });

/**
 * `--mount` of a bind, its value as docker's CSV reader reads it: a field with a ',' or a
 * '"' quoted, its quotes doubled. Unquoted, a path such as `/srv/a,source=/usr` would
 * add a second `source`, and docker keeps the last one: another directory than the one
 * checked would be mounted.
 */
export function bindMountArgs(source: string, target: string, readonly = false): [string, string] {
  const field = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
  return ["--mount", ["type=bind", field(`source=${source}`), field(`target=${target}`), ...(readonly ? ["readonly"] : [])].join(",")];
}
