// A host of "web" workspaces on the test Swarm, as the Swarm suites deploy it (swarm
// deploy's stack file, or Terraform's services): its config, the homes made beforehand
// where the accounts are, the user data every deploy must keep, a task's container.
import { chmodSync, chownSync, mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "vitest";
import type { SwarmNode, SwarmRig } from "./swarm";
import { snapshot, type Tree, writeTree } from "./trees";

/** Every workspace serves "pong <uid>" on 8080, as its user: the port another workspace tries. */
export const SERVE = "mkdir -p /tmp/w && echo pong $(id -u) > /tmp/w/index.html && exec httpd -f -p 8080 -h /tmp/w";

/** A user of the host, pinned to a node or placed by homedock. */
export interface WebUser {
  readonly name: string;
  readonly uid: number;
  readonly node?: string;
}

/** The rig's shared directory (on every node at the same path) holds the homes, and the shared data beside them. */
export const homeRootOf = (rig: SwarmRig) => path.join(rig.homes, "home");

/** Every file of every home, but what the seeder keeps for itself. */
export const userDataOf = (rig: SwarmRig) => snapshot(homeRootOf(rig), (rel) => rel.endsWith("/.homedock") || rel.includes("/.homedock/"));

/** The config of host `host` on `nodes`: environment "web" of `image` with `limits` (YAML lines under it), and `users`. */
export function webConfig(rig: SwarmRig, host: string, nodes: readonly string[], image: string, limits: readonly string[], users: readonly WebUser[]): string {
  const lines = [
    "host:",
    `  name: ${host}`,
    "  createHomes: false",
    `  homeRoot: ${homeRootOf(rig)}`,
    "  sharedMounts:",
    `    - source: ${path.join(rig.homes, "data")}`,
    "      target: /srv/data",
    "swarm:",
    "  nodes:",
    ...nodes.map((n) => `    - name: ${n}`),
    "environments:",
    "  - name: web",
    `    image: ${image}`,
    `    command: [sh, -c, ${JSON.stringify(SERVE)}]`,
    ...limits.map((l) => `    ${l}`),
    "users:",
    ...users.map((u) => `  - { name: ${u.name}, uid: ${u.uid}, gid: ${u.uid}${u.node ? `, node: ${u.node}` : ""} }`),
  ];
  return `${lines.join("\n")}\n`;
}

/** Homes made where the accounts are (createHomes is refused on a Swarm): here, beforehand, each its user's, 0700; and the shared data. */
export function makeHomes(rig: SwarmRig, users: readonly WebUser[]): void {
  for (const u of users) {
    const home = path.join(homeRootOf(rig), u.name);
    mkdirSync(home, { recursive: true });
    const tree: Tree = new Map([
      ["notes.txt", { kind: "file", content: `${u.name}'s notes\n`, mode: 0o600 }],
      ["web", { kind: "dir", mode: 0o755 }],
      ["web/analysis.py", { kind: "file", content: `print("${u.name}")\n`, mode: 0o644 }],
      ["web/welcome.txt", { kind: "file", content: "mine, not the image's\n", mode: 0o600 }],
      ["link", { kind: "link", target: "notes.txt" }],
    ]);
    writeTree(home, tree, u.uid, u.uid);
    chmodSync(home, 0o700);
    chownSync(home, u.uid, u.uid);
  }
  mkdirSync(path.join(rig.homes, "data"));
  writeFileSync(path.join(rig.homes, "data", "dataset.csv"), "a,b\n1,2\n");
}

/** The one container of `service`'s running task on `node`. */
export async function taskContainer(rig: SwarmRig, node: SwarmNode, service: string): Promise<string> {
  const ids = (await rig.docker(node, "ps", "-q", "--filter", `label=com.docker.swarm.service.name=${service}`)).trim().split("\n").filter(Boolean);
  expect(ids, `${service}'s container on ${node}`).toHaveLength(1);
  return ids[0];
}

/** What the workspace in `container` on `node` gets from `address`:8080: "pong <uid of the server>" (SERVE), or nc's complaint. */
export async function fetchFrom(rig: SwarmRig, node: SwarmNode, container: string, address: string): Promise<string> {
  const r = await rig.dockerStatus(node, "exec", container, "sh", "-c", `printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${address} 8080 | tail -n 1`);
  return r.stdout.trim() || r.stderr.trim();
}

/** The address of the task in `container` on its node's bridge. */
export async function bridgeAddress(rig: SwarmRig, node: SwarmNode, container: string): Promise<string> {
  return (await rig.docker(node, "inspect", "-f", "{{.NetworkSettings.Networks.bridge.IPAddress}}", container)).trim();
}

/** A node's address on the Swarm. */
export async function nodeAddress(rig: SwarmRig, node: SwarmNode): Promise<string> {
  return (await rig.docker(node, "info", "-f", "{{.Swarm.NodeAddr}}")).trim();
}
