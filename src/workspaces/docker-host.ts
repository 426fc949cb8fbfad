// A host's workspace containers through the Docker API (the docker CLI, so DOCKER_HOST,
// ssh:// included, picks the host): a fixed number of docker processes, however many
// workspaces there are.
import { answered, type Docker, dockerCli, notAnswering } from "../docker/docker-cli";
import { LABEL_HOST, LABEL_ROLE } from "../spec/container-spec";
import { type ContainerFacts, type ContainerUsage, parseInspect, parseStats } from "./status";

/**
 * Every workspace container labelled with `host`, running or not: one `docker ps`, one `docker inspect`.
 * @throws HostUnreadableError when Docker does not answer
 */
export function readWorkspaceContainers(host: string, docker: Docker = dockerCli): ContainerFacts[] {
  const ps = answered(docker(["ps", "-a", "-q", "--no-trunc", "--filter", `label=${LABEL_HOST}=${host}`, "--filter", `label=${LABEL_ROLE}=workspace`]), "docker ps");
  const ids = ps.stdout.split("\n").filter((id) => id !== "");
  if (ids.length === 0) return [];
  const r = docker(["inspect", "--type", "container", ...ids]);
  // A container removed since `docker ps` fails the command; the others are still printed.
  if (r.status !== 0 && !r.error && r.stdout.trim().startsWith("[")) return parseInspect(r.stdout);
  return parseInspect(answered(r, "docker inspect").stdout);
}

/**
 * Memory in use and CPU of the containers `ids` (running ones): one `docker stats --no-stream`.
 * @throws HostUnreadableError when Docker does not answer
 */
export function readUsage(ids: readonly string[], docker: Docker = dockerCli): Map<string, ContainerUsage> {
  if (ids.length === 0) return new Map();
  const r = docker(["stats", "--no-stream", "--no-trunc", "--format", "{{json .}}", ...ids]);
  // One that stopped since fails the command, the others are sampled: what was printed is used.
  if (r.error || (r.status !== 0 && notAnswering(r.stderr))) answered(r, "docker stats");
  return parseStats(r.stdout);
}

/**
 * Restarts the containers `names` (`docker restart`: same containers, same ids).
 * @throws HostUnreadableError when Docker does not answer or a restart fails
 */
export function restartContainers(names: readonly string[], docker: Docker = dockerCli): void {
  answered(docker(["restart", ...names]), "docker restart");
}
