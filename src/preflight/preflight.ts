// The one step that looks at the machine. The model is pure (the same config gives the
// same model, or the same problems, anywhere); what a config names on the Docker host is
// looked for here, before anything is rendered or run, and only where the Docker engine
// is this machine's. `new Host` runs it on its props, main.ts and every homedock command
// that loads a config file on that file (load.ts), so code and file meet the same checks.
import { existsSync } from "node:fs";
import { ConfigError } from "../config/issues";
import type { HostModel } from "../model/model";
import { isDirectory, missingHostPathIssues, missingHostPathLine, missingTlsFileIssues } from "./host-paths";
import { dockerIsLocal } from "./local-engine";

/** What the preflight does about host paths Docker would refuse to bind: leave them, warn of them, or refuse the config. */
export type HostPathPolicy = "ignore" | "warn" | "refuse";

/** What the preflight looks at, and what it does about what it finds. */
export interface PreflightOptions {
  /**
   * The file (or `config`) the messages name.
   * @defaultValue "config"
   */
  readonly source?: string;
  /**
   * Host paths Docker would refuse to bind (the home root, homes, shared mounts' sources):
   * left alone (`homedock synth`, `new Host`), warned of (`validate`, `compose`, `plan`)
   * or refused (`deploy`). Missing TLS files are refused whatever this says.
   * @defaultValue "ignore"
   */
  readonly hostPaths?: HostPathPolicy;
  /**
   * The environment whose DOCKER_HOST names the Docker engine: paths are looked at only
   * when it is this machine's (DOCKER_HOST unset or `unix://`).
   * @defaultValue process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** How the preflight looks at this machine's files: the file system, stand-ins in tests. */
export interface Machine {
  /** Whether the file is there. */
  readonly exists: (file: string) => boolean;
  /** Whether the directory is there. */
  readonly isDirectory: (dir: string) => boolean;
}

const THIS_MACHINE: Machine = { exists: existsSync, isDirectory };

/**
 * Looks on this machine for what the model names on the Docker host, where the Docker
 * engine is this machine's: the front door's TLS files, and the directories a deploy
 * binds (as `hostPaths` says).
 * @returns a line for each host path warned of
 * @throws ConfigError naming each missing TLS file, or each missing host path when `hostPaths` is refuse
 */
export function preflight(model: HostModel, options: PreflightOptions = {}): string[] {
  return checkMachine(model, options);
}

/**
 * The preflight on `machine`; `placed` puts the problems of TLS files at their lines in
 * the config's text (load.ts). A missing host path is written whole, at no line.
 */
export function checkMachine(
  model: HostModel,
  options: PreflightOptions,
  machine: Machine = THIS_MACHINE,
  placed: (err: ConfigError) => ConfigError = (err) => err,
): string[] {
  const { source = "config", hostPaths = "ignore", env = process.env } = options;
  if (!dockerIsLocal(env)) return [];
  const files = missingTlsFileIssues(model, machine.exists);
  if (files.length > 0) throw placed(new ConfigError(files, source));
  if (hostPaths === "ignore") return [];
  const missing = missingHostPathIssues(model, machine.isDirectory);
  const lines = missing.map(missingHostPathLine);
  if (hostPaths === "refuse" && missing.length > 0) throw new ConfigError(missing, source, lines);
  return lines;
}
