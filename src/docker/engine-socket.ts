// The Engine API on the local engine's unix socket, for calls that need many requests
// in flight at once (stats: Docker 20.10 answers each at its stats collector's next
// cycle, so one request after another would take a second each). The docker CLI's own
// connection (`docker system dial-stdio`) carries one request at a time per process;
// a socket carries one per connection, and Node opens a hundred without a process each.
// Only for the engine the docker CLI would reach on a local socket: DOCKER_HOST unset or
// unix://, no other context. Anything else (ssh://, tcp://, a context) goes through the
// docker CLI as before.
import { readFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { homedir } from "node:os";
import * as path from "node:path";
import { EXIT_UNREADABLE, HomedockError } from "../config/errors";
import { dockerHostSocket } from "../preflight/local-engine";

/** Requests to the Engine API (paths with their version prefix) and their answers. */
export interface Engine {
  get(apiPath: string): Promise<{ readonly status: number; readonly body: string }>;
  /** A POST of `json`; the body as bytes (an exec's output is a raw stream). */
  post(apiPath: string, json: unknown): Promise<{ readonly status: number; readonly body: Buffer }>;
  close(): void;
}

/** Where the docker CLI reads its contexts: $DOCKER_CONFIG/config.json, else ~/.docker/config.json. */
export function dockerConfigFile(env: NodeJS.ProcessEnv): string {
  return path.join(env.DOCKER_CONFIG || path.join(homedir(), ".docker"), "config.json");
}

/**
 * The unix socket of the engine the docker CLI would reach with `env` and its config
 * file's text (undefined: no file): DOCKER_HOST's unix:// path, else, with no context
 * chosen (DOCKER_CONTEXT, or `currentContext` in the file) but "default",
 * /var/run/docker.sock. Undefined when the CLI would go elsewhere (ssh://, tcp://, a context).
 */
export function localEngineSocket(env: NodeJS.ProcessEnv, configText: string | undefined): string | undefined {
  // The CLI's order: DOCKER_CONTEXT, then DOCKER_HOST, then the file's currentContext.
  const context = env.DOCKER_CONTEXT;
  if (context !== undefined && context !== "" && context !== "default") return undefined;
  const host = env.DOCKER_HOST;
  // A bare unix:// (no path) is left to the CLI too.
  if (host !== undefined && host !== "") return dockerHostSocket(host) || undefined;
  if (context === undefined || context === "") {
    try {
      const current = configText === undefined ? undefined : (JSON.parse(configText) as { currentContext?: unknown } | null)?.currentContext;
      if (typeof current === "string" && current !== "" && current !== "default") return undefined;
    } catch {
      return undefined; // the CLI would refuse the file too: let it say so
    }
  }
  return "/var/run/docker.sock";
}

/** The local engine's socket for this process's environment, if the docker CLI would use one. */
export function localEngineSocketHere(env: NodeJS.ProcessEnv = process.env): string | undefined {
  let text: string | undefined;
  try {
    text = readFileSync(dockerConfigFile(env), "utf8");
  } catch {
    text = undefined;
  }
  return localEngineSocket(env, text);
}

/** Requests to the engine on `socketPath`, as many at once as asked; each given `timeoutMs`. */
export function socketEngine(socketPath: string, timeoutMs = 15_000): Engine {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const send = (method: string, apiPath: string, json?: unknown) =>
    new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      const payload = json === undefined ? undefined : JSON.stringify(json);
      const headers: Record<string, string | number> = { Host: "docker" };
      if (payload !== undefined) Object.assign(headers, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) });
      const req = request({ socketPath, method, path: apiPath, agent, headers, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (d: Buffer) => chunks.push(d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      });
      req.on("timeout", () => req.destroy(new EngineTimeout(`no answer from ${socketPath} within ${timeoutMs / 1000} s`)));
      req.on("error", reject);
      req.end(payload);
    });
  return {
    get: async (apiPath) => {
      const r = await send("GET", apiPath);
      return { status: r.status, body: r.body.toString("utf8") };
    },
    post: (apiPath, json) => send("POST", apiPath, json),
    close: () => agent.destroy(),
  };
}

/** A request that ran past its time. */
export class EngineTimeout extends HomedockError {
  constructor(message: string) {
    super(message, EXIT_UNREADABLE);
  }
}
