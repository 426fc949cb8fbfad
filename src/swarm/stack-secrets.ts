// The secrets of a host's stack that no service of it reads any more. A front door's file
// is a Swarm secret named by its content's hash (render/stack.ts): a changed file is a new
// secret, and `docker stack deploy --prune` removes services, never secrets, so each
// change of a Caddyfile or password file left one behind on the managers.
import type { DockerAsync } from "../docker/docker-cli";

/** What `docker stack deploy` labels everything of a stack with. */
const STACK_LABEL = "com.docker.stack.namespace";

/** What was removed, and what could not be (each line naming the secret and why). */
export interface PrunedSecrets {
  readonly removed: readonly string[];
  readonly problems: readonly string[];
}

const lines = (text: string) => text.split("\n").filter((l) => l !== "");

/** The secrets a service's spec and its previous spec name, one per line. */
export const SECRETS_NAMED =
  "{{range .Spec.TaskTemplate.ContainerSpec.Secrets}}{{println .SecretName}}{{end}}" +
  "{{with .PreviousSpec}}{{range .TaskTemplate.ContainerSpec.Secrets}}{{println .SecretName}}{{end}}{{end}}";

/**
 * Removes the secrets of the stack `stack` that none of its services names, in its spec or
 * in the previous one a rollback returns to, through a manager's Docker API. Only the stack's own (by its label): nothing else on the Swarm is
 * looked at. A secret a service still names is never removed; one that Docker refuses to
 * remove (still in use) stays, said in `problems`, for the next deploy to take. When the
 * stack's services or secrets cannot be read, nothing is removed.
 */
export async function pruneStackSecrets(stack: string, docker: DockerAsync): Promise<PrunedSecrets> {
  const label = `label=${STACK_LABEL}=${stack}`;
  const unread = (what: string, r: { stderr: string; error?: Error }) => ({
    removed: [],
    problems: [`cannot read the stack's ${what}, so no old secret was removed: ${(r.error?.message ?? r.stderr).trim()}`],
  });
  const services = await docker(["service", "ls", "--filter", label, "--format", "{{.ID}}"]);
  if (services.status !== 0) return unread("services", services);
  const used = new Set<string>();
  const ids = lines(services.stdout);
  if (ids.length > 0) {
    // A service's previous spec too: `docker service rollback` goes back to it, secrets
    // and all (Docker itself refuses to remove only what a current spec names).
    const named = await docker(["service", "inspect", "--format", SECRETS_NAMED, ...ids]);
    if (named.status !== 0) return unread("services", named);
    for (const name of lines(named.stdout)) used.add(name);
  }
  const secrets = await docker(["secret", "ls", "--filter", label, "--format", "{{.Name}}"]);
  if (secrets.status !== 0) return unread("secrets", secrets);
  const removed: string[] = [];
  const problems: string[] = [];
  for (const name of lines(secrets.stdout).sort()) {
    if (used.has(name)) continue;
    const r = await docker(["secret", "rm", name]);
    if (r.status === 0) removed.push(name);
    else problems.push(`the old secret ${name} stays: ${(r.error?.message ?? r.stderr).trim()}`);
  }
  return { removed, problems };
}
