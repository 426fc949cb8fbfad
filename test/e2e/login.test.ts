// The front door's login end to end through the Compose output: oauth2-proxy (built from
// the Go module proxy, scripts/build-login-image.sh) behind the proxy's forward_auth, in
// front of two users' classic Notebooks. Seen from the owner's side in headless Chromium
// (the sign-in page, a cell, the sign-out, an expired session) and from the attacker's
// (another user's session, a forged identity header, Basic credentials, a foreign origin,
// the cookie's reach). Then the same login with OpenID Connect: Dex (a real provider,
// scripts/build-oidc-image.sh) on this machine over TLS signs alice in; a user the
// provider knows and the config does not is refused.
import { execFile, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  docker,
  dockerStatus,
  eventually,
  FRONT_DOOR_IMAGES,
  removeComposeHost,
  requireDocker,
  requireFrontDoorImages,
  scenarioRoot,
  uniqueName,
  testLogin,
} from "../helpers/docker";
import { goto, launchChromium, newNotebook, notebookCell } from "../helpers/browser";
import { basicAuth, call, type Door, freePort, origin, proxyRootCa, sessionCookies, Sessions, signIn, testUser, signInForm } from "../helpers/front-door";
import { openSocket } from "../helpers/kernel";
import { bridgeGateway, OidcProvider } from "../helpers/oidc";

const exec = promisify(execFile);
const repo = path.resolve(__dirname, "../..");
const IMAGES = FRONT_DOOR_IMAGES;
const SESSION_SECONDS = 60;

/** One host through Compose: its directory, project, door and the homedock command run in it. */
class ComposeHost {
  readonly root = scenarioRoot("login");
  readonly project = uniqueName("hdl");
  readonly file = path.join(this.root, "out", "docker-compose.yml");
  door: Door = { site: "localhost", port: 0, ca: "" };

  constructor() {
    mkdirSync(`${this.root}/home`);
    mkdirSync(`${this.root}/run`);
  }

