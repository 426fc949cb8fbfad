// The README's library example bundled with esbuild into one file (homedock, cdktf,
// constructs and the Docker bindings in it), run from a folder with nothing else in it:
// the compiled code reads no file beside itself, so a bundled app synthesizes a Host.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { build } from "esbuild";
import { afterAll, expect, it } from "vitest";
import { literal } from "../../src/render/terraform";
import { containersByName } from "../helpers/synth";
import { readmeExample, repo, run } from "./project";

const work = mkdtempSync(path.join(tmpdir(), "homedock-bundle-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** `entry` bundled into `outfile`, one CommonJS file for node: homedock as `alias` says, the rest from the checkout's node_modules. */
function bundle(entry: string, outfile: string, alias: Record<string, string> = {}) {
  return build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "cjs",
    outfile,
    alias,
    nodePaths: [path.join(repo, "node_modules")],
    logLevel: "error",
  });
}

it("a bundle of the README's example synthesizes its stack, the seeder byte for byte", async () => {
  await run("npm", ["run", "--silent", "build"], repo);
  const app = path.join(work, "app");
  writeFileSync(path.join(work, "main.ts"), readmeExample());
  // homedock as its package is laid out
  await bundle(path.join(work, "main.ts"), path.join(app, "main.js"), { "homedock/constructs": path.join(repo, "dist/constructs/index.js") });
  expect(readdirSync(app)).toEqual(["main.js"]);
  await run("node", ["main.js"], app, { NODE_PATH: "" });
  const tf = JSON.parse(readFileSync(path.join(app, "cdktf.out/stacks/lab/cdk.tf.json"), "utf8"));
  expect(containersByName(tf)["alice/python"].name).toBe("lab-alice.python");
  expect(tf.locals.homedock_seeder).toBe(literal(readFileSync(path.join(repo, "src/container/seed/entrypoint.sh"), "utf8")));
});

it("a bundle of the homedock command validates and renders from a folder with nothing else in it, and carries the script users check runs", async () => {
  await run("npm", ["run", "--silent", "build"], repo);
  const app = path.join(work, "cli");
  await bundle(path.join(repo, "dist/src/cli/cli.js"), path.join(app, "homedock.js"));
  expect(readdirSync(app)).toEqual(["homedock.js"]);
  const bundled = readFileSync(path.join(app, "homedock.js"), "utf8");
  // The script `homedock users check` runs on the Docker host, in the code rather than beside it.
  // (A line of it without quotes or escapes, which the bundler may write another way.)
  const line = "@@homedock error: the image has no stat or cat";
  expect(readFileSync(path.join(repo, "src/container/root/host-accounts.sh"), "utf8")).toContain(line);
  expect(bundled).toContain(line);
  writeFileSync(path.join(app, "course.yaml"), readFileSync(path.join(repo, "examples/course.yaml"), "utf8"));
  const said = await run("node", ["homedock.js", "validate", "-c", "course.yaml"], app, { NODE_PATH: "" });
  expect(said.stdout).toContain("host course: 5 workspaces for 3 users");
  await run("node", ["homedock.js", "compose", "-c", "course.yaml", "-o", "out/docker-compose.yml"], app, { NODE_PATH: "" });
  expect(readdirSync(path.join(app, "out/homedock-secrets/frontdoor")).sort()).toEqual([
    "Caddyfile",
    "error.html",
    "login-cookie-secret",
    "login-htpasswd",
    "login-limit.cfg",
    "sign_in.html",
  ]);
});
