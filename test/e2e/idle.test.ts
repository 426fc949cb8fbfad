// Idle workspaces, end to end through the Compose output: with idleTimeout 20 s, a
// server that nobody uses stops itself, its container stays (stopped), a deploy leaves
// it stopped, and its owner's next page load wakes it. Seen from the owner's side in
// headless Chromium, and from the attacker's: another user's session, none, a forged
// identity header, a tab left open, a workspace, and a container that holds the Docker
// API filter's socket. The login is the door's sign-in page: a session cookie.
import { execFile, spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  docker,
  dockerStatus,
  eventually,
  removeComposeHost,
  FRONT_DOOR_IMAGES,
  requireDocker,
  requireFrontDoorImages,
  scenarioRoot,
  uniqueName,
  testLogin,
} from "../helpers/docker";
import { goto, launchChromium } from "../helpers/browser";
import { type Door, type TestUser, testUser, basicAuth, call, freePort, origin, proxyRootCa, Sessions } from "../helpers/front-door";
import { openSocket, runCode } from "../helpers/kernel";

const exec = promisify(execFile);
const repo = path.resolve(__dirname, "../..");
const IMAGES = FRONT_DOOR_IMAGES;
const IDLE = 20;
/** How long a server may take to stop: the timeout, a kernel cull, and Jupyter's check once a minute. */
const STOPS_WITHIN = IDLE * 2 + 60 + 30;

const user = testUser;
const alice = user("alice", 2411);
const bob = user("bob", 2412);

let root: string;
let project: string;
let file: string;
let door: Door;
let browser: Browser;

const container = (u: TestUser, env: string) => `${project}-${u.name}.${env}`;
const sessions = new Sessions(() => door);
/** The headers of `u`'s session (signed in once, in beforeAll). */
const auth = (u: TestUser) => sessions.auth(u);
const socketOf = (u: TestUser, env: string) => `${root}/run/${project}/${u.name}/${env}/jupyter.sock`;
const mine = (u: TestUser) => `${root}/home/${u.name}/py/mine.ipynb`;

