// `homedock status` and `restart` of a config with a swarm section, through a manager's
// API (DOCKER_HOST may be ssh://). Status: each workspace's service, the node its user
// is placed on and whether that node is up, its task's state and since when; what a
// node's own engine holds (memory, CPU, the Jupyter server's activity) is not read on a
// Swarm yet. Restart: a new task of each service named, on the same node.
import type { HostModel } from "../model/model";
import { scopedServiceName, swarmServiceName } from "../model/swarm";
import { answered, type DockerAsync, HostUnreadableError, notAnswering } from "../docker/docker-cli";
import { parseNodeInspect, type SwarmNodeState } from "../docker/swarm-nodes";
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
  readonly error: string | null;
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
  return tasks.map((t: { ID?: unknown; NodeID?: unknown; DesiredState?: unknown; Status?: { State?: unknown; Timestamp?: unknown; Err?: unknown } }) => ({
    id: typeof t.ID === "string" ? t.ID : "",
    service: (typeof t.ID === "string" ? serviceOf.get(t.ID) : undefined) ?? "",
    nodeId: typeof t.NodeID === "string" ? t.NodeID : "",
    desiredState: typeof t.DesiredState === "string" ? t.DesiredState : "",
    state: typeof t.Status?.State === "string" ? t.Status.State : "unknown",
    timestamp: typeof t.Status?.Timestamp === "string" && t.Status.Timestamp !== "" ? t.Status.Timestamp : null,
    error: typeof t.Status?.Err === "string" && t.Status.Err !== "" ? t.Status.Err : null,
  }));
}

const STARTING = new Set(["new", "pending", "assigned", "accepted", "preparing", "ready", "starting"]);
const STOPPED = new Set(["complete", "shutdown"]);

/** The task that says how a service is: the newest one meant to run, else the newest of all. */
function current(tasks: readonly TaskFacts[]): TaskFacts | undefined {
  const newest = (ts: readonly TaskFacts[]) => [...ts].sort((a, b) => (b.timestamp ?? "").localeCompare(a.timestamp ?? ""))[0];
  return newest(tasks.filter((t) => t.desiredState === "running")) ?? newest(tasks);
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
    const task = current(tasks.filter((t) => t.service === service));
    if (task === undefined) return { ...base, state: "starting", dockerState: null, since: null, reason: "no task yet" };
    const placed = nodes.find((n) => n.label === node);
    const row = { ...base, dockerState: task.state, since: task.timestamp };
    // A node that is not ready: the manager's last word on its task may still be "running".
    if (placed === undefined) return { ...row, state: "down", reason: `no node has the label of ${node}` };
    if (placed.state !== "ready") return { ...row, state: "down", reason: `its node ${node} is ${placed.state}` };
    if (task.state === "running") return { ...row, state: "running" };
    if (STARTING.has(task.state)) return { ...row, state: "starting" };
    if (STOPPED.has(task.state)) return { ...row, state: "stopped" };
    return { ...row, state: "down", reason: `task ${task.state}${task.error === null ? "" : `: ${task.error}`}` };
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

/** The names of the services of the Swarm (all of them: a workspace's is found by its name). */
export async function listServiceNames(docker: DockerAsync): Promise<Set<string>> {
  const names = answered(await docker(["service", "ls", "--format", "{{.Name}}"]), "docker service ls").stdout.split("\n");
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
 * workspace services, and their tasks (history included; the current one is chosen).
 * @throws HostUnreadableError when the manager does not answer or is not one
 */
export async function readSwarmWorkspaces(host: HostModel, docker: DockerAsync): Promise<WorkspaceStatus[]> {
  const ids = answered(await docker(["node", "ls", "-q"]), "docker node ls (on a Swarm manager)")
    .stdout.split("\n")
    .filter(Boolean);
  const nodes = ids.length === 0 ? [] : parseNodeInspect(answered(await docker(["node", "inspect", ...ids]), "docker node inspect").stdout);
  const wanted = new Set(host.workspaces.map((ws) => scopedServiceName(host.name, swarmServiceName(ws.user.name, ws.environment.name))));
  const services = new Set([...(await listServiceNames(docker))].filter((n) => wanted.has(n)));
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
    if (serviceOf.size > 0)
      tasks = parseTaskInspect(answered(await docker(["inspect", "--type", "task", ...serviceOf.keys()]), "docker inspect of tasks").stdout, serviceOf);
  }
  return swarmWorkspaceStatus(host, nodes, services, tasks);
}
