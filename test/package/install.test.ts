// The packed tarball in new cdktf projects: the README's library example built with
// tsc and run with node, run with ts-node, and the homedock command; then the same
// under CDK Terrain (cdktn, the maintained fork of cdktf) through an npm alias.
import { execFileSync } from "node:child_process";
import { builtinModules } from "node:module";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/model/load";
import { synth } from "../../src/output/output";
import { literal } from "../../src/render/terraform";
import { containersByName, type Json } from "../helpers/synth";
import { declared, pack, pinned, repo, run, stack, userProject } from "./project";

const INSTALL = 600_000;
const work = mkdtempSync(path.join(tmpdir(), "homedock-package-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let tarball = "";
let cdktfApp = "";
/** The README example's stack from the cdktf project, kept: a later synth there replaces cdktf.out. */
let labStack: Json = {};
beforeAll(async () => {
  tarball = await pack(mkdtempSync(path.join(work, "pack-")));
  cdktfApp = await userProject(path.join(work, "cdktf-app"), tarball, {
    cdktf: pinned("cdktf"),
    constructs: pinned("constructs"),
    "@cdktf/provider-docker": pinned("@cdktf/provider-docker"),
  });
}, INSTALL);

const example = path.join(repo, "examples/course.yaml");
const seeder = readFileSync(path.join(repo, "src/container/seed/entrypoint.sh"), "utf8");
const bin = (dir: string, name: string) => path.join(dir, "node_modules/.bin", name);

/** The README example's stack: alice's Python workspace and what it needs. */
function expectLabStack(tf: Json): void {
  const alice = containersByName(tf)["alice/python"];
  expect(alice.name).toBe("lab-alice.python");
  expect(alice.user).toBe("1001:1001");
  expect(alice.mounts).toContainEqual(expect.objectContaining({ type: "bind", source: "/home/alice", target: "/home/alice" }));
  expect(Object.values<Json>(tf.resource.docker_image).map((i) => i.name)).toEqual(["lab/python:1"]);
  expect(Object.values<Json>(tf.resource.docker_network).map((n) => n.name)).toEqual(["lab"]);
  expect(tf.terraform.required_providers.docker.version).toBe("4.5.0");
  // The seeder the compiled code read is the one in the checkout.
  expect(tf.locals.homedock_seeder).toBe(literal(seeder));
}

/** The bundled example as the checkout's sources synthesize it. */
function fromSources(): Json {
  const out = mkdtempSync(path.join(work, "sources-"));
  synth(loadConfig(example), out);
  return declared(JSON.parse(readFileSync(path.join(out, "stacks/course/cdk.tf.json"), "utf8")));
}

describe("the package", () => {
  it("ships compiled JavaScript, declarations, the seeder, the examples, the schema and the command's entry; no sources", () => {
    const files = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" })
      .trim()
      .split("\n")
      .map((f) => f.replace(/^package\//, ""));
    expect(files.filter((f) => !/^(dist|examples)\//.test(f)).sort()).toEqual(["README.md", "bin/homedock.js", "homedock.schema.json", "package.json"]);
    expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
    // Every shell script the compiled code reads, beside it.
    const scripts = execFileSync("find", ["src", "-name", "*.sh"], { cwd: repo, encoding: "utf8" }).trim().split("\n");
    expect(scripts).toContain("src/container/seed/entrypoint.sh");
    for (const script of scripts) expect(files).toContain(`dist/${script}`);
    for (const f of [
      "dist/src/index.js",
      "dist/src/index.d.ts",
      "dist/constructs/index.js",
      "dist/constructs/index.d.ts",
      "dist/src/cli/cli.js",
      "dist/main.js",
      "examples/course.yaml",
    ]) {
      expect(files).toContain(f);
    }
  });

  it("needs no tsx, nor anything else the checkout develops with, at run time", () => {
    const installed = path.join(cdktfApp, "node_modules/homedock");
    const manifest = JSON.parse(readFileSync(path.join(installed, "package.json"), "utf8"));
    const declaredDeps = new Set([...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies)]);
    const code = execFileSync("find", ["dist", "-name", "*.js"], { cwd: installed, encoding: "utf8" }).trim().split("\n");
    const required = new Set(code.flatMap((f) => [...readFileSync(path.join(installed, f), "utf8").matchAll(/\brequire\("([^".][^"]*)"\)/g)].map((m) => m[1])));
    const packages = [...required]
      .filter((r) => !r.startsWith("node:") && !builtinModules.includes(r))
      .map((r) =>
        r
          .split("/")
          .slice(0, r.startsWith("@") ? 2 : 1)
          .join("/"),
      );
    expect(packages).toContain("cdktf");
    expect(packages.filter((p) => !declaredDeps.has(p))).toEqual([]);
    expect(declaredDeps.has("tsx")).toBe(false);
    expect(existsSync(path.join(cdktfApp, "node_modules/tsx"))).toBe(false);
    // One cdktf in the project: the app's stack and homedock's constructs share it.
    expect(existsSync(path.join(cdktfApp, "node_modules/homedock/node_modules"))).toBe(false);
  });
});

describe("in a new cdktf project (cdktf init --template=typescript)", () => {
  it("tsc, then node main.js, synthesizes the README's library example", async () => {
    await run(bin(cdktfApp, "tsc"), [], cdktfApp);
    await run("node", ["main.js"], cdktfApp);
    labStack = stack(cdktfApp, "lab");
    expectLabStack(labStack);
  });

  it("ts-node main.ts synthesizes the same stack", async () => {
    rmSync(path.join(cdktfApp, "cdktf.out"), { recursive: true });
    await run(bin(cdktfApp, "ts-node"), ["main.ts"], cdktfApp);
    expect(declared(stack(cdktfApp, "lab"))).toEqual(declared(labStack));
  });

  it("npx homedock validate and synth read the bundled example and write what the sources write", async () => {
    const validate = await run("npx", ["homedock", "validate"], cdktfApp);
    expect(validate.stdout).toMatch(/^host course: 5 workspaces for 3 users$/m);
    expect(existsSync(path.join(cdktfApp, "cdktf.out/stacks/course"))).toBe(false);
    await run("npx", ["homedock", "synth"], cdktfApp);
    const tf = stack(cdktfApp, "course");
    expect(Object.keys(containersByName(tf)).sort()).toEqual([
      "alice/python-course",
      "alice/r-intro",
      "bob/python-course",
      "carol/python-course",
      "carol/r-intro",
      "docker-filter",
      "frontdoor",
      "frontdoor-setup",
      // One home one-shot for the three: their first environment's image is the same.
      "homes-python-course",
      "login",
      "sign-in",
      "sign-in-limit",
    ]);
    expect(existsSync(path.join(cdktfApp, "cdktf.out/stacks/course/terraform.tfvars.json"))).toBe(true);
    expect(declared(tf)).toEqual(fromSources());
  });

  it("type-checks without @types/node, from both entry points", async () => {
    writeFileSync(path.join(cdktfApp, "root.ts"), 'import { Host, loadConfig } from "homedock";\n\nexport const api = [Host, loadConfig];\n');
    const nodeTypes = path.join(cdktfApp, "node_modules/@types/node");
    renameSync(nodeTypes, `${nodeTypes}.away`);
    try {
      await run(bin(cdktfApp, "tsc"), ["--noEmit", "--incremental", "false"], cdktfApp);
    } finally {
      renameSync(`${nodeTypes}.away`, nodeTypes);
      rmSync(path.join(cdktfApp, "root.ts"));
    }
  });
});

describe("in a project on CDK Terrain (cdktf resolved to cdktn by an npm alias)", () => {
  let cdktnApp = "";
  beforeAll(async () => {
    cdktnApp = await userProject(
      path.join(work, "cdktn-app"),
      tarball,
      // cdktn 0.24 takes constructs 10.6 or 10.7; the Docker bindings name cdktf as their peer, which the override points at the alias.
      { cdktf: "npm:cdktn@0.24.0", constructs: "10.7.2", "@cdktf/provider-docker": pinned("@cdktf/provider-docker") },
      { cdktf: "$cdktf" },
    );
  }, INSTALL);

  it("has one cdktf, and it is cdktn", () => {
    expect(JSON.parse(readFileSync(path.join(cdktnApp, "node_modules/cdktf/package.json"), "utf8")).name).toBe("cdktn");
    expect(existsSync(path.join(cdktnApp, "node_modules/homedock/node_modules"))).toBe(false);
    expect(existsSync(path.join(cdktnApp, "node_modules/@cdktf/provider-docker/node_modules/cdktf"))).toBe(false);
  });

  it("synthesizes the README's example and the bundled example to the same resources as cdktf", async () => {
    await run(bin(cdktnApp, "tsc"), [], cdktnApp);
    await run("node", ["main.js"], cdktnApp);
    expectLabStack(stack(cdktnApp, "lab"));
    expect(declared(stack(cdktnApp, "lab"))).toEqual(declared(labStack));
    await run("npx", ["homedock", "synth"], cdktnApp);
    expect(declared(stack(cdktnApp, "course"))).toEqual(fromSources());
  });
});
