// What `homedock deploy` and `homedock plan` skip, and when. Terraform's refresh: when the
// Docker engine holds every object the state names exactly as it did the last time a
// refresh read them, and the state is the one that refresh left.
//
// A refresh reads each container, network, image and volume of the state back from the
// engine: 100 objects take seconds, 2 of them the provider's fixed wait before it reads
// a network, on every plan. Instead, homedock inspects the same objects in one call per
// kind and hashes what the engine answers (the whole `docker inspect`, a superset of
// what the provider reads; a container's start time, exit code and pid among it, so any
// start, stop or change by hand shows). After a Terraform run that refreshed everything
// and changed nothing on the engine, that hash is recorded with the state's lineage and
// serial, the lock file and the endpoint. Next time, when all of them are the same, a
// refresh could only read back what the state holds, and Terraform runs with
// -refresh=false. Anything else (a state written by anyone, a changed object, an object
// gone, another engine, a provider upgrade, docker failing) is a full refresh.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import type { Ran } from "../docker/docker-cli";
import { writeWhole } from "../output/write-whole";
import type { StackDigest } from "./targets";

/** Runs the docker CLI with `env` as its whole environment (a stand-in in tests). */
export type EngineReader = (args: readonly string[], env: NodeJS.ProcessEnv) => Promise<Ran>;

export const dockerEngineReader: EngineReader = (args, env) =>
  new Promise((resolve) => {
    execFile("docker", args, { encoding: "utf8", maxBuffer: 256 << 20, env }, (err, stdout, stderr) => {
      const code = (err as NodeJS.ErrnoException | null)?.code;
      resolve({ status: err === null ? 0 : typeof code === "number" ? code : null, stdout, stderr, error: typeof code === "string" ? err! : undefined });
    });
  });

/** Resource types whose refresh reads nothing (terraform_data), or what `inspect` shows. */
const INSPECTED = { docker_container: "container", docker_network: "network", docker_image: "image", docker_volume: "volume" } as const;
const NOT_READ = new Set(["terraform_data"]);

/** Provider arguments the endpoint below accounts for; with any other set, no refresh is skipped. */
const ENDPOINT_ARGS = new Set(["host", "context", "cert_path"]);

/** What the record is checked against: the state, the lock file, the engine and what it holds. */
export interface EngineView {
  readonly lineage: string;
  readonly serial: number;
  readonly lock: string;
  readonly endpoint: Readonly<Record<string, string>>;
  /** Objects inspected, by kind. */
  readonly objects: number;
  /** sha256 of what the engine answered. */
  readonly fingerprint: string;
}

/** Where the record is kept: in Terraform's own directory of the stack, gone with it. */
export function recordFile(stack: string): string {
  return path.join(stack, ".terraform", "homedock-refreshed.json");
}

export interface StackFiles {
  readonly state: string;
  readonly provider: Readonly<Record<string, unknown>>;
}

/** The local state of the stack in `stack`; undefined where it is not a file here. */
export function stateFile(stack: string): string | undefined {
  try {
    return stackFiles(stack)?.state;
  } catch {
    return undefined;
  }
}

/** The local state's path and the Docker provider's arguments, from the synthesized stack; undefined where homedock cannot tell. */
export function stackFiles(stack: string): StackFiles | undefined {
  const json = JSON.parse(readFileSync(path.join(stack, "cdk.tf.json"), "utf8")) as {
    terraform?: { backend?: Record<string, { path?: unknown } | undefined> };
    provider?: { docker?: unknown };
  };
  const backends = Object.keys(json.terraform?.backend ?? {});
  // Another backend: the state is not a file here.
  if (backends.some((b) => b !== "local")) return undefined;
  const local = json.terraform?.backend?.local?.path;
  const providers = json.provider?.docker;
  if (!Array.isArray(providers) || providers.length !== 1 || typeof providers[0] !== "object" || providers[0] === null) return undefined;
  const provider = providers[0] as Record<string, unknown>;
  if (Object.keys(provider).some((key) => !ENDPOINT_ARGS.has(key) || typeof provider[key] !== "string")) return undefined;
  return { state: path.resolve(stack, typeof local === "string" ? local : "terraform.tfstate"), provider };
}

/**
 * The docker CLI's environment for the engine the provider reaches, as the root
 * containers' start finds it (src/render/start-script.ts): its context, else its host
 * (DOCKER_HOST, else the local socket), TLS from DOCKER_CERT_PATH.
 */
