// Running Terraform (or OpenTofu, via $TERRAFORM_BINARY_NAME) in a synthesized stack's
// directory, which is a plain Terraform root module.
import { spawnSync } from "node:child_process";
import { constants } from "node:os";

/** How the CLI runs Terraform: the real binary, or a stand-in in tests. */
export interface Terraform {
  /**
   * Runs `terraform <args>` in `cwd`, its output on this terminal, or on standard error
   * with `toStderr` (so that standard output holds only homedock's own). Its exit status:
   * 128 + the signal's number if a signal ended it (as a shell says it), 1 if it could not start.
   */
  run(args: readonly string[], cwd: string, toStderr?: boolean): number;
  /** Runs it with its standard output captured (`show -json`); `status` 1 if it could not start. */
  capture(args: readonly string[], cwd: string): { readonly status: number; readonly stdout: Buffer };
}

/** A plan's JSON can be hundreds of MB (10,000 workspaces: 400 MB). */
const MAX_OUTPUT = 2 ** 31 - 1;

/**
 * Runs `spawn` with umask 077: Terraform's state, its backup and saved plans hold every
 * workspace token, and are the admin's alone.
 */
function privately<T>(spawn: () => T): T {
  const umask = process.umask(0o077);
  try {
    return inForeground(spawn);
  } finally {
    process.umask(umask);
  }
}

const ignore = (): void => undefined;

/**
 * Runs `spawn` as a shell runs a command in the foreground: a Ctrl-C reaches Terraform
 * too (the terminal signals the whole process group), which stops what it is doing and
 * writes its state; homedock waits for it, then exits with its status. Without this,
 * Node exits at the SIGINT at once, and Terraform would go on writing to a terminal
 * that had already given the admin the prompt back.
 */
function inForeground<T>(spawn: () => T): T {
  process.on("SIGINT", ignore);
  try {
    return spawn();
  } finally {
    process.removeListener("SIGINT", ignore);
  }
}

/** The Terraform on PATH (`$TERRAFORM_BINARY_NAME`, say tofu, else terraform). */
export function systemTerraform(env: NodeJS.ProcessEnv = process.env): Terraform {
  const binary = env.TERRAFORM_BINARY_NAME || "terraform";
  const started = (error: Error | undefined): boolean => {
    if (error) console.error(`homedock: cannot run ${binary}: ${(error as NodeJS.ErrnoException).code ?? error.message}`);
    return error === undefined;
  };
  return {
    run(args, cwd, toStderr = false) {
      const r = privately(() => spawnSync(binary, args, { cwd, stdio: ["inherit", toStderr ? 2 : "inherit", "inherit"] }));
      // Ended by a signal: 128 + its number, as a shell says it.
      if (r.signal) return 128 + constants.signals[r.signal];
      return started(r.error) ? (r.status ?? 1) : 1;
    },
    capture(args, cwd) {
      const r = privately(() => spawnSync(binary, args, { cwd, stdio: ["ignore", "pipe", "inherit"], maxBuffer: MAX_OUTPUT }));
      return { status: started(r.error) ? (r.status ?? 1) : 1, stdout: r.stdout ?? Buffer.alloc(0) };
    },
  };
}
