// The front door across the test Swarm's nodes, as its two suites use it: the stack
// file's (test/e2e/swarm-door.test.ts) and Terraform's (test/e2e/swarm-deploy-door.test.ts).
import { chmodSync, chownSync, lstatSync, mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "vitest";
import { goto, launchChromium, newNotebook, notebookCell } from "./browser";
import { busyboxImage, eventually, FRONT_DOOR_IMAGES, testLogin } from "./docker";
import { call, type Door, type Reply, Sessions, signInForm, type TestUser } from "./front-door";
import type { SwarmNode, SwarmRig } from "./swarm";

/** The images the front door's suites carry into the rig's nodes: the proxy, the login, the limiter, Jupyter, a job's image. */
export const DOOR_RIG_IMAGES = () => [
  FRONT_DOOR_IMAGES.proxy,
  FRONT_DOOR_IMAGES.login,
  FRONT_DOOR_IMAGES.limiter,
  FRONT_DOOR_IMAGES.notebook,
  busyboxImage("swarm-door-init", {}),
];

/** The homes' root on the storage every node of `rig` mounts. */
export const doorHomeRoot = (rig: SwarmRig) => path.join(rig.homes, "home");

/** A config of `host` with the front door on `port` (8080 for HTTP) and one Jupyter environment, `py`; each user on its node of `nodeOf`. */
export function swarmDoorJson(
  rig: SwarmRig,
  host: string,
  port: number,
  runtimeRoot: string,
  users: readonly TestUser[],
  nodeOf: Readonly<Record<string, SwarmNode>>,
): string {
  return JSON.stringify({
    host: { name: host, createHomes: false, homeRoot: doorHomeRoot(rig), sharedMounts: [], initImage: busyboxImage("swarm-door-init", {}) },
    frontDoor: { site: "localhost", httpsPort: port, httpPort: 8080, image: FRONT_DOOR_IMAGES.proxy, runtimeRoot, login: testLogin() },
    swarm: { nodes: [{ name: "node-1" }, { name: "node-2" }, { name: "node-3" }] },
    environments: [{ name: "py", image: FRONT_DOOR_IMAGES.notebook, command: ["python3", "-m", "notebook"], jupyter: "notebook", memory: "512m" }],
    users: users.map((u) => ({ name: u.name, uid: u.uid, gid: u.uid, node: nodeOf[u.name] })),
  });
}

/** A home made where the accounts are, with a file that says whose it is in the workspace's directory. */
export function makeDoorHome(rig: SwarmRig, u: TestUser): void {
  const home = path.join(doorHomeRoot(rig), u.name);
  mkdirSync(path.join(home, "py"), { recursive: true });
  writeFileSync(path.join(home, "py", `${u.name}-notes.txt`), `${u.name}'s notes\n`, { mode: 0o600 });
  writeFileSync(path.join(home, "keep.bin"), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7 + u.uid) % 256)));
  for (const p of [home, path.join(home, "py"), path.join(home, "py", `${u.name}-notes.txt`), path.join(home, "keep.bin")]) chownSync(p, u.uid, u.uid);
  chmodSync(home, 0o700);
}

/** The one container of `service`'s (its full name, `<host>_<name>`) running task on `node`. */
export async function serviceContainer(rig: SwarmRig, service: string, node: SwarmNode): Promise<string> {
  const ids = (await rig.docker(node, "ps", "-q", "--filter", `label=com.docker.swarm.service.name=${service}`)).trim().split("\n").filter(Boolean);
  expect(ids, `${service} on ${node}`).toHaveLength(1);
  return ids[0];
}

/** The entry proxy of `host` on node-1, once its local CA is there: the door to call, through node-1's address. */
export async function entryDoor(rig: SwarmRig, host: string, port: number): Promise<Door> {
  const address = (await rig.docker("node-1", "info", "-f", "{{.Swarm.NodeAddr}}")).trim();
  let ca = "";
  await eventually(
    "the entry proxy's local CA",
    async () => {
      const id = await serviceContainer(rig, `${host}_frontdoor`, "node-1").catch(() => "none");
      const r = await rig.dockerStatus("node-1", "exec", id, "cat", "/data/caddy/pki/authorities/local/root.crt");
      ca = r.stdout;
      return r.status === 0 && ca.includes("BEGIN CERTIFICATE");
    },
    120,
  );
  return { site: "localhost", port, ca, via: { host: address, port, localAddress: "0.0.0.0" } };
}

/**
 * Each of `users` signs in on the page in Chromium, opens a notebook made from their own
 * page and runs a cell in it: it prints their uid, and the notebook is theirs, in their
 * home on the shared storage.
 */
