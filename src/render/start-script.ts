// The script that starts a root container under Terraform, as data: it imports nothing.
/**
 * Gives a container its process limit (the cgroup's pids.max), then starts it; a
 * one-shot is waited for, and its exit status is the command's, so a one-shot that
 * fails fails the deploy, its output in Terraform's. Run where Terraform runs, by
 * /bin/sh, with the docker CLI on the engine the provider uses: its context if it has
 * one, else its host (DOCKER_HOST, else the local socket, never the CLI's own current
 * context), with TLS from DOCKER_CERT_PATH as the provider does.
 */
export const START_SCRIPT = [
  "# homedock: the root container's process limit (pids.max), then its start.",
  'if [ -n "${DOCKER_CA_MATERIAL:-}${DOCKER_CERT_MATERIAL:-}${DOCKER_KEY_MATERIAL:-}${DOCKER_SSH_OPTS:-}" ]; then',
  '  echo "homedock: DOCKER_CA_MATERIAL, DOCKER_CERT_MATERIAL, DOCKER_KEY_MATERIAL or DOCKER_SSH_OPTS is set, which the docker CLI that starts the root containers does not read: use DOCKER_CERT_PATH, or ~/.ssh/config" >&2',
  "  exit 1",
  "fi",
  'if [ -n "${DOCKER_CONTEXT:-}" ]; then unset DOCKER_HOST; else DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock}; export DOCKER_HOST; fi',
  'if [ -n "${DOCKER_CERT_PATH:-}" ]; then DOCKER_TLS_VERIFY=1; export DOCKER_TLS_VERIFY; else unset DOCKER_TLS_VERIFY; fi',
  'docker update --pids-limit "$HOMEDOCK_PIDS_LIMIT" "$HOMEDOCK_CONTAINER" >/dev/null || exit',
  'if [ "$HOMEDOCK_WAIT" = 1 ]; then exec docker start --attach "$HOMEDOCK_CONTAINER"; fi',
  'exec docker start "$HOMEDOCK_CONTAINER" >/dev/null',
  "",
].join("\n");
