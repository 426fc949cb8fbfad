// A Jupyter server's last activity and kernel count, as the server itself says them at
// `<base_url>api/status`, asked through its unix socket from inside its own container
// as its own user (`docker exec -u uid:gid <container> python3 -c ...`): no new privilege,
// nothing opened on the host. Pure: which servers to ask, the command, its output read.
import { HttpParseError, parseResponse } from "../docker/http1";
import type { HostModel } from "../model/model";
import { WORKSPACE_RUNTIME_DIR } from "../model/front-door";
import { SOCKET_NAME } from "../container/front-door-containers";

/** Seconds a server has to answer, inside the container. */
export const JUPYTER_TIMEOUT_SECONDS = 3;

/** A Jupyter server to ask: a routed workspace's container, its user and its base_url. */
export interface JupyterProbe {
  readonly container: string;
  /** `uid:gid`: the workspace's own user. */
  readonly user: string;
  /** The route prefix, which is the server's base_url (`/user/<user>/<env>/`). */
  readonly prefix: string;
  /** Its socket as the Docker host has it: `<runtimeDir>/<user>/<env>/jupyter.sock`. */
  readonly socket: string;
}

/** What a server said: its last activity and kernels, or why they are not known. */
export type JupyterActivity =
  | {
      readonly lastActivity: string | null;
      readonly kernels: number | null;
      readonly connections: number | null;
      readonly started: string | null;
      readonly error?: undefined;
    }
  | { readonly error: string };

/**
 * One probe per declared Jupyter workspace that has a route (a front door: its server
 * listens on a socket, without a token). One without a route listens on TCP with a
 * token, and is not asked.
 */
export function jupyterProbes(model: HostModel): JupyterProbe[] {
  return model.workspaces
    .filter((ws) => ws.environment.jupyter !== undefined && ws.route !== undefined)
    .map((ws) => ({
      container: ws.containerName,
      user: `${ws.user.uid}:${ws.user.gid}`,
      prefix: ws.route!.prefix,
      socket: `${ws.route!.socketDir}/${SOCKET_NAME}`,
    }));
}

/**
 * Python (every Jupyter image has python3): a GET of argv[2] on the unix socket argv[1],
 * HTTP/1.0 so that the server closes after it, the whole response on stdout. A status
 * request is not activity to the server: asking does not keep it awake.
 */
export const JUPYTER_STATUS_SCRIPT = [
  "import socket,sys",
  "s=socket.socket(socket.AF_UNIX)",
  "s.settimeout(float(sys.argv[3]))",
  "s.connect(sys.argv[1])",
  's.sendall(("GET "+sys.argv[2]+" HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n").encode())',
  "b=b''",
  "while True:",
  " d=s.recv(65536)",
  " if not d: break",
  " b+=d",
  "sys.stdout.buffer.write(b)",
].join("\n");

/** The request jupyterStatusCommand sends, and what a status asked on the socket itself sends. */
export function jupyterStatusRequest(probe: JupyterProbe): string {
  return `GET ${probe.prefix}api/status HTTP/1.0\r\nHost: localhost\r\n\r\n`;
}

/** The command, in the container, that asks `probe`'s server for its status. */
export function jupyterStatusCommand(probe: JupyterProbe): string[] {
  return ["python3", "-c", JUPYTER_STATUS_SCRIPT, `${WORKSPACE_RUNTIME_DIR}/${SOCKET_NAME}`, `${probe.prefix}api/status`, String(JUPYTER_TIMEOUT_SECONDS)];
}

/** The docker arguments that ask `probe`'s server for its status. */
export function jupyterStatusArgs(probe: JupyterProbe): string[] {
  return ["exec", "-u", probe.user, probe.container, ...jupyterStatusCommand(probe)];
}

/** The Engine API's exec of jupyterStatusCommand (POST /containers/{id}/exec): what `docker exec -u` sends. */
export function jupyterExecConfig(probe: JupyterProbe): Record<string, unknown> {
  return { User: probe.user, Cmd: jupyterStatusCommand(probe), AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false };
}

/**
 * An exec's output as the engine streams it without a terminal: frames of an 8-byte
 * header (stream 1 stdout, 2 stderr; 3 zero bytes; the size, big-endian) and the bytes.
 * A frame cut short ends it.
 */
export function demultiplex(stream: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let at = 0;
  while (at + 8 <= stream.length) {
    const size = stream.readUInt32BE(at + 4);
    const data = stream.subarray(at + 8, at + 8 + size);
    if (stream[at] === 1) out.push(data);
    else if (stream[at] === 2) err.push(data);
    at += 8 + size;
  }
  return { stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
}

const text = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
const count = (v: unknown): number | null => (typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : null);

/** What the exec printed (a whole HTTP response), read as the server's status. */
export function parseJupyterStatus(stdout: string): JupyterActivity {
  let body: string;
  try {
    const r = parseResponse(stdout);
    if (r.status !== 200) return { error: `the server answered HTTP ${r.status}` };
    body = r.body;
  } catch (err) {
    if (!(err instanceof HttpParseError)) throw err;
    return { error: stdout === "" ? "the server gave no answer" : `the server's answer was not HTTP: ${err.message}` };
  }
  let s: Record<string, unknown>;
  try {
    s = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return { error: "the server's status was not JSON" };
  }
  if (s === null || typeof s !== "object") return { error: "the server's status was not a JSON object" };
  return { lastActivity: text(s.last_activity), kernels: count(s.kernels), connections: count(s.connections), started: text(s.started) };
}

/** Why a probe's exec failed, in one line: the last line the python or docker printed. */
export function probeFailure(status: number | null, stderr: string, timedOut: boolean): JupyterActivity {
  if (timedOut) return { error: `no answer within ${JUPYTER_TIMEOUT_SECONDS + 2} s` };
  const last = stderr.trim().split("\n").pop()?.trim();
  if (last === undefined || last === "") return { error: `docker exec failed (exit status ${status})` };
  if (/FileNotFoundError|ConnectionRefusedError/.test(last)) return { error: `the server is not listening on its socket (${last})` };
  if (/timed out|timeout/i.test(last)) return { error: `the server did not answer within ${JUPYTER_TIMEOUT_SECONDS} s` };
  return { error: last };
}
