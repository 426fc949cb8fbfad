// Synth of 100 / 1,000 / 10,000 workspaces: homedock (main.ts on a generated config
// file) against plain cdktf declaring the same resources in a loop (bench/raw-cdktf.ts);
// the two cdk.tf.json files must be equal but for logical ids (bench/same-stack.ts).
// Each run is its own process; the two sides alternate; medians of wall time, of CPU
// time (all the process's threads: steadier than wall time on a shared machine) and of
// peak RSS.   npm run bench:synth [-- runs [sizes...]]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { generatedConfig, usersFor } from "./generate";
import { assertSameStack } from "./same-stack";

const repo = path.resolve(__dirname, "..");
const tsx = path.join(repo, "node_modules/.bin/tsx");
const RUNS = Number(process.argv[2] ?? 5);
const SIZES = process.argv.length > 3 ? process.argv.slice(3).map(Number) : [100, 1_000, 10_000];

interface Usage {
  ms: number;
  cpuMs: number;
  rssMiB: number;
}

function run(args: string[], env: NodeJS.ProcessEnv): Usage {
  const start = process.hrtime.bigint();
  const r = spawnSync(tsx, ["--require", path.join(__dirname, "report-usage.cjs"), ...args], {
    env: { ...process.env, ...env },
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(" ")}: ${r.stderr.slice(-2000)}`);
  const usage = /homedock-bench-usage rss-kib=(\d+) cpu-us=(\d+)/.exec(r.stderr);
  if (!usage) throw new Error(`${args.join(" ")}: no usage reported`);
  return { ms, cpuMs: Number(usage[2]) / 1000, rssMiB: Number(usage[1]) / 1024 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const stack = (file: string) => JSON.parse(readFileSync(file, "utf8"));

const dir = mkdtempSync(path.join(tmpdir(), "homedock-bench-synth-"));
try {
  console.log(
    "| workspaces | homedock (ms) | raw cdktf (ms) | ratio | homedock CPU (ms) | raw cdktf CPU (ms) | CPU ratio | homedock peak RSS (MiB) | raw cdktf peak RSS (MiB) |",
  );
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const size of SIZES) {
    const users = usersFor(size);
    const config = path.join(dir, `homedock-${size}.yaml`);
    const c = generatedConfig(users);
    writeFileSync(config, stringify({ ...c, host: { ...c.host, homeRoot: "/home" } }));
    const ours: Usage[] = [];
    const raw: Usage[] = [];
    for (let i = 0; i < RUNS; i++) {
      ours.push(run([path.join(repo, "main.ts")], { HOMEDOCK_CONFIG: config, CDKTF_OUTDIR: path.join(dir, "ours") }));
      raw.push(run([path.join(__dirname, "raw-cdktf.ts"), String(users), path.join(dir, "raw")], {}));
    }
    assertSameStack(stack(path.join(dir, "ours/stacks/bench/cdk.tf.json")), stack(path.join(dir, "raw/stacks/bench/cdk.tf.json")), ["homedock", "raw cdktf"]);
    const m = (runs: Usage[], key: keyof Usage) => median(runs.map((u) => u[key]));
    const [a, b] = [m(ours, "ms"), m(raw, "ms")];
    const [ca, cb] = [m(ours, "cpuMs"), m(raw, "cpuMs")];
    console.log(
      `| ${size.toLocaleString("en")} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(a / b).toFixed(2)} | ${ca.toFixed(0)} | ${cb.toFixed(0)} | ${(ca / cb).toFixed(2)} | ${m(ours, "rssMiB").toFixed(0)} | ${m(raw, "rssMiB").toFixed(0)} |`,
    );
  }
  console.log(`\nmedian of ${RUNS} alternating runs per side, each its own process (tsx start included); both stacks declare the same, but for logical ids`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
