// A config file, or its text, to the model: the reader (src/config/load.ts) gives the
// YAML's value, buildModel validates it into the model, and a refused config's problems
// go back to the reader to be placed at their lines. Nothing here looks at the machine
// but to read the file (src/preflight/ does that).
import { ConfigError } from "../config/issues";
import { readConfigFile, readYaml } from "../config/load";
import { buildModel, type HostModel } from "./model";

/** A config's model, and how problems found about it later are placed at their lines in its text. */
export interface PlacedModel {
  readonly model: HostModel;
  /** `err` with each of its issues at its line and column, in file order. */
  readonly placed: (err: ConfigError) => ConfigError;
}

/** Parses YAML text into the model, keeping the text's places for later problems; `source` names the file in messages. */
export function parsePlaced(text: string, source = "config"): PlacedModel {
  const yaml = readYaml(text, source);
  try {
    return { model: buildModel(yaml.input, source), placed: yaml.placed };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw yaml.placed(err);
  }
}

/** Parses YAML text into the model; `source` names the file in messages. */
export function parseConfig(text: string, source = "config"): HostModel {
  return parsePlaced(text, source).model;
}

/** Reads and parses a config file. */
export function loadConfig(file: string): HostModel {
  return parseConfig(readConfigFile(file), file);
}
