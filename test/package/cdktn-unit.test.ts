// The unit suite on CDK Terrain: a copy of the checkout whose `cdktf` is cdktn 0.24
// (an npm alias, as a user switches; see README), with the Docker bindings and
// constructs installed beside it so that they load cdktn too. Everything else is the
// checkout's own node_modules, linked.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, expect, it } from "vitest";
import { pinned, repo, run } from "./project";

const work = mkdtempSync(path.join(tmpdir(), "homedock-cdktn-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Links each of the checkout's packages (and commands) that `modules` does not have already. */
function linkMissing(from: string, modules: string): void {
  mkdirSync(modules, { recursive: true });
  for (const entry of readdirSync(from)) {
    const target = path.join(modules, entry);
    if (entry.startsWith("@") || entry === ".bin") linkMissing(path.join(from, entry), target);
    else if (!existsSync(target) && entry !== ".package-lock.json") symlinkSync(path.join(from, entry), target);
  }
}

it("passes on cdktn 0.24", async () => {
  const pkg = {
    name: "homedock-on-cdktn",
    private: true,
    // cdktn 0.24 takes constructs 10.6 or 10.7; the override gives the bindings' cdktf peer the alias.
    dependencies: { cdktf: "npm:cdktn@0.24.0", constructs: "10.7.2", "@cdktf/provider-docker": pinned("@cdktf/provider-docker") },
    overrides: { cdktf: "$cdktf" },
  };
  writeFileSync(path.join(work, "package.json"), JSON.stringify(pkg));
  await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--no-package-lock"], work);
  expect(JSON.parse(readFileSync(path.join(work, "node_modules/cdktf/package.json"), "utf8")).name).toBe("cdktn");
  linkMissing(path.join(repo, "node_modules"), path.join(work, "node_modules"));
  for (const entry of [
    "main.ts",
    "cdktf.json",
    "tsconfig.json",
    "vitest.config.ts",
    "homedock.schema.json",
    "README.md",
    "constructs",
    "src",
    "test",
    "examples",
    "scripts",
  ]) {
    cpSync(path.join(repo, entry), path.join(work, entry), { recursive: true });
  }

  const r = await run(path.join(work, "node_modules/.bin/vitest"), ["run", "--project", "unit"], work, { FORCE_COLOR: "0", NO_COLOR: "1" });
  // Every file and every test passed: none failed or skipped.
  expect(r.stdout).toMatch(/^ *Test Files {2}(\d+) passed \(\1\)$/m);
  expect(r.stdout).toMatch(/^ *Tests {2}(\d+) passed \(\1\)$/m);
}, 1_200_000);
