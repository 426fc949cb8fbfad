// Allowed, but probably not meant.
import type { PartialConfig } from "./check";

/** An environment restricted to a group nobody is in runs for no one. */
export function groupWarnings(config: PartialConfig): string[] {
  const held = new Set(config.users.flatMap((u) => u?.groups ?? []));
  return config.environments.flatMap((env, i) =>
    (env?.groups ?? []).filter((g) => !held.has(g)).map((g) => `environments[${i}].groups: no user is in group "${g}"`),
  );
}
