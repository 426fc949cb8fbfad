// A host's workspace containers through the Docker API (the docker CLI, so DOCKER_HOST,
// ssh:// included, picks the host; the local engine's socket for the stats): a fixed
// number of docker processes for the containers, however many workspaces there are, and
// one `docker exec` per running Jupyter workspace behind the front door. On the Docker
// host itself, the stats come from the containers' cgroups (cgroup-stats.ts).
import { type Engine, EngineTimeout, localEngineSocketHere, socketEngine } from "../docker/engine-socket";
import { answered, type DockerAsync, dockerCliAsync, HostUnreadableError, inspected, notAnswering } from "../docker/docker-cli";
import { LABEL_HOST, LABEL_ROLE, ROLE } from "../container/container";
import type { InspectedContainer, InspectedImage } from "../review/compose-preview";
import { apiVersionOf, hasOneShotStats, oneShotStatsPath, parseStatsSample, type StatsSample, usageBetween } from "./engine-stats";
import {
  demultiplex,
  type JupyterActivity,
  jupyterExecConfig,
  type JupyterProbe,
  JUPYTER_TIMEOUT_SECONDS,
  jupyterStatusArgs,
  parseJupyterStatus,
  probeFailure,
} from "./jupyter-status";
import { RestartError } from "./restart";
import { type ContainerProcess, cgroupSampler } from "./cgroup-stats";
import { cpus } from "node:os";
import { askOnSocket, linksProtected } from "./jupyter-socket";
import { type ContainerFacts, type ContainerUsage, type ListedContainer, parseInspect, parsePs, parseStats, sampled } from "./status";

/** The pause between the two stats samples whose difference is the CPU figure. */
export const STATS_INTERVAL_MS = 500;
/** Jupyter servers asked at a time. */
export const JUPYTER_PARALLEL = 10;

/**
 * Every workspace container labelled with `host`, running or not: one `docker ps`.
 * @throws HostUnreadableError when Docker does not answer
 */
export async function listWorkspaceContainers(host: string, docker: DockerAsync = dockerCliAsync): Promise<ListedContainer[]> {
  const filters = ["--filter", `label=${LABEL_HOST}=${host}`, "--filter", `label=${LABEL_ROLE}=${ROLE.workspace}`];
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
  return inspected(r, "docker inspect");
}

function jsonList(printed: string, what: string): unknown[] {
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
): Promise<{ containers: InspectedContainer[]; images: InspectedImage[] }> {
  const ps = answered(await docker(["ps", "-a", "-q", "--no-trunc", "--filter", `label=${LABEL_HOST}=${host}`]), "docker ps");
  const ids = ps.stdout.split("\n").filter((id) => id !== "");
  const [containers, found] = await Promise.all([inspectRaw("container", ids, docker), inspectRaw("image", [...new Set(images)], docker)]);
  return { containers: jsonList(containers, "containers") as InspectedContainer[], images: jsonList(found, "images") as InspectedImage[] };
}

