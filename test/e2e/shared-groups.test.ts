// A shared folder per group, brought up through the Compose output with busybox
// workspaces: teaching assistants write it, students only read it, anyone else does not
// see it; and a student made a TA gets it read-write in a new container, no one else's
// container restarting.
import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConfigInput } from "../../src/config/schema";
import { buildModel } from "../../src/model/model";
import { writeCompose } from "../../src/output/output";
import { busyboxImage, docker, dockerStatus, requireDocker, scenarioRoot, uniqueName } from "../helpers/docker";

const exec = promisify(execFile);

let root: string;
let project: string;
let file: string;
let image: string;

/** tina is a TA, sam a student, olga in neither group. */
function config(samGroups: string[]): ConfigInput {
  return {
    host: {
      name: project,
      homeRoot: `${root}/home`,
      sharedMounts: [
        { source: `${root}/data`, target: "/srv/data" },
        { source: `${root}/course`, target: "/srv/course", groups: ["tas", "students"], writableFor: ["tas"] },
      ],
    },
    environments: [{ name: "py", image, command: ["httpd", "-f", "-p", "8888"], memory: "64m" }],
    users: [
      { name: "tina", uid: 2401, gid: 2401, groups: ["tas"] },
      { name: "sam", uid: 2402, gid: 2402, groups: samGroups },
      { name: "olga", uid: 2403, gid: 2403 },
    ],
  };
}

async function up(samGroups: string[]): Promise<void> {
  writeCompose(buildModel(config(samGroups)), file);
  await exec("docker", ["compose", "-f", file, "up", "-d", "--wait"], { maxBuffer: 16 << 20 });
}

const name = (user: string) => `${project}-${user}.py`;
const write = (user: string, what: string) => dockerStatus("exec", name(user), "sh", "-c", `echo ${what} > /srv/course/${what}`);
const ids = async () =>
  Object.fromEntries(await Promise.all(["tina", "sam", "olga"].map(async (u) => [u, (await docker("inspect", "-f", "{{.Id}}", name(u))).trim()])));

beforeAll(async () => {
  requireDocker();
  image = busyboxImage("seed-v1", { "welcome.txt": "hello from the image\n" });
  root = scenarioRoot("shared-groups");
  project = uniqueName("hdg");
  file = path.join(root, "docker-compose.yml");
  for (const d of ["home", "data", "course"]) mkdirSync(`${root}/${d}`);
  // Open to every uid: only the mount's read-only flag can stop a write.
  chmodSync(`${root}/course`, 0o777);
  writeFileSync(`${root}/course/notebook.ipynb`, "{}\n");
  await up(["students"]);
}, 300_000);

afterAll(async () => {
  if (file) await dockerStatus("compose", "-f", file, "down", "-v", "--remove-orphans");
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("a shared folder for groups, writable for one", () => {
  it("a TA writes it", async () => {
    const r = await write("tina", "solution");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(readFileSync(`${root}/course/solution`, "utf8")).toBe("solution\n");
  });

  it("a student reads it, and cannot write it: a read-only file system", async () => {
    expect(await docker("exec", name("sam"), "cat", "/srv/course/notebook.ipynb")).toBe("{}\n");
    const r = await write("sam", "cheat");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/Read-only file system/);
  });

  it("a user in neither group does not see it, and still has the data everyone gets", async () => {
    expect((await dockerStatus("exec", name("olga"), "ls", "/srv/course")).status).not.toBe(0);
    expect(await docker("exec", name("olga"), "cat", "/proc/self/mountinfo")).not.toContain("/srv/course");
    expect((await dockerStatus("exec", name("olga"), "ls", "/srv/data")).status).toBe(0);
  });

  it("a student made a TA: only that student's workspace is re-created, and it writes", async () => {
    const before = await ids();
    await up(["students", "tas"]);
    const after = await ids();
    expect([after.tina, after.olga]).toEqual([before.tina, before.olga]);
    expect(after.sam).not.toBe(before.sam);
    expect((await write("sam", "feedback")).status).toBe(0);
    expect(readFileSync(`${root}/course/feedback`, "utf8")).toBe("feedback\n");
  });
});
