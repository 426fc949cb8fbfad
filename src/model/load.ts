// A config file, or its text, to the model: the reader (src/config/load.ts) gives the
// YAML's value, buildModel validates it into the model, and a refused config's problems
// go back to the reader to be placed at their lines.
import { existsSync } from "node:fs";
import { ConfigError } from "../config/issues";
import { readConfigFile, readYaml } from "../config/load";
import { buildModel, type HostModel } from "./model";

/** Parses YAML text into the model; `source` names the file in messages. */
export function parseConfig(text: string, source = "config", exists?: (file: string) => boolean): HostModel {
  const yaml = readYaml(text, source);
  try {
    return buildModel(yaml.input, source, exists);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw yaml.placed(err);
  }
}

/** Reads and parses a config file. */
export function loadConfig(file: string): HostModel {
  return parseConfig(readConfigFile(file), file, existsSync);
}
