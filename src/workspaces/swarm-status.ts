// `homedock status` and `restart` of a config with a swarm section, through a manager's
// API (DOCKER_HOST may be ssh://). Status: each workspace's service, the node its user
// is placed on and whether that node is up, its task's state and since when, and the
// container of each running task (whose memory and CPU a job on its node reads: see
// src/cli/status-swarm.ts); the Jupyter server's activity is not read on a Swarm yet.
// Restart: a new task of each service named, on the same node.
import type { HostModel } from "../model/model";
import { scopedServiceName, swarmServiceName } from "../model/swarm";
import { LABEL_HOST } from "../container/common";
import { answered, type DockerAsync, HostUnreadableError, inspected, notAnswering } from "../docker/docker-cli";
import { readSwarmNodes, type SwarmNodeState } from "../docker/swarm-nodes";
import { RestartError, type RestartPlace } from "./restart";
import type { WorkspaceStatus } from "./status";

/** A task of a workspace's service, as `docker inspect` has it: the fields read here. */
export interface TaskFacts {
  readonly id: string;
  /** Its service's name (Docker's, `<host>_<user>--<environment>`). */
  readonly service: string;
  readonly nodeId: string;
  /** What the orchestrator wants of it: running, shutdown, ... */
  readonly desiredState: string;
  /** Its state: new, pending, assigned, accepted, preparing, starting, running, complete, shutdown, failed, rejected, orphaned, remove. */
  readonly state: string;
  /** When it reached that state. */
  readonly timestamp: string | null;
  /** When it was made (ms since the epoch; NaN when Docker did not say), and its store version: which task is newest. */
  readonly createdMs: number;
  readonly version: number;
  readonly error: string | null;
  /** Its container's id on its node, once it has one. */
  readonly containerId: string | null;
}

/**
 * `docker inspect`'s JSON of tasks, as the fields read here; `serviceOf` names each
 * task's service by the task's id (`docker service ps` says it by name, and a task by
 * its service's id, which `docker service ls` prints only cut short).
 * @throws HostUnreadableError when it is not that JSON
 */
export function parseTaskInspect(json: string, serviceOf: ReadonlyMap<string, string>): TaskFacts[] {
  let tasks: unknown;
  try {
    tasks = JSON.parse(json);
  } catch {
    tasks = undefined;
  }
  if (!Array.isArray(tasks)) throw new HostUnreadableError(`docker inspect of tasks: expected a JSON array, got ${JSON.stringify(json.slice(0, 80))}`);
  return tasks.map(
    (t: {
      ID?: unknown;
      NodeID?: unknown;
      DesiredState?: unknown;
      CreatedAt?: unknown;
      Version?: { Index?: unknown };
      Status?: { State?: unknown; Timestamp?: unknown; Err?: unknown; ContainerStatus?: { ContainerID?: unknown } };
    }) => ({
      id: typeof t.ID === "string" ? t.ID : "",
      service: (typeof t.ID === "string" ? serviceOf.get(t.ID) : undefined) ?? "",
      nodeId: typeof t.NodeID === "string" ? t.NodeID : "",
      desiredState: typeof t.DesiredState === "string" ? t.DesiredState : "",
      state: typeof t.Status?.State === "string" ? t.Status.State : "unknown",
      timestamp: typeof t.Status?.Timestamp === "string" && t.Status.Timestamp !== "" ? t.Status.Timestamp : null,
      createdMs: typeof t.CreatedAt === "string" ? Date.parse(t.CreatedAt) : NaN,
      version: typeof t.Version?.Index === "number" ? t.Version.Index : 0,
      error: typeof t.Status?.Err === "string" && t.Status.Err !== "" ? t.Status.Err : null,
      containerId:
        typeof t.Status?.ContainerStatus?.ContainerID === "string" && t.Status.ContainerStatus.ContainerID !== "" ? t.Status.ContainerStatus.ContainerID : null,
    }),
  );
}

