// Whether the Docker engine is this machine's: only then can the files and directories a
// config names on the Docker host be looked at here (the front door's TLS files, the
// homes and shared mounts a deploy binds). DOCKER_HOST is read here alone; the engine's
// local socket (src/docker/engine-socket.ts) reads it through dockerHostSocket.

const UNIX = "unix://";

/**
 * What a DOCKER_HOST value says of the engine: "" when it is unset or empty (this
 * machine's, at its default socket), the path of a `unix://<path>` ("" for a bare
 * `unix://`), undefined for an engine elsewhere (ssh://, tcp://).
 */
export function dockerHostSocket(host: string | undefined): string | undefined {
  if (host === undefined || host === "") return "";
  return host.startsWith(UNIX) ? host.slice(UNIX.length) : undefined;
}

/** Whether the Docker engine is this machine's (DOCKER_HOST unset or a unix socket), so its paths can be looked at here. */
export function dockerIsLocal(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return dockerHostSocket(env.DOCKER_HOST) !== undefined;
}
