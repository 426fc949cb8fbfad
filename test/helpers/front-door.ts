// Talking to a front door from outside, as a browser or an attacker would: HTTPS to the
// published loopback port, checked against the proxy's own local CA.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { request } from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import { createServer } from "node:net";
import { docker, dockerStatus, eventually, FRONT_DOOR_IMAGES } from "./docker";

/** A user of a test host: a name, a uid, and a password of their own. */
export interface TestUser {
  readonly name: string;
  readonly uid: number;
  readonly password: string;
}

export function testUser(name: string, uid: number): TestUser {
  return { name, uid, password: `${name}-${randomBytes(9).toString("base64url")}` };
}

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface Door {
  /** The host name in the URLs and in the certificate. */
  readonly site: string;
  /** The published HTTPS port on 127.0.0.1. */
  readonly port: number;
  /** The proxy's root certificate (PEM). */
  readonly ca: string;
  /**
   * Where to connect instead of the published port, from which local address: the
   * proxy's own address, so that it sees the client at `localAddress` (through the
   * published port on 127.0.0.1 every client is Docker's gateway).
   */
  readonly via?: { readonly host: string; readonly port: number; readonly localAddress: string };
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
}

/** `https://<site>:<port>`: what a browser's address bar and an Origin header say. */
export function origin(door: Door): string {
  return `https://${door.site}:${door.port}`;
}

/** One HTTPS request to the door: connects to 127.0.0.1 (or `door.via`), names the site for TLS and in Host. */
export function call(door: Door, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: door.via?.host ?? "127.0.0.1",
        port: door.via?.port ?? door.port,
        localAddress: door.via?.localAddress,
        servername: door.site,
        ca: door.ca,
        method,
        path,
        headers: { Host: `${door.site}:${door.port}`, ...headers, ...(body === undefined ? {} : { "Content-Length": Buffer.byteLength(body) }) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    // A request that hangs is an error that says which, not a test that runs out of time.
    req.setTimeout(60_000, () => req.destroy(new Error(`no answer in 60 s to ${method} ${path}`)));
    req.end(body);
  });
}

/** The sign-in page's form as a browser posts it: its fields in the page's order. */
export function signInForm(user: string, password: string, rd = "/"): string {
  return new URLSearchParams({ rd, username: user, password }).toString();
}

/**
 * Signs `user` in on the door's sign-in page, as its form posts: the session cookie
 * ("name=value", every part of it), for a Cookie header. Throws when the sign-in refuses.
 */
export async function signIn(door: Door, user: string, password: string): Promise<string> {
  const form = signInForm(user, password);
  const r = await call(door, "POST", "/oauth2/sign_in", { "Content-Type": "application/x-www-form-urlencoded", Origin: origin(door) }, form);
  const cookies = sessionCookies(r.headers["set-cookie"]);
  if (r.status !== 302 || cookies === "") throw new Error(`${user} could not sign in: ${r.status} ${r.body.slice(0, 200)}`);
  return cookies;
}

/** The session cookie's parts in Set-Cookie headers, as a Cookie header says them. */
export function sessionCookies(setCookie: readonly string[] | undefined): string {
  return (setCookie ?? [])
    .map((c) => c.split(";")[0])
    .filter((c) => /^__Host-homedock(_[0-9]+)?=./.test(c))
    .join("; ");
}

/** The sessions of a test's users, each signed in once: `auth(u)` gives the headers a signed-in request carries. */
export class Sessions {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly door: () => Door) {}

  /** Signs each in (again). */
  async signIn(...users: readonly { readonly name: string; readonly password: string }[]): Promise<void> {
    for (const u of users) this.cookies.set(u.name, await signIn(this.door(), u.name, u.password));
  }

  /** The Cookie header of `user`'s session; `more` (e.g. Jupyter's _xsrf cookie) is added to it. */
  auth(user: { readonly name: string }, more?: string): { Cookie: string } {
    const cookie = this.cookies.get(user.name);
    if (cookie === undefined) throw new Error(`${user.name} has not signed in`);
    return { Cookie: more === undefined ? cookie : `${cookie}; ${more}` };
  }

  /** The session cookies for a browser context (Playwright's addCookies). */
  browserCookies(user: { readonly name: string }): { name: string; value: string; url: string; secure: true; httpOnly: true; sameSite: "Lax" }[] {
    const { Cookie } = this.auth(user);
    const door = this.door();
    return Cookie.split("; ").map((c) => {
      const at = c.indexOf("=");
      return { name: c.slice(0, at), value: c.slice(at + 1), url: `https://${door.site}:${door.port}/`, secure: true, httpOnly: true, sameSite: "Lax" };
    });
  }
}

