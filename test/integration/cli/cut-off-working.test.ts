// After a cut-off apply, homedock removes nothing while a process still works in the
// stack's directory: a Terraform that homedock no longer waits for (its homedock killed)
// may still be creating what would look left over.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, expect, it } from "vitest";
import { applyingFile, cutOff } from "../../../src/cli/cut-off";

const stack = mkdtempSync(path.join(tmpdir(), "homedock-cutoff-working-"));
afterAll(() => rmSync(stack, { recursive: true, force: true }));

it("refuses while another process works in the stack's directory, naming its pid, and asks the engine nothing", async () => {
  writeFileSync(path.join(stack, "cdk.tf.json"), JSON.stringify({ provider: { docker: [{}] }, resource: { docker_container: { a: { name: "lab-a.py" } } } }));
  writeFileSync(applyingFile(stack), JSON.stringify({ pid: 2 ** 22 + 1 }));
  const asked: string[][] = [];
  const engine = async (args: readonly string[]) => {
    asked.push([...args]);
    return { status: 0, stdout: "a9\tlab-a.py\n", stderr: "" };
  };
  const stand = spawn("sleep", ["60"], { cwd: stack, stdio: "ignore" });
  try {
    await new Promise((r) => setTimeout(r, 200));
    await expect(cutOff(stack, "lab", engine)).rejects.toThrow(
      `a process that is not homedock is working in ${stack} (pid ${stand.pid}; Terraform?): wait for it to end`,
    );
    expect(asked).toEqual([]);
  } finally {
    stand.kill();
  }
  await new Promise((r) => stand.on("close", r));
  // Once it has ended: what the cut-off apply left.
  expect(await cutOff(stack, "lab", engine)).toEqual([{ kind: "container", id: "a9", name: "lab-a.py" }]);
});
