// A host's workspace containers through the Docker API (the docker CLI, so DOCKER_HOST,
// ssh:// included, picks the host): a fixed number of docker processes, however many
// workspaces there are.
import { answered, type DockerAsync, dockerCliAsync, HostUnreadableError, notAnswering } from "../docker/docker-cli";
import { LABEL_HOST, LABEL_ROLE } from "../spec/container-spec";
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

/** What `docker inspect` says of the containers `ids`. */
async function inspect(ids: readonly string[], docker: DockerAsync): Promise<ContainerFacts[]> {
  if (ids.length === 0) return [];
  const r = await docker(["inspect", "--type", "container", ...ids]);
  // A container removed since `docker ps` fails the command; the others are still printed.
  const printed = r.status !== 0 && !r.error && r.stdout.trim().startsWith("[") ? r.stdout : answered(r, "docker inspect").stdout;
  try {
    return parseInspect(printed);
  } catch (err) {
    throw new HostUnreadableError(`docker inspect printed no list of containers: ${(err as Error).message}`);
  }
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
