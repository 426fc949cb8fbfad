// Reading a plan of 10,000 workspaces with `homedock review`: a plan built from the
// entries of a real recorded one (test/fixtures/plans/upgrade-image.json), each
// workspace cloned under new user names, 1 in 10 replaced by an image upgrade and
// the rest unchanged; planned_values and prior_state list every container too. Time
// from the plan's bytes to the Markdown (parse included), median of 5, and peak RSS;
// then `homedock review <file>` end to end, median of 5.
//   npm run bench:review [-- workspaces]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { reviewPlan } from "../src/review/review";

const WORKSPACES = Number(process.argv[2] ?? 10_000);
const real = JSON.parse(readFileSync(path.resolve(__dirname, "../test/fixtures/plans/upgrade-image.json"), "utf8"));
const isWorkspace = (c: any) =>
  c.type === "docker_container" && (c.change.after ?? c.change.before).labels.some((l: any) => l.label === "homedock.role" && l.value === "workspace");
const replaced = real.resource_changes.find((c: any) => isWorkspace(c) && c.change.actions.length === 2);
const unchanged = real.resource_changes.find((c: any) => isWorkspace(c) && c.change.actions[0] === "no-op");
const rename = (change: any, i: number) => {
  const relabel = (v: any) =>
    v && { ...v, name: `bench-user${i}.py`, labels: v.labels.map((l: any) => (l.label === "homedock.user" ? { ...l, value: `user${i}` } : l)) };
  return {
    ...change,
    address: `docker_container.ws_${i}`,
    change: { ...change.change, before: relabel(change.change.before), after: relabel(change.change.after) },
  };
};
const resourceChanges = Array.from({ length: WORKSPACES }, (_, i) => rename(i % 10 === 0 ? replaced : unchanged, i));
// planned_values and prior_state hold every container again, as in a real plan.
const resources = (pick: "before" | "after") =>
  resourceChanges.map((c) => ({
    address: c.address,
    mode: "managed",
    type: c.type,
    name: c.address.split(".")[1],
    provider_name: c.provider_name,
    schema_version: 2,
    values: c.change[pick],
  }));
const plan = {
  ...real,
  resource_changes: resourceChanges,
  planned_values: { root_module: { resources: resources("after") } },
  prior_state: { ...real.prior_state, values: { root_module: { resources: resources("before") } } },
};
const text = JSON.stringify(plan);
// What the command has after reading the file: the plan's bytes.
const bytes = Buffer.from(text);
const times: number[] = [];
let summary = "";
for (let i = 0; i < 5; i++) {
  const start = process.hrtime.bigint();
  summary = reviewPlan(bytes).markdown.split("\n")[2];
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
}
times.sort((a, b) => a - b);
console.log(
  `review: ${WORKSPACES} workspaces, ${(text.length / 2 ** 20).toFixed(0)} MiB of plan JSON, median ${times[2].toFixed(0)} ms (min ${times[0].toFixed(0)}, max ${times[4].toFixed(0)}), peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB\n${summary}`,
);

// The command end to end: node and tsx start, the file read, the review printed.
const dir = mkdtempSync(path.join(tmpdir(), "homedock-bench-review-"));
try {
  const file = path.join(dir, "plan.json");
  writeFileSync(file, text);
  const cli: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(path.resolve(__dirname, "../node_modules/.bin/tsx"), [path.resolve(__dirname, "../src/cli/cli.ts"), "review", file], {
      encoding: "utf8",
      maxBuffer: 1 << 26,
    });
    cli.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (r.status !== 0) throw new Error(r.stderr);
  }
  cli.sort((a, b) => a - b);
  console.log(`homedock review <file>: median ${cli[2].toFixed(0)} ms (min ${cli[0].toFixed(0)}, max ${cli[4].toFixed(0)})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
