// Talking to a front door from outside, as a browser or an attacker would: HTTPS to the
// published loopback port, checked against the proxy's own local CA.
import { request } from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import { createServer } from "node:net";
import { dockerStatus, eventually } from "./docker";

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
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
}

/** `https://<site>:<port>`: what a browser's address bar and an Origin header say. */
export function origin(door: Door): string {
  return `https://${door.site}:${door.port}`;
}

/** One HTTPS request to the door: connects to 127.0.0.1, names the site for TLS and in Host. */
export function call(door: Door, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: door.port,
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
    req.end(body);
  });
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
  await eventually(`${container}'s local CA`, async () => {
    const r = await dockerStatus("exec", container, "cat", "/data/caddy/pki/authorities/local/root.crt");
    pem = r.stdout;
    return r.status === 0;
  }, 60);
  return pem;
}
