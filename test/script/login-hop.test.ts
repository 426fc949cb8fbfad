// The hop from the entry proxy to the login's services on a Swarm, run for real on this
// machine: the entry's Caddyfile as homedock renders it (Debian's caddy 2.6.2), the
// limiter's config in the limiter's image (HAProxy 2.6), homedock's certificates from
// openssl. Docker's resolver passes a service name with no running task to the node's
// own resolver, so the name may be answered by anyone: from the attacker's side, a
// server that answers for the login's names with a certificate of another CA, with
// homedock's certificate of another service (a node's proxy), or in plain HTTP gets no
// request, no password and no session cookie. The login's own certificate gets them.
import { spawnSync, spawn, type ChildProcess } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, request } from "node:https";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildModel } from "../../src/model/model";
import { renderCaddyfile } from "../../src/render/caddyfile";
import { limiterConfig } from "../../src/container/login";
import { peerCertificates, type Peers } from "../../src/output/peers";
import { swarmDoorConfig } from "../helpers/synth";
import { freePort, runLimiter, signInForm } from "../helpers/front-door";
import { eventually, requireDocker, uniqueName } from "../helpers/docker";

const work = mkdtempSync(path.join(tmpdir(), "homedock-login-hop-"));
const files = path.join(work, "peers");
const servers: Server[] = [];
const caddies: ChildProcess[] = [];
const limiters: string[] = [];

const model = buildModel(swarmDoorConfig());
const node = model.users[0].node!;
let peers: Peers;
let other: Peers;

/** What reached one stand-in for a login service: each request's method, path, body and cookie. */
type Seen = string[];

/** Answers as the login does: 200 to the session check (a session), the sign-in form taken (302). */
function answer(seen: Seen) {
  return (req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (d: string) => (body += d));
    req.on("end", () => {
      seen.push(`${req.method} ${req.url} ${body} cookie=${req.headers.cookie ?? ""}`);
      if (req.url?.startsWith("/oauth2/auth")) res.writeHead(202, { "X-Auth-Request-User": "alice" }).end();
      else res.writeHead(302, { Location: "/" }).end("signed in");
    });
  };
}

/** A stand-in on a port of its own: TLS with `pair`, or plain HTTP; resolves its port and what reaches it. */
async function standIn(pair: { cert: string; key: string } | undefined): Promise<{ port: number; seen: Seen; handshakes: number[] }> {
  const seen: Seen = [];
  const handshakes = [0];
  const server = pair === undefined ? createHttpServer(answer(seen)) : createHttpsServer({ ...pair, minVersion: "TLSv1.3" }, answer(seen));
  server.on("secureConnection", () => (handshakes[0] += 1));
  // A TLS hello sent to plain HTTP is not a request: noted, never answered as one.
  server.on("clientError", (_e, socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  return { port: (server.address() as { port: number }).port, seen, handshakes };
}

/** The entry's login blocks as homedock renders them for the Swarm: the login's pages and the session check in front of a route. */
function entryLoginBlocks(): { pages: string[]; check: string[] } {
  const lines = renderCaddyfile(model, Object.fromEntries(model.users.map((u) => [u.name, `$2b$12$${"A".repeat(53)}`]))).split("\n");
  const block = (first: (l: string) => boolean) => {
    const start = lines.findIndex(first);
    const indent = lines[start].match(/^\t*/)![0];
    const end = lines.findIndex((l, i) => i > start && l === `${indent}}`);
    return lines.slice(start, end + 1);
  };
  return { pages: block((l) => l === "\thandle /oauth2/* {"), check: block((l) => l.startsWith("\t\tforward_auth ")) };
}

/** A site of the entry on `port` whose login services are all at 127.0.0.1:`login` (the names kept for TLS). */
function entrySite(port: number, login: number): string {
  const { pages, check } = entryLoginBlocks();
  const at = (l: string) => l.replace(/https:\/\/frontdoor-[a-z-]+:418\d/, `https://127.0.0.1:${login}`).replaceAll("/homedock/peers/", `${files}/`);
  return [
    `https://lab.example.org:${port} {`,
    "\ttls internal",
    ...pages.map(at),
    "\thandle {",
    ...check.map(at),
    '\t\trespond "through the session check" 200',
    "\t}",
    "}",
  ].join("\n");
}

/** Runs caddy on `text` until the test ends; resolves once every port answers TLS. */
async function caddy(text: string, ports: readonly number[]): Promise<void> {
  const file = path.join(work, `entry-${caddies.length}.Caddyfile`);
  writeFileSync(file, text);
  const p = spawn("caddy", ["run", "--config", file, "--adapter", "caddyfile"], {
    env: { ...process.env, HOME: work, XDG_DATA_HOME: work, XDG_CONFIG_HOME: work },
    stdio: "ignore",
  });
  caddies.push(p);
  for (const port of ports) await eventually(`caddy on ${port}`, async () => (await toEntry(port, "GET", "/oauth2/sign_in")).error !== "ECONNREFUSED", 20);
}

interface Answer {
  readonly status?: number;
  readonly body?: string;
  readonly error?: string;
}

/** One request to the entry on `port`, as a browser sends it. */
function toEntry(port: number, method: string, pathname: string, body = "", headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method,
        path: pathname,
        servername: "lab.example.org",
        rejectUnauthorized: false,
        headers: { Host: `lab.example.org:${port}`, ...(body === "" ? {} : { "Content-Length": Buffer.byteLength(body) }), ...headers },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode, body: text }));
      },
    );
    req.on("error", (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end(body);
  });
}

