// `homedock restart`, without Docker: which declared workspaces a user's restart names,
// and what stops it. Pure: the model and what Docker has in, container names out.
import { HomedockError } from "../config/errors";
import type { HostModel, WorkspaceModel } from "../model/model";

/** A restart that cannot be done as asked; the message says what is wrong and what would do. Exit status 1. */
export class RestartError extends HomedockError {}

const list = (names: readonly string[]) => (names.length === 0 ? "none" : names.join(", "));

/**
 * The workspaces `restart <user> [<environment>]` restarts: all of the user's, or the one named.
 * @throws RestartError for a user or environment not in the config, or a workspace it does not declare
 */
export function restartTargets(model: HostModel, user: string, environment?: string): readonly WorkspaceModel[] {
  const mine = model.workspacesByUser.get(user);
  if (mine === undefined) throw new RestartError(`no user "${user}" in the config; its users: ${list(model.users.map((u) => u.name))}`);
  if (environment === undefined) {
    if (mine.length === 0) throw new RestartError(`${user} has no workspace: no environment is granted to ${user}`);
    return mine;
  }
  const chosen = mine.find((ws) => ws.environment.name === environment);
  if (chosen !== undefined) return [chosen];
  const yours = `${user}'s workspaces: ${list(mine.map((ws) => ws.environment.name))}`;
  if (!model.environments.some((e) => e.name === environment)) {
    throw new RestartError(`no environment "${environment}" in the config; its environments: ${list(model.environments.map((e) => e.name))} (${yours})`);
  }
  throw new RestartError(`${user} has no workspace in environment ${environment} (its groups do not grant it); ${yours}`);
}

/** Where a workspace is restarted: a container of one host, or a service of a Swarm. */
export interface RestartPlace {
  /** Its container's or service's name. */
  readonly nameOf: (ws: WorkspaceModel) => string;
  /** What it is and where: "container" on "the Docker host", "service" on "the Swarm". */
  readonly kind: "container" | "service";
  readonly where: string;
  /** What makes a missing one. */
  readonly deploy: string;
}

/** One host's: each workspace's container. */
export const ON_HOST: RestartPlace = {
  nameOf: (ws) => ws.containerName,
  kind: "container",
  where: "the Docker host",
  deploy: "homedock deploy, or docker compose up -d",
};

/**
 * `targets`' container (or service) names, all of which Docker has (`existing`).
 * @throws RestartError naming every one it lacks: nothing is restarted then
 */
export function containersToRestart(targets: readonly WorkspaceModel[], existing: ReadonlySet<string>, place: RestartPlace = ON_HOST): string[] {
  const missing = targets.filter((ws) => !existing.has(place.nameOf(ws)));
  if (missing.length > 0) {
    const which = missing.map((ws) => `${ws.user.name}/${ws.environment.name} (${place.kind} ${place.nameOf(ws)})`).join(", ");
    throw new RestartError(`no ${place.kind} for ${which} on ${place.where}: deploy first (${place.deploy}); nothing restarted`);
  }
  return targets.map(place.nameOf);
}
