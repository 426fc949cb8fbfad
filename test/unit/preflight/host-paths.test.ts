// Host paths Docker would refuse to bind, found by the preflight before a deploy when
// this machine is the Docker host (the commands: test/integration/cli/host-paths-command.test.ts).
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/config/issues";
import { dockerIsLocal } from "../../../src/preflight/local-engine";
import { preflight } from "../../../src/preflight/preflight";
import type { ConfigInput } from "../../../src/config/schema";
import { buildModel, type HostModel } from "../../../src/model/model";

const work = mkdtempSync(path.join(tmpdir(), "homedock-host-paths-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** alice in the home root, bob with a home of his own elsewhere, one shared mount. */
function config(dir: string, host: Partial<NonNullable<ConfigInput["host"]>> = {}): ConfigInput {
  return {
    host: { name: "lab", homeRoot: `${dir}/homes`, sharedMounts: [{ source: `${dir}/data` }], ...host },
    environments: [{ name: "py", image: "lab/py:1", command: ["jupyter", "notebook"] }],
    users: [
      { name: "alice", uid: 1001, gid: 1001 },
      { name: "bob", uid: 1002, gid: 1002, home: `${dir}/other/bob` },
    ],
  };
}

/** The missing host paths as the commands write them, one line each (on a local engine, whatever DOCKER_HOST the tests run with). */
const missingHostPaths = (model: HostModel) => preflight(model, { hostPaths: "warn", env: {} });

/** The problems a deploy refuses the config with. */
function refused(model: HostModel): ConfigError {
  try {
    preflight(model, { hostPaths: "refuse", env: {} });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  return expect.unreachable("the preflight refused nothing");
}

describe("missing host paths", () => {
  const dir = mkdtempSync(path.join(work, "paths-"));

  it("names the home root, the parent of a home of its own and a shared mount's source, each on one line", () => {
    expect(missingHostPaths(buildModel(config(dir)))).toEqual([
      `host.homeRoot: got "${dir}/homes"; expected a directory on the Docker host (this machine): missing homes are created in it`,
      `users[1].home: got "${dir}/other/bob"; expected a home whose parent directory ${dir}/other exists on the Docker host (this machine)`,
      `host.sharedMounts[0].source: got "${dir}/data"; expected a directory that exists on the Docker host (this machine)`,
    ]);
    // Each is also a problem of its field, with the path as its value.
    expect(refused(buildModel(config(dir))).issues[1]).toEqual({
      path: ["users", 1, "home"],
      message: `expected a home whose parent directory ${dir}/other exists on the Docker host (this machine)`,
      value: `${dir}/other/bob`,
      hasValue: true,
    });
  });

  it("asks for the homes themselves when the deploy creates none", () => {
    for (const d of ["homes", "other", "data", "homes/alice"]) mkdirSync(path.join(dir, d), { recursive: true });
    expect(missingHostPaths(buildModel(config(dir)))).toEqual([]);
    expect(missingHostPaths(buildModel(config(dir, { createHomes: false })))).toEqual([
      `users[1].home: got "${dir}/other/bob"; expected an existing home on the Docker host (this machine): createHomes is false, so the deploy creates none`,
    ]);
  });

  it("are looked for only where the Docker engine is this machine's", () => {
    expect(
      [undefined, "", "unix:///var/run/docker.sock", "unix://", "ssh://admin@lab", "tcp://10.0.0.5:2376"].map((h) =>
        dockerIsLocal(h === undefined ? {} : { DOCKER_HOST: h }),
      ),
    ).toEqual([true, true, true, true, false, false]);
  });
});
