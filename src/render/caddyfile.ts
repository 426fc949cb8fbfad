// The front door's third rendering, beside Terraform and Compose: the proxy's Caddyfile.
// Pure: model and password hashes in, Caddyfile text out (tabs, as `caddy fmt` writes).
import { type FrontDoorModel, landingPrefix } from "../model/front-door";
import type { HostModel, WorkspaceModel } from "../model/model";
import { PROXY_RUNTIME_DIR, PROXY_TLS_CERT, PROXY_TLS_KEY, SOCKET_NAME } from "../container/front-door-containers";

/**
 * Text for HTML, and for a Caddyfile backquoted token: `{` and `}` too, which Caddy would
 * read as placeholders (`{env.X}` at run time, `{$X}` when parsing), and the backquote.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`{}]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Where the proxy dials a workspace: its socket as the proxy mounts the runtime tree. */
export function proxySocket(ws: WorkspaceModel): string {
  return `${PROXY_RUNTIME_DIR}/${ws.user.name}/${ws.environment.name}/${SOCKET_NAME}`;
}

/** `https://<site>` with the published port where it is not 443: what a user types. */
export function siteUrl(frontDoor: FrontDoorModel): string {
  return `https://${frontDoor.site}${frontDoor.httpsPort === 443 ? "" : `:${frontDoor.httpsPort}`}`;
}