const FORM = {
  "Content-Type": "application/x-www-form-urlencoded",
  Origin: "https://lab.example.org:8443",
};
const signIn = (port: number) => toEntry(port, "POST", "/oauth2/sign_in", signInForm("alice", "alice's password"), FORM);
const withSession = (port: number) => toEntry(port, "GET", "/user/alice/python-course/tree", "", { Cookie: "__Host-homedock=alice's session" });

/** The limiter (the test image's HAProxy) with the config homedock renders for the Swarm, on `port`, in front of a sign-in at 127.0.0.1:`signInPort`. */
async function limiter(port: number, signInPort: number): Promise<void> {
  const name = uniqueName("login-hop-limiter");
  const text = limiterConfig(model, model.frontDoor!.login.failedSignIns!)
    .replace(/\tbind :\d+ /, `\tbind 127.0.0.1:${port} `)
    .replace(/server sign_in frontdoor-signin:\d+ /, `server sign_in 127.0.0.1:${signInPort} `);
  const file = path.join(work, `${name}.cfg`);
  writeFileSync(file, text);
  await runLimiter(name, file, [`${files}:/homedock/peers:ro`]);
  limiters.push(name);
}

let genuine: Awaited<ReturnType<typeof standIn>>;
let impostor: Awaited<ReturnType<typeof standIn>>;
let nodeProxy: Awaited<ReturnType<typeof standIn>>;
let plain: Awaited<ReturnType<typeof standIn>>;
/** The entry's ports, to the genuine login, the impostor, a node proxy's certificate, plain HTTP. */
const entry: Record<"genuine" | "impostor" | "nodeProxy" | "plain" | "limited" | "limitedImpostor", number> = {
  genuine: 0,
  impostor: 0,
  nodeProxy: 0,
  plain: 0,
  limited: 0,
  limitedImpostor: 0,
};
let limitedSignIn: Awaited<ReturnType<typeof standIn>>;
let limitedImpostor: Awaited<ReturnType<typeof standIn>>;

beforeAll(async () => {
  requireDocker();
  peers = peerCertificates(path.join(work, "ours"), model);
  // Certificates of the same names from another CA: what homedock of another host would make.
  other = peerCertificates(path.join(work, "other"), model);
  mkdirSync(files);
  writeFileSync(path.join(files, "ca.crt"), peers.ca.cert);
  writeFileSync(path.join(files, "login.pem"), `${peers.login.cert}${peers.login.key}`, { mode: 0o600 });
  genuine = await standIn(peers.login);
  impostor = await standIn(other.login);
  nodeProxy = await standIn(peers.nodes[node]);
  plain = await standIn(undefined);
  limitedSignIn = await standIn(peers.login);
  limitedImpostor = await standIn(other.login);
  for (const k of Object.keys(entry) as (keyof typeof entry)[]) entry[k] = await freePort();
  const [limiterPort, impostorLimiterPort] = [await freePort(), await freePort()];
  await limiter(limiterPort, limitedSignIn.port);
  await limiter(impostorLimiterPort, limitedImpostor.port);
  await caddy(
    [
      "{",
      "\tadmin off",
      "\tskip_install_trust",
      "\tauto_https disable_redirects",
      "}",
      entrySite(entry.genuine, genuine.port),
      entrySite(entry.impostor, impostor.port),
      entrySite(entry.nodeProxy, nodeProxy.port),
      entrySite(entry.plain, plain.port),
      entrySite(entry.limited, limiterPort),
      entrySite(entry.limitedImpostor, impostorLimiterPort),
      "",
    ].join("\n"),
    Object.values(entry),
  );
}, 90_000);