/** Memory in use and CPU of the containers `ids`: one `docker stats --no-stream`. */
async function dockerStats(ids: readonly string[], docker: DockerAsync, signal?: AbortSignal): Promise<Map<string, ContainerUsage>> {
  const r = await docker(["stats", "--no-stream", "--no-trunc", "--format", "{{json .}}", ...ids], { signal });
  // One that stopped since fails the command, the others are sampled: what was printed is used.
  if (r.error || (r.status !== 0 && notAnswering(r.stderr))) answered(r, "docker stats");
  return parseStats(r.stdout);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Memory and CPU of the containers `ids` through the Engine API: a one-shot stats sample
 * of each, all at once, a pause of STATS_INTERVAL_MS, another; CPU from the two.
 * Undefined when the engine's API has no one-shot stats (before 1.41). A container gone
 * in between has no usage.
 * @throws Error when the engine cannot be reached this way (the caller falls back)
 */
async function engineStats(ids: readonly string[], engine: Engine): Promise<Map<string, ContainerUsage> | undefined> {
  const version = await engine.get("/version");
  const api = version.status === 200 ? apiVersionOf(version.body) : undefined;
  if (api === undefined || !hasOneShotStats(api)) return undefined;
  const one = async (id: string): Promise<StatsSample | undefined> => {
    const r = await engine.get(oneShotStatsPath(id));
    if (r.status !== 200) return undefined; // 404: removed since docker ps
    try {
      return parseStatsSample(r.body);
    } catch {
      return undefined;
    }
  };
  // All at once: Docker 20.10 answers each at its stats collector's next cycle (a second apart).
  const sample = () => Promise.all(ids.map(one));
  const first = await sample();
  await sleep(STATS_INTERVAL_MS);
  const second = await sample();
  return new Map(ids.map((id, i) => [id, usageBetween(first[i], second[i])]));
}

/** The first process of each running container `ids`, as the engine says (GET /containers/{id}/json, all at once). */
async function containerProcesses(ids: readonly string[], engine: Engine): Promise<ContainerProcess[]> {
  return Promise.all(
    ids.map(async (id) => {
      const r = await engine.get(`/containers/${encodeURIComponent(id)}/json`);
      const pid = r.status === 200 ? (JSON.parse(r.body) as { State?: { Pid?: unknown } } | null)?.State?.Pid : undefined;
      if (typeof pid !== "number" || !Number.isInteger(pid) || pid <= 0) throw new Error(`container ${id} has no running process`);
      return { id, pid };
    }),
  );
}

/**
 * Memory and CPU of the containers `ids` from their cgroups (cgroup-stats.ts): two
 * samples STATS_INTERVAL_MS apart, no wait for the engine's stats collector.
 * @throws Error when they cannot be read from here (the caller asks the engine)
 */
export async function cgroupStats(ids: readonly string[], engine: Engine): Promise<Map<string, ContainerUsage>> {
  const sample = cgroupSampler(await containerProcesses(ids, engine), cpus().length);
  const first = sample();
  await sleep(STATS_INTERVAL_MS);
  const second = sample();
  return new Map(ids.map((id, i) => [id, usageBetween(first[i], second[i])]));
}

/** The local engine's socket when the docker CLI would use one (else undefined: the CLI's own way). */
export const localEngine = (): Engine | undefined => {
  const socket = localEngineSocketHere();
  return socket === undefined ? undefined : socketEngine(socket);
};

/**
 * Memory in use and CPU of the containers `ids`: on the local engine, from their cgroups
 * (where this process can read them), else through the Engine API on its socket (two
 * one-shot samples of all of them), else with `docker stats
 * --no-stream` (the docker CLI: ssh://, tcp://, contexts; an engine before API 1.41; a
 * socket that cannot be used). docker stats takes the same two collector cycles and
 * then waits for its next half-second tick to print.
 */
async function usage(
  ids: readonly string[],
  docker: DockerAsync,
  openEngine: () => Engine | undefined,
  signal: AbortSignal,
): Promise<Map<string, ContainerUsage>> {
  if (ids.length === 0) return new Map();
  let engine: Engine | undefined;
  const stop = () => engine?.close();
  signal.addEventListener("abort", stop);
  try {
    engine = openEngine();
    if (engine !== undefined) {
      // The cgroups where they can be read here, else the engine's one-shot stats.
      const open = engine;
      const used = (await cgroupStats(ids, open).catch(() => undefined)) ?? (await engineStats(ids, open));
      if (used !== undefined) return used;
    }
  } catch {
    // The socket could not be used (permissions, gone): docker stats says why, if it is the engine.
  } finally {
    signal.removeEventListener("abort", stop);
    engine?.close();
  }
  if (signal.aborted) return new Map();
  return dockerStats(ids, docker, signal);
}

/** `items` through `work`, at most `limit` at a time, in order. */
async function bounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
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

/** `probe` asked with `docker exec -u` (a docker CLI process). */
async function askWithDocker(probe: JupyterProbe, docker: DockerAsync): Promise<JupyterActivity> {
  const r = await docker(jupyterStatusArgs(probe), { timeoutMs: (JUPYTER_TIMEOUT_SECONDS + 2) * 1000 });
  if (r.error) answered(r, "docker exec"); // docker cannot run: the whole command says so
  return r.status === 0 ? parseJupyterStatus(r.stdout) : probeFailure(r.status, r.stderr, r.timedOut === true);
}

/** `probe` asked with the same exec through the local engine's socket: what `docker exec -u` sends, without its process. */
async function askWithEngine(probe: JupyterProbe, engine: Engine): Promise<JupyterActivity> {
  const message = (body: Buffer) => {
    try {
      return String((JSON.parse(body.toString("utf8")) as { message?: string } | null)?.message ?? "").trim();
    } catch {
      return "";
    }
  };
  try {
    const created = await engine.post(`/v1.41/containers/${encodeURIComponent(probe.container)}/exec`, jupyterExecConfig(probe));
    if (created.status !== 201) return { error: `Error response from daemon: ${message(created.body) || `HTTP ${created.status}`}` };
    const id = String((JSON.parse(created.body.toString("utf8")) as { Id: string }).Id);
    const output = demultiplex((await engine.post(`/v1.41/exec/${id}/start`, { Detach: false, Tty: false })).body);
    const exit = (JSON.parse((await engine.get(`/v1.41/exec/${id}/json`)).body) as { ExitCode?: unknown } | null)?.ExitCode;
    return exit === 0 ? parseJupyterStatus(output.stdout) : probeFailure(typeof exit === "number" ? exit : null, output.stderr, false);
  } catch (err) {
    if (err instanceof EngineTimeout) return probeFailure(null, "", true);
    return { error: `the engine's socket failed: ${(err as Error).message}` };
  }
}

/**
 * The status of each Jupyter server of `probes` (those whose container runs). On the
 * Docker host as root (a local engine, links in sticky directories not followed for
 * root): a request on each server's socket, all at once (jupyter-socket.ts). Else, or
 * where that cannot reach it: one exec each, as the workspace's user, JUPYTER_PARALLEL
 * at a time, each given a few seconds; through the local engine's socket where status
 * reads the stats there (no process per exec), else `docker exec`. One that does not
 * answer has an error, never fails the rest.
 */
export async function jupyterActivity(
  probes: readonly JupyterProbe[],
  docker: DockerAsync = dockerCliAsync,
  openEngine: () => Engine | undefined = () => undefined,
  onSocket: () => boolean = linksProtected,
): Promise<Map<string, JupyterActivity>> {
  if (probes.length === 0) return new Map();
  let engine: Engine | undefined;
  try {
    engine = openEngine();
  } catch {
    engine = undefined;
  }
  try {
    // On the Docker host itself (its engine local), as root: on each socket, all at once.
    const direct = engine !== undefined && onSocket() ? await Promise.all(probes.map((probe) => askOnSocket(probe))) : probes.map(() => undefined);
    const left = probes.filter((_, i) => direct[i] === undefined);
    const asked = await bounded(left, JUPYTER_PARALLEL, (probe) => (engine === undefined ? askWithDocker(probe, docker) : askWithEngine(probe, engine)));
    const answers = direct.map((answer) => answer ?? asked.shift()!);
    return new Map(probes.map((p, i) => [p.container, answers[i]]));
  } finally {
    engine?.close();
  }
}

/** What status reads of the engine before its config is loaded (it needs no host name). */
export interface EngineRead {
  /** Every homedock workspace container on the engine, running or not, with its host label: one `docker ps`. */
  readonly listed: Promise<ListedContainer[]>;
  /** The usage of those that run (every host's: the host is not known yet). */
  readonly usage: Promise<Map<string, ContainerUsage>>;
  /** Stops what is under way and asks nothing more (the config is invalid): nothing is left to wait for. */
  cancel(): void;
  /** The local engine, if status reads it on its socket (the Jupyter execs go there too). */
  readonly openEngine: () => Engine | undefined;
}

/**
 * Starts status's reads that need no config: `docker ps` of every workspace container on
 * the engine, then the stats of those that run. Started before the config is loaded,
 * they overlap its loading; readWorkspaces keeps the host's.
 * @returns promises that reject with HostUnreadableError when Docker does not answer
 */
export function startEngineRead(docker: DockerAsync = dockerCliAsync, openEngine: () => Engine | undefined = localEngine): EngineRead {
  const abort = new AbortController();
  const format = `{{.ID}}\t{{.State}}\t{{.Names}}\t{{.Label "${LABEL_HOST}"}}`;
  const listed = docker(["ps", "-a", "--no-trunc", "--filter", `label=${LABEL_ROLE}=${ROLE.workspace}`, "--format", format], { signal: abort.signal }).then(
    (r) => parsePs(answered(r, "docker ps").stdout),
  );
  const used = listed.then((all) => usage(sampled(all), docker, openEngine, abort.signal));
  // Awaited later, or never when cancelled: not an unhandled rejection meanwhile.
  listed.catch(() => undefined);
  used.catch(() => undefined);
  return { listed, usage: used, cancel: () => abort.abort(), openEngine };
}

/**
 * The host's workspace containers, the usage of those that run and the status of their
 * Jupyter servers: `read`'s listing and stats (startEngineRead), `docker inspect` of the
 * host's containers and the Jupyter servers' `docker exec`s side by side with the stats.
 * `probes`: the routed Jupyter workspaces (jupyterProbes); those whose container runs are asked.
 * @throws HostUnreadableError when Docker does not answer
 */
export async function readWorkspaces(
  host: string,
  read: EngineRead,
  docker: DockerAsync = dockerCliAsync,
  probes: readonly JupyterProbe[] = [],
): Promise<{ containers: ContainerFacts[]; usage: Map<string, ContainerUsage>; activity: Map<string, JupyterActivity> }> {
  const listed = (await read.listed).filter((c) => c.host === host);
  const running = new Set(listed.filter((c) => c.state === "running").map((c) => c.name));
  const asked = probes.filter((p) => running.has(p.container));
  const [containers, used, activity] = await Promise.all([
    inspect(
      listed.map((c) => c.id),
      docker,
    ),
    read.usage,
    jupyterActivity(asked, docker, read.openEngine),
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
