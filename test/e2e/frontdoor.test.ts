// The front door, end to end through the Compose output: the proxy (Debian's caddy,
// scripts/build-proxy-image.sh) in front of two users' workspaces in two environments,
// classic Notebook 6 (scripts/build-jupyter-image.sh) and JupyterLab 4 from PyPI
// (scripts/build-jupyterlab-image.sh), TLS from Caddy's local CA, all on loopback.
// Seen from the owner's side in headless Chromium, and from the attacker's: another
// user's session, none, another user's password, a foreign origin, another user's
// workspace, another uid on the host. The login is the door's sign-in page (oauth2-proxy
// behind the proxy's forward_auth): a session cookie, not HTTP basic auth.
// HOMEDOCK_UPDATE_DOCS=1 also copies the screenshots to docs/.
import { execFile, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  dockerStatus,
  docker,
  eventually,
  removeComposeHost,
  FRONT_DOOR_IMAGES,
  requireDocker,
  requireFrontDoorImages,
  scenarioRoot,
  uniqueName,
  testLogin,
} from "../helpers/docker";
import { goto, launchChromium, notebookCell } from "../helpers/browser";
import {
  type Door,
  type TestUser,
  testUser,
  basicAuth,
  call,
  freePort,
  origin,
  proxyRootCa,
  Sessions,
  sessionCookies,
  swapSocket,
  signInForm,
} from "../helpers/front-door";
import { openSocket, runCode } from "../helpers/kernel";

const exec = promisify(execFile);
const repo = path.resolve(__dirname, "../..");
const IMAGES = FRONT_DOOR_IMAGES;

const user = testUser;
const alice = user("alice", 2311);
const bob = user("bob", 2312);
const carol = user("carol", 2313);

let root: string;
let project: string;
let dir: string;
let file: string;
let door: Door;
let httpPort: number;
let browser: Browser;
/** _xsrf tokens the tests were given: none may reach the proxy's log. */
const xsrfTokens: string[] = [];

const envDir = (u: TestUser, env: string) => `${root}/home/${u.name}/${env}`;
const container = (u: TestUser, env: string) => `${project}-${u.name}.${env}`;
const proxy = () => `${project}-frontdoor`;
const sessions = new Sessions(() => door);
/** The headers of `u`'s session (signed in once, in beforeAll or where the user is made). */
const auth = (u: TestUser) => sessions.auth(u);

/** What the sign-in answers a form post of `name` and `password` from its own page: its status and the session cookie it set ("" for none). */
async function trySignIn(name: string, password: string): Promise<{ status: number; cookie: string }> {
  const form = signInForm(name, password);
  const r = await call(door, "POST", "/oauth2/sign_in", { "Content-Type": "application/x-www-form-urlencoded", Origin: origin(door) }, form);
  return { status: r.status, cookie: sessionCookies(r.headers["set-cookie"]) };
}

/** Signs `u` in (again), once the sign-in knows their password. */
const signInWhenReady = (u: TestUser, seconds = 90) =>
  eventually(
    `${u.name} signed in`,
    async () =>
      sessions.signIn(u).then(
        () => true,
        () => false,
      ),
    seconds,
  );

/** The door's answer to a request without a session: 403, its sign-in page. */
function expectSignInPage(r: { status: number; body: string }, what: string): void {
  expect([what, r.status, r.body.includes('<form method="POST" action="/oauth2/sign_in">')]).toEqual([what, 403, true]);
}

