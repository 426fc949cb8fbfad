// Fuzzing the config reader: whatever a config file holds, reading it ends with a model
// or a ConfigError of one-line messages, never another error or a stack trace, and
// within a second of CPU. The runs and the slowest case are printed.
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { configTexts, type Outcome, rawTexts, read } from "../../helpers/fuzz-configs";

const seen: (Outcome & { text: string; family: string })[] = [];

function check(family: string, text: string): void {
  const outcome = read(text);
  seen.push({ ...outcome, text, family });
  expect(outcome.cpuMs, text.slice(0, 500)).toBeLessThan(1000);
  for (const line of outcome.lines) {
    expect(line).not.toMatch(/\n|^\s+at /);
    expect(line.length).toBeLessThan(1000);
  }
}

afterAll(() => {
  const slowest = seen.reduce((a, b) => (b.cpuMs > a.cpuMs ? b : a));
  const errors = seen.filter((s) => s.kind === "error").length;
  const aliases = seen.filter((s) => s.lines.some((l) => / alias \*/.test(l))).length;
  console.log(
    `config fuzz: ${seen.length} runs (${seen.length - errors} models, ${errors} errors, ${aliases} of them at an alias); slowest ${slowest.cpuMs.toFixed(0)} ms CPU ` +
      `(${slowest.wallMs.toFixed(0)} ms wall), ${slowest.family}, ${slowest.text.length} characters: ${JSON.stringify(slowest.text.slice(0, 200))}`,
  );
});

describe("the config reader, fuzzed", () => {
  it("YAML the yaml library writes from objects over the schema's keys: a model or a clear error", () => {
    fc.assert(
      fc.property(configTexts, (text) => check("schema", text)),
      { numRuns: 300 },
    );
  });

  it("raw YAML with anchors and aliases anywhere: a model or a clear error", () => {
    fc.assert(
      fc.property(rawTexts, (text) => check("raw", text)),
      { numRuns: 500 },
    );
  });
});
