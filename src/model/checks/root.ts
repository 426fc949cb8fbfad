// Workspaces never run as root unless a user says so.
import type { PartialConfig, Report } from "./check";

export function checkRootIds(config: PartialConfig, report: Report): void {
  config.users.forEach((user, i) => {
    if (user === undefined || user.allowRoot) return;
    if (user.uid === 0) report(["users", i, "uid"], "expected a uid other than 0 (root), or allowRoot: true", 0);
    if (user.gid === 0) report(["users", i, "gid"], "expected a gid other than 0 (root), or allowRoot: true", 0);
  });
}
