// The GitHub Actions example an admin copies: actionlint (with shellcheck on every
// `run:`) passes it, and would catch what it once had, an exit status pasted into code.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const workflow = path.resolve(__dirname, "../../../examples/ci/homedock-plan.yml");
const work = mkdtempSync(path.join(tmpdir(), "homedock-ci-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function actionlint(file: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync("actionlint", ["-no-color", file], { encoding: "utf8" });
  if (r.error) throw new Error(`actionlint: ${r.error.message}; run scripts/setup-host.sh as root`);
  return r;
}

describe("examples/ci/homedock-plan.yml", () => {
  it("passes actionlint, shellcheck included", () => {
    const r = actionlint(workflow);
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("would fail it with the step's exit status written into the script", () => {
    const text = readFileSync(workflow, "utf8");
    const old = text.replace(/ {8}env:\n {10}STATUS: (\$\{\{ steps\.review\.outputs\.exit \}\})\n {8}run: exit "\$STATUS"\n/, "        run: exit $1\n");
    expect(old).not.toBe(text);
    const file = path.join(work, "old.yml");
    writeFileSync(file, old);
    const r = actionlint(file);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("SC2242");
  });
});
