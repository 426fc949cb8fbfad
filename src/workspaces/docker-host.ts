// A host's workspace containers through the Docker API (the docker CLI, so DOCKER_HOST,
// ssh:// included, picks the host): a fixed number of docker processes, however many
// workspaces there are.
import { answered, type DockerAsync, dockerCliAsync, HostUnreadableError, notAnswering } from "../docker/docker-cli";
import { LABEL_HOST, LABEL_ROLE } from "../container/container";
import { RestartError } from "./restart";
import { type ContainerFacts, type ContainerUsage, type ListedContainer, parseInspect, parsePs, parseStats, sampled } from "./status";

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

/** Memory in use and CPU of the containers `ids`: one `docker stats --no-stream`. */
async function usage(ids: readonly string[], docker: DockerAsync): Promise<Map<string, ContainerUsage>> {
  if (ids.length === 0) return new Map();
  const r = await docker(["stats", "--no-stream", "--no-trunc", "--format", "{{json .}}", ...ids]);
  // One that stopped since fails the command, the others are sampled: what was printed is used.
  if (r.error || (r.status !== 0 && notAnswering(r.stderr))) answered(r, "docker stats");
  return parseStats(r.stdout);
}

/**
 * The host's workspace containers and the usage of those that run: `docker ps`, then
 * `docker inspect` and `docker stats` side by side (stats takes a second or two: the
 * engine samples CPU twice, a second apart).
 * @throws HostUnreadableError when Docker does not answer
 */
export async function readWorkspaces(host: string, docker: DockerAsync = dockerCliAsync): Promise<{ containers: ContainerFacts[]; usage: Map<string, ContainerUsage> }> {
  const listed = await listWorkspaceContainers(host, docker);
  const [containers, used] = await Promise.all([inspect(listed.map((c) => c.id), docker), usage(sampled(listed), docker)]);
  return { containers, usage: used };
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