const STARTING = new Set(["new", "pending", "assigned", "accepted", "preparing", "ready", "starting"]);
const STOPPED = new Set(["complete", "shutdown"]);
const FAILED = new Set(["failed", "rejected", "orphaned"]);

/** Newest first: by when each was made (not when it last changed state: an old task may stop late), then by store version. */
function newestFirst(tasks: readonly TaskFacts[]): TaskFacts[] {
  const made = (t: TaskFacts) => (Number.isNaN(t.createdMs) ? -Infinity : t.createdMs);
  return [...tasks].sort((a, b) => made(b) - made(a) || b.version - a.version);
}

/**
 * The task that says how a service is: the newest one meant to run (desired running, or
 * ready: a replacement waiting out its restart delay), else the newest of all; and the
 * error of the newest task that failed, when the service has not run since.
 */
function current(tasks: readonly TaskFacts[]): { task?: TaskFacts; failure?: TaskFacts } {
  const ordered = newestFirst(tasks);
  const task = ordered.find((t) => t.desiredState === "running" || t.desiredState === "ready") ?? ordered[0];
  const failure = task?.state === "running" ? undefined : ordered.find((t) => FAILED.has(t.state) && t.error !== null);
  return { task, failure };
}

/**
 * One row per workspace the config declares, in config order: from the Swarm's nodes,
 * the names of the services there are (Docker's, `<host>_<user>--<environment>`) and their tasks.
 */
export function swarmWorkspaceStatus(
  host: HostModel,
  nodes: readonly SwarmNodeState[],
  services: ReadonlySet<string>,
  tasks: readonly TaskFacts[],
): WorkspaceStatus[] {
  return host.workspaces.map((ws) => {
    const node = ws.user.node!;
    const service = scopedServiceName(host.name, swarmServiceName(ws.user.name, ws.environment.name));
    const base = {
      user: ws.user.name,
      environment: ws.environment.name,
      container: service,
      node,
      memoryBytes: null,
      memoryLimitBytes: ws.memoryMiB * 2 ** 20,
      cpuPercent: null,
      jupyter: ws.environment.jupyter !== undefined,
      lastActivity: null,
      kernels: null,
      jupyterError: ws.environment.jupyter !== undefined ? "not read on a Swarm yet" : null,
    };
    if (!services.has(service)) return { ...base, state: "missing", dockerState: null, since: null };
    const { task, failure } = current(tasks.filter((t) => t.service === service));
    const row = { ...base, dockerState: task?.state ?? null, since: task?.timestamp ?? null };
    // Its node first: on a node that is not ready the manager's last word on its task may
    // still be "running"; on a drained one it is shut down and its next waits, pending.
    const placed = nodes.find((n) => n.label === node);
    if (placed === undefined) return { ...row, state: "down", reason: `no node has the label of ${node}` };
    if (placed.state !== "ready") return { ...row, state: "down", reason: `its node ${node} is ${placed.state}` };
    if (placed.availability === "drain") return { ...row, state: "down", reason: `its node ${node} is drained` };
    if (task === undefined) return { ...row, state: "stopped", reason: "no task (scaled to 0?)" };
    if (task.state === "running") return { ...row, state: "running" };
    // Not running since a task failed (a crash loop, a missing home): down, and why.
    if (failure !== undefined) return { ...row, state: "down", reason: `task ${failure.state}: ${failure.error}` };
    if (STARTING.has(task.state)) return task.error === null ? { ...row, state: "starting" } : { ...row, state: "starting", reason: task.error };
    if (STOPPED.has(task.state)) return { ...row, state: "stopped" };
    return { ...row, state: "down", reason: `task ${task.state}${task.error === null ? "" : `: ${task.error}`}` };
  });
}

/** A running workspace's task: its service (the row's `container`), its node (label) and its container there. */
export interface RunningTask {
  readonly service: string;
  readonly node: string;
  readonly containerId: string;
}

