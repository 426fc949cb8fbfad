// Synth without stack traces: what cdktf records for every construct, at no cost to the output.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { App, TerraformStack } from "cdktf";
import { Host } from "../../../constructs/host";
import { loadConfig } from "../../../src/model/load";
import { withoutStackTraces } from "../../../src/output/stack-traces";

const root = path.resolve(__dirname, "../../..");

describe("withoutStackTraces", () => {
  it("captures no stack inside, even where a library raises the limit, and restores the limit after", () => {
    const before = Error.stackTraceLimit;
    const inside = withoutStackTraces(() => {
      Error.stackTraceLimit = Number.MAX_SAFE_INTEGER; // what cdktf does around each capture
      const holder: { stack?: string } = { stack: "" };
      Error.captureStackTrace(holder);
      return { holder: holder.stack, error: new Error("x").stack, message: new Error("kept").message };
    });
    expect(inside).toEqual({ holder: undefined, error: undefined, message: "kept" });
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error("after").stack).toContain("after");
  });

  it("restores the limit when the function throws", () => {
    const before = Error.stackTraceLimit;
    expect(() =>
      withoutStackTraces(() => {
        throw new Error("synth failed");
      }),
    ).toThrow("synth failed");
    expect(Error.stackTraceLimit).toBe(before);
    expect(Object.getOwnPropertyDescriptor(Error, "stackTraceLimit")).toMatchObject({ writable: true, value: before });
  });

  it("synthesizes the same stack as with stack traces on", () => {
    const synthOnce = (wrap: <T>(fn: () => T) => T) => {
      const out = mkdtempSync(path.join(tmpdir(), "homedock-traces-"));
      try {
        wrap(() => {
          const app = new App({ outdir: out });
          Host.fromModel(new TerraformStack(app, "course"), "host", loadConfig(path.join(root, "examples", "course.yaml")));
          app.synth();
        });
        return readFileSync(path.join(out, "stacks", "course", "cdk.tf.json"), "utf8");
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    };
    const plain = synthOnce((fn) => fn());
    expect(synthOnce(withoutStackTraces)).toBe(plain);
    expect(JSON.parse(plain).resource.docker_container).toBeDefined();
  });
});
