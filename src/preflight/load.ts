// A config file as main.ts and the homedock command take it: read, parsed into the model,
// then the preflight, its problems placed at their lines in the file as the model's are.
import { readConfigFile } from "../config/load";
import type { HostModel } from "../model/model";
import { parsePlaced } from "../model/load";
import { checkMachine, type PreflightOptions } from "./preflight";

/**
 * Reads and parses a config file and runs the preflight on it (`options`: the preflight's, the file names the messages).
 * @returns the model, and a line for each host path warned of
 * @throws ConfigError for an invalid config, a missing TLS file, or a missing host path that `hostPaths` refuses
 */
export function loadChecked(file: string, options: Omit<PreflightOptions, "source"> = {}): { readonly model: HostModel; readonly warnings: readonly string[] } {
  const { model, placed } = parsePlaced(readConfigFile(file), file);
  return { model, warnings: checkMachine(model, { ...options, source: file }, undefined, placed) };
}
