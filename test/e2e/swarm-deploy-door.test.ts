// The front door across the test Swarm's nodes (scripts/swarm-rig.sh) deployed by
// `homedock deploy`, with real Terraform and the real kreuzwerker/docker 4.5.0 from the
// filesystem mirror HOMEDOCK_PROVIDER_MIRROR names (skipped without it, with one line
// naming it, as the other Terraform suites are): a node without the runtime root refused
// before Terraform runs; the entry proxy, a proxy per node, the login and the workspaces
// as docker_services on their nodes, their files as docker_secrets; the next plan empty;
// users of two nodes sign in (over HTTP and in Chromium, a cell run in a notebook) and
// are refused with another's password or session; adding a user restarts no workspace
// and no node proxy; a worker stopped: its users get the page that says so, the others
// keep working; destroy removes the front door and keeps every home. One rig.
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { homedock as run } from "../helpers/cli";
import { eventually, providerMirrorConfig, requireDocker, requireFrontDoorImages, scenarioRoot, uniqueName } from "../helpers/docker";
import { type Door, testUser, type TestUser } from "../helpers/front-door";
import { removeAfterAll, swarmRig, type SwarmNode, type SwarmRig } from "../helpers/swarm";
import { cellsInChromium, DOOR_RIG_IMAGES, doorHomeRoot, DoorUsers, entryDoor, makeDoorHome, swarmDoorJson } from "../helpers/swarm-door";
import { snapshot } from "../helpers/trees";

const mirror = process.env.HOMEDOCK_PROVIDER_MIRROR;
if (!mirror) console.log("swarm deploy door e2e skipped: set HOMEDOCK_PROVIDER_MIRROR to a Terraform filesystem mirror holding kreuzwerker/docker 4.5.0");

const HOST = "hdtfdoor";
const PORT = 8443;
const RUNTIME_ROOT = "/var/lib/homedock-tf";
const alice = testUser("alice", 2301);
const bob = testUser("bob", 2302);
const carol = testUser("carol", 2303);
/** Where each user's workspace runs: carol (added later) beside alice. */
const NODE: Record<string, SwarmNode> = { alice: "node-2", bob: "node-3", carol: "node-2" };

let rig: SwarmRig;
let scratch: string;
let config: string;
let door: Door;
let before: ReturnType<typeof snapshot>;
const users = new DoorUsers(() => door);
const { sessions } = users;

const manager = (...args: string[]) => rig.docker("node-1", ...args);
const userData = () =>
  snapshot(doorHomeRoot(rig), (rel) => rel.includes("/.homedock") || rel.includes("/.local/") || rel.includes("/.jupyter") || rel.includes("/.ipython"));
const writeConfig = (users: readonly TestUser[]) => writeFileSync(config, swarmDoorJson(rig, HOST, PORT, RUNTIME_ROOT, users, NODE));

/** `homedock <args>` in the project directory, against the manager, with the provider from the mirror. */
const homedock = (...args: string[]) =>
  run([...args, "-c", config], {
    cwd: scratch,
    env: {
      DOCKER_HOST: rig.socket("node-1"),
      TF_CLI_CONFIG_FILE: path.join(scratch, "cli.tfrc"),
      CHECKPOINT_DISABLE: "1",
      TF_IN_AUTOMATION: "1",
      FORCE_COLOR: "0",
    },
  });

async function passwd(u: TestUser): Promise<void> {
  const r = await run(["passwd", u.name, "-c", config, "-d", scratch, "--stdin"], { cwd: scratch, input: `${u.password}\n` });
  expect(r.status, r.stderr).toBe(0);
}

/** The running task of each of the host's services, by its name without the host's prefix. */
async function tasks(): Promise<Record<string, { id: string; node: string }>> {
  const ids = (await manager("service", "ls", "-q", "--filter", `label=homedock.host=${HOST}`)).trim().split("\n").filter(Boolean);
  if (ids.length === 0) return {};
  const out = await manager("service", "ps", ...ids, "--filter", "desired-state=running", "--format", "{{.Name}} {{.ID}} {{.Node}} {{.CurrentState}}");
  const running: Record<string, { id: string; node: string }> = {};
  for (const line of out.trim().split("\n").filter(Boolean)) {
    const [name, id, node, state] = line.split(" ");
    if (state === "Running") running[name.slice(`${HOST}_`.length).replace(/\.1$/, "")] = { id, node };
  }
  return running;
}

const contents = (u: TestUser, as?: TestUser) => users.contents(u, as);
const reachable = (list: readonly TestUser[]) => users.reachable(list);

function homesKept(): void {
  const now = userData();
  for (const [rel, node] of before) expect(now.get(rel), rel).toEqual(node);
}

beforeAll(async () => {
  if (!mirror) return;
  requireDocker();
  requireFrontDoorImages(["proxy", "login", "limiter", "notebook"]);
  scratch = scenarioRoot("swarm-deploy-door");
  config = path.join(scratch, "swarm.json");
  writeFileSync(path.join(scratch, "cli.tfrc"), providerMirrorConfig(mirror));
  rig = swarmRig(uniqueName("hdtfdoor-"));
  await rig.up(DOOR_RIG_IMAGES());
  for (const u of [alice, bob, carol]) makeDoorHome(rig, u);
  writeConfig([alice, bob]);
  for (const u of [alice, bob]) await passwd(u);
  before = userData();
}, 900_000);

removeAfterAll(
  () => rig,
  () => scratch,
);

