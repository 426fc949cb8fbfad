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
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, request } from "node:https";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildModel } from "../../src/model/model";
import { renderCaddyfile } from "../../src/render/caddyfile";
import { limiterConfig, loginContainerNames } from "../../src/container/login";
import { type KeyPair, peerCertificates, type Peers } from "../../src/output/peers";
import { writeComposeSecrets } from "../../src/output/secrets";
import { writeClientSecret } from "../../src/output/login-files";
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

/** A site of the entry on `port` whose session check is at 127.0.0.1:`check` and sign-in (through the limiter's name) at 127.0.0.1:`signIn`, the names kept for TLS. */
function entrySite(port: number, check: number, signIn: number): string {
  const { pages, check: checkBlock } = entryLoginBlocks();
  const at = (l: string) =>
    l
      .replace("https://frontdoor-login:4180", `https://127.0.0.1:${check}`)
      .replace("https://frontdoor-signin-limit:4182", `https://127.0.0.1:${signIn}`)
      .replaceAll("/homedock/peers/", `${files}/`);
  return [
    `https://lab.example.org:${port} {`,
    "\ttls internal",
    ...pages.map(at),
    "\thandle {",
    ...checkBlock.map(at),
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

type StandIn = Awaited<ReturnType<typeof standIn>>;
/** The login's services as each side answers for them: the session check's name and the sign-in's (the limiter's name). */
interface Side {
  check: StandIn;
  signIn: StandIn;
  /** The entry's port whose login services are these. */
  port: number;
}
const sides = {} as Record<"genuine" | "otherCa" | "nodeProxy" | "sibling" | "plain", Side>;
/** The limiter's sides: the entry reaching the limiter, which reaches a sign-in with its own certificate, another CA's, or the session check's. */
const limited = {} as Record<"genuine" | "otherCa" | "sibling", { signIn: StandIn; port: number }>;

beforeAll(async () => {
  requireDocker();
  peers = peerCertificates(path.join(work, "ours"), model);
  // Certificates of the same names from another CA: what homedock of another host would make.
  other = peerCertificates(path.join(work, "other"), model);
  mkdirSync(files);
  const { check, signIn, limiter: limiterName } = loginContainerNames(model);
  writeFileSync(path.join(files, "ca.crt"), peers.ca.cert);
  writeFileSync(path.join(files, "login.pem"), `${peers.login[limiterName].cert}${peers.login[limiterName].key}`, { mode: 0o600 });
  const side = async (checkPair: KeyPair | undefined, signInPair: KeyPair | undefined): Promise<Side> => ({
    check: await standIn(checkPair),
    signIn: await standIn(signInPair),
    port: await freePort(),
  });
  sides.genuine = await side(peers.login[check], peers.login[limiterName]);
  sides.otherCa = await side(other.login[check], other.login[limiterName]);
  sides.nodeProxy = await side(peers.nodes[node], peers.nodes[node]);
  // homedock's certificates of the login's other services: the limiter's for the session check, the check's for the sign-in.
  sides.sibling = await side(peers.login[limiterName], peers.login[check]);
  sides.plain = await side(undefined, undefined);
  // The entry's sites: each side's services, then each limiter's (the genuine session check beside it).
  const sites = Object.values(sides).map((v) => ({ port: v.port, check: v.check.port, signIn: v.signIn.port }));
  for (const [k, pair] of [
    ["genuine", peers.login[signIn]],
    ["otherCa", other.login[signIn]],
    ["sibling", peers.login[check]],
  ] as const) {
    const to = await standIn(pair);
    const limiterPort = await freePort();
    await limiter(limiterPort, to.port);
    limited[k] = { signIn: to, port: await freePort() };
    sites.push({ port: limited[k].port, check: sides.genuine.check.port, signIn: limiterPort });
  }
  await caddy(
    ["{", "\tadmin off", "\tskip_install_trust", "\tauto_https disable_redirects", "}", ...sites.map((v) => entrySite(v.port, v.check, v.signIn)), ""].join(
      "\n",
    ),
    sites.map((v) => v.port),
  );
}, 90_000);

afterAll(() => {
  for (const p of caddies) p.kill();
  for (const s of servers) s.close();
  for (const name of limiters) spawnSync("docker", ["rm", "-f", name], { stdio: "ignore" });
  rmSync(work, { recursive: true, force: true });
});

describe("the entry proxy's hop to the login on a Swarm", () => {
  it("carries the sign-in form to the sign-in's own certificate and the session cookie to the session check's", async () => {
    const { check, signIn: signInSide, port } = sides.genuine;
    check.seen.length = 0;
    signInSide.seen.length = 0;
    expect(await signIn(port)).toMatchObject({ status: 302 });
    expect(await withSession(port)).toEqual({ status: 200, body: "through the session check" });
    expect(signInSide.seen).toEqual([`POST /oauth2/sign_in ${signInForm("alice", "alice's password")} cookie=`]);
    expect(check.seen).toEqual(["GET /oauth2/auth  cookie=__Host-homedock=alice's session"]);
  });

  it("sends nothing to a server of the login's names with another CA's certificate, a node proxy's, another login service's, or in plain HTTP", async () => {
    for (const [what, name] of [
      ["another CA's certificate", "otherCa"],
      ["a node proxy's certificate", "nodeProxy"],
      ["the certificate of another of the login's services", "sibling"],
      ["plain HTTP", "plain"],
    ] as const) {
      const to = sides[name];
      const answers = [await signIn(to.port), await withSession(to.port)];
      expect([what, answers.map((a) => a.status)]).toEqual([what, [502, 502]]);
      expect([what, to.check.seen, to.signIn.seen]).toEqual([what, [], []]);
      // Dialled (the entry tried them) and refused in the handshake, before any request.
      if (name !== "plain") expect([what, to.check.handshakes[0] + to.signIn.handshakes[0]]).toEqual([what, 0]);
    }
  });
});

describe("the limiter's hops on a Swarm", () => {
  it("takes the entry's TLS and passes the sign-in form to the sign-in's own certificate", async () => {
    const { port, signIn: to } = limited.genuine;
    await eventually("the limiter to answer", async () => (await toEntry(port, "GET", "/oauth2/sign_in")).status === 302, 20);
    expect(await signIn(port)).toMatchObject({ status: 302 });
    expect(to.seen).toContain(`POST /oauth2/sign_in ${signInForm("alice", "alice's password")} cookie=`);
  });

  it("passes nothing to a sign-in answering with another CA's certificate, or with the session check's", async () => {
    for (const name of ["otherCa", "sibling"] as const) {
      const { port, signIn: to } = limited[name];
      await eventually(`the ${name} limiter to answer`, async () => (await toEntry(port, "GET", "/oauth2/sign_in")).status !== 502, 20);
      expect([name, (await signIn(port)).status]).toEqual([name, 503]);
      expect([name, to.seen, to.handshakes[0]]).toEqual([name, [], 0]);
    }
  });
});

describe("the login's certificates in peers.json", () => {
  it("are one per login service, of homedock's CA, each for its own name alone and a server's", () => {
    const ca = new X509Certificate(peers.ca.cert);
    expect(Object.keys(peers.login)).toEqual(["frontdoor-login", "frontdoor-signin", "frontdoor-signin-limit"]);
    for (const [service, pair] of Object.entries(peers.login)) {
      const cert = new X509Certificate(pair.cert);
      expect([service, cert.subjectAltName, cert.checkIssued(ca), cert.verify(ca.publicKey), cert.keyUsage]).toEqual([
        service,
        `DNS:${service}`,
        true,
        true,
        ["1.3.6.1.5.5.7.3.1"],
      ]);
    }
  });

  it("are added to a peers.json written before them, whose CA, entry and nodes' certificates are kept", () => {
    const dir = path.join(work, "before-login");
    const { login: _, ...before } = peerCertificates(dir, model);
    const file = path.join(dir, "homedock-secrets", "peers.json");
    writeFileSync(file, `${JSON.stringify(before, null, 2)}\n`, { mode: 0o600 });
    const after = peerCertificates(dir, model);
    expect({ ca: after.ca, entry: after.entry, nodes: after.nodes }).toEqual(before);
    for (const pair of Object.values(after.login)) expect(new X509Certificate(pair.cert).checkIssued(new X509Certificate(before.ca.cert))).toBe(true);
    expect(JSON.parse(readFileSync(file, "utf8")).login).toEqual(after.login);
    // Kept from then on: a second render makes nothing.
    expect(peerCertificates(dir, model).login).toEqual(after.login);
  });
});

describe("the CA file a Swarm config names", () => {
  /** The course on the Swarm with an OpenID Connect login whose provider's CA is `caFile`. */
  const withCa = (caFile: string) => {
    const c = swarmDoorConfig();
    return buildModel({
      ...c,
      frontDoor: { ...c.frontDoor!, login: { method: "oidc", issuer: "https://id.example.org", clientId: "lab", caFile } },
      users: c.users!.map((u) => ({ ...u, identity: `${u.name}@example.org` })),
    });
  };
  const put = (name: string, text: string) => {
    const file = path.join(work, name);
    writeFileSync(file, text, { mode: 0o600 });
    return file;
  };

  it("is read where homedock runs and written beside the stack file, to be carried to the sign-in as a secret", () => {
    const bundle = `${peers.ca.cert}${other.ca.cert}`;
    const dir = mkdtempSync(path.join(work, "carried-"));
    writeClientSecret(dir, "the-client-secret");
    writeComposeSecrets(dir, withCa(put("provider-ca.pem", bundle)));
    expect(readFileSync(path.join(dir, "homedock-secrets", "frontdoor", "login-provider-ca.pem"), "utf8")).toBe(bundle);
  });

  it("is refused by its field, before anything is written, unless it is a readable regular file of PEM certificates alone", () => {
    // The config names the sign-in's image too: a key, a secrets file or anything else of this machine must not go there.
    const key = put("a-key.pem", peers.entry.key);
    const secrets = path.join(work, "ours", "homedock-secrets", "peers.json");
    const linked = path.join(work, "link-to-peers.pem");
    symlinkSync(secrets, linked);
    const mixed = put("cert-and-key.pem", `${peers.ca.cert}${peers.entry.key}`);
    const cases: [string, string][] = [
      [path.join(work, "no-such-ca.pem"), "a file readable here (ENOENT)"],
      [work, "a regular file of PEM certificates"],
      [key, "PEM certificates and nothing else (BEGIN CERTIFICATE blocks)"],
      [linked, "PEM certificates and nothing else (BEGIN CERTIFICATE blocks)"],
      [mixed, "PEM certificates and nothing else (BEGIN CERTIFICATE blocks)"],
    ];
    for (const [file, expected] of cases) {
      const dir = mkdtempSync(path.join(work, "refused-"));
      writeClientSecret(dir, "the-client-secret");
      const before = readdirSync(path.join(dir, "homedock-secrets")).sort();
      expect(() => writeComposeSecrets(dir, withCa(file)), file).toThrow(
        `frontDoor.login.caFile: got "${file}"; expected ${expected}: with a swarm section it is read where homedock runs and carried to the sign-in`,
      );
      expect([file, readdirSync(dir).sort(), readdirSync(path.join(dir, "homedock-secrets")).sort()]).toEqual([file, ["homedock-secrets"], before]);
    }
  });
});
