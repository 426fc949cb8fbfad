// Allowed, but probably not meant.
import type { PartialConfig } from "./check";

/** An environment or shared mount restricted to a group nobody is in is for no one. */
export function groupWarnings(config: PartialConfig): string[] {
  const held = new Set(config.users.flatMap((u) => u?.groups ?? []));
  const nobody = (at: string, groups: readonly string[] | undefined) =>
    (groups ?? []).filter((g) => !held.has(g)).map((g) => `${at}: no user is in group "${g}"`);
  return [
    ...config.environments.flatMap((env, i) => nobody(`environments[${i}].groups`, env?.groups)),
    ...config.host.sharedMounts.flatMap((m, i) => [
      ...nobody(`host.sharedMounts[${i}].groups`, m.groups),
      ...nobody(`host.sharedMounts[${i}].writableFor`, m.writableFor),
      // Its users get the mount only through another of its groups, if they have one.
      ...(m.groups === undefined ? [] : (m.writableFor ?? []).filter((g) => held.has(g) && !m.groups!.includes(g))).map(
        (g) => `host.sharedMounts[${i}].writableFor: group "${g}" is not in its groups: its users get the mount only if also in one of those`,
      ),
    ]),
  ];
}
