// Which config file a command reads, and what an admin sees of it.
import { existsSync } from "node:fs";
import * as path from "node:path";
import type { HostModel, SharedMount } from "../model/model";
import { workspacesOf } from "../model/workspaces";
import { NODE_LABEL } from "../model/swarm";
import { siteUrl } from "../render/caddyfile";
import { callbackUrl } from "../container/login";
import { lockedOut, readPasswords } from "../output/secrets";

/** The package's own directory: the nearest one above this file that holds package.json. */
function packageRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, "package.json")) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/** What `-c` says of the config file a command reads. */
export const CONFIG_OPTION = "config file (default: $HOMEDOCK_CONFIG, else ./homedock.yaml, else the bundled example)";

/** $HOMEDOCK_CONFIG, else ./homedock.yaml, else the bundled example. */
export function configFile(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  if (env.HOMEDOCK_CONFIG) return env.HOMEDOCK_CONFIG;
  const local = path.join(cwd, "homedock.yaml");
  return existsSync(local) ? local : path.join(packageRoot(), "examples", "course.yaml");
}

/**
 * A few lines an admin can check at a glance: what the config declares, then each
 * user's URL at the front door. Given the directory its secrets are in, it also names
 * the users the front door locks out for want of a password.
 */
export function summary(model: HostModel, secretsIn?: string): string {
  const lines = [`host ${model.name}: ${model.workspaces.length} workspaces for ${model.users.length} users`];
  for (const user of model.users) {
    const envs = workspacesOf(model, user.name).map((w) => w.environment.name);
    const node = user.node === undefined ? "" : `, on ${user.node}`;
    lines.push(`  ${user.name} (${user.uid}:${user.gid}, ${user.home}${node}): ${envs.join(", ") || "nothing"}`);
  }
  if (model.swarm !== undefined) lines.push(`swarm: ${model.swarm.nodes.join(", ")} (node label ${NODE_LABEL})`);
  lines.push(`images: ${model.environments.map((e) => e.image).join(", ")}`);
  const access = (m: SharedMount) =>
    [
      m.readOnly ? (m.writableFor.length > 0 ? `rw for ${m.writableFor.join(" ")}, else ro` : "ro") : "rw",
      ...(m.groups ? [`only for ${m.groups.join(" ")}`] : []),
    ].join("; ");
  lines.push(`shared: ${model.sharedMounts.map((m) => `${m.source} -> ${m.target} (${access(m)})`).join(", ") || "none"}`);
  if (model.frontDoor !== undefined) {
    const site = siteUrl(model.frontDoor);
    lines.push(`front door: ${site}/user/<user>/`);
    // The link each user is given: only users with a route have a page there.
    for (const user of model.users) {
      if (workspacesOf(model, user.name).some((ws) => ws.route !== undefined)) lines.push(`  ${user.name}: ${site}/user/${user.name}/`);
    }
    const { oidc, sessionSeconds } = model.frontDoor.login;
    const session = `sessions of ${sessionSeconds % 3600 === 0 ? `${sessionSeconds / 3600}h` : `${Math.round(sessionSeconds / 60)}m`}`;
    lines.push(
      oidc === undefined
        ? `login: passwords (homedock passwd), ${session}`
        : `login: OpenID Connect at ${oidc.issuer} as client ${oidc.clientId} (register the redirect URL ${callbackUrl(site)}), claim ${oidc.claim}, ${session}`,
    );
  }
  const locked = secretsIn === undefined ? [] : lockedOut(model, readPasswords(secretsIn));
  for (const warning of [...model.warnings, ...locked]) lines.push(`warning: ${warning}`);
  return lines.join("\n");
}
