// A Jupyter server's status asked on its socket as the Docker host has it, where status
// runs on the Docker host as root: no exec, no interpreter started in the workspace. The
// socket directory is its user's to fill; a link there the kernel does not follow for
// root (fs.protected_symlinks, which the front door's proxy needs as well), so the
// request reaches that workspace's own socket or nothing. Anything else (another
// machine's engine, a user without access to the socket tree, a kernel that would
// follow links) asks with an exec in the workspace, as before.
import { existsSync, readFileSync } from "node:fs";
import { createConnection } from "node:net";
import * as path from "node:path";
import { type JupyterActivity, type JupyterProbe, JUPYTER_TIMEOUT_SECONDS, jupyterStatusRequest, parseJupyterStatus } from "./jupyter-status";

/** The most of an answer read: a status is a few hundred bytes. */
const MAX_ANSWER = 64 * 1024;

/** Whether the kernel follows no link a user made in a sticky directory for root (read once). */
export function linksProtected(read: (file: string) => string = (f) => readFileSync(f, "utf8")): boolean {
  try {
    return read("/proc/sys/fs/protected_symlinks").trim() === "1";
  } catch {
    return false;
  }
}

/**
 * `probe` asked on its socket. Undefined where it cannot be asked from here: the socket
 * directory is not on this machine (an engine in a VM), or this process may not reach it
 * (not root): then it is asked with an exec.
 */
export function askOnSocket(probe: JupyterProbe): Promise<JupyterActivity | undefined> {
  if (!existsSync(path.dirname(probe.socket))) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const socket = createConnection(probe.socket);
    const done = (answer: JupyterActivity | undefined) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(JUPYTER_TIMEOUT_SECONDS * 1000, () => done({ error: `the server did not answer within ${JUPYTER_TIMEOUT_SECONDS} s` }));
    // Not end(): a server may take the half-closed connection for a client that left.
    socket.on("connect", () => socket.write(jupyterStatusRequest(probe)));
    socket.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_ANSWER) return done({ error: `the server's answer was over ${MAX_ANSWER} bytes` });
      chunks.push(chunk);
    });
    socket.on("end", () => done(parseJupyterStatus(Buffer.concat(chunks).toString("utf8"))));
    socket.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT" || err.code === "ECONNREFUSED" || err.code === "ENOTSOCK")
        done({ error: `the server is not listening on its socket (${err.code})` });
      // EACCES: not root, or a link the kernel refused to follow: the exec asks in the workspace.
      else done(undefined);
    });
  });
}
