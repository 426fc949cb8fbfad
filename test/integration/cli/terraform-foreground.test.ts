// homedock runs Terraform as a shell runs a command in the foreground: an admin's Ctrl-C
// (SIGINT to the terminal's whole process group) reaches Terraform, which stops what it
// is doing and writes its state; homedock waits for it and exits with its status, rather
// than dying at once and leaving it running behind the prompt.
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../../..");
const work = mkdtempSync(path.join(tmpdir(), "homedock-foreground-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A stand-in Terraform: marks that it runs, then on SIGINT takes a while to stop (writing its state), and exits 130. */
const standIn = path.join(work, "terraform");
const running = path.join(work, "running");
writeFileSync(
  standIn,
  `#!/bin/sh\ntrap 'echo stopping; sleep 1; echo state written; exit 130' INT\necho applying\n: > ${running}\nwhile :; do sleep 0.1; done\n`,
);
chmodSync(standIn, 0o755);

/**
 * Runs the stand-in through homedock's Terraform runner (its output on the terminal, or
 * captured as `show -json`'s is) in a process group of its own, and sends SIGINT to the
 * group once the stand-in runs: what a terminal does at Ctrl-C.
 */
async function interrupted(method: "run" | "capture"): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  rmSync(running, { force: true });
  const program = [
    `const { systemTerraform } = require(${JSON.stringify(path.join(root, "src/cli/terraform.ts"))});`,
    `const t = systemTerraform({ TERRAFORM_BINARY_NAME: ${JSON.stringify(standIn)} });`,
    method === "run"
      ? `const status = t.run(["apply"], ${JSON.stringify(work)});`
      : `const r = t.capture(["show", "-json"], ${JSON.stringify(work)}); const status = r.status; process.stdout.write(r.stdout);`,
    'console.log("homedock: terraform exited " + status);',
    "process.exitCode = status;",
  ].join("\n");
  const child = spawn(process.execPath, ["--import", pathToFileURL(path.join(root, "node_modules/tsx/dist/loader.mjs")).href, "-e", program], {
    cwd: work,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
  child.stderr.on("data", (c: Buffer) => (out += c.toString("utf8")));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal })),
  );
  const until = Date.now() + 60_000;
  while (!existsSync(running)) {
    if (Date.now() > until) throw new Error(`the stand-in never ran:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  process.kill(-child.pid!, "SIGINT");
  const status = await closed;
  return { ...status, out };
}

describe("Terraform under homedock, interrupted by Ctrl-C", () => {
  it.each(["run", "capture"] as const)("homedock waits for Terraform to stop and exits with its status (%s)", async (method) => {
    const r = await interrupted(method);
    expect({ code: r.code, signal: r.signal }, r.out).toEqual({ code: 130, signal: null });
    expect(r.out.split("\n").filter(Boolean)).toEqual(["applying", "stopping", "state written", "homedock: terraform exited 130"]);
  });
});
