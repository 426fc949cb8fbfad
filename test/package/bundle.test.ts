// The README's library example bundled with esbuild into one file (homedock, cdktf,
// constructs and the Docker bindings in it), run from a folder with nothing else in it:
// the compiled code reads no file beside itself, so a bundled app synthesizes a Host.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { build } from "esbuild";
import { afterAll, expect, it } from "vitest";
import { literal } from "../../src/render/terraform";
import { containersByName } from "../helpers";
import { readmeExample, repo, run } from "./project";

const work = mkdtempSync(path.join(tmpdir(), "homedock-bundle-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

it("a bundle of the README's example synthesizes its stack, the seeder byte for byte", async () => {
  await run("npm", ["run", "--silent", "build"], repo);
  const app = path.join(work, "app");
  writeFileSync(path.join(work, "main.ts"), readmeExample());
  await build({
    entryPoints: [path.join(work, "main.ts")],
    bundle: true,
    platform: "node",
    format: "cjs",
    outfile: path.join(app, "main.js"),
    // homedock as its package is laid out, the rest from the checkout's node_modules
    alias: { "homedock/constructs": path.join(repo, "dist/constructs/index.js") },
    nodePaths: [path.join(repo, "node_modules")],
    logLevel: "error",
  });
  expect(readdirSync(app)).toEqual(["main.js"]);
  await run("node", ["main.js"], app, { NODE_PATH: "" });
  const tf = JSON.parse(readFileSync(path.join(app, "cdktf.out/stacks/lab/cdk.tf.json"), "utf8"));
  expect(containersByName(tf)["alice/python"].name).toBe("lab-alice.python");
  expect(tf.locals.homedock_seeder).toBe(literal(readFileSync(path.join(repo, "src/container/seed/entrypoint.sh"), "utf8")));
});
