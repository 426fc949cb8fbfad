// The byte-identical guard for refactors (issue 23): renders every test config's Compose
// file, Caddyfile (with fixed password hashes) and synthesized cdk.tf.json, and prints a
// sha256 per output. Save its output before a change and compare after: a pure move of
// code must leave every line the same. `npx tsx scripts/render-snapshot.ts > /tmp/before.txt`
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
// Only the public API: it keeps its paths while the folders under it move.
import { buildModel, type HostModel, loadConfig, renderCaddyfile, renderCompose, synth } from "../src/index";
import { configObject } from "../test/helpers/config-cases";
import { courseConfig, frontDoorConfig } from "../test/helpers/synth";

const configs: [string, () => HostModel][] = [
  [
    "config-cases base",
    () =>
      buildModel(
        configObject(() => {}),
        "base",
      ),
  ],
  [
    "config-cases with a front door",
    () =>
      buildModel(
        configObject((c: { frontDoor?: object }) => (c.frontDoor = { site: "lab.example.org" })),
        "fd",
      ),
  ],
  ["courseConfig", () => buildModel(courseConfig(), "course")],
  ["frontDoorConfig", () => buildModel(frontDoorConfig(), "frontdoor")],
  ["frontDoorConfig alice", () => buildModel(frontDoorConfig(["alice"]), "frontdoor1")],
  ["examples/course.yaml", () => loadConfig(path.join(__dirname, "..", "examples", "course.yaml"))],
];

const sha = (text: string) => createHash("sha256").update(text).digest("hex");
const hashes = (model: HostModel) => Object.fromEntries(model.users.map((u, i) => [u.name, `$2b$10$${"x".repeat(52 - String(i).length)}${i}`]));

for (const [name, build] of configs) {
  const model = build();
  console.log(`${sha(renderCompose(model))}  ${name}: docker-compose.yml`);
  if (model.frontDoor !== undefined) console.log(`${sha(renderCaddyfile(model, hashes(model)))}  ${name}: Caddyfile`);
  const dir = mkdtempSync(path.join(tmpdir(), "homedock-snapshot-"));
  try {
    const file = synth(model, path.join(dir, "cdktf.out"));
    console.log(`${sha(readFileSync(file, "utf8"))}  ${name}: cdk.tf.json`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
