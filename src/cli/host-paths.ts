// Host paths Docker would refuse to bind ("bind source path does not exist"), found
// before a deploy where they can be: when this machine is the Docker host.
import { statSync } from "node:fs";
import * as path from "node:path";
import type { HostModel } from "../model/model";
import { workspacesOf } from "../model/workspaces";

// Asked before looking for these paths; the model asks it too, of the front door's TLS files.
export { dockerIsLocal } from "../model/local-engine";

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

const ON_HOST = "on the Docker host (this machine)";

/**
 * One line per directory a deploy needs and does not find, naming the field, the path
 * and what must exist: the home root (or the parent of a user's own home) where homes
 * are created, every home when createHomes is false, every shared mount's source.
 */
export function missingHostPaths(model: HostModel, exists: (dir: string) => boolean = isDirectory): string[] {
  const lines: string[] = [];
  const users = model.users.map((user, i) => ({ user, i })).filter(({ user }) => workspacesOf(model, user.name).length > 0);
  if (users.length === 0) return lines;
  const inRoot = ({ user }: (typeof users)[number]) => user.home === `${model.homeRoot}/${user.name}`;
  if (model.createHomes) {
    if (users.some(inRoot) && !exists(model.homeRoot)) {
      lines.push(`host.homeRoot: got ${JSON.stringify(model.homeRoot)}; expected a directory ${ON_HOST}: missing homes are created in it`);
    }
    for (const { user, i } of users.filter((u) => !inRoot(u))) {
      const parent = path.posix.dirname(user.home);
      if (!exists(parent)) lines.push(`users[${i}].home: got ${JSON.stringify(user.home)}; expected a home whose parent directory ${parent} exists ${ON_HOST}`);
    }
  } else {
    for (const { user, i } of users) {
      if (!exists(user.home)) lines.push(`users[${i}].home: got ${JSON.stringify(user.home)}; expected an existing home ${ON_HOST}: createHomes is false, so the deploy creates none`);
    }
  }
  model.sharedMounts.forEach((m, i) => {
    if (!exists(m.source)) lines.push(`host.sharedMounts[${i}].source: got ${JSON.stringify(m.source)}; expected a directory that exists ${ON_HOST}`);
  });
  return lines;
}
