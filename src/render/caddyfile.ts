// The front door's third rendering, beside Terraform and Compose: the proxy's Caddyfile.
// Pure: model and password hashes in, Caddyfile text out (tabs, as `caddy fmt` writes).
import { type FrontDoorModel, landingPrefix } from "../model/front-door";
import type { HostModel, UserModel, WorkspaceModel } from "../model/model";
import { stopsWhenIdle, workspacesOf } from "../model/workspaces";
import { DOOR_CA, PROXY_RUNTIME_DIR, PROXY_TLS_CERT, PROXY_TLS_KEY, SOCKET_NAME } from "../container/front-door-containers";
import { DOCKER_FILTER_SOCKET, startPath } from "../container/docker-filter";
import { identityHeader, type LoginAddress, loginAddresses, LOGIN_PREFIX, SESSION_COOKIE } from "../container/login";
import { DOOR_CERT, DOOR_KEY, ENTRY_CERT, ENTRY_KEY, WORKSPACE_HEADER } from "../container/swarm-door";
import { DOOR_PORT, doorServiceName } from "../model/swarm";

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
    `<body><h1>Workspaces of ${escapeHtml(user)}</h1><ul>${items}</ul>` +
    `<p><a href="${SIGN_OUT_PATH}">Sign out</a></p></body></html>`
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
export const ACCESS_LOG = [
  "\tlog {",
  "\t\tformat filter {",
  "\t\t\twrap json",
  "\t\t\tfields {",
  "\t\t\t\trequest>headers>X-Xsrftoken delete",
  "\t\t\t\trequest>uri query {",
  "\t\t\t\t\tdelete _xsrf",
  "\t\t\t\t\tdelete token",
  "\t\t\t\t\tdelete password",
  "\t\t\t\t}",
  "\t\t\t}",
  "\t\t}",
  "\t}",
];

/** Signing out ends the session and goes to the site's root, which asks for a sign-in. */
export const SIGN_OUT_PATH = `${LOGIN_PREFIX}/sign_out?rd=%2F`;

/**
 * The placeholder that holds who the login let in: the host's user name the session's
 * identity maps to (the session check's answer, copied into the request by forward_auth).
 */
const USER = "{homedock_user}";

/**
 * The variable a user's workspace route sets once the session check let that user in.
 * The wake route matches it, never a header: when the login cannot be reached, the
 * error routes run with the request's headers as the client sent them.
 */
const REACHED = "homedock_reached";

/**
 * How the entry proxy reaches a workspace. On one host: its socket. On a Swarm: the proxy
 * of its user's node, over TLS with the entry's client certificate, checked against
 * homedock's own CA under the node proxy's name; the node proxy reaches the socket the
 * header names, which the entry sets from the route, never from the request.
 */
function upstream(model: HostModel, ws: WorkspaceModel, indent: string): string[] {
  if (model.swarm === undefined) return [`${indent}reverse_proxy unix/${proxySocket(ws)} {`];
  const door = doorServiceName(ws.user.node!);
  return [
    `${indent}reverse_proxy https://${door}:${DOOR_PORT} {`,
    `${indent}\ttransport http {`,
    `${indent}\t\ttls_client_auth ${ENTRY_CERT} ${ENTRY_KEY}`,
    `${indent}\t\ttls_trusted_ca_certs ${DOOR_CA}`,
    `${indent}\t\ttls_server_name ${door}`,
    // A node that is down answers nothing: the page that says so comes soon, not after a minute.
    `${indent}\t\tdial_timeout 3s`,
    // Nor does a connection to it kept from before it went down: a request sent on one
    // would wait for TCP to give up (minutes), not fail to dial. A connection idle for
    // 5 s is closed, so a quiet node lost is dialled again, and refused in 3 s. (Setting
    // it drops Caddy's other keep-alive defaults: the pool and the probes are set back.)
    `${indent}\t\tkeepalive 5s`,
    `${indent}\t\tkeepalive_idle_conns_per_host 32`,
    `${indent}\t\tkeepalive_interval 30s`,
    `${indent}\t}`,
    `${indent}\theader_up ${WORKSPACE_HEADER} ${ws.user.name}/${ws.environment.name}`,
  ];
}

