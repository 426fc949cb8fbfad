// homedock compose --preview on a real host: the Compose output brought up with locally
// built busybox images, then the config changed (one environment's memory, another's
// image, a user removed). The preview names exactly the containers that
// `docker compose up -d --remove-orphans` then recreates or removes, with the reasons.
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { homedock } from "../helpers/cli";
import { busyboxImage, docker, dockerStatus, requireDocker, scenarioRoot, uniqueName } from "../helpers/docker";

let root: string;
let host: string;
let config: string;
let compose: string;
let image: string;
let upgraded: string;

const name = (user: string, what: string) => `${host}-${user}.${what}`;

function yaml({ memory, shellImage, carol }: { memory: string; shellImage: string; carol: boolean }): string {
  return `host:
  name: ${host}
  homeRoot: ${root}/home
  sharedMounts: [{source: ${root}/data, target: /srv/data}]
environments:
  - name: web
    image: ${image}
    command: [httpd, -f, -p, "8888"]
    memory: ${memory}
  - name: shell
    image: ${shellImage}
    command: [sleep, "100000"]
    groups: [ta]
users:
  - {name: alice, uid: 2401, gid: 2401, groups: [ta]}
  - {name: bob, uid: 2402, gid: 2402}
${carol ? "  - {name: carol, uid: 2403, gid: 2403}\n" : ""}`;
}

/** Every container of the host: name → id. */
async function containerIds(): Promise<Record<string, string>> {
  const out = await docker("ps", "-a", "--no-trunc", "--filter", `label=homedock.host=${host}`, "--format", "{{.Names}}\t{{.ID}}");
  return Object.fromEntries(
    out
      .split("\n")
      .filter(Boolean)
      .map((line) => line.split("\t")),
  );
}

beforeAll(async () => {
  requireDocker();
  image = busyboxImage("preview", { "index.html": "v1\n" });
  upgraded = busyboxImage("preview-next", { "index.html": "v2\n" });
  root = scenarioRoot("preview");
  host = uniqueName("hdpv");
  config = path.join(root, "homedock.yaml");
  compose = path.join(root, "docker-compose.yml");
  mkdirSync(`${root}/home`);
  mkdirSync(`${root}/data`);
  writeFileSync(config, yaml({ memory: "64m", shellImage: image, carol: true }));
  const rendered = await homedock(["compose", "-c", config, "-o", compose]);
  expect(rendered.status, rendered.stderr).toBe(0);
  await docker("compose", "-f", compose, "up", "-d", "--wait");
}, 300_000);

afterAll(async () => {
  if (compose) await dockerStatus("compose", "-f", compose, "down", "-v", "--remove-orphans");
  // carol's volumes, which the last Compose file no longer names (they carry the host's label).
  if (host) {
    const left = (await docker("volume", "ls", "-q", "--filter", `label=homedock.host=${host}`)).split("\n").filter(Boolean);
    if (left.length > 0) await dockerStatus("volume", "rm", ...left);
  }
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("homedock compose --preview", () => {
  it("right after docker compose up: nothing changes, and nothing is written", async () => {
    const r = await homedock(["compose", "--preview", "-c", config, "-o", path.join(root, "preview.yml")]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`## homedock compose preview for host \`${host}\``);
    expect(r.stdout).toContain("**0 workspaces replaced, 0 removed, 0 added, 0 updated in place, 4 unchanged.**");
    expect(r.stdout).toContain("Nothing changes.");
    const json = await homedock(["compose", "--preview", "--format", "json", "-c", config]);
    expect(JSON.parse(json.stdout).containers).toEqual([]);
    expect(existsSync(path.join(root, "preview.yml"))).toBe(false);
  });

  it("after a change: names exactly what Compose recreates and removes, and why; Compose agrees", async () => {
    writeFileSync(config, yaml({ memory: "96m", shellImage: upgraded, carol: false }));
    const before = await containerIds();

    const r = await homedock(["compose", "--preview", "-c", config]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const md = r.stdout;
    expect(md).toContain("**3 workspaces replaced, 1 removed, 0 added, 0 updated in place, 0 unchanged.**");
    expect(md).toContain("| alice / web | restarted in a new container | memory 64m → 96m |");
    expect(md).toContain("| bob / web | restarted in a new container | memory 64m → 96m |");
    expect(md).toContain(`| alice / shell | restarted in a new container | image upgraded: \`${image}\` → \`${upgraded}\` |`);
    expect(md).toContain("| carol / web | removed | no longer in the config (files stay in the home) |");
    expect(md).toContain("- home of carol: no longer managed (the home stays)");
    expect(md).toContain(
      `- \`${host}-homes-web\` runs again for the homes of alice and bob (a home is made only where it is missing; an existing one is left as it is)`,
    );
    expect(md).toContain(`- \`${name("carol", "web")}\` removed (--remove-orphans)`);

    const json = await homedock(["compose", "--preview", "--format", "json", "-c", config]);
    expect(json.status).toBe(0);
    const preview = JSON.parse(json.stdout);
    expect(preview.containers).toEqual([
      { container: name("alice", "shell"), service: "alice.shell", change: "replaced", reasons: [`image upgraded: \`${image}\` → \`${upgraded}\``] },
      { container: name("alice", "web"), service: "alice.web", change: "replaced", reasons: ["memory 64m → 96m"] },
      { container: name("bob", "web"), service: "bob.web", change: "replaced", reasons: ["memory 64m → 96m"] },
      { container: name("carol", "web"), service: "carol.web", change: "removed", reasons: [] },
      // One home one-shot for web's image: it runs again, for alice and bob alone.
      { container: `${host}-homes-web`, service: "homes-web", change: "replaced", reasons: ["carol's home no longer made here"] },
    ]);
    // The preview changed nothing.
    expect(await containerIds()).toEqual(before);

    const rendered = await homedock(["compose", "-c", config, "-o", compose]);
    expect(rendered.status, rendered.stderr).toBe(0);
    await docker("compose", "-f", compose, "up", "-d", "--remove-orphans");
    const after = await containerIds();
    const recreated = Object.keys(before)
      .filter((c) => after[c] !== undefined && after[c] !== before[c])
      .sort();
    const removed = Object.keys(before)
      .filter((c) => after[c] === undefined)
      .sort();
    const created = Object.keys(after).filter((c) => before[c] === undefined);
    expect({ recreated, removed, created }).toEqual({
      recreated: preview.containers.filter((c: any) => c.change === "replaced").map((c: any) => c.container),
      removed: preview.containers.filter((c: any) => c.change === "removed").map((c: any) => c.container),
      created: [],
    });

    // And once Compose has converged, the preview has nothing more to say.
    const again = await homedock(["compose", "--preview", "--format", "json", "-c", config]);
    expect(JSON.parse(again.stdout).containers).toEqual([]);
  }, 300_000);

  it("exits 2 with one line when the Docker host does not answer", async () => {
    const r = await homedock(["compose", "--preview", "-c", config], { env: { DOCKER_HOST: `unix://${root}/no-docker.sock` } });
    expect([r.status, r.stdout]).toEqual([2, ""]);
    expect(r.stderr).toMatch(/^homedock compose --preview: the Docker host does not answer: Cannot connect to the Docker daemon at unix:\/\/.*\n$/);
  });
});
