// The published declarations in a TypeScript project without @types/node: `npm run
// build`, then tsc of a small consumer of both entry points with `types: []` and its
// declaration files checked (skipLibCheck off), so that a Node type in any of
// homedock's .d.ts is an error instead of being skipped.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { repo, run } from "./project";

const work = mkdtempSync(path.join(tmpdir(), "homedock-declarations-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const tsc = path.join(repo, "node_modules/.bin/tsc");

beforeAll(async () => {
  await run("npm", ["run", "--silent", "build"], repo);
  writeFileSync(
    path.join(work, "consumer.ts"),
    [
      'import * as homedock from "homedock";',
      'import * as constructs from "homedock/constructs";',
      "",
      "export const api = [homedock, constructs];",
      "export type Summary = ReturnType<typeof homedock.summarizePlan>;",
      'export const props: constructs.HostProps = { host: { name: "lab" }, environments: [], users: [] };',
      "",
    ].join("\n"),
  );
  const dist = (entry: string) => [path.join(repo, "dist", entry, "index.d.ts")];
  const compilerOptions = {
    strict: true,
    noEmit: true,
    target: "ES2022",
    lib: ["ES2022"],
    module: "commonjs",
    moduleResolution: "node",
    types: [],
    skipLibCheck: false,
    paths: { homedock: dist("src"), "homedock/constructs": dist("constructs") },
  };
  writeFileSync(path.join(work, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["consumer.ts"] }));
}, 300_000);

/** tsc in the consumer's project: its exit code and every line it printed. */
async function compile(...args: string[]): Promise<{ code: number; lines: string[] }> {
  try {
    const { stdout } = await promisify(execFile)(tsc, ["-p", ".", ...args], { cwd: work, encoding: "utf8", maxBuffer: 1 << 26 });
    return { code: 0, lines: stdout.split("\n").filter(Boolean) };
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    return { code: e.code ?? -1, lines: (e.stdout ?? "").split("\n").filter(Boolean) };
  }
}

it("loads no @types/node", async () => {
  const { code, lines } = await compile("--listFilesOnly");
  expect(code).toBe(0);
  expect(lines.some((f) => f.includes(`${path.sep}dist${path.sep}constructs${path.sep}host.d.ts`))).toBe(true);
  expect(lines.filter((f) => f.includes("@types/node"))).toEqual([]);
});

it("type-checks every homedock declaration: the only errors are in other packages' declarations", async () => {
  const { lines } = await compile();
  const errors = lines.filter((l) => /error TS\d+/.test(l));
  // (zod's declarations name URL, a DOM or Node global: skipLibCheck, on in most projects, hides that)
  expect(errors.filter((l) => !l.includes("node_modules/"))).toEqual([]);
});

it("compiles as a project with skipLibCheck (cdktf's template) compiles it", async () => {
  expect(await compile("--skipLibCheck")).toEqual({ code: 0, lines: [] });
});