/** The containers of the rows that run, for what each node's engine holds of them (memory, CPU). */
export function runningTasks(rows: readonly WorkspaceStatus[], tasks: readonly TaskFacts[]): RunningTask[] {
  return rows.flatMap((row) => {
    if (row.state !== "running" || row.node === undefined) return [];
    const id = current(tasks.filter((t) => t.service === row.container)).task?.containerId;
    return id === null || id === undefined ? [] : [{ service: row.container, node: row.node, containerId: id }];
  });
}

/** A Swarm's: each workspace's service, `<host>_<user>--<environment>`. */
export function onSwarm(host: HostModel): RestartPlace {
  return {
    nameOf: (ws) => scopedServiceName(host.name, swarmServiceName(ws.user.name, ws.environment.name)),
    kind: "service",
    where: "the Swarm",
    deploy: "homedock swarm deploy",
  };
}

/** The names of the host's services (labelled with it, as both the stack file and Terraform label them). */
export async function listServiceNames(host: string, docker: DockerAsync): Promise<Set<string>> {
  const names = answered(await docker(["service", "ls", "--filter", `label=${LABEL_HOST}=${host}`, "--format", "{{.Name}}"]), "docker service ls").stdout.split(
    "\n",
  );
  return new Set(names.map((n) => n.trim()).filter(Boolean));
}

/**
 * Restarts each service: `docker service update --force`, a new task on the same node
 * (its placement is unchanged), not waited for (a node that is down would keep it
 * waiting); `homedock status` says when it runs.
 * @throws RestartError naming the services restarted before one Docker refused
 */
export async function restartServices(names: readonly string[], docker: DockerAsync): Promise<void> {
  const restarted: string[] = [];
  for (const name of names) {
    const r = await docker(["service", "update", "--force", "--detach", "--quiet", name]);
    if (r.error || notAnswering(r.stderr)) answered(r, "docker service update");
    if (r.status !== 0) {
      const reason = r.stderr.trim().split("\n").join("; ");
      throw new RestartError(`docker service update --force ${name} failed: ${reason}; restarted: ${restarted.length === 0 ? "none" : restarted.join(", ")}`);
    }
    restarted.push(name);
  }
}

/**
 * Reads, through a manager, what swarmWorkspaceStatus needs: the nodes, the host's
 * workspace services, and their tasks (history included; the current one is chosen);
 * the rows, and the containers of those that run.
 * @throws HostUnreadableError when the manager does not answer or is not one
 */
export async function readSwarmWorkspaces(host: HostModel, docker: DockerAsync): Promise<{ rows: WorkspaceStatus[]; running: RunningTask[] }> {
  const nodes = await readSwarmNodes(docker);
  const wanted = new Set(host.workspaces.map((ws) => scopedServiceName(host.name, swarmServiceName(ws.user.name, ws.environment.name))));
  const services = new Set([...(await listServiceNames(host.name, docker))].filter((n) => wanted.has(n)));
  let tasks: TaskFacts[] = [];
  if (services.size > 0) {
    // Each task by id with its name, `<service>.<slot>`: whose it is.
    const listed = answered(await docker(["service", "ps", "--no-trunc", "--format", "{{.ID}} {{.Name}}", ...services]), "docker service ps").stdout;
    const serviceOf = new Map<string, string>();
    for (const line of listed.split("\n")) {
      const [id, name] = line.trim().split(" ");
      const service = name?.replace(/\.\d+$/, "");
      if (service !== undefined && services.has(service)) serviceOf.set(id, service);
    }
    if (serviceOf.size > 0) {
      // A task removed since (Swarm keeps a few per slot and reaps the older) fails the
      // command, and docker still prints the others.
      tasks = parseTaskInspect(inspected(await docker(["inspect", "--type", "task", ...serviceOf.keys()]), "docker inspect of tasks"), serviceOf);
    }
  }
  const rows = swarmWorkspaceStatus(host, nodes, services, tasks);
  return { rows, running: runningTasks(rows, tasks) };
}
