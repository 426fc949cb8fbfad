// homedock status on a real front door host: what the Jupyter servers themselves say,
// asked through their sockets inside their own containers as their own users (an exec
// through the local engine's socket, or docker exec through a docker context). The
// Compose output with the proxy (scripts/build-proxy-image.sh), one user with a classic
// Notebook 6 (scripts/build-jupyter-image.sh) and a JupyterLab 4
// (scripts/build-jupyterlab-image.sh) workspace, all on loopback.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { homedock } from "../helpers/cli";
import {
  docker,
  dockerStatus,
  eventually,
  FRONT_DOOR_IMAGES,
  requireDocker,
  requireFrontDoorImages,
  scenarioRoot,
  uniqueName,
  testLogin,
} from "../helpers/docker";
import { freePort } from "../helpers/front-door";

const IMAGES = FRONT_DOOR_IMAGES;
const UID = 2331;

let root: string;
let host: string;
let config: string;
let compose: string;

const container = (env: string) => `${host}-alice.${env}`;

/** The rows of `homedock status --json`, by environment; it must succeed. `env`: the docker CLI's (a context). */
async function status(env: NodeJS.ProcessEnv = {}): Promise<Record<string, Record<string, unknown>>> {
  const r = await homedock(["status", "-c", config, "--json"], { env });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out.ok).toBe(true);
  return Object.fromEntries((out.workspaces as Record<string, unknown>[]).map((w) => [w.environment as string, w]));
}

/**
 * A request to alice's `env` server through its socket, from inside her container as
 * her (what her own browser does through the front door): `method` on `<prefix>api/<api>`;
 * the response body. Jupyter's XSRF check wants the same token as cookie and header.
 */
async function api(env: string, method: string, apiPath: string): Promise<string> {
  const script = [
    "import socket,sys",
    "s=socket.socket(socket.AF_UNIX)",
    "s.settimeout(10)",
    "s.connect('/run/homedock/jupyter.sock')",
    "body=b'{}' if sys.argv[1]=='POST' else b''",
    "head=sys.argv[1]+' '+sys.argv[2]+' HTTP/1.0\\r\\nHost: localhost\\r\\nCookie: _xsrf=c0ffee\\r\\nX-XSRFToken: c0ffee\\r\\nContent-Type: application/json\\r\\nContent-Length: '+str(len(body))+'\\r\\n\\r\\n'",
    "s.sendall(head.encode()+body)",
    "b=b''",
    "while True:",
    " d=s.recv(65536)",
    " if not d: break",
    " b+=d",
    "sys.stdout.write(b.decode())",
  ].join("\n");
  const out = await docker("exec", "-u", `${UID}:${UID}`, container(env), "python3", "-c", script, method, `/user/alice/${env}/api/${apiPath}`);
  const [head, body] = out.split("\r\n\r\n");
  expect(head).toMatch(/^HTTP\/1\.[01] 20[01] /);
  return body;
}

beforeAll(async () => {
  requireDocker();
  requireFrontDoorImages();
  root = scenarioRoot("status-jupyter");
  host = uniqueName("hdsj");
  config = path.join(root, "homedock.yaml");
  compose = path.join(root, "out", "docker-compose.yml");
  mkdirSync(`${root}/home`);
  mkdirSync(`${root}/run`);
  writeFileSync(
    config,
    JSON.stringify({
      host: { name: host, homeRoot: `${root}/home`, sharedMounts: [] },
      frontDoor: {
        site: "localhost",
        listen: ["127.0.0.1"],
        httpsPort: await freePort(),
        httpPort: await freePort(),
        tls: "internal",
        image: IMAGES.proxy,
        runtimeRoot: `${root}/run`,
        login: testLogin(),
      },
      environments: [
        { name: "py", image: IMAGES.notebook, command: ["python3", "-m", "notebook"], jupyter: "notebook", memory: "1g" },
        { name: "lab", image: IMAGES.lab, command: ["jupyter", "lab"], jupyter: "server", memory: "1g" },
      ],
      users: [{ name: "alice", uid: UID, gid: UID }],
    }),
  );
  const passwd = await homedock(["passwd", "alice", "-c", config, "-d", path.dirname(compose), "--stdin"], { input: "a-long-enough-password\n" });
  expect(passwd.status, passwd.stderr).toBe(0);
  const rendered = await homedock(["compose", "-c", config, "-o", compose]);
  expect(rendered.status, rendered.stderr).toBe(0);
  await docker("compose", "-f", compose, "up", "-d", "--wait");
  // Up is not listening yet: each server answers once it has made its socket.
  await eventually(
    "both servers answering homedock status",
    async () => {
      const rows = await status();
      return rows.py.kernels !== null && rows.lab.kernels !== null;
    },
    120,
  );
}, 600_000);

