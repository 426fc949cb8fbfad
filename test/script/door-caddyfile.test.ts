// The hop between the entry proxy and a node's proxy on a Swarm, run for real on this
// machine (Debian's caddy 2.6.2, homedock's certificates from openssl): a node's proxy
// with the Caddyfile homedock renders for it answers a client with the entry's
// certificate, and refuses, in the TLS handshake, a client without one or with one of
// another CA; it reaches only the socket of the workspace the entry names. The entry
// side is the transport the entry's Caddyfile renders, run by a second caddy.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { request } from "node:https";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildModel } from "../../src/model/model";
import { renderCaddyfile, renderDoorCaddyfile } from "../../src/render/caddyfile";
import { peerCertificates, type Peers } from "../../src/output/peers";
import { swarmDoorConfig } from "../helpers/synth";
import { freePort } from "../helpers/front-door";

const work = mkdtempSync(path.join(tmpdir(), "homedock-door-"));
const runtime = path.join(work, "run");
const peersDir = path.join(work, "peers");
const servers: Server[] = [];
const caddies: ChildProcess[] = [];
let peers: Peers;
let other: Peers;
let doorPort: number;
let entryPort: number;

const model = buildModel(swarmDoorConfig());
/** The node alice's workspaces run on: the proxy this test runs is that node's. */
const node = model.users.find((u) => u.name === "alice")!.node!;

/** A workspace's server on its socket, answering who it is. */
async function workspace(user: string, env: string): Promise<void> {
  const dir = path.join(runtime, user, env);
  mkdirSync(dir, { recursive: true });
  const server = createServer((req, res) => res.end(`${user}/${env} ${req.url} host=${req.headers.host}`));
  await new Promise<void>((resolve) => server.listen(path.join(dir, "jupyter.sock"), resolve));
  servers.push(server);
}

/** Runs caddy on `text` until the test ends; resolves once `port` answers TLS. */
async function caddy(name: string, text: string, port: number): Promise<void> {
  const file = path.join(work, name);
  writeFileSync(file, text);
  const p = spawn("caddy", ["run", "--config", file, "--adapter", "caddyfile"], {
    env: { ...process.env, HOME: work, XDG_DATA_HOME: work, XDG_CONFIG_HOME: work },
    stdio: "ignore",
  });
  caddies.push(p);
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const req = request({ host: "127.0.0.1", port, rejectUnauthorized: false }, () => resolve(true));
      req.on("error", (e: NodeJS.ErrnoException) => resolve(e.code !== "ECONNREFUSED"));
      req.end();
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`caddy ${name} did not listen on ${port}`);
}

interface Answer {
  readonly status?: number;
  readonly body?: string;
  /** The TLS or socket error, where the handshake was refused. */
  readonly error?: string;
}

/** One HTTPS request to the node's proxy, naming it for TLS as the entry does. */
function toDoor(headers: Record<string, string>, client?: { cert: string; key: string }, ca = peers.ca.cert): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(
      { host: "127.0.0.1", port: doorPort, servername: `door--${node}`, ca, ...(client ?? {}), path: "/user/alice/python-course/api", headers },
      (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode, body }));
      },
    );
    req.on("error", (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end();
  });
}

beforeAll(async () => {
  peers = peerCertificates(peersDir, model);
  // Certificates of the same names from another CA: what homedock of another host would make.
  other = peerCertificates(path.join(work, "other"), model);
  const files = path.join(work, "files");
  mkdirSync(files);
  const put = (name: string, text: string) => writeFileSync(path.join(files, name), text, { mode: 0o600 });
  put("ca.crt", peers.ca.cert);
  put("door.crt", peers.nodes[node].cert);
  put("door.key", peers.nodes[node].key);
  put("entry.crt", peers.entry.cert);
  put("entry.key", peers.entry.key);
  await workspace("alice", "python-course");
  await workspace("bob", "python-course");
  [doorPort, entryPort] = [await freePort(), await freePort()];
  const door = renderDoorCaddyfile()
    .replaceAll("/homedock/peers/", `${files}/`)
    .replaceAll("/run/homedock/", `${runtime}/`)
    .replace("https://:8443 {", `https://:${doorPort} {`);
  await caddy("door.Caddyfile", door, doorPort);
  // The entry's transport, as its Caddyfile renders it for alice's workspace on her node.
  const entry = renderCaddyfile(model, { alice: `$2b$12$${"A".repeat(53)}` }).split("\n");
  const start = entry.findIndex((l) => l.includes(`reverse_proxy https://door--${node}:8443 {`));
  const end = entry.findIndex((l, i) => i > start && l === entry[start].replace(/reverse_proxy.*/, "}"));
  const block = entry
    .slice(start, end + 1)
    .map((l) => l.trim())
    .join("\n")
    .replaceAll("/homedock/peers/", `${files}/`)
    .replace(`https://door--${node}:8443`, `https://127.0.0.1:${doorPort}`);
  await caddy(
    "entry.Caddyfile",
    [
      "{",
      "\tadmin off",
      "\tskip_install_trust",
      "\tauto_https disable_redirects",
      "}",
      `https://lab.example.org:${entryPort} {`,
      "\ttls internal",
      block,
      "}",
      "",
    ].join("\n"),
    entryPort,
  );
}, 60_000);

