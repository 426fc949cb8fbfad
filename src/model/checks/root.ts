// Workspaces never run as root unless a user says so.
import type { PartialConfig, Report } from "./check";

export function checkRootIds(config: PartialConfig, report: Report): void {
  config.users.forEach((user, i) => {
    if (user === undefined || user.allowRoot) return;
    if (user.uid === 0) report(["users", i, "uid"], "expected a uid other than 0 (root), or allowRoot: true", 0);
    if (user.gid === 0) report(["users", i, "gid"], "expected a gid other than 0 (root), or allowRoot: true", 0);
    // A server in group 0 reaches every host file that is root's group's.
    user.supplementaryGids?.forEach((gid, j) => {
      if (gid === 0) report(["users", i, "supplementaryGids", j], "expected a gid other than 0 (root), or allowRoot: true", 0);
    });
  });
}
