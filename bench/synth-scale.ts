// Synth of 100 / 1,000 / 10,000 workspaces: homedock (main.ts on a generated config
// file) against plain cdktf declaring the same resources in a loop (bench/raw-cdktf.ts).
// Each run is its own process; the two sides alternate; medians of wall time and of
// peak RSS.   npm run bench:synth [-- runs [sizes...]]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { generatedConfig, usersFor } from "./generate";

const repo = path.resolve(__dirname, "..");
const tsx = path.join(repo, "node_modules/.bin/tsx");
const RUNS = Number(process.argv[2] ?? 5);
const SIZES = process.argv.length > 3 ? process.argv.slice(3).map(Number) : [100, 1_000, 10_000];

function run(args: string[], env: NodeJS.ProcessEnv): { ms: number; rssMiB: number } {
  const start = process.hrtime.bigint();
  const r = spawnSync(tsx, ["--require", path.join(__dirname, "report-rss.cjs"), ...args], { env: { ...process.env, ...env }, encoding: "utf8", maxBuffer: 1 << 26 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(" ")}: ${r.stderr.slice(-2000)}`);
  const rss = /homedock-bench-rss-kib (\d+)/.exec(r.stderr);
  return { ms, rssMiB: Number(rss![1]) / 1024 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const resources = (file: string) => {
  const tf = JSON.parse(readFileSync(file, "utf8"));
  return Object.values<Record<string, unknown>>(tf.resource).reduce((n, r) => n + Object.keys(r).length, 0);
};

const dir = mkdtempSync(path.join(tmpdir(), "homedock-bench-synth-"));
try {
  console.log("| workspaces | homedock (ms) | raw cdktf (ms) | ratio | homedock peak RSS (MiB) | raw cdktf peak RSS (MiB) |");
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const size of SIZES) {
    const users = usersFor(size);
    const config = path.join(dir, `homedock-${size}.yaml`);
    const c = generatedConfig(users);
    writeFileSync(config, stringify({ ...c, host: { ...c.host, homeRoot: "/home" } }));
    const ours = { ms: [] as number[], rss: [] as number[] };
    const raw = { ms: [] as number[], rss: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      const a = run([path.join(repo, "main.ts")], { HOMEDOCK_CONFIG: config, CDKTF_OUTDIR: path.join(dir, "ours") });
      const b = run([path.join(__dirname, "raw-cdktf.ts"), String(users), path.join(dir, "raw")], {});
      ours.ms.push(a.ms);
      ours.rss.push(a.rssMiB);
      raw.ms.push(b.ms);
      raw.rss.push(b.rssMiB);
    }
    const n1 = resources(path.join(dir, "ours/stacks/bench/cdk.tf.json"));
    const n2 = resources(path.join(dir, "raw/stacks/bench/cdk.tf.json"));
    if (n1 !== n2) throw new Error(`not the same stack: ${n1} resources against ${n2}`);
    const [a, b] = [median(ours.ms), median(raw.ms)];
    console.log(`| ${size.toLocaleString("en")} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(a / b).toFixed(2)} | ${median(ours.rss).toFixed(0)} | ${median(raw.rss).toFixed(0)} |`);
  }
  console.log(`\nmedian of ${RUNS} alternating runs per side, each its own process (tsx start included); both stacks hold the same resources`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