function configText(users: readonly TestUser[]): string {
  return JSON.stringify({
    host: { name: project, homeRoot: `${root}/home`, sharedMounts: [] },
    frontDoor: {
      site: "localhost",
      listen: ["127.0.0.1"],
      httpsPort: door.port,
      httpPort,
      tls: "internal",
      image: IMAGES.proxy,
      runtimeRoot: `${root}/run`,
      login: testLogin(),
    },
    environments: [
      { name: "py", displayName: "Python (Notebook)", image: IMAGES.notebook, command: ["python3", "-m", "notebook"], jupyter: "notebook", memory: "1g" },
      { name: "lab", displayName: "JupyterLab", image: IMAGES.lab, command: ["jupyter", "lab"], jupyter: "server", memory: "1g" },
    ],
    users: users.map((u) => ({ name: u.name, uid: u.uid, gid: u.uid })),
  });
}
/** The homedock command, `input` on its standard input; its standard output. */
function homedock(args: string[], input = ""): string {
  const r = spawnSync(`${repo}/node_modules/.bin/tsx`, [`${repo}/src/cli/cli.ts`, ...args], { cwd: root, input, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`homedock ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** What an admin does: passwords for the new users, the Compose file, `docker compose up -d`; what compose said. */
async function render(users: readonly TestUser[], newUsers: readonly TestUser[]): Promise<string> {
  writeFileSync(path.join(root, "homedock.yaml"), configText(users));
  for (const u of newUsers) homedock(["passwd", u.name, "-c", "homedock.yaml", "-d", dir, "--stdin"], `${u.password}\n`);
  return composeUp();
}

/** The Compose file of homedock.yaml as it is, and `docker compose up -d`; what compose said. */
async function composeUp(): Promise<string> {
  const said = homedock(["compose", "-c", "homedock.yaml", "-o", file]);
  await exec("docker", ["compose", "-f", file, "up", "-d", "--wait"], { maxBuffer: 1 << 24 });
  return said;
}

async function containerIds(): Promise<Map<string, string>> {
  const out = await docker("ps", "-a", "--filter", `label=homedock.host=${project}`, "--format", "{{.Names}} {{.ID}}");
  return new Map(
    out
      .trim()
      .split("\n")
      .map((l) => l.split(" ") as [string, string]),
  );
}

/** A page of a new browser context: signed in with `u`'s session cookie, or (`u` undefined) not signed in. */
async function newPage(u?: TestUser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 620 } });
  if (u !== undefined) await context.addCookies(sessions.browserCookies(u));
  return context.newPage();
}

/** As a student does: opens `url`, which answers with the sign-in page, and signs in there; the page is then at `url`. */
async function signInOnPage(page: Page, url: string, name: string, password: string): Promise<void> {
  await goto(page, url);
  await page.locator("#username").fill(name);
  await page.locator("#password").fill(password);
  await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Sign in" }).click()]);
  expect(page.url()).toBe(url);
}

/** Waits for `text` on the page; on timeout, says what JupyterLab's status bar and dialogs showed instead. */
async function waitForText(page: Page, text: string, timeout: number): Promise<void> {
  try {
    await page.getByText(text).waitFor({ timeout });
  } catch (err) {
    const seen = await page
      .locator(".jp-StatusBar-Widget, .jp-Dialog")
      .allInnerTexts()
      .catch(() => []);
    throw new Error(`${String(err).split("\n")[0]}; the page showed: ${JSON.stringify(seen)}`, { cause: err });
  }
}

function saveShot(shot: string, name: string): void {
  expect(lstatSync(shot).size).toBeGreaterThan(10_000);
  if (process.env.HOMEDOCK_UPDATE_DOCS) copyFileSync(shot, path.join(repo, "docs", name));
}

beforeAll(async () => {
  requireDocker();
  requireFrontDoorImages();
  root = scenarioRoot("frontdoor");
  project = uniqueName("hdf");
  dir = path.join(root, "out");
  file = path.join(dir, "docker-compose.yml");
  mkdirSync(`${root}/home`);
  mkdirSync(`${root}/run`);
  door = { site: "localhost", port: await freePort(), ca: "" };
  httpPort = await freePort();
  await render([alice, bob], [alice, bob]);
  door = { ...door, ca: await proxyRootCa(proxy()) };
  for (const u of [alice, bob]) await signInWhenReady(u);
  for (const u of [alice, bob]) {
    for (const env of ["py", "lab"]) {
      await eventually(
        `${u.name}'s ${env} through the front door`,
        async () => (await call(door, "GET", `/user/${u.name}/${env}/api/status`, auth(u)).catch(() => undefined))?.status === 200,
        90,
      );
    }
  }
  browser = await launchChromium(["--ignore-certificate-errors"]);
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await removeComposeHost(file, root);
});