afterAll(() => {
  for (const p of caddies) p.kill();
  for (const s of servers) s.close();
  rmSync(work, { recursive: true, force: true });
});

describe("a node's proxy", () => {
  it("answers the entry's client certificate with the workspace the header names, the path and Host kept", async () => {
    const r = await toDoor({ "X-Homedock-Workspace": "alice/python-course", Host: "lab.example.org:8443" }, peers.entry);
    expect(r).toEqual({ status: 200, body: "alice/python-course /user/alice/python-course/api host=lab.example.org:8443" });
  });

  it("refuses in the TLS handshake a client without a certificate, and one with a certificate of another CA", async () => {
    for (const client of [undefined, other.entry]) {
      const r = await toDoor({ "X-Homedock-Workspace": "alice/python-course" }, client);
      expect(r.status, JSON.stringify(r)).toBeUndefined();
      // The server's alert (TLS 1.3: certificate required / unknown CA), or the connection it closed.
      expect(r.error).toMatch(/^(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED|ERR_SSL_TLSV1_ALERT_UNKNOWN_CA|ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE|ECONNRESET)$/);
    }
  });

  it("is not taken for itself by a client that trusts another CA: its certificate is homedock's", async () => {
    const r = await toDoor({ "X-Homedock-Workspace": "alice/python-course" }, peers.entry, other.ca.cert);
    expect(r.error).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  });

  it("reaches nothing for a header that is not <user>/<environment> of plain names", async () => {
    for (const header of ["../bob/python-course", "alice/..", "alice/python-course/../../bob/python-course", ".alice/python-course", "alice"]) {
      const r = await toDoor({ "X-Homedock-Workspace": header }, peers.entry);
      expect([header, r.status, r.body]).toEqual([header, 404, "no such workspace"]);
    }
    expect(await toDoor({}, peers.entry)).toEqual({ status: 404, body: "no such workspace" });
  });
});

describe("the entry's Caddyfile on a Swarm", () => {
  it("is read by caddy: every user's route to their node's proxy, a page per node for its users", () => {
    const file = path.join(work, "entry-full.Caddyfile");
    writeFileSync(file, renderCaddyfile(model, Object.fromEntries(model.users.map((u) => [u.name, `$2b$12$${"A".repeat(53)}`]))));
    const r = spawnSync("caddy", ["adapt", "--config", file, "--adapter", "caddyfile"], {
      encoding: "utf8",
      env: { ...process.env, HOME: work, XDG_DATA_HOME: work, XDG_CONFIG_HOME: work },
    });
    expect([r.status, r.stderr]).toEqual([0, ""]);
    for (const u of model.users) expect(r.stdout).toContain(`"dial":"door--${u.node}:8443"`);
    expect(r.stdout).toContain('"errors":{"routes":');
    // A node lost: a new connection refused in 3 s, none kept idle from before for more
    // than 5 s, and Caddy's pool and probes as they are without that setting.
    const transports: Record<string, unknown>[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v !== null && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (o.handler === "reverse_proxy" && JSON.stringify(o.upstreams).includes("door--")) transports.push(o.transport as Record<string, unknown>);
        Object.values(o).forEach(walk);
      }
    };
    walk(JSON.parse(r.stdout));
    expect(transports.length).toBe(r.stdout.split('"dial":"door--').length - 1);
    for (const t of transports) expect([t.dial_timeout, t.keep_alive]).toEqual([3e9, { idle_timeout: 5e9, max_idle_conns_per_host: 32, probe_interval: 30e9 }]);
  });
});

describe("the entry's transport to a node's proxy", () => {
  it("presents its certificate, checks the node's, and names the workspace of the route, not of the request", async () => {
    const r = await new Promise<Answer>((resolve) => {
      const req = request(
        {
          host: "127.0.0.1",
          port: entryPort,
          rejectUnauthorized: false,
          path: "/user/alice/python-course/tree",
          // A client's own header is replaced by the route's.
          headers: { "X-Homedock-Workspace": "bob/python-course", Host: "lab.example.org:8443" },
        },
        (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString()));
          res.on("end", () => resolve({ status: res.statusCode, body }));
        },
      );
      req.on("error", (e: NodeJS.ErrnoException) => resolve({ error: e.code }));
      req.end();
    });
    expect(r).toEqual({ status: 200, body: "alice/python-course /user/alice/python-course/tree host=lab.example.org:8443" });
  });
});
