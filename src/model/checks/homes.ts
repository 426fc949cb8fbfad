// Each user's home apart from every other's.
import { type PartialConfig, type Report } from "./check";
import { within } from "../../config/paths";

export interface Home {
  readonly home: string;
  /** The user's index in `users`. */
  readonly index: number;
  /** Written in the config, not derived from the home root and the name. */
  readonly explicit: boolean;
}

/** Every home the config names or implies. */
export function homesOf(config: PartialConfig): Home[] {
  const homes: Home[] = [];
  const names = new Set<string>();
  config.users.forEach((user, i) => {
    if (user === undefined) return;
    const fresh = user.name !== undefined && !names.has(user.name);
    if (user.name !== undefined) names.add(user.name);
    // A repeated name is reported once, not again as the home it defaults to.
    if (user.home === undefined && !fresh) return;
    homes.push({ home: user.home ?? `${config.host.homeRoot}/${user.name}`, index: i, explicit: user.home !== undefined });
  });
  return homes;
}

export function checkHomesApart(homes: readonly Home[], report: Report): void {
  // Sorted with a trailing "/", a home and everything inside it are neighbours.
  const sorted = [...homes].sort((a, b) => (`${a.home}/` < `${b.home}/` ? -1 : `${a.home}/` > `${b.home}/` ? 1 : a.index - b.index));
  const clashes: { at: Home; other: Home }[] = [];
  for (let k = 1; k < sorted.length; k++) {
    const [a, b] = [sorted[k - 1], sorted[k]];
    if (within(b.home, a.home)) clashes.push(a.index < b.index ? { at: b, other: a } : { at: a, other: b });
  }
  for (const { at, other } of clashes.sort((x, y) => x.at.index - y.at.index)) {
    report(["users", at.index, at.explicit ? "home" : "name"], `expected a home apart from users[${other.index}]'s ${other.home}`, at.home);
  }
}