afterAll(() => {
  for (const p of caddies) p.kill();
  for (const s of servers) s.close();
  for (const name of limiters) spawnSync("docker", ["rm", "-f", name], { stdio: "ignore" });
  rmSync(work, { recursive: true, force: true });
});

describe("the entry proxy's hop to the login on a Swarm", () => {
  it("carries the sign-in form and the session cookie to the login's own certificate", async () => {
    genuine.seen.length = 0;
    expect(await signIn(entry.genuine)).toMatchObject({ status: 302 });
    expect(await withSession(entry.genuine)).toEqual({ status: 200, body: "through the session check" });
    expect(genuine.seen).toEqual([
      `POST /oauth2/sign_in ${signInForm("alice", "alice's password")} cookie=`,
      "GET /oauth2/auth  cookie=__Host-homedock=alice's session",
    ]);
  });

  it("sends nothing to a server of the login's names with another CA's certificate, to one with a node proxy's certificate, or in plain HTTP", async () => {
    for (const [side, to] of [
      ["another CA", impostor],
      ["a node proxy's certificate", nodeProxy],
      ["plain HTTP", plain],
    ] as const) {
      const port = to === impostor ? entry.impostor : to === nodeProxy ? entry.nodeProxy : entry.plain;
      const answers = [await signIn(port), await withSession(port)];
      expect([side, answers.map((a) => a.status)]).toEqual([side, [502, 502]]);
      expect([side, to.seen]).toEqual([side, []]);
    }
    // The impostors were dialled (the entry tried them) and refused before any request.
    expect(impostor.handshakes[0] + nodeProxy.handshakes[0]).toBe(0);
  });
});

describe("the limiter's hops on a Swarm", () => {
  it("takes the entry's TLS and passes the sign-in form to the sign-in's own certificate", async () => {
    await eventually("the limiter to answer", async () => (await toEntry(entry.limited, "GET", "/oauth2/sign_in")).status === 302, 20);
    expect(await signIn(entry.limited)).toMatchObject({ status: 302 });
    expect(limitedSignIn.seen).toContain(`POST /oauth2/sign_in ${signInForm("alice", "alice's password")} cookie=`);
  });

  it("passes nothing to a sign-in answering with another CA's certificate", async () => {
    await eventually("the impostor's limiter to answer", async () => (await toEntry(entry.limitedImpostor, "GET", "/oauth2/sign_in")).status !== 502, 20);
    expect((await signIn(entry.limitedImpostor)).status).toBe(503);
    expect(limitedImpostor.seen).toEqual([]);
    expect(limitedImpostor.handshakes[0]).toBe(0);
  });
});

describe("the login's certificate in peers.json", () => {
  it("is of homedock's CA, for the session check's, the sign-in's and the limiter's names, and a server's alone", () => {
    const cert = new X509Certificate(peers.login.cert);
    expect(cert.subjectAltName).toBe("DNS:frontdoor-login, DNS:frontdoor-signin, DNS:frontdoor-signin-limit");
    expect(cert.checkIssued(new X509Certificate(peers.ca.cert))).toBe(true);
    expect(cert.verify(new X509Certificate(peers.ca.cert).publicKey)).toBe(true);
    expect(cert.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1"]);
  });

  it("is added to a peers.json written before it, whose CA, entry and nodes' certificates are kept", () => {
    const dir = path.join(work, "before-login");
    const { login: _, ...before } = peerCertificates(dir, model);
    const file = path.join(dir, "homedock-secrets", "peers.json");
    writeFileSync(file, `${JSON.stringify(before, null, 2)}\n`, { mode: 0o600 });
    const after = peerCertificates(dir, model);
    expect({ ca: after.ca, entry: after.entry, nodes: after.nodes }).toEqual(before);
    expect(new X509Certificate(after.login.cert).checkIssued(new X509Certificate(before.ca.cert))).toBe(true);
    expect(JSON.parse(readFileSync(file, "utf8")).login).toEqual(after.login);
    // Kept from then on: a second render makes nothing.
    expect(peerCertificates(dir, model).login).toEqual(after.login);
  });
});
