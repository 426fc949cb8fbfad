// What the deploy benchmarks share on one Docker host: a command timed as a whole
// process, and a benchmark host's containers and networks removed between runs.
import { execFileSync, spawnSync } from "node:child_process";

/** Runs `cmd` to its end, which must succeed; the milliseconds it took. */
export function timedMs(cmd: string, args: readonly string[], options: { readonly cwd: string; readonly env: NodeJS.ProcessEnv }): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: options.cwd, env: options.env, encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${(r.stdout + r.stderr).slice(-3000)}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const lines = (args: string[]) => execFileSync("docker", args, { encoding: "utf8" }).split("\n").filter(Boolean);

/** Removes every container `filter` (a `docker ps --filter`) selects, running or not. */
export function removeContainers(filter: string): void {
  const ids = lines(["ps", "-aq", "--filter", filter]);
  if (ids.length > 0) execFileSync("docker", ["rm", "-f", ...ids], { stdio: "ignore" });
}

/**
 * Removes the networks `filter` (a `docker network ls --filter`) selects. A network
 * whose removed container's endpoint Docker kept refuses `network rm`; the stale
 * endpoint is disconnected by force first.
 */
export function removeNetworks(filter: string): void {
  const ls = () => lines(["network", "ls", "-q", "--filter", filter]);
  for (const id of ls()) {
    const endpoints = lines(["network", "inspect", "-f", "{{range .Containers}}{{.Name}}\n{{end}}", id]);
    for (const endpoint of endpoints) spawnSync("docker", ["network", "disconnect", "-f", id, endpoint], { stdio: "ignore" });
    spawnSync("docker", ["network", "rm", id], { stdio: "ignore" });
  }
  const left = ls();
  if (left.length > 0) throw new Error(`could not remove the benchmark's networks ${left.join(", ")}: docker network rm them`);
}
