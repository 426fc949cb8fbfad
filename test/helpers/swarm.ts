// The test Swarm (scripts/swarm-rig.sh): three Docker-in-Docker nodes on this machine,
// node-1 the manager, node-2 and node-3 workers, one shared homes directory.
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterAll } from "vitest";
import { docker, dockerStatus } from "./docker";

const run = promisify(execFile);
const RIG = path.resolve(__dirname, "../../scripts/swarm-rig.sh");

export const SWARM_NODES = ["node-1", "node-2", "node-3"] as const;
export type SwarmNode = (typeof SWARM_NODES)[number];
export type SwarmWorker = Exclude<SwarmNode, "node-1">;

export interface SwarmRig {
  /** The prefix of every container, volume and network the rig makes. */
  readonly name: string;
  /** The host directory bind-mounted into every node at this same path. */
  readonly homes: string;
  /** Starts what is missing and carries `images` into every node that lacks them. */
  up(images: readonly string[]): Promise<void>;
  /** Removes everything `up` made. */
  down(): Promise<void>;
  /** A node's Docker API from this machine, as DOCKER_HOST says it (node-1's is the manager's). */
  socket(node: SwarmNode): string;
  /** Runs docker against a node's daemon (node-1 is the manager); stdout. */
  docker(node: SwarmNode, ...args: string[]): Promise<string>;
  /** As `docker`, resolving with status and output instead of throwing. */
  dockerStatus(node: SwarmNode, ...args: string[]): Promise<{ status: number; stdout: string; stderr: string }>;
  /** Kills a worker as a machine dies. */
  stop(node: SwarmWorker): Promise<void>;
  /** Starts a stopped worker and waits until the manager sees it Ready. */
  start(node: SwarmWorker): Promise<void>;
  /** Writes the node baseline into a worker's daemon.json (or leaves it out), restarts it, waits until Ready. */
  baseline(node: SwarmWorker, on: boolean): Promise<void>;
}

export function swarmRig(name: string): SwarmRig {
  const dir = path.join("/tmp", name);
  const env = { ...process.env, HOMEDOCK_SWARM_NAME: name, HOMEDOCK_SWARM_DIR: dir };
  const rig = async (...args: string[]) => {
    await run("bash", [RIG, ...args], { env, maxBuffer: 16 << 20 });
  };
  const host = (node: SwarmNode) => `unix://${dir}/${node}/docker.sock`;
  return {
    name,
    homes: path.join(dir, "homes"),
    up: (images) => rig("up", ...images),
    down: () => rig("down"),
    socket: host,
    docker: (node, ...args) => docker("-H", host(node), ...args),
    dockerStatus: (node, ...args) => dockerStatus("-H", host(node), ...args),
    stop: (node) => rig("stop", node),
    start: (node) => rig("start", node),
    baseline: (node, on) => rig("baseline", node, on ? "on" : "off"),
  };
}

/** After all of a file's tests: its rig taken down, then its scratch directory removed (each where it was made). */
export function removeAfterAll(rig: () => SwarmRig | undefined, dir: () => string | undefined): void {
  afterAll(async () => {
    const made = rig();
    if (made) await made.down();
    const scratch = dir();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }, 300_000);
}
