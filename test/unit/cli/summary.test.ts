// What `npm start` and the render commands print after what a config declares: each
// user's URL at the front door, and who is locked out for want of a password.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { summary } from "../../../src/cli/config-file";
import { buildModel } from "../../../src/model/model";
import { courseConfig, frontDoorConfig } from "../../helpers/synth";

const work = mkdtempSync(path.join(tmpdir(), "homedock-summary-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const HASH = `$2b$04$${"a".repeat(53)}`;

describe("summary", () => {
  it("gives each user with a route a URL, with the port when it is not 443, and names who has no password", () => {
    const config = frontDoorConfig(["alice", "bob", "dave"]);
    const secrets = path.join(work, "lab");
    mkdirSync(path.join(secrets, "homedock-secrets"), { recursive: true });
    const model = buildModel(config);
    const alice = model.users.find((u) => u.name === "alice")!;
    writeFileSync(path.join(secrets, "homedock-secrets/passwords.json"), JSON.stringify({ alice: { hash: HASH, uid: alice.uid } }));
    const lines = summary(model, secrets).split("\n");
    const at = lines.indexOf("front door: https://lab.example.org:8443/user/<user>/");
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 4)).toEqual([
      "  alice: https://lab.example.org:8443/user/alice/",
      "  bob: https://lab.example.org:8443/user/bob/",
      "  dave: https://lab.example.org:8443/user/dave/",
    ]);
    expect(lines.filter((l) => l.includes("locked out"))).toEqual([
      "warning: bob has no password (homedock passwd bob): locked out of the front door until one is set",
      "warning: dave has no password (homedock passwd dave): locked out of the front door until one is set",
    ]);
  });

  it("leaves the port out at 443, and a user whose workspaces have no route out of the URLs", () => {
    const model = buildModel({
      host: { name: "lab" },
      frontDoor: { site: "course.example.org" },
      environments: [
        { name: "py", image: "lab/py:1", command: ["jupyter", "lab"], jupyter: "server", groups: ["stats"] },
        { name: "shell", image: "lab/shell:1", command: ["sleep", "infinity"] },
      ],
      users: [
        { name: "alice", uid: 2001, gid: 2001, groups: ["stats"] },
        { name: "erin", uid: 2101, gid: 2101 },
      ],
    });
    const text = summary(model);
    expect(text).toContain("\n  alice: https://course.example.org/user/alice/\n");
    // erin has only a workspace without jupyter: no route, no page, no URL.
    expect(text).not.toContain("erin: https://");
  });

  it("prints no URLs without a front door", () => {
    expect(summary(buildModel(courseConfig()))).not.toContain("https://");
  });
});
