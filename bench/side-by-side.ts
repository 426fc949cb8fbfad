// What the status benchmarks share: commands timed as whole processes, side by side.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

export const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** CPU seconds (user + sys) of this process's reaped children and theirs, from /proc (clock ticks of 10 ms). */
export function childrenCpu(): number {
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/**
 * Wall and CPU seconds of `argv` (the command and the processes it waits for); it must
 * succeed, and `check` sees its output.
 */
export function timed(argv: string[], check: (argv: string[], stdout: string) => void = () => {}): { wall: number; cpu: number } {
  const before = childrenCpu();
  const start = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8", maxBuffer: 1 << 26 });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${argv.join(" ")}: ${r.status}\n${r.stderr}`);
  check(argv, r.stdout);
  return { wall, cpu: childrenCpu() - before };
}

export interface Figures {
  readonly wall: number[];
  readonly cpu: number[];
}

/** Each side once (a warm-up), then `runs` rounds of all sides in turn, timed by `time`. */
export function alternate(
  sides: Readonly<Record<string, string[]>>,
  runs: number,
  time: (argv: string[]) => { wall: number; cpu: number },
): Record<string, Figures> {
  const results = Object.fromEntries(Object.keys(sides).map((k) => [k, { wall: [] as number[], cpu: [] as number[] }]));
  for (const argv of Object.values(sides)) time(argv);
  for (let i = 0; i < runs; i++) {
    for (const [name, argv] of Object.entries(sides)) {
      const { wall, cpu } = time(argv);
      results[name].wall.push(wall);
      results[name].cpu.push(cpu);
    }
  }
  return results;
}

/** The figures, one line a side: median wall (min-max) and median CPU, in seconds, after `title` and the load average. */
export function printFigures(title: string, results: Readonly<Record<string, Figures>>): void {
  const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  console.log(`${title}; median (min-max), seconds; load average at the end ${load}`);
  for (const [name, { wall, cpu }] of Object.entries(results)) {
    console.log(`${name}: wall ${median(wall).toFixed(2)} (${Math.min(...wall).toFixed(2)}-${Math.max(...wall).toFixed(2)}), cpu ${median(cpu).toFixed(2)}`);
  }
}
