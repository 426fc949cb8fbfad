// Dex (a real OpenID Connect provider, scripts/build-oidc-image.sh) on this machine over
// TLS, for the login's tests: at an address of this machine that both the browser (on
// this host) and the sign-in (in a container, on one host or on a Swarm node) reach at
// the same URL.
import { execFile } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import bcrypt from "bcryptjs";
import { docker, dockerStatus, eventually, uniqueName } from "./docker";
import { freePort } from "./front-door";

const exec = promisify(execFile);
const OIDC_IMAGE = "homedock-test/oidc:current";

/**
 * The default bridge's gateway address. Docker 20.10 leaves it out of the network's IPAM
 * config when docker0 already had its address as dockerd started (a dockerd restarted):
 * then it is docker0's own address.
 */
export async function bridgeGateway(): Promise<string> {
  const listed = (await docker("network", "inspect", "bridge", "-f", "{{range .IPAM.Config}}{{.Gateway}}{{end}}")).trim();
  if (listed) return listed;
  const bridge = (await docker("network", "inspect", "bridge", "-f", '{{index .Options "com.docker.network.bridge.name"}}')).trim() || "docker0";
  const inet = /\binet (\d+\.\d+\.\d+\.\d+)\//.exec((await exec("ip", ["-4", "-o", "addr", "show", "dev", bridge])).stdout);
  if (!inet) throw new Error(`the default bridge (${bridge}) has no IPv4 address`);
  return inet[1];
}

/** Dex on this machine over TLS, at the gateway address given: the browser (on this host) and the sign-in (in a container) reach it at the same URL. */
export class OidcProvider {
  readonly dir: string;
  readonly name = uniqueName("hdoidc");
  issuer = "";
  readonly clientId = "homedock-test";
  readonly clientSecret = randomBytes(24).toString("base64url");

  /** `gateway`: the address it listens at, this machine's on a network the sign-in's container goes out through. */
  constructor(
    root: string,
    private readonly gateway: () => Promise<string>,
  ) {
    this.dir = path.join(root, "dex");
    mkdirSync(this.dir);
  }

  /** Starts Dex with a static client for `redirect` and the given users (email, username, password). */
  async start(redirect: string, users: readonly { email: string; username: string; password: string }[]): Promise<void> {
    const gateway = await this.gateway();
    const port = await freePort();
    this.issuer = `https://${gateway}:${port}/dex`;
    const d = this.dir;
    await exec("openssl", [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=homedock test CA",
      "-keyout",
      `${d}/ca.key`,
      "-out",
      `${d}/ca.pem`,
    ]);
    await exec("openssl", ["req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${gateway}`, "-keyout", `${d}/tls.key`, "-out", `${d}/tls.csr`]);
    writeFileSync(`${d}/ext.cnf`, `subjectAltName=IP:${gateway}\n`);
    await exec("openssl", [
      "x509",
      "-req",
      "-in",
      `${d}/tls.csr`,
      "-CA",
      `${d}/ca.pem`,
      "-CAkey",
      `${d}/ca.key`,
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      `${d}/ext.cnf`,
      "-out",
      `${d}/tls.crt`,
    ]);
    // Dex runs as 65532.
    chmodSync(`${d}/tls.key`, 0o644);
    const config = {
      issuer: this.issuer,
      storage: { type: "memory" },
      web: { https: `${gateway}:${port}`, tlsCert: "/dex/tls.crt", tlsKey: "/dex/tls.key" },
      frontend: { dir: "/srv/dex/web" },
      oauth2: { skipApprovalScreen: true, passwordConnector: "local" },
      enablePasswordDB: true,
      staticPasswords: users.map((u) => ({
        email: u.email,
        username: u.username,
        preferredUsername: u.username,
        userID: randomUUID(),
        hash: bcrypt.hashSync(u.password, 10),
      })),
      staticClients: [{ id: this.clientId, secret: this.clientSecret, name: "homedock", redirectURIs: [redirect] }],
    };
    writeFileSync(`${d}/config.yaml`, stringify(config));
    await docker("run", "-d", "--name", this.name, "--network", "host", "-v", `${d}:/dex:ro`, OIDC_IMAGE, "serve", "/dex/config.yaml");
    await eventually(
      "Dex's discovery document",
      async () => {
        const r = await exec("curl", ["-sf", "--cacert", `${d}/ca.pem`, `${this.issuer}/.well-known/openid-configuration`]).catch(() => undefined);
        return r !== undefined && JSON.parse(r.stdout).issuer === this.issuer;
      },
      60,
    );
  }

  async stop(): Promise<void> {
    await dockerStatus("rm", "-f", this.name);
  }
}
