// The homedock command from the sources, for tests that run it as a user would.
import { spawn } from "node:child_process";
import * as path from "node:path";

const root = path.resolve(__dirname, "../..");
const tsx = path.join(root, "node_modules/.bin/tsx");
const cli = path.join(root, "src/cli/cli.ts");

export interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `homedock <args>` to its end without blocking the test worker (a command takes
 * seconds; a worker blocked that long fails the whole vitest run). `input` is its
 * standard input; `interrupt`, when it aborts, is Ctrl-C; HOMEDOCK_CONFIG of the
 * test's own environment is not passed on.
 */
export function homedock(
  args: readonly string[],
  options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv; interrupt?: AbortSignal } = {},
): Promise<Ran> {
  const { HOMEDOCK_CONFIG: _, ...env } = process.env;
  return new Promise((resolve, reject) => {
    // With `interrupt`, in a process group of its own: its abort sends SIGINT to the whole
    // group, tsx, homedock and the docker it runs, as Ctrl-C at a terminal does.
    const child = spawn(tsx, [cli, ...args], { cwd: options.cwd, env: { ...env, ...options.env }, detached: options.interrupt !== undefined });
    options.interrupt?.addEventListener("abort", () => process.kill(-child.pid!, "SIGINT"), { once: true });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}
