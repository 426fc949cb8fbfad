// `homedock --help` loads none of what the commands load when they run: the config reader
// (zod, js-yaml), the renderers (cdktf), the plan review (zod), the importer (yaml) and
// bcrypt were most of its start (bench/cli-start.ts, target 0.15 s). A static import of
// any of them anywhere on the way from src/cli/cli.ts puts them back, as one did unseen
// from 0.12 s to 0.19 s; this test names the module and what pulled it in.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../../..");
const work = mkdtempSync(path.join(tmpdir(), "homedock-help-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The packages a command loads when it runs, never for --help. */
const LOADED_BY_COMMANDS = ["zod", "js-yaml", "yaml", "cdktf", "constructs", "@cdktf/provider-docker", "bcryptjs", "diff"];

describe("homedock --help", () => {
  it("loads none of the modules the commands load when they run", () => {
    const record = path.join(work, "loaded");
    const hook = path.join(work, "hook.cjs");
    // Each package required, by its name, with the file that required it.
    writeFileSync(
      hook,
      `const Module = require("node:module"); const fs = require("node:fs"); const seen = [];
       const load = Module._load;
       Module._load = function (request, parent, isMain) {
         if (!request.startsWith(".") && !request.startsWith("/") && !request.startsWith("node:")) seen.push(request + " " + (parent ? parent.filename : ""));
         return load.apply(this, arguments);
       };
       process.on("exit", () => fs.writeFileSync(${JSON.stringify(record)}, seen.join("\\n")));`,
    );
    const tsx = pathToFileURL(require.resolve("tsx")).href;
    const r = spawnSync(process.execPath, ["--require", hook, "--import", tsx, path.join(root, "src/cli/cli.ts"), "--help"], { encoding: "utf8", cwd: work });
    expect([r.status, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toContain("Usage: homedock");
    const loaded = readFileSync(record, "utf8").split("\n");
    const packageOf = (line: string) => {
      const name = line.split(" ")[0];
      return name.startsWith("@") ? name.split("/").slice(0, 2).join("/") : name.split("/")[0];
    };
    // The hook sees the modules --help does load (commander), so an empty list below is one it checked.
    expect(loaded.map(packageOf)).toContain("commander");
    expect(loaded.filter((line) => LOADED_BY_COMMANDS.includes(packageOf(line))).map((line) => line.replace(root, "."))).toEqual([]);
  });
});