export function engineEnvironment(provider: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  if (typeof provider.host === "string") out.DOCKER_HOST = provider.host;
  if (typeof provider.context === "string") out.DOCKER_CONTEXT = provider.context;
  if (typeof provider.cert_path === "string") out.DOCKER_CERT_PATH = provider.cert_path;
  if (out.DOCKER_CONTEXT) delete out.DOCKER_HOST;
  else out.DOCKER_HOST ||= "unix:///var/run/docker.sock";
  if (out.DOCKER_CERT_PATH) out.DOCKER_TLS_VERIFY = "1";
  else delete out.DOCKER_TLS_VERIFY;
  return out;
}

export interface StateFile {
  readonly lineage?: unknown;
  readonly serial?: unknown;
  readonly resources?: readonly { type?: unknown; mode?: unknown; instances?: readonly { attributes?: Record<string, unknown> }[] }[];
}

/** What to inspect, by kind; undefined when the state holds something homedock does not know how a refresh reads. */
function stateObjects(state: StateFile): Map<string, string[]> | undefined {
  const objects = new Map<string, string[]>();
  for (const resource of state.resources ?? []) {
    const type = String(resource.type);
    if (resource.mode !== "managed") return undefined;
    if (NOT_READ.has(type)) continue;
    const kind = INSPECTED[type as keyof typeof INSPECTED];
    if (kind === undefined) return undefined;
    for (const instance of resource.instances ?? []) {
      const a = instance.attributes ?? {};
      // An image is read by its name (a new image under the same tag is a change) and its id.
      const keys = kind === "image" ? [a.name, a.image_id] : kind === "volume" ? [a.name] : [a.id];
      for (const key of keys) {
        if (typeof key !== "string" || key === "" || key.startsWith("-")) return undefined;
        objects.set(kind, [...(objects.get(kind) ?? []), key]);
      }
    }
  }
  return objects;
}

/**
 * What `inspect` answered, in an order that says nothing but what it holds: a container's
 * `Mounts` come from a map, in any order from one call to the next.
 */
function canonical(kind: string, answer: string): unknown {
  const objects = JSON.parse(answer) as Record<string, unknown>[];
  if (kind !== "container") return objects;
  const key = (m: { Destination?: unknown; Source?: unknown }) => `${String(m.Destination)}\0${String(m.Source)}`;
  return objects.map((o) =>
    Array.isArray(o.Mounts) ? { ...o, Mounts: [...(o.Mounts as object[])].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)) } : o,
  );
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * The engine as the stack's state sees it now: undefined when homedock cannot tell
 * (no local state, a provider argument it does not account for, a resource type it does
 * not know, docker failing or an object gone).
 */
