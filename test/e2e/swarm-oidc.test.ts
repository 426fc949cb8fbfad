// An OpenID Connect login across the nodes of the test Swarm (scripts/swarm-rig.sh),
// deployed by `homedock swarm deploy`: Dex (a real provider, over TLS with a private CA)
// on this machine, at its address on the rig's network, which the sign-in on node-1 goes
// out to and Chromium on this machine reaches at the same URL. The provider's CA is
// login.caFile, read where homedock runs and carried to the sign-in as a Swarm secret.
// Users of two nodes sign in at the provider and land in their own workspace; a user
// the provider knows and the config does not gets no session; the client secret is in
// no service's spec. One rig for the whole file.
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { goto, launchChromium } from "../helpers/browser";
import { homedock } from "../helpers/cli";
import { busyboxImage, eventually, FRONT_DOOR_IMAGES, requireDocker, requireFrontDoorImages, scenarioRoot, testLogin, uniqueName } from "../helpers/docker";
import { testUser } from "../helpers/front-door";
import { OidcProvider } from "../helpers/oidc";
import { swarmRig, type SwarmNode, type SwarmRig } from "../helpers/swarm";

const HOST = "hdoidc";
const PORT = 8443;
const RUNTIME_ROOT = "/var/lib/homedock-oidc";
const SITE = `https://localhost:${PORT}`;
const alice = { ...testUser("alice", 2261), email: "alice@example.org", node: "node-2" as SwarmNode };
const bob = { ...testUser("bob", 2262), email: "bob@example.org", node: "node-3" as SwarmNode };
/** Known to the provider, not to the config. */
const mallory = { name: "mallory", password: "mallory-not-a-user", email: "mallory@example.org" };

let rig: SwarmRig;
let scratch: string;
let config: string;
let provider: OidcProvider;
let browser: Browser;

const manager = (...args: string[]) => rig.docker("node-1", ...args);
const env = () => ({ env: { DOCKER_HOST: rig.socket("node-1") }, cwd: scratch });

/** Chromium, sent to node-1 (where the entry proxy publishes the site) for localhost; the provider at its own address. */
async function newContext(): Promise<BrowserContext> {
  return browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1100, height: 620 } });
}

/** Through the provider's own sign-in page, starting at `url` (retried until the entry proxy and the login answer); the page where it ends. */
async function atProvider(context: BrowserContext, user: { email: string; password: string }, url: string): Promise<{ page: Page; status: number }> {
  const page = await context.newPage();
  await eventually(
    "the sign-in to send the browser to the provider",
    async () => {
      await goto(page, url).catch(() => undefined);
      return page.url().startsWith(provider.issuer) && (await page.$("input[name=login]")) !== null;
    },
    180,
  );
  await page.fill("input[name=login]", user.email);
  await page.fill("input[name=password]", user.password);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().startsWith(`${SITE}/oauth2/callback`), { timeout: 60_000 }),
    page.click("button[type=submit]"),
  ]);
  return { page, status: response.status() };
}

/** The status of a GET from the page itself (the browser's own resolver and cookies; a redirect is not followed: 0). */
async function statusOf(page: Page, url: string): Promise<number> {
  return page.evaluate(async (u) => (await fetch(u, { redirect: "manual" })).status, url);
}

