// The seeder in a real container started from the model's ContainerSpec with
// `docker run`: as the workspace user, and with a read-only root filesystem.
import { chownSync, lstatSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildModel } from "../../src/model/model";
import { workspaceContainer } from "../../src/container/container";
import { busyboxImage, dockerRunArgs, dockerStatus, requireDocker, scenarioRoot, uniqueName } from "../helpers/docker";

let root: string;
let image: string;
beforeAll(() => {
  requireDocker();
  image = busyboxImage("seed-v1", { "welcome.txt": "hello from the image\n", "lib/helper.py": "print('hi')\n", ".cache/big": "skip me\n" });
  root = scenarioRoot("seeddocker");
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("a workspace container with a read-only root filesystem", () => {
  it("seeds the environment directory as the user and starts the server there", async () => {
    const name = uniqueName("hds");
    const model = buildModel({
      host: { name, homeRoot: `${root}/home`, sharedMounts: [] },
      environments: [{ name: "py", image, command: ["sh", "-c", "pwd; id -u; ls -A"] }],
      users: [{ name: "dana", uid: 2301, gid: 2301 }],
    });
    mkdirSync(`${root}/home/dana`, { recursive: true, mode: 0o700 });
    chownSync(`${root}/home/dana`, 2301, 2301);
    const spec = workspaceContainer(model, model.workspaces[0]);
    // Attached: the first start's output (the restart policy may start it again; it is removed below).
    const r = await dockerStatus("run", "--read-only", "--tmpfs", "/tmp", ...dockerRunArgs(spec));
    await dockerStatus("rm", "-f", spec.name);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${root}/home/dana/py\n2301\n.homedock\nlib\nwelcome.txt\n`);
    expect(r.stderr).toBe(`homedock-seed: copied 3 new entries into ${root}/home/dana/py\n`);
    for (const p of ["py", "py/welcome.txt", "py/lib", "py/lib/helper.py", "py/.homedock"]) {
      const st = lstatSync(`${root}/home/dana/${p}`);
      expect([p, st.uid, st.gid]).toEqual([p, 2301, 2301]);
    }
    expect(readFileSync(`${root}/home/dana/py/welcome.txt`, "utf8")).toBe("hello from the image\n");
  });
});