  /** The homedock command in the host's directory, `input` on its standard input; its standard output. */
  homedock(args: string[], input = ""): string {
    const r = spawnSync(`${repo}/node_modules/.bin/tsx`, [`${repo}/src/cli/cli.ts`, ...args], { cwd: this.root, input, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`homedock ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  }

  /** The config with `login`, for `users`: one classic Notebook each. */
  async write(login: Record<string, unknown>, users: readonly { name: string; uid: number; identity?: string }[]): Promise<void> {
    if (this.door.port === 0) this.door = { ...this.door, port: await freePort() };
    const config = {
      host: { name: this.project, homeRoot: `${this.root}/home`, sharedMounts: [] },
      frontDoor: {
        site: "localhost",
        listen: ["127.0.0.1"],
        httpsPort: this.door.port,
        httpPort: await freePort(),
        tls: "internal",
        image: IMAGES.proxy,
        runtimeRoot: `${this.root}/run`,
        login: testLogin(login),
      },
      environments: [{ name: "py", displayName: "Python", image: IMAGES.notebook, command: ["python3", "-m", "notebook"], jupyter: "notebook", memory: "1g" }],
      users: users.map((u) => ({ name: u.name, uid: u.uid, gid: u.uid, ...(u.identity === undefined ? {} : { identity: u.identity }) })),
    };
    writeFileSync(path.join(this.root, "homedock.yaml"), stringify(config));
  }

  /** `homedock compose`, then `docker compose up -d --wait`. */
  async up(): Promise<void> {
    this.homedock(["compose", "-c", "homedock.yaml", "-o", this.file]);
    await exec("docker", ["compose", "-f", this.file, "up", "-d", "--wait"], { maxBuffer: 1 << 24 });
    if (this.door.ca === "") this.door = { ...this.door, ca: await proxyRootCa(`${this.project}-frontdoor`) };
  }

  remove(): Promise<void> {
    return removeComposeHost(this.file, this.root);
  }
}

/** A session cookie as signIn gives it, for a Cookie header. */
const SESSION_COOKIE_PAIR = /^__Host-homedock(_[0-9]+)?=./;

/** The session cookie, and its parts where it is split (not the sign-in's CSRF cookie). */
const SESSION = /^__Host-homedock(_[0-9]+)?$/;

/** The sign-in page, as the door serves it in place of what was asked for. */
const SIGN_IN_FORM = '<form method="POST" action="/oauth2/sign_in">';

let browser: Browser;

beforeAll(async () => {
  requireDocker();
  requireFrontDoorImages();
  browser = await launchChromium(["--ignore-certificate-errors"]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

async function newContext(): Promise<BrowserContext> {
  return browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1100, height: 620 } });
}

describe.sequential("the sign-in page (login: password, through Compose)", () => {
  const host = new ComposeHost();
  const alice = testUser("alice", 2331);
  const bob = testUser("bob", 2332);
  const sessions = new Sessions(() => host.door);
  const site = () => origin(host.door);

  beforeAll(async () => {
    await host.write({ session: `${SESSION_SECONDS}s` }, [alice, bob]);
    for (const u of [alice, bob]) host.homedock(["passwd", u.name, "-c", "homedock.yaml", "-d", path.dirname(host.file), "--stdin"], `${u.password}\n`);
    await host.up();
    await sessions.signIn(alice, bob);
    for (const u of [alice, bob]) {
      await eventually(
        `${u.name}'s server`,
        async () => (await call(host.door, "GET", `/user/${u.name}/py/api/status`, sessions.auth(u)).catch(() => undefined))?.status === 200,
        120,
      );
    }
  }, 900_000);

  afterAll(() => host.remove(), 300_000);

  it("lets alice sign in on the page in Chromium, land on her workspaces, run a cell, and sign out; the next request asks again", async () => {
    const context = await newContext();
    const page = await context.newPage();
    // Her first visit, to the door's root: the sign-in page, in place.
    await goto(page, `${site()}/`);
    await page.waitForSelector("#username");
    await page.fill("#username", alice.name);
    await page.fill("#password", alice.password);
    await Promise.all([page.waitForURL(`${site()}/user/alice/`), page.click("button[type=submit]")]);
    expect(await page.textContent("h1")).toBe("Workspaces of alice");
    // The session cookie as the browser keeps it.
    const [cookie] = (await context.cookies()).filter((c) => SESSION.test(c.name));
    expect(cookie).toMatchObject({ secure: true, httpOnly: true, sameSite: "Lax", path: "/", domain: "localhost" });
    expect(cookie.expires - Date.now() / 1000).toBeGreaterThan(SESSION_SECONDS - 15);
    expect(cookie.expires - Date.now() / 1000).toBeLessThanOrEqual(SESSION_SECONDS + 1);
    // Her workspace, a notebook made from her page (with Jupyter's XSRF token), a cell.
    await goto(page, `${site()}/user/alice/py/tree`);
    await Promise.all([page.waitForURL(/\/user\/alice\/py\/tree/), page.waitForSelector("#notebook_list")]);
    expect(await newNotebook(page, "signed-in.ipynb")).toBe(201);
    const notebookPage = await openNotebook(context);
    const cell = await notebookCell(notebookPage, "import os; print(os.getuid(), 6 * 7)");
    expect(cell.text.trim()).toBe(`${alice.uid} 42`);
    // Sign out from the landing page: the cookie is gone, and the next request gets the sign-in page.
    await goto(page, `${site()}/user/alice/`);
    await Promise.all([page.waitForURL(`${site()}/`), page.click("text=Sign out")]);
    expect((await context.cookies()).filter((c) => SESSION.test(c.name))).toEqual([]);
    await page.waitForSelector("#username");
    const again = await page.request.get(`${site()}/user/alice/py/api/status`, { maxRedirects: 0 });
    expect(again.status()).toBe(403);
    expect(await again.text()).toContain(SIGN_IN_FORM);
    await context.close();
  }, 300_000);

  /** A notebook page of alice's, opened by a new notebook of hers (the Notebook 6 API). */
  async function openNotebook(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    await goto(page, `${site()}/user/alice/py/notebooks/signed-in.ipynb`);
    await page.waitForFunction(() => (globalThis as any).Jupyter?.notebook?.kernel?.is_connected?.() === true, undefined, { timeout: 120_000 });
    return page;
  }

  it("refuses a wrong password without a cookie, and takes Basic credentials for nothing", async () => {
    const form = (password: string) => signInForm("alice", password);
    const wrong = await call(host.door, "POST", "/oauth2/sign_in", { "Content-Type": "application/x-www-form-urlencoded", Origin: site() }, form(bob.password));
    expect(wrong.status).toBe(401);
    expect(sessionCookies(wrong.headers["set-cookie"])).toBe("");
    expect(wrong.body).toContain("Wrong user name or password.");
    // The sign-in page names no one: not who was refused.
    expect(wrong.body).not.toContain("alice");
    // Basic credentials, right or wrong, are no session.
    for (const password of [alice.password, "wrong"]) {
      const r = await call(host.door, "GET", "/user/alice/py/api/status", { Authorization: basicAuth("alice", password) });
      expect(r.status).toBe(403);
      expect(r.body).toContain(SIGN_IN_FORM);
    }
  });

  it("refuses a sign-in posted from another site (login CSRF) or without an Origin, and a password in the URL", async () => {
    const form = signInForm("bob", bob.password, "/user/bob/");
    for (const origin of ["https://evil.example", "null", undefined]) {
      const r = await call(
        host.door,
        "POST",
        "/oauth2/sign_in",
        { "Content-Type": "application/x-www-form-urlencoded", ...(origin === undefined ? {} : { Origin: origin }) },
        form,
      );
      expect([origin, r.status]).toEqual([origin, 403]);
      expect(sessionCookies(r.headers["set-cookie"])).toBe("");
    }
    for (const method of ["GET", "POST"]) {
      const r = await call(host.door, method, `/oauth2/sign_in?username=bob&password=${encodeURIComponent(bob.password)}`, { Origin: site() });
      expect(r.status).toBe(400);
      expect(sessionCookies(r.headers["set-cookie"])).toBe("");
    }
    // Neither log has it.
    const logs = await dockerStatus("logs", `${host.project}-frontdoor`);
    expect(logs.stdout + logs.stderr).not.toContain(bob.password);
    // The sign-in page is never in a frame.
    const page = await call(host.door, "GET", "/oauth2/sign_in", {});
    expect(page.headers["x-frame-options"]).toBe("DENY");
    expect(page.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  });

  it("keeps one user's session to that user's routes, whatever else the request carries", async () => {
    for (const [what, headers] of [
      ["bob's session", sessions.auth(bob)],
      ["bob's session and a forged identity header", { ...sessions.auth(bob), "X-Auth-Request-User": "alice" }],
      ["bob's session and alice's name in Basic credentials", { ...sessions.auth(bob), Authorization: basicAuth("alice", alice.password) }],
    ] as const) {
      for (const url of ["/user/alice/", "/user/alice/py/api/contents", "/user/alice/py/tree"]) {
        const r = await call(host.door, "GET", url, headers);
        expect(r.status, `${what} on ${url}`).toBe(404);
        expect(r.body).not.toContain("signed-in.ipynb");
      }
    }
    // The links that do not name the user go to the session's own.
    const redirect = await call(host.door, "GET", "/user-redirect/py/tree?x=1&y=2", { ...sessions.auth(bob), "X-Auth-Request-User": "alice" });
    expect([redirect.status, redirect.headers.location]).toEqual([302, "/user/bob/py/tree?x=1&y=2"]);
    // A forged identity header alone is no session: the sign-in page.
    const forged = await call(host.door, "GET", "/user/alice/py/api/contents", { "X-Auth-Request-User": "alice" });
    expect(forged.status).toBe(403);
    expect(forged.body).toContain(SIGN_IN_FORM);
    // And bob reaches his own.
    expect((await call(host.door, "GET", "/user/bob/py/api/contents", sessions.auth(bob))).status).toBe(200);
  });

  it("keeps Jupyter's XSRF and Origin checks: a foreign origin creates no kernel and opens no channel with alice's session", async () => {
    const prefix = "/user/alice/py";
    const tree = await call(host.door, "GET", `${prefix}/tree`, sessions.auth(alice));
    const xsrf = /_xsrf=([^;]+)/.exec(String(tree.headers["set-cookie"]))![1];
    const kernels = async () => JSON.parse((await call(host.door, "GET", `${prefix}/api/kernels`, sessions.auth(alice))).body).length;
    const before = await kernels();
    const evil = { ...sessions.auth(alice, `_xsrf=${xsrf}`), "X-XSRFToken": xsrf, Origin: "https://evil.example", "Content-Type": "application/json" };
    expect((await call(host.door, "POST", `${prefix}/api/kernels`, evil, "{}")).status).not.toBe(201);
    // Without the XSRF token, from her own origin: refused too.
    expect(
      (await call(host.door, "POST", `${prefix}/api/kernels`, { ...sessions.auth(alice), Origin: site(), "Content-Type": "application/json" }, "{}")).status,
    ).toBe(403);
    expect(await kernels()).toBe(before);
    const own = { ...sessions.auth(alice, `_xsrf=${xsrf}`), "X-XSRFToken": xsrf, Origin: site(), "Content-Type": "application/json" };
    const made = await call(host.door, "POST", `${prefix}/api/kernels`, own, "{}");
    expect(made.status).toBe(201);
    const channels = `wss://${host.door.site}:${host.door.port}${prefix}/api/kernels/${JSON.parse(made.body).id}/channels`;
    expect(await openSocket(channels, { ca: host.door.ca, headers: sessions.auth(alice), origin: "https://evil.example" })).toBe(403);
    expect(await openSocket(channels, { ca: host.door.ca, headers: sessions.auth(bob), origin: site() })).toBe(404);
    expect(await openSocket(channels, { ca: host.door.ca, headers: {}, origin: site() })).toBe(403);
    const ws = await openSocket(channels, { ca: host.door.ca, headers: sessions.auth(alice), origin: site() });
    expect(typeof ws).not.toBe("number");
    (ws as { close(): void }).close();
  });

  it("never shows the session cookie or a password hash in a log or docker inspect", async () => {
    const { Cookie } = sessions.auth(alice);
    const value = Cookie.split("=").slice(1).join("=").slice(0, 40);
    const logs = (await dockerStatus("logs", `${host.project}-frontdoor`)).stderr + (await dockerStatus("logs", `${host.project}-alice.py`)).stderr;
    expect(logs).not.toContain(value);
    for (const c of [`${host.project}-login`, `${host.project}-signin`, `${host.project}-frontdoor`]) {
      const inspect = await docker("inspect", c);
      expect(inspect).not.toContain(value);
      expect(inspect).not.toMatch(/\$2[ab]\$12\$/);
    }
  });

  it("takes a new password without a restart: the old one no longer signs in", async () => {
    const ids = await docker("ps", "-q", "--filter", `label=homedock.host=${host.project}`, "--no-trunc");
    const newPassword = `alice-new-${randomBytes(6).toString("hex")}`;
    host.homedock(["passwd", "alice", "-c", "homedock.yaml", "-d", path.dirname(host.file), "--stdin"], `${newPassword}\n`);
    await host.up();
    await eventually(
      "alice's new password",
      async () =>
        await signIn(host.door, "alice", newPassword).then(
          () => true,
          () => false,
        ),
      60,
    );
    await expect(signIn(host.door, "alice", alice.password)).rejects.toThrow(/401/);
    expect(await docker("ps", "-q", "--filter", `label=homedock.host=${host.project}`, "--no-trunc")).toBe(ids);
  }, 300_000);

  it("keeps its login when the proxy restarts (Docker's restart, a crash) or the login does", async () => {
    for (const c of [`${host.project}-frontdoor`, `${host.project}-login`, `${host.project}-signin`]) {
      await docker("restart", c);
      await eventually(
        `the door after ${c} restarted`,
        async () => (await call(host.door, "GET", "/user/bob/py/api/status", sessions.auth(bob)).catch(() => undefined))?.status === 200,
        60,
      );
      expect((await call(host.door, "GET", "/user/bob/py/api/status", {})).status).toBe(403);
      await signIn(host.door, "bob", bob.password);
    }
  }, 300_000);

  it("ends a session when it expires: the same cookie then gets the sign-in page", async () => {
    const cookie = await signIn(host.door, "bob", bob.password);
    expect((await call(host.door, "GET", "/user/bob/py/api/status", { Cookie: cookie })).status).toBe(200);
    await new Promise((r) => setTimeout(r, (SESSION_SECONDS + 3) * 1000));
    const late = await call(host.door, "GET", "/user/bob/py/api/status", { Cookie: cookie });
    expect(late.status).toBe(403);
    expect(late.body).toContain(SIGN_IN_FORM);
  }, 120_000);

  it("limits wrong passwords per user name and per address, without touching signed-in users; a changed limit replaces the limiter alone", async () => {
    const limiter = `${host.project}-signin-limit`;
    const ids = async () =>
      Object.fromEntries(
        (await docker("ps", "-q", "--no-trunc", "--filter", `label=homedock.host=${host.project}`, "--format", "{{.Names}} {{.ID}}"))
          .trim()
          .split("\n")
          .map((l) => l.split(" ")),
      );
    // alice's first password back (a test above changed it), taken before the limit changes.
    host.homedock(["passwd", "alice", "-c", "homedock.yaml", "-d", path.dirname(host.file), "--stdin"], `${alice.password}\n`);
    await host.up();
    await eventually(
      "alice's password",
      async () =>
        await signIn(host.door, "alice", alice.password).then(
          () => true,
          () => false,
        ),
      60,
    );
    const before = await ids();
    await host.write({ session: `${SESSION_SECONDS}s`, failedSignIns: { perUser: 2, perAddress: 4 } }, [alice, bob]);
    await host.up();
    const after = await ids();
    for (const [name, id] of Object.entries(before)) expect(after[name] === id, name).toBe(name !== limiter);
    const aliceSession = await signIn(host.door, "alice", alice.password);
    const post = (door: Door, user: string, password: string) =>
      call(door, "POST", "/oauth2/sign_in", { "Content-Type": "application/x-www-form-urlencoded", Origin: site() }, signInForm(user, password));
    // bob's name: two wrong passwords are checked (401, the page again), then it is refused, his right password too.
    for (const attempt of ["guess-1", "guess-2"]) expect((await post(host.door, "bob", attempt)).status).toBe(401);
    const refused = await post(host.door, "bob", bob.password);
    expect(refused.status).toBe(429);
    expect(refused.headers["retry-after"]).toBe("600");
    expect(refused.body).toContain("Too many failed sign-ins");
    expect(refused.body).not.toMatch(/bob|alice/);
    // A signed-in user is not held back, and alice signs in from the same address (2 of its 4).
    expect((await call(host.door, "GET", "/user/alice/py/api/status", { Cookie: aliceSession })).status).toBe(200);
    expect(await signIn(host.door, "alice", alice.password)).toMatch(SESSION_COOKIE_PAIR);
    // Two more wrong passwords from this address, for a name no one has: then the address is refused, for alice too.
    for (const attempt of ["guess-3", "guess-4"]) expect((await post(host.door, "mallory", attempt)).status).toBe(401);
    expect((await post(host.door, "alice", alice.password)).status).toBe(429);
    expect((await call(host.door, "GET", "/user/alice/py/api/status", { Cookie: aliceSession })).status).toBe(200);
    // From another address (straight to the proxy, from one of this machine's own
    // addresses outside Docker's networks, which Docker does not masquerade): alice signs
    // in; bob's name is still refused.
    const proxyIp = (await docker("inspect", "-f", `{{(index .NetworkSettings.Networks "${host.project}").IPAddress}}`, `${host.project}-frontdoor`)).trim();
    const own = Object.entries(networkInterfaces())
      .filter(([name]) => !/^(lo|docker|br-|veth)/.test(name))
      .flatMap(([, addresses]) => addresses ?? [])
      .find((a) => a.family === "IPv4" && !a.internal);
    expect(own, "an IPv4 address of this machine outside Docker's networks").toBeDefined();
    const elsewhere: Door = { ...host.door, via: { host: proxyIp, port: 443, localAddress: own!.address } };
    expect(await signIn(elsewhere, "alice", alice.password)).toMatch(SESSION_COOKIE_PAIR);
    expect((await post(elsewhere, "bob", bob.password)).status).toBe(429);
    // The limiter's log names the addresses it refused, never a password.
    const log = await docker("logs", limiter);
    expect(log).toContain(" 429 ");
    expect(log).not.toContain(bob.password);
    expect(log).not.toContain("guess-");
  }, 300_000);
});

