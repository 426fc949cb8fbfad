// A user's workspaces as every layer above looks them up. Apart from model.ts, which
// brings validation (zod) with it: the command loads this at its start (src/cli/lazy.ts).
import type { HostModel, WorkspaceModel } from "./model";

/** The workspaces of the user named `user`: none for a user the model does not have. */
export function workspacesOf(host: HostModel, user: string): readonly WorkspaceModel[] {
  return host.workspacesByUser.get(user) ?? [];
}

/**
 * Whether a workspace stops when idle, to be woken by its owner's visit: its environment
 * has idleTimeout, and the front door routes to it (validation requires both together).
 */
export function stopsWhenIdle(ws: WorkspaceModel): boolean {
  return ws.environment.idleTimeout !== undefined && ws.route !== undefined;
}
