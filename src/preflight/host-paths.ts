// Host paths Docker would refuse to bind ("bind source path does not exist"), found
// before a deploy where they can be: when this machine is the Docker host. The front
// door's TLS files, and the directories a deploy binds.
import { statSync } from "node:fs";
import * as path from "node:path";
import { type ConfigIssue, formatPath } from "../config/issues";
import type { HostModel } from "../model/model";
import { workspacesOf } from "../model/workspaces";

/** Whether `p` is a directory on this machine. */
export function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

const ON_HOST = "on the Docker host (this machine)";

/** The TLS files a front door names that are not on this machine, as problems of their fields. */
export function missingTlsFileIssues(model: HostModel, exists: (file: string) => boolean): ConfigIssue[] {
  const tls = model.frontDoor?.tls;
  if (tls?.mode !== "files") return [];
  return (["certFile", "keyFile"] as const)
    .filter((key) => !exists(tls[key]))
    .map((key) => ({ path: ["frontDoor", key], message: `expected a file that exists ${ON_HOST}`, value: tls[key], hasValue: true }));
}

/**
 * Each directory a deploy needs and does not find, as a problem of the config's field
 * naming the path and what must exist: the home root (or the parent of a user's own
 * home) where homes are created, every home when createHomes is false, every shared mount's source.
 */
export function missingHostPathIssues(model: HostModel, exists: (dir: string) => boolean): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const missing = (at: ConfigIssue["path"], value: string, message: string) => issues.push({ path: at, message, value, hasValue: true });
  const users = model.users.map((user, i) => ({ user, i })).filter(({ user }) => workspacesOf(model, user.name).length > 0);
  if (users.length === 0) return issues;
  const inRoot = ({ user }: (typeof users)[number]) => user.home === `${model.homeRoot}/${user.name}`;
  if (model.createHomes) {
    if (users.some(inRoot) && !exists(model.homeRoot)) {
      missing(["host", "homeRoot"], model.homeRoot, `expected a directory ${ON_HOST}: missing homes are created in it`);
    }
    for (const { user, i } of users.filter((u) => !inRoot(u))) {
      const parent = path.posix.dirname(user.home);
      if (!exists(parent)) missing(["users", i, "home"], user.home, `expected a home whose parent directory ${parent} exists ${ON_HOST}`);
    }
  } else {
    for (const { user, i } of users) {
      if (!exists(user.home))
        missing(["users", i, "home"], user.home, `expected an existing home ${ON_HOST}: createHomes is false, so the deploy creates none`);
    }
  }
  model.sharedMounts.forEach((m, i) => {
    if (!exists(m.source)) missing(["host", "sharedMounts", i, "source"], m.source, `expected a directory that exists ${ON_HOST}`);
  });
  return issues;
}

/** A missing host path's line: the field, the whole path (however long), what must exist. */
export function missingHostPathLine(issue: ConfigIssue): string {
  return `${formatPath(issue.path)}: got ${JSON.stringify(issue.value)}; ${issue.message}`;
}