function landingPage(user: string, workspaces: readonly WorkspaceModel[]): string {
  const items = workspaces
    .map((ws) => `<li><a href="${escapeHtml(ws.route!.prefix)}">${escapeHtml(ws.environment.displayName)}</a></li>`)
    .join("");
  return (
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(user)}: workspaces</title></head>` +
    `<body><h1>Workspaces of ${escapeHtml(user)}</h1><ul>${items}</ul></body></html>`
  );
}

function tlsLines(frontDoor: FrontDoorModel): string[] {
  switch (frontDoor.tls.mode) {
    case "internal":
      return ["\ttls internal"];
    case "files":
      return [`\ttls ${PROXY_TLS_CERT} ${PROXY_TLS_KEY}`];
    case "acme":
      return [];
  }
}

/**
 * The access log, on the proxy's stderr. Caddy redacts Authorization and Cookie itself;
 * Jupyter's XSRF token travels in a header and, now and then, the query string.
 */
const ACCESS_LOG = [
  "\tlog {",
  "\t\tformat filter {",
  "\t\t\twrap json",
  "\t\t\tfields {",
  "\t\t\t\trequest>headers>X-Xsrftoken delete",
  "\t\t\t\trequest>uri query {",
  "\t\t\t\t\tdelete _xsrf",
  "\t\t\t\t\tdelete token",
  "\t\t\t\t}",
  "\t\t\t}",
  "\t\t}",
  "\t}",
];

/** One user's block: one login naming only them, their routes, their landing page, 404 for the rest. */
function userBlock(user: string, hash: string, workspaces: readonly WorkspaceModel[]): string[] {
  const landing = landingPrefix(user);
  const lines = [
    `\t@user_${user} path /user/${user} ${landing}*`,
    `\thandle @user_${user} {`,
    "\t\tbasicauth {",
    `\t\t\t${user} ${hash}`,
    "\t\t}",
  ];
  for (const ws of workspaces) {
    const prefix = ws.route!.prefix;
    // The path is kept: the server's base_url is this prefix.
    lines.push(
      `\t\thandle ${prefix}* {`,
      `\t\t\treverse_proxy unix/${proxySocket(ws)} {`,
      // The login is the proxy's; the workspace never sees the password.
      "\t\t\t\theader_up -Authorization",
      "\t\t\t}",
      "\t\t}",
      `\t\thandle ${prefix.slice(0, -1)} {`,
      `\t\t\tredir * ${prefix} 308`,
      "\t\t}",
    );
  }
  lines.push(
    `\t\thandle /user/${user} {`,
    `\t\t\tredir * ${landing} 308`,
    "\t\t}",
    `\t\thandle ${landing} {`,
    '\t\t\theader Content-Type "text/html; charset=utf-8"',
    "\t\t\theader Content-Security-Policy \"default-src 'none'\"",
    `\t\t\trespond \`${landingPage(user, workspaces)}\` 200`,
    "\t\t}",
    "\t\thandle {",
    '\t\t\trespond "no such workspace" 404',
    "\t\t}",
    "\t}",
  );
  return lines;
}

/** Where a link that does not name the user starts: `/user-redirect/<env>/<path>`, as under JupyterHub (nbgitpuller's links). */
export const USER_REDIRECT_PREFIX = "/user-redirect/";

/**
 * `/user-redirect/<env>/<path>?<query>` behind a login any of `users` may give, sent to
 * `/user/<that user>/<env>/<path>?<query>` where that user has a route for the
 * environment; 404 elsewhere. Caddy orders `redir` before `basicauth`, so each redirect
 * sits in a `handle`, which runs after it: the user is known there. Its name comes from
 * the login, and only names the `vars` matcher lists (from the config) pass. The rest is
 * taken from the raw request URI, so encoded characters and the query stay as sent
 * (Caddy does not expand placeholders in a placeholder's value).
 */
function userRedirectBlock(users: readonly { readonly name: string; readonly hash: string }[], routes: ReadonlyMap<string, readonly string[]>): string[] {
  const lines = [`	@redirect path ${USER_REDIRECT_PREFIX}*`, "	handle @redirect {", "		basicauth {", ...users.map((u) => `			${u.name} ${u.hash}`), "		}"];
  for (const [env, names] of routes) {
    const re = `redirect_${env}`;
    lines.push(
      `		@${re} {`,
      `			vars {http.auth.user.id} ${names.join(" ")}`,
      `			vars_regexp ${re} {http.request.uri} ^${USER_REDIRECT_PREFIX}${env}(?:/([^?]*))?(\\?.*)?$`,
      "		}",
      `		handle @${re} {`,
      `			redir * /user/{http.auth.user.id}/${env}/{re.${re}.1}{re.${re}.2} 302`,
      "		}",
    );
  }
  lines.push("		handle {", '			respond "no such workspace" 404', "		}", "	}");
  return lines;
}

/**
 * The Caddyfile of a host's front door. A user's routes are rendered only where
 * `hashes` has their password hash (bcrypt, checked when read); a user without one is
 * locked out, and their URLs answer 404 as an unknown user's do.
 */
export function renderCaddyfile(model: HostModel, hashes: Readonly<Record<string, string>>): string {
  const frontDoor = model.frontDoor;
  if (frontDoor === undefined) throw new Error(`host ${model.name} has no front door`);
  const global = [
    "{",
    // Routes change through the file (caddy run --watch), never through an API.
    "\tadmin off",
    // Caddy's local CA stays in its data volume; the image's trust store is not touched.
    "\tskip_install_trust",
    // The redirect below names the published HTTPS port, which Caddy's own would not.
    "\tauto_https disable_redirects",
    ...(frontDoor.tls.mode === "acme" ? [`\temail ${frontDoor.tls.email}`] : []),
    "}",
  ];
  const site = [`https://${frontDoor.site} {`, ...tlsLines(frontDoor), ...ACCESS_LOG];
  const admitted: { name: string; hash: string }[] = [];
  // Environment name to the users with a route there, in config order.
  const routes = new Map<string, string[]>();
  for (const user of model.users) {
    const hash = hashes[user.name];
    const routed = (model.workspacesByUser.get(user.name) ?? []).filter((ws) => ws.route !== undefined);
    if (hash === undefined || routed.length === 0) continue;
    site.push(...userBlock(user.name, hash, routed));
    admitted.push({ name: user.name, hash });
    for (const ws of routed) routes.set(ws.environment.name, [...(routes.get(ws.environment.name) ?? []), user.name]);
  }
  if (admitted.length > 0) site.push(...userRedirectBlock(admitted, routes));
  site.push(
    "\thandle / {",
    '\t\trespond "homedock: your workspaces are at /user/<your user name>/" 200',
    "\t}",
    "\thandle {",
    '\t\trespond "no such workspace" 404',
    "\t}",
    "}",
  );
  const http = [`http://${frontDoor.site} {`, `\tredir ${siteUrl(frontDoor)}{uri} 308`, "}"];
  return `${[...global, ...site, ...http].join("\n")}\n`;
}