describe.sequential("OpenID Connect (login: oidc, Dex on this machine, through Compose)", () => {
  const host = new ComposeHost();
  const provider = new OidcProvider(host.root, bridgeGateway);
  const alice = { ...testUser("alice", 2341), email: "alice@example.org" };
  const bob = { ...testUser("bob", 2342), email: "bob@example.org" };
  // Known to the provider, not to the config.
  const mallory = { name: "mallory", password: `mallory-${randomBytes(6).toString("hex")}`, email: "mallory@example.org" };
  const site = () => origin(host.door);

  beforeAll(async () => {
    await host.write({}, []);
    await provider.start(
      `https://localhost:${host.door.port}/oauth2/callback`,
      [alice, bob, mallory].map((u) => ({ email: u.email, username: u.name, password: u.password })),
    );
    await host.write(
      { method: "oidc", issuer: provider.issuer, clientId: provider.clientId, claim: "email", caFile: `${provider.dir}/ca.pem` },
      [alice, bob].map((u) => ({ name: u.name, uid: u.uid, identity: u.email })),
    );
    host.homedock(["passwd", "--client-secret", "-d", path.dirname(host.file), "--stdin"], `${provider.clientSecret}\n`);
    await host.up();
  }, 900_000);

  afterAll(async () => {
    await host.remove();
    await provider.stop();
  }, 300_000);

  /** Through the provider's own sign-in page in Chromium, starting at `url`; the page where it ends. */
  async function signInAtProvider(context: BrowserContext, user: { email: string; password: string }, url: string): Promise<Page> {
    const page = await context.newPage();
    await goto(page, url);
    await page.waitForSelector("input[name=login]", { timeout: 60_000 });
    expect(page.url().startsWith(provider.issuer)).toBe(true);
    await page.fill("input[name=login]", user.email);
    await page.fill("input[name=password]", user.password);
    await Promise.all([page.waitForURL((u) => u.origin === site(), { timeout: 60_000 }), page.click("button[type=submit]")]);
    return page;
  }

  it("signs alice in at the provider and lands her in her workspace", async () => {
    await eventually(
      "alice's server",
      async () =>
        await exec("docker", ["exec", `${host.project}-alice.py`, "test", "-S", "/run/homedock/jupyter.sock"]).then(
          () => true,
          () => false,
        ),
      120,
    );
    const context = await newContext();
    const page = await signInAtProvider(context, alice, `${site()}/user/alice/py/tree`);
    await page.waitForURL(`${site()}/user/alice/py/tree`);
    await page.waitForSelector("#notebook_list", { timeout: 60_000 });
    // Her session is hers alone: bob's routes are not found, the landing page is hers.
    expect((await page.request.get(`${site()}/user/bob/py/api/contents`)).status()).toBe(404);
    await goto(page, `${site()}/`);
    await page.waitForURL(`${site()}/user/alice/`);
    expect(await page.textContent("h1")).toBe("Workspaces of alice");
    await context.close();
  }, 300_000);

  it("refuses a user the provider knows and the config does not, on a page that names no user of the host", async () => {
    const context = await newContext();
    const page = await context.newPage();
    await goto(page, `${site()}/`);
    await page.waitForSelector("input[name=login]", { timeout: 60_000 });
    await page.fill("input[name=login]", mallory.email);
    await page.fill("input[name=password]", mallory.password);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().startsWith(`${site()}/oauth2/callback`), { timeout: 60_000 }),
      page.click("button[type=submit]"),
    ]);
    expect(response.status()).toBe(403);
    const text = await page.content();
    expect(text).toContain("not one of this server's users");
    for (const name of ["alice", "bob", "example.org"]) expect(text).not.toContain(name);
    // No session: everything behind the door still asks.
    expect((await context.cookies()).filter((c) => SESSION.test(c.name))).toEqual([]);
    expect((await page.request.get(`${site()}/user/alice/py/api/status`, { maxRedirects: 0 })).status()).not.toBe(200);
    await context.close();
  }, 300_000);

  it("keeps the client secret out of docker inspect and every log", async () => {
    for (const c of [`${host.project}-login`, `${host.project}-signin`, `${host.project}-frontdoor`]) {
      expect(await docker("inspect", c)).not.toContain(provider.clientSecret);
      const logs = await dockerStatus("logs", c);
      expect(logs.stdout + logs.stderr).not.toContain(provider.clientSecret);
    }
  });
});
