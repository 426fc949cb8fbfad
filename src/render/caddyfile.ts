// The front door's third rendering, beside Terraform and Compose: the proxy's Caddyfile.
// Pure: model and password hashes in, Caddyfile text out (tabs, as `caddy fmt` writes).
import { type FrontDoorModel, landingPrefix } from "../model/front-door";
import type { HostModel, WorkspaceModel } from "../model/model";
import { stopsWhenIdle, workspacesOf } from "../model/workspaces";
import { PROXY_RUNTIME_DIR, PROXY_TLS_CERT, PROXY_TLS_KEY, SOCKET_NAME } from "../container/front-door-containers";
import { DOCKER_FILTER_SOCKET, startPath } from "../container/docker-filter";

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

/**
 * A workspace that stops when idle is running while its socket exists: its entrypoint
 * removes the socket when the server ends. Caddy's templates look, below the proxy's
 * view of the socket tree: in the directory's listing, for fileExists opens the file,
 * which a socket cannot be.
 */
function stateOf(ws: WorkspaceModel): string {
  if (!stopsWhenIdle(ws)) return "";
  const dir = `/${ws.user.name}/${ws.environment.name}`;
  return ` ({{if has "${SOCKET_NAME}" (listFiles "${dir}")}}running{{else}}stopped: it starts when you open it{{end}})`;
}

function landingPage(user: string, workspaces: readonly WorkspaceModel[]): string {
  const items = workspaces
    .map((ws) => `<li><a href="${escapeHtml(ws.route!.prefix)}">${escapeHtml(ws.environment.displayName)}</a>${stateOf(ws)}</li>`)
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
    ...(workspaces.some(stopsWhenIdle) ? ["\t\t\ttemplates {", `\t\t\t\troot ${PROXY_RUNTIME_DIR}`, "\t\t\t}"] : []),
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

/** Seconds a client is told to wait before it asks a stopped workspace again. */
export const RETRY_AFTER = 10;

function startingPage(ws: WorkspaceModel): string {
  const name = escapeHtml(ws.environment.displayName);
  return (
    `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="1"><title>Starting ${name}</title></head>` +
    `<body><p>Starting ${name}…</p><p>This page reloads itself until it is ready.</p></body></html>`
  );
}

/**
 * What the front door does when a workspace that stops when idle does not answer (502:
 * nothing listens on its socket). Its owner's page load (a GET the browser makes as a
 * navigation) starts it through the Docker API filter and gets a page that reloads
 * itself until Jupyter answers; anything else (an API call, a WebSocket, a kernel's
 * request from a tab left open) gets 503 with Retry-After and never starts it. The
 * route's login has run: the user the matchers name is the one it let in.
 */
function wakeBlock(workspaces: readonly WorkspaceModel[]): string[] {
  const lines = ["\thandle_errors {"];
  for (const ws of workspaces) {
    const id = `${ws.user.name}_${ws.environment.name}`;
    const match = [
      `\t\t\tpath ${ws.route!.prefix}*`,
      `\t\t\tvars {http.auth.user.id} ${ws.user.name}`,
      "\t\t\texpression {http.error.status_code} == 502",
    ];
    lines.push(
      `\t\t@wake_${id} {`,
      ...match,
      "\t\t\tmethod GET",
      "\t\t\theader Sec-Fetch-Mode navigate",
      // A page of its own, not a frame another site put it in.
      "\t\t\theader Sec-Fetch-Dest document",
      "\t\t}",
      `\t\thandle @wake_${id} {`,
      // The trailing "?" drops the page's query: the filter lets through none.
      `\t\t\trewrite * ${startPath(ws.containerName)}?`,
      "\t\t\tmethod POST",
      `\t\t\treverse_proxy unix/${DOCKER_FILTER_SOCKET} {`,
      "\t\t\t\theader_up -Authorization",
      "\t\t\t\theader_up -Cookie",
      // 204: started; 304: already running, its server not listening yet.
      "\t\t\t\t@started status 2xx 304",
      "\t\t\t\thandle_response @started {",
      '\t\t\t\t\theader Content-Type "text/html; charset=utf-8"',
      "\t\t\t\t\theader Cache-Control no-store",
      "\t\t\t\t\theader Content-Security-Policy \"default-src 'none'; frame-ancestors 'none'\"",
      `\t\t\t\t\trespond \`${startingPage(ws)}\` 200`,
      "\t\t\t\t}",
      "\t\t\t\thandle_response {",
      '\t\t\t\t\trespond "this workspace could not be started; ask the admin" 502',
      "\t\t\t\t}",
      "\t\t\t}",
      "\t\t}",
      `\t\t@asleep_${id} {`,
      ...match,
      "\t\t}",
      `\t\thandle @asleep_${id} {`,
      `\t\t\theader Retry-After ${RETRY_AFTER}`,
      "\t\t\theader Cache-Control no-store",
      '\t\t\trespond "this workspace is stopped; open it in the browser to start it" 503',
      "\t\t}",
    );
  }
  lines.push("\t}");
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
    const routed = workspacesOf(model, user.name).filter((ws) => ws.route !== undefined);
    if (hash === undefined || routed.length === 0) continue;
    site.push(...userBlock(user.name, hash, routed));
    admitted.push({ name: user.name, hash });
    for (const ws of routed) routes.set(ws.environment.name, [...(routes.get(ws.environment.name) ?? []), user.name]);
  }
  if (admitted.length > 0) site.push(...userRedirectBlock(admitted, routes));
  const sleepers = model.workspaces.filter((ws) => stopsWhenIdle(ws) && hashes[ws.user.name] !== undefined);
  if (sleepers.length > 0) site.push(...wakeBlock(sleepers));
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
