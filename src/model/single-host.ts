// What is built for one Docker host only, refusing a config with a swarm section.
import { ConfigError } from "../config/issues";
import type { HostModel } from "./model";

/**
 * `model`, where it is one Docker host's: a config with a swarm section reaches only
 * what is built for a Swarm (the config, the placement, the stack file) and is refused,
 * in the config's words, by what is not yet (`what`).
 * @throws ConfigError for a model with a swarm section
 */
export function singleHost<M extends HostModel>(model: M, what: string): M {
  if (model.swarm === undefined) return model;
  const why = `expected no swarm section for ${what}: not yet on Swarm (homedock compose writes the stack file for docker stack deploy)`;
  throw new ConfigError([{ path: ["swarm"], message: why, value: model.swarm, hasValue: true }]);
}
