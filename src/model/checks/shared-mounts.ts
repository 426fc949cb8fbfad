// Where shared mounts appear in a workspace: apart from the system, the homes,
// each other, the seed directories and the front door's socket directory.
import { WORKSPACE_DEPLOY_DIR, WORKSPACE_RUNTIME_DIR } from "../front-door";
import type { PathSegment } from "../../config/issues";
import { overlaps, type PartialConfig, type Report } from "./check";
import { within } from "../../config/paths";
import type { Home } from "./homes";

/** Mount targets that would hide what every image needs to run. */
const SYSTEM_DIRS = ["/bin", "/dev", "/etc", "/lib", "/proc", "/sbin", "/sys", "/usr"];

/** `sourceRefused`: mounts whose source is already reported, which a missing target is not reported again as. */
export function checkSharedMountTargets(config: PartialConfig, homes: readonly Home[], sourceRefused: ReadonlySet<number>, report: Report): void {
  const { host } = config;
  // Behind the front door every Jupyter workspace has its socket directory mounted there.
  const sockets = config.frontDoor !== undefined && config.environments.some((e) => e?.jupyter !== undefined);
  const targets: { target: string; index: number }[] = [];
  host.sharedMounts.forEach((mount, i) => {
    const target = mount.target ?? mount.source;
    if (mount.target === undefined && sourceRefused.has(i)) return;
    const p: PathSegment[] = ["host", "sharedMounts", i, mount.target === undefined ? "source" : "target"];
    const other = targets.find((t) => overlaps(t.target, target));
    const seeded = config.environments.findIndex((e) => e?.seedDir !== undefined && overlaps(e.seedDir, target));
    // The first conflict found is the one reported.
    if (SYSTEM_DIRS.some((d) => within(target, d))) {
      report(p, `expected a mount target outside / itself and ${SYSTEM_DIRS.join(", ")}`, target);
    } else if (within(host.homeRoot, target) || homes.some((h) => overlaps(h.home, target))) {
      report(p, "expected a mount target apart from every home and the home root", target);
    } else if (other) {
      report(p, `expected a mount target apart from host.sharedMounts[${other.index}]'s ${other.target}`, target);
    } else if (seeded >= 0) {
      report(p, `expected a mount target apart from environments[${seeded}].seedDir`, target);
    } else if (sockets && overlaps(target, WORKSPACE_RUNTIME_DIR)) {
      report(p, `expected a mount target apart from ${WORKSPACE_RUNTIME_DIR} (behind the front door each Jupyter workspace's socket directory)`, target);
    } else if (sockets && overlaps(target, WORKSPACE_DEPLOY_DIR)) {
      report(
        p,
        `expected a mount target apart from ${WORKSPACE_DEPLOY_DIR} (behind the front door where a workspace that stops when idle reads its deploy's nonce)`,
        target,
      );
    }
    targets.push({ target, index: i });
  });
}

/** writable: true gives a mount read-write to everyone: a writableFor beside it would say otherwise and do nothing. */
export function checkSharedMountAccess(config: PartialConfig, report: Report): void {
  config.host.sharedMounts.forEach((mount, i) => {
    if (mount.writable && mount.writableFor !== undefined) {
      report(
        ["host", "sharedMounts", i, "writableFor"],
        "expected writableFor or writable: true, not both (writable: true is read-write for everyone)",
        mount.writableFor,
      );
    }
  });
}