describe.skipIf(!mirror)("the front door across a Swarm's nodes, deployed by homedock deploy (Terraform)", () => {
  it("refuses, by name, a node without the front door's runtime root, before Terraform runs or anything is created", async () => {
    // node-1 and node-2 have it; node-3 not yet.
    for (const node of ["node-1", "node-2"]) spawnSync("docker", ["exec", `${rig.name}-${node}`, "mkdir", "-m", "0755", RUNTIME_ROOT]);
    const r = await homedock("deploy", "--auto-approve");
    expect(r.status, r.stdout + r.stderr).toBe(3);
    expect(r.stderr).toContain(
      `homedock deploy: node-3: the front door's runtime root ${RUNTIME_ROOT} does not exist on the node: expected a directory of root's there (mkdir -m 0755 ${RUNTIME_ROOT} on node-3)`,
    );
    expect((await manager("service", "ls", "-q")).trim()).toBe("");
    expect(existsSync(path.join(scratch, "cdktf.out"))).toBe(false);
    spawnSync("docker", ["exec", `${rig.name}-node-3`, "mkdir", "-m", "0755", RUNTIME_ROOT]);
  }, 600_000);

  it("deploys the entry proxy on node-1, a proxy on every node, the login, and each workspace on its user's node, as services", async () => {
    const r = await homedock("deploy", "--auto-approve");
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    expect(r.stdout).toMatch(/^host hdtfdoor: the front door's socket directories made on 3 nodes/m);
    const expected = {
      frontdoor: "node-1",
      "frontdoor-login": "node-1",
      "frontdoor-signin": "node-1",
      "frontdoor-signin-limit": "node-1",
      "door--node-1": "node-1",
      "door--node-2": "node-2",
      "door--node-3": "node-3",
      "alice--py": "node-2",
      "bob--py": "node-3",
    };
    await eventually(
      "every service running on its node",
      async () => {
        const t = await tasks();
        return Object.entries(expected).every(([s, node]) => t[s]?.node === node);
      },
      180,
    );
    const secrets = (await manager("secret", "ls", "--filter", `label=homedock.host=${HOST}`, "--format", "{{.Name}}")).trim().split("\n");
    expect(secrets.length).toBeGreaterThan(10);
    door = await entryDoor(rig, HOST, PORT);
  }, 600_000);

  it("plans nothing right after the deploy", async () => {
    const r = await homedock("plan");
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    expect(r.stdout).toContain("Nothing changes.");
  }, 600_000);

  it("signs users of two nodes in at the entry proxy, each reaching their own Jupyter; another's password and another's session refused", async () => {
    await eventually(
      "the sign-in",
      async () =>
        sessions.signIn(alice, bob).then(
          () => true,
          () => false,
        ),
      120,
    );
    await reachable([alice, bob]);
    for (const u of [alice, bob]) {
      const r = await contents(u);
      expect(JSON.parse(r.body).content.map((f: { name: string }) => f.name)).toContain(`${u.name}-notes.txt`);
    }
    await users.refusedAcross(alice, bob);
  }, 300_000);

  it("lets users of two nodes sign in on the page in Chromium and run a cell in a notebook, each as themselves", async () => {
    await cellsInChromium(rig, door, [alice, bob]);
  }, 300_000);

  it("adds a user without restarting any workspace or node proxy; the next plan is empty", async () => {
    const was = await tasks();
    writeConfig([alice, bob, carol]);
    await passwd(carol);
    const r = await homedock("deploy", "--auto-approve");
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    await eventually("carol's workspace", async () => (await tasks())["carol--py"]?.node === "node-2", 180);
    const now = await tasks();
    for (const s of ["door--node-1", "door--node-2", "door--node-3", "alice--py", "bob--py"]) expect([s, now[s]?.id]).toEqual([s, was[s].id]);
    await users.newUserSignsIn(carol, async () => (await tasks())["frontdoor-signin"]?.id !== was["frontdoor-signin"].id);
    await reachable([carol]);
    await sessions.signIn(alice, bob);
    await reachable([alice, bob]);
    const plan = await homedock("plan");
    expect(plan.status, plan.stderr.slice(-3000)).toBe(0);
    expect(plan.stdout).toContain("Nothing changes.");
    // Terraform removed the secrets the new ones replaced: those left are those the services name.
    const named = new Set(
      (
        await manager(
          "service",
          "inspect",
          "--format",
          "{{range .Spec.TaskTemplate.ContainerSpec.Secrets}}{{println .SecretName}}{{end}}",
          ...(await serviceIds()),
        )
      )
        .split("\n")
        .filter(Boolean),
    );
    const left = (await manager("secret", "ls", "--filter", `label=homedock.host=${HOST}`, "--format", "{{.Name}}")).trim().split("\n");
    expect(left.sort()).toEqual([...named].sort());
    homesKept();
  }, 600_000);

  it("gives the users of a stopped worker the page that says so within a minute; the others keep working; back when it is", async () => {
    await users.nodeLost(() => rig.stop("node-3"), bob, [alice, carol]);
    await rig.start("node-3");
    await reachable([bob]);
  }, 300_000);

  it("destroy removes every service, overlay and secret of the host, and keeps every home", async () => {
    const r = await homedock("destroy", "--auto-approve");
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    expect(await serviceIds()).toEqual([]);
    expect((await manager("secret", "ls", "-q", "--filter", `label=homedock.host=${HOST}`)).trim()).toBe("");
    // A node lets go of its copy of an overlay once its tasks there have stopped: some seconds after.
    await eventually(
      "no overlay of the host left",
      async () => (await manager("network", "ls", "-q", "--filter", `label=homedock.host=${HOST}`)).trim() === "",
      60,
    );
    homesKept();
  }, 600_000);
});

async function serviceIds(): Promise<string[]> {
  return (await manager("service", "ls", "-q", "--filter", `label=homedock.host=${HOST}`)).trim().split("\n").filter(Boolean);
}