function homedock(args: string[], input = ""): string {
  const r = spawnSync(`${repo}/node_modules/.bin/tsx`, [`${repo}/src/cli/cli.ts`, ...args], { cwd: root, input, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`homedock ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** The Compose file of homedock.yaml and `docker compose up -d`, as an admin deploys. */
async function composeUp(): Promise<void> {
  homedock(["compose", "-c", "homedock.yaml", "-o", file]);
  await exec("docker", ["compose", "-f", file, "up", "-d"], { maxBuffer: 1 << 24 });
}

async function state(name: string): Promise<{ running: boolean; exitCode: number; startedAt: string; restarts: number }> {
  const out = await docker("inspect", "--format", "{{.State.Running}} {{.State.ExitCode}} {{.State.StartedAt}} {{.RestartCount}}", name);
  const [running, exitCode, startedAt, restarts] = out.trim().split(" ");
  return { running: running === "true", exitCode: Number(exitCode), startedAt, restarts: Number(restarts) };
}

const stopped = async (name: string) => !(await state(name)).running;
const answers = async (u: TestUser, env: string) =>
  (await call(door, "GET", `/user/${u.name}/${env}/api/status`, auth(u)).catch(() => undefined))?.status === 200;
/** A top-level page load, as the browser marks it. */
const navigate = (u: TestUser) => ({ ...auth(u), "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document", Accept: "text/html" });

/**
 * As a student does, on the sign-in page the door answered `url` with: her name and
 * password, submitted; the browser is sent back to `url`. A network change on this host
 * (a container started) can abort that load onto Chromium's error page: `url` is loaded
 * again, signed in by then (or the form is filled again where the sign-in itself was lost).
 */
async function signInOnPage(page: Page, url: string, u: TestUser): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await page.locator("#username").fill(u.name);
    await page.locator("#password").fill(u.password);
    await Promise.all([page.waitForNavigation().catch(() => undefined), page.getByRole("button", { name: "Sign in" }).click()]);
    if (page.url().startsWith("chrome-error://")) {
      console.log("the sign-in's redirect was aborted onto Chromium's error page (a network change on this host): loading the page again");
      await goto(page, url);
    }
    if ((await page.locator("#password").count()) === 0 || attempt === 3) break;
  }
  expect(page.url()).toBe(url);
}

beforeAll(async () => {
  requireDocker();
  requireFrontDoorImages();
  root = scenarioRoot("idle");
  project = uniqueName("hdi");
  file = path.join(root, "out", "docker-compose.yml");
  mkdirSync(`${root}/home`);
  mkdirSync(`${root}/run`);
  door = { site: "localhost", port: await freePort(), ca: "" };
  writeFileSync(
    path.join(root, "homedock.yaml"),
    JSON.stringify({
      host: { name: project, homeRoot: `${root}/home`, sharedMounts: [], defaults: { idleTimeout: IDLE } },
      frontDoor: {
        site: "localhost",
        listen: ["127.0.0.1"],
        httpsPort: door.port,
        httpPort: await freePort(),
        tls: "internal",
        image: IMAGES.proxy,
        runtimeRoot: `${root}/run`,
        login: testLogin(),
      },
      environments: [
        { name: "py", displayName: "Python <Notebook>", image: IMAGES.notebook, command: ["python3", "-m", "notebook"], jupyter: "notebook", memory: "1g" },
        { name: "lab", displayName: "JupyterLab", image: IMAGES.lab, command: ["jupyter", "lab"], jupyter: "server", memory: "1g" },
      ],
      users: [alice, bob].map((u) => ({ name: u.name, uid: u.uid, gid: u.uid })),
    }),
  );
  for (const u of [alice, bob]) homedock(["passwd", u.name, "-c", "homedock.yaml", "-d", path.dirname(file), "--stdin"], `${u.password}\n`);
  await composeUp();
  door = { ...door, ca: await proxyRootCa(`${project}-frontdoor`) };
  for (const u of [alice, bob])
    await eventually(
      `${u.name} signed in`,
      async () =>
        sessions.signIn(u).then(
          () => true,
          () => false,
        ),
      90,
    );
  for (const u of [alice, bob]) for (const env of ["py", "lab"]) await eventually(`${u.name}'s ${env}`, () => answers(u, env), 120);
  // Alice's own work, made through Jupyter before her server goes idle.
  const made = await call(
    door,
    "PUT",
    "/user/alice/py/api/contents/mine.ipynb",
    { ...auth(alice), Origin: origin(door), "Content-Type": "application/json" },
    JSON.stringify({ type: "notebook", content: { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 } }),
  );
  // Notebook 6 wants the _xsrf cookie for a PUT; make it as alice on the host instead if refused.
  if (made.status !== 201) {
    writeFileSync(mine(alice), JSON.stringify({ cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 }));
    await exec("chown", [`${alice.uid}:${alice.uid}`, mine(alice)]);
  }
  browser = await launchChromium(["--ignore-certificate-errors"]);
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await removeComposeHost(file, root);
});

describe("idle workspaces (idleTimeout 20 s, through Compose)", () => {
  let aliceWork: { content: string; mtimeMs: number };

  it(
    "stop when nobody uses them: the container stays, stopped, the home as it was, the landing page says so",
    async () => {
      aliceWork = { content: readFileSync(mine(alice), "utf8"), mtimeMs: statSync(mine(alice)).mtimeMs };
      await eventually("alice's py to stop", () => stopped(container(alice, "py")), STOPS_WITHIN);
      const s = await state(container(alice, "py"));
      expect([s.running, s.exitCode, s.restarts]).toEqual([false, 0, 0]);
      // Docker's restart policy does not bring it back.
      await new Promise((r) => setTimeout(r, 5_000));
      expect((await state(container(alice, "py"))).running).toBe(false);
      expect(existsSync(socketOf(alice, "py"))).toBe(false);
      expect(readFileSync(mine(alice), "utf8")).toBe(aliceWork.content);
      expect(statSync(mine(alice)).mtimeMs).toBe(aliceWork.mtimeMs);
      const { stderr } = await dockerStatus("logs", container(alice, "py"));
      expect(stderr).toContain("the server stopped itself");
      const landing = await call(door, "GET", "/user/alice/", auth(alice));
      expect(landing.body).toContain("Python &#60;Notebook&#62;</a> (stopped: it starts when you open it)");
    },
    (STOPS_WITHIN + 30) * 1000,
  );

  it(
    "stay stopped through a deploy: docker compose up -d starts the container, which stays down",
    async () => {
      await eventually(
        "every workspace to stop",
        async () => (await Promise.all([alice, bob].flatMap((u) => ["py", "lab"].map((e) => stopped(container(u, e)))))).every(Boolean),
        STOPS_WITHIN,
      );
      const before = await state(container(alice, "py"));
      await composeUp();
      // Compose started it again (a new StartedAt); the entrypoint saw the deploy's nonce and ended at once.
      await eventually(
        "alice's py to be down again",
        async () => {
          const s = await state(container(alice, "py"));
          return !s.running && s.startedAt !== before.startedAt;
        },
        30,
      );
      await new Promise((r) => setTimeout(r, 5_000));
      for (const u of [alice, bob]) for (const env of ["py", "lab"]) expect((await state(container(u, env))).running, `${u.name}.${env}`).toBe(false);
      expect(existsSync(socketOf(alice, "py"))).toBe(false);
      const { stderr } = await dockerStatus("logs", container(alice, "py"));
      expect(stderr).toContain("stopped for idleness: it starts again at its owner's next visit");
    },
    (STOPS_WITHIN + 60) * 1000,
  );

  it("answer API, WebSocket and kernel requests with 503 and Retry-After, and do not wake for them", async () => {
    for (const [method, p, extra] of [
      ["GET", "/user/alice/py/api/kernels", {}],
      // A page load in a frame another site made.
      ["GET", "/user/alice/py/tree", { "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe" }],
      ["GET", "/user/alice/py/api/status", { "Sec-Fetch-Mode": "cors" }],
      ["POST", "/user/alice/py/api/kernels", { "Sec-Fetch-Mode": "navigate" }],
      ["GET", "/user/alice/lab/api/sessions", { "Sec-Fetch-Mode": "same-origin" }],
    ] as const) {
      const r = await call(door, method, p, { ...auth(alice), ...extra });
      expect([p, r.status, r.headers["retry-after"]]).toEqual([p, 503, "10"]);
    }
    expect(
      await openSocket(`wss://${door.site}:${door.port}/user/alice/py/api/kernels/x/channels`, { ca: door.ca, headers: auth(alice), origin: origin(door) }),
    ).toBe(503);
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await state(container(alice, "py"))).running).toBe(false);
    expect((await state(container(alice, "lab"))).running).toBe(false);
  });

  // bob's session is not alice's: her routes are not his (404). No session: the sign-in
  // page (403). Basic credentials are ignored (his session decides, or none); a forged
  // identity header is replaced by the session's.
  it("let no one but alice wake hers: bob's session gets 404, none the sign-in page (403), and no page of hers", async () => {
    for (const [headers, refusal] of [
      [navigate(bob), 404],
      [{ "Sec-Fetch-Mode": "navigate" }, 403],
      [{ ...navigate(bob), Authorization: basicAuth("alice", bob.password) }, 404],
      [{ "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document", Authorization: basicAuth("alice", bob.password) }, 403],
      [{ ...navigate(bob), "X-Auth-Request-User": "alice" }, 404],
      [{ "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document", "X-Auth-Request-User": "alice" }, 403],
    ] as const) {
      const r = await call(door, "GET", "/user/alice/py/tree", headers);
      expect([headers, r.status]).toEqual([headers, refusal]);
      expect(r.body).not.toContain("Starting");
      if (refusal === 403) expect(r.body).toContain('<form method="POST" action="/oauth2/sign_in">');
    }
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await state(container(alice, "py"))).running).toBe(false);
    // bob's own page load wakes his, and only his; the page's query does not get in the way.
    const his = await call(door, "GET", "/user/bob/py/tree?redirects=1", navigate(bob));
    expect([his.status, his.headers["cache-control"]]).toEqual([200, "no-store"]);
    expect(his.body).toContain("Starting Python &#60;Notebook&#62;…");
    await eventually("bob's py to answer", () => answers(bob, "py"), 60);
    expect((await state(container(alice, "py"))).running).toBe(false);
  }, 90_000);

  it("wake on alice's page load in Chromium, once she has signed in: a page that reloads itself, then Jupyter, her notebook untouched", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      const url = `${origin(door)}/user/alice/py/notebooks/mine.ipynb`;
      // Not signed in: the sign-in page, at her notebook's URL; nothing wakes.
      await goto(page, url);
      expect(await page.title()).toBe("Sign in");
      expect((await state(container(alice, "py"))).running).toBe(false);
      // Signed in, the browser is sent back to the notebook's URL: that page load wakes it.
      const t0 = Date.now();
      await signInOnPage(page, url, alice);
      expect(await page.title()).toBe("Starting Python <Notebook>");
      // The browser runs on the Docker host here: the container's start adds a network
      // interface, and Chromium aborts the reload under way (ERR_NETWORK_CHANGED) onto an
      // error page that does not reload itself. A student's browser elsewhere sees no such
      // change; here the page is loaded again, as goto does.
      // The same change can abort one of the notebook's own scripts instead: Jupyter's page
      // is there, and its code that starts the kernel never runs. Then it too is loaded
      // again, once, 30 s on (the woken server stays up 60 s without a kernel).
      const until = Date.now() + 90_000;
      let loadedAgain = false;
      for (;;) {
        if (page.url().startsWith("chrome-error://")) {
          console.log("the reload was aborted onto Chromium's error page (a network change on this host): loading the page again");
          await goto(page, url);
        }
        const connected = await page.evaluate(() => (globalThis as any).Jupyter?.notebook?.kernel?.is_connected?.() === true).catch(() => false);
        if (connected) break;
        if (!loadedAgain && Date.now() - t0 > 30_000 && (await page.title().catch(() => "")) === "Jupyter Notebook") {
          loadedAgain = true;
          console.log("Jupyter's page is there without a kernel after 30 s (a script aborted by a network change on this host): loading the page again");
          await goto(page, url);
        }
        if (Date.now() > until) {
          const logs = await dockerStatus("logs", "--tail", "40", container(alice, "py"));
          throw new Error(
            `no connected kernel after 90 s; the page: ${page.url()} "${await page.title()}" ${(await page.content()).slice(0, 300)}; ${JSON.stringify(await state(container(alice, "py")))}; its log:\n${logs.stdout}${logs.stderr}`,
          );
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      console.log(`alice's Notebook woke in ${((Date.now() - t0) / 1000).toFixed(1)} s, page load to a connected kernel`);
      expect(page.url()).toBe(`${origin(door)}/user/alice/py/notebooks/mine.ipynb`);
      const out = await page.evaluate(() => (globalThis as any).Jupyter.notebook.notebook_name);
      expect(out).toBe("mine.ipynb");
    } finally {
      await context.close();
    }
    expect(readFileSync(mine(alice), "utf8")).toBe(aliceWork.content);
    expect(lstatSync(mine(alice)).uid).toBe(alice.uid);
    const landing = await call(door, "GET", "/user/alice/", auth(alice));
    expect(landing.body).toContain("Python &#60;Notebook&#62;</a> (running)");
  }, 120_000);

  it(
    "keep a server up while it is in use for longer than the timeout: a busy kernel, a terminal in use, requests from a browser",
    async () => {
      // Each woken by its owner's page load first, then used for longer than the timeout,
      // a cull and Jupyter's check together: alice's Notebook by a busy kernel, her
      // JupyterLab by a terminal she types into, bob's Notebook by a page asking its API.
      for (const [u, env] of [
        [alice, "lab"],
        [bob, "py"],
      ] as const) {
        await call(door, "GET", `/user/${u.name}/${env}/`, navigate(u));
        await eventually(`${u.name}'s ${env} to answer`, () => answers(u, env), 60);
      }
      const own = async (u: TestUser, prefix: string, page: string) => {
        const xsrf = /_xsrf=([^;]+)/.exec(String((await call(door, "GET", `${prefix}/${page}`, auth(u))).headers["set-cookie"]))![1];
        // The _xsrf cookie goes in the same Cookie header as the session's.
        return { ...sessions.auth(u, `_xsrf=${xsrf}`), Origin: origin(door), "Content-Type": "application/json", "X-XSRFToken": xsrf };
      };
      const socket = async (u: TestUser, url: string) => {
        const ws = await openSocket(`wss://${door.site}:${door.port}${url}`, { ca: door.ca, headers: auth(u), origin: origin(door) });
        if (typeof ws === "number") throw new Error(`${u.name}'s WebSocket ${url} refused: ${ws}`);
        return ws;
      };
      const kernel = await call(door, "POST", "/user/alice/py/api/kernels", await own(alice, "/user/alice/py", "tree"), '{"name":"python3"}');
      expect(kernel.status).toBe(201);
      const kernelSocket = await socket(alice, `/user/alice/py/api/kernels/${JSON.parse(kernel.body).id}/channels`);
      const terminal = await call(door, "POST", "/user/alice/lab/api/terminals", await own(alice, "/user/alice/lab", "lab"), "{}");
      expect(terminal.status).toBe(200);
      const terminalSocket = await socket(alice, `/user/alice/lab/terminals/websocket/${JSON.parse(terminal.body).name}`);
      const started = await Promise.all([container(alice, "py"), container(alice, "lab"), container(bob, "py")].map(async (c) => (await state(c)).startedAt));
      const busy = STOPS_WITHIN + 10;
      let typed = 0;
      let asked = 0;
      const until = Date.now() + busy * 1000;
      const typing = (async () => {
        for (; Date.now() < until; typed++) {
          terminalSocket.send(JSON.stringify(["stdin", `echo still here ${typed}\r`]));
          await new Promise((r) => setTimeout(r, 5_000));
        }
      })();
      const asking = (async () => {
        for (; Date.now() < until; asked++) {
          expect((await call(door, "GET", "/user/bob/py/api/contents", auth(bob))).status).toBe(200);
          await new Promise((r) => setTimeout(r, 5_000));
        }
      })();
      try {
        const run = await runCode(kernelSocket, `import time; time.sleep(${busy}); print("done")`, busy + 30);
        expect(run.stdout).toBe("done\n");
        await Promise.all([typing, asking]);
      } finally {
        kernelSocket.close();
        terminalSocket.close();
      }
      expect(typed).toBeGreaterThan(busy / 5 - 3);
      expect(asked).toBeGreaterThan(busy / 5 - 3);
      const now = await Promise.all([container(alice, "py"), container(alice, "lab"), container(bob, "py")].map(async (c) => state(c)));
      expect(now.map((s) => [s.running, s.startedAt])).toEqual(started.map((t) => [true, t]));
    },
    (STOPS_WITHIN + 180) * 1000,
  );

  it("restart a server that crashes, but not one its user quit; a JupyterLab tab left open gets 503s and does not wake it", async () => {
    // A crash: the server killed outright.
    const before = await state(container(alice, "py"));
    const top = await docker("top", container(alice, "py"), "-eo", "pid,args");
    const server = top.split("\n").find((l) => l.includes("-m notebook") && !l.includes("/bin/sh"));
    expect(server, top).toBeDefined();
    await exec("kill", ["-KILL", server!.trim().split(/\s+/)[0]]);
    await eventually(
      "alice's py to come back after the crash",
      async () => (await state(container(alice, "py"))).restarts > before.restarts && (await answers(alice, "py")),
      60,
    );

    // Bob's JupyterLab, open in a tab, then his File > Shut Down (POST /api/shutdown).
    const context = await browser.newContext();
    await context.addCookies(sessions.browserCookies(bob));
    const page = await context.newPage();
    const statuses: number[] = [];
    page.on("response", (r) => {
      if (r.url().includes("/user/bob/lab/api/")) statuses.push(r.status());
    });
    try {
      const lab = `${origin(door)}/user/bob/lab/lab`;
      await goto(page, lab);
      await eventually("bob's lab to answer", () => answers(bob, "lab"), 90);
      // The starting page reloads itself; a network change on this host (a container
      // started) can abort a reload onto Chromium's error page, which does not reload.
      // The same change can abort one of JupyterLab's scripts instead: its page is there
      // and never shows the launcher; then it too is loaded again, once, 30 s on.
      const until = Date.now() + 90_000;
      let loadedAgain = false;
      while ((await page.locator(".jp-LauncherCard").count()) === 0) {
        if (Date.now() > until) throw new Error(`no JupyterLab launcher in bob's tab within 90 s; the page is at ${page.url()}`);
        if (page.url().startsWith("chrome-error://")) {
          console.log("bob's page was aborted onto Chromium's error page (a network change on this host): loading it again");
          await goto(page, lab);
        } else if (!loadedAgain && until - Date.now() < 60_000 && page.url() === lab) {
          loadedAgain = true;
          console.log("bob's JupyterLab page is there without its launcher after 30 s (a script aborted by a network change on this host): loading it again");
          await goto(page, lab);
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
      const shutdown = await page.evaluate(async () => {
        const xsrf = /_xsrf=([^;]+)/.exec((globalThis as any).document.cookie)?.[1] ?? "";
        return (await fetch("/user/bob/lab/api/shutdown", { method: "POST", headers: { "X-XSRFToken": xsrf } })).status;
      });
      expect(shutdown).toBe(200);
      await eventually("bob's lab to stop", () => stopped(container(bob, "lab")), 30);
      statuses.length = 0;
      // The tab stays open and keeps asking; none of it wakes the server.
      await new Promise((r) => setTimeout(r, 40_000));
      expect((await state(container(bob, "lab"))).running).toBe(false);
      expect((await state(container(bob, "lab"))).exitCode).toBe(0);
      expect(statuses.length).toBeGreaterThan(0);
      expect(new Set(statuses)).toEqual(new Set([503]));
    } finally {
      await context.close();
    }
  }, 300_000);

  it("lets nothing but a start of a declared workspace through the Docker API filter, which nothing else can reach", async () => {
    const filter = `${project}-docker-filter`;
    const volume = `${project}-docker-filter`;
    // Who holds the Docker socket and the filter's socket: the filter alone, and the proxy.
    const ids = (await docker("ps", "-aq", "--filter", `label=homedock.host=${project}`)).trim().split("\n");
    const holders: Record<string, string[]> = {};
    for (const id of ids) {
      const [name, mounts, network] = (await docker("inspect", "--format", "{{.Name}}|{{json .Mounts}}|{{.HostConfig.NetworkMode}}", id)).trim().split("|");
      for (const m of JSON.parse(mounts) as { Source: string; Name?: string }[]) {
        if (m.Source === "/var/run/docker.sock" || m.Name === volume) (holders[name.slice(1)] ??= []).push(m.Name ?? m.Source);
      }
      if (name.slice(1) === filter) expect(network).toBe("none");
    }
    for (const held of Object.values(holders)) held.sort();
    expect(holders).toEqual({ [filter]: ["/var/run/docker.sock", volume].sort(), [`${project}-frontdoor`]: [volume] });
    const fromWorkspace = await dockerStatus("exec", container(alice, "py"), "ls", "/run/homedock-docker");
    expect(fromWorkspace.status).not.toBe(0);
    // The deploy's nonce is root's and read-only to the workspace: alice cannot make a
    // deploy's start look like a wake, or make anyone's deploy fail.
    const nonce = await dockerStatus("exec", container(alice, "py"), "sh", "-c", "cat /run/homedock-deploy/nonce && : >/run/homedock-deploy/nonce");
    expect(nonce.stdout).toMatch(/^[0-9a-f-]{36}\n$/);
    expect(nonce.status).not.toBe(0);
    expect(nonce.stderr).toMatch(/Read-only file system/);

    // As whatever holds the filter's socket: root, in a container of its own.
    const probe = `
import json, socket, sys
def ask(method, path, body=None, headers=""):
    s = socket.socket(socket.AF_UNIX); s.connect("/s/api.sock")
    extra = f"Content-Type: application/json\\r\\nContent-Length: {len(body)}\\r\\n" if body is not None else ""
    s.sendall(f"{method} {path} HTTP/1.1\\r\\nHost: docker\\r\\nConnection: close\\r\\n{extra}{headers}\\r\\n{body or ''}".encode())
    out = b""
    while True:
        c = s.recv(65536)
        if not c: break
        out += c
    return int(out.split(b" ")[1])
t = sys.argv[1]
print(json.dumps({
  "create": ask("POST", "/containers/create?name=x", json.dumps({"Image": "${IMAGES.notebook}", "HostConfig": {"Binds": ["/:/host"]}})),
  "exec": ask("POST", f"/containers/{t}-alice.py/exec", json.dumps({"Cmd": ["id"]})),
  "inspect": ask("GET", f"/containers/{t}-alice.py/json"),
  "list": ask("GET", "/containers/json"),
  "versioned inspect": ask("GET", f"/v1.41/containers/{t}-alice.py/json"),
  "stop": ask("POST", f"/containers/{t}-alice.py/stop"),
  "start the proxy": ask("POST", f"/containers/{t}-frontdoor/start"),
  "start the filter": ask("POST", f"/containers/{t}-docker-filter/start"),
  "start with a body": ask("POST", f"/containers/{t}-bob.lab/start", json.dumps({"Binds": ["/:/host"]})),
  "start with a query": ask("POST", f"/containers/{t}-bob.lab/start?detachKeys=ctrl-x"),
  "start by a path around": ask("POST", f"/containers/{t}-bob.lab/../{t}-frontdoor/start"),
  "start a declared workspace": ask("POST", f"/containers/{t}-bob.lab/start"),
}))
`;
    const out = await docker("run", "--rm", "--network", "none", "-v", `${volume}:/s`, "--entrypoint", "python3", IMAGES.notebook, "-c", probe, project);
    const codes = JSON.parse(out) as Record<string, number>;
    const { "start a declared workspace": allowed, ...refused } = codes;
    expect(
      Object.values(refused).every((c) => c === 403 || c === 400),
      JSON.stringify(codes),
    ).toBe(true);
    expect(allowed).toBe(204);
    expect((await state(container(alice, "py"))).running).toBe(true);
    expect((await docker("ps", "-aq", "--filter", "name=^/x$")).trim()).toBe("");
  }, 120_000);
});
