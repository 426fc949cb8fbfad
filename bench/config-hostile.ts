// Hostile configs, timed from the text to the model or the one-line error: the two
// alias bombs, the largest refusals the budgets allow, and the slowest of 2,000 fuzzed
// configs (the fuzz test's generators, a fixed seed). CPU and wall time, median of 5 after one
// read to warm up.
//   npm run bench:hostile
import fc from "fast-check";
import { MAX_CONFIG_BYTES, MAX_CONFIG_NODES } from "../src/config/bounds";
import { configTexts, rawTexts, read } from "../test/helpers/fuzz-configs";
import { bombUnderCommand, bombUnderUnknownKey } from "../test/helpers/hostile";

const SEED = 19;
const SAMPLES = 1_000;

function timed(label: string, text: string): void {
  read(text);
  const runs = Array.from({ length: 5 }, () => read(text));
  const median = (key: "cpuMs" | "wallMs") => runs.map((r) => r[key]).sort((a, b) => a - b)[2];
  const first = runs[0].lines[0] ?? "a model";
  console.log(`| ${label} | ${(text.length / 1024).toFixed(1)} | ${median("cpuMs").toFixed(1)} | ${median("wallMs").toFixed(1)} | ${first.slice(0, 90)} |`);
}

/** The median CPU time of five reads. */
const cpuMedian = (text: string) => Array.from({ length: 5 }, () => read(text).cpuMs).sort((a, b) => a - b)[2];

/**
 * The sample the reader takes longest over (CPU), of SAMPLES from each generator: the
 * ten slowest of one pass (after a pass to warm the JIT), then the slowest of those by
 * the median of five reads.
 */
function slowest(): { family: string; text: string } {
  const all = (["schema", "raw"] as const).flatMap((family) =>
    fc.sample(family === "schema" ? configTexts : rawTexts, { seed: SEED, numRuns: SAMPLES }).map((text) => ({ family, text })),
  );
  for (const { text } of all) read(text);
  const candidates = all
    .map((c) => ({ ...c, cpuMs: read(c.text).cpuMs }))
    .sort((a, b) => b.cpuMs - a.cpuMs)
    .slice(0, 10);
  return candidates.map((c) => ({ ...c, cpuMs: cpuMedian(c.text) })).sort((a, b) => b.cpuMs - a.cpuMs)[0];
}

const valid = "environments:\n  - {name: py, image: course/python:1, command: [jupyter]}\nusers:\n  - {name: alice, uid: 1001, gid: 1001}\n";
const worst = slowest();
console.log(`slowest of ${2 * SAMPLES} fuzzed configs (seed ${SEED}): ${worst.family}, ${JSON.stringify(worst.text.slice(0, 300))}\n`);
console.log("| config | KiB | CPU ms | wall ms | first line |\n| --- | ---: | ---: | ---: | --- |");
timed("a valid 4-line config", valid);
timed("billion laughs under an unknown key", bombUnderUnknownKey);
timed("billion laughs as an environment's command", bombUnderCommand);
timed(`${MAX_CONFIG_NODES.toLocaleString("en-US")} list items, one node too many`, `environments: [${"1,".repeat(MAX_CONFIG_NODES - 2)}1]\n`);
timed(`${(MAX_CONFIG_NODES - 10).toLocaleString("en-US")} wrong list items (every one a problem)`, `environments: [${"1,".repeat(MAX_CONFIG_NODES - 12)}1]\n`);
timed(
  `${(MAX_CONFIG_NODES / 2 - 10).toLocaleString("en-US")} unknown keys`,
  `environments: [{name: a, image: a, command: [a], ${Array.from({ length: MAX_CONFIG_NODES / 2 - 10 }, (_, i) => `k${i.toString(36)}: 1`).join(", ")}}]\n`,
);
timed("a file one byte over 1 MiB", `# ${"x".repeat(MAX_CONFIG_BYTES - 2)}\n`);
timed("the slowest fuzzed config", worst.text);