describe("the front door", () => {
  it("lists a user's environments at /user/<name>/, behind her session, and nobody at / (the sign-in page; with a session, her own list)", async () => {
    const landing = await call(door, "GET", "/user/alice/", auth(alice));
    expect(landing.status).toBe(200);
    expect(landing.body).toContain('href="/user/alice/py/"');
    expect(landing.body).toContain("Python (Notebook)");
    expect(landing.body).toContain('href="/user/alice/lab/"');
    expect(landing.body).toContain("JupyterLab");
    const top = await call(door, "GET", "/");
    expectSignInPage(top, "/ without a session");
    expect(top.body).not.toMatch(/alice|bob/);
    const mine = await call(door, "GET", "/", auth(alice));
    expect([mine.status, mine.headers.location]).toEqual([302, "/user/alice/"]);
    const bare = await call(door, "GET", "/user/alice/py", auth(alice));
    expect([bare.status, bare.headers.location]).toEqual([308, "/user/alice/py/"]);
  });

  it("lets alice sign in and run a cell in classic Notebook from a browser; the file is hers, in her environment directory", async () => {
    const page = await newPage();
    try {
      // Her landing page's URL answers with the sign-in page; signed in, she is there.
      await signInOnPage(page, `${origin(door)}/user/alice/`, alice.name, alice.password);
      await page.getByRole("link", { name: "Python (Notebook)" }).click();
      await page.waitForURL(/\/user\/alice\/py\/tree/);
      await page.getByText("welcome.ipynb").waitFor();
      await goto(page, `${origin(door)}/user/alice/py/notebooks/welcome.ipynb`);
      await page.waitForFunction(() => (globalThis as any).Jupyter?.notebook?.kernel?.is_connected?.(), null, { timeout: 60_000 });
      const out = await notebookCell(page, 'import os\nopen("from-the-browser.txt", "w").write("hello\\n")\nprint(os.getuid(), os.getcwd())');
      expect(out.text).toBe(`${alice.uid} ${envDir(alice, "py")}\n`);
      const written = `${envDir(alice, "py")}/from-the-browser.txt`;
      expect(readFileSync(written, "utf8")).toBe("hello\n");
      expect(statSync(written).uid).toBe(alice.uid);
      // MathJax's loading banner would sit in the picture.
      await page
        .waitForFunction(() => (globalThis as any).document.querySelector("#MathJax_Message")?.style.display !== "", null, { timeout: 30_000 })
        .catch(() => undefined);
      const shot = path.join(root, "frontdoor-notebook.png");
      await page.screenshot({ path: shot });
      saveShot(shot, "frontdoor-notebook.png");
    } finally {
      await page.context().close();
    }
  }, 180_000);

  it("lets alice run a cell in JupyterLab 4, whose own Authorization header stays off with the token off", async () => {
    const page = await newPage(alice);
    const tokenHeaders: string[] = [];
    const refused: string[] = [];
    page.on("request", (r) => {
      const header = r.headers().authorization;
      if (header?.startsWith("token")) tokenHeaders.push(r.url());
    });
    page.on("response", (r) => {
      if (r.status() === 401 || r.status() === 403) refused.push(`${r.status()} ${r.url()}`);
    });
    try {
      await goto(page, `${origin(door)}/user/alice/`);
      await page.getByRole("link", { name: "JupyterLab" }).click();
      await page.waitForURL(/\/user\/alice\/lab\/lab/);
      await goto(page, `${origin(door)}/user/alice/lab/lab/tree/welcome.ipynb`);
      // The kernel is started, connected and idle (the status bar says so).
      await page.locator(".jp-Notebook").first().waitFor({ timeout: 90_000 });
      await waitForText(page, "Python 3 (ipykernel) | Idle", 90_000);
      const cell = page.locator(".jp-Notebook .jp-CodeCell .cm-content").last();
      await cell.click();
      await page.keyboard.press("ControlOrMeta+a");
      await page.keyboard.insertText('import os; open("from-lab.txt", "w").write("hello\\n"); print(os.getuid(), os.getcwd())');
      await page.keyboard.press("Shift+Enter");
      await waitForText(page, `${alice.uid} ${envDir(alice, "lab")}`, 60_000);
      const written = `${envDir(alice, "lab")}/from-lab.txt`;
      expect(readFileSync(written, "utf8")).toBe("hello\n");
      expect(statSync(written).uid).toBe(alice.uid);
      expect(tokenHeaders).toEqual([]);
      expect(refused).toEqual([]);
      // JupyterLab asks whether to fetch its news; the answer keeps the picture clear.
      await page
        .getByRole("button", { name: "No", exact: true })
        .click({ timeout: 5_000 })
        .catch(() => undefined);
      await page
        .getByText("Would you like to get notified")
        .waitFor({ state: "hidden", timeout: 5_000 })
        .catch(() => undefined);
      const shot = path.join(root, "frontdoor-lab.png");
      await page.screenshot({ path: shot });
      saveShot(shot, "frontdoor-lab.png");
    } finally {
      await page.context().close();
    }
  }, 240_000);

  // bob's session is a signed-in user's: alice's routes are not his (404, as an unknown
  // workspace). No session: the sign-in page (403). Basic credentials are no login the
  // door knows: ignored, the sign-in page. Alice's name with bob's password: the sign-in
  // refuses it and sets no cookie. A forged identity header is replaced by the session's.
  it("turns away bob's session (404), no session (403, the sign-in page), alice's name with bob's password (refused at the sign-in) and unknown prefixes", async () => {
    for (const env of ["py", "lab"]) {
      expect((await call(door, "GET", `/user/alice/${env}/api/contents`, auth(bob))).status).toBe(404);
      expectSignInPage(await call(door, "GET", `/user/alice/${env}/api/contents`), `${env} without a session`);
      expectSignInPage(
        await call(door, "GET", `/user/alice/${env}/api/contents`, { Authorization: basicAuth("alice", bob.password) }),
        `${env}, alice's name and bob's password as Basic`,
      );
      expectSignInPage(
        await call(door, "GET", `/user/alice/${env}/api/contents`, { Authorization: basicAuth("alice", alice.password) }),
        `${env}, alice's own Basic credentials`,
      );
      expectSignInPage(await call(door, "GET", `/user/alice/${env}/api/contents`, { "X-Auth-Request-User": "alice" }), `${env}, a forged identity header`);
      expect((await call(door, "GET", `/user/alice/${env}/api/contents`, { ...auth(bob), "X-Auth-Request-User": "alice" })).status).toBe(404);
      // bob's own session opens bob's own workspace.
      expect((await call(door, "GET", `/user/bob/${env}/api/contents`, auth(bob))).status).toBe(200);
    }
    expect(await trySignIn("alice", bob.password)).toEqual({ status: 401, cookie: "" });
    expect((await call(door, "GET", "/user/alice/", auth(bob))).status).toBe(404);
    expect((await call(door, "GET", "/user/mallory/py/", auth(alice))).status).toBe(404);
    expect((await call(door, "GET", "/elsewhere/", auth(alice))).status).toBe(404);
    expect((await call(door, "GET", "/user/alice/nosuchenv/", auth(alice))).status).toBe(404);
  });

  it("sends a /user-redirect/ link to the workspace of whoever is signed in, path and query as sent; no session, the sign-in page (403)", async () => {
    for (const u of [alice, bob]) {
      const r = await call(door, "GET", "/user-redirect/py/tree?foo=a%20b&x=%2F", auth(u));
      expect([u.name, r.status, r.headers.location]).toEqual([u.name, 302, `/user/${u.name}/py/tree?foo=a%20b&x=%2F`]);
      // It leads to that user's own server, which answers.
      expect((await call(door, "GET", r.headers.location!, auth(u))).status).toBe(200);
      const encoded = await call(door, "GET", "/user-redirect/lab/lab/tree/a%20b%2Bc.ipynb", auth(u));
      expect([encoded.status, encoded.headers.location]).toEqual([302, `/user/${u.name}/lab/lab/tree/a%20b%2Bc.ipynb`]);
    }
    expectSignInPage(await call(door, "GET", "/user-redirect/py/tree?foo=a%20b&x=%2F"), "a /user-redirect/ link without a session");
    // Basic credentials are ignored: no session, the sign-in page.
    expectSignInPage(
      await call(door, "GET", "/user-redirect/py/tree", { Authorization: basicAuth("alice", bob.password) }),
      "a /user-redirect/ link with Basic credentials",
    );
    expect((await call(door, "GET", "/user-redirect/nosuchenv/tree", auth(alice))).status).toBe(404);
  });

  it("refuses a kernel to a foreign origin, even with alice's session", async () => {
    // Refused before a kernel starts: Notebook 6 checks the missing _xsrf first (403),
    // Jupyter Server 2 the foreign Origin first ("Blocking Cross Origin API request", 404).
    for (const [env, page, refusal] of [
      ["py", "tree", 403],
      ["lab", "lab", 404],
    ] as const) {
      const prefix = `/user/alice/${env}`;
      const kernels = async () => (await call(door, "GET", `${prefix}/api/kernels`, auth(alice))).body;
      const before = await kernels();
      const evil = { ...auth(alice), Origin: "https://evil.example", "Content-Type": "application/json" };
      expect((await call(door, "POST", `${prefix}/api/kernels`, evil, '{"name":"python3"}')).status).toBe(refusal);
      // What a page of the right origin has: the _xsrf cookie and its header.
      const tree = await call(door, "GET", `${prefix}/${page}`, auth(alice));
      const xsrf = /_xsrf=([^;]+)/.exec(String(tree.headers["set-cookie"]))![1];
      xsrfTokens.push(xsrf);
      // The _xsrf cookie goes in the same Cookie header as the session's.
      const own = { ...sessions.auth(alice, `_xsrf=${xsrf}`), Origin: origin(door), "Content-Type": "application/json", "X-XSRFToken": xsrf };
      // Even holding the _xsrf token, a foreign origin is refused.
      expect((await call(door, "POST", `${prefix}/api/kernels`, { ...own, Origin: "https://evil.example" }, '{"name":"python3"}')).status).toBe(404);
      expect(await kernels()).toBe(before);
      const created = await call(door, "POST", `${prefix}/api/kernels`, own, '{"name":"python3"}');
      expect(created.status).toBe(201);
      const kernel = JSON.parse(created.body).id;
      const channels = `wss://${door.site}:${door.port}${prefix}/api/kernels/${kernel}/channels`;
      expect(await openSocket(channels, { ca: door.ca, headers: auth(alice), origin: "https://evil.example" })).toBe(403);
      // bob's session: not his workspace (404); no session: the sign-in page (403).
      expect(await openSocket(channels, { ca: door.ca, headers: auth(bob), origin: origin(door) })).toBe(404);
      expect(await openSocket(channels, { ca: door.ca, origin: origin(door) })).toBe(403);
      const ws = await openSocket(channels, { ca: door.ca, headers: auth(alice), origin: origin(door) });
      if (typeof ws === "number") throw new Error(`alice's own kernel WebSocket refused: ${ws}`);
      try {
        expect((await runCode(ws, "import os; print(os.getuid())")).stdout).toBe(`${alice.uid}\n`);
      } finally {
        ws.close();
      }
      expect((await call(door, "DELETE", `${prefix}/api/kernels/${kernel}`, own)).status).toBe(204);
    }
  }, 120_000);

  it("keeps alice's socket from bob's workspace and from other uids on the host", async () => {
    const socket = `${root}/run/${project}/alice/py/jupyter.sock`;
    expect(lstatSync(socket).isSocket()).toBe(true);
    expect(lstatSync(socket).uid).toBe(alice.uid);
    // bob's workspace has its own socket directory and nothing of alice's.
    const seen = await docker(
      "exec",
      container(bob, "py"),
      "python3",
      "-c",
      [
        "import glob, socket",
        "print(sorted(glob.glob('/run/homedock/*')))",
        `for p in ['/run/homedock/../alice/py/jupyter.sock', '${socket}']:`,
        "    s = socket.socket(socket.AF_UNIX)",
        "    try: s.connect(p); print('connected', p)",
        "    except OSError as e: print(type(e).__name__)",
      ].join("\n"),
    );
    expect(seen.trim().split("\n")).toEqual(["['/run/homedock/jupyter.sock']", "FileNotFoundError", "FileNotFoundError"]);
    const mounts = await docker("inspect", "-f", "{{range .Mounts}}{{.Source}} {{end}}", container(bob, "py"));
    expect(mounts).not.toContain(`/alice/`);
    // On the host: bob's uid and nobody, each refused by the directory's mode.
    for (const uid of [bob.uid, 65534]) {
      const r = spawnSync(
        "setpriv",
        [
          "--reuid",
          String(uid),
          "--regid",
          String(uid),
          "--clear-groups",
          process.execPath,
          "-e",
          "require('net').connect(process.argv[1]).on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(0); })",
          socket,
        ],
        { encoding: "utf8" },
      );
      expect(r.stdout.trim(), r.stderr).toBe("EACCES");
    }
  });

  it("carries bob's routes to bob's server or to an error, whatever bob puts in place of his socket", async () => {
    const { statuses, reachedVictim } = await swapSocket({
      door,
      proxy: proxy(),
      attacker: { container: container(bob, "py"), uid: bob.uid, route: "/user/bob/py/", auth: auth(bob) },
      victim: { dir: "alice/py", container: container(alice, "py") },
    });
    expect(statuses).toEqual(statuses.map(([what]) => [what, 502]));
    expect(reachedVictim).toBe(0);
    // Bob's own server is his again, and alice's is hers.
    await eventually(
      "bob's server through the front door",
      async () => (await call(door, "GET", "/user/bob/py/api/status", auth(bob)).catch(() => undefined))?.status === 200,
      60,
    );
    expect((await call(door, "GET", "/user/alice/py/api/status", auth(alice))).status).toBe(200);
  }, 300_000);

  it("limits memory, CPU and processes of every container of the host: the proxy, its setup, the login's three and the homes' one-shots too", async () => {
    const ids = (await docker("ps", "-aq", "--filter", `label=homedock.host=${project}`)).trim().split("\n");
    const all = JSON.parse(await docker("inspect", ...ids)) as { Name: string; HostConfig: { Memory: number; NanoCpus: number; PidsLimit: number | null } }[];
    expect(all.map((c) => c.Name.slice(project.length + 2)).sort()).toEqual(
      expect.arrayContaining(["alice.lab", "alice.py", "bob.lab", "bob.py", "frontdoor", "frontdoor.setup", "homes-py", "login", "signin", "signin-limit"]),
    );
    for (const c of all) {
      const { Memory, NanoCpus, PidsLimit } = c.HostConfig;
      expect([c.Name, Memory > 0, NanoCpus > 0, (PidsLimit ?? 0) > 0]).toEqual([c.Name, true, true, true]);
    }
    const [door] = all.filter((c) => c.Name === `/${proxy()}`);
    expect([door.HostConfig.Memory, door.HostConfig.NanoCpus, door.HostConfig.PidsLimit]).toEqual([512 * 2 ** 20, 1e9, 512]);
  });

  it("keeps a port alice opens in her workspace out of bob's reach", async () => {
    await docker("exec", "-d", container(alice, "py"), "python3", "-m", "http.server", "8765", "--bind", "0.0.0.0");
    const ip = (await docker("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", container(alice, "py"))).trim();
    const probe = (from: string) =>
      docker(
        "exec",
        from,
        "python3",
        "-c",
        `import socket\ntry:\n  socket.create_connection(("${ip}", 8765), timeout=3); print("open")\nexcept OSError as e: print(type(e).__name__)`,
      );
    await eventually("alice's server listening, seen from her own workspace", async () => (await probe(container(alice, "py"))).trim() === "open");
    expect((await probe(container(bob, "py"))).trim()).not.toBe("open");
    expect((await probe(container(bob, "lab"))).trim()).not.toBe("open");
  });

  it("leaves no password, hash, token or session cookie in docker inspect, ps, the access log, the login's logs or the rendered files", async () => {
    const entries: Record<string, { hash: string }> = JSON.parse(readFileSync(path.join(dir, "homedock-secrets/passwords.json"), "utf8"));
    expect(Object.keys(entries).sort()).toEqual(["alice", "bob"]);
    const hashes = Object.fromEntries(Object.entries(entries).map(([u, e]) => [u, e.hash]));
    const tokensFile = path.join(dir, "homedock-secrets/tokens.json");
    const tokens = existsSync(tokensFile) ? Object.values(JSON.parse(readFileSync(tokensFile, "utf8")) as Record<string, string>) : [];
    const secrets: [string, string][] = [
      ["alice's password", alice.password],
      ["bob's password", bob.password],
      ["alice's Basic credentials", basicAuth(alice.name, alice.password).slice(6)],
      ...Object.entries(hashes).map(([u, h]): [string, string] => [`${u}'s hash`, h]),
      ...tokens.map((t): [string, string] => ["a workspace token", t]),
      ...xsrfTokens.map((t): [string, string] => ["an _xsrf token", t]),
      ...[alice, bob].flatMap((u) =>
        auth(u)
          .Cookie.split("; ")
          .map((c): [string, string] => [`${u.name}'s session cookie`, c.slice(c.indexOf("=") + 1)]),
      ),
      ["the session cookie's secret", JSON.parse(readFileSync(path.join(dir, "homedock-secrets/login.json"), "utf8")).cookieSecret],
    ];
    expect(xsrfTokens.length).toBeGreaterThan(0);
    const names = [...(await containerIds()).keys()];
    expect(names).toContain(proxy());
    expect(names).toEqual(expect.arrayContaining([`${project}-login`, `${project}-signin`]));
    const logOf = async (name: string) => {
      const { stdout, stderr } = await dockerStatus("logs", name);
      return stdout + stderr;
    };
    const places: [string, string][] = [
      ["docker inspect", await docker("inspect", ...names)],
      ["ps -eo args", spawnSync("ps", ["-eo", "args"], { encoding: "utf8" }).stdout],
      ["the proxy's log", await logOf(proxy())],
      ["the session check's log", await logOf(`${project}-login`)],
      ["the sign-in's log", await logOf(`${project}-signin`)],
      ...readdirSync(dir)
        .filter((f) => f !== "homedock-secrets")
        .map((f): [string, string] => [f, readFileSync(path.join(dir, f), "utf8")]),
    ];
    // The log is where requests are: alice's were logged.
    expect(places[2][1]).toContain("/user/alice/");
    for (const [where, text] of places) {
      for (const [what, secret] of secrets) expect(text.includes(secret), `${where} holds ${what}`).toBe(false);
    }
  });

  it("adds a user while alice's kernel is busy: no workspace restarts, the proxy reloads, her kernel keeps its state", async () => {
    const page = await newPage(alice);
    try {
      await goto(page, `${origin(door)}/user/alice/py/notebooks/welcome.ipynb`);
      await page.waitForFunction(() => (globalThis as any).Jupyter?.notebook?.kernel?.is_connected?.(), null, { timeout: 60_000 });
      const first = await notebookCell(page, "n = 41\nprint(n)");
      expect(first.text).toBe("41\n");
      const before = await containerIds();
      // Busy for a while: the render and the reload happen while it runs.
      await page.evaluate(() => {
        const nb = (globalThis as any).Jupyter.notebook;
        const cell = nb.insert_cell_at_bottom("code");
        cell.set_text("import time\ntime.sleep(20)\nn += 1");
        cell.execute();
      });
      await page.waitForFunction(() => (globalThis as any).document.querySelector("#kernel_indicator_icon.kernel_busy_icon") !== null, null, {
        timeout: 30_000,
      });
      await render([alice, bob, carol], [carol]);
      const after = await containerIds();
      // Every container as it was, but the one-shot of py's image, which runs again with carol's home.
      const homes = `${project}-homes-py`;
      for (const [name, id] of before) if (name !== homes) expect(after.get(name), name).toBe(id);
      expect(after.get(homes)).not.toBe(before.get(homes));
      expect([...after.keys()]).toContain(container(carol, "py"));
      await signInWhenReady(carol);
      await eventually(
        "carol's route, once the proxy has reloaded",
        async () => (await call(door, "GET", `/user/carol/py/api/status`, auth(carol))).status === 200,
        90,
      );
      // carol's session on alice's workspace: not hers.
      expect((await call(door, "GET", `/user/alice/py/api/status`, auth(carol))).status).toBe(404);
      const next = await notebookCell(page, "print(n)");
      expect(next.text).toBe("42\n");
      expect(next.count).toBe(first.count + 2);
    } finally {
      await page.context().close();
    }
  }, 300_000);

  it("refuses a re-created account (same name, another uid) the old password, and compose says why", async () => {
    await render([alice, bob, carol], [carol]);
    await signInWhenReady(carol);
    await eventually("carol's route", async () => (await call(door, "GET", "/user/carol/py/api/status", auth(carol))).status === 200, 90);
    // carol's account removed (her workspaces and home with it) and made again for
    // someone else: the same name, another uid, a new home.
    await docker("rm", "-f", container(carol, "py"), container(carol, "lab"));
    rmSync(`${root}/home/carol`, { recursive: true, force: true });
    const newCarol: TestUser = { ...carol, uid: carol.uid + 100 };
    const said = await render([alice, bob, newCarol], []);
    expect(said.split("\n")).toContain(
      `warning: carol's password hash was set for uid ${carol.uid}, and carol is now uid ${newCarol.uid}: not used, carol is locked out of the front door until homedock passwd carol`,
    );
    await eventually(
      "the proxy reloaded without carol's old hash",
      async () => (await call(door, "GET", "/user/carol/py/api/status", auth(carol))).status !== 200,
      90,
    );
    // No route of carol's is rendered: her URLs answer as an unknown user's, even to the
    // session she had (sessions stay valid until they expire). The sign-in refuses her old password.
    for (const url of ["/user/carol/", "/user/carol/py/api/status", "/user/carol/lab/api/status"]) {
      const r = await call(door, "GET", url, auth(carol));
      expect([url, r.status, r.body]).toEqual([url, 404, "no such workspace"]);
    }
    await eventually("the sign-in reloaded without carol's old hash", async () => (await trySignIn("carol", carol.password)).status === 401, 90);
    expect(await trySignIn("carol", carol.password)).toEqual({ status: 401, cookie: "" });
    expect((await call(door, "GET", "/user/alice/py/api/status", auth(carol))).status).toBe(404);
  }, 300_000);

  // Last: alice's and bob's passwords change, and the tests above signed in with the old ones.
  it("lets in a class's new passwords, from a CSV and generated, and no longer the old ones", async () => {
    const bobNew = `bob-csv-${randomBytes(9).toString("base64url")}`;
    writeFileSync(path.join(root, "class.csv"), `user,password\nbob,${bobNew}\n`);
    const handout = path.join(root, "handout.csv");
    const said = [
      homedock(["passwd", "--from-csv", "class.csv", "-c", "homedock.yaml", "-d", dir]),
      homedock(["passwd", "--generate", "alice", "-c", "homedock.yaml", "-d", dir, "--out", handout]),
      await composeUp(),
    ].join("");
    expect(statSync(handout).mode & 0o777).toBe(0o600);
    const [header, line] = readFileSync(handout, "utf8").split("\n");
    expect([header, line.split(",")[0]]).toEqual(["user,password", "alice"]);
    const aliceNew = line.split(",")[1];
    // Signed in with `password`, the status of the user's server; the sign-in's refusal where it refuses.
    const status = async (name: string, password: string) => {
      const signedIn = await trySignIn(name, password).catch(() => undefined);
      if (signedIn === undefined || signedIn.cookie === "") return signedIn?.status;
      return (await call(door, "GET", `/user/${name}/py/api/status`, { Cookie: signedIn.cookie }).catch(() => undefined))?.status;
    };
    await eventually(
      "the new passwords, once the sign-in has reloaded",
      async () => (await status("bob", bobNew)) === 200 && (await status("alice", aliceNew)) === 200,
      90,
    );
    expect(await status("bob", bob.password)).toBe(401);
    expect(await status("alice", alice.password)).toBe(401);
    // Sessions are stateless cookies: one signed in with the old password stays valid until it expires.
    expect((await call(door, "GET", "/user/alice/py/api/status", auth(alice))).status).toBe(200);
    // Chromium signs alice in with the generated password, on the sign-in page.
    const page = await newPage();
    try {
      await signInOnPage(page, `${origin(door)}/user/alice/`, "alice", aliceNew);
      await page.getByRole("link", { name: "Python (Notebook)" }).waitFor({ timeout: 30_000 });
    } finally {
      await page.context().close();
    }
    // The list is the only place the generated password is.
    const logs = await Promise.all([proxy(), `${project}-login`, `${project}-signin`].map((c) => dockerStatus("logs", c)));
    for (const text of [said, ...logs.map((log) => log.stdout + log.stderr)]) expect(text.includes(aliceNew) || text.includes(bobNew)).toBe(false);
  }, 300_000);
});
