// Whether the Docker engine is this machine's: only then can the files and directories a
// config names on the Docker host be looked at here (the front door's TLS files, the
// homes and shared mounts a deploy binds).

/** Whether the Docker engine is this machine's (DOCKER_HOST unset or a unix socket), so its paths can be looked at here. */
export function dockerIsLocal(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  const host = env.DOCKER_HOST ?? "";
  return host === "" || host.startsWith("unix://");
}