/** A TCP port free on 127.0.0.1 right now, for a port the test publishes. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The root certificate of the proxy's local CA (tls internal), once Caddy has made it. */
export async function proxyRootCa(container: string): Promise<string> {
  let pem = "";
  await eventually(
    `${container}'s local CA`,
    async () => {
      const r = await dockerStatus("exec", container, "cat", "/data/caddy/pki/authorities/local/root.crt");
      pem = r.stdout;
      return r.status === 0;
    },
    60,
  );
  return pem;
}

/**
 * What a user can put in place of their own socket, as shell run in their socket
 * directory (/run/homedock in their workspace). The proxy opens
 * /run/homedock/<user>/<env>/jupyter.sock; `victim` is another user's socket directory
 * as the proxy sees it (`<user>/<env>`).
 */
export function inPlaceOfASocket(victim: string): Record<string, string> {
  return {
    "a link to the other user's socket": `ln -s /run/homedock/${victim}/jupyter.sock jupyter.sock`,
    "a relative link to it": `ln -s ../../${victim}/jupyter.sock jupyter.sock`,
    "a link to the directory above": `ln -s ../../${victim} jupyter.sock`,
    "nothing (the socket renamed)": "true",
    "a directory": "mkdir jupyter.sock",
    "a FIFO": "mkfifo jupyter.sock",
    "a regular file": ": > jupyter.sock",
  };
}

export interface SocketSwap {
  readonly door: Door;
  /** The proxy's container: restarted so that no idle connection to the old socket is reused. */
  readonly proxy: string;
  /** The attacker's workspace container and uid. */
  readonly attacker: { readonly container: string; readonly uid: number; readonly route: string; readonly auth: Record<string, string> };
  /** The victim's socket directory as the proxy sees it (`<user>/<env>`), and their workspace. */
  readonly victim: { readonly dir: string; readonly container: string };
}

/**
 * The attacker moves their socket aside and puts each of inPlaceOfASocket in its place,
 * the proxy's idle connections closed (as an attacker would wait for), then asks for
 * their own route. Returns each try's status, and how many requests for the attacker's
 * route the victim's server logged meanwhile; puts the socket back.
 */
export async function swapSocket(t: SocketSwap): Promise<{ readonly statuses: [string, number | undefined][]; readonly reachedVictim: number }> {
  const asAttacker = (script: string) =>
    docker("exec", "-u", `${t.attacker.uid}:${t.attacker.uid}`, t.attacker.container, "sh", "-c", `cd /run/homedock && ${script}`);
  const victimLog = async () => {
    const { stdout, stderr } = await dockerStatus("logs", t.victim.container);
    return `${stdout}${stderr}`.split("\n").filter((line) => line.includes(t.attacker.route)).length;
  };
  const logged = await victimLog();
  const statuses: [string, number | undefined][] = [];
  await asAttacker("mv jupyter.sock real.sock");
  try {
    for (const [what, make] of Object.entries(inPlaceOfASocket(t.victim.dir))) {
      await asAttacker(`rm -rf jupyter.sock && ${make}`);
      await docker("restart", t.proxy);
      const ask = () => call(t.door, "GET", `${t.attacker.route}api/status`, t.attacker.auth).catch(() => undefined);
      let reply = await ask();
      for (let i = 0; reply === undefined && i < 60; i++) {
        await new Promise((r) => setTimeout(r, 500));
        reply = await ask();
      }
      statuses.push([what, reply?.status]);
      // Asked again on a kept-alive connection: the same.
      statuses.push([`${what}, again`, (await call(t.door, "GET", `${t.attacker.route}api/contents`, t.attacker.auth)).status]);
    }
  } finally {
    await asAttacker("rm -rf jupyter.sock && mv real.sock jupyter.sock");
  }
  return { statuses, reachedVictim: (await victimLog()) - logged };
}

/**
 * Runs the limiter's test image (HAProxy) as `name` on the host's network, on the config
 * file `config` and the extra `-v` mounts given, hardened as homedock runs it; first
 * `haproxy -c` of the config, which must pass. Removed by the caller (docker rm -f).
 */
export async function runLimiter(name: string, config: string, mounts: readonly string[] = []): Promise<void> {
  const volumes = ["-v", `${config}:/c.cfg:ro`, ...mounts.flatMap((m) => ["-v", m])];
  const check = spawnSync("docker", ["run", "--rm", ...volumes, FRONT_DOOR_IMAGES.limiter, "-c", "-f", "/c.cfg"], { encoding: "utf8" });
  if (check.status !== 0) throw new Error(`haproxy -c refused ${config}: ${check.stderr}`);
  await docker(
    "run",
    "-d",
    "--name",
    name,
    "--network",
    "host",
    "--user",
    "0:0",
    "--cap-drop",
    "ALL",
    "--read-only",
    ...volumes,
    FRONT_DOOR_IMAGES.limiter,
    "-db",
    "-f",
    "/c.cfg",
  );
}
