// `homedock review` as a process: arguments, standard input, exit codes, one-line errors.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { REVIEW_EXIT } from "../../../src/review/review";
import { homedock } from "../../helpers/cli";

const fixtures = path.resolve(__dirname, "../../fixtures/plans");
const plan = (name: string) => readFileSync(path.join(fixtures, `${name}.json`), "utf8");

describe("homedock review (the command)", () => {
  const review = (args: string[], input?: string) => homedock(["review", ...args], { input });

  it("prints the Markdown and exits by policy", async () => {
    const r = await review([path.join(fixtures, "upgrade-image.json"), "--fail-on-replace"]);
    expect(r.status).toBe(REVIEW_EXIT.replace);
    expect(r.stdout).toContain("### ⚠ Servers that stop");
  });

  it("reads standard input", async () => {
    const r = await review(["-"], plan("add-user"));
    expect([r.status, r.stdout.includes("**dave**: gains py")]).toEqual([0, true]);
  });

  it("exits 2 with one line for what it cannot read", async () => {
    const bad = await review(["-"], "{");
    expect([bad.status, bad.stdout, bad.stderr.split("\n").filter(Boolean).length]).toEqual([REVIEW_EXIT.unreadable, "", 1]);
    expect(bad.stderr).toMatch(/^homedock review: not JSON/);
    const missing = await review(["/nonexistent/plan.json"]);
    expect([missing.status, missing.stderr.trim()]).toEqual([REVIEW_EXIT.unreadable, "homedock review: cannot read /nonexistent/plan.json: ENOENT"]);
  });
});