beforeAll(async () => {
  requireDocker();
  requireFrontDoorImages(["proxy", "login", "notebook"]);
  scratch = scenarioRoot("swarm-oidc");
  config = path.join(scratch, "swarm.yaml");
  rig = swarmRig(uniqueName("hd-swarm-oidc-"));
  await rig.up([FRONT_DOOR_IMAGES.proxy, FRONT_DOOR_IMAGES.login, FRONT_DOOR_IMAGES.notebook, busyboxImage("swarm-oidc-init", {})]);
  for (const node of ["node-1", "node-2", "node-3"]) spawnSync("docker", ["exec", `${rig.name}-${node}`, "mkdir", "-m", "0755", RUNTIME_ROOT]);
  const homes = path.join(rig.homes, "home");
  for (const u of [alice, bob]) {
    const home = path.join(homes, u.name);
    mkdirSync(path.join(home, "py"), { recursive: true });
    writeFileSync(path.join(home, "py", `${u.name}-notes.txt`), `${u.name}'s notes\n`);
    for (const p of [home, path.join(home, "py"), path.join(home, "py", `${u.name}-notes.txt`)]) chownSync(p, u.uid, u.uid);
    chmodSync(home, 0o700);
  }
  // This machine's address on the rig's network: node-1's tasks go out through it, and Chromium here reaches it.
  const inspected = spawnSync("docker", ["network", "inspect", rig.name, "-f", "{{range .IPAM.Config}}{{.Gateway}}{{end}}"], { encoding: "utf8" });
  const gateway = inspected.stdout.trim();
  expect([inspected.status, gateway === ""], inspected.stderr).toEqual([0, false]);
  provider = new OidcProvider(scratch, async () => gateway);
  await provider.start(
    `${SITE}/oauth2/callback`,
    [alice, bob, mallory].map((u) => ({ email: u.email, username: u.name, password: u.password })),
  );
  writeFileSync(
    config,
    JSON.stringify({
      host: { name: HOST, createHomes: false, homeRoot: homes, sharedMounts: [], initImage: busyboxImage("swarm-oidc-init", {}) },
      frontDoor: {
        site: "localhost",
        httpsPort: PORT,
        httpPort: 8080,
        image: FRONT_DOOR_IMAGES.proxy,
        runtimeRoot: RUNTIME_ROOT,
        login: testLogin({ method: "oidc", issuer: provider.issuer, clientId: provider.clientId, claim: "email", caFile: path.join(provider.dir, "ca.pem") }),
      },
      swarm: { nodes: [{ name: "node-1" }, { name: "node-2" }, { name: "node-3" }] },
      environments: [{ name: "py", image: FRONT_DOOR_IMAGES.notebook, command: ["python3", "-m", "notebook"], jupyter: "notebook", memory: "512m" }],
      users: [alice, bob].map((u) => ({ name: u.name, uid: u.uid, gid: u.uid, identity: u.email, node: u.node })),
    }),
  );
  const secret = await homedock(["passwd", "--client-secret", "-d", scratch, "--stdin"], { cwd: scratch, input: `${provider.clientSecret}\n` });
  expect(secret.status, secret.stderr).toBe(0);
  const deployed = await homedock(["swarm", "deploy", "-c", config, "-o", path.join(scratch, "stack.yml")], env());
  expect(deployed.status, deployed.stdout + deployed.stderr).toBe(0);
  const node1 = (await rig.docker("node-1", "info", "-f", "{{.Swarm.NodeAddr}}")).trim();
  browser = await launchChromium(["--ignore-certificate-errors", `--host-resolver-rules=MAP localhost ${node1}`]);
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await provider?.stop();
  if (rig) await rig.down();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}, 300_000);

describe("an OpenID Connect login across the nodes of a Swarm", () => {
  it("signs users of two nodes in at the provider (its private CA carried to the sign-in), each landing in their own workspace", async () => {
    for (const u of [alice, bob]) {
      const context = await newContext();
      const { page, status } = await atProvider(context, u, `${SITE}/user/${u.name}/py/tree`);
      expect([u.name, status]).toEqual([u.name, 302]);
      await page.waitForURL(`${SITE}/user/${u.name}/py/tree`);
      // Jupyter's own listing of their workspace, their file in it.
      await page.waitForSelector(`#notebook_list a:has-text("${u.name}-notes.txt")`, { timeout: 120_000 });
      // Their session is theirs alone: the other's routes are not found.
      const other = u === alice ? bob : alice;
      expect(await statusOf(page, `${SITE}/user/${other.name}/py/api/contents`)).toBe(404);
      await context.close();
    }
    const running = (await manager("service", "ps", `${HOST}_alice--py`, "--filter", "desired-state=running", "--format", "{{.Node}}")).trim();
    expect(running).toBe("node-2");
  }, 600_000);

  it("gives a user the provider knows and the config does not no session", async () => {
    const context = await newContext();
    const { page, status } = await atProvider(context, mallory, `${SITE}/`);
    expect(status).toBe(403);
    const text = await page.content();
    expect(text).toContain("not one of this server's users");
    for (const name of ["alice", "bob"]) expect(text).not.toContain(name);
    expect((await context.cookies()).filter((c) => c.name.startsWith("__Host-homedock"))).toEqual([]);
    // Without a session, alice's workspace sends the browser to the provider's sign-in (the error page's own CSP allows no fetch from it).
    const next = await context.newPage();
    await goto(next, `${SITE}/user/alice/py/api/status`);
    expect(next.url().startsWith(provider.issuer)).toBe(true);
    await context.close();
  }, 300_000);

  it("keeps the client secret out of every service's spec; the provider's CA reaches the sign-in alone, as a secret", async () => {
    const services = (await manager("service", "ls", "--filter", `label=com.docker.stack.namespace=${HOST}`, "-q")).trim().split("\n");
    const specs = await manager("service", "inspect", ...services);
    expect(specs).not.toContain(provider.clientSecret);
    const withCa = JSON.parse(specs)
      .filter((s: { Spec: { TaskTemplate: { ContainerSpec: { Secrets?: { File: { Name: string } }[] } } } }) =>
        (s.Spec.TaskTemplate.ContainerSpec.Secrets ?? []).some((f) => f.File.Name === "/homedock/login-ca.pem"),
      )
      .map((s: { Spec: { Name: string } }) => s.Spec.Name);
    expect(withCa).toEqual([`${HOST}_frontdoor-signin`]);
  });
});
