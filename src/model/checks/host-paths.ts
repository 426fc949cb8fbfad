// Host directories a container must never mount: each hands the host (or every user)
// to whatever runs in the container. A config puts host paths into containers in three
// places: shared-mount sources (every workspace), homes (the user's workspace,
// read-write) and a home's parent (the one-shot container that creates the home, root
// with CAP_CHOWN). A path is refused when it is one of these directories, lies inside
// one, or holds one.
import * as path from "node:path";
import type { PathSegment } from "../../config/issues";
import { overlaps, type PartialConfig, type Report } from "./check";
import { within } from "../../config/paths";
import type { Home } from "./homes";

export interface HostControl {
  readonly path: string;
  /** What it holds that hands over the host. */
  readonly holds: string;
}

const SOCKETS = "the sockets that take root's orders: Docker's, containerd's, Podman's, systemd's and D-Bus's";
const PROGRAMS = "the programs and libraries root runs";

/** In the README's table, in this order. */
export const HOST_CONTROL: readonly HostControl[] = [
  { path: "/proc", holds: "every process's memory, environment and files, and the kernel's controls (sysrq-trigger, core_pattern)" },
  { path: "/sys", holds: "the kernel's and the devices' settings" },
  { path: "/dev", holds: "the host's devices: its disks, memory and terminals" },
  { path: "/boot", holds: "the kernel and the boot loader" },
  { path: "/etc", holds: "the accounts and their passwords, sudoers, cron and every service's configuration" },
  { path: "/root", holds: "root's home: its SSH keys and shell start-up files" },
  { path: "/run", holds: SOCKETS },
  { path: "/var/run", holds: SOCKETS },
  { path: "/var/lib/docker", holds: "the Docker engine's data: every container's files and settings" },
  { path: "/var/lib/containerd", holds: "containerd's data: every container's files" },
  { path: "/var/lib/containers", holds: "Podman's and CRI-O's containers" },
  { path: "/var/lib/kubelet", holds: "the Kubernetes node's credentials and its pods' secrets" },
  { path: "/var/lib/rancher", holds: "k3s' and RKE2's containerd, its socket and the cluster's tokens" },
  { path: "/var/lib/lxd", holds: "LXD's socket and containers" },
  { path: "/var/lib/incus", holds: "Incus' socket and containers" },
  { path: "/var/snap", holds: "the data of snap packages, Docker's, LXD's and MicroK8s' among them (sockets included)" },
  { path: "/var/spool/cron", holds: "the crontabs, root's included" },
  { path: "/usr", holds: PROGRAMS },
  { path: "/bin", holds: PROGRAMS },
  { path: "/sbin", holds: PROGRAMS },
  { path: "/lib", holds: PROGRAMS },
  { path: "/lib32", holds: PROGRAMS },
  { path: "/lib64", holds: PROGRAMS },
  { path: "/libx32", holds: PROGRAMS },
];

/** The first directory on the list that `p` is, lies in or holds. */
export function hostControl(p: string): HostControl | undefined {
  return HOST_CONTROL.find((d) => overlaps(p, d.path));
}

/** Why `p`, which `hostControl` found to meet `d`, is refused. */
export function apart(what: string, p: string, d: HostControl, why: string): string {
  const where = within(p, d.path) ? `outside ${d.path}` : `that does not hold ${d.path}`;
  return `expected ${what} ${where}, which holds ${d.holds}; ${why}`;
}

/**
 * Shared-mount sources: none that hands over the host, shows the homes or the front
 * door's sockets to every workspace, or lies in a writable source (where any workspace
 * can have put a link to anywhere, which Docker follows). Returns the mounts refused.
 */
export function checkSharedMountSources(config: PartialConfig, homes: readonly Home[], report: Report): Set<number> {
  const { host } = config;
  const refused = new Set<number>();
  const runtimeRoot = config.frontDoor?.runtimeRoot;
  host.sharedMounts.forEach((mount, i) => {
    const { source } = mount;
    const p: PathSegment[] = ["host", "sharedMounts", i, "source"];
    const control = hostControl(source);
    // Writable for some groups is writable: one of their workspaces is enough.
    const writable = host.sharedMounts.findIndex((m) => (m.writable || (m.writableFor ?? []).length > 0) && m.source !== source && within(source, m.source));
    if (control) report(p, apart("a source", source, control, "every workspace would have it"), source);
    else if (overlaps(source, host.homeRoot) || homes.some((h) => overlaps(h.home, source))) {
      report(p, "expected a source apart from every home and the home root: every workspace would have them", source);
    } else if (runtimeRoot !== undefined && overlaps(source, runtimeRoot) && !overlaps(mount.target ?? source, runtimeRoot)) {
      // Where the target meets it too, the front door's own check reports it.
      report(p, `expected a source apart from frontDoor.runtimeRoot ${runtimeRoot}, which holds every workspace's server socket`, source);
    } else if (writable >= 0) {
      report(p, `expected a source outside host.sharedMounts[${writable}]'s writable source: any workspace can put a link to anywhere there`, source);
    } else return;
    refused.add(i);
  });
  return refused;
}

/**
 * Homes and the home root: a workspace mounts its home read-write, and the container
 * that creates a home (root, CAP_CHOWN) mounts the home's parent read-write.
 */
export function checkHomePaths(config: PartialConfig, homes: readonly Home[], report: Report): void {
  const { host } = config;
  const rootControl = hostControl(host.homeRoot);
  if (rootControl) report(["host", "homeRoot"], apart("a home root", host.homeRoot, rootControl, "every home in it is mounted read-write"), host.homeRoot);
  for (const { home, index, explicit } of homes) {
    // A home derived from a refused home root is reported there, once.
    if (!explicit) continue;
    const p = ["users", index, "home"];
    const control = hostControl(home);
    const parent = path.posix.dirname(home);
    const parentControl = host.createHomes ? hostControl(parent) : undefined;
    if (control) report(p, apart("a home", home, control, "the workspace mounts its home read-write"), home);
    else if (parentControl) {
      report(
        p,
        apart("a home whose parent is a directory", parent, parentControl, `the container that creates the home mounts ${parent} read-write, as root`),
        home,
      );
    }
  }
}
