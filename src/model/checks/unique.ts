// Names, directories and uids that must not repeat.
import { formatPath, type PathSegment } from "../../config/issues";
import type { PartialConfig, Report } from "./check";

/**
 * A check that reports each use of a key after its first; it answers whether the key
 * was new. `path` is a list item's field: the item (the path without the field) that
 * used the key first is named.
 */
export function firstUse(report: Report, what: string): (key: string | undefined, path: PathSegment[], value: unknown) => boolean {
  const first = new Map<string, readonly PathSegment[]>();
  return (key, path, value) => {
    if (key === undefined) return true;
    const seen = first.get(key);
    if (seen === undefined) {
      first.set(key, path.slice(0, -1));
      return true;
    }
    report(path, `expected ${what} not used before, but ${formatPath(seen)} has it`, value);
    return false;
  };
}

export function checkUnique(config: PartialConfig, report: Report): void {
  const envName = firstUse(report, "an environment name");
  const envDir = firstUse(report, "an environment directory");
  config.environments.forEach((env, i) => {
    if (env === undefined) return;
    const fresh = envName(env.name, ["environments", i, "name"], env.name);
    // A repeated name is reported once, not again as the directory it defaults to.
    if (env.dir !== undefined || fresh) {
      const dir = env.dir ?? env.name;
      envDir(dir, ["environments", i, env.dir === undefined ? "name" : "dir"], dir);
    }
  });

  const userName = firstUse(report, "a user name");
  const uid = firstUse(report, "a uid");
  config.users.forEach((user, i) => {
    if (user === undefined) return;
    userName(user.name, ["users", i, "name"], user.name);
    uid(user.uid === undefined ? undefined : String(user.uid), ["users", i, "uid"], user.uid);
  });
}
