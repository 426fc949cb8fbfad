// A user removed from a Compose host, following the README's steps (homedock compose,
// docker compose up -d --remove-orphans, homedock prune): nothing of that user's is left
// in Docker, no container and no volume, and the home with every file in it stays.
import { createHash } from "node:crypto";
import { chownSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConfigInput } from "../../src/config/schema";
import { homedock } from "../helpers/cli";
import { busyboxImage, docker, dockerStatus, requireDocker, scenarioRoot, uniqueName, testLogin } from "../helpers/docker";
import { freePort } from "../helpers/front-door";
import { snapshot } from "../helpers/trees";

const PROXY_IMAGE = "homedock-test/caddy:current";

let root: string;
let project: string;
let image: string;
let httpsPort: number;
let httpPort: number;

function config(users: string[]): ConfigInput {
  return {
    host: { name: project, homeRoot: `${root}/home`, sharedMounts: [{ source: `${root}/data`, target: "/srv/data" }] },
    // The front door gives each Jupyter workspace a socket directory, a volume of its own.
    frontDoor: { site: "localhost", listen: ["127.0.0.1"], httpsPort, httpPort, image: PROXY_IMAGE, runtimeRoot: `${root}/run`, login: testLogin() },
    environments: [
      // The flags the front door adds are arguments of `sh -c` here, which it ignores.
      { name: "py", image, command: ["sh", "-c", "exec httpd -f -p 8888", "sh"], jupyter: "notebook", memory: "64m" },
    ],
    users: users.map((name, i) => ({ name, uid: 2301 + i, gid: 2301 + i })),
  };
}

/** Writes the config and runs a homedock command on it in the scenario's directory, as an admin would. */
async function admin(users: string[], ...args: string[]): Promise<string> {
  writeFileSync(`${root}/homedock.yaml`, JSON.stringify(config(users)));
  const r = await homedock([...args, "-c", "homedock.yaml"], { cwd: root });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

async function compose(...args: string[]): Promise<void> {
  await docker("compose", "-f", `${root}/docker-compose.yml`, ...args);
}

const lines = (text: string) =>
  text
    .split("\n")
    .filter((l) => l !== "")
    .sort();
const volumesOf = async (user: string) =>
  lines(await docker("volume", "ls", "-q", "--filter", `label=homedock.host=${project}`, "--filter", `label=homedock.user=${user}`));
/** Every volume and container whose name mentions the user, whatever its labels. */
const namedFor = async (user: string) => [
  ...lines(await docker("volume", "ls", "-q", "--filter", `name=${project}`)).filter((v) => v.includes(user)),
  ...lines(await docker("ps", "-a", "--format", "{{.Names}}", "--filter", `name=${project}`)).filter((c) => c.includes(user)),
];
const containerIds = async () =>
  lines(await docker("ps", "-aq", "--no-trunc", "--filter", `label=homedock.host=${project}`, "--filter", "label=homedock.user=alice"));

beforeAll(async () => {
  requireDocker();
  image = busyboxImage("seed-v1", { "welcome.txt": "hello from the image\n" });
  root = scenarioRoot("remove-user");
  project = uniqueName("hdr");
  httpsPort = await freePort();
  httpPort = await freePort();
  mkdirSync(`${root}/home`);
  mkdirSync(`${root}/data`);
  await admin(["alice", "bob"], "compose");
  await compose("up", "-d", "--wait");
}, 300_000);

afterAll(async () => {
  if (root) {
    await dockerStatus("compose", "-f", `${root}/docker-compose.yml`, "down", "-v", "--remove-orphans");
    for (const volume of await volumesOf("bob").catch(() => [])) await dockerStatus("volume", "rm", volume);
    rmSync(root, { recursive: true, force: true });
  }
});

describe("removing a user from a Compose host", () => {
  it("leaves no container and no volume of the user's, and the home byte for byte", async () => {
    // bob's work, in his home and in his environment directory.
    mkdirSync(`${root}/home/bob/py/results`, { recursive: true });
    writeFileSync(`${root}/home/bob/py/results/run1.csv`, "x,y\n1,2\n");
    writeFileSync(`${root}/home/bob/notes.txt`, "keep me\n");
    for (const p of ["py/results", "py/results/run1.csv", "notes.txt"]) chownSync(`${root}/home/bob/${p}`, 2302, 2302);
    await docker("exec", `${project}-bob.py`, "sh", "-c", `echo from-the-workspace > ${root}/home/bob/py/written-inside.txt`);
    const home = snapshot(`${root}/home/bob`);
    expect(home.get("py/written-inside.txt")).toEqual({
      type: "file",
      mode: 0o644,
      uid: 2302,
      sha256: createHash("sha256").update("from-the-workspace\n").digest("hex"),
    });
    // His home's volume and his socket directory's, labelled his.
    expect((await volumesOf("bob")).map((v) => v.replace(/-[0-9a-f]{8}$/, ""))).toEqual([`${project}_home-bob`, `${project}_run-bob.py`]);
    const alice = await containerIds();

    await admin(["alice"], "compose");
    await compose("up", "-d", "--remove-orphans");
    // What Compose alone leaves: the volumes it no longer declares.
    expect(await volumesOf("bob")).toHaveLength(2);
    const pruned = await admin(["alice"], "prune");
    expect(lines(pruned).map((l) => l.replace(/-[0-9a-f]{8} /, " "))).toEqual([
      `removed volume ${project}_home-bob (bob)`,
      `removed volume ${project}_run-bob.py (bob)`,
    ]);

    expect(await volumesOf("bob")).toEqual([]);
    expect(lines(await docker("ps", "-aq", "--filter", `label=homedock.user=bob`, "--filter", `label=homedock.host=${project}`))).toEqual([]);
    expect(await namedFor("bob")).toEqual([]);
    expect(snapshot(`${root}/home/bob`)).toEqual(home);
    // alice's workspace and home container were left exactly as they were, her volumes too.
    expect(await containerIds()).toEqual(alice);
    expect(await volumesOf("alice")).toHaveLength(2);
    // A second prune finds nothing.
    expect(await admin(["alice"], "prune")).toBe("nothing to remove: every volume of the host's users is declared\n");
  }, 300_000);
});