/** One user's block: their routes and landing page for their session only, 404 for the rest. */
function userBlock(model: HostModel, user: string, workspaces: readonly WorkspaceModel[]): string[] {
  const landing = landingPrefix(user);
  const lines = [`\t\t@user_${user} {`, `\t\t\tpath /user/${user} ${landing}*`, `\t\t\tvars ${USER} ${user}`, "\t\t}", `\t\thandle @user_${user} {`];
  for (const ws of workspaces) {
    const prefix = ws.route!.prefix;
    // The path is kept: the server's base_url is this prefix.
    lines.push(
      `\t\t\thandle ${prefix}* {`,
      // Set only here, where the session check let the user in: the wake route's proof.
      `\t\t\t\tvars ${REACHED} ${user}`,
      ...upstream(model, ws, "\t\t\t\t"),
      // A workspace's page cannot claim the site for a service worker of its own.
      "\t\t\t\t\theader_down -Service-Worker-Allowed",
      // The login is the front door's: the workspace never sees the session cookie. (An
      // empty replacement Caddy 2.6 takes for no replacement at all; an unset variable is
      // empty.)
      "\t\t\t\t\theader_up -Authorization",
      `\t\t\t\t\theader_up Cookie "${SESSION_COOKIE}[_0-9]*=[^;]*(; )?" "{http.vars.homedock_nothing}"`,
      "\t\t\t\t}",
      "\t\t\t}",
      `\t\t\thandle ${prefix.slice(0, -1)} {`,
      `\t\t\t\tredir * ${prefix} 308`,
      "\t\t\t}",
    );
  }
  lines.push(
    `\t\t\thandle /user/${user} {`,
    `\t\t\t\tredir * ${landing} 308`,
    "\t\t\t}",
    `\t\t\thandle ${landing} {`,
    ...(workspaces.some(stopsWhenIdle) ? ["\t\t\t\ttemplates {", `\t\t\t\t\troot ${PROXY_RUNTIME_DIR}`, "\t\t\t\t}"] : []),
    '\t\t\t\theader Content-Type "text/html; charset=utf-8"',
    "\t\t\t\theader Cache-Control no-store",
    "\t\t\t\theader Content-Security-Policy \"default-src 'none'; frame-ancestors 'none'\"",
    `\t\t\t\trespond \`${landingPage(user, workspaces)}\` 200`,
    "\t\t\t}",
    "\t\t\thandle {",
    '\t\t\t\trespond "no such workspace" 404',
    "\t\t\t}",
    "\t\t}",
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
 * route's session check has run: the user the matchers name is the one it let in.
 */
function wakeBlock(workspaces: readonly WorkspaceModel[]): string[] {
  const lines = ["\thandle_errors {"];
  for (const ws of workspaces) {
    const id = `${ws.user.name}_${ws.environment.name}`;
    const match = [
      `\t\t\tpath ${ws.route!.prefix}*`,
      // Set by the user's route, which only a request the session check let in reaches.
      `\t\t\tvars ${REACHED} ${ws.user.name}`,
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

/** What the users of a node that does not answer see. */
export function nodeDownPage(node: string): string {
  return (
    `<!doctype html><html><head><meta charset="utf-8"><title>Workspace unavailable</title></head>` +
    `<body><h1>The machine your workspace runs on is down</h1>` +
    `<p>Your workspace runs on ${escapeHtml(node)}, which does not answer. Your files are kept. ` +
    `Try again later, or ask the admin.</p></body></html>`
  );
}

/**
 * On a Swarm: where the entry proxy cannot reach a node's proxy (502: the node is down,
 * or its proxy), the users of that node whose route was taken get a page that says so;
 * every other user's routes go elsewhere and are untouched.
 */
function nodeDownBlock(model: HostModel, admitted: readonly UserModel[]): string[] {
  const lines = ["\thandle_errors {"];
  for (const node of model.swarm!.nodes) {
    const users = admitted.filter((u) => u.node === node).map((u) => u.name);
    if (users.length === 0) continue;
    lines.push(
      `\t\t@down_${node} {`,
      "\t\t\texpression {http.error.status_code} == 502",
      // Set by a user's route, which only a request the session check let in reaches.
      `\t\t\tvars ${REACHED} ${users.join(" ")}`,
      "\t\t}",
      `\t\thandle @down_${node} {`,
      '\t\t\theader Content-Type "text/html; charset=utf-8"',
      "\t\t\theader Cache-Control no-store",
      `\t\t\theader Retry-After ${RETRY_AFTER}`,
      `\t\t\trespond \`${nodeDownPage(node)}\` 502`,
      "\t\t}",
    );
  }
  lines.push("\t}");
  return lines;
}

/**
 * The Caddyfile of a node's proxy on a Swarm, the same on every node and for every set
 * of users (adding one restarts no node proxy): TLS on DOOR_PORT with a client
 * certificate of homedock's CA required (only the entry proxy has one), and each request
 * to the socket of the workspace the entry named in WORKSPACE_HEADER, below the node's
 * socket tree. A name that starts with "." or holds "/" matches nothing.
 */
export function renderDoorCaddyfile(): string {
  return `${[
    "{",
    "\tadmin off",
    "\tauto_https off",
    // The entry names the node proxy for TLS (SNI) and keeps the user's Host: they differ.
    "\tservers {",
    "\t\tstrict_sni_host insecure_off",
    "\t}",
    "}",
    `https://:${DOOR_PORT} {`,
    `\ttls ${DOOR_CERT} ${DOOR_KEY} {`,
    "\t\tclient_auth {",
    "\t\t\tmode require_and_verify",
    `\t\t\ttrusted_ca_cert_file ${DOOR_CA}`,
    "\t\t}",
    "\t}",
    ...ACCESS_LOG,
    `\t@workspace header_regexp workspace ${WORKSPACE_HEADER} ^([^/.][^/]*)/([^/.][^/]*)$`,
    "\thandle @workspace {",
    `\t\treverse_proxy unix/${PROXY_RUNTIME_DIR}/{re.workspace.1}/{re.workspace.2}/${SOCKET_NAME} {`,
    `\t\t\theader_up -${WORKSPACE_HEADER}`,
    "\t\t}",
    "\t}",
    "\thandle {",
    '\t\trespond "no such workspace" 404',
    "\t}",
    "}",
  ].join("\n")}\n`;
}

/** Where a link that does not name the user starts: `/user-redirect/<env>/<path>`, as under JupyterHub (nbgitpuller's links). */
export const USER_REDIRECT_PREFIX = "/user-redirect/";

/**
 * `/user-redirect/<env>/<path>?<query>` for a signed-in user, sent to
 * `/user/<that user>/<env>/<path>?<query>` where that user has a route for the
 * environment; 404 elsewhere. The user comes from the session (the `vars` matcher lists
 * the names, from the config, that may pass); the rest is taken from the raw request
 * URI, so encoded characters and the query stay as sent (Caddy does not expand
 * placeholders in a placeholder's value).
 */
function userRedirectBlock(routes: ReadonlyMap<string, readonly string[]>): string[] {
  const lines = [`\t\t@redirect path ${USER_REDIRECT_PREFIX}*`, "\t\thandle @redirect {"];
  for (const [env, names] of routes) {
    const re = `redirect_${env}`;
    lines.push(
      `\t\t\t@${re} {`,
      `\t\t\t\tvars ${USER} ${names.join(" ")}`,
      `\t\t\t\tvars_regexp ${re} {http.request.uri} ^${USER_REDIRECT_PREFIX}${env}(?:/([^?]*))?(\\?.*)?$`,
      "\t\t\t}",
      `\t\t\thandle @${re} {`,
      `\t\t\t\tredir * /user/${USER}/${env}/{re.${re}.1}{re.${re}.2} 302`,
      "\t\t\t}",
    );
  }
  lines.push("\t\t\thandle {", '\t\t\t\trespond "no such workspace" 404', "\t\t\t}", "\t\t}");
  return lines;
}

/** What goes to the login: no credentials, the client's address as the proxy saw it (not as the client says it). */
const LOGIN_REQUEST = ["\theader_up -Authorization", "\theader_up X-Real-IP {remote_host}"];

/**
 * On a Swarm, the hop to one of the login's services: TLS, its certificate checked
 * against homedock's own CA under the service's name, so that a name answered by
 * anyone else (a service restarting has no address in Docker's resolver, which then
 * asks the node's) gets no password and no session.
 */
function loginTransport(to: LoginAddress, indent: string): string[] {
  if (to.tlsName === undefined) return [];
  return [`${indent}transport http {`, `${indent}\ttls_trusted_ca_certs ${DOOR_CA}`, `${indent}\ttls_server_name ${to.tlsName}`, `${indent}}`];
}

/** The sign-in, its pages never in a frame (a page on the site could read what is typed into one). */
function signInProxy(to: LoginAddress, indent: string): string[] {
  return [
    `${indent}reverse_proxy ${to.address} {`,
    ...loginTransport(to, `${indent}\t`),
    ...LOGIN_REQUEST.map((l) => `${indent}${l}`),
    `${indent}\theader_down X-Frame-Options DENY`,
    `${indent}\theader_down Content-Security-Policy "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"`,
    `${indent}}`,
  ];
}

/**
 * The login in front of everything but its own pages: every request is first asked of
 * the session check (forward_auth), which copies the session's identity into the request
 * (and removes one the client sent). Without a session, the sign-in answers the request
 * itself: its sign-in page (password), or the way to the provider (oidc), and the
 * request's own URL is where the user goes once signed in. The identity is mapped to the
 * host's user it is, for the matchers below; an identity the config does not know maps to
 * no one and reaches nothing.
 */
function sessionCheck(addresses: { readonly check: LoginAddress; readonly signIn: LoginAddress }, users: readonly UserModel[], header: string): string[] {
  return [
    `\t\tforward_auth ${addresses.check.address} {`,
    ...loginTransport(addresses.check, "\t\t\t"),
    // The query stays out of the check (and its log): Jupyter's _xsrf travels there.
    `\t\t\turi ${LOGIN_PREFIX}/auth?`,
    ...LOGIN_REQUEST.map((l) => `\t\t${l}`),
    `\t\t\tcopy_headers ${header}`,
    "\t\t\t@signin status 401",
    "\t\t\thandle_response @signin {",
    ...signInProxy(addresses.signIn, "\t\t\t\t"),
    "\t\t\t}",
    "\t\t}",
    `\t\tmap {http.request.header.${header}} ${USER} {`,
    ...users.map((u) => `\t\t\t${u.identity} ${u.name}`),
    "\t\t}",
  ];
}

/**
 * The Caddyfile of a host's front door. With a password login, a user's routes are
 * rendered only where `hashes` has their password hash (what the sign-in checks); a user
 * without one is locked out, and their URLs answer 404 as an unknown user's do. With an
 * OpenID Connect login, every user with a route is let in by their identity.
 */
export function renderCaddyfile(model: HostModel, hashes: Readonly<Record<string, string>>): string {
  const frontDoor = model.frontDoor;
  if (frontDoor === undefined) throw new Error(`host ${model.name} has no front door`);
  const login = frontDoor.login;
  const header = identityHeader(login);
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
  const site = [
    `https://${frontDoor.site} {`,
    ...tlsLines(frontDoor),
    ...ACCESS_LOG,
    // Browsers come back over HTTPS only, where the certificate is a real one (not Caddy's local CA).
    ...(frontDoor.tls.mode === "internal" ? [] : ['\theader Strict-Transport-Security "max-age=31536000"']),
  ];
  const admitted: UserModel[] = [];
  const blocks: string[] = [];
  // Environment name to the users with a route there, in config order.
  const routes = new Map<string, string[]>();
  for (const user of model.users) {
    const routed = workspacesOf(model, user.name).filter((ws) => ws.route !== undefined);
    if ((login.method === "password" && hashes[user.name] === undefined) || routed.length === 0) continue;
    blocks.push(...userBlock(model, user.name, routed));
    admitted.push(user);
    for (const ws of routed) routes.set(ws.environment.name, [...(routes.get(ws.environment.name) ?? []), user.name]);
  }
  site.push(
    // A password login has no provider to start a sign-in at or come back from.
    ...(login.method === "password"
      ? ["start", "callback"].flatMap((page) => [`\thandle ${LOGIN_PREFIX}/${page} {`, '\t\trespond "no such page" 404', "\t}"])
      : []),
    // A sign-in posted from another site would sign the browser in as someone else.
    "\t@signin_cross_site {",
    `\t\tpath ${LOGIN_PREFIX}/sign_in`,
    "\t\tnot method GET HEAD",
    `\t\tnot header Origin ${siteUrl(frontDoor)}`,
    "\t}",
    "\thandle @signin_cross_site {",
    '\t\trespond "a sign-in from another site is refused" 403',
    "\t}",
    // The sign-in would take a password from the URL, which every log keeps.
    "\t@secret_in_query query password=*",
    "\thandle @secret_in_query {",
    '\t\trespond "a password does not go in the URL" 400',
    "\t}",
    // The login's own pages: the sign-in (page and form), the sign-out, the provider's callback.
    `\thandle ${LOGIN_PREFIX}/* {`,
    ...signInProxy(loginAddresses(model).signIn, "\t\t"),
    "\t}",
    "\thandle {",
    ...sessionCheck(loginAddresses(model), admitted, header),
    ...blocks,
  );
  if (admitted.length > 0) site.push(...userRedirectBlock(routes));
  site.push(
    ...(admitted.length > 0
      ? [
          "\t\t@home {",
          "\t\t\tpath /",
          `\t\t\tvars ${USER} ${admitted.map((u) => u.name).join(" ")}`,
          "\t\t}",
          "\t\thandle @home {",
          `\t\t\tredir * ${landingPrefix(USER)} 302`,
          "\t\t}",
        ]
      : []),
    "\t\thandle {",
    '\t\t\trespond "no such workspace" 404',
    "\t\t}",
    "\t}",
  );
  const admittedNames = new Set(admitted.map((u) => u.name));
  const sleepers = model.workspaces.filter((ws) => stopsWhenIdle(ws) && admittedNames.has(ws.user.name));
  if (sleepers.length > 0) site.push(...wakeBlock(sleepers));
  if (model.swarm !== undefined && admitted.length > 0) site.push(...nodeDownBlock(model, admitted));
  site.push("}");
  const http = [`http://${frontDoor.site} {`, `\tredir ${siteUrl(frontDoor)}{uri} 308`, "}"];
  return `${[...global, ...site, ...http].join("\n")}\n`;
}
