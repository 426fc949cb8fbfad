// Maps a ContainerSpec to docker_container arguments. Every string goes through
// `literal`, since Terraform would read "${" and "%{" in a value as its own syntax.
import type { ContainerConfig } from "@cdktf/provider-docker/lib/container";
import type { LocalExecProvisioner } from "cdktf";
import { type ContainerSpec, HOME_SCRIPT, SEEDER_SCRIPT } from "../container/container";

/** A string Terraform takes as it is, never as a template. */
export function literal(value: string): string {
  // Most have no brace at all: about 20 strings a container, 32,000 in a 1,000-workspace synth.
  return value.includes("{") ? value.replace(/([$%])\{/g, (_, sigil: string) => `${sigil}${sigil}{`) : value;
}

/**
 * CPUs as the provider (4.x) reads them back from Docker (`nanoInt64ToDecimalString`):
 * "1.0", "1.5", "0.25". Any other spelling is a diff on every plan.
 */
export function providerCpus(nanoCpus: number): string {
  const whole = Math.floor(nanoCpus / 1e9);
  const frac = String(nanoCpus % 1e9)
    .padStart(9, "0")
    .replace(/0+$/, "");
  return `${whole}.${frac === "" ? "0" : frac}`;
}

/** Terraform expressions that stand in for parts of a spec. */
export interface SpecExpressions {
  /** The expression of each of the spec's secrets (never its value). */
  readonly secret?: (name: string) => string;
  /** The expression of each of the spec's secret files' contents (a sensitive variable). */
  readonly secretFile?: (file: string) => string;
  /** Each named volume's name, where it is a reference (so that Terraform makes the volume first). */
  readonly volume?: (name: string) => string;
  /** The seeder script, where the plan holds one shared copy of it. */
  readonly seeder?: string;
  /** The home one-shot's script, where the plan holds one shared copy of it. */
  readonly homeScript?: string;
  /** The network's name, where it is a reference (so that Terraform makes the network first). */
  readonly network?: string;
  /** Each of the spec's extraNetworks' names as a reference. */
  readonly extraNetwork?: (name: string) => string;
}

/** What a resource has besides its arguments. */
export type ResourceMeta = Pick<ContainerConfig, "dependsOn" | "lifecycle" | "provider">;

/**
 * docker_container arguments for a spec; `image` is the docker_image's id. One object
 * literal: spreading it into another made each container slower to construct (about
 * 30 µs, a third of the provider's constructor, in a 1,000-workspace synth).
 */
export function containerConfig(spec: ContainerSpec, image: string, expressions: SpecExpressions = {}, meta: ResourceMeta = {}): ContainerConfig {
  const { secret, secretFile, seeder, homeScript, network, extraNetwork, volume } = expressions;
  if (spec.secrets.length > 0 && secret === undefined) throw new Error(`${spec.name}: no Terraform expression for its secrets`);
  if (spec.secretFiles.length > 0 && secretFile === undefined) throw new Error(`${spec.name}: no Terraform expression for its secret files`);
  const stopped = startsStopped(spec);
  return {
    name: spec.name,
    image,
    user: spec.user,
    groupAdd: spec.groupAdd.length > 0 ? [...spec.groupAdd] : undefined,
    entrypoint: spec.entrypoint.map((arg) =>
      seeder !== undefined && arg === SEEDER_SCRIPT ? seeder : homeScript !== undefined && arg === HOME_SCRIPT ? homeScript : literal(arg),
    ),
    command: spec.command.map(literal),
    workingDir: literal(spec.workingDir),
    env: [...Object.entries(spec.env).map(([k, v]) => literal(`${k}=${v}`)), ...spec.secrets.map((name) => `${name}=${secret!(name)}`)],
    labels: Object.entries(spec.labels).map(([label, value]) => ({ label, value: literal(value) })),
    mounts: [
      ...spec.mounts.filter((m) => !m.createSource).map((m) => ({ type: "bind", source: literal(m.source), target: literal(m.target), readOnly: m.readOnly })),
      ...spec.volumes.map((v) => ({ type: "volume", source: volume?.(v.name) ?? v.name, target: v.target, readOnly: v.readOnly })),
    ],
    // The legacy form, the only one in which Docker creates a missing source.
    volumes: spec.mounts.some((m) => m.createSource)
      ? spec.mounts.filter((m) => m.createSource).map((m) => ({ hostPath: literal(m.source), containerPath: literal(m.target), readOnly: m.readOnly }))
      : undefined,
    // Uploaded before the container starts; a change replaces this container (and only it).
    upload: spec.secretFiles.length > 0 ? spec.secretFiles.map((file) => ({ file, content: secretFile!(file), permissions: "0600" })) : undefined,
    ports: spec.ports.length > 0 ? spec.ports.map((p) => ({ ip: p.ip, external: p.external, internal: p.internal })) : undefined,
    // Swap held equal to memory: no swap beyond the limit, and what Docker reports
    // back, so a plan right after a deploy shows no change.
    memory: spec.memoryMiB,
    memorySwap: spec.memoryMiB,
    cpus: spec.nanoCpus === undefined ? undefined : providerCpus(spec.nanoCpus),
    // The provider has no pids_limit: RLIMIT_NPROC counts the workspace user's
    // processes instead (workspaces run as the user, without caps). The kernel never
    // holds root to it: a root container gets the cgroup's limit from its start
    // resource instead (startConfig).
    ulimit: spec.pidsLimit === undefined || stopped ? undefined : [{ name: "nproc", soft: spec.pidsLimit, hard: spec.pidsLimit }],
    readOnly: spec.readOnlyRoot || undefined,
    tmpfs: Object.keys(spec.tmpfs).length > 0 ? { ...spec.tmpfs } : undefined,
    restart: spec.restart,
    init: spec.init,
    securityOpts: [...spec.securityOpts],
    capabilities: {
      add: spec.capAdd.length > 0 ? [...spec.capAdd] : undefined,
      drop: [...spec.capDrop],
    },
    networksAdvanced:
      spec.network === undefined
        ? undefined
        : [{ name: network ?? spec.network }, ...(spec.extraNetworks ?? []).map((n) => ({ name: extraNetwork?.(n) ?? n }))],
    networkMode: spec.network === undefined ? "none" : undefined,
    // A one-shot container is waited for (attach) and may then stay stopped; so may a
    // workspace that stops when idle (its owner's visit wakes it). Any other workspace
    // must run, and a deploy starts it again if it was stopped by hand. A root
    // container is only created here: its start resource gives it its process limit,
    // then starts it (and waits for a one-shot). Not must_run: the provider would read
    // the container it created stopped as one stopped by hand, and the plan after
    // every deploy that creates one would show an update.
    start: stopped ? false : undefined,
    mustRun: !stopped && !spec.oneShot && spec.stopsWhenIdle !== true,
    attach: spec.oneShot && !stopped ? true : undefined,
    dependsOn: meta.dependsOn,
    lifecycle: meta.lifecycle,
    provider: meta.provider,
  };
}

/**
 * Whether a container runs as root with a process limit: the provider (4.5.0) has no
 * pids_limit, and the kernel never holds root to RLIMIT_NPROC, so such a container is
 * created stopped and its start resource (startConfig) gives it the cgroup's limit
 * (Docker's PidsLimit) before its first process starts.
 */
export function startsStopped(spec: ContainerSpec): boolean {
  return spec.pidsLimit !== undefined && /^0(:|$)/.test(spec.user);
}

/** The keys of a start resource's triggers_replace, which the plan review reads. */
export const START_TRIGGERS = {
  /** The container's name. */
  container: "container",
  /** Its id: a new container is limited and started anew. */
  id: "id",
  /** Its process limit: a new limit is given to the same container, which keeps running. */
  pidsLimit: "pids_limit",
} as const;

/**
 * How the provider reaches Docker, where it is set on the provider itself; unset, the
 * provider and the docker CLI read the same environment (DOCKER_HOST, DOCKER_CONTEXT,
 * DOCKER_CERT_PATH).
 */
export interface DockerEndpoint {
  readonly host?: string;
  readonly context?: string;
  readonly certPath?: string;
}

import { START_SCRIPT } from "./start-script";

export { START_SCRIPT };

/**
 * The terraform_data that starts a container `startsStopped`: its triggers (the
 * container's name, id and process limit) and its local-exec provisioner. `id` is the
 * docker_container's id as a reference; `script`, START_SCRIPT as Terraform should see
 * it (one shared local rather than a copy per container).
 */
export function startConfig(
  spec: ContainerSpec,
  id: string,
  endpoint: DockerEndpoint = {},
  script = literal(START_SCRIPT),
): { readonly triggersReplace: Readonly<Record<string, unknown>>; readonly provisioners: LocalExecProvisioner[] } {
  if (!startsStopped(spec)) throw new Error(`${spec.name}: not a root container with a process limit`);
  const environment: Record<string, string> = {
    HOMEDOCK_CONTAINER: id,
    HOMEDOCK_PIDS_LIMIT: String(spec.pidsLimit),
    HOMEDOCK_WAIT: spec.oneShot ? "1" : "0",
  };
  if (endpoint.host !== undefined) environment.DOCKER_HOST = endpoint.host;
  if (endpoint.context !== undefined) environment.DOCKER_CONTEXT = endpoint.context;
  if (endpoint.certPath !== undefined) environment.DOCKER_CERT_PATH = endpoint.certPath;
  return {
    triggersReplace: { [START_TRIGGERS.container]: spec.name, [START_TRIGGERS.id]: id, [START_TRIGGERS.pidsLimit]: spec.pidsLimit },
    provisioners: [{ type: "local-exec", command: script, environment }],
  };
}
