import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SEEDER_SCRIPT } from "../../../src/container/container";
import { START_SCRIPT } from "../../../src/render/terraform";
import { containersByName, courseConfig, synthHost } from "../../helpers/synth";

// Terraform itself reads the synthesized strings back: what it evaluates must be
// exactly what was meant, "${" and "%{" included.
describe("strings in the synthesized stack, as Terraform evaluates them", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "homedock-tfstr-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("are the seeder script, the root containers' start script and the values given, to the byte", () => {
    const config = courseConfig();
    const tricky = '${USER} %{if x} $$ \\ "q" ${';
    config.environments[0] = { ...config.environments[0], env: { TRICKY: tricky }, command: ["echo", tricky] };
    const tf = synthHost(config);
    const bob = containersByName(tf)["bob/python-course"];
    writeFileSync(
      path.join(dir, "main.tf.json"),
      JSON.stringify({
        locals: tf.locals,
        output: {
          seeder: { value: "${local.homedock_seeder}" },
          start: { value: "${local.homedock_start}" },
          env: { value: bob.env.find((e: string) => e.startsWith("TRICKY=")) },
          command: { value: bob.command },
        },
      }),
    );
    const tfenv = { ...process.env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" };
    execFileSync("terraform", ["init", "-input=false"], { cwd: dir, env: tfenv, stdio: "pipe" });
    execFileSync("terraform", ["apply", "-auto-approve", "-input=false"], { cwd: dir, env: tfenv, stdio: "pipe" });
    const out = JSON.parse(execFileSync("terraform", ["output", "-json"], { cwd: dir, env: tfenv }).toString());
    expect(out.seeder.value).toBe(SEEDER_SCRIPT);
    expect(out.start.value).toBe(START_SCRIPT);
    expect(out.env.value).toBe(`TRICKY=${tricky}`);
    expect(out.command.value).toEqual(["echo", tricky]);
  });
});
