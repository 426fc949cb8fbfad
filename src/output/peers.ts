// The certificates of the front door across Swarm nodes: homedock's own CA, a server
// certificate per node's proxy and the entry proxy's client certificate, so that a node's
// proxy answers the entry proxy and nothing else; and a server certificate per login
// service, so that the entry sends a password or a session only to the login's own
// services, and none of them can answer for another. Made with the openssl CLI (Node cannot
// make X.509) and kept in homedock-secrets/peers.json (0600): a render keeps what is there
// and makes only what is missing (a new node's), so an unchanged config rolls no proxy.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { HomedockError } from "../config/errors";
import type { ConfigIssue } from "../config/issues";
import type { HostModel } from "../model/model";
import { doorServiceName, ENTRY_PEER } from "../model/swarm";
import { loginContainerNames } from "../container/login";
import { SECRETS_DIR } from "../render/secret-paths";
import { kindOf, readSecretsFile, secretProblem, secretsDir, writePrivate } from "./secret-files";

/** A certificate (PEM) and its private key (PEM). */
export interface KeyPair {
  readonly cert: string;
  readonly key: string;
}

/** What peers.json holds. */
export interface Peers {
  readonly ca: KeyPair;
  /** The entry proxy's client certificate. */
  readonly entry: KeyPair;
  /** Each node's proxy's server certificate, by node name. */
  readonly nodes: Readonly<Record<string, KeyPair>>;
  /** Each login service's server certificate (its name alone), by its service name. */
  readonly login: Readonly<Record<string, KeyPair>>;
}

export const PEERS_FILE = `${SECRETS_DIR}/peers.json`;

const SHAPE = 'expected a JSON object with ca, entry, nodes (by node) and login (by service), each pair { "cert": <PEM>, "key": <PEM> }, as homedock writes it';
const PEM = (kind: string) => new RegExp(`^-----BEGIN ${kind}-----\\n[\\s\\S]+\\n-----END ${kind}-----\\n$`);
const CERT = PEM("CERTIFICATE");
const KEY = PEM("(EC )?PRIVATE KEY");

function pairProblems(at: string[], pair: unknown): ConfigIssue[] {
  if (pair === null || typeof pair !== "object" || Array.isArray(pair))
    return [secretProblem(at, `expected { "cert": <PEM>, "key": <PEM> }; found ${kindOf(pair)}`)];
  const { cert, key } = pair as Record<string, unknown>;
  return [
    ...(typeof cert === "string" && CERT.test(cert) ? [] : [secretProblem([...at, "cert"], "expected a PEM certificate (not shown)")]),
    ...(typeof key === "string" && KEY.test(key) ? [] : [secretProblem([...at, "key"], "expected a PEM private key (not shown)")]),
  ];
}

function problems(key: string, value: unknown): ConfigIssue[] {
  if (key === "ca" || key === "entry") return pairProblems([key], value);
  if (key !== "nodes" && key !== "login") return [secretProblem([key], "expected only ca, entry, nodes and login")];
  if (value === null || typeof value !== "object" || Array.isArray(value))
    return [secretProblem([key], `expected a JSON object of ${key === "nodes" ? "node" : "service"} names; found ${kindOf(value)}`)];
  return Object.entries(value).flatMap(([name, pair]) => pairProblems([key, name], pair));
}

/** Runs openssl in `dir`; its error, naming what it made, if it fails. */
function openssl(dir: string, what: string, args: readonly string[]): void {
  const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
  if (r.error !== undefined || r.status !== 0) {
    const why = r.error !== undefined ? (r.error as NodeJS.ErrnoException).code : r.stderr.trim().split("\n").pop();
    throw new HomedockError(`cannot make the ${what} with openssl (${why}): the front door across nodes needs the openssl command`);
  }
}

const NEW_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
const DAYS = "3650";

function makeCa(dir: string, host: string): KeyPair {
  openssl(dir, "proxies' CA", [
    "req",
    "-x509",
    ...NEW_KEY,
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-days",
    DAYS,
    "-subj",
    `/CN=homedock ${host} proxies CA`,
    "-addext",
    "basicConstraints=critical,CA:TRUE,pathlen:0",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  return read(dir, "ca");
}

/** A certificate of `ca` for `name`: a node's proxy's or a login service's (server, its DNS name) or the entry proxy's (client). */
function makeLeaf(dir: string, ca: KeyPair, name: string, use: "serverAuth" | "clientAuth"): KeyPair {
  writeFileSync(path.join(dir, "ca.crt"), ca.cert);
  writeFileSync(path.join(dir, "ca.key"), ca.key, { mode: 0o600 });
  writeFileSync(
    path.join(dir, "leaf.ext"),
    ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature", `extendedKeyUsage=${use}`, `subjectAltName=DNS:${name}`, ""].join("\n"),
  );
  openssl(dir, `certificate of ${name}`, ["req", "-new", ...NEW_KEY, "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", `/CN=${name}`]);
  const serial = `0x${randomBytes(16).toString("hex")}`;
  openssl(dir, `certificate of ${name}`, [
    "x509",
    "-req",
    "-in",
    "leaf.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-set_serial",
    serial,
    "-days",
    DAYS,
    "-extfile",
    "leaf.ext",
    "-out",
    "leaf.crt",
  ]);
  return read(dir, "leaf");
}

function read(dir: string, name: string): KeyPair {
  return { cert: readFileSync(path.join(dir, `${name}.crt`), "utf8"), key: readFileSync(path.join(dir, `${name}.key`), "utf8") };
}

/**
 * The peers' certificates of `model`'s front door across nodes, from `<dir>/homedock-secrets/peers.json`:
 * what is there is kept, what is missing (the CA, the entry's, a node's, the login's) is made and
 * written back. A file not as homedock writes it is refused, naming the file, before
 * anything is written.
 */
export function peerCertificates(dir: string, model: HostModel): Peers {
  const file = path.join(dir, PEERS_FILE);
  const known = readSecretsFile<unknown>(file, SHAPE, problems) as Partial<Peers>;
  const nodes = model.swarm!.nodes;
  const services = Object.values(loginContainerNames(model));
  if (
    known.ca !== undefined &&
    known.entry !== undefined &&
    nodes.every((n) => known.nodes?.[n] !== undefined) &&
    services.every((n) => known.login?.[n] !== undefined)
  )
    return known as Peers;
  const work = mkdtempSync(path.join(tmpdir(), "homedock-peers-"));
  try {
    // A new CA makes every certificate anew: an old one would not be of it.
    const fresh = known.ca === undefined;
    const ca = known.ca ?? makeCa(work, model.name);
    const entry = !fresh && known.entry !== undefined ? known.entry : makeLeaf(work, ca, ENTRY_PEER, "clientAuth");
    const made: Record<string, KeyPair> = fresh ? {} : { ...known.nodes };
    for (const node of nodes) made[node] ??= makeLeaf(work, ca, doorServiceName(node), "serverAuth");
    // Made where missing: a peers.json from before the login's certificates keeps its CA.
    const login: Record<string, KeyPair> = fresh ? {} : { ...known.login };
    for (const service of services) login[service] ??= makeLeaf(work, ca, service, "serverAuth");
    const peers: Peers = { ca, entry, nodes: made, login };
    secretsDir(dir);
    writePrivate(file, `${JSON.stringify(peers, null, 2)}\n`);
    return peers;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