export async function viewEngine(stack: string, reader: EngineReader, env: NodeJS.ProcessEnv = process.env): Promise<EngineView | undefined> {
  try {
    const files = stackFiles(stack);
    if (files === undefined || !existsSync(files.state)) return undefined;
    const state = JSON.parse(readFileSync(files.state, "utf8")) as StateFile;
    if (typeof state.lineage !== "string" || typeof state.serial !== "number") return undefined;
    const objects = stateObjects(state);
    if (objects === undefined) return undefined;
    const lockFile = path.join(stack, ".terraform.lock.hcl");
    if (!existsSync(lockFile)) return undefined;
    const engineEnv = engineEnvironment(files.provider, env);
    const kinds = [...objects.keys()].sort();
    const answers = await Promise.all(kinds.map((kind) => reader([kind, "inspect", ...objects.get(kind)!], engineEnv)));
    if (answers.some((r) => r.status !== 0)) return undefined;
    const endpoint = Object.fromEntries(
      Object.entries(engineEnv)
        .filter(([key, value]) => key.startsWith("DOCKER_") && value !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    ) as Record<string, string>;
    return {
      lineage: state.lineage,
      serial: state.serial,
      lock: sha256(readFileSync(lockFile, "utf8")),
      endpoint,
      objects: kinds.reduce((n, kind) => n + objects.get(kind)!.length, 0),
      fingerprint: sha256(JSON.stringify(kinds.map((kind, i) => [kind, objects.get(kind), canonical(kind, answers[i].stdout)]))),
    };
  } catch {
    return undefined;
  }
}

const RECORD_VERSION = 2;

interface RefreshRecord {
  readonly version?: unknown;
  readonly view?: unknown;
  /** The stack the last plan or deploy against this state found nothing to change in (targets.ts). */
  readonly settled?: StackDigest;
}

function readRecord(stack: string): RefreshRecord | undefined {
  try {
    return JSON.parse(readFileSync(recordFile(stack), "utf8")) as RefreshRecord;
  } catch {
    return undefined;
  }
}

/** Whether the record says a refresh of the state against the engine as it is now would read back what the state holds. */
export function refreshed(stack: string, now: EngineView | undefined): boolean {
  if (now === undefined) return false;
  const record = readRecord(stack);
  return record?.version === RECORD_VERSION && JSON.stringify(record.view) === JSON.stringify(now);
}

/** Whether Terraform takes nothing from the environment that the stack does not show: no variable, argument or workspace. */
export function stackSaysAll(env: NodeJS.ProcessEnv = process.env): boolean {
  return !Object.keys(env).some((key) => /^TF_(VAR_|CLI_ARGS|WORKSPACE$)/.test(key));
}

/**
 * The stack that planned no change against the state and engine the record holds: only
 * worth anything while `refreshed` holds, and only without variables or arguments given
 * to Terraform from the environment, which the stack does not show.
 */
export function settledStack(stack: string, env: NodeJS.ProcessEnv = process.env): StackDigest | undefined {
  return stackSaysAll(env) ? recordedSettled(stack) : undefined;
}

/**
 * The settled stack as recorded, whatever the environment: what a run that writes no
 * state (a plan) records again, so that a plan with TF_VAR_ set does not make the next
 * plan or deploy plan everything.
 */
export function recordedSettled(stack: string): StackDigest | undefined {
  const record = readRecord(stack);
  return record?.version === RECORD_VERSION ? record.settled : undefined;
}

/** Drops the record: before any Terraform run that may write the state, so that a failed or interrupted one leaves none. */
export function forgetRefresh(stack: string): void {
  rmSync(recordFile(stack), { force: true });
}

/**
 * Records `view`: the state is what a refresh against the engine as `view` saw it
 * leaves; and `settled`, the stack that plans no change against them, where one is known.
 */
export function recordRefresh(stack: string, view: EngineView, settled?: StackDigest): void {
  // Terraform's directory is there: init made it.
  writeWhole(recordFile(stack), `${JSON.stringify({ version: RECORD_VERSION, view, ...(settled ? { settled } : {}) })}\n`, { mode: 0o600 });
}

/** Whether two views are of the same state and the same engine, unchanged. */
export function sameView(a: EngineView | undefined, b: EngineView | undefined): boolean {
  return a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

/** The fingerprint alone, for a run that changed the state's serial but not the engine. */
export function sameEngine(a: EngineView | undefined, b: EngineView | undefined): boolean {
  return (
    a !== undefined &&
    b !== undefined &&
    a.fingerprint === b.fingerprint &&
    a.lineage === b.lineage &&
    a.lock === b.lock &&
    JSON.stringify(a.endpoint) === JSON.stringify(b.endpoint)
  );
}

// `terraform init` installs the providers and sets up the backend: 0.3 s or more each
// run, for nothing when neither changed. It is skipped when the stack's `terraform`
// block (required providers, backend), the lock file and the Terraform binary are what
// the last successful init in this directory saw.

/** Where the last init is recorded. */
function initFile(stack: string): string {
  return path.join(stack, ".terraform", "homedock-init.json");
}

/** What an init depends on; undefined when homedock cannot tell (then init runs). */
function initInputs(stack: string, env: NodeJS.ProcessEnv): string | undefined {
  try {
    // Terraform's directory elsewhere: not what this directory shows.
    if (env.TF_DATA_DIR) return undefined;
    const json = JSON.parse(readFileSync(path.join(stack, "cdk.tf.json"), "utf8")) as { terraform?: unknown; module?: unknown };
    // Modules are installed by init too.
    if (json.module !== undefined) return undefined;
    const lock = readFileSync(path.join(stack, ".terraform.lock.hcl"), "utf8");
    return sha256(JSON.stringify([env.TERRAFORM_BINARY_NAME || "terraform", json.terraform, lock]));
  } catch {
    return undefined;
  }
}

/** Whether `terraform init` would change nothing in `stack`. */
export function initCurrent(stack: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const inputs = initInputs(stack, env);
  if (inputs === undefined || !existsSync(path.join(stack, ".terraform", "providers"))) return false;
  try {
    return (JSON.parse(readFileSync(initFile(stack), "utf8")) as { inputs?: unknown }).inputs === inputs;
  } catch {
    return false;
  }
}

/** Records a successful init (dropped first, so a failed one leaves no record). */
export function recordInit(stack: string, env: NodeJS.ProcessEnv = process.env): void {
  const inputs = initInputs(stack, env);
  if (inputs !== undefined && existsSync(path.join(stack, ".terraform"))) writeWhole(initFile(stack), `${JSON.stringify({ inputs })}\n`, { mode: 0o600 });
}

/** Drops the init record, before an init runs. */
export function forgetInit(stack: string): void {
  rmSync(initFile(stack), { force: true });
}
