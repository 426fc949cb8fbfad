// What every check across the config sees, and how it reports.
import type { Config } from "../../config/schema";
import type { PathSegment } from "../../config/issues";
import { within } from "../../config/paths";

export type Partially<T> = { readonly [K in keyof T]?: T[K] };

/** A config in which only some fields are valid: those that are, for checks across items. */
export interface PartialConfig {
  readonly host: Config["host"];
  readonly frontDoor?: Partially<NonNullable<Config["frontDoor"]>>;
  /** Each node's name where it is a string, valid or not; absent without a swarm section. */
  readonly swarm?: { readonly nodes: readonly { readonly name?: string }[] };
  readonly environments: readonly (Partially<Config["environments"][number]> | undefined)[];
  readonly users: readonly (Partially<Config["users"][number]> | undefined)[];
}

/** Records one problem at `path`. */
export type Report = (path: PathSegment[], message: string, value: unknown) => void;

export function overlaps(a: string, b: string): boolean {
  return within(a, b) || within(b, a);
}
