// `homedock status` asking a Jupyter server on its socket as the Docker host has it (as
// root, on the host itself): the answer read, a server that is not there, and from the
// attacker's side a user who puts a link to another user's socket in place of their own
// (in a socket directory laid out as homedock makes it: root's, 1777). The kernel does
// not follow that link for root (fs.protected_symlinks), so the other server is never
// asked. Runs as root, as CI does.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { askOnSocket, linksProtected } from "../../../src/workspaces/jupyter-socket";
import { jupyterActivity } from "../../../src/workspaces/docker-host";
import type { Engine } from "../../../src/docker/engine-socket";

const root = mkdtempSync(path.join(tmpdir(), "homedock-jupyter-socket-"));
const servers: Server[] = [];
/** Requests each server was sent, by its name. */
const seen = new Map<string, string[]>();

/** A stand-in Jupyter server on `socket`: its status for `kernels`, owned by `uid`. */
async function server(name: string, socket: string, kernels: number, uid: number): Promise<void> {
  const s = createServer((c) => {
    c.on("data", (d) => {
      seen.set(name, [...(seen.get(name) ?? []), d.toString("utf8")]);
      const body = JSON.stringify({ connections: 0, kernels, last_activity: "2026-12-03T10:00:00Z", started: "2026-12-03T09:00:00Z" });
      c.end(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    });
  });
  await new Promise<void>((resolve) => s.listen(socket, resolve));
  spawnSync("chown", [`${uid}:${uid}`, socket]);
  chmodSync(socket, 0o600);
  servers.push(s);
}

/** A socket directory as homedock makes it: `<tree>/<user>/<env>`, the tree root's and 0700, the directory root's and 1777. */
function socketDir(user: string): string {
  const dir = path.join(root, "lab", user, "py");
  mkdirSync(dir, { recursive: true });
  chmodSync(path.join(root, "lab"), 0o700);
  chmodSync(dir, 0o1777);
  return dir;
}

const probe = (user: string, socket: string) => ({ container: `lab-${user}.py`, user: "2001:2001", prefix: `/user/${user}/py/`, socket });

beforeAll(async () => {
  expect(process.getuid?.(), "runs as root, as CI does").toBe(0);
  expect(linksProtected(), "fs.protected_symlinks is 1 here (the front door's proxy needs it too)").toBe(true);
  await server("alice", path.join(socketDir("alice"), "jupyter.sock"), 2, 2001);
  await server("carol", path.join(socketDir("carol"), "jupyter.sock"), 5, 2003);
});

afterAll(async () => {
  for (const s of servers) await new Promise((resolve) => s.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

describe("a Jupyter server asked on its socket", () => {
  it("answers with its status, asked with its own base_url", async () => {
    expect(await askOnSocket(probe("alice", path.join(root, "lab/alice/py/jupyter.sock")))).toEqual({
      lastActivity: "2026-12-03T10:00:00Z",
      kernels: 2,
      connections: 0,
      started: "2026-12-03T09:00:00Z",
    });
    expect(seen.get("alice")!.at(-1)).toBe("GET /user/alice/py/api/status HTTP/1.0\r\nHost: localhost\r\n\r\n");
  });

  it("is not listening when its socket is gone; an engine whose socket tree is not here is asked with an exec", async () => {
    const dir = socketDir("dave");
    expect(await askOnSocket(probe("dave", path.join(dir, "jupyter.sock")))).toEqual({ error: "the server is not listening on its socket (ENOENT)" });
    expect(await askOnSocket(probe("erin", path.join(root, "elsewhere/erin/py/jupyter.sock")))).toBeUndefined();
  });

  it("never reaches another user's server through a link its user put in place of the socket", async () => {
    const dir = socketDir("bob");
    const victim = path.join(root, "lab/carol/py/jupyter.sock");
    for (const target of [victim, "../../carol/py/jupyter.sock"]) {
      rmSync(path.join(dir, "jupyter.sock"), { force: true });
      // bob (uid 2002) makes the link in his own socket directory, as his workspace, which
      // mounts that directory alone, could: the directories above are opened for it meanwhile.
      const above = [root, path.join(root, "lab"), path.join(root, "lab/bob")];
      for (const d of above) chmodSync(d, 0o755);
      const ln = spawnSync("setpriv", ["--reuid=2002", "--regid=2002", "--clear-groups", "ln", "-s", target, path.join(dir, "jupyter.sock")], {
        encoding: "utf8",
      });
      for (const d of above) chmodSync(d, 0o700);
      expect(ln.status, ln.stderr).toBe(0);
      const before = seen.get("carol")?.length ?? 0;
      // Not followed: status asks bob's workspace with an exec instead (inside it, the link is bob's own business).
      expect(await askOnSocket(probe("bob", path.join(dir, "jupyter.sock")))).toBeUndefined();
      expect(seen.get("carol")?.length ?? 0).toBe(before);
    }
    // The same link made by root (the directory's owner) the kernel follows: the check above could fail.
    rmSync(path.join(dir, "jupyter.sock"), { force: true });
    spawnSync("ln", ["-s", victim, path.join(dir, "jupyter.sock")]);
    expect(await askOnSocket(probe("bob", path.join(dir, "jupyter.sock")))).toMatchObject({ kernels: 5 });
  });

  it("is how status asks on a local engine as root: the rest, and only the rest, by exec", async () => {
    const engine = (): Engine => ({
      get: async () => ({ status: 200, body: JSON.stringify({ ExitCode: 0 }) }),
      post: async (p) => (p.endsWith("/exec") ? { status: 201, body: Buffer.from('{"Id":"x"}') } : { status: 200, body: Buffer.alloc(0) }),
      close: () => undefined,
    });
    const asked = await jupyterActivity(
      [probe("alice", path.join(root, "lab/alice/py/jupyter.sock")), probe("erin", path.join(root, "elsewhere/erin/py/jupyter.sock"))],
      undefined,
      engine,
    );
    expect(asked.get("lab-alice.py")).toMatchObject({ kernels: 2 });
    // erin's socket tree is not here: asked by exec, which gave no answer here.
    expect(asked.get("lab-erin.py")).toEqual({ error: "the server gave no answer" });
  });
});