export async function cellsInChromium(rig: SwarmRig, door: Door, users: readonly TestUser[]): Promise<void> {
  // The site is localhost: Chromium is sent to node-1, where the entry proxy publishes it.
  const browser = await launchChromium(["--ignore-certificate-errors", `--host-resolver-rules=MAP localhost ${door.via!.host}`]);
  try {
    const site = `https://localhost:${door.port}`;
    for (const u of users) {
      const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1100, height: 620 } });
      const page = await context.newPage();
      await goto(page, `${site}/`);
      await page.waitForSelector("#username");
      await page.fill("#username", u.name);
      await page.fill("#password", u.password);
      await Promise.all([page.waitForURL(`${site}/user/${u.name}/`), page.click("button[type=submit]")]);
      expect(await page.textContent("h1")).toBe(`Workspaces of ${u.name}`);
      // A notebook made from the user's own page (with Jupyter's XSRF token), then a cell in it.
      await goto(page, `${site}/user/${u.name}/py/tree`);
      await page.waitForSelector("#notebook_list");
      expect(await newNotebook(page, "on-the-swarm.ipynb"), u.name).toBe(201);
      const notebook = await context.newPage();
      await goto(notebook, `${site}/user/${u.name}/py/notebooks/on-the-swarm.ipynb`);
      await notebook.waitForFunction(() => (globalThis as any).Jupyter?.notebook?.kernel?.is_connected?.() === true, undefined, { timeout: 120_000 });
      const cell = await notebookCell(notebook, "import os; print(os.getuid(), 6 * 7)");
      expect([u.name, cell.text.trim()]).toEqual([u.name, `${u.uid} 42`]);
      // The notebook is in the user's own home, on the storage every node mounts, and the user's.
      expect(lstatSync(path.join(doorHomeRoot(rig), u.name, "py", "on-the-swarm.ipynb")).uid, u.name).toBe(u.uid);
      await context.close();
    }
  } finally {
    await browser.close();
  }
}

/** The users of the front door's `py` workspaces, through the entry proxy of `door`, each with their session. */
export class DoorUsers {
  readonly sessions: Sessions;

  constructor(private readonly door: () => Door) {
    this.sessions = new Sessions(door);
  }

  /** `u`'s Jupyter contents listing through the entry proxy, with their session (or `as`'s). */
  contents(u: TestUser, as: TestUser = u): Promise<Reply> {
    return call(this.door(), "GET", `/user/${u.name}/py/api/contents`, this.sessions.auth(as));
  }

  /** Until each user's Jupyter answers through the door. */
  async reachable(users: readonly TestUser[]): Promise<void> {
    for (const u of users) {
      await eventually(
        `${u.name}'s workspace through the door`,
        async () => (await this.contents(u).catch(() => ({ status: 0 }) as Reply)).status === 200,
        180,
      );
    }
  }

  /** `a` is refused with `b`'s password (no session cookie), and `a`'s route with `b`'s session. */
  async refusedAcross(a: TestUser, b: TestUser): Promise<void> {
    const door = this.door();
    const form = signInForm(a.name, b.password);
    const r = await call(
      door,
      "POST",
      "/oauth2/sign_in",
      { "Content-Type": "application/x-www-form-urlencoded", Origin: `https://localhost:${door.port}` },
      form,
    );
    expect([r.status, (r.headers["set-cookie"] ?? []).some((c) => c.startsWith("__Host-homedock="))]).toEqual([401, false]);
    const cross = await this.contents(a, b);
    expect([cross.status, cross.body]).toEqual([404, "no such workspace"]);
  }

  /**
   * `stop` (a worker stopped): within a minute `down`, whose workspace ran there, gets the
   * page that says so from the entry proxy; each of `up` still reaches their own.
   */
  async nodeLost(stop: () => Promise<void>, down: TestUser, up: readonly TestUser[]): Promise<void> {
    await stop();
    const started = Date.now();
    await eventually(
      `${down.name}'s page from the door`,
      async () => {
        const r = await this.contents(down).catch(() => undefined);
        return r?.status === 502 && r.body.includes("The machine your workspace runs on is down");
      },
      60,
    );
    expect(Date.now() - started).toBeLessThan(60_000);
    for (const u of up) expect([u.name, (await this.contents(u)).status]).toEqual([u.name, 200]);
  }

  /**
   * `u`, just added, signs in once the sign-in runs on its new password file
   * (`restarted`). A try before that is a wrong password, which the limiter counts: wait
   * for the new sign-in, then try a few times, well under the limit (10 for one name).
   */
  async newUserSignsIn(u: TestUser, restarted: () => Promise<boolean>): Promise<void> {
    await eventually("the sign-in on the new password file", restarted, 180);
    let tries = 0;
    await eventually(
      `${u.name}'s sign-in`,
      async () => {
        if (tries++ > 0) await new Promise((resolve) => setTimeout(resolve, 3_000));
        return this.sessions.signIn(u).then(
          () => true,
          () => false,
        );
      },
      30,
    );
  }
}
