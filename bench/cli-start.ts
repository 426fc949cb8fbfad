// `homedock --help` start: the command as a user installs it (the packed tarball in a
// new cdktf project, compiled JavaScript) against the checkout's sources through tsx,
// as the command started before it was compiled. Runs alternate; wall time and CPU
// time (user + sys of the child) of each, medians of RUNS. Target: under 0.3 s.
//   npm run bench:cli [-- runs]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { pack, pinned, repo, userProject } from "../test/package/project";

const RUNS = Number(process.argv[2] ?? 10);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** CPU seconds (user + sys) of this process's reaped children, from /proc (clock ticks of 10 ms). */
function childrenCpu(): number {
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
  // cutime and cstime: fields 16 and 17 of stat(5), here counted from field 3.
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/** Wall and CPU seconds of one run of argv. */
function time(argv: string[], cwd: string): { wall: number; cpu: number } {
  const before = childrenCpu();
  const start = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { cwd, encoding: "utf8" });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0 || !r.stdout.includes("Usage: homedock")) throw new Error(`${argv.join(" ")}: ${r.status}\n${r.stderr}`);
  // The child's CPU is counted here once it is reaped; nothing else is spawned meanwhile.
  return { wall, cpu: childrenCpu() - before };
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), "homedock-bench-cli-"));
  try {
    const tarball = await pack(mkdtempSync(path.join(work, "pack-")));
    const app = await userProject(path.join(work, "app"), tarball, {
      cdktf: pinned("cdktf"),
      constructs: pinned("constructs"),
      "@cdktf/provider-docker": pinned("@cdktf/provider-docker"),
    });
    const sides = {
      "installed (node, compiled)": [path.join(app, "node_modules/.bin/homedock"), "--help"],
      "sources (tsx)": [path.join(repo, "node_modules/.bin/tsx"), path.join(repo, "src/cli/cli.ts"), "--help"],
    };
    const results = Object.fromEntries(Object.keys(sides).map((k) => [k, { wall: [] as number[], cpu: [] as number[] }]));
    for (const argv of Object.values(sides)) time(argv, app); // warm-up: the file cache
    for (let i = 0; i < RUNS; i++) {
      for (const [name, argv] of Object.entries(sides)) {
        const t = time(argv, app);
        results[name].wall.push(t.wall);
        results[name].cpu.push(t.cpu);
      }
    }
    console.log(`homedock --help, median of ${RUNS} alternating runs`);
    for (const [name, r] of Object.entries(results)) {
      console.log(`  ${name.padEnd(28)} wall ${median(r.wall).toFixed(3)} s (min ${Math.min(...r.wall).toFixed(3)})  cpu ${median(r.cpu).toFixed(3)} s`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

void main();
