// A host's workspace containers through the Docker API (the docker CLI, so DOCKER_HOST,
// ssh:// included, picks the host): a fixed number of docker processes for the
// containers, however many workspaces there are, and one `docker exec` per running
// Jupyter workspace behind the front door.
import { answered, type DockerAsync, dockerCliAsync, HostUnreadableError, notAnswering } from "../docker/docker-cli";
import { LABEL_HOST, LABEL_ROLE } from "../spec/container-spec";
import { type JupyterActivity, type JupyterProbe, JUPYTER_TIMEOUT_SECONDS, jupyterStatusArgs, parseJupyterStatus, probeFailure } from "./jupyter-status";
import { RestartError } from "./restart";
import { type ContainerFacts, type ContainerUsage, type ListedContainer, parseInspect, parsePs, parseStats, sampled } from "./status";

/** Jupyter servers asked at a time. */
export const JUPYTER_PARALLEL = 10;

/**
 * Every workspace container labelled with `host`, running or not: one `docker ps`.
 * @throws HostUnreadableError when Docker does not answer
 */
export async function listWorkspaceContainers(host: string, docker: DockerAsync = dockerCliAsync): Promise<ListedContainer[]> {
  const filters = ["--filter", `label=${LABEL_HOST}=${host}`, "--filter", `label=${LABEL_ROLE}=workspace`];
  const ps = answered(await docker(["ps", "-a", "--no-trunc", ...filters, "--format", "{{.ID}}\t{{.State}}\t{{.Names}}"]), "docker ps");
  return parsePs(ps.stdout);
}

/**
 * `docker inspect --type <type>` of `names`, as docker prints it: one that is missing (a
 * container removed since `docker ps`, an image not on the host) fails the command,
 * and the others are still printed.
 */
async function inspectRaw(type: "container" | "image", names: readonly string[], docker: DockerAsync): Promise<string> {
  if (names.length === 0) return "[]";
  const r = await docker(["inspect", "--type", type, ...names]);
  return r.status !== 0 && !r.error && r.stdout.trim().startsWith("[") ? r.stdout : answered(r, "docker inspect").stdout;
}

function jsonList(printed: string, what: string): Record<string, unknown>[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(printed);
  } catch (err) {
    throw new HostUnreadableError(`docker inspect printed no list of ${what}: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new HostUnreadableError(`docker inspect printed no list of ${what}: got ${typeof parsed}`);
  return parsed;
}

/** What `docker inspect` says of the containers `ids`. */
async function inspect(ids: readonly string[], docker: DockerAsync): Promise<ContainerFacts[]> {
  const printed = await inspectRaw("container", ids, docker);
  try {
    return parseInspect(printed);
  } catch (err) {
    throw new HostUnreadableError(`docker inspect printed no list of containers: ${(err as Error).message}`);
  }
}

/**
 * Every container labelled with `host` (all roles, running or not) and the images
 * `images` that the host has, as `docker inspect` prints them: one `docker ps`, then
 * one inspect of the containers and one of the images, side by side.
 * @throws HostUnreadableError when Docker does not answer
 */
export async function inspectHost(
  host: string,
  images: readonly string[],
  docker: DockerAsync = dockerCliAsync,
): Promise<{ containers: Record<string, unknown>[]; images: Record<string, unknown>[] }> {
  const ps = answered(await docker(["ps", "-a", "-q", "--no-trunc", "--filter", `label=${LABEL_HOST}=${host}`]), "docker ps");
  const ids = ps.stdout.split("\n").filter((id) => id !== "");
  const [containers, found] = await Promise.all([inspectRaw("container", ids, docker), inspectRaw("image", [...new Set(images)], docker)]);
  return { containers: jsonList(containers, "containers"), images: jsonList(found, "images") };
}

/**
 * Memory in use and CPU of the containers `ids`: one `docker stats --no-stream` (the
 * engine answers at its stats collector's second cycle, a second apart: see
 * bench/RESULTS.md for why the Engine API's one-shot stats are no faster on Docker 20.10).
 */
async function usage(ids: readonly string[], docker: DockerAsync): Promise<Map<string, ContainerUsage>> {
  if (ids.length === 0) return new Map();
  const r = await docker(["stats", "--no-stream", "--no-trunc", "--format", "{{json .}}", ...ids]);
  // One that stopped since fails the command, the others are sampled: what was printed is used.
  if (r.error || (r.status !== 0 && notAnswering(r.stderr))) answered(r, "docker stats");
  return parseStats(r.stdout);
}

/** `items` through `work`, at most `limit` at a time, in order. */
async function bounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * The status of each Jupyter server of `probes` (those whose container runs): one
 * `docker exec` each, as the workspace's user, JUPYTER_PARALLEL at a time, each given a
 * few seconds; one that does not answer has an error, never fails the rest.
 */
export async function jupyterActivity(probes: readonly JupyterProbe[], docker: DockerAsync = dockerCliAsync): Promise<Map<string, JupyterActivity>> {
  const answers = await bounded(probes, JUPYTER_PARALLEL, async (probe) => {
    const r = await docker(jupyterStatusArgs(probe), { timeoutMs: (JUPYTER_TIMEOUT_SECONDS + 2) * 1000 });
    if (r.error) answered(r, "docker exec"); // docker cannot run: the whole command says so
    return r.status === 0 ? parseJupyterStatus(r.stdout) : probeFailure(r.status, r.stderr, r.timedOut === true);
  });
  return new Map(probes.map((p, i) => [p.container, answers[i]]));
}

/**
 * The host's workspace containers, the usage of those that run and the status of their
 * Jupyter servers: `docker ps`, then side by side `docker inspect`, `docker stats` and
 * the Jupyter servers' `docker exec`s. `probes`: the routed Jupyter workspaces
 * (jupyterProbes); those whose container runs are asked.
 * @throws HostUnreadableError when Docker does not answer
 */
export async function readWorkspaces(
  host: string,
  docker: DockerAsync = dockerCliAsync,
  probes: readonly JupyterProbe[] = [],
): Promise<{ containers: ContainerFacts[]; usage: Map<string, ContainerUsage>; activity: Map<string, JupyterActivity> }> {
  const listed = await listWorkspaceContainers(host, docker);
  const running = new Set(listed.filter((c) => c.state === "running").map((c) => c.name));
  const asked = probes.filter((p) => running.has(p.container));
  const [containers, used, activity] = await Promise.all([
    inspect(listed.map((c) => c.id), docker),
    usage(sampled(listed), docker),
    jupyterActivity(asked, docker),
  ]);
  return { containers, usage: used, activity };
}

/**
 * Restarts the containers `names` (`docker restart`: same containers, same ids).
 * @throws HostUnreadableError when Docker does not answer
 * @throws RestartError when one fails to restart: docker's reason and which did restart
 */
export async function restartContainers(names: readonly string[], docker: DockerAsync = dockerCliAsync): Promise<void> {
  const r = await docker(["restart", ...names]);
  if (r.error || r.status === 0 || notAnswering(r.stderr)) return void answered(r, "docker restart");
  // docker restart goes on after a container that fails; it prints the name of each that restarted.
  const restarted = r.stdout.split("\n").filter((name) => name !== "");
  const reason = r.stderr.trim().split("\n").join("; ");
  throw new RestartError(`docker restart failed: ${reason}; restarted: ${restarted.length === 0 ? "none" : restarted.join(", ")}`);
}