afterAll(async () => {
  if (compose) await dockerStatus("compose", "-f", compose, "down", "-v", "--remove-orphans");
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("homedock status of Jupyter workspaces behind the front door", () => {
  it("gives each server's kernels (none yet) and last activity, as the server says them", async () => {
    const rows = await status();
    for (const env of ["py", "lab"]) {
      const own = JSON.parse(await api(env, "GET", "status"));
      expect(rows[env]).toMatchObject({ state: "running", jupyter: true, kernels: 0, jupyterError: null });
      expect(rows[env].lastActivity).toBe(own.last_activity);
      expect(Date.parse(rows[env].lastActivity as string)).toBeGreaterThan(Date.parse(rows[env].since as string) - 1000);
    }
  });

  it("counts a kernel once one is started, and its start is the server's last activity", async () => {
    const before = Date.now();
    for (const env of ["py", "lab"]) expect(JSON.parse(await api(env, "POST", "kernels")).id).toMatch(/^[0-9a-f-]{36}$/);
    const rows = await status();
    for (const env of ["py", "lab"]) {
      expect([env, rows[env].kernels, rows[env].jupyterError]).toEqual([env, 1, null]);
      expect(Date.parse(rows[env].lastActivity as string)).toBeGreaterThanOrEqual(before - 2000);
    }
    // The same through the docker CLI (a context naming the same engine: docker exec, not the socket).
    const dockerConfig = path.join(root, "docker-config");
    await docker("--config", dockerConfig, "context", "create", "same-engine", "--docker", "host=unix:///var/run/docker.sock");
    const viaCli = await status({ DOCKER_CONFIG: dockerConfig, DOCKER_CONTEXT: "same-engine" });
    for (const env of ["py", "lab"]) {
      expect([viaCli[env].kernels, viaCli[env].jupyterError]).toEqual([1, null]);
      // A new kernel's own messages move it on for a moment: never back.
      expect(Date.parse(viaCli[env].lastActivity as string)).toBeGreaterThanOrEqual(Date.parse(rows[env].lastActivity as string));
    }
    const table = await homedock(["status", "-c", config]);
    expect(table.status).toBe(0);
    const lines = table.stdout
      .trimEnd()
      .split("\n")
      .slice(1, -1)
      .map((l) => l.split(/ {2,}/));
    expect(lines.map((c) => [c[0], c[1], c[2], c.at(-1)])).toEqual([
      ["alice", "py", "running", "1"],
      ["alice", "lab", "running", "1"],
    ]);
    for (const cells of lines) expect(cells.at(-2)).toMatch(/^\d+[sm] ago$/);
  });

  it("shows - and the reason for a server that does not answer on its socket, and still succeeds", async () => {
    // What its user can do in her own socket directory: move the socket away.
    await docker("exec", "-u", `${UID}:${UID}`, container("lab"), "mv", "/run/homedock/jupyter.sock", "/run/homedock/moved.sock");
    try {
      const rows = await status();
      expect([rows.lab.kernels, rows.lab.lastActivity]).toEqual([null, null]);
      // Asked on its socket (status runs here, as root) or, elsewhere, by an exec in the workspace.
      expect(rows.lab.jupyterError).toMatch(/^the server is not listening on its socket \((ENOENT|FileNotFoundError: )/);
      expect(rows.py.kernels).toBe(1);
      const table = await homedock(["status", "-c", config]);
      expect(table.status).toBe(0);
      expect(table.stdout.split("\n").find((l) => l.startsWith("alice  lab"))).toMatch(/ running .* -\s+-$/);
    } finally {
      await docker("exec", "-u", `${UID}:${UID}`, container("lab"), "mv", "/run/homedock/moved.sock", "/run/homedock/jupyter.sock");
    }
  });

  it("asks nothing of a stopped workspace", async () => {
    await docker("stop", "-t", "5", container("py"));
    const rows = await status();
    expect(rows.py).toMatchObject({ state: "stopped", kernels: null, lastActivity: null, jupyterError: "not running" });
    expect(rows.lab.kernels).toBe(1);
  });
});
